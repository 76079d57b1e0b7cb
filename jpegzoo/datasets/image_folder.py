"""``image_folder``: a local folder of images as a TFDS dataset, prepared once, offline.

The first call for a (folder, validation_fraction) pair reads every image and writes a
TFDS copy under the data directory (see :mod:`jpegzoo.datasets.data_dir`); later calls
read that copy. If files were added, removed or modified since (the listing's paths,
sizes and modification times differ), the copy is rebuilt; files keep their split, which
depends on the file name only (see :mod:`jpegzoo.datasets.folder_split`).

The builder itself, :class:`ImageFolderBuilder` with :class:`ImageFolderConfig`, lives in
:mod:`jpegzoo.datasets.folder_builder` (it imports tensorflow_datasets, which takes
seconds); both names are also importable from here, loaded on first use.
"""

import logging
import os

from jpegzoo.datasets import folder_split
from jpegzoo.datasets.data_dir import resolve_data_dir
from jpegzoo.datasets.errors import DatasetError

_log = logging.getLogger(__name__)
_LAZY_NAMES = ("ImageFolderBuilder", "ImageFolderConfig", "make_config")


def image_folder(path, split="train", data_dir=None, validation_fraction=0.1,
                 shuffle_files=False):
    """The images under folder ``path`` as a ``tf.data.Dataset``.

    Args:
        path: folder of .png/.jpg/.jpeg/.bmp/.ppm files, searched recursively.
        split: ``"train"``, ``"validation"``, or a TFDS split expression over them
            (``"train[:50%]"``, ``"train+validation"``).
        data_dir: where the prepared copy lives (default: ``$JPEGZOO_DATA_DIR``, else
            ``~/.cache/jpegzoo/tensorflow_datasets``).
        validation_fraction: expected share of files in ``validation``, in [0, 1].
        shuffle_files: passed to TFDS (shuffles shard order; one shard for small folders).

    Returns:
        Dataset of ``{"image": uint8 [H, W, 3] RGB, "filename": tf.string}`` where the
        file name is relative to ``path``; in sorted file-name order unless shuffled.

    Raises:
        DatasetError: missing folder, no images in it, a fraction outside [0, 1], an empty
            or unknown split; ``jpegzoo.imageio.ImageInputError`` for an unusable image.
    """
    folder, files = checked_folder(path)
    builder = prepared_builder(folder, files, data_dir, validation_fraction)
    return builder.as_dataset(split=checked_split(builder, split), shuffle_files=shuffle_files)


def checked_folder(path):
    """``(absolute folder, sorted relative image paths)``; raises DatasetError if unusable."""
    folder = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if not os.path.exists(folder):
        raise DatasetError(f"{path}: no such folder")
    if not os.path.isdir(folder):
        raise DatasetError(f"{path}: is a file, not a folder of images")
    files = folder_split.list_images(folder)
    if not files:
        raise DatasetError(f"{path}: no image files in this folder or below it (looked for "
                           f"{', '.join(folder_split.IMAGE_EXTENSIONS)})")
    return folder, files


def prepared_builder(folder, files, data_dir=None, validation_fraction=0.1):
    """The :class:`ImageFolderBuilder` for ``folder``, prepared (again if ``files`` changed)."""
    if not 0.0 <= float(validation_fraction) <= 1.0:
        raise DatasetError(f"validation_fraction must be in [0, 1], not {validation_fraction}")
    import tensorflow_datasets as tfds

    from jpegzoo.datasets.folder_builder import ImageFolderBuilder, make_config

    builder = ImageFolderBuilder(config=make_config(folder, validation_fraction),
                                 data_dir=resolve_data_dir(data_dir))
    mode = tfds.download.GenerateMode.REUSE_DATASET_IF_EXISTS
    if builder.is_prepared():
        if builder.info.metadata.get("fingerprint") == folder_split.fingerprint(folder, files):
            return builder
        _log.info("%s changed since it was prepared; preparing it again", folder)
        mode = tfds.download.GenerateMode.REUSE_CACHE_IF_EXISTS  # overwrites the old copy
    config = tfds.download.DownloadConfig(download_mode=mode,
                                          compute_stats=tfds.download.ComputeStatsMode.SKIP)
    builder.download_and_prepare(download_config=config)
    return builder


def checked_split(builder, split):
    """``split`` unchanged if every split it names exists in ``builder``; else DatasetError."""
    available = builder.info.splits
    for part in str(split).split("+"):
        name = part.split("[")[0].strip()
        if name not in available:
            sizes = ", ".join(f"{key}: {available[key].num_examples} images"
                              for key in sorted(available.keys())) or "none"
            config = builder.builder_config
            raise DatasetError(f"{config.folder}: split {name!r} is empty or unknown (splits: "
                               f"{sizes}; validation_fraction={config.validation_fraction})")
    return split


def __getattr__(name):
    """Load :class:`ImageFolderBuilder` and friends (and tensorflow_datasets) on first use."""
    if name in _LAZY_NAMES:
        from jpegzoo.datasets import folder_builder

        return getattr(folder_builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

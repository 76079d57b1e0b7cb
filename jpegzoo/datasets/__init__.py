"""Input pipelines: local image folders and TFDS catalog datasets, cut into patches.

One data path for training: the zoo's trainers (:mod:`jpegzoo.training`, ``jpegzoo train``)
read their photos with :func:`jpegzoo.datasets.photo_crops.load_photos` (numpy images of
one or more folders, split into training and validation by a hash of each file name, the
split of :mod:`jpegzoo.datasets.folder_split`) and cut them with that module's crop
helpers; ``mutation_bitcount``'s block datasets (:mod:`jpegzoo.datasets.jpeg_blocks`) are
written from the same photos. The TFDS builders and pipelines below are for retraining
on catalog data (or a folder as a TFDS dataset) in your own tf.data code; no trainer of
the zoo uses them.

- :func:`image_folder` — a local folder of images as a TFDS dataset (prepared once,
  offline), split into ``train`` / ``validation`` by a stable hash of each file name.
- :func:`catalog` — a TFDS catalog dataset by name; fails within seconds when it is not
  prepared locally and the network is unreachable.
- :func:`load` — either of the two, chosen by whether the name is an existing folder.
- :func:`patch_pipeline` — random crops, augmentation, shuffling, batching, prefetching.

All return ``tf.data.Dataset`` objects. Importing this package imports neither TensorFlow
nor tensorflow_datasets: they are imported when a function is first called.

Note: the functions ``image_folder`` and ``catalog`` share their names with the modules
that define them; the package attributes are the functions. To reach a module (e.g. to
monkeypatch ``network_reachable``) use ``importlib.import_module(
"jpegzoo.datasets.catalog")`` or ``from jpegzoo.datasets.catalog import ...``.
"""

import os

from jpegzoo.datasets.catalog import catalog
from jpegzoo.datasets.data_dir import resolve_data_dir
from jpegzoo.datasets.errors import DatasetError, DatasetUnavailableError, UnknownDatasetError
from jpegzoo.datasets.image_folder import image_folder
from jpegzoo.datasets.patches import patch_pipeline

__all__ = ["load", "image_folder", "catalog", "patch_pipeline", "resolve_data_dir",
           "DatasetError", "DatasetUnavailableError", "UnknownDatasetError"]

_PATH_PREFIXES = ("/", "./", "../", "~", ".\\", "..\\")


def load(name_or_path, split="train", **kwargs):
    """:func:`image_folder` if ``name_or_path`` exists on disk (or looks like a path:
    starts with ``/``, ``./``, ``../`` or ``~``), else :func:`catalog`.

    ``kwargs`` go to the chosen function (``data_dir`` suits both). Raises
    :class:`UnknownDatasetError` for a name that is neither a folder nor a catalog name.
    """
    text = os.fspath(name_or_path)
    if os.path.exists(os.path.expanduser(text)) or text.startswith(_PATH_PREFIXES):
        return image_folder(text, split=split, **kwargs)
    try:
        return catalog(text, split=split, **kwargs)
    except UnknownDatasetError as error:
        raise UnknownDatasetError(f"{text}: no such folder, and {error}") from None

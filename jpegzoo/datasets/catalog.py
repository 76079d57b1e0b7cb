"""``catalog``: datasets from the TFDS catalog by name, failing fast when offline.

A dataset already prepared under the data directory is loaded with no network access. One
that is not is downloaded and prepared only if :func:`network_reachable` says the internet
is reachable (a TCP connection to ``storage.googleapis.com:443`` within a few seconds: a
proxy for "online"; the files themselves come from each dataset's own hosts); otherwise
:class:`DatasetUnavailableError` says so at once, where ``tfds.load`` would retry for
minutes.

Images are returned under the key ``"image"``: the dataset's ``image`` feature (clic and
most others), else its ``hr`` feature (div2k: the high-resolution image; ``lr`` is
dropped); a dataset with neither is refused.
"""

import difflib
import socket
import threading

from jpegzoo.datasets.data_dir import resolve_data_dir
from jpegzoo.datasets.errors import DatasetError, DatasetUnavailableError, UnknownDatasetError

PROBE_HOST = ("storage.googleapis.com", 443)
IMAGE_KEYS = ("image", "hr")


def catalog(name, split="train", data_dir=None, download=True):
    """The TFDS catalog dataset ``name`` (e.g. ``"div2k"``, ``"clic"``, ``"div2k/bicubic_x4"``).

    Args:
        name: a TFDS name, optionally with ``/config`` and ``:version``.
        split: a TFDS split name or expression (``"train"``, ``"validation[:10]"``...).
        data_dir: see :mod:`jpegzoo.datasets.data_dir`.
        download: if False, never download: a dataset that is not prepared is an error.

    Returns:
        Dataset of ``{"image": uint8 [H, W, C]}`` (C is 3 for div2k and clic).

    Raises:
        UnknownDatasetError: ``name`` is not in the TFDS catalog.
        DatasetUnavailableError: not prepared in ``data_dir`` and ``download`` is False or
            the network is unreachable.
        DatasetError: the dataset has no image feature.
    """
    import tensorflow_datasets as tfds

    check_name(name)
    data_dir = resolve_data_dir(data_dir)
    builder = tfds.builder(name, data_dir=data_dir)
    key = image_key(builder.info.features, name)
    if not builder.is_prepared():
        _check_can_download(name, data_dir, download)
        builder.download_and_prepare()
    return builder.as_dataset(split=split).map(lambda example: {"image": example[key]})


def check_name(name):
    """Raise :class:`UnknownDatasetError` unless ``name``'s dataset is in the TFDS catalog."""
    import tensorflow_datasets as tfds

    base = str(name).split("/")[0].split(":")[0]
    known = tfds.list_builders(with_community_datasets=False)
    if base not in known:
        close = difflib.get_close_matches(base.lower(), known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownDatasetError(f"{name!r} is not a TFDS catalog dataset{hint}")


def image_key(features, name):
    """The feature name holding the image (see module docstring), or DatasetError."""
    for key in IMAGE_KEYS:
        if key in features:
            return key
    raise DatasetError(f"{name}: no image feature (features: {', '.join(features.keys())})")


def network_reachable(host=PROBE_HOST, timeout=3.0):
    """True if a TCP connection to ``host`` (hostname, port) opens within ``timeout`` seconds.

    The name look-up happens in a worker thread, so a hanging DNS resolver cannot hold the
    caller for longer than ``timeout``.
    """
    outcome = []

    def probe():
        try:
            socket.create_connection(host, timeout=timeout).close()
            outcome.append(True)
        except OSError:
            outcome.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(outcome and outcome[0])


def _check_can_download(name, data_dir, download):
    remedy = (f"prepare it on a machine with network access (tfds.builder({name!r}, "
              f"data_dir=...).download_and_prepare()) and copy that data_dir to {data_dir}, "
              "or use jpegzoo.datasets.image_folder on a local folder of images")
    if not download:
        raise DatasetUnavailableError(f"{name}: not prepared in {data_dir} and download=False; "
                                      f"pass download=True, or {remedy}")
    if not network_reachable():
        raise DatasetUnavailableError(f"{name}: not prepared in {data_dir} and the network is "
                                      f"unreachable ({PROBE_HOST[0]}); {remedy}")

"""Where prepared TFDS datasets live.

Order of precedence: the ``data_dir`` argument, then the ``JPEGZOO_DATA_DIR`` environment
variable, then ``~/.cache/jpegzoo/tensorflow_datasets``. TFDS itself then keeps each
dataset under ``<data_dir>/<dataset>/<config>/<version>/``.
"""

import os

ENV_VAR = "JPEGZOO_DATA_DIR"
DEFAULT_DATA_DIR = os.path.join("~", ".cache", "jpegzoo", "tensorflow_datasets")


def resolve_data_dir(data_dir=None):
    """The absolute data directory (str) for ``data_dir`` (path or None); not created here."""
    chosen = data_dir if data_dir is not None else os.environ.get(ENV_VAR) or DEFAULT_DATA_DIR
    return os.path.abspath(os.path.expanduser(os.fspath(chosen)))

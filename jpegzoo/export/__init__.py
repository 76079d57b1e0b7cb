"""Writing models' outputs: the reference baseline-JPEG writer (``encode``,
``write_jpeg``) and its parser (``read_jpeg``, ``read_header``), and SavedModel export
with serving signatures for TF Serving (``export_saved_model``, ``write_models_config``,
``load_serving``), and the ``.jzc`` container of the learned codecs (``write_jzc``,
``read_jzc``).

The SavedModel helpers import TensorFlow; they are loaded on first use so that the
numpy-only writer and parser stay cheap to import.
"""

import importlib

from jpegzoo.export.baseline import encode, image_to_levels
from jpegzoo.export.jpeg_reader import read_header, read_jpeg
from jpegzoo.export.jpeg_structure import ComponentLevels, JpegLevels
from jpegzoo.export.jpeg_writer import encode_scan, write_jpeg
from jpegzoo.export.jzc import JzcFile, Stream, read_jzc, write_jzc

_SAVED_MODEL = ("export_saved_model", "load_serving", "write_models_config")

__all__ = ["ComponentLevels", "JpegLevels", "JzcFile", "Stream", "encode", "encode_scan",
           "image_to_levels", "read_header", "read_jpeg", "read_jzc", "write_jpeg",
           "write_jzc", *_SAVED_MODEL]


def __getattr__(name):
    if name in _SAVED_MODEL:
        return getattr(importlib.import_module("jpegzoo.export.saved_model"), name)
    raise AttributeError(f"module 'jpegzoo.export' has no attribute {name!r}")

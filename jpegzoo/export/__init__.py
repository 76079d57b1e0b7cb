"""SavedModel export of zoo models with serving signatures for TF Serving
(``export_saved_model``, ``write_models_config``, ``load_serving``).

Loaded on first use: these helpers import TensorFlow.
"""

import importlib

__all__ = ["export_saved_model", "load_serving", "write_models_config"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module("jpegzoo.export.saved_model"), name)
    raise AttributeError(f"module 'jpegzoo.export' has no attribute {name!r}")

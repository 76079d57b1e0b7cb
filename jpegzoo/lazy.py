"""Lazy references to code: ``"module:attribute"`` strings, imported only when used, so
that registries (the zoo, the encoding methods, the trainers) list their entries without
importing TensorFlow."""

import importlib


def resolve(target: str):
    """The object a ``"package.module:attribute"`` string names (imports the module)."""
    module, _, attribute = target.partition(":")
    if not module or not attribute:
        raise ValueError(f"expected 'module:attribute', got {target!r}")
    return getattr(importlib.import_module(module), attribute)

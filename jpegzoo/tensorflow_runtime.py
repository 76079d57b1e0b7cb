"""Start TensorFlow without its C++ start-up noise.

Importing TensorFlow on a machine without a GPU prints lines such as ``cudart_stub.cc ...
Could not find cuda drivers`` and, when its devices are first listed, ``cuInit ... UNKNOWN
ERROR (303)`` from its C++ logger straight to file descriptor 2 -- even with
``TF_CPP_MIN_LOG_LEVEL=3``. :func:`start_tensorflow` imports TensorFlow and initialises its
devices once with descriptor 2 pointed at ``/dev/null``, so that a command's user sees only
jpegzoo's own lines. Python-level errors still reach stderr (descriptor 2 is restored
before any exception propagates).
"""

import contextlib
import functools
import os
import sys


@contextlib.contextmanager
def stderr_silenced():
    """Point file descriptor 2 at ``/dev/null`` inside the block (C/C++ writes included)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@functools.lru_cache(maxsize=1)
def start_tensorflow():
    """Import TensorFlow and list its devices, silently; returns the module."""
    with stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf

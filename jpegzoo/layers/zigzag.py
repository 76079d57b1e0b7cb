"""JPEG zigzag scan order (ITU-T T.81, Figure A.6) and layers that apply it.

``ZIGZAG[i]`` is the natural (row-major, ``8 * v + u``) index of the i-th coefficient in
zigzag order; ``INVERSE_ZIGZAG[n]`` is the zigzag position of natural index ``n``.
"""

import keras
import numpy as np
from keras import ops


def _zigzag_order(n=8):
    cells = [(v, u) for v in range(n) for u in range(n)]
    # Anti-diagonals s = u + v; odd diagonals run top-right -> bottom-left (v rising).
    cells.sort(key=lambda c: (c[0] + c[1], c[0] if (c[0] + c[1]) % 2 else c[1]))
    return np.array([v * n + u for v, u in cells], dtype=np.int32)


ZIGZAG = _zigzag_order()
INVERSE_ZIGZAG = np.argsort(ZIGZAG).astype(np.int32)


@keras.saving.register_keras_serializable(package="jpegzoo")
class Zigzag(keras.layers.Layer):
    """Reorder the last axis (64) from natural to zigzag order. Shape-preserving."""

    def call(self, coeffs):
        return ops.take(coeffs, ZIGZAG, axis=-1)


@keras.saving.register_keras_serializable(package="jpegzoo")
class InverseZigzag(keras.layers.Layer):
    """Reorder the last axis (64) from zigzag to natural order. Shape-preserving."""

    def call(self, coeffs):
        return ops.take(coeffs, INVERSE_ZIGZAG, axis=-1)

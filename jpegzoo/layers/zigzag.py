"""JPEG zigzag scan order (ITU-T T.81, Figure A.6) and layers that apply it.

``ZIGZAG[i]`` is the natural (row-major, ``8 * v + u``) index of the i-th coefficient in
zigzag order; ``INVERSE_ZIGZAG[n]`` is the zigzag position of natural index ``n``.
"""

import keras
from keras import ops

from jpegzoo.layers.numerics.standard import INVERSE_ZIGZAG, ZIGZAG  # noqa: F401


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

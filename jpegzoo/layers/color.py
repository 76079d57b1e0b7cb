"""JFIF colour conversion (ITU-R BT.601, full range, as libjpeg), as Keras 3 layers.

Both directions are affine maps on ``[..., 3]`` tensors in sample units (0..255), hence
differentiable. ``round_output=True`` rounds to integer samples the way an 8-bit encoder
stores them (libjpeg converts to 8-bit YCbCr before downsampling and the DCT); rounding
is applied straight-through so gradients still flow. Forward RGB -> YCbCr rounding uses
libjpeg's 16-bit fixed-point arithmetic (jccolor.c), so integer inputs give exactly the
samples libjpeg codes.
"""

import keras
import numpy as np
from keras import ops

RGB_TO_YCBCR = np.array([
    [0.299, 0.587, 0.114],
    [-0.168735892, -0.331264108, 0.5],
    [0.5, -0.418687589, -0.081312411],
], dtype=np.float64)
YCBCR_OFFSET = np.array([0.0, 128.0, 128.0])
YCBCR_TO_RGB = np.linalg.inv(RGB_TO_YCBCR)

#: libjpeg's fixed-point version (jccolor.c, SCALEBITS = 16): FIX(x) = round(x * 65536),
#: offsets include ONE_HALF (Y) and CBCR_OFFSET + ONE_HALF - 1 (Cb, Cr). Every partial
#: sum stays below 2**24, so float32 evaluates it exactly for integer RGB.
LIBJPEG_SCALE = 65536.0
LIBJPEG_RGB_TO_YCBCR = np.array([
    [19595, 38470, 7471],
    [-11059, -21709, 32768],
    [32768, -27439, -5329],
], dtype=np.float64)
LIBJPEG_YCBCR_OFFSET = np.array([32768.0, 128 * 65536 + 32767.0, 128 * 65536 + 32767.0])


def round_half_away(x):
    """Round to nearest integer, halves away from zero (libjpeg's DESCALE convention)."""
    return ops.sign(x) * ops.floor(ops.abs(x) + 0.5)


def straight_through(x, y):
    """Forward ``y`` (exactly: ``x - x`` is 0), backward identity w.r.t. ``x``
    (straight-through estimator)."""
    return ops.stop_gradient(y) + (x - ops.stop_gradient(x))


class _AffineColor(keras.layers.Layer):
    """Shared body: ``out = in @ M^T + offset`` on the last axis (size 3)."""

    def __init__(self, round_output=False, **kwargs):
        super().__init__(**kwargs)
        self.round_output = bool(round_output)

    def _affine(self, x, matrix, pre_offset, post_offset, rounded=True):
        m = ops.convert_to_tensor(matrix.T.astype("float32"), dtype=x.dtype)
        y = ops.matmul(x - ops.cast(pre_offset.astype("float32"), x.dtype), m)
        y = y + ops.cast(post_offset.astype("float32"), x.dtype)
        if rounded and self.round_output:
            y = straight_through(y, ops.clip(round_half_away(y), 0.0, 255.0))
        return y

    def get_config(self):
        return {**super().get_config(), "round_output": self.round_output}


@keras.saving.register_keras_serializable(package="jpegzoo")
class RGBToYCbCr(_AffineColor):
    """``[..., 3]`` RGB samples (0..255) -> JFIF YCbCr samples (0..255, chroma centred at 128)."""

    def call(self, rgb):
        ycbcr = self._affine(rgb, RGB_TO_YCBCR, np.zeros(3), YCBCR_OFFSET, rounded=False)
        if not self.round_output:
            return ycbcr
        fixed = ops.convert_to_tensor(LIBJPEG_RGB_TO_YCBCR.T.astype("float32"), dtype=rgb.dtype)
        offset = ops.cast(LIBJPEG_YCBCR_OFFSET.astype("float32"), rgb.dtype)
        exact = ops.floor((ops.matmul(ops.round(rgb), fixed) + offset) / LIBJPEG_SCALE)
        return straight_through(ycbcr, ops.clip(exact, 0.0, 255.0))


@keras.saving.register_keras_serializable(package="jpegzoo")
class YCbCrToRGB(_AffineColor):
    """``[..., 3]`` JFIF YCbCr samples (0..255) -> RGB samples (0..255; not clipped unless
    rounding)."""

    def call(self, ycbcr):
        return self._affine(ycbcr, YCBCR_TO_RGB, YCBCR_OFFSET, np.zeros(3))

"""Chroma subsampling (4:4:4, 4:2:2, 4:2:0) and upsampling, as Keras 3 layers.

Sampling factors follow the JPEG convention: the luma component has ``(h, v)`` =
``(2, 2)`` for 4:2:0, ``(2, 1)`` for 4:2:2 and ``(1, 1)`` for 4:4:4; chroma is ``(1, 1)``.
Downsampling is the box average libjpeg uses (rounded with libjpeg's alternating bias when
integer output is asked for); upsampling is either sample replication
("nearest") or libjpeg's "fancy" triangle filter (3/4, 1/4 weights), which Pillow uses
when it decodes. All operations are linear, hence differentiable.
"""

import keras
from keras import ops

from jpegzoo.layers.color import straight_through
from jpegzoo.layers.numerics.standard import (  # noqa: F401
    SUBSAMPLING_FACTORS,
    chroma_factors,
    luma_sampling_factors,
)


@keras.saving.register_keras_serializable(package="jpegzoo")
class ChromaSubsample(keras.layers.Layer):
    """Box-average chroma planes: ``[B, H, W, C]`` -> ``[B, H/fv, W/fh, C]``.

    ``H`` and ``W`` must be multiples of the factors (pad to the MCU size first).
    ``round_output`` rounds to integer samples (straight-through), as an 8-bit encoder does.
    """

    def __init__(self, subsampling="420", round_output=False, **kwargs):
        super().__init__(**kwargs)
        self.subsampling = str(subsampling).replace(":", "")
        self.factors = chroma_factors(self.subsampling)
        self.round_output = bool(round_output)

    def call(self, chroma):
        fv, fh = self.factors
        if (fv, fh) == (1, 1):
            return chroma
        b, h, w, c = ops.shape(chroma)
        x = ops.reshape(chroma, (b, h // fv, fv, w // fh, fh, c))
        y = ops.mean(x, axis=(2, 4))
        if self.round_output:
            y = straight_through(y, _libjpeg_round(y, fv * fh))
        return y

    def get_config(self):
        return {**super().get_config(), "subsampling": self.subsampling,
                "round_output": self.round_output}


def _libjpeg_round(mean, n):
    """Round box means of integer samples as libjpeg's downsamplers do (jcsample.c).

    libjpeg computes ``(sum + bias) >> log2(n)`` with a bias that alternates along each
    output row -- 0, 1, 0, 1, ... for two samples (h2v1) and 1, 2, 1, 2, ... for four
    (h2v2) -- so that halves are not always rounded the same way.
    """
    columns = ops.arange(ops.shape(mean)[2])
    bias = ops.cast(columns % 2 + (1 if n == 4 else 0), mean.dtype)
    bias = ops.reshape(bias, (1, 1, -1, 1))
    return ops.floor((mean * n + bias) / n)


def _neighbours(x, axis):
    """Previous and next samples along ``axis`` with edge replication."""
    n = ops.shape(x)[axis]
    idx = ops.arange(n)
    prev = ops.take(x, ops.maximum(idx - 1, 0), axis=axis)
    nxt = ops.take(x, ops.minimum(idx + 1, n - 1), axis=axis)
    return prev, nxt


def _interleave(even, odd, axis):
    stacked = ops.stack([even, odd], axis=axis + 1)
    shape = ops.shape(even)
    new_shape = [shape[i] for i in range(len(even.shape))]
    new_shape[axis] = new_shape[axis] * 2
    return ops.reshape(stacked, new_shape)


def _fancy_double(x, axis):
    """libjpeg's triangle filter: doubles ``axis`` with weights 3/4 (near), 1/4 (far)."""
    prev, nxt = _neighbours(x, axis)
    return _interleave(0.75 * x + 0.25 * prev, 0.75 * x + 0.25 * nxt, axis)


@keras.saving.register_keras_serializable(package="jpegzoo")
class ChromaUpsample(keras.layers.Layer):
    """Upsample chroma planes ``[B, h, w, C]`` -> ``[B, h*fv, w*fh, C]``.

    Args:
        subsampling: '444', '422' or '420'.
        method: 'fancy' (libjpeg's default triangle filter) or 'nearest' (replication).
        round_output: for integer input samples, round 'fancy' output as libjpeg's integer
            upsamplers do (jdsample.c: biases 8/7 over 16 for h2v2, 1/2 over 4 for h2v1,
            alternating along each row; straight-through, so gradients pass).
    """

    def __init__(self, subsampling="420", method="fancy", round_output=False, **kwargs):
        super().__init__(**kwargs)
        self.round_output = bool(round_output)
        if method not in ("fancy", "nearest"):
            raise ValueError(f"unknown upsampling method {method!r}; use 'fancy' or 'nearest'")
        self.subsampling = str(subsampling).replace(":", "")
        self.factors = chroma_factors(self.subsampling)
        self.method = method

    def call(self, chroma):
        for axis, factor in ((1, self.factors[0]), (2, self.factors[1])):
            if factor == 2:
                chroma = (_fancy_double(chroma, axis) if self.method == "fancy"
                          else ops.repeat(chroma, 2, axis=axis))
        if self.round_output and self.method == "fancy" and self.factors[1] == 2:
            chroma = straight_through(chroma, _libjpeg_fancy_round(chroma, self.factors[0]))
        return chroma

    def get_config(self):
        return {**super().get_config(), "subsampling": self.subsampling, "method": self.method,
                "round_output": self.round_output}


def _libjpeg_fancy_round(upsampled, vertical_factor):
    """libjpeg's integer rounding of the exact fancy-upsampled value ``f``: the first output
    of each horizontal pair is ``floor(f + 8/16)`` and the second ``floor(f + 7/16)`` for
    h2v2, ``floor(f + 1/4)`` and ``floor(f + 2/4)`` for h2v1."""
    columns = ops.arange(ops.shape(upsampled)[2])
    even, odd = (8.0 / 16, 7.0 / 16) if vertical_factor == 2 else (1.0 / 4, 2.0 / 4)
    bias = ops.where(columns % 2 == 0, even, odd)
    return ops.floor(upsampled + ops.cast(ops.reshape(bias, (1, 1, -1, 1)), upsampled.dtype))

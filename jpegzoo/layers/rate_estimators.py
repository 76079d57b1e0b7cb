"""Differentiable estimates of the bits a JPEG scan spends on quantized DCT blocks.

Two estimators, both taking *scaled* coefficients ``y = coefficients / table`` (before
rounding; natural order) as a dict ``{"luma": [B, Hl, Wl, 1, 64], "chroma": [B, Hc, Wc,
2, 64]}`` (the layout of :class:`~jpegzoo.layers.jpeg_transform.JpegAnalysis`) and
returning **bits per image** ``[B]``:

* :func:`l1_level_proxy` -- the proxy of the qtable seeds: a constant times the L1 norm of
  the straight-through-rounded levels. Cheap, but blind to the run-length/size structure
  of the code (it charges a level of 1 as much as a step from 7 to 8).
* :class:`LogMagnitudeRate` -- a calibrated per-position model of the entropy coder::

      bits(block) = b_c + a_c * [any AC l_k != 0]
                    + sum_k  m_{c,k} * log2(1 + |l_k|) + n_{c,k} * [l_k != 0]

  with ``l = round(y)`` (AC positions) and, at position 0, ``l`` the DC difference from
  the block on the left (the DPCM the coder uses). The forward pass uses the rounded
  levels (so the estimate is what the fitted model says about the real levels); the
  backward pass uses the smooth surrogates ``log2(1 + |y|)`` and ``tanh(|y|)`` (and their
  maximum over the AC positions for the any-AC flag, which carries the EOB) so that
  gradients reach coefficients about to become zero. Its weights are fitted by least
  squares to the exact counter's per-block bits
  (:func:`jpegzoo.zoo.qtable_generator.rate_fit.fit_log_magnitude_rate`).
"""

import keras
import numpy as np
from keras import ops

from jpegzoo.layers.color import round_half_away, straight_through

COMPONENT_CLASSES = ("luma", "chroma")


def _component_levels(scaled):
    """The scaled-coefficient tensors of a levels dict, in COMPONENT_CLASSES order."""
    return [(index, scaled[name]) for index, name in enumerate(COMPONENT_CLASSES)
            if name in scaled]


def l1_level_proxy(scaled, bits_per_level=1.0):
    """The seeds' rate proxy: ``bits_per_level * sum |round(y)|`` per image ``[B]``
    (straight-through rounding, so the gradient is ``sign(y) * bits_per_level``)."""
    total = 0.0
    for _, y in _component_levels(scaled):
        levels = straight_through(y, round_half_away(y))
        total = total + ops.sum(ops.abs(levels), axis=(1, 2, 3, 4))
    return total * bits_per_level


def dc_differences(y):
    """Replace position 0 of ``y`` ``[B, Hb, Wb, C, 64]`` by the difference of each block's
    DC from the DC of the block on its left (0 for the first block of a row): the DPCM of
    the scan, up to the order of blocks inside an MCU."""
    dc = y[..., :1]
    previous = ops.concatenate([ops.zeros_like(dc[:, :, :1]), dc[:, :, :-1]], axis=2)
    return ops.concatenate([dc - previous, y[..., 1:]], axis=-1)


def magnitude_features(y):
    """``(log2(1 + |l|), [l != 0])`` of ``l = round(y)``, each shaped like ``y``; forward
    exact on the rounded levels, backward through ``log2(1 + |y|)`` and ``tanh(|y|)``."""
    levels = round_half_away(y)
    magnitude = ops.abs(y)
    log_hard = ops.log2(1.0 + ops.abs(levels))
    nonzero_hard = ops.cast(ops.not_equal(levels, 0.0), y.dtype)
    return (straight_through(ops.log2(1.0 + magnitude), log_hard),
            straight_through(ops.tanh(magnitude), nonzero_hard))


def any_ac_feature(nonzero):
    """``[any AC level != 0]`` ``[..., 1]`` -> ``[...]`` from the nonzero flags of
    :func:`magnitude_features` (its gradient is that of the largest soft flag)."""
    return ops.max(nonzero[..., 1:], axis=-1)


@keras.saving.register_keras_serializable(package="jpegzoo")
class LogMagnitudeRate(keras.layers.Layer):
    """Calibrated smooth bit estimate of JPEG blocks (see the module docstring).

    Call: ``rate(scaled) -> bits [B]`` per image, or ``rate.block_bits(y, component)`` ->
    ``[B, Hb, Wb, C]`` bits per block. Weights (not trainable by default):
    ``magnitude`` and ``nonzero`` ``[2, 64]`` (luma, chroma; natural order) in bits, and
    ``bias`` and ``any_ac`` ``[2]`` bits per block.

    Args:
        magnitude, nonzero, bias, any_ac: initial weights (nested lists), e.g. from the fit.
    """

    def __init__(self, magnitude=None, nonzero=None, bias=None, any_ac=None, trainable=False,
                 **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        self.initial = {"magnitude": magnitude, "nonzero": nonzero, "bias": bias,
                        "any_ac": any_ac}
        shapes = {"magnitude": (2, 64), "nonzero": (2, 64), "bias": (2,), "any_ac": (2,)}
        self.coefficients = {}
        for name, shape in shapes.items():
            value = np.zeros(shape, np.float32) if self.initial[name] is None else \
                np.asarray(self.initial[name], np.float32).reshape(shape)
            self.coefficients[name] = self.add_weight(
                name=name, shape=shape, initializer=keras.initializers.Constant(value),
                trainable=trainable)

    def block_bits(self, y, component):
        """Bits of each block of scaled coefficients ``y`` ``[B, Hb, Wb, C, 64]`` of
        component class ``component`` (0 luma, 1 chroma) -> ``[B, Hb, Wb, C]``."""
        log_level, nonzero = magnitude_features(dc_differences(y))
        weights = self.coefficients
        return (ops.sum(log_level * weights["magnitude"][component]
                        + nonzero * weights["nonzero"][component], axis=-1)
                + any_ac_feature(nonzero) * weights["any_ac"][component]
                + weights["bias"][component])

    def call(self, scaled):
        total = 0.0
        for component, y in _component_levels(scaled):
            total = total + ops.sum(self.block_bits(y, component), axis=(1, 2, 3))
        return total

    def get_config(self):
        weights = {name: np.asarray(v.numpy()).tolist()
                   for name, v in self.coefficients.items()}
        return {**super().get_config(), **weights}

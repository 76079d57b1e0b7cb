"""Learned entropy models for the latents of learned codecs.

:class:`FactorizedEntropyModel` is the non-parametric, fully factorized density of Balle,
Minnen, Singh, Hwang & Johnston, "Variational image compression with a scale hyperprior"
(ICLR 2018), Appendix 6.1: per channel, a cumulative ``c(x) = sigmoid(f(x))`` where ``f``
is a small monotone network (positive matrices via softplus, ``tanh`` gates bounded below
by -1), and the probability of the integer bin around ``y`` is ``c(y + 1/2) - c(y - 1/2)``.
This is the density of the latent convolved with a unit uniform, which is what additive
noise (training) and rounding (coding) see.

Tensors: latents ``[..., C]`` (channels last, any leading shape, B first); bits are
**bits per example** ``[B]`` (sum of ``-log2 p`` over everything but the batch axis).
"""

import math

import keras
import numpy as np
from keras import ops

from jpegzoo.layers.color import round_half_away, straight_through


@keras.saving.register_keras_serializable(package="jpegzoo")
class FactorizedEntropyModel(keras.layers.Layer):
    """Per-channel learned density over ``[..., C]`` latents.

    Call ``model(y, training)`` -> ``(y_hat, bits)``: ``training=True`` adds uniform noise
    in [-1/2, 1/2) (Balle et al.'s proxy for rounding); otherwise ``y_hat`` is ``y``
    rounded (half away from zero, straight-through gradient). ``bits`` ``[B]`` is the
    estimated code length of ``y_hat`` under the model.

    Args:
        filters: hidden widths of the cumulative network per channel (the paper: 3, 3, 3).
        init_scale: initial spread of the density (latents expected within about +-scale).
        likelihood_bound: smallest probability (keeps ``-log2 p`` finite).
        seed: seed of the training noise.
    """

    def __init__(self, filters=(3, 3, 3), init_scale=10.0, likelihood_bound=1e-9, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.filters = tuple(int(f) for f in filters)
        self.init_scale = float(init_scale)
        self.likelihood_bound = float(likelihood_bound)
        self.seed = seed
        self._noise = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        widths = (1,) + self.filters + (1,)
        scale = self.init_scale ** (1.0 / (len(self.filters) + 1))
        rng = np.random.default_rng(0 if self.seed is None else self.seed)
        self.matrices, self.biases, self.factors = [], [], []
        for i in range(len(self.filters) + 1):
            fan_in, fan_out = widths[i], widths[i + 1]
            initial = math.log(math.expm1(1.0 / scale / fan_out))
            self.matrices.append(self.add_weight(
                name=f"matrix{i}", shape=(channels, fan_out, fan_in),
                initializer=keras.initializers.Constant(initial)))
            self.biases.append(self.add_weight(
                name=f"bias{i}", shape=(channels, fan_out, 1),
                initializer=keras.initializers.Constant(
                    rng.uniform(-0.5, 0.5, (channels, fan_out, 1)).astype(np.float32))))
            if i < len(self.filters):
                self.factors.append(self.add_weight(
                    name=f"factor{i}", shape=(channels, fan_out, 1), initializer="zeros"))

    def cumulative_logits(self, x):
        """``f(x)`` for ``x`` ``[C, 1, N]`` -> ``[C, 1, N]`` (monotone increasing in x)."""
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            x = ops.matmul(ops.softplus(matrix), x) + bias
            if i < len(self.factors):
                x = x + ops.tanh(self.factors[i]) * ops.tanh(x)
        return x

    def likelihood(self, y):
        """Probability of the unit bin around each value of ``y`` ``[..., C]`` (same shape)."""
        shape = ops.shape(y)
        channels = shape[-1]
        flat = ops.transpose(ops.reshape(y, (-1, channels)))[:, None, :]  # [C, 1, N]
        lower = self.cumulative_logits(flat - 0.5)
        upper = self.cumulative_logits(flat + 0.5)
        # evaluate in the tail where the sigmoid is not saturated (numerical stability)
        sign = ops.stop_gradient(-ops.sign(lower + upper))
        probability = ops.abs(ops.sigmoid(sign * upper) - ops.sigmoid(sign * lower))
        probability = ops.maximum(probability, self.likelihood_bound)
        return ops.reshape(ops.transpose(probability[:, 0, :]), shape)

    def bits(self, y):
        """``[B]`` code length in bits of ``y`` (already quantized or noisy) per example."""
        information = -ops.log(self.likelihood(y)) / math.log(2.0)
        return ops.sum(ops.reshape(information, (ops.shape(y)[0], -1)), axis=1)

    def call(self, y, training=False):
        if training:
            y_hat = y + keras.random.uniform(ops.shape(y), -0.5, 0.5, dtype=y.dtype,
                                             seed=self._noise)
        else:
            y_hat = straight_through(y, round_half_away(y))
        return y_hat, self.bits(y_hat)

    def coding_tables(self, max_value=1024, tail_mass=1e-9, precision=16):
        """Integer :class:`~jpegzoo.layers.range_coding.CodingTables` of the learned density
        (computed once, in float, then fixed): per channel the integer support holding all
        but ``tail_mass`` of the mass within ``[-max_value, max_value]``; the rest goes to
        the escape symbol."""
        from jpegzoo.layers.range_coding import tables_from_pmf

        grid = np.arange(-max_value, max_value + 1, dtype=np.float32)
        channels = int(self.matrices[0].shape[0])
        pmf = np.asarray(self.likelihood(np.repeat(grid[:, None], channels, axis=1))).T
        cumulative = np.cumsum(pmf, axis=1)
        low = np.argmax(cumulative > tail_mass / 2, axis=1)
        high = np.argmax(cumulative >= cumulative[:, -1:] - tail_mass / 2, axis=1)
        size = int((high - low).max()) + 1
        rows = np.zeros((channels, size))
        for channel in range(channels):
            part = pmf[channel, low[channel]:high[channel] + 1]
            rows[channel, :len(part)] = part
        tables = tables_from_pmf(rows, grid[low].astype(np.int32), precision)
        sizes = (high - low + 1).astype(np.int32)
        counts = tables.counts.copy()
        counts[np.arange(channels), sizes] = tables.counts[:, -1]  # escape after own support
        return type(tables)(tables.offsets, counts, sizes)

    def get_config(self):
        return {**super().get_config(), "filters": list(self.filters),
                "init_scale": self.init_scale, "likelihood_bound": self.likelihood_bound,
                "seed": self.seed}

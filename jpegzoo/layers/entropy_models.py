"""Learned entropy models for the latents of learned codecs: the factorized prior and the
Gaussian conditional of hyperprior models; both give bit estimates for training and the
integer tables :mod:`jpegzoo.layers.numerics.range_coding` codes with.

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
        self._tables = None

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

    def likelihood(self, y, bounded=True):
        """Probability of the unit bin around each value of ``y`` ``[..., C]`` (same shape)."""
        shape = ops.shape(y)
        channels = shape[-1]
        flat = ops.transpose(ops.reshape(y, (-1, channels)))[:, None, :]  # [C, 1, N]
        lower = self.cumulative_logits(flat - 0.5)
        upper = self.cumulative_logits(flat + 0.5)
        # evaluate in the tail where the sigmoid is not saturated (numerical stability)
        sign = ops.stop_gradient(-ops.sign(lower + upper))
        probability = ops.abs(ops.sigmoid(sign * upper) - ops.sigmoid(sign * lower))
        if bounded:  # the coding tables need the true tails, training a finite -log2 p
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

    def coding_tables(self):
        """The integer :class:`~jpegzoo.layers.numerics.range_coding.CodingTables` the range coder
        uses: those fixed by :meth:`update_coding_tables` (saved with the weights and loaded
        from them), else computed now from the weights (models in training or tests)."""
        return self._tables if self._tables is not None else self.compute_coding_tables()

    def update_coding_tables(self, **options):
        """Fix the coding tables to :meth:`compute_coding_tables` of the current weights;
        they are then saved with the weights (``save_weights``, ``.keras``), so decoders
        read integers, never recompute them with their own float math."""
        self._tables = self.compute_coding_tables(**options)
        return self._tables

    def compute_coding_tables(self, max_value=1024, tail_mass=1e-9, precision=24):
        """Integer :class:`~jpegzoo.layers.numerics.range_coding.CodingTables` of the learned
        density (computed in float): per channel the integer support holding all but ``tail_mass``
        of the mass within ``[-max_value, max_value]``; the rest goes to the escape
        symbol."""
        from jpegzoo.layers.numerics.range_coding import tables_from_pmf

        grid = np.arange(-max_value, max_value + 1, dtype=np.float32)
        channels = int(self.matrices[0].shape[0])
        pmf = np.asarray(self.likelihood(np.repeat(grid[:, None], channels, axis=1),
                                         bounded=False)).T
        cumulative = np.cumsum(pmf, axis=1)
        low = np.argmax(cumulative > tail_mass / 2, axis=1)
        high = np.argmax(cumulative >= cumulative[:, -1:] - tail_mass / 2, axis=1)
        sizes = high - low + 1
        rows = np.zeros((channels, int(sizes.max())))
        for channel in range(channels):
            rows[channel, :sizes[channel]] = pmf[channel, low[channel]:high[channel] + 1]
        return tables_from_pmf(rows, grid[low].astype(np.int32), sizes, precision)

    def save_own_variables(self, store):
        from jpegzoo.layers.numerics.range_coding import save_tables

        super().save_own_variables(store)
        save_tables(store, self._tables)

    def load_own_variables(self, store):
        from jpegzoo.layers.numerics.range_coding import split_tables

        variables, self._tables = split_tables(store)
        super().load_own_variables(variables)

    def get_config(self):
        return {**super().get_config(), "filters": list(self.filters),
                "init_scale": self.init_scale, "likelihood_bound": self.likelihood_bound,
                "seed": self.seed}


def default_scale_table(minimum=0.11, maximum=256.0, levels=64):
    """Log-spaced scales of the Gaussian conditional's coding tables (tensorflow-compression's
    default range)."""
    return np.exp(np.linspace(np.log(minimum), np.log(maximum), levels))


@keras.saving.register_keras_serializable(package="jpegzoo")
class GaussianConditional(keras.layers.Layer):
    """Latents modelled as ``N(mean, scale)`` convolved with a unit uniform, with the scale
    (and mean) of every latent given, e.g. by a hyperprior (Balle et al. 2018; means as in
    Minnen et al. 2018).

    Call ``model(y, scales, means=None, training)`` -> ``(y_hat, bits)``: noise or
    straight-through rounding of ``y - means`` as in :class:`FactorizedEntropyModel`, and
    ``bits`` ``[B]`` per example. Scales are bounded below by ``scale_bound``.

    Coding (:meth:`coding_tables`, :meth:`scale_indexes`): each latent codes ``round(y -
    mean)`` with the integer table of the smallest table scale at least its own scale.

    Args:
        scale_table: increasing scales of the coding tables (default
            :func:`default_scale_table`).
        scale_bound: smallest scale used (keeps the density proper).
        likelihood_bound: smallest probability.
        seed: seed of the training noise.
    """

    def __init__(self, scale_table=None, scale_bound=0.11, likelihood_bound=1e-9, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        table = default_scale_table() if scale_table is None else np.asarray(scale_table)
        self.scale_table = [float(s) for s in table]
        self.scale_bound = float(scale_bound)
        self.likelihood_bound = float(likelihood_bound)
        self.seed = seed
        self._noise = keras.random.SeedGenerator(seed)

    def likelihood(self, values, scales):
        """Probability of the unit bin around ``values`` (already centred on the means)
        under zero-mean Gaussians of ``scales`` (same shape)."""
        values = ops.convert_to_tensor(values)
        scales = ops.maximum(ops.cast(scales, values.dtype), self.scale_bound)
        magnitude = ops.abs(values)

        def normal_cdf(x):
            return 0.5 * (1.0 + ops.erf(x / math.sqrt(2.0)))

        probability = normal_cdf((0.5 - magnitude) / scales) \
            - normal_cdf((-0.5 - magnitude) / scales)
        return ops.maximum(probability, self.likelihood_bound)

    def call(self, y, scales, means=None, training=False):
        centred = y if means is None else y - means
        if training:
            centred = centred + keras.random.uniform(ops.shape(y), -0.5, 0.5, dtype=y.dtype,
                                                     seed=self._noise)
        else:
            centred = straight_through(centred, round_half_away(centred))
        information = -ops.log(self.likelihood(centred, scales)) / math.log(2.0)
        bits = ops.sum(ops.reshape(information, (ops.shape(y)[0], -1)), axis=1)
        return (centred if means is None else centred + means), bits

    def scale_indexes(self, scales):
        """int64 table index of every latent: the smallest table scale >= its scale."""
        table = np.asarray(self.scale_table)
        scales = np.maximum(np.asarray(scales, np.float64), self.scale_bound)
        return np.minimum(np.searchsorted(table, scales, side="left"), len(table) - 1)

    def coding_tables(self, tail_mass=1e-9, precision=24):
        """Integer :class:`~jpegzoo.layers.numerics.range_coding.CodingTables`, one per table scale,
        over ``[-R, R]`` with ``R`` the ``tail_mass / 2`` quantile of that Gaussian."""
        from scipy.stats import norm

        from jpegzoo.layers.numerics.range_coding import tables_from_pmf

        table = np.asarray(self.scale_table)
        radius = np.ceil(-norm.ppf(tail_mass / 2) * table).astype(np.int64)
        size = 2 * int(radius.max()) + 1
        rows = np.zeros((len(table), size))
        for index, (scale, r) in enumerate(zip(table, radius)):
            values = np.arange(-r, r + 1)
            rows[index, :len(values)] = norm.cdf((values + 0.5) / scale) \
                - norm.cdf((values - 0.5) / scale)
        return tables_from_pmf(rows, -radius, 2 * radius + 1, precision)

    def get_config(self):
        return {**super().get_config(), "scale_table": self.scale_table,
                "scale_bound": self.scale_bound, "likelihood_bound": self.likelihood_bound,
                "seed": self.seed}

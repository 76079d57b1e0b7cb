"""JPEG quantization: IJG quality scaling and Keras layers that (de)quantize DCT coefficients.

Tables are ``[64]`` int arrays in natural order (``8 * v + u``), the order libjpeg uses in
memory; a set of per-component tables is ``[C, 64]`` (or ``[B, C, 64]`` per image).
"""

import keras
import numpy as np
from keras import ops

from jpegzoo.layers.color import round_half_away, straight_through
from jpegzoo.layers.numerics.standard import (  # noqa: F401
    STD_CHROMINANCE_QTABLE,
    STD_LUMINANCE_QTABLE,
    quality_scaling,
    quality_to_qtables,
    scale_qtable,
)

QUANTIZE_MODES = ("hard", "ste", "noise")


def _broadcast_tables(coeffs, tables):
    """Align tables ``[64]``, ``[C, 64]`` or ``[B, C, 64]`` with coeffs ``[B, Hb, Wb, C, 64]``."""
    tables = ops.cast(tables, coeffs.dtype)
    if len(tables.shape) == 3:
        tables = ops.expand_dims(ops.expand_dims(tables, 1), 1)
    return tables


class _TableLayer(keras.layers.Layer):
    """Holds optional tables as a weight (trainable if ``learn_tables``); tables passed at
    call time take precedence."""

    def __init__(self, qtables=None, learn_tables=False, **kwargs):
        super().__init__(**kwargs)
        self.qtables = None if qtables is None else np.asarray(qtables, dtype=np.float32).tolist()
        self.learn_tables = bool(learn_tables)
        self.table_weight = None
        if self.qtables is not None:
            initial = np.asarray(self.qtables, dtype=np.float32)
            self.table_weight = self.add_weight(
                name="qtables", shape=initial.shape, trainable=self.learn_tables,
                initializer=keras.initializers.Constant(initial))

    def _tables(self, coeffs, qtables):
        if qtables is None:
            if self.table_weight is None:
                raise ValueError(f"{type(self).__name__} needs quantization tables: pass "
                                 "qtables= at construction or as a call argument")
            qtables = self.table_weight
        return _broadcast_tables(coeffs, qtables)

    def get_config(self):
        return {**super().get_config(), "qtables": self.qtables,
                "learn_tables": self.learn_tables}


@keras.saving.register_keras_serializable(package="jpegzoo")
class Quantize(_TableLayer):
    """Divide DCT coefficients by the table and quantize to integer levels.

    Input ``coeffs`` ``[B, Hb, Wb, C, 64]`` (natural order, sample units) and tables
    ``[64]``, ``[C, 64]`` or ``[B, C, 64]``; output has the shape of ``coeffs``, in
    quantization levels (float dtype; cast to int for the writer).

    Modes:
        hard:  round half away from zero (libjpeg's rule); no useful gradient.
        ste:   forward rounds, backward is identity w.r.t. ``coeffs / table``
               (straight-through estimator); gradients reach the tables too.
        noise: ``coeffs / table + U(-0.5, 0.5)`` when ``training=True`` (Balle et al.'s
               additive-noise proxy), hard rounding otherwise.
    """

    def __init__(self, mode="hard", qtables=None, learn_tables=False, seed=None, **kwargs):
        super().__init__(qtables=qtables, learn_tables=learn_tables, **kwargs)
        if mode not in QUANTIZE_MODES:
            raise ValueError(f"unknown quantization mode {mode!r}; use one of {QUANTIZE_MODES}")
        self.mode = mode
        self.seed = seed
        self._seed_gen = keras.random.SeedGenerator(seed) if mode == "noise" else None

    def call(self, coeffs, qtables=None, training=False):
        scaled = coeffs / self._tables(coeffs, qtables)
        if self.mode == "ste":
            return straight_through(scaled, round_half_away(scaled))
        if self.mode == "noise" and training:
            return scaled + keras.random.uniform(ops.shape(scaled), -0.5, 0.5,
                                                 dtype=scaled.dtype, seed=self._seed_gen)
        return round_half_away(scaled)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}


@keras.saving.register_keras_serializable(package="jpegzoo")
class Dequantize(_TableLayer):
    """Multiply quantization levels ``[B, Hb, Wb, C, 64]`` by the tables (sample units out)."""

    def call(self, levels, qtables=None):
        return levels * self._tables(levels, qtables)

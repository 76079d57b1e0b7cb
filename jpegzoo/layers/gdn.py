"""Generalized divisive normalization (Balle, Laparra & Simoncelli, ICLR 2016/2017).

    GDN:   y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)
    IGDN:  y_i = x_i * sqrt(beta_i + sum_j gamma_ij x_j^2)      (its approximate inverse)

over the channels of ``[B, H, W, C]`` feature maps (unitless; the output has the input's
shape). ``beta`` and ``gamma`` are kept non-negative the way tensorflow-compression does it
(which does not run on TF 2.21): each is stored as ``v`` with the value
``lower_bound(v, sqrt(minimum + pedestal))^2 - pedestal`` (``pedestal = offset^2``), so
gradients stay well scaled near zero, and the lower bound lets a gradient through when it
would move ``v`` back above the bound.
"""

import keras
import numpy as np
from keras import ops

REPARAM_OFFSET = 2.0 ** -18


@ops.custom_gradient
def lower_bound(x, bound):
    """``max(x, bound)``, but the gradient passes where ``x < bound`` too if it points
    upwards (tensorflow-compression's ``lower_bound``), so parameters stuck at the bound
    can leave it."""

    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        pass_through = ops.logical_or(ops.greater_equal(x, bound), ops.less(upstream, 0))
        return ops.where(pass_through, upstream, ops.zeros_like(upstream)), None

    return ops.maximum(x, bound), grad


class NonNegative:
    """The non-negative reparameterization of one parameter (see the module docstring)."""

    def __init__(self, minimum=0.0, offset=REPARAM_OFFSET):
        self.pedestal = offset ** 2
        self.bound = float(np.sqrt(minimum + self.pedestal))

    def stored(self, value):
        """The variable's initial content for an initial parameter ``value`` (numpy)."""
        return np.sqrt(np.maximum(np.asarray(value, np.float32) + self.pedestal,
                                  self.pedestal)).astype(np.float32)

    def value(self, variable):
        stored = ops.copy(variable)  # a tensor: custom gradients must not see the variable
        return ops.square(lower_bound(stored, ops.cast(self.bound, stored.dtype))) \
            - self.pedestal


@keras.saving.register_keras_serializable(package="jpegzoo")
class GDN(keras.layers.Layer):
    """GDN over the last axis of ``[B, H, W, C]`` (or IGDN with ``inverse=True``).

    Args:
        inverse: IGDN (multiply instead of divide), for synthesis transforms.
        beta_min: lower bound of ``beta`` (keeps the denominator positive).
        gamma_init: initial diagonal of ``gamma`` (off-diagonal 0); ``beta`` starts at 1.
    """

    def __init__(self, inverse=False, beta_min=1e-6, gamma_init=0.1, **kwargs):
        super().__init__(**kwargs)
        self.inverse = bool(inverse)
        self.beta_min = float(beta_min)
        self.gamma_init = float(gamma_init)
        self._beta = NonNegative(minimum=self.beta_min)
        self._gamma = NonNegative()

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.beta_variable = self.add_weight(
            name="beta", shape=(channels,),
            initializer=keras.initializers.Constant(self._beta.stored(np.ones(channels))))
        self.gamma_variable = self.add_weight(
            name="gamma", shape=(channels, channels),
            initializer=keras.initializers.Constant(
                self._gamma.stored(self.gamma_init * np.eye(channels))))

    @property
    def beta(self):
        """``[C]`` the non-negative offsets."""
        return self._beta.value(self.beta_variable)

    @property
    def gamma(self):
        """``[C, C]`` the non-negative weights, ``gamma[j, i]`` from input j to output i."""
        return self._gamma.value(self.gamma_variable)

    def call(self, inputs):
        norm = ops.sqrt(ops.matmul(ops.square(inputs), self.gamma) + self.beta)
        return inputs * norm if self.inverse else inputs / norm

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "inverse": self.inverse, "beta_min": self.beta_min,
                "gamma_init": self.gamma_init}


def IGDN(**kwargs):  # noqa: N802 - reads like the layer it builds
    """:class:`GDN` with ``inverse=True``."""
    return GDN(inverse=True, **kwargs)

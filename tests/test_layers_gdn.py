"""GDN / IGDN: the formula, the non-negative reparameterization, gradients, serialization."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from jpegzoo.layers import GDN, IGDN, lower_bound


def _layer_with(beta, gamma, inverse=False):
    layer = GDN(inverse=inverse)
    layer.build((None, None, None, len(beta)))
    layer.beta_variable.assign(layer._beta.stored(beta))
    layer.gamma_variable.assign(layer._gamma.stored(gamma))
    return layer


@pytest.mark.parametrize("inverse", [False, True])
def test_gdn_computes_the_divisive_normalization(inverse):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 7, 3)).astype(np.float32)
    beta = rng.uniform(0.5, 2.0, 3)
    gamma = rng.uniform(0.0, 0.3, (3, 3))
    layer = _layer_with(beta, gamma, inverse)
    np.testing.assert_allclose(layer.beta, beta, rtol=1e-5)
    np.testing.assert_allclose(layer.gamma, gamma, rtol=1e-4, atol=1e-6)
    norm = np.sqrt(beta + (x ** 2) @ gamma)
    np.testing.assert_allclose(layer(x), x * norm if inverse else x / norm, rtol=1e-5)


def test_igdn_approximately_inverts_gdn_for_small_inputs():
    """IGDN(GDN(x)) = x (1 + O(gamma x^2)): the approximate inverse of Balle et al."""
    x = np.linspace(-0.1, 0.1, 9, dtype=np.float32).reshape(1, 1, 9, 1)
    out = IGDN()(GDN()(x))
    np.testing.assert_allclose(out, x, atol=1e-4)


def test_lower_bound_passes_gradients_that_lead_back_above_the_bound():
    x = tf.Variable([0.5, 0.5, 2.0, 2.0])
    with tf.GradientTape() as tape:
        y = lower_bound(x, 1.0)
        loss = tf.reduce_sum(y * tf.constant([-1.0, 1.0, -1.0, 1.0]))
    np.testing.assert_array_equal(y.numpy(), [1.0, 1.0, 2.0, 2.0])
    # below the bound: only the gradient whose descent step raises x passes
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [-1.0, 0.0, -1.0, 1.0])


def test_parameters_stay_non_negative_after_large_steps():
    layer = GDN(beta_min=1e-6)
    x = np.random.default_rng(1).normal(size=(1, 4, 4, 2)).astype(np.float32)
    layer(x)
    layer.beta_variable.assign(-5.0 * np.ones(2, np.float32))
    layer.gamma_variable.assign(-5.0 * np.ones((2, 2), np.float32))
    assert np.all(layer.beta.numpy() >= 1e-6 - 1e-9)
    assert np.all(layer.gamma.numpy() >= 0.0)
    assert np.all(np.isfinite(layer(x).numpy()))


def test_gradients_reach_inputs_and_parameters():
    layer = GDN()
    x = tf.constant(np.random.default_rng(2).normal(size=(2, 3, 3, 4)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        loss = tf.reduce_sum(tf.square(layer(x)))
    for gradient in [tape.gradient(loss, x)] + tape.gradient(loss, layer.trainable_weights):
        assert gradient is not None and np.all(np.isfinite(gradient.numpy()))
        assert np.abs(gradient.numpy()).sum() > 0


def test_config_round_trip_and_safe_mode_archive(tmp_path):
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, IGDN(name="igdn")(GDN(beta_min=1e-5, name="gdn")(inputs)))
    config = model.get_layer("gdn").get_config()
    assert config["beta_min"] == 1e-5 and not config["inverse"]
    assert GDN.from_config(config).get_config() == config
    path = tmp_path / "gdn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = np.random.default_rng(3).normal(size=(1, 6, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-6)

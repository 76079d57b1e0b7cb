"""FactorizedEntropyModel: a proper density over integer bins, bits, training modes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from jpegzoo.layers.entropy_models import FactorizedEntropyModel, GaussianConditional
from jpegzoo.layers.numerics import range_coding


def test_bin_probabilities_sum_to_one_per_channel():
    model = FactorizedEntropyModel(init_scale=8.0, seed=1)
    grid = np.arange(-200, 201, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)
    model.build(grid.shape)
    probabilities = model.likelihood(grid).numpy()
    np.testing.assert_allclose(probabilities.sum(axis=0), 1.0, atol=1e-4)
    assert np.all(probabilities > 0)


def test_bits_are_minus_log2_of_the_likelihood_per_example():
    model = FactorizedEntropyModel(seed=2)
    y = np.round(np.random.default_rng(0).normal(0, 3, (2, 4, 5, 3))).astype(np.float32)
    y_hat, bits = model(y)
    np.testing.assert_array_equal(y_hat, y)  # already integers: rounding keeps them
    expected = -np.log2(model.likelihood(y).numpy()).reshape(2, -1).sum(axis=1)
    np.testing.assert_allclose(bits, expected, rtol=1e-5)


def test_training_adds_uniform_noise_and_inference_rounds():
    model = FactorizedEntropyModel(seed=3)
    y = np.full((1, 64, 64, 1), 0.3, np.float32)
    noisy, _ = model(y, training=True)
    offset = noisy.numpy() - y
    assert offset.min() >= -0.5 and offset.max() < 0.5 and offset.std() > 0.25
    rounded, _ = model(np.array([[0.5, -0.5, 1.49, -2.5]], np.float32))
    np.testing.assert_array_equal(rounded, [[1, -1, 1, -3]])


@pytest.fixture(scope="module")
def laplacian_model():
    """A model fitted by gradient descent on noisy Laplacian samples, and the samples."""
    rng = np.random.default_rng(4)
    samples = rng.laplace(0.0, 2.0, (4096, 2)).astype(np.float32)
    model = FactorizedEntropyModel(seed=4)
    model.build(samples.shape)
    optimizer = keras.optimizers.Adam(0.05)
    for _ in range(300):
        batch = samples[rng.integers(0, len(samples), 512)]
        with tf.GradientTape() as tape:
            _, bits = model(batch, training=True)
            loss = tf.reduce_mean(bits)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_weights),
                                      model.trainable_weights))
    return model, samples


def test_learns_the_entropy_of_a_quantized_laplacian(laplacian_model):
    """The coded cost of rounded Laplacian samples comes within 2 % of their empirical
    entropy (the lower bound)."""
    model, samples = laplacian_model
    rounded = np.round(samples)
    _, bits = model(rounded)
    entropy = 0.0
    for channel in range(2):
        _, counts = np.unique(rounded[:, channel], return_counts=True)
        p = counts / counts.sum()
        entropy += -(p * np.log2(p)).sum()
    assert float(np.mean(bits)) < 1.02 * entropy


def test_range_coded_latents_decode_exactly_at_the_estimated_size(laplacian_model):
    """Integer tables from the learned density: decoding gives the latents back bit for
    bit (out-of-support values through the escape), and the payload is within 1 % of the
    model's bit estimate."""
    model, samples = laplacian_model
    latents = np.round(samples).astype(np.int32).reshape(1, 64, 64, 2)
    tables = model.coding_tables()
    for row, size in zip(tables.counts, tables.sizes):
        assert np.all(row[:size + 1] >= 1)
    data = range_coding.encode(latents, tables)
    np.testing.assert_array_equal(range_coding.decode(data, latents.shape, tables), latents)
    estimate = float(model(latents.astype(np.float32))[1][0])
    assert abs(8 * len(data) - estimate) / estimate < 0.01
    wild = latents.copy()
    wild[0, 0, 0] = [100000, -4000]
    np.testing.assert_array_equal(
        range_coding.decode(range_coding.encode(wild, tables), wild.shape, tables), wild)
    with pytest.raises(ValueError, match="32-bit words"):
        range_coding.decode(data[:-1], latents.shape, tables)


def test_config_round_trips():
    model = FactorizedEntropyModel(filters=(2, 2), init_scale=4.0, seed=5, name="prior")
    clone = FactorizedEntropyModel.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    y = np.zeros((1, 3, 3, 2), np.float32)
    model.build(y.shape)
    clone.build(y.shape)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(y)[1], model(y)[1], rtol=1e-6)


def test_gaussian_conditional_density_and_bits():
    model = GaussianConditional(seed=6)
    grid = np.arange(-60, 61, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    scales = np.array([[0.05, 1.0, 9.0]], np.float32) * np.ones_like(grid)
    np.testing.assert_allclose(model.likelihood(grid, scales).numpy().sum(axis=0), 1.0,
                               atol=1e-5)
    y = np.array([[0.2, 3.7, -8.4]], np.float32)
    means = np.array([[0.1, 1.0, -2.0]], np.float32)
    y_hat, bits = model(y, np.array([[1.0, 2.0, 4.0]], np.float32), means)
    np.testing.assert_allclose(y_hat, [[0.1, 4.0, -8.0]], atol=1e-6)  # round(y - mean) + mean
    expected = -np.log2(model.likelihood(y_hat - means, np.array([[1.0, 2.0, 4.0]]))).sum()
    np.testing.assert_allclose(bits, [expected], rtol=1e-5)


def test_gaussian_conditional_codes_exactly_near_the_estimate():
    rng = np.random.default_rng(7)
    scales = np.exp(rng.uniform(np.log(0.2), np.log(40.0), (1, 32, 32, 8))).astype(np.float32)
    means = rng.normal(0, 5, scales.shape).astype(np.float32)
    y = (means + scales * rng.normal(size=scales.shape)).astype(np.float32)
    model = GaussianConditional()
    y_hat, bits = model(y, scales, means)
    symbols = np.round(y_hat.numpy() - means).astype(np.int32)
    tables = model.coding_tables()
    indexes = model.scale_indexes(scales)
    data = range_coding.encode(symbols, tables, indexes)
    np.testing.assert_array_equal(range_coding.decode(data, symbols.shape, tables, indexes),
                                  symbols)
    # the tables round scales up to the next of 64 log-spaced values: a little over
    assert 0.0 < 8 * len(data) / float(bits[0]) - 1.0 < 0.03


def test_gaussian_conditional_config_round_trips():
    model = GaussianConditional(scale_table=[0.5, 1.0, 2.0], scale_bound=0.2, name="gc")
    assert GaussianConditional.from_config(model.get_config()).get_config() == \
        model.get_config()
    np.testing.assert_array_equal(model.scale_indexes([[0.1, 0.5, 0.7, 2.0, 99.0]]),
                                  [[0, 0, 1, 2, 2]])

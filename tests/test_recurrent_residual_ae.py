"""recurrent_residual_ae (work in progress): one file, a quality ladder by prefixes."""

import numpy as np
import pytest
import tensorflow as tf

from jpegzoo.export.jzc import read_jzc
from jpegzoo.zoo import learned_codec
from jpegzoo.zoo import recurrent_residual_ae as rr


@pytest.fixture(scope="module")
def model():
    return rr.build_recurrent_residual_ae(filters=16, bits=8)


def test_depth_to_space_matches_tensorflow():
    x = np.random.default_rng(0).random((2, 4, 6, 8)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(rr.depth_to_space(x)),
                                  tf.nn.depth_to_space(x, 2).numpy())


def test_codes_are_exact_signs_with_straight_through_gradients():
    x = tf.constant([[-0.7, -0.0, 0.2, 0.9]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        bits = rr.binarize(x, training=False)
    np.testing.assert_array_equal(bits.numpy(), [[-1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(tape.gradient(bits, x).numpy(), np.ones((1, 4)))
    noisy = rr.binarize(tf.fill((1, 10000), 0.5), training=True).numpy()
    assert set(np.unique(noisy)) == {-1.0, 1.0} and abs(noisy.mean() - 0.5) < 0.05


@pytest.mark.parametrize("shape", [(16, 16), (37, 21), (1, 1)])
def test_every_prefix_decodes_to_the_models_reconstruction(model, shape):
    image = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    data = rr.compress(model, image, 3)
    contents = read_jzc(data)
    assert contents.quality == 3 and len(contents.streams) == 3
    pixels = learned_codec.padded(image, 16)[None].astype(np.float32) / 255.0
    direct = model(pixels, iterations=3)["reconstructions"]
    for k in (1, 2, 3):
        expected = learned_codec.to_uint8(np.asarray(direct[k - 1])[0] * 255.0)
        np.testing.assert_array_equal(rr.decompress(model, data, k),
                                      expected[:shape[0], :shape[1]])
    with pytest.raises(ValueError, match="holds 3 iterations"):
        rr.decompress(model, data, 4)


def test_gradients_reach_every_weight(model):
    image = np.random.default_rng(1).random((2, 32, 32, 3)).astype(np.float32)
    with tf.GradientTape() as tape:
        out = model(image, iterations=2, training=True)
        loss = sum(tf.reduce_mean(tf.abs(image - r)) for r in out["reconstructions"])
    gradients = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in gradients)

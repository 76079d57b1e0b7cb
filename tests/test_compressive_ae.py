"""compressive_ae (untrained, small): real .jzc files that decode bit-exactly."""

import keras
import numpy as np
import pytest

from jpegzoo.export.jzc import read_jzc
from jpegzoo.zoo.compressive_ae import (CompressiveAutoencoder, build_compressive_ae, compress,
                                        decode_latents, decompress)


@pytest.fixture(scope="module")
def model():
    return build_compressive_ae(filters=8, latent=6)


@pytest.mark.parametrize("shape", [(16, 16), (37, 53), (1, 1), (64, 48)])
def test_file_decodes_to_the_models_own_reconstruction(model, shape):
    image = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    data = compress(model, image)
    latents, width, height = decode_latents(model, data)
    assert (width, height) == (shape[1], shape[0])
    padded = np.pad(image, ((0, -shape[0] % 16), (0, -shape[1] % 16), (0, 0)), mode="edge")
    expected = np.round(np.asarray(model.latents(padded[None]))).astype(np.int32)
    np.testing.assert_array_equal(latents, expected)
    direct = np.asarray(model.reconstruct(expected.astype(np.float32)))[0, :shape[0], :shape[1]]
    decoded = decompress(model, data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, np.clip(np.floor(direct + 0.5), 0, 255))


def test_payload_is_close_to_the_bit_estimate(model):
    image = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = compress(model, image)
    estimate = float(model(image[None])["bits"][0])
    payload = 8 * len(read_jzc(data).streams[0].data)
    assert abs(payload - estimate) <= max(0.01 * estimate, 64)


def test_refuses_other_models_and_bad_images(model):
    image = np.zeros((16, 16, 3), np.uint8)
    data = compress(model, image, model_name="other")
    with pytest.raises(ValueError, match="model 'other'"):
        decompress(model, data)
    with pytest.raises(ValueError, match="uint8 RGB"):
        compress(model, image.astype(np.float32))
    corrupt = bytearray(compress(model, image))
    corrupt[-6] ^= 1
    with pytest.raises(ValueError, match="jzc"):
        decompress(model, bytes(corrupt))


def test_config_round_trips(model):
    clone = CompressiveAutoencoder.from_config(model.get_config())
    assert (clone.filters, clone.latent, clone.lam) == (8, 6, model.lam)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert restored.latent == 6

"""Learned codecs (compressive_ae, dct_block_ae) on small untrained models: real .jzc files
that decode bit-exactly, with payloads matching the bit estimate."""

from importlib.resources import files

import keras
import numpy as np
import pytest
from crafted_files import renamed

from jpegzoo.jzc import read_jzc
from jpegzoo.zoo import learned_codec
from jpegzoo.zoo.compressive_ae import CompressiveAutoencoder, build_compressive_ae
from jpegzoo.zoo.dct_block_ae import DctBlockAutoencoder, build_dct_block_ae

LAMBDAS = (0.002, 0.01, 0.05)
SAMPLE = files("jpegzoo") / "data" / "samples" / "kodim05_crop256.png"


@pytest.fixture(scope="module", params=["compressive_ae", "dct_block_ae"])

def model(request):
    builder = {"compressive_ae": build_compressive_ae,
               "dct_block_ae": build_dct_block_ae}[request.param]
    return builder(filters=8, latent=6, lambdas=LAMBDAS)


def _image(shape, seed=0):
    rng = np.random.default_rng(seed)
    smooth = rng.integers(0, 256, (shape[0] // 4 + 2, shape[1] // 4 + 2, 3)).astype(float)
    image = np.kron(smooth, np.ones((4, 4, 1)))[:shape[0], :shape[1]]
    return np.clip(image + rng.normal(0, 8, image.shape), 0, 255).astype(np.uint8)


def _copy(model):
    clone = type(model).from_config(model.get_config()).build_all()
    clone.set_weights(model.get_weights())
    return clone


@pytest.mark.parametrize("shape", [(16, 16), (37, 53), (1, 1), (7, 13), (64, 48)])
def test_file_decodes_to_the_models_own_reconstruction(model, shape):
    image = _image(shape)
    data = model.compress(image, 2)
    latents, quality, width, height = model.decode_latents(data)
    assert (quality, width, height) == (2, shape[1], shape[0])
    padded = learned_codec.padded(image, model.stride)
    expected = np.round(np.asarray(model.latents(padded[None], 2))).astype(np.int32)
    np.testing.assert_array_equal(latents, expected)
    direct = np.asarray(model.reconstruct(expected, 2))[0, :shape[0], :shape[1]]
    decoded = model.decompress(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, np.clip(np.floor(direct + 0.5), 0, 255))


@pytest.mark.parametrize("quality", [1, 3])
def test_payload_is_within_one_percent_of_the_bit_estimate(model, quality):
    image = _image((96, 128), seed=quality)
    data = model.compress(image, quality)
    estimate = float(model(image[None], quality=quality)["bits"][0])
    payload = 8 * len(read_jzc(data).streams[0].data)
    assert abs(payload - estimate) <= 0.01 * estimate + 32


def test_quality_levels_scale_the_latents_by_their_gains(model):
    image = _image((32, 32), seed=3)[None]
    low, high = (np.asarray(model.latents(image, q)) for q in (1, 3))
    # untrained gains start at sqrt(lambda / lambda_max) (high-rate theory)
    np.testing.assert_allclose(high, low * np.sqrt(LAMBDAS[2] / LAMBDAS[0]), rtol=1e-4,
                               atol=1e-5)


def test_refuses_other_models_bad_levels_and_bad_images(model):
    image = np.zeros((16, 16, 3), np.uint8)
    data = renamed(model.compress(image, 1), "other")
    with pytest.raises(ValueError, match="model 'other'"):
        model.decompress(data)
    for quality in (0, 4, 1.5):
        with pytest.raises(ValueError, match="quality levels 1..3"):
            model.compress(image, quality)
    with pytest.raises(ValueError, match="uint8 RGB"):
        model.compress(image.astype(np.float32), 1)
    with pytest.raises(ValueError, match="no pixels"):
        model.compress(np.zeros((0, 5, 3), np.uint8), 1)


def test_corrupt_and_truncated_files_raise_clear_errors(model):
    data = model.compress(_image((32, 32)), 1)
    for position in (0, 10, len(data) // 2, len(data) - 1):
        corrupt = bytearray(data)
        corrupt[position] ^= 0x20
        with pytest.raises(ValueError, match="jzc"):
            model.decompress(bytes(corrupt))
    for length in (0, 5, len(data) // 2, len(data) - 1):
        with pytest.raises(ValueError, match="jzc"):
            model.decompress(data[:length])


def test_config_round_trips(model):
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    assert (clone.filters, clone.latent, clone.lambdas) == (8, 6, LAMBDAS)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert isinstance(restored, (CompressiveAutoencoder, DctBlockAutoencoder))


def test_coding_tables_are_stored_with_the_weights(model, tmp_path):
    """Saved tables are integers that decoders read back, not recompute: a file coded with
    them decodes with a copy whose density weights differ."""
    image = _image((48, 48), seed=5)
    clone = _copy(model)
    clone.update_coding_tables()
    path = tmp_path / "codec.weights.h5"
    clone.save_weights(path)
    data = clone.compress(image, 2)
    loaded = type(model).from_config(model.get_config()).build_all()
    loaded.load_weights(path)
    for prior in loaded.priors:  # perturb the density: stored tables must win
        prior.matrices[0].assign(prior.matrices[0] + 0.5)
    stored = loaded.priors[1].coding_tables()
    np.testing.assert_array_equal(stored.counts, clone.priors[1].coding_tables().counts)
    assert stored.counts.dtype.kind == "i"
    np.testing.assert_array_equal(loaded.decompress(data),
                                  clone.decompress(data))


def test_keras_archive_round_trip_in_safe_mode(model, tmp_path):
    clone = _copy(model)
    clone.update_coding_tables()
    path = tmp_path / "codec.keras"
    clone.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    image = _image((32, 32), seed=6)
    data = clone.compress(image, 3)
    assert loaded.compress(image, 3) == data
    np.testing.assert_array_equal(loaded.priors[2].coding_tables().counts,
                                  clone.priors[2].coding_tables().counts)


def test_gradients_reach_every_part_when_training(model):
    import tensorflow as tf

    image = _image((32, 32), seed=7)[None]
    with tf.GradientTape() as tape:
        out = model(image, quality=2, training=True)
        loss = tf.reduce_mean(out["bits"]) + tf.reduce_mean(
            tf.square(out["reconstruction"] - tf.cast(image, tf.float32)))
    variables = [v for v in model.trainable_variables
                 if not any(v is w for p in (model.priors[0], model.priors[2])
                            for w in p.trainable_variables)]
    gradients = tape.gradient(loss, variables)
    missing = [v.path for v, g in zip(variables, gradients) if g is None]
    assert not missing
    assert all(np.isfinite(np.asarray(g)).all() for g in gradients)


def test_saved_model_encode_decode_and_tables_signatures(model, tmp_path):
    import tensorflow as tf

    from jpegzoo.export.saved_model import export_saved_model, load_serving, signature_summary

    model = _copy(model)
    model.update_coding_tables()
    path = export_saved_model(model, tmp_path, name="codec")
    image = _image((37, 53), seed=8)
    encode = load_serving(path, "encode")
    latents = encode(image=image[None], quality=np.array([2]))["latents"]
    np.testing.assert_array_equal(latents, learned_codec.quantized_latents(model, image, 2))
    decoded = load_serving(path, "decode")(latents=latents, quality=np.array([2]))["image"]
    # the same float synthesis run as a graph: samples on a rounding boundary may land one
    # level apart (the latents, which the file carries, are exact)
    own = learned_codec.to_uint8(model.reconstruct(latents, 2)).astype(int)
    difference = np.abs(decoded.astype(int) - own)
    assert difference.max() <= 1 and (difference == 0).mean() >= 0.999
    tables = load_serving(path, "coding_tables")()
    own = model.priors[1].coding_tables()
    np.testing.assert_array_equal(tables["offsets"][1], own.offsets)
    np.testing.assert_array_equal(tables["counts"][1, :, :own.counts.shape[1]], own.counts)
    with pytest.raises(ValueError, match="'image' expects uint8"):
        encode(image=image[None].astype(np.float32), quality=np.array([2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="quality must be in 1..3"):
        encode(image=image[None], quality=np.array([4]))
    assert any("signature 'decode'" in line for line in signature_summary(path))


@pytest.fixture(scope="module", params=["compressive_ae", "dct_block_ae", "gan_ae"])
def shipped(request):
    from jpegzoo.zoo import codec

    return codec.trained(request.param)


def test_shipped_codecs_payload_matches_the_estimate_at_every_level(shipped):
    from jpegzoo.imageio import read_image

    image = read_image(SAMPLE)
    for quality in range(1, shipped.qualities + 1):
        data = shipped.compress(image, quality)
        latents = learned_codec.quantized_latents(shipped, image, quality)
        estimate = float(shipped.priors[quality - 1].bits(latents.astype(np.float32))[0])
        payload = 8 * len(read_jzc(data).streams[0].data)
        assert abs(payload - estimate) <= 0.01 * estimate, (quality, payload, estimate)


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (13, 7), (33, 17)])
def test_shipped_codecs_odd_sizes_decode_exactly(shipped, shape):
    from jpegzoo.imageio import read_image

    image = np.ascontiguousarray(read_image(SAMPLE)[100:100 + shape[0], 50:50 + shape[1]])
    data = shipped.compress(image, 3)
    decoded = shipped.decompress(data)
    latents = learned_codec.quantized_latents(shipped, image, 3)
    own = learned_codec.to_uint8(shipped.reconstruct(latents, 3))[0, :shape[0], :shape[1]]
    np.testing.assert_array_equal(decoded, own)


def test_shipped_tables_hold_the_densities_support_not_the_whole_grid(shipped):
    """The tables come from the unbounded density: a bin's probability floor (kept for
    training) must not stretch every support to the +-1024 grid."""
    for prior in shipped.priors:
        tables = prior.coding_tables()
        assert np.median(tables.sizes) < 200 and (tables.offsets > -1024).all()


def test_gan_ae_writes_compressive_ae_files_and_decodes_them_its_own_way():
    """Decoder fine-tuning keeps the encoder, gains and priors: the same payload bytes."""
    from jpegzoo.jzc import read_jzc
    from jpegzoo.zoo import codec

    image = _image((48, 80), seed=11)
    cae, gan = (codec.trained(name) for name in ("compressive_ae", "gan_ae"))
    for level in (1, 4):
        files = [read_jzc(m.compress(image, level)) for m in (cae, gan)]
        assert files[0].streams == files[1].streams
        latents = learned_codec.quantized_latents(cae, image, level)
        assert not np.array_equal(np.asarray(cae.reconstruct(latents, level)),
                                  np.asarray(gan.reconstruct(latents, level)))


# --- decoding untrusted files (issue #17) ------------------------------------------------


def _with_stream(data, payload, **fields):
    """``data`` (a .jzc file) with its latent stream's bytes replaced (and header fields
    changed), checksum recomputed."""
    from dataclasses import replace

    from jpegzoo.jzc import Stream, write_jzc

    contents = read_jzc(data)
    return write_jzc(replace(contents, **fields,
                             streams=[Stream(contents.streams[0].shape, payload)]))


def test_empty_truncated_over_long_and_rejected_streams_are_value_errors(model):
    data = model.compress(_image((32, 48)), 2)
    payload = read_jzc(data).streams[0].data
    for bad, words in ((b"", "empty"), (payload[:-4], "truncated|too few"),
                       (payload + bytes(4), "4 bytes follow its last symbol"),
                       (payload + b"\xa5" * 8, "over-long"), (payload + b"\0", "32-bit words")):
        with pytest.raises(ValueError, match=words):
            model.decompress(_with_stream(data, bad))
    # random payloads: refused by the coder or by the exactness check -- or, a short payload
    # being as likely as not the exact encoding of some latents, decoded
    rng, refused = np.random.default_rng(0), 0
    for _ in range(40):
        noise = rng.integers(0, 256, len(payload), dtype=np.uint8).tobytes()
        try:
            assert model.decompress(_with_stream(data, noise)).shape == (32, 48, 3)
        except ValueError as error:
            assert str(error).startswith("corrupt .jzc file: the range")
            refused += 1
    assert refused >= 10


def test_declared_size_is_checked_against_the_payload_before_allocating(model):
    import tracemalloc

    from jpegzoo.jzc import JzcFile, Stream, write_jzc

    big = 65535
    grid = (1, -(-big // model.stride), -(-big // model.stride), model.latent)
    data = write_jzc(JzcFile(model.name, 1, big, big, [Stream(grid, bytes(84))]))
    with pytest.raises(ValueError, match="65535x65535 image .* over the decoding limit of "
                                         "8,388,608 pixels"):
        model.decompress(data)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="holds 84 bytes, too few for its"):
            model.decompress(data, max_pixels=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 20


def test_pixel_limit(model):
    data = model.compress(_image((20, 30)), 1)
    with pytest.raises(ValueError, match=r"30x20 image \(600 pixels\), over the decoding limit of "
                                         r"599 pixels"):
        model.decompress(data, max_pixels=599)
    np.testing.assert_array_equal(model.decompress(data, max_pixels=600),
                                  model.decompress(data, max_pixels=None))
    for bad in (0, -5, 1.5, True):
        with pytest.raises(ValueError, match="max_pixels must be a positive integer"):
            model.decompress(data, max_pixels=bad)

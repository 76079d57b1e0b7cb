"""recurrent_residual_ae: one file, a quality ladder by prefixes; serving signatures."""

import numpy as np
import pytest
import tensorflow as tf
from crafted_files import renamed

from jpegzoo.jzc import read_jzc
from jpegzoo.zoo import learned_codec
from jpegzoo.zoo.recurrent_residual_ae import model as rr


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
    data = model.compress(image, 3)
    contents = read_jzc(data)
    assert contents.quality == 3 and len(contents.streams) == 3
    pixels = learned_codec.padded(image, 16)[None].astype(np.float32) / 255.0
    direct = model(pixels, iterations=3)["reconstructions"]
    for k in (1, 2, 3):
        expected = learned_codec.to_uint8(np.asarray(direct[k - 1])[0] * 255.0)
        np.testing.assert_array_equal(model.decompress(data, k),
                                      expected[:shape[0], :shape[1]])
    with pytest.raises(ValueError, match="holds 3 iterations"):
        model.decompress(data, 4)


def test_gradients_reach_every_weight(model):
    image = np.random.default_rng(1).random((2, 32, 32, 3)).astype(np.float32)
    with tf.GradientTape() as tape:
        out = model(image, iterations=2, training=True)
        loss = sum(tf.reduce_mean(tf.abs(image - r)) for r in out["reconstructions"])
    gradients = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in gradients)


def test_truncated_files_are_the_prefixes_of_one_encoding(model):
    image = np.random.default_rng(2).integers(0, 256, (40, 24, 3), dtype=np.uint8)
    full = model.compress(image, 4)
    sizes = []
    for k in (1, 2, 3, 4):
        cut = rr.truncate(full, k)
        contents = read_jzc(cut)
        assert contents.quality == k and len(contents.streams) == k
        assert contents.streams == read_jzc(full).streams[:k]
        np.testing.assert_array_equal(model.decompress(cut), model.decompress(full, k))
        sizes.append(len(cut))
    per_iteration = 3 * 2 * model.bits // 8  # 3 x 2 blocks of 16x16, bits packed
    assert np.diff(sizes).tolist() == [per_iteration + 21] * 3  # + rank, shape, length
    with pytest.raises(ValueError, match="iterations must be an integer in 1..4, got 5"):
        rr.truncate(full, 5)
    with pytest.raises(ValueError, match=r"iterations must be an integer in 1..8, got 9"):
        model.compress(image, 9)


def test_files_of_another_model_or_shape_are_refused(model):
    image = np.zeros((16, 16, 3), np.uint8)
    data = renamed(model.compress(image, 1), "other")
    with pytest.raises(ValueError, match="written by model 'other'"):
        model.decompress(data)
    wider = rr.build_recurrent_residual_ae(filters=16, bits=16)
    with pytest.raises(ValueError, match="code shape"):
        model.decompress(wider.compress(image, 1))


def test_config_round_trip(model):
    clone = rr.RecurrentResidualAutoencoder.from_config(model.get_config())
    assert (clone.filters, clone.bits) == (16, 8)


def test_saved_model_encode_and_decode_signatures(model, tmp_path):
    from jpegzoo.export.saved_model import export_saved_model, load_serving

    path = export_saved_model(model, tmp_path, name="rnn")
    image = np.random.default_rng(3).integers(0, 256, (37, 21, 3), dtype=np.uint8)
    codes = load_serving(path, "encode")(image=image[None], iterations=np.int32(3))["codes"]
    assert codes.shape == (1, 3, 3, 2, model.bits) and codes.dtype == np.int8
    contents = read_jzc(model.compress(image, 3))
    own = np.stack([np.unpackbits(np.frombuffer(s.data, np.uint8)).reshape(s.shape[1:])
                    for s in contents.streams])
    # the graph's float math may flip a code whose pre-binarization value is ~0
    assert np.mean((codes[0] > 0) == (own > 0)) >= 0.99
    decode = load_serving(path, "decode")
    for k in (1, 3):
        data = model.compress(image, k)
        file_codes = np.stack([np.where(np.unpackbits(np.frombuffer(s.data, np.uint8)).reshape(
            s.shape[1:]) > 0, 1, -1) for s in read_jzc(data).streams]).astype(np.int8)
        decoded = decode(codes=file_codes[None])["image"][0, :37, :21]
        difference = np.abs(decoded.astype(int) - model.decompress(data).astype(int))
        assert difference.max() <= 1 and (difference == 0).mean() >= 0.99
    with pytest.raises(tf.errors.InvalidArgumentError, match="iterations must be in 1..8"):
        load_serving(path, "encode")(image=image[None], iterations=np.int32(9))


def test_keras_archive_loads_in_safe_mode(model, tmp_path):
    import keras

    path = tmp_path / "rnn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    image = np.random.default_rng(4).random((1, 32, 16, 3)).astype(np.float32)
    for a, b in zip(model(image, iterations=2)["reconstructions"],
                    loaded(image, iterations=2)["reconstructions"]):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


def test_shipped_model_ladder_improves_with_every_iteration():
    from importlib.resources import files

    from jpegzoo import metrics, zoo
    from jpegzoo.imageio import read_image

    model = zoo.load("recurrent_residual_ae")
    image = read_image(str(files("jpegzoo") / "data" / "samples" / "kodim23_crop256.png"))
    data = model.compress(image)
    psnrs = [metrics.psnr(image, model.decompress(data, k))
             for k in range(1, rr.MAX_ITERATIONS + 1)]
    assert all(later > earlier for earlier, later in zip(psnrs, psnrs[1:])), psnrs
    assert psnrs[-1] > 26.0, psnrs


# --- decoding untrusted files (issue #17) ------------------------------------------------


def test_quality_level_must_be_the_number_of_iterations(model):
    from dataclasses import replace

    from jpegzoo.jzc import write_jzc

    data = model.compress(np.zeros((16, 32, 3), np.uint8), 3)
    for quality in (1, 2, 4, 8):
        wrong = write_jzc(replace(read_jzc(data), quality=quality))
        with pytest.raises(ValueError, match=f"quality level {quality} but 3 iterations"):
            model.decompress(wrong)
        with pytest.raises(ValueError, match=f"quality level {quality} but 3 iterations"):
            rr.truncate(wrong, 1)


def test_code_streams_must_be_exactly_the_packed_bits(model):
    from dataclasses import replace

    from jpegzoo.jzc import Stream, write_jzc

    data = model.compress(np.zeros((16, 32, 3), np.uint8), 2)
    contents = read_jzc(data)
    expected = len(contents.streams[0].data)
    for change in (lambda d: b"", lambda d: d[:-1], lambda d: d + b"\0", lambda d: d * 2):
        streams = [contents.streams[0], Stream(contents.streams[1].shape,
                                               change(contents.streams[1].data))]
        with pytest.raises(ValueError, match=f"code stream of .* bytes, expected {expected}"):
            model.decompress(write_jzc(replace(contents, streams=streams)))
    odd = rr.build_recurrent_residual_ae(filters=16, bits=3)  # 3 bits: 5 padding bits
    contents = read_jzc(odd.compress(np.zeros((16, 16, 3), np.uint8), 1))
    padded = Stream(contents.streams[0].shape, bytes([contents.streams[0].data[0] | 1]))
    with pytest.raises(ValueError, match="padding bits"):
        odd.decompress(write_jzc(replace(contents, streams=[padded])))


def test_huge_declared_sizes_are_refused_before_allocating(model):
    import tracemalloc

    from jpegzoo.jzc import JzcFile, Stream, write_jzc

    grid = (1, 4096, 4096, model.bits)
    data = write_jzc(JzcFile(model.name, 2, 65535, 65535, [Stream(grid, b"\0")] * 2))
    with pytest.raises(ValueError, match="over the decoding limit"):
        model.decompress(data)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="code stream of 1 bytes, expected 16777216"):
            model.decompress(data, max_pixels=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 20
    image = np.zeros((16, 48, 3), np.uint8)
    with pytest.raises(ValueError, match=r"48x16 image \(768 pixels\)"):
        model.decompress(model.compress(image, 1), max_pixels=767)

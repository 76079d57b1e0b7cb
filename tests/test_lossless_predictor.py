"""lossless_predictor: files decode to the exact input, by wavefronts
of exact integer predictions."""

import numpy as np
import pytest
from crafted_files import renamed

from jpegzoo.jzc import read_jzc
from jpegzoo.zoo.lossless_predictor import model as lp


@pytest.fixture(scope="module")

def model():
    model = lp.build_lossless_predictor(hidden=(8,))
    model.fix_tables()
    return model


def test_wavefronts_cover_every_pixel_once_after_its_causal_neighbours():
    height, width = 5, 7
    order = np.full((height, width), -1)
    for t, (ys, xs) in enumerate(lp.wavefronts(height, width)):
        assert (order[ys, xs] == -1).all()
        order[ys, xs] = t
    assert (order >= 0).all()
    for dy, dx in lp.NEIGHBOURS:
        for y in range(height):
            for x in range(width):
                if 0 <= y + dy < height and 0 <= x + dx < width:
                    assert order[y + dy, x + dx] < order[y, x]


@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (6, 1), (7, 13), (32, 24)])
def test_round_trip_is_exact(model, shape):
    image = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 3), dtype=np.uint8)
    np.testing.assert_array_equal(model.decompress(model.compress(image)), image)


def test_integer_predictions_follow_the_float_model(model):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    features, bases = lp.context(lp.padded(image), np.arange(16), np.arange(16), 1)
    predicted, _ = lp.integer_predict(lp.integer_parameters(model), features, bases)
    mean = np.asarray(model(features))[:, 0]
    expected = np.clip(bases + np.round(mean), 0, 255)
    assert np.abs(predicted - expected).max() <= 1


def test_corrupt_files_are_refused(model):
    image = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    data = model.compress(image)
    with pytest.raises(ValueError, match="jzc"):
        model.decompress(data[:-3])
    with pytest.raises(ValueError, match="model 'other'"):
        model.decompress(renamed(model.compress(image), "other"))


# --- the pixel checksum and untrusted files (issue #17) ---------------------------------


def _replaced(data, streams, **fields):
    from dataclasses import replace

    from jpegzoo.jzc import write_jzc

    return write_jzc(replace(read_jzc(data), streams=streams, **fields))


def test_files_carry_the_crc_of_their_pixels(model):
    import zlib

    image = np.random.default_rng(3).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    contents = read_jzc(model.compress(image))
    assert [s.shape for s in contents.streams] == [(5, 7, 3), (1,)]
    assert contents.streams[1].data == zlib.crc32(image.tobytes()).to_bytes(4, "big")


def test_a_stream_of_another_image_fails_the_checksum(model):
    rng = np.random.default_rng(4)
    first, other = (model.compress(rng.integers(0, 256, (6, 5, 3), dtype=np.uint8))
                    for _ in range(2))
    swapped = _replaced(first, [read_jzc(other).streams[0], read_jzc(first).streams[1]])
    with pytest.raises(ValueError, match="do not match the file's CRC-32"):
        model.decompress(swapped)


def test_files_of_the_first_format_still_decode(model):
    image = np.random.default_rng(5).integers(0, 256, (4, 9, 3), dtype=np.uint8)
    data = model.compress(image)
    first_format = _replaced(data, read_jzc(data).streams[:1])
    np.testing.assert_array_equal(model.decompress(first_format), image)


@pytest.mark.parametrize("first_format", [False, True])
def test_streams_cut_short_or_extended_are_refused(model, first_format):
    from jpegzoo.jzc import Stream

    image = np.random.default_rng(6).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    data = model.compress(image)
    residuals, checksum = read_jzc(data).streams
    for change in (lambda d: d[:-4], lambda d: d[:-8], lambda d: d[:len(d) // 2 // 4 * 4],
                   lambda d: d + bytes(4), lambda d: b""):
        stream = Stream(residuals.shape, change(residuals.data))
        bad = _replaced(data, [stream] if first_format else [stream, checksum])
        with pytest.raises(ValueError, match="jzc"):
            model.decompress(bad)


def test_bad_checksum_streams_quality_and_huge_sizes_are_refused(model):
    import tracemalloc

    from jpegzoo.jzc import JzcFile, Stream, write_jzc

    image = np.zeros((3, 4, 3), np.uint8)
    data = model.compress(image)
    residuals, checksum = read_jzc(data).streams
    for streams in ([residuals, Stream((4,), checksum.data)],
                    [residuals, Stream((1,), checksum.data + b"\0")],
                    [residuals, checksum, checksum], []):
        with pytest.raises(ValueError, match="checksum"):
            model.decompress(_replaced(data, streams))
    with pytest.raises(ValueError, match="quality level 2"):
        model.decompress(_replaced(data, [residuals, checksum], quality=2))
    huge = write_jzc(JzcFile(model.name, 1, 65535, 65535,
                             [Stream((65535, 65535, 3), bytes(84)), checksum]))
    with pytest.raises(ValueError, match="over the decoding limit"):
        model.decompress(huge)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="residual stream holds 84 bytes, too few"):
            model.decompress(huge, max_pixels=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 20


def test_predictions_in_strips_of_any_height_give_the_same_file(model, monkeypatch):
    """The encoder predicts in strips of rows (bounded memory); strips of one row, of a
    few rows and of the whole image write the same file."""
    image = np.random.default_rng(7).integers(0, 256, (23, 17, 3), dtype=np.uint8)
    files = []
    for samples in (1, 40, 10**9):
        monkeypatch.setattr(lp, "STRIP_SAMPLES", samples)
        files.append(model.compress(image))
    assert files[0] == files[1] == files[2]
    np.testing.assert_array_equal(model.decompress(files[0]), image)

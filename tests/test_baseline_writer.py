"""Property tests of the reference baseline-JPEG writer against independent decoders.

For random images, sizes, subsamplings, tables, Huffman modes and restart intervals:
* libjpeg (through jpeglib) reads back exactly the coefficients we quantized;
* Pillow (libjpeg-turbo) opens and decodes every file;
* the exact bit counter, run on its own from the levels, gives per-block bits that equal
  those of jpegzoo's independent parser, and their sum plus each restart interval's
  padding equals the entropy-coded segment's length without stuffed bytes and markers.
"""

import io

import jpeglib
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from jpegzoo.jpeg import encode, encode_scan, image_to_levels, write_jpeg
from jpegzoo.jpeg.reader import read_jpeg
from jpegzoo.jpeg.structure import coded_levels, scan_order
from jpegzoo.layers.numerics.bit_counter import block_bits, dc_predictors
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.layers.numerics.standard import ZIGZAG

SUBSAMPLINGS = ("444", "422", "420")


def _image(seed, height, width, channels, smooth):
    """Random test image: white noise, or a smooth gradient with a little noise."""
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels == 1 else (height, width, 3)
    if not smooth:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    y, x = np.mgrid[:height, :width]
    base = 128 + 100 * np.sin(x / 7.0 + seed) * np.cos(y / 11.0)
    base = base if channels == 1 else np.stack([base, base[::-1], 255 - base], -1)[:height]
    return np.clip(base + rng.normal(0, 6, shape), 0, 255).astype(np.uint8)


def _jpeglib_blocks(data, tmp_path):
    path = tmp_path / "image.jpg"
    path.write_bytes(data)
    dct = jpeglib.read_dct(str(path))
    return [a for a in (dct.Y, dct.Cb, dct.Cr) if a is not None]


def _entropy_segment_bits(data):
    """Bits of the entropy-coded segment: bytes after SOS up to EOI, minus stuffed 0x00
    and RST markers."""
    start = 2
    while data[start + 1] != 0xDA:  # walk the marker segments up to SOS
        start += 2 + int.from_bytes(data[start + 2:start + 4], "big")
    start += 2 + int.from_bytes(data[start + 2:start + 4], "big")
    segment = np.frombuffer(data[start:len(data) - 2], dtype=np.uint8)
    assert data[-2:] == b"\xff\xd9"
    ff = np.nonzero(segment[:-1] == 0xFF)[0]
    follower = segment[ff + 1]
    assert np.all((follower == 0) | ((follower >= 0xD0) & (follower <= 0xD7)))
    stuffed = int(np.sum(follower == 0))
    markers = int(np.sum(follower != 0))
    return 8 * (segment.size - stuffed - 2 * markers)


def _counter_bits(levels, dc_tables, ac_tables, restart_interval):
    """Per-block bits from the public bit counter, computed from the levels alone."""
    order = scan_order(levels)
    zz = np.empty((order.component.size, 64), dtype=np.int64)
    predictors = np.empty(order.component.size, dtype=np.int64)
    first_of_interval = np.zeros(order.component.size, dtype=bool)
    if restart_interval:
        new_mcu = np.r_[True, order.mcu[1:] != order.mcu[:-1]]
        first_of_interval = new_mcu & (order.mcu % restart_interval == 0)
    interval = np.cumsum(first_of_interval | (np.arange(order.mcu.size) == 0))
    for index in range(len(levels.components)):
        where = np.nonzero(order.component == index)[0]
        blocks = coded_levels(levels, index)[order.flat_index[where]][:, ZIGZAG]
        zz[where] = blocks
        restart = np.r_[True, interval[where][1:] != interval[where][:-1]]
        predictors[where] = dc_predictors(blocks[:, 0], restart)
    table_ids = np.array([c.table_class for c in levels.components])[order.component]
    return block_bits(zz, predictors, dc_tables, ac_tables, table_ids), interval


def check_file(data, levels, restart_interval, tmp_path):
    # Pillow (libjpeg-turbo) decodes it to the right size and mode.
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (levels.width, levels.height)
        assert image.mode == ("L" if len(levels.components) == 1 else "RGB")
    # libjpeg reads back exactly the coefficients we quantized (its grid is each
    # component's own block grid, a crop of our MCU-padded one).
    for comp, blocks in zip(levels.components, _jpeglib_blocks(data, tmp_path)):
        rows, cols = blocks.shape[:2]
        ours = comp.levels[:rows, :cols].reshape(rows, cols, 8, 8)
        np.testing.assert_array_equal(ours, blocks)
    # The bit counter agrees with the parser block by block and with the segment length.
    parsed = read_jpeg(data)
    dc_tables = [parsed.dc_tables[k] for k in sorted(parsed.dc_tables)]
    ac_tables = [parsed.ac_tables[k] for k in sorted(parsed.ac_tables)]
    counted, interval = _counter_bits(levels, dc_tables, ac_tables, restart_interval)
    np.testing.assert_array_equal(counted, parsed.block_bits)
    per_interval = np.bincount(interval - 1, weights=counted).astype(np.int64)
    assert int(np.sum(-(-per_interval // 8) * 8)) == _entropy_segment_bits(data)
    assert int(counted.sum()) + parsed.pad_bits == _entropy_segment_bits(data)
    assert parsed.pad_bits_all_ones


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(height=st.integers(1, 48), width=st.integers(1, 48), channels=st.sampled_from([1, 3]),
       subsampling=st.sampled_from(SUBSAMPLINGS), quality=st.integers(1, 100),
       optimize=st.booleans(), restart_interval=st.sampled_from([0, 0, 1, 2, 5]),
       smooth=st.booleans(), seed=st.integers(0, 2**16),
       dct_method=st.sampled_from(["islow", "float"]))
@example(height=1, width=1, channels=3, subsampling="420", quality=75, optimize=False,
         restart_interval=0, smooth=False, seed=1, dct_method="float")
@example(height=13, width=7, channels=3, subsampling="420", quality=90, optimize=True,
         restart_interval=1, smooth=True, seed=2, dct_method="islow")
@example(height=9, width=17, channels=3, subsampling="422", quality=50, optimize=True,
         restart_interval=2, smooth=False, seed=3, dct_method="float")
@example(height=13, width=7, channels=1, subsampling="444", quality=100, optimize=False,
         restart_interval=0, smooth=False, seed=4, dct_method="islow")
def test_random_images_round_trip(tmp_path, height, width, channels, subsampling, quality,
                                  optimize, restart_interval, smooth, seed, dct_method):
    image = _image(seed, height, width, channels, smooth)
    levels = image_to_levels(image, quality=quality, subsampling=subsampling,
                             dct_method=dct_method)
    data = write_jpeg(levels, optimize=optimize, restart_interval=restart_interval)
    check_file(data, levels, restart_interval, tmp_path)


@pytest.mark.parametrize("channels, subsampling", [(1, "444"), (3, "444"), (3, "422"),
                                                   (3, "420")])
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (13, 7), (17, 9), (513, 767)])
def test_required_sizes(tmp_path, subsampling, shape, channels):
    image = _image(sum(shape), *shape, channels, smooth=shape[0] > 100)
    for optimize, restart in ((False, 0), (True, 3)):
        levels = image_to_levels(image, quality=85, subsampling=subsampling)
        data = write_jpeg(levels, optimize=optimize, restart_interval=restart)
        check_file(data, levels, restart, tmp_path)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**16), subsampling=st.sampled_from(SUBSAMPLINGS))
def test_custom_tables_per_component(tmp_path, seed, subsampling):
    """Three distinct random tables (1..255), one per component."""
    rng = np.random.default_rng(seed)
    tables = rng.integers(1, 256, (3, 64))
    image = _image(seed, 21, 30, 3, smooth=True)
    levels = image_to_levels(image, qtables=tables, subsampling=subsampling)
    data = write_jpeg(levels, optimize=bool(seed % 2))
    check_file(data, levels, 0, tmp_path)
    with Image.open(io.BytesIO(data)) as decoded:
        assert [list(decoded.quantization[k]) for k in range(3)] == tables.tolist()


def test_extreme_levels_are_coded_exactly(tmp_path):
    """Largest baseline magnitudes: AC +-1023 and DC differences up to 2047."""
    levels = image_to_levels(np.zeros((16, 16), np.uint8), quality=50, subsampling="444")
    comp = levels.components[0]
    comp.qtable = np.ones(64, np.int64)
    comp.levels = np.zeros_like(comp.levels)
    comp.levels[0, 0, 0], comp.levels[0, 1, 0] = -1024, 1023
    comp.levels[1, 0, 1:] = np.resize([1023, -1023, 0], 63)
    comp.levels[1, 1, 63] = -1
    for optimize in (False, True):
        check_file(write_jpeg(levels, optimize=optimize), levels, 0, tmp_path)


def test_uncodable_levels_are_refused():
    levels = image_to_levels(np.zeros((8, 8), np.uint8), quality=50)
    levels.components[0].levels[0, 0, 5] = 1024
    with pytest.raises(ValueError, match="1023"):
        write_jpeg(levels)


def test_annex_k_tables_are_used_without_optimize():
    levels = image_to_levels(_image(0, 16, 16, 3, True), quality=75)
    scan = encode_scan(levels)
    assert scan.dc_tables == list(STD_DC_TABLES) and scan.ac_tables == list(STD_AC_TABLES)


def test_optimized_tables_never_larger():
    image = _image(5, 64, 96, 3, smooth=True)
    for quality in (20, 75, 95):
        assert len(encode(image, quality=quality, optimize=True)) <= len(
            encode(image, quality=quality))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((0, 5, 3), np.uint8), "empty"),
    (np.zeros((4, 4, 4), np.uint8), "shape"),
    (np.zeros((4, 4, 3), np.float32), "uint8"),
])
def test_bad_arrays(bad, message):
    with pytest.raises(ValueError, match=message):
        encode(bad)


def test_bad_tables_and_options():
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="1..255"):
        encode(image, qtables=np.zeros((2, 64)))
    with pytest.raises(ValueError, match="subsampling"):
        encode(image, subsampling="411")
    with pytest.raises(ValueError, match="restart"):
        encode(image, restart_interval=70000)
    with pytest.raises(ValueError, match="quality"):
        encode(image, quality=0)

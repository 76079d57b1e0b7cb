"""Tests of the numpy entropy-coding parts of jpegzoo.layers against libjpeg (via Pillow
and jpeglib): IJG quality scaling, Annex K Huffman tables, libjpeg's optimal-table
construction, canonical code assignment and the exact bit counter.

None of these tests import TensorFlow.
"""

import io

import numpy as np
import pytest
from PIL import Image

from jpegzoo.layers.numerics import bit_counter, huffman
from jpegzoo.layers.numerics.bit_counter import (
    block_bits,
    block_symbols,
    dc_predictors,
    extra_bits,
    size_category,
    symbol_frequencies,
)
from jpegzoo.layers.numerics.huffman import (
    STD_AC_TABLES,
    STD_DC_TABLES,
    HuffmanTable,
    _merge_code_sizes,
    optimal_table,
)
from jpegzoo.layers.numerics.standard import (
    INVERSE_ZIGZAG,
    STD_CHROMINANCE_QTABLE,
    STD_LUMINANCE_QTABLE,
    ZIGZAG,
    quality_to_qtables,
)

jpeglib = pytest.importorskip("jpeglib")


# --------------------------------------------------------------------------------------
# Helpers: a tiny JPEG marker walker
# --------------------------------------------------------------------------------------

def _segments(data):
    """Yield (marker, payload) for every marker segment before the first SOS (inclusive)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG (no SOI)"
    i = 2
    while i < len(data):
        assert data[i] == 0xFF, f"expected a marker at byte {i}"
        while data[i + 1] == 0xFF:  # fill bytes
            i += 1
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        yield marker, data[i + 4:i + 2 + length]
        if marker == 0xDA:  # SOS: entropy-coded data follows
            return
        i += 2 + length


def _dht_tables(data):
    """{(class, id): (counts tuple[16], symbols tuple)} from all DHT segments of a JPEG."""
    tables = {}
    for marker, payload in _segments(data):
        if marker != 0xC4:
            continue
        k = 0
        while k < len(payload):
            tc, th = payload[k] >> 4, payload[k] & 0x0F
            counts = tuple(payload[k + 1:k + 17])
            n = sum(counts)
            tables[(tc, th)] = (counts, tuple(payload[k + 17:k + 17 + n]))
            k += 17 + n
    return tables


def _pillow_jpeg(array, **kwargs):
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="JPEG", **kwargs)
    return buf.getvalue()


def _zigzag_blocks(component):
    """jpeglib component [rows, cols, 8, 8] (natural [v, u]) -> int64 [rows*cols, 64] zigzag."""
    natural = np.asarray(component, dtype=np.int64).reshape(-1, 64)
    return natural[:, ZIGZAG]


def _assert_table_equals(table, expected, what):
    counts, symbols = expected
    assert table.counts == counts, f"{what}: counts {table.counts} != {counts}"
    assert table.symbols == symbols, f"{what}: symbols differ"


# --------------------------------------------------------------------------------------
# Quantization tables (IJG quality scaling) vs Pillow/libjpeg
# --------------------------------------------------------------------------------------

def test_pillow_quantization_is_natural_order_annex_k_at_q50():
    q = Image.open(io.BytesIO(_pillow_jpeg(np.zeros((8, 8, 3), np.uint8), quality=50)))
    tables = q.quantization
    assert list(tables[0]) == STD_LUMINANCE_QTABLE.tolist()
    assert list(tables[1]) == STD_CHROMINANCE_QTABLE.tolist()
    # And our q=50 tables are exactly Annex K.
    np.testing.assert_array_equal(quality_to_qtables(50)[0], STD_LUMINANCE_QTABLE)
    np.testing.assert_array_equal(quality_to_qtables(50)[1], STD_CHROMINANCE_QTABLE)


def test_quality_to_qtables_matches_pillow_for_every_quality():
    image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    mismatches = []
    for quality in range(1, 101):
        written = Image.open(io.BytesIO(_pillow_jpeg(image, quality=quality))).quantization
        ours = quality_to_qtables(quality)
        assert ours.shape == (2, 64)
        if list(written[0]) != ours[0].tolist() or list(written[1]) != ours[1].tolist():
            mismatches.append(quality)
    assert not mismatches, f"tables differ from libjpeg at qualities {mismatches}"


def test_quality_to_qtables_rejects_out_of_range():
    for quality in (0, 101, -5):
        with pytest.raises(ValueError):
            quality_to_qtables(quality)


# --------------------------------------------------------------------------------------
# Annex K Huffman tables vs the DHT segments libjpeg writes
# --------------------------------------------------------------------------------------

def test_annex_k_tables_equal_pillow_dht_segments():
    image = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    tables = _dht_tables(_pillow_jpeg(image, quality=75, optimize=False))
    assert set(tables) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for k in range(2):
        _assert_table_equals(STD_DC_TABLES[k], tables[(0, k)], f"DC table {k}")
        _assert_table_equals(STD_AC_TABLES[k], tables[(1, k)], f"AC table {k}")


def test_annex_k_tables_have_standard_sizes():
    assert len(STD_DC_TABLES[0].symbols) == 12 and len(STD_DC_TABLES[1].symbols) == 12
    assert len(STD_AC_TABLES[0].symbols) == 162 and len(STD_AC_TABLES[1].symbols) == 162


# --------------------------------------------------------------------------------------
# optimal_table vs libjpeg's optimize_coding
# --------------------------------------------------------------------------------------

def _scan_order_444(jpeg):
    """Blocks of a 4:4:4 interleaved YCbCr scan in stream order.

    Returns zigzag blocks [N, 64], the component index of each block and its DC predictor.
    One MCU is one block of each component (Y, Cb, Cr); predictors run per component.
    """
    comps = [jpeg.Y, jpeg.Cb, jpeg.Cr]
    rows, cols = comps[0].shape[:2]
    for comp in comps:
        assert comp.shape[:2] == (rows, cols)
    per_comp = [_zigzag_blocks(c).reshape(rows, cols, 64) for c in comps]
    blocks, comp_ids = [], []
    for r in range(rows):
        for c in range(cols):
            for k in range(3):
                blocks.append(per_comp[k][r, c])
                comp_ids.append(k)
    blocks = np.stack(blocks)
    comp_ids = np.asarray(comp_ids)
    preds = np.zeros(len(blocks), dtype=np.int64)
    for k in range(3):
        mask = comp_ids == k
        preds[mask] = dc_predictors(blocks[mask, 0])
    return blocks, comp_ids, preds


def _noise_rgb(h, w, seed):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _smooth_rgb(h, w, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 128 + 70 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    img = np.stack([base, 255 - base, base * 0.5 + 40], axis=-1) + rng.normal(0, 6, (h, w, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("maker,quality,size", [
    (_noise_rgb, 97, (37, 45)),
    (_smooth_rgb, 80, (40, 56)),
    (_smooth_rgb, 30, (23, 17)),
])
def test_optimal_table_matches_libjpeg_444(tmp_path, maker, quality, size):
    path = tmp_path / "opt.jpg"
    image = maker(*size, seed=quality)
    path.write_bytes(_pillow_jpeg(image, quality=quality, subsampling=0, optimize=True))
    written = _dht_tables(path.read_bytes())
    jpeg = jpeglib.read_dct(str(path))
    assert jpeg.Y.shape[:2] == (-(-size[0] // 8), -(-size[1] // 8))
    blocks, comp_ids, preds = _scan_order_444(jpeg)
    table_ids = np.where(comp_ids == 0, 0, 1)
    symbols = block_symbols(blocks, preds)
    dc_freq, ac_freq = symbol_frequencies(symbols, table_ids, num_tables=2)
    for k in range(2):
        _assert_table_equals(optimal_table(dc_freq[k]), written[(0, k)], f"DC table {k}")
        _assert_table_equals(optimal_table(ac_freq[k]), written[(1, k)], f"AC table {k}")


def test_optimal_table_matches_libjpeg_grey(tmp_path):
    path = tmp_path / "grey.jpg"
    rng = np.random.default_rng(5)
    image = np.clip(_smooth_rgb(43, 29, 5)[..., 0].astype(int)
                    + rng.integers(-40, 40, (43, 29)), 0, 255).astype(np.uint8)
    path.write_bytes(_pillow_jpeg(image, quality=90, optimize=True))
    written = _dht_tables(path.read_bytes())
    assert set(written) == {(0, 0), (1, 0)}
    jpeg = jpeglib.read_dct(str(path))
    blocks = _zigzag_blocks(jpeg.Y)
    dc_freq, ac_freq = symbol_frequencies(block_symbols(blocks, dc_predictors(blocks[:, 0])))
    _assert_table_equals(optimal_table(dc_freq[0]), written[(0, 0)], "DC")
    _assert_table_equals(optimal_table(ac_freq[0]), written[(1, 0)], "AC")


def _skewed_ac_blocks(seed=0):
    """Zigzag blocks whose AC symbols have chain-like (strictly super-Fibonacci) counts, so
    that an unlimited Huffman code would be far deeper than 16 bits.

    Every block is filled up to position 63 (no EOB symbol, which would break the chain);
    the filler is the most frequent symbol 0/1, whose count may grow without harm.
    """
    freqs = [1, 1]
    while len(freqs) < 22:
        freqs.append(freqs[-1] + freqs[-2] + 1)  # strict: no merge ties along the chain
    freqs = freqs[::-1]  # largest first, onto the cheapest (run 0) symbols
    candidates = ([(0, s) for s in range(1, 11)] + [(1, s) for s in range(1, 11)]
                  + [(2, s) for s in range(1, 11)])
    stream = []
    for (run, size), count in zip(candidates, freqs):
        stream += [(run, size)] * count
    rng = np.random.default_rng(seed)
    stream = [stream[i] for i in rng.permutation(len(stream))]

    def filled(block, pos):
        block[pos:] = rng.choice([-1, 1], 64 - pos)  # symbol 0/1 up to position 63
        return block

    blocks, current, pos = [], np.zeros(64, np.int64), 1
    for run, size in stream:
        if pos + run > 63:
            blocks.append(filled(current, pos))
            current, pos = np.zeros(64, np.int64), 1
        pos += run
        current[pos] = (1 << (size - 1)) * (1 if rng.random() < 0.5 else -1)
        pos += 1
    blocks.append(filled(current, pos))
    cols = 32
    blocks += [filled(np.zeros(64, np.int64), 1) for _ in range(-len(blocks) % cols)]
    zz = np.stack(blocks)
    zz[:, 0] = rng.integers(-30, 30, len(zz))
    return zz, cols


def test_optimal_table_length_limiting_matches_libjpeg(tmp_path):
    zz, cols = _skewed_ac_blocks()
    symbols = block_symbols(zz, dc_predictors(zz[:, 0]))
    dc_freq, ac_freq = symbol_frequencies(symbols)
    # The unlimited tree (with libjpeg's reserved symbol 256) is deeper than 16 bits.
    freq = np.zeros(257)
    freq[:256] = ac_freq[0]
    freq[256] = 1
    assert _merge_code_sizes(freq).max() > 16
    # libjpeg (jpeglib's bundled IJG build) writes the same coefficients with optimized tables.
    natural = np.zeros_like(zz)
    natural[:, ZIGZAG] = zz
    y = natural.reshape(-1, cols, 8, 8).astype(np.int16)
    path = tmp_path / "skewed.jpg"
    jpeglib.from_dct(y, qt=np.ones((1, 8, 8), np.uint16)).write_dct(
        str(path), flags=["+OPTIMIZE_CODING"])
    np.testing.assert_array_equal(jpeglib.read_dct(str(path)).Y, y)
    written = _dht_tables(path.read_bytes())
    table = optimal_table(ac_freq[0])
    assert max(np.nonzero(table.counts)[0]) + 1 == 16
    _assert_table_equals(table, written[(1, 0)], "AC (length-limited)")
    _assert_table_equals(optimal_table(dc_freq[0]), written[(0, 0)], "DC")


def _kraft(table):
    return sum(c * 2.0 ** -(length + 1) for length, c in enumerate(table.counts))


@pytest.mark.parametrize("n", [2, 17, 25, 40, 60])
def test_optimal_table_fibonacci_frequencies_are_limited(n):
    fib = [1, 1]
    while len(fib) < n:
        fib.append(fib[-1] + fib[-2])
    freq = np.zeros(256, np.int64)
    symbols = np.random.default_rng(n).permutation(256)[:n]
    freq[symbols] = fib[:n]
    table = optimal_table(freq)
    lengths = table.lengths
    assert set(np.nonzero(lengths)[0]) == set(symbols.tolist())
    assert lengths.max() <= 16
    assert _kraft(table) < 1.0  # the all-ones code stays unused
    # No code is all ones at its length.
    used = np.nonzero(lengths)[0]
    assert all(int(table.codes[s]) != (1 << int(lengths[s])) - 1 for s in used)
    # libjpeg's symbol order: by unlimited code size, then by symbol value. (A more frequent
    # symbol can end up with a longer code than a rarer one of the same unlimited size.)
    full = np.zeros(257)
    full[:256] = freq
    full[256] = 1
    sizes = _merge_code_sizes(full)
    assert list(table.symbols) == sorted(symbols.tolist(), key=lambda s: (sizes[s], s))
    assert np.all(np.diff(lengths[list(table.symbols)]) >= 0)


def test_optimal_table_of_empty_and_single_symbol():
    empty = optimal_table(np.zeros(256, np.int64))
    assert sum(empty.counts) == 1 and empty.lengths[0] > 0
    freq = np.zeros(256, np.int64)
    freq[0x42] = 10
    single = optimal_table(freq)
    assert single.symbols == (0x42,) and single.lengths[0x42] == 1 and single.codes[0x42] == 0


# --------------------------------------------------------------------------------------
# HuffmanTable.from_counts
# --------------------------------------------------------------------------------------

def _code_str(table, symbol):
    return format(int(table.codes[symbol]), f"0{int(table.lengths[symbol])}b")


def test_from_counts_canonical_codes_hand_example():
    counts = [0, 2, 3, 1] + [0] * 12
    table = HuffmanTable.from_counts(counts, [7, 3, 0x10, 9, 200, 4])
    assert [_code_str(table, s) for s in (7, 3, 0x10, 9, 200, 4)] == [
        "00", "01", "100", "101", "110", "1110"]
    assert table.lengths.sum() == 2 + 2 + 3 + 3 + 3 + 4
    assert np.count_nonzero(table.lengths) == 6


def test_annex_k_known_codes():
    dc, ac = STD_DC_TABLES[0], STD_AC_TABLES[0]
    assert [_code_str(dc, s) for s in (0, 1, 2, 3, 6, 11)] == [
        "00", "010", "011", "100", "1110", "111111110"]
    assert _code_str(ac, 0x00) == "1010"        # EOB
    assert _code_str(ac, 0xF0) == "11111111001"  # ZRL
    assert _code_str(ac, 0x01) == "00"
    assert _code_str(ac, 0x11) == "1100"
    assert _code_str(ac, 0x41) == "111011"
    assert _code_str(STD_DC_TABLES[1], 0) == "00"
    assert _code_str(STD_AC_TABLES[1], 0x00) == "00"  # chroma EOB


@pytest.mark.parametrize("counts,symbols,match", [
    ([3] + [0] * 15, [0, 1, 2], "over-subscribe"),           # three 1-bit codes
    ([1, 3] + [0] * 14, [0, 1, 2, 3], "over-subscribe"),     # 1 + 3 codes of <= 2 bits
    ([0, 4] + [0] * 14, [0, 1, 2, 3], "all-ones"),           # complete: uses code '11'
    ([1, 1] + [0] * 13, [0, 1], "16"),                       # 15 counts
    ([1, 1] + [0] * 15, [0, 1], "16"),                       # 17 counts
    ([1, 1] + [0] * 14, [0, 1, 2], "add up"),                # counts != number of symbols
    ([1, 1] + [0] * 14, [5, 5], "twice"),                    # duplicate symbol
    ([0] * 16, [], "add up"),                                # empty table
])
def test_from_counts_rejects_invalid_tables(counts, symbols, match):
    with pytest.raises(ValueError, match=match):
        HuffmanTable.from_counts(counts, symbols)


def test_require_reports_missing_symbols():
    freq = np.zeros(256, np.int64)
    freq[0x99] = 1
    with pytest.raises(ValueError, match="0x99"):
        STD_DC_TABLES[0].require(freq, "DC")
    STD_AC_TABLES[0].require(freq, "AC")  # 0x99 has a code in the AC table


# --------------------------------------------------------------------------------------
# bit_counter
# --------------------------------------------------------------------------------------

def test_size_category_values():
    values = [0, 1, -1, 2, 3, -2, -3, 4, 7, 8, 255, 1023, -1023, 1024, 2047, -2047]
    expected = [0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 8, 10, 10, 11, 11, 11]
    np.testing.assert_array_equal(size_category(values), expected)
    assert int(size_category(0)) == 0
    for bad in (2048, -2048, [0, 5000]):
        with pytest.raises(ValueError):
            size_category(bad)


def test_extra_bits():
    values = np.array([-3, -2, -1, 1, 2, 3, -7, 5, -1023])
    sizes = size_category(values)
    np.testing.assert_array_equal(extra_bits(values, sizes), [0, 1, 0, 1, 2, 3, 0, 5, 0])
    assert int(extra_bits(-3, 2)) == 0


def _luma_bits(zz, pred=0):
    return int(block_bits(np.asarray(zz)[None], pred, STD_DC_TABLES[0], STD_AC_TABLES[0])[0])


def test_block_bits_all_zero_block():
    zz = np.zeros(64, np.int64)
    assert _luma_bits(zz) == 2 + 4  # DC size 0 '00' + EOB '1010'
    symbols = block_symbols(zz[None], 0)
    assert symbols.eob.tolist() == [True] and symbols.ac_block.size == 0


def test_block_with_last_coefficient_has_no_eob():
    zz = np.zeros(64, np.int64)
    zz[63] = 1
    symbols = block_symbols(zz[None], 0)
    assert symbols.eob.tolist() == [False]
    assert symbols.ac_zrl.tolist() == [3] and symbols.ac_symbol.tolist() == [0xE1]
    ac = STD_AC_TABLES[0]
    # DC '00'; run 62 = 3 ZRL + run 14, size 1 (+1 extra bit); no EOB.
    assert _luma_bits(zz) == 2 + 3 * 11 + int(ac.lengths[0xE1]) + 1


def test_run_of_twenty_zeros_uses_one_zrl():
    zz = np.zeros(64, np.int64)
    zz[21] = 1  # positions 1..20 are zero
    symbols = block_symbols(zz[None], 0)
    assert symbols.ac_zrl.tolist() == [1]
    assert symbols.ac_symbol.tolist() == [0x41]
    # DC '00' + ZRL '11111111001' + 4/1 '111011' + 1 extra bit + EOB '1010'.
    assert _luma_bits(zz) == 2 + 11 + 6 + 1 + 4
    dc, ac = symbol_frequencies(symbols)
    assert ac[0, 0xF0] == 1 and ac[0, 0x41] == 1 and ac[0, 0x00] == 1 and dc[0, 0] == 1


def test_block_bits_hand_example():
    zz = np.zeros(64, np.int64)
    zz[0] = 5     # DC 5 against predictor 2: diff 3, size 2: '011' + 2 bits
    zz[1] = -1    # run 0, size 1: '00' + 1 bit
    zz[3] = 2     # run 1, size 2: '11011' + 2 bits
    zz[4] = -6    # run 0, size 3: '100' + 3 bits
    symbols = block_symbols(zz[None], 2)
    assert symbols.dc_diff.tolist() == [3] and symbols.dc_size.tolist() == [2]
    assert symbols.ac_symbol.tolist() == [0x01, 0x12, 0x03]
    assert symbols.ac_position.tolist() == [1, 3, 4]
    assert _luma_bits(zz, pred=2) == (3 + 2) + (2 + 1) + (5 + 2) + (3 + 3) + 4
    # The same block under the Annex K chroma tables (lengths read from the tables).
    dcc, acc = STD_DC_TABLES[1], STD_AC_TABLES[1]
    expected = (int(dcc.lengths[2]) + 2 + int(acc.lengths[0x01]) + 1 + int(acc.lengths[0x12])
                + 2 + int(acc.lengths[0x03]) + 3 + int(acc.lengths[0x00]))
    assert int(block_bits(zz[None], 2, dcc, acc)[0]) == expected


def test_block_bits_vectorized_matches_per_block_and_table_ids():
    rng = np.random.default_rng(3)
    zz = np.where(rng.random((40, 64)) < 0.2, rng.integers(-40, 40, (40, 64)), 0)
    zz[:, 0] = rng.integers(-200, 200, 40)
    preds = dc_predictors(zz[:, 0])
    ids = rng.integers(0, 2, 40)
    together = block_bits(zz, preds, list(STD_DC_TABLES), list(STD_AC_TABLES), table_ids=ids)
    one_by_one = [int(block_bits(zz[i:i + 1], preds[i], STD_DC_TABLES[ids[i]],
                                 STD_AC_TABLES[ids[i]])[0]) for i in range(40)]
    assert together.tolist() == one_by_one
    with pytest.raises(ValueError):
        block_bits(zz, preds, list(STD_DC_TABLES), list(STD_AC_TABLES))  # ids missing


def test_block_bits_rejects_uncodable_values_and_missing_codes():
    zz = np.zeros((1, 64), np.int64)
    zz[0, 5] = 1024  # AC size 11 is not baseline
    with pytest.raises(ValueError):
        block_symbols(zz, 0)
    zz[0, 5] = 1
    only_eob = HuffmanTable.from_counts([1] + [0] * 15, [0x00])
    with pytest.raises(ValueError, match="AC"):
        block_bits(zz, 0, STD_DC_TABLES[0], only_eob)


def test_dc_predictors_with_restarts():
    np.testing.assert_array_equal(dc_predictors([5, 7, -2, 4]), [0, 5, 7, -2])
    np.testing.assert_array_equal(
        dc_predictors([5, 7, -2, 4], restart_starts=[True, False, True, False]), [0, 5, 0, -2])


def test_zigzag_tables_are_consistent():
    assert ZIGZAG[:16].tolist() == [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5]
    np.testing.assert_array_equal(ZIGZAG[INVERSE_ZIGZAG], np.arange(64))
    assert bit_counter.EOB == 0x00 and bit_counter.ZRL == 0xF0
    assert huffman.MAX_CODE_LENGTH == 16


def test_optimal_table_all_256_symbols_with_skewed_counts():
    rng = np.random.default_rng(7)
    freq = np.floor(2.0 ** rng.uniform(0, 40, 256)).astype(np.int64)  # 1 .. 2^40, wide spread
    full = np.zeros(257)
    full[:256] = freq
    full[256] = 1
    assert _merge_code_sizes(full).max() >= 40  # deeper than libjpeg's MAX_CLEN (32)
    table = optimal_table(freq)
    assert sum(table.counts) == 256 and sorted(table.symbols) == list(range(256))
    assert table.lengths.max() <= 16 and _kraft(table) < 1.0


def test_symbol_costs_from_code_lengths_equal_symbol_bits():
    from jpegzoo.layers.numerics.bit_counter import symbol_bits, symbol_costs

    rng = np.random.default_rng(4)
    blocks = (rng.laplace(scale=3.0, size=(300, 64)) / (1 + np.arange(64) / 6)).round()
    blocks = blocks.astype(np.int32)
    blocks[:40, 20:] = 0
    blocks[40:60, 1:] = 0
    symbols = block_symbols(blocks, rng.integers(-50, 50, size=300))
    for k in (0, 1):
        expected = symbol_bits(symbols, STD_DC_TABLES[k], STD_AC_TABLES[k])
        got = symbol_costs(symbols, STD_DC_TABLES[k].lengths, STD_AC_TABLES[k].lengths)
        np.testing.assert_array_equal(got, expected)

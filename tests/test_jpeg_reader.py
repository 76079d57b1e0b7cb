"""Tests of the baseline JPEG parser (jpegzoo.jpeg.reader).

The parser is checked against libjpeg (through jpeglib's ``read_dct``) on files written by
Pillow/libjpeg and by jpegzoo's own writer, and in turn used to check the writer: its
levels, restart markers, per-block bit counts and entropy-coded bytes.
"""

import io

import numpy as np
import pytest

jpeglib = pytest.importorskip("jpeglib")
Image = pytest.importorskip("PIL.Image")

from jpegzoo.jpeg import encode, encode_scan, image_to_levels, write_jpeg  # noqa: E402
from jpegzoo.jpeg.reader import JpegInfo, ParsedJpeg, read_header, read_jpeg  # noqa: E402
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels, ceil_div, scan_order  # noqa: E402
from jpegzoo.layers.numerics.bit_counter import block_bits, dc_predictors  # noqa: E402
from jpegzoo.layers.zigzag import ZIGZAG  # noqa: E402

SIZES = [(1, 1), (7, 13), (17, 9), (16, 16), (33, 70)]  # (height, width)
PIL_SUBSAMPLING = {0: "444", 1: "422", 2: "420"}


def test_image(height, width, channels=3, seed=0):
    """Gradient plus noise: realistic mix of zero and non-zero coefficients."""
    rng = np.random.default_rng(seed + 7 * height + width)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(3 * x + y) % 256, (2 * y + 40) % 256, (x * y) % 256], axis=-1)
    noisy = base[..., :channels] + rng.normal(0, 25, (height, width, channels))
    pixels = np.clip(noisy, 0, 255).astype(np.uint8)
    return pixels[..., 0] if channels == 1 else pixels


test_image.__test__ = False  # a helper, not a test


def pil_jpeg(pixels, **options):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def libjpeg_levels(data, tmp_path):
    """Per component (blocks [rows, cols, 8, 8], qtable [8, 8]) as libjpeg decodes them."""
    path = tmp_path / "file.jpg"
    path.write_bytes(data)
    jpeg = jpeglib.read_dct(str(path))
    planes = [jpeg.Y] + ([jpeg.Cb, jpeg.Cr] if jpeg.Cb is not None else [])
    return [(plane, jpeg.qt[slot]) for plane, slot in zip(planes, jpeg.quant_tbl_no)]


def entropy_data(data):
    """Bytes of the single scan's entropy-coded data (between the SOS header and EOI)."""
    sos = data.index(b"\xff\xda")
    start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
    assert data.endswith(b"\xff\xd9")
    return data[start:-2]


def assert_matches_libjpeg(parsed, data, tmp_path):
    reference = libjpeg_levels(data, tmp_path)
    assert len(reference) == len(parsed.levels.components)
    for index, (comp, (blocks, qtable)) in enumerate(zip(parsed.levels.components,
                                                         reference)):
        assert comp.levels.shape == (*parsed.levels.block_grid(index), 64)
        rows, cols = blocks.shape[:2]
        assert comp.levels.shape[0] >= rows and comp.levels.shape[1] >= cols
        # jpeglib's [.., 8, 8] block is [row v, column u]: natural index 8 * v + u.
        np.testing.assert_array_equal(comp.levels[:rows, :cols].reshape(rows, cols, 8, 8),
                                      blocks)
        np.testing.assert_array_equal(comp.qtable.reshape(8, 8), qtable)


def assert_bit_accounting(parsed, data):
    """Bits of blocks + padding = entropy-coded bytes minus stuffing (single scan)."""
    scan = entropy_data(data)
    assert b"\xff\xd0" not in scan
    assert parsed.scan_bits + parsed.pad_bits == 8 * (len(scan) - scan.count(b"\xff\x00"))
    assert parsed.scan_bits == int(parsed.block_bits.sum()) == sum(parsed.component_bits)
    assert 0 <= parsed.pad_bits < 8 and parsed.pad_bits_all_ones


def expected_grid(height, width, channels, subsampling):
    if channels == 1:
        return [(ceil_div(height, 8), ceil_div(width, 8))]
    h, v = {"444": (1, 1), "422": (2, 1), "420": (2, 2)}[subsampling]
    rows, cols = ceil_div(height, 8 * v), ceil_div(width, 8 * h)
    return [(rows * v, cols * h), (rows, cols), (rows, cols)]


# --- Pillow / libjpeg files --------------------------------------------------------------

PIL_CASES = [(size, sub, quality, optimize)
             for size in SIZES for sub in (0, 1, 2, None)
             for quality, optimize in ((75, False), (30, True), (95, False), (90, True))]


@pytest.mark.parametrize("size,subsampling,quality,optimize", PIL_CASES)
def test_pillow_files_match_libjpeg(size, subsampling, quality, optimize, tmp_path):
    height, width = size
    grey = subsampling is None
    pixels = test_image(height, width, 1 if grey else 3)
    options = dict(quality=quality, optimize=optimize)
    if not grey:
        options["subsampling"] = subsampling
    data = pil_jpeg(pixels, **options)

    parsed = read_jpeg(data)
    assert isinstance(parsed, ParsedJpeg)
    assert (parsed.levels.width, parsed.levels.height) == (width, height)
    sub = None if grey else PIL_SUBSAMPLING[subsampling]
    assert [c.levels.shape[:2] for c in parsed.levels.components] == \
        expected_grid(height, width, 1 if grey else 3, sub)
    assert_matches_libjpeg(parsed, data, tmp_path)
    assert_bit_accounting(parsed, data)
    assert parsed.restart_interval == 0 and parsed.num_scans == 1
    assert len(parsed.block_bits) == len(scan_order(parsed.levels).component)

    info = read_header(data)
    assert isinstance(info, JpegInfo)
    assert (info.width, info.height, info.num_components) == (width, height, 1 if grey else 3)
    assert info.frame_type == "baseline" and not info.progressive
    assert info.sampling == [c.sampling for c in parsed.levels.components]
    for table, comp in zip(info.qtables, parsed.levels.components):
        np.testing.assert_array_equal(table, comp.qtable)


@pytest.mark.parametrize("size,subsampling,quality,optimize",
                         [c for c in PIL_CASES if c[2] in (30, 75)])
def test_writer_reproduces_libjpeg_scan(size, subsampling, quality, optimize):
    """Re-coding the decoded levels with our writer gives libjpeg's scan byte for byte:
    same Huffman tables (Annex K, or the optimal ones), same block bits, same bytes."""
    height, width = size
    grey = subsampling is None
    options = dict(quality=quality, optimize=optimize)
    if not grey:
        options["subsampling"] = subsampling
    data = pil_jpeg(test_image(height, width, 1 if grey else 3), **options)
    parsed = read_jpeg(data)

    scan = encode_scan(parsed.levels, optimize=optimize)
    for cls in sorted(set(c.table_class for c in parsed.levels.components)):
        assert scan.dc_tables[cls] == parsed.dc_tables[cls]
        assert scan.ac_tables[cls] == parsed.ac_tables[cls]
    np.testing.assert_array_equal(scan.block_bits, parsed.block_bits)
    assert scan.pad_bits == parsed.pad_bits
    assert scan.data == entropy_data(data)


@pytest.mark.parametrize("subsampling", [0, 2, None])
def test_block_bits_match_exact_bit_counter(subsampling):
    """jpegzoo.layers.numerics.bit_counter.block_bits (the models' rate) vs the decoder's counts."""
    grey = subsampling is None
    options = {} if grey else {"subsampling": subsampling}
    data = pil_jpeg(test_image(40, 56, 1 if grey else 3), quality=60, optimize=True,
                    **options)
    parsed = read_jpeg(data)
    image = parsed.levels
    order = scan_order(image)
    zz = np.empty((order.component.size, 64), dtype=np.int64)
    predictors = np.empty(order.component.size, dtype=np.int64)
    for index, comp in enumerate(image.components):
        mine = order.component == index
        zz[mine] = comp.levels.reshape(-1, 64)[order.flat_index[mine]][:, ZIGZAG]
        predictors[mine] = dc_predictors(zz[mine, 0])
    table_ids = np.array([c.table_class for c in image.components])[order.component]
    dc = [parsed.dc_tables[k] for k in sorted(parsed.dc_tables)]
    ac = [parsed.ac_tables[k] for k in sorted(parsed.ac_tables)]
    counted = block_bits(zz, predictors, dc, ac, table_ids)
    np.testing.assert_array_equal(counted, parsed.block_bits)
    per_component = np.bincount(order.component, weights=counted).astype(np.int64)
    assert list(per_component) == parsed.component_bits


@pytest.mark.parametrize("blocks,rows", [(1, 0), (3, 0), (0, 1)])
def test_pillow_restart_markers(blocks, rows, tmp_path):
    pixels = test_image(45, 75)
    data = pil_jpeg(pixels, quality=80, subsampling=2, restart_marker_blocks=blocks,
                    restart_marker_rows=rows)
    parsed = read_jpeg(data)
    mcu_cols = ceil_div(75, 16)
    assert parsed.restart_interval == (blocks or rows * mcu_cols)
    assert read_header(data).restart_interval == parsed.restart_interval
    assert_matches_libjpeg(parsed, data, tmp_path)
    assert parsed.pad_bits_all_ones


# --- jpegzoo's writer ---------------------------------------------------------------------

WRITER_CASES = [
    ((40, 56), 3, "420", 2, False), ((40, 56), 3, "420", 1, True),
    ((33, 70), 3, "422", 5, False), ((17, 9), 3, "444", 7, True),
    ((1, 1), 3, "420", 1, False), ((90, 61), 1, "444", 3, False),
    ((7, 13), 1, "444", 1, True), ((96, 128), 3, "420", 0, True),
]


@pytest.mark.parametrize("size,channels,subsampling,restart,optimize", WRITER_CASES)
def test_writer_files(size, channels, subsampling, restart, optimize, tmp_path):
    height, width = size
    pixels = test_image(height, width, channels, seed=3)
    image = image_to_levels(pixels, quality=75, subsampling=subsampling)
    data = write_jpeg(image, optimize=optimize, restart_interval=restart)
    parsed = read_jpeg(data)

    assert_matches_libjpeg(parsed, data, tmp_path)
    assert parsed.restart_interval == restart
    for index, (ours, theirs) in enumerate(zip(image.components, parsed.levels.components)):
        rows, cols = image.block_grid(index)
        np.testing.assert_array_equal(np.asarray(ours.levels)[:rows, :cols], theirs.levels)
        np.testing.assert_array_equal(np.asarray(ours.qtable), theirs.qtable)
        assert tuple(ours.sampling) == theirs.sampling
        assert ours.component_id == theirs.component_id
        assert ours.table_class == theirs.table_class

    # The writer's exact bit counter against the independent decoder.
    scan = encode_scan(image, optimize=optimize, restart_interval=restart)
    np.testing.assert_array_equal(scan.block_bits, parsed.block_bits)
    assert scan.pad_bits == parsed.pad_bits and parsed.pad_bits_all_ones
    order = scan_order(image)
    np.testing.assert_array_equal(order.component, parsed.order.component)
    np.testing.assert_array_equal(order.flat_index, parsed.order.flat_index)
    np.testing.assert_array_equal(order.mcu, parsed.order.mcu)

    mcus = int(np.prod(image.mcu_grid()))
    intervals = ceil_div(mcus, restart) if restart else 1
    markers = [data[i + 1] for i in range(len(data) - 1)
               if data[i] == 0xFF and 0xD0 <= data[i + 1] <= 0xD7]
    assert markers == [0xD0 + k % 8 for k in range(intervals - 1)]


def test_encode_with_restart_interval(tmp_path):
    pixels = test_image(64, 80, seed=5)
    data = encode(pixels, quality=75, subsampling="420", restart_interval=2)
    parsed = read_jpeg(data)
    assert parsed.restart_interval == 2
    assert_matches_libjpeg(parsed, data, tmp_path)
    image = image_to_levels(pixels, quality=75, subsampling="420")
    for index, comp in enumerate(image.components):
        rows, cols = image.block_grid(index)
        np.testing.assert_array_equal(np.asarray(comp.levels)[:rows, :cols],
                                      parsed.levels.components[index].levels)


# --- multi-scan baseline, header variants -------------------------------------------------

def _segment(code, payload):
    return bytes([0xFF, code]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _non_interleaved_file(image):
    """A baseline file coding each component of ``image`` in its own scan (T.81 A.2.2)."""
    from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES

    comps = image.components
    dqt = b"".join(bytes([k]) + bytes(np.asarray(c.qtable, dtype=np.uint8)[ZIGZAG])
                   for k, c in enumerate(comps))
    sof = bytes([8]) + image.height.to_bytes(2, "big") + image.width.to_bytes(2, "big")
    sof += bytes([len(comps)]) + b"".join(
        bytes([c.component_id, c.sampling[0] << 4 | c.sampling[1], k])
        for k, c in enumerate(comps))
    dht = b"".join(bytes([tc << 4 | cls]) + bytes(t.counts) + bytes(t.symbols)
                   for cls in (0, 1)
                   for tc, t in ((0, STD_DC_TABLES[cls]), (1, STD_AC_TABLES[cls])))
    parts = [b"\xff\xd8", _segment(0xDB, dqt), _segment(0xC0, sof), _segment(0xC4, dht)]
    for index, comp in enumerate(comps):
        height, width = image.component_size(index)
        rows, cols = ceil_div(height, 8), ceil_div(width, 8)
        single = JpegLevels(width, height, [ComponentLevels(
            np.asarray(comp.levels)[:rows, :cols], comp.qtable, (1, 1), comp.table_class,
            comp.component_id)])
        scan = encode_scan(single)
        sos = bytes([1, comp.component_id, comp.table_class * 17, 0, 63, 0])
        parts += [_segment(0xDA, sos), scan.data]
    return b"".join(parts + [b"\xff\xd9"])


@pytest.mark.parametrize("subsampling", ["420", "422", "444"])
def test_non_interleaved_scans(subsampling, tmp_path):
    image = image_to_levels(test_image(37, 43, seed=1), quality=70, subsampling=subsampling)
    data = _non_interleaved_file(image)
    parsed = read_jpeg(data)
    assert parsed.num_scans == 3
    assert_matches_libjpeg(parsed, data, tmp_path)
    for index, comp in enumerate(parsed.levels.components):
        height, width = image.component_size(index)
        rows, cols = ceil_div(height, 8), ceil_div(width, 8)
        assert comp.levels.shape[:2] == image.block_grid(index)
        np.testing.assert_array_equal(comp.levels[:rows, :cols],
                                      np.asarray(image.components[index].levels)[:rows, :cols])
        assert not comp.levels[rows:].any() and not comp.levels[:, cols:].any()


def test_progressive_header():
    data = pil_jpeg(test_image(21, 34), quality=80, progressive=True)
    info = read_header(data)
    assert info.progressive and info.frame_type == "progressive"
    assert (info.width, info.height, info.num_components) == (34, 21, 3)
    assert len(info.qtables) == 3 and all(t.shape == (64,) for t in info.qtables)
    assert read_jpeg(data).info.progressive


def test_extended_header():
    data = bytearray(pil_jpeg(test_image(12, 20), quality=80))
    sof = data.index(b"\xff\xc0")
    data[sof + 1] = 0xC1
    info = read_header(bytes(data))
    assert info.frame_type == "extended" and not info.progressive
    assert (info.width, info.height) == (20, 12)
    parsed = read_jpeg(bytes(data))  # 8-bit extended sequential decodes like baseline
    reference = read_jpeg(pil_jpeg(test_image(12, 20), quality=80))
    for comp, ref in zip(parsed.levels.components, reference.levels.components):
        np.testing.assert_array_equal(comp.levels, ref.levels)
    data[sof + 4] = 12  # 12-bit precision
    with pytest.raises(ValueError, match="12-bit JPEG not supported"):
        read_jpeg(bytes(data))
    data[sof + 1] = 0xC9
    with pytest.raises(ValueError, match="extended-arithmetic JPEG not supported"):
        read_jpeg(bytes(data))


def test_tolerated_variants(tmp_path):
    """APPn/COM segments, fill bytes before markers and 16-bit DQT tables."""
    pixels = test_image(24, 40)
    data = write_jpeg(image_to_levels(pixels, quality=50), restart_interval=2)
    reference = read_jpeg(data)
    dqt = data.index(b"\xff\xdb")
    end = dqt + 2 + int.from_bytes(data[dqt + 2:dqt + 4], "big")
    tables, pos, wide = data[dqt + 4:end], 0, b""
    while pos < len(tables):
        values = np.frombuffer(tables, np.uint8, 64, pos + 1).astype(">u2")
        wide += bytes([0x10 | tables[pos]]) + values.tobytes()
        pos += 65
    variant = (data[:2] + _segment(0xFE, b"comment") + _segment(0xE1, b"Exif\0\0")
               + data[2:dqt] + _segment(0xDB, wide) + b"\xff\xff" + data[end:-2]
               + b"\xff\xff\xff\xd9trailing garbage")
    variant = variant.replace(b"\xff\xd1", b"\xff\xff\xd1")  # fill before an RST marker
    parsed = read_jpeg(variant)
    for a, b in zip(reference.levels.components, parsed.levels.components):
        np.testing.assert_array_equal(a.levels, b.levels)
        np.testing.assert_array_equal(a.qtable, b.qtable)
    np.testing.assert_array_equal(reference.block_bits, parsed.block_bits)
    np.testing.assert_array_equal(read_header(variant).qtables[0],
                                  reference.levels.components[0].qtable)


def test_path_input(tmp_path):
    data = pil_jpeg(test_image(8, 8, 1), quality=90)
    path = tmp_path / "grey.jpg"
    path.write_bytes(data)
    np.testing.assert_array_equal(read_jpeg(path).levels.components[0].levels,
                                  read_jpeg(data).levels.components[0].levels)
    assert read_header(str(path)).num_components == 1
    with pytest.raises(TypeError):
        read_jpeg(12345)


# --- malformed input ----------------------------------------------------------------------

def _small_files():
    return {
        "grey": pil_jpeg(test_image(9, 17, 1), quality=75),
        "color420": pil_jpeg(test_image(17, 20), quality=60, subsampling=2, optimize=True),
        "restart": write_jpeg(image_to_levels(test_image(16, 160), quality=75),
                              restart_interval=1),
    }


@pytest.mark.parametrize("name", ["grey", "color420", "restart"])
def test_truncated_files_raise_value_error(name):
    data = _small_files()[name]
    sos = data.index(b"\xff\xda")
    header_end = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
    for cut in range(len(data) - 1):
        with pytest.raises(ValueError):
            read_jpeg(data[:cut])
        # The header alone is readable once the first SOS segment is complete.
        if cut < header_end:
            with pytest.raises(ValueError):
                read_header(data[:cut])
        else:
            assert read_header(data[:cut]).width > 0


def test_truncation_messages():
    data = _small_files()["color420"]
    with pytest.raises(ValueError, match="missing SOI"):
        read_jpeg(data[1:])
    with pytest.raises(ValueError, match="truncated JPEG"):
        read_jpeg(data[:len(data) // 2])
    with pytest.raises(ValueError, match="truncated JPEG"):
        read_jpeg(data[:-2])
    with pytest.raises(ValueError, match="truncated JPEG"):
        read_jpeg(data[:-1])


@pytest.mark.parametrize("blob", [
    b"", b"\xff", b"\xff\xd8", b"\xff\xd8\xff", b"\xff\xd8\xff\xd9", b"GIF89a" + bytes(20),
    b"\x89PNG\r\n\x1a\n" + bytes(30), b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00",
    b"\xff\xd8\xff\xc0\x00\x0b\x08\xff\xff\xff\xff\x01\x01\x11\x00\xff\xd9",
    b"\xff\xd8\xff\xdb\x00\x03\x00", b"\xff\xd8\xff\xd0\xff\xd9", b"\xff\xd8\x00\x00",
])
def test_garbage_raises_value_error(blob):
    with pytest.raises(ValueError):
        read_jpeg(blob)
    with pytest.raises(ValueError):
        read_header(blob)


def test_random_bytes_raise_value_error():
    rng = np.random.default_rng(11)
    for length in (1, 2, 10, 100, 1000):
        for _ in range(20):
            blob = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
            for prefix in (b"", b"\xff\xd8"):
                with pytest.raises(ValueError):
                    read_jpeg(prefix + blob)


@pytest.mark.parametrize("name", ["grey", "color420", "restart"])
def test_corrupted_bytes_never_crash(name):
    """Random byte changes: either a clean ValueError or a successful decode."""
    data = _small_files()[name]
    rng = np.random.default_rng(sum(name.encode()))
    for _ in range(300):
        corrupt = bytearray(data)
        for position in rng.integers(2, len(data), rng.integers(1, 4)):
            corrupt[position] = rng.integers(0, 256)
        for reader in (read_jpeg, read_header):
            try:
                reader(bytes(corrupt))
            except ValueError as err:
                assert str(err) and "\n" not in str(err)


def test_specific_corruptions():
    data = _small_files()["restart"]
    # Restart markers out of sequence.
    swapped = data.replace(b"\xff\xd1", b"\xff\xd7", 1)
    with pytest.raises(ValueError, match="RST7 where RST1 was expected"):
        read_jpeg(swapped)
    # A missing restart marker.
    missing = data.replace(b"\xff\xd2", b"", 1)
    with pytest.raises(ValueError, match="restart interval"):
        read_jpeg(missing)
    # Entropy data of all 1-bits: no 9-bit DC luminance code is all ones.
    grey = _small_files()["grey"]
    scan = entropy_data(grey)
    bad = grey[:-2 - len(scan)] + b"\xff\x00" * len(scan) + b"\xff\xd9"
    with pytest.raises(ValueError, match="invalid DC Huffman code"):
        read_jpeg(bad)
    # Extra bytes after the last block.
    extra = grey[:-2] + b"\x12\x34\xff\xd9"
    with pytest.raises(ValueError, match="extra byte"):
        read_jpeg(extra)
    # Huffman table slot never defined.
    sos = grey.index(b"\xff\xda")
    undefined = grey[:sos + 6] + bytes([0x11]) + grey[sos + 7:]
    with pytest.raises(ValueError, match="undefined DC Huffman table 1"):
        read_jpeg(undefined)


# --- size limits and memory ---------------------------------------------------------------

def _flat_grey_file(width, height):
    """A valid grey baseline file whose blocks are all zero and take 2 bits each: one-code
    DC (category 0) and AC (EOB) tables, so the scan is ``(blocks + 3) // 4`` zero bytes."""
    blocks = ceil_div(width, 8) * ceil_div(height, 8)
    sof = (bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big")
           + b"\x01\x01\x11\x00")
    one_code = bytes([1] + [0] * 15)
    dht = b"\x00" + one_code + b"\x00" + b"\x10" + one_code + b"\x00"
    return (b"\xff\xd8" + _segment(0xDB, bytes([0] + 64 * [1])) + _segment(0xC0, sof)
            + _segment(0xC4, dht) + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + bytes(ceil_div(blocks, 4)) + b"\xff\xd9")


def test_flat_grey_file():
    parsed = read_jpeg(_flat_grey_file(40, 17))
    assert parsed.levels.components[0].levels.shape == (3, 5, 64)
    assert not parsed.levels.components[0].levels.any()
    assert list(parsed.block_bits) == [2] * 15 and parsed.pad_bits == 2


_MEMORY_CHILD = """
import json, resource, sys, time
from jpegzoo.jpeg.reader import read_jpeg
read_jpeg(sys.argv[2])  # compiles the kernels (or loads them from numba's cache)
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
parsed = read_jpeg(data)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(before=before * 1024, peak=peak * 1024, seconds=seconds,
                      blocks=len(parsed.block_bits))))
"""


def test_large_flat_file_memory_and_time(tmp_path):
    """An 8192x8192 file of 2-bit blocks (256 KiB) decodes in a few seconds with a peak
    RSS (in a child process) within 2x its int32 levels (256 MiB) plus the input."""
    import json
    import os
    import subprocess
    import sys

    path, small = tmp_path / "flat8192.jpg", tmp_path / "small.jpg"
    path.write_bytes(_flat_grey_file(8192, 8192))
    small.write_bytes(_flat_grey_file(16, 16))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    run = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(path), str(small)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    levels = 8192 * 8192 // 64 * 64 * 4
    assert result["blocks"] == 8192 * 8192 // 64
    assert result["peak"] - result["before"] < 2 * levels + path.stat().st_size, result
    assert result["seconds"] < 10, result


def test_oversize_frame_is_refused():
    data = _small_files()["color420"]
    sof = data.index(b"\xff\xc0")
    huge = data[:sof + 5] + b"\xff\xff\xff\xff" + data[sof + 9:]  # 65535x65535
    assert read_header(huge).width == 65535
    with pytest.raises(ValueError, match="JPEG too large") as error:
        read_jpeg(huge)
    assert "\n" not in str(error.value) and "65535x65535" in str(error.value)
    # 17x20 4:2:0: 2x2 MCUs of 4 luma and 2 chroma blocks
    with pytest.raises(ValueError, match="over the reader's limit of 23 blocks"):
        read_jpeg(data, max_blocks=23)
    assert read_jpeg(data, max_blocks=24).levels.width == 20

"""Tests of progressive JPEG: the writer (jpegzoo.jpeg.progressive), its scan search
(jpegzoo.jpeg.scan_search) and the reader's progressive path (jpegzoo.jpeg.reader).

* libjpeg's default script: byte-identical to libjpeg-turbo -- Pillow's ``progressive=True``
  for the levels of Pillow's baseline file of the same image, and ``jpegtran -optimize
  -progressive [-restart NB]`` for random levels (EOB runs, correction-bit buffering,
  restart intervals);
* every script (default, searched, custom): libjpeg (jpeglib's ``read_dct``) reads back
  exactly our levels, Pillow decodes the same pixels as from the baseline file of the same
  levels, and jpegzoo's reader gives the levels back with exact bit accounting;
* the scan search is never larger than mozjpeg's (jpeglib's mozjpeg 4.0.3 ``write_dct``,
  its jpegtran) on the same coefficients;
* the reader: Pillow's and mozjpeg's progressive files decode to libjpeg's levels, and
  truncated, corrupted or invalid progressive files raise one-line ValueErrors.
"""

import io
import random
import shutil
import subprocess

import jpeglib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from jpegzoo.jpeg import progressive_kernels, read_jpeg, write_jpeg
from jpegzoo.jpeg.baseline import fill_dummy_blocks
from jpegzoo.jpeg.progressive import MAX_AL, Scan, simple_script, validate_script
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels, ceil_div
from jpegzoo.layers.numerics.huffman import optimal_table
from jpegzoo.layers.numerics.standard import quality_to_qtables

SIZES = [(1, 1), (7, 13), (17, 9), (513, 767)]  # (height, width)
SUBSAMPLINGS = ["grey", "444", "422", "420"]
_SAMPLING = {"grey": (1, 1), "444": (1, 1), "422": (2, 1), "420": (2, 2)}
_PILLOW = {"grey": 0, "444": 0, "422": 1, "420": 2}
JPEGTRAN = shutil.which("jpegtran")
SAMPLES = ["kodim05_crop256.png", "kodim19_crop256.png", "kodim23_crop256.png"]

#: A script with DC successive approximation, several bands and deep refinements.
DEEP_SCRIPT = [Scan((0, 1, 2), 0, 0, 0, 2), Scan((0,), 1, 1, 0, 4), Scan((0,), 2, 9, 0, 3),
               Scan((0,), 10, 63, 0, 3), Scan((1,), 1, 63, 0, 0), Scan((2,), 1, 20, 0, 1),
               Scan((2,), 21, 63, 0, 1), Scan((0, 1, 2), 0, 0, 2, 1), Scan((0,), 1, 1, 4, 3),
               Scan((0,), 1, 63, 3, 2), Scan((2,), 1, 63, 1, 0), Scan((0,), 1, 63, 2, 1),
               Scan((0,), 1, 63, 1, 0), Scan((0, 1, 2), 0, 0, 1, 0)]


# -- helpers -------------------------------------------------------------------------------

def photo(height, width, grey=False, seed=0):
    """Gradients plus noise: a realistic mix of zero and non-zero coefficients."""
    rng = np.random.default_rng(seed + 7 * height + width)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(3 * x + y) % 256, (2 * y + 40) % 256, (x * y) % 256], axis=-1)
    pixels = np.clip(base + rng.normal(0, 20, (height, width, 3)), 0, 255).astype(np.uint8)
    return pixels[..., 0] if grey else pixels


def pillow_jpeg(pixels, subsampling="420", **options):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", subsampling=_PILLOW[subsampling], **options)
    return buffer.getvalue()


def random_levels(seed, height, width, subsampling, scale=4.0):
    """Random levels (denser at low frequencies, magnitudes ~ geometric(1/scale)) on
    every block, with libjpeg's dummy blocks (what jpegtran codes) in the MCU padding."""
    rng = np.random.default_rng(seed)
    tables = quality_to_qtables(50)
    comps = [ComponentLevels(None, tables[0], _SAMPLING[subsampling], 0, 1)]
    if subsampling != "grey":
        comps += [ComponentLevels(None, tables[1], (1, 1), 1, ident) for ident in (2, 3)]
    image = JpegLevels(width, height, comps)
    for index, comp in enumerate(comps):
        rows, cols = image.block_grid(index)
        magnitude = rng.geometric(1 / scale, (rows, cols, 64)) - 1
        keep = rng.random((rows, cols, 64)) < np.linspace(0.9, 0.05, 64)
        levels = np.where(keep, magnitude * rng.choice([-1, 1], magnitude.shape), 0)
        levels[..., 0] = rng.integers(-400, 400, (rows, cols))
        comp.levels = np.clip(levels, -1023, 1023).astype(np.int32)
        fill_dummy_blocks(image, index)
    return image


def own_grids(image):
    """Per component the (rows, cols) of its own blocks (what libjpeg reads and writes)."""
    return [tuple(ceil_div(n, 8) for n in image.component_size(i))
            for i in range(len(image.components))]


def assert_same_real_blocks(parsed_levels, image):
    for comp, ref, (rows, cols) in zip(parsed_levels.components, image.components,
                                        own_grids(image)):
        np.testing.assert_array_equal(comp.levels[:rows, :cols], ref.levels[:rows, :cols])


def jpeglib_planes(data, tmp_path):
    path = tmp_path / "file.jpg"
    path.write_bytes(data)
    dct = jpeglib.read_dct(str(path))
    return [plane for plane in (dct.Y, dct.Cb, dct.Cr) if plane is not None]


def assert_libjpeg_reads(data, image, tmp_path):
    planes = jpeglib_planes(data, tmp_path)
    assert len(planes) == len(image.components)
    for plane, comp, (rows, cols) in zip(planes, image.components, own_grids(image)):
        assert plane.shape[:2] == (rows, cols)
        np.testing.assert_array_equal(plane.reshape(rows, cols, 64),
                                      comp.levels[:rows, :cols])


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


def segments(data):
    """The file as [(marker, payload, entropy-coded data after it)]."""
    out, pos = [], 2
    while pos < len(data):
        code = data[pos + 1]
        if code == 0xD9:
            out.append((code, b"", b""))
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        payload = data[pos + 4:pos + 2 + length]
        pos += 2 + length
        end = pos
        if code == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] not in (0,)
                       and not 0xD0 <= data[end + 1] <= 0xD7):
                end += 1
        out.append((code, payload, data[pos:end]))
        pos = end
    return out


def joined(parts):
    return b"\xff\xd8" + b"".join(
        bytes([0xFF, code]) + (b"" if code == 0xD9 else
                               (len(payload) + 2).to_bytes(2, "big") + payload) + scan
        for code, payload, scan in parts)


def assert_bit_accounting(parsed, data):
    """Bits of blocks + padding = entropy-coded bytes minus stuffing and RST markers."""
    coded = b"".join(scan for code, _, scan in segments(data) if code == 0xDA)
    stuffed = coded.count(b"\xff\x00")
    markers = sum(coded.count(bytes([0xFF, 0xD0 + k])) for k in range(8))
    assert parsed.scan_bits + parsed.pad_bits == 8 * (len(coded) - stuffed - 2 * markers)
    assert parsed.scan_bits == int(parsed.block_bits.sum()) == sum(parsed.component_bits)
    assert parsed.scan_bits == sum(scan.bits for scan in parsed.scans)
    assert parsed.pad_bits_all_ones


# -- the writer ----------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("subsampling", SUBSAMPLINGS)
def test_default_script_is_libjpeg_turbo_byte_for_byte(size, subsampling):
    """Pillow's baseline file -> our levels -> our progressive file == Pillow's progressive
    file of the same image (libjpeg-turbo, same quantization, hence the same levels)."""
    pixels = photo(*size, grey=subsampling == "grey")
    baseline = pillow_jpeg(pixels, subsampling, quality=85)
    progressive = pillow_jpeg(pixels, subsampling, quality=85, progressive=True)
    ours = write_jpeg(read_jpeg(baseline).levels, progressive=True)
    assert len(ours) == len(progressive)  # within 0.5 % asked; equal measured
    assert ours == progressive


@pytest.mark.skipif(JPEGTRAN is None, reason="jpegtran (libjpeg-turbo-progs) not installed")
@pytest.mark.parametrize("subsampling", SUBSAMPLINGS)
@pytest.mark.parametrize("restart", [0, 1, 5])
def test_random_levels_match_jpegtran(subsampling, restart, tmp_path):
    """Dense random levels (long correction-bit runs, forced EOB runs) with and without
    restart markers: the same bytes as ``jpegtran -optimize -progressive``."""
    for seed, (height, width) in enumerate([(1, 1), (17, 9), (40, 70)]):
        image = random_levels(seed, height, width, subsampling, scale=6.0)
        path = tmp_path / "baseline.jpg"
        path.write_bytes(write_jpeg(image, optimize=True))
        command = [JPEGTRAN, "-optimize", "-progressive"]
        command += ["-restart", f"{restart}B"] if restart else []
        reference = subprocess.run(command + [str(path)], capture_output=True,
                                   check=True).stdout
        assert write_jpeg(image, progressive=True, restart_interval=restart) == reference


@pytest.mark.skipif(JPEGTRAN is None, reason="jpegtran (libjpeg-turbo-progs) not installed")
def test_eob_runs_longer_than_one_symbol(tmp_path):
    """32768 blocks without AC: EOB runs are cut at 32767 blocks, as libjpeg cuts them."""
    image = random_levels(3, 1024, 2048, "grey")
    image.components[0].levels[..., 1:] = 0
    path = tmp_path / "baseline.jpg"
    path.write_bytes(write_jpeg(image, optimize=True))
    reference = subprocess.run([JPEGTRAN, "-optimize", "-progressive", str(path)],
                               capture_output=True, check=True).stdout
    ours = write_jpeg(image, progressive=True)
    assert ours == reference
    assert_same_real_blocks(read_jpeg(ours).levels, image)


@pytest.mark.skipif(JPEGTRAN is None, reason="jpegtran (libjpeg-turbo-progs) not installed")
def test_correction_bit_buffer_overflow(tmp_path):
    """Every AC level large: the refinement scans send correction bits only, which libjpeg
    buffers up to 1000 bits behind an EOB run and then forces out (a run of ~15 blocks)."""
    image = random_levels(8, 48, 64, "grey")
    rng = np.random.default_rng(8)
    ac = image.components[0].levels[..., 1:]
    ac[:] = rng.integers(8, 16, ac.shape) * rng.choice([-1, 1], ac.shape)
    path = tmp_path / "baseline.jpg"
    path.write_bytes(write_jpeg(image, optimize=True))
    reference = subprocess.run([JPEGTRAN, "-optimize", "-progressive", str(path)],
                               capture_output=True, check=True).stdout
    ours = write_jpeg(image, progressive=True)
    assert ours == reference
    assert_same_real_blocks(read_jpeg(ours).levels, image)


SCRIPTS = {"default": True, "search": "search", "deep": DEEP_SCRIPT}


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(height=st.integers(1, 40), width=st.integers(1, 40),
       subsampling=st.sampled_from(SUBSAMPLINGS), restart=st.sampled_from([0, 1, 2, 7]),
       script=st.sampled_from(sorted(SCRIPTS)), seed=st.integers(0, 2 ** 16))
def test_random_levels_read_back_exactly(height, width, subsampling, restart, script, seed,
                                         tmp_path):
    """libjpeg reads our levels, Pillow decodes the baseline file's pixels, our reader
    gives the levels and the bits back."""
    image = random_levels(seed, height, width, subsampling)
    if script == "deep" and subsampling == "grey":
        script_value = [Scan((0,), s.ss, s.se, s.ah, s.al) for s in DEEP_SCRIPT
                        if s.components[0] == 0]
    else:
        script_value = SCRIPTS[script]
    data = write_jpeg(image, progressive=script_value, restart_interval=restart)
    assert_libjpeg_reads(data, image, tmp_path)
    baseline = write_jpeg(image, optimize=True, restart_interval=restart)
    np.testing.assert_array_equal(decoded(data), decoded(baseline))
    parsed = read_jpeg(data)
    assert parsed.info.progressive and parsed.complete
    assert parsed.restart_interval == restart
    assert_same_real_blocks(parsed.levels, image)
    assert_bit_accounting(parsed, data)


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("quality,subsampling", [(75, "420"), (95, "444"), (60, "grey")])
def test_search_beats_mozjpeg_and_the_default_script(name, quality, subsampling, tmp_path):
    """On the same coefficients: search <= mozjpeg 4.0.3's scan optimization (its
    jpegtran through jpeglib) and <= libjpeg's default script."""
    from importlib.resources import files

    with Image.open(str(files("jpegzoo") / "data" / "samples" / name)) as image:
        pixels = np.asarray(image.convert("L" if subsampling == "grey" else "RGB"))
    baseline = pillow_jpeg(pixels, subsampling, quality=quality)
    path = tmp_path / "in.jpg"
    path.write_bytes(baseline)
    with jpeglib.version("mozjpeg403"):
        jpeglib.read_dct(str(path)).write_dct(str(tmp_path / "moz.jpg"))
    mozjpeg = (tmp_path / "moz.jpg").read_bytes()
    levels = read_jpeg(baseline).levels
    searched = write_jpeg(levels, progressive="search")
    assert len(searched) <= len(mozjpeg)
    assert len(searched) <= len(write_jpeg(levels, progressive=True))
    np.testing.assert_array_equal(decoded(searched), decoded(baseline))


def test_search_with_restart_intervals(tmp_path):
    image = random_levels(5, 37, 45, "420")
    data = write_jpeg(image, progressive="search", restart_interval=3)
    assert_libjpeg_reads(data, image, tmp_path)
    assert read_jpeg(data).restart_interval == 3


@pytest.mark.parametrize("script,message", [
    ([Scan((0,), 1, 63, 0, 0), Scan((0,), 0, 0, 0, 0)], "AC scan of component 0 before"),
    ([Scan((0,), 0, 0, 1, 0)], "not at the precision"),
    ([Scan((0,), 0, 0, 0, 1), Scan((0,), 0, 0, 1, 1)], "ah = 0 or al \\+ 1"),
    ([Scan((0,), 0, 5, 0, 0)], "a DC scan codes zigzag position 0 only"),
    ([Scan((0,), 0, 0, 0, 0), Scan((0,), 5, 4, 0, 0)], "an AC scan has one component"),
    ([Scan((0,), 0, 0, 0, 0)], "coefficient 1 of component 0 uncoded"),
    ([Scan((0,), 0, 0, 0, 1)], "coefficient 0 of component 0 not fully refined"),
    ([Scan((1,), 0, 0, 0, 0)], "components must be"),
    ([Scan((0,), 0, 0, 0, MAX_AL + 1)], "al in 0..10"),
])
def test_invalid_scripts_are_refused(script, message):
    with pytest.raises(ValueError, match=message):
        validate_script(script, 1)
    with pytest.raises(ValueError, match=message):
        write_jpeg(random_levels(0, 8, 8, "grey"), progressive=script)


def test_simple_scripts_are_valid():
    for num in (1, 3):
        validate_script(simple_script(num), num)
    with pytest.raises(ValueError, match="1 or 3 components"):
        simple_script(2)
    with pytest.raises(ValueError, match="unknown progressive script"):
        write_jpeg(random_levels(0, 8, 8, "grey"), progressive="fast")


def test_uncodable_levels_are_refused():
    """Levels a first scan cannot code at its precision (a point transform ``al`` > 0
    brings larger ones in range, as in libjpeg)."""
    script = [Scan((0,), 0, 0, 0, 0), Scan((0,), 1, 63, 0, 0)]
    image = random_levels(0, 16, 16, "grey")
    image.components[0].levels[0, 0, 5] = 1024
    with pytest.raises(ValueError, match="AC level magnitude exceeds 1023"):
        write_jpeg(image, progressive=script)
    write_jpeg(image, progressive=True)  # the default script sends it shifted by 2
    image = random_levels(0, 16, 16, "grey")
    image.components[0].levels[0, :2, 0] = [-1500, 1500]
    with pytest.raises(ValueError, match="DC difference exceeds 2047"):
        write_jpeg(image, progressive=script)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10 ** 6), min_size=256, max_size=256),
       st.integers(1, 255))
def test_compiled_optimal_table_is_libjpegs(frequencies, used):
    """The compiled twin of jpegzoo.layers.numerics.huffman.optimal_table agrees with it."""
    freq = np.array(frequencies, dtype=np.int64)
    freq[np.random.default_rng(used).permutation(256)[used:]] = 0
    counts = np.zeros(16, np.int64)
    symbols = np.zeros(256, np.int64)
    lengths = np.zeros(256, np.int64)
    codes = np.zeros(256, np.int64)
    n = progressive_kernels.optimal_table(freq, counts, symbols, lengths, codes)
    table = optimal_table(freq)
    assert tuple(counts.tolist()) == table.counts
    assert tuple(symbols[:n].tolist()) == table.symbols
    np.testing.assert_array_equal(lengths, table.lengths)
    np.testing.assert_array_equal(codes[lengths > 0], table.codes[lengths > 0])


# -- the reader ----------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES[:3] + [(64, 96)])
@pytest.mark.parametrize("subsampling", SUBSAMPLINGS)
def test_reader_matches_libjpeg_on_pillow_and_mozjpeg_files(size, subsampling, tmp_path):
    pixels = photo(*size, grey=subsampling == "grey", seed=3)
    pillow = pillow_jpeg(pixels, subsampling, quality=70, progressive=True)
    with jpeglib.version("mozjpeg403"):  # scan-optimized, trellis-quantized, progressive
        if subsampling == "grey":
            spatial = jpeglib.from_spatial(pixels[..., None].copy(), jpeglib.JCS_GRAYSCALE)
        else:
            spatial = jpeglib.from_spatial(pixels.copy())
            spatial.samp_factor = np.array([_SAMPLING[subsampling], [1, 1], [1, 1]])
        spatial.write_spatial(str(tmp_path / "moz.jpg"), qt=70)
    for data in (pillow, (tmp_path / "moz.jpg").read_bytes()):
        parsed = read_jpeg(data)
        assert parsed.info.progressive and parsed.complete
        planes = jpeglib_planes(data, tmp_path)
        for plane, comp in zip(planes, parsed.levels.components):
            rows, cols = plane.shape[:2]
            np.testing.assert_array_equal(comp.levels[:rows, :cols].reshape(plane.shape),
                                          plane)
        assert_bit_accounting(parsed, data)


def test_incomplete_progression_decodes_what_was_sent():
    image = random_levels(1, 24, 24, "grey")
    data = write_jpeg(image, progressive=True)
    parts = segments(data)
    sos = [i for i, (code, _, _) in enumerate(parts) if code == 0xDA]
    parsed = read_jpeg(joined(parts[:sos[2] + 1] + parts[-1:]))  # DC and two AC bands
    assert not parsed.complete and parsed.num_scans == 3
    levels = parsed.levels.components[0].levels
    np.testing.assert_array_equal(levels[..., 0], image.components[0].levels[..., 0] >> 1 << 1)


def _with_scan(data, index, change):
    """``data`` with the SOS payload of scan ``index`` changed by ``change(bytearray)``."""
    parts = segments(data)
    sos = [i for i, (code, _, _) in enumerate(parts) if code == 0xDA][index]
    code, payload, scan = parts[sos]
    payload = bytearray(payload)
    change(payload)
    parts[sos] = (code, bytes(payload), scan)
    return joined(parts)


def _drop_scan(data, index):
    parts = segments(data)
    sos = [i for i, (code, _, _) in enumerate(parts) if code == 0xDA][index]
    return joined(parts[:sos] + parts[sos + 1:])


def _set_approximation(value):
    def change(payload):
        payload[-1] = value
    return change


@pytest.mark.parametrize("make,message", [
    (lambda d: _drop_scan(d, 0), "AC scan before the component's DC scan"),
    (lambda d: _drop_scan(d, 1), "not at the precision it refines"),
    (lambda d: _with_scan(d, 1, _set_approximation(0x32)), "not at the precision"),
    (lambda d: _with_scan(d, 1, _set_approximation(0x0E)), "invalid parameters"),
    (lambda d: _with_scan(d, 0, lambda p: p.__setitem__(-2, 5)), "invalid parameters"),
    (lambda d: d[:len(d) // 2] + b"\xff\xd9", "truncated|corrupt"),
])
def test_invalid_progressions_are_refused(make, message):
    data = write_jpeg(random_levels(2, 40, 40, "grey"), progressive=True)
    with pytest.raises(ValueError, match=message):
        read_jpeg(make(data))


def test_eob_run_across_a_restart_is_refused():
    """Restart intervals of 2 blocks, then the DRI says 4: EOB runs (and intervals) no
    longer line up."""
    image = random_levels(4, 64, 64, "grey")
    image.components[0].levels[..., 6:] = 0
    data = write_jpeg(image, progressive=True, restart_interval=2)
    parts = segments(data)
    dri = next(i for i, (code, _, _) in enumerate(parts) if code == 0xDD)
    parts[dri] = (0xDD, (4).to_bytes(2, "big"), b"")
    with pytest.raises(ValueError, match="restart interval"):
        read_jpeg(joined(parts))


def test_huge_frame_with_tiny_scan_is_refused_before_allocating():
    data = bytearray(write_jpeg(random_levels(0, 8, 8, "grey"), progressive=True))
    sof = data.index(b"\xff\xc2")
    data[sof + 5:sof + 9] = (4000).to_bytes(2, "big") * 2  # 4000x4000: 250,000 blocks
    with pytest.raises(ValueError, match="cannot hold 250000 blocks"):
        read_jpeg(bytes(data))


def test_too_many_scans_are_refused():
    """A valid progression of 704 scans (each coefficient alone, sent a bit at a time)."""
    from jpegzoo.jpeg.reader import MAX_SCANS

    script = [Scan((0,), k, k, 0, MAX_AL) for k in range(64)]
    script += [Scan((0,), k, k, al + 1, al) for al in reversed(range(MAX_AL))
               for k in range(64)]
    assert len(script) > MAX_SCANS
    data = write_jpeg(random_levels(0, 8, 8, "grey"), progressive=script)
    with pytest.raises(ValueError, match=f"more than {MAX_SCANS} scans"):
        read_jpeg(data)


def test_mutated_progressive_files_raise_only_value_errors():
    """Seeded byte-level mutations of progressive files (ours with restarts, Pillow's):
    every outcome is a decode or a one-line ValueError."""
    seeds = [write_jpeg(random_levels(6, 23, 31, "420"), progressive=True,
                        restart_interval=2),
             write_jpeg(random_levels(7, 16, 24, "grey"), progressive="search"),
             pillow_jpeg(photo(20, 28), "422", quality=80, progressive=True)]
    rng = random.Random(11)
    for case in range(300):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data))
            kind = rng.random()
            if kind < 0.6:
                data[pos] ^= 1 << rng.randrange(8)
            elif kind < 0.8:
                data[pos] = rng.choice([0x00, 0xFF, 0x7F, 0x80, rng.randrange(256)])
            elif kind < 0.9:
                del data[pos:pos + rng.randint(1, 8)]
            else:
                data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        try:
            read_jpeg(bytes(data))
        except ValueError as error:
            assert "\n" not in str(error), case


# -- command line --------------------------------------------------------------------------

def _run(capsys, *argv):
    from jpegzoo.cli import main

    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_every_jpeg_method_takes_progressive():
    from jpegzoo import methods
    from jpegzoo.methods import _JpegEncoder

    for name in methods.names():
        method = methods.get(name)
        if method.suffix == ".jpg":
            assert isinstance(method.load(), _JpegEncoder), name


@pytest.mark.parametrize("method,extra", [("pillow", []),
                                          ("baseline", ["--restart-interval", "3"])])
def test_encode_progressive(capsys, tmp_path, method, extra):
    """``--progressive``: a progressive file of the same levels (same pixels) as the
    baseline file, smaller without restart markers (a progressive scan of one component
    restarts every few blocks, not MCUs); ``info`` lists its scans."""
    from importlib.resources import files

    source = str(files("jpegzoo") / "data" / "samples" / SAMPLES[0])
    outputs = {}
    for flag in ("--no-progressive", "--progressive"):
        outputs[flag] = tmp_path / f"{flag.strip('-')}.jpg"
        status, out, err = _run(capsys, "encode", source, outputs[flag], "--method", method,
                                flag, *extra)
        assert status == 0, err
    assert "progressive" in out
    baseline, progressive = (outputs[f].read_bytes() for f in ("--no-progressive",
                                                                "--progressive"))
    assert not read_jpeg(baseline).info.progressive and read_jpeg(progressive).info.progressive
    assert len(progressive) < len(baseline) or extra
    np.testing.assert_array_equal(decoded(progressive), decoded(baseline))
    status, out, err = _run(capsys, "info", outputs["--progressive"])
    assert status == 0, err
    assert " scans" in out and "Ah/Al" in out and "Ss-Se 0-0" in out


@pytest.mark.slow
@pytest.mark.parametrize("method", ["mutated", "qtable"])
def test_zoo_jpeg_methods_write_progressive(capsys, tmp_path, method):
    """The zoo's JPEG codecs (TensorFlow, trained tables/mutation sets) through the CLI."""
    from importlib.resources import files

    source = str(files("jpegzoo") / "data" / "samples" / SAMPLES[1])
    out = {}
    for flag in ("--no-progressive", "--progressive"):
        out[flag] = tmp_path / f"{flag.strip('-')}.jpg"
        status, _, err = _run(capsys, "encode", source, out[flag], "--method", method,
                              "-q", "60", flag)
        assert status == 0, err
    baseline, progressive = (out[f].read_bytes() for f in ("--no-progressive",
                                                           "--progressive"))
    assert read_jpeg(progressive).info.progressive
    np.testing.assert_array_equal(decoded(progressive), decoded(baseline))

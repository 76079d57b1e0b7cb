"""jpegzoo's baseline encoder (``jpegzoo.jpeg.encode``: the compiled forward transform of
:mod:`jpegzoo.jpeg.forward` and the Huffman coder of :mod:`jpegzoo.jpeg.entropy_coder`)
against libjpeg-turbo through Pillow: byte-identical files for the same tables and
options -- every quality, every subsampling, grey, optimized tables, restart intervals,
odd sizes -- strip-by-strip coding equal to whole-image coding, bounded memory, and no
TensorFlow on its paths.
"""

import io
import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jpegzoo.imageio import read_image
from jpegzoo.jpeg import encode, forward, image_to_levels, read_jpeg, write_jpeg

SAMPLES = sorted((files("jpegzoo") / "data" / "samples").glob("*.png"))
MODES = ("grey", "444", "422", "420")


def _photo(height, width, seed=0):
    """Photo content of any size: the bundled 256x256 crops tiled, rolled by ``seed``."""
    tile = np.concatenate([np.concatenate([read_image(str(p)) for p in SAMPLES[:2]], 1),
                           np.concatenate([read_image(str(p)) for p in SAMPLES[2:]], 1)], 0)
    tile = np.roll(tile, (37 * seed, 53 * seed), axis=(0, 1))
    reps = (-(-height // tile.shape[0]), -(-width // tile.shape[1]), 1)
    return np.ascontiguousarray(np.tile(tile, reps)[:height, :width])


def _noise(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _as_mode(image, mode):
    """(pixels, subsampling) for a test mode: grey takes the green channel."""
    return (image[:, :, 1], "444") if mode == "grey" else (image, mode)


def _pillow(image, quality, subsampling, optimize=False, restart_interval=0):
    """libjpeg-turbo's file through Pillow (``restart_marker_blocks``: MCUs per interval)."""
    options = dict(quality=quality, optimize=optimize)
    if image.ndim == 3:
        options["subsampling"] = {"444": 0, "422": 1, "420": 2}[subsampling]
    if restart_interval:
        options["restart_marker_blocks"] = restart_interval
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _check(image, subsampling, quality, optimize=False, restart_interval=0):
    ours = encode(image, quality=quality, subsampling=subsampling, optimize=optimize,
                  restart_interval=restart_interval)
    reference = _pillow(image, quality, subsampling, optimize, restart_interval)
    assert ours == reference, (image.shape, quality, subsampling, optimize, restart_interval)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (13, 7), (17, 9), (9, 17), (513, 767)])
def test_identical_on_required_sizes(shape, mode):
    for content, quality, optimize in ((_photo(*shape, seed=1), 75, False),
                                       (_photo(*shape, seed=2), 90, True),
                                       (_noise(*shape), 50, False)):
        _check(*_as_mode(content, mode), quality=quality, optimize=optimize)


def test_identical_at_every_quality():
    """Qualities 1..100, each with a subsampling and Huffman mode of its own."""
    image = _photo(45, 37, seed=3)
    for quality in range(1, 101):
        pixels, subsampling = _as_mode(image, MODES[quality % 4])
        _check(pixels, subsampling, quality, optimize=quality % 3 == 0)


@pytest.mark.parametrize("mode", MODES)
def test_identical_on_extreme_content(mode):
    """The largest coefficients (noise, a one-pixel checkerboard, flat black and white) at
    the coarsest and the finest tables: quantization and coding at their limits."""
    y, x = np.mgrid[:40, :56]
    checker = np.repeat((255 * ((x + y) % 2)).astype(np.uint8)[:, :, None], 3, axis=2)
    for content in (_noise(40, 56, seed=4), checker, np.zeros((40, 56, 3), np.uint8),
                    np.full((40, 56, 3), 255, np.uint8)):
        for quality in (1, 100):
            _check(*_as_mode(content, mode), quality=quality, optimize=quality == 100)


@pytest.mark.parametrize("mode", ["grey", "444", "420"])
@pytest.mark.parametrize("restart_interval", [1, 2, 5, 7, 64])
def test_identical_with_restart_intervals(mode, restart_interval):
    pixels, subsampling = _as_mode(_photo(77, 93, seed=5), mode)
    for optimize in (False, True):
        _check(pixels, subsampling, 80, optimize, restart_interval)


def test_strips_code_like_the_whole_image(monkeypatch):
    """One MCU row per strip (restart intervals crossing strips) gives the file of the
    levels held whole, which is libjpeg-turbo's."""
    monkeypatch.setattr(forward, "STRIP_PIXELS", 1)
    for mode in MODES:
        pixels, subsampling = _as_mode(_photo(70, 51, seed=6), mode)
        for restart in (0, 3):
            streamed = encode(pixels, quality=70, subsampling=subsampling,
                              restart_interval=restart)
            whole = write_jpeg(image_to_levels(pixels, quality=70, subsampling=subsampling),
                               restart_interval=restart)
            assert streamed == whole == _pillow(pixels, 70, subsampling,
                                                restart_interval=restart)


def test_output_buffer_grows():
    """Noise at quality 100 takes several times the coder's first guess (2 bits per
    pixel). (Pillow cannot write it with optimized tables: its buffer holds 2 bytes per
    pixel; the optimized file is checked by reading its levels back.)"""
    image = _noise(300, 300, seed=7)
    data = encode(image, quality=100, subsampling="444")
    assert len(data) > 4 * image.shape[0] * image.shape[1] // 4
    assert data == _pillow(image, 100, "444")
    levels = image_to_levels(image, quality=100, subsampling="444")
    parsed = read_jpeg(encode(image, quality=100, subsampling="444", optimize=True))
    for ours, theirs in zip(levels.components, parsed.levels.components):
        np.testing.assert_array_equal(ours.levels, theirs.levels)


def test_levels_are_int16_with_dummy_blocks():
    """Odd 4:2:0 (17 x 7 pixels: 3 x 1 luma blocks in MCUs of 2 x 2): int16 grids over
    whole MCUs; the luma blocks outside the image are libjpeg's dummy blocks: no AC, and
    the DC of the block before them in the MCU, or of the last one of the row above."""
    levels = image_to_levels(_photo(17, 7, seed=8), quality=75, subsampling="420")
    luma = levels.components[0].levels
    assert luma.dtype == np.int16 and luma.shape == (4, 2, 64)
    assert not luma[:, 1, 1:].any() and not luma[3, :, 1:].any()
    np.testing.assert_array_equal(luma[:3, 1, 0], luma[:3, 0, 0])
    np.testing.assert_array_equal(luma[3, :, 0], [luma[2, 1, 0]] * 2)
    parsed = read_jpeg(write_jpeg(levels))
    np.testing.assert_array_equal(parsed.levels.components[0].levels, luma)


@pytest.mark.slow  # imports TensorFlow and compiles its graph: about a minute
def test_float_dct_agrees_with_the_training_transform():
    """``dct_method="float"`` (float64 here) gives the levels of the models' float32
    analysis layer, up to the rare coefficient that float32 rounds across a half."""
    from jpegzoo.layers.jpeg_transform import compiled_analysis
    from jpegzoo.layers.numerics.standard import component_qtables, quality_to_qtables

    image = _photo(256, 256, seed=9)
    ours = image_to_levels(image, quality=90, subsampling="444", dct_method="float")
    tables = component_qtables(quality_to_qtables(90), 3).astype(np.float32)
    theirs = compiled_analysis("444", 3, "float")(image[None].astype(np.float32), tables)
    chroma = theirs["chroma"].numpy()[0]
    for comp, reference in zip(ours.components, (theirs["luma"].numpy()[0, :, :, 0],
                                                 chroma[:, :, 0], chroma[:, :, 1])):
        difference = comp.levels.astype(np.int32) - reference.astype(np.int32)
        assert np.abs(difference).max() <= 1 and np.mean(difference != 0) < 1e-3


def test_quantization_by_reciprocal_is_division():
    """The float32 reciprocal quantization of the integer DCT (``_islow_blocks`` of
    forward_kernels) equals libjpeg's rounded division ``floor((|c| + 4q) / 8q)`` for
    every table value q and every coefficient magnitude it can meet (|c| <= 8 * 1024,
    with a margin)."""
    magnitude = np.arange(40000, dtype=np.int32)
    for q in range(1, 256):
        recip = np.float32(1.0 / (8 * q))
        by_reciprocal = ((magnitude + 4 * q).astype(np.float32) + np.float32(0.5)) * recip
        np.testing.assert_array_equal(by_reciprocal.astype(np.int32),
                                      (magnitude + 4 * q) // (8 * q))


def test_bad_dct_method():
    with pytest.raises(ValueError, match="dct_method"):
        encode(np.zeros((8, 8, 3), np.uint8), dct_method="fast")


def _run(code):
    """stdout of ``code`` run by a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


_LOADED = "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras'}))"


def test_library_encode_does_not_import_tensorflow():
    code = ("import sys\nimport numpy as np\nfrom jpegzoo.jpeg import encode, read_jpeg\n"
            "image = np.zeros((20, 30, 3), np.uint8)\n"
            "read_jpeg(encode(image, optimize=True))\n"
            "read_jpeg(encode(image, dct_method='float', restart_interval=1))\n" + _LOADED)
    assert _run(code) == "[]"


def test_cli_encode_and_info_do_not_import_tensorflow(tmp_path):
    source, output = str(SAMPLES[0]), str(tmp_path / "out.jpg")
    code = ("import sys\nfrom jpegzoo.cli import main\n"
            f"assert main(['encode', {source!r}, {output!r}, '--method', 'baseline']) == 0\n"
            f"assert main(['info', {output!r}]) == 0\n" + _LOADED)
    assert _run(code).splitlines()[-1] == "[]"
    assert (tmp_path / "out.jpg").read_bytes() == encode(read_image(source))


_MEMORY = """
import gc, json, sys
import numpy as np
from jpegzoo.jpeg import encode
sys.path.insert(0, {tests!r})
from test_baseline_encoder import _photo

def status(key):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) * 1024 for line in handle if line.startswith(key))

image = _photo(3072, 4096)
options = json.loads({options!r})
encode(image[:40, :40], **options)  # the compiled kernels, loaded
gc.collect()
try:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # resets the peak (VmHWM) to the current resident size
except OSError:
    sys.exit(print("unsupported"))
before = status("VmRSS:")
data = encode(image, **options)
print((status("VmHWM:") - before + image.nbytes) / image.shape[0] / image.shape[1])
"""


@pytest.mark.slow
@pytest.mark.parametrize("options", [dict(subsampling="420"),
                                     dict(subsampling="444", optimize=True),
                                     dict(subsampling="444", quality=100)])
def test_memory_per_pixel(options):
    """A 12.6 MP encode peaks below 16 bytes per pixel, the input's 3 included (resident
    memory, measured in a fresh process: numpy and the kernels' own allocations)."""
    code = _MEMORY.format(tests=str(Path(__file__).parent), options=json.dumps(options))
    result = _run(code)
    if result == "unsupported":
        pytest.skip("no /proc/self/clear_refs to reset the peak resident size")
    assert float(result) < 16

"""Trellis quantization (jpegzoo.jpeg.trellis) and its front end (jpegzoo.jpeg.coefficients).

The front end must give libjpeg-turbo's coefficients exactly (files byte-identical to
Pillow's once rounded); the trellis must be optimal for its objective (never worse than
rounding, equal to an exhaustive search on small blocks, equal to rounding when error
dominates), respect DC prediction, and write files Pillow and jpegzoo's reader decode.
"""

import io
import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from jpegzoo.jpeg import coefficients as forward
from jpegzoo.jpeg import read_jpeg, trellis
from jpegzoo.jpeg.baseline import fill_dummy_blocks
from jpegzoo.jpeg.trellis_kernels import ac_trellis, dc_trellis
from jpegzoo.jpeg.writer import write_jpeg
from jpegzoo.layers.numerics.bit_counter import block_symbols, size_category, symbol_costs
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.layers.numerics.standard import INVERSE_ZIGZAG, ZIGZAG, quality_to_qtables
from jpegzoo.reference_codecs import pillow_encode


def _image(seed, height, width, channels):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:height, :width]
    base = 128 + 90 * np.sin(x / 5.0 + seed) * np.cos(y / 9.0)
    if channels == 3:
        base = np.stack([base, np.roll(base, 3, axis=1), 255 - base], -1)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def _photo(height=96, width=120):
    from importlib.resources import files

    from jpegzoo.imageio import read_image

    path = files("jpegzoo") / "data" / "samples" / "kodim23_crop256.png"
    return read_image(str(path))[:height, :width]


def _decode(data):
    return np.asarray(Image.open(io.BytesIO(data)))


# -- the front end -----------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(height=st.integers(1, 50), width=st.integers(1, 50), channels=st.sampled_from([1, 3]),
       subsampling=st.sampled_from(["444", "422", "420"]), quality=st.integers(1, 100),
       seed=st.integers(0, 2**16))
def test_rounded_coefficients_give_libjpeg_turbos_file(height, width, channels, subsampling,
                                                       quality, seed):
    image = _image(seed, height, width, channels)
    layout = forward.empty_layout(image, quality_to_qtables(quality), subsampling)
    for index, grid in enumerate(forward.coefficients(image, layout)):
        layout.components[index].levels = forward.quantize(grid,
                                                           layout.components[index].qtable)
        if channels == 3:
            fill_dummy_blocks(layout, index)
    assert write_jpeg(layout, optimize=True) == pillow_encode(
        image, quality, subsampling, optimize=True)


def test_quantize_rounds_halves_away_from_zero():
    table = np.full(64, 3)
    x = np.array([[-36, -12, -11, 0, 11, 12, 36] + [0] * 57])
    expected = [-2, -1, 0, 0, 0, 1, 2]  # 8 q = 24: 12 / 24 = 0.5 -> 1, 36 / 24 = 1.5 -> 2
    assert forward.quantize(x, table)[0, :7].tolist() == expected
    assert forward.quantize(x.astype(float), table)[0, :7].tolist() == expected


# -- the AC trellis: optimal for its objective -------------------------------------------


def _objective(levels, x, qtable, lambdas, weights, ac_lengths):
    """Bits of the AC symbols plus weighted squared error, per block ([N] float64)."""
    zz = levels[:, ZIGZAG]
    bits = symbol_costs(block_symbols(zz, zz[:, 0]), np.zeros(256), ac_lengths)
    error = (8.0 * qtable * levels - x)[:, 1:] ** 2 * weights[1:]
    return bits + lambdas * error.sum(axis=1)


def _random_blocks(rng, n, scale):
    """Coefficients with a JPEG-like decay over frequency, libjpeg scale, natural order."""
    decay = np.exp(-np.arange(64)[INVERSE_ZIGZAG] / 12.0)
    return rng.normal(0, 1, (n, 64)) * scale * decay


def _run_ac(x, qtable, lambdas, weights, ac_lengths):
    levels = np.zeros(x.shape, dtype=np.int32)
    costs = np.zeros(x.shape[0])
    ac_trellis(x, qtable.astype(np.int64), ZIGZAG.astype(np.int64), lambdas, weights,
               ac_lengths, levels, costs)
    return levels, costs


@pytest.mark.parametrize("weighting", ["steps", "mse"])
def test_trellis_never_loses_to_rounding(weighting):
    rng = np.random.default_rng(1)
    ac_lengths = trellis.code_lengths(STD_AC_TABLES[0])
    for quality in (20, 50, 90):
        qtable = quality_to_qtables(quality)[0]
        weights = trellis.coefficient_weights(qtable, weighting)
        x = _random_blocks(rng, 300, 400.0)
        lambdas = np.exp(rng.uniform(-3, 3, 300)) * trellis.block_lambdas(
            x, trellis.TrellisOptions())
        levels, costs = _run_ac(x, qtable, lambdas, weights, ac_lengths)
        mine = _objective(levels, x, qtable, lambdas, weights, ac_lengths)
        rounded = forward.quantize(x, qtable)
        rounded[:, 0] = 0
        theirs = _objective(rounded, x, qtable, lambdas, weights, ac_lengths)
        np.testing.assert_allclose(costs, mine, rtol=1e-9)  # the kernel's own accounting
        assert (mine <= theirs + 1e-9).all()
        assert (mine < theirs - 1e-6).mean() > 0.3  # and it usually wins


def test_trellis_matches_an_exhaustive_search():
    rng = np.random.default_rng(2)
    qtable = np.full(64, 10)
    ac_lengths = trellis.code_lengths(STD_AC_TABLES[1])
    weights = trellis.coefficient_weights(qtable, "steps")
    for _ in range(40):
        x = np.zeros((1, 64))
        positions = rng.choice(np.arange(1, 64), size=4, replace=False)
        x[0, ZIGZAG[positions]] = rng.normal(0, 150, 4)
        lam = np.array([np.exp(rng.uniform(-4, 1))])
        levels, costs = _run_ac(x, qtable, lam, weights, ac_lengths)
        rounded = forward.quantize(x, qtable)[0, ZIGZAG[positions]]
        best = np.inf
        for combo in itertools.product(*[range(abs(r) + 1) for r in rounded]):
            trial = np.zeros((1, 64), dtype=np.int32)
            trial[0, ZIGZAG[positions]] = np.sign(rounded) * np.array(combo)
            best = min(best, _objective(trial, x, qtable, lam, weights, ac_lengths)[0])
        assert costs[0] == pytest.approx(best, rel=1e-9)


def test_error_only_trellis_is_libjpeg_rounding():
    """With distortion dominating (lambda -> infinity) the trellis rounds as libjpeg does,
    except at exact half steps, where it takes the cheaper level nearer zero."""
    image = _photo()
    options = trellis.TrellisOptions(lambda_log_scale1=48.0, lambda_log_scale2=0.0)
    for subsampling in ("444", "420"):
        tables = quality_to_qtables(60)
        chosen = trellis.encode_levels(image, tables, subsampling, options)
        layout = forward.empty_layout(image, tables, subsampling)
        for index, grid in enumerate(forward.coefficients(image, layout)):
            rows, cols = forward.real_grid(layout, index)
            table = layout.components[index].qtable
            mine = chosen.components[index].levels[:rows, :cols]
            plain = forward.quantize(grid, table)[:rows, :cols]
            tie = (np.abs(grid[:rows, :cols]) % (8 * table)) == 4 * table
            assert (mine[~tie] == plain[~tie]).all()
            assert (np.abs(plain[tie]) - np.abs(mine[tie]) <= 1).all()


# -- the DC trellis ------------------------------------------------------------------------


def _dc_cost(levels, dc, step, lambdas, dc_lengths, restart):
    predictor = np.r_[0, levels[:-1]]
    predictor[restart] = 0
    size = size_category(levels - predictor)
    return float((dc_lengths[size] + size).sum() + (lambdas * (step * levels - dc) ** 2).sum())


def test_dc_trellis_is_the_best_dpcm_chain():
    rng = np.random.default_rng(3)
    dc_lengths = trellis.code_lengths(STD_DC_TABLES[0])[:12].copy()
    for _ in range(30):
        m, candidates, q = 5, 3, int(rng.integers(2, 30))
        dc = rng.normal(0, 400, m)
        lambdas = np.exp(rng.uniform(-8, -2, m))
        restart = rng.random(m) < 0.3
        restart[0] = True
        chosen = np.zeros(m, dtype=np.int32)
        total = dc_trellis(dc, q, lambdas, candidates, dc_lengths, restart, chosen)
        rounded = forward.quantize(dc, q)
        assert total == pytest.approx(_dc_cost(chosen, dc, 8 * q, lambdas, dc_lengths,
                                               restart), rel=1e-9)
        best = min(_dc_cost(rounded + np.array(d), dc, 8 * q, lambdas, dc_lengths, restart)
                   for d in itertools.product(range(-1, 2), repeat=m))
        assert total == pytest.approx(best, rel=1e-9)


def test_dc_chain_follows_the_coding_order_and_restarts():
    image = _image(4, 40, 56, 3)
    layout = forward.empty_layout(image, quality_to_qtables(50), "420")
    chains = trellis._chains(layout, restart_interval=2)
    luma = chains[0]
    # 4:2:0 luma MCUs are 2x2 blocks: the chain visits (0,0) (0,1) (1,0) (1,1) (0,2) ...
    assert luma.flat[:5].tolist() == [0, 1, 8, 9, 2]
    # the real grid is 5 x 7 blocks; the coded grid 6 x 8 adds dummy blocks
    assert luma.flat.size == 35 and chains[1].flat.size == 12
    assert luma.restart.sum() == 6 and chains[1].restart.sum() == 6  # 12 MCUs, 2 per interval


# -- whole images --------------------------------------------------------------------------


@pytest.mark.parametrize("shape,subsampling", [((1, 1, 3), "420"), ((7, 13, 3), "420"),
                                               ((17, 9, 3), "444"), ((23, 31, 3), "422"),
                                               ((13, 7), "420"), ((1, 1), "444")])
def test_trellis_files_decode(shape, subsampling):
    image = _image(5, shape[0], shape[1], 3 if len(shape) == 3 else 1)
    for preset in trellis.PRESETS:
        data = trellis.encode(image, quality_to_qtables(75), subsampling,
                              trellis.PRESETS[preset], restart_interval=3)
        decoded = _decode(data)
        assert decoded.shape == image.shape
        levels = trellis.encode_levels(image, quality_to_qtables(75), subsampling,
                                       trellis.PRESETS[preset], restart_interval=3)
        parsed = read_jpeg(data)
        for mine, theirs in zip(levels.components, parsed.levels.components):
            np.testing.assert_array_equal(mine.levels, theirs.levels)


def test_trellis_saves_bits_at_little_error():
    image = _photo(128, 128)
    tables = quality_to_qtables(75)
    plain = pillow_encode(image, 75, "420", optimize=True)
    error = {}
    sizes = {}
    for preset in ("mozjpeg", "psnr"):
        data = trellis.encode(image, tables, "420", trellis.PRESETS[preset])
        sizes[preset] = len(data)
        error[preset] = np.mean((_decode(data).astype(float) - image) ** 2)
    plain_error = np.mean((_decode(plain).astype(float) - image) ** 2)
    for preset in sizes:
        assert sizes[preset] < 0.95 * len(plain)
        assert error[preset] < 1.5 * plain_error


def test_block_weights_steer_the_error():
    image = _photo(64, 64)
    tables = quality_to_qtables(50)
    layout = forward.empty_layout(image, tables, "444")
    weights = [np.ones(c.levels.shape[:2]) for c in layout.components]
    weights[0][:, :4] = 20.0  # the left half of luma matters 20x more
    chosen = trellis.encode_levels(image, tables, "444", trellis.PRESETS["psnr"], weights)
    plain = trellis.encode_levels(image, tables, "444", trellis.PRESETS["psnr"])
    left_changed = (chosen.components[0].levels[:, :4] != plain.components[0].levels[:, :4])
    grid = forward.coefficients(image, layout)[0]
    left_error = ((8 * tables[0] * chosen.components[0].levels - grid)[:, :4] ** 2).sum()
    plain_left = ((8 * tables[0] * plain.components[0].levels - grid)[:, :4] ** 2).sum()
    assert left_changed.any() and left_error < plain_left


def test_ssim_block_weights_favour_flat_blocks():
    image = np.full((32, 48, 3), 128, np.uint8)
    image[:, 24:] = _image(6, 32, 24, 3)  # flat left half, textured right half
    layout = forward.empty_layout(image, quality_to_qtables(50), "420")
    luma, cb, cr = trellis.ssim_block_weights(image, layout, strength=1.0)
    assert luma.shape == (4, 6) and cb.shape == (2, 3)
    assert luma.mean() == pytest.approx(1.0)
    assert luma[:, :2].min() > 5 * luma[:, 4:].max()
    np.testing.assert_allclose(cb, luma.reshape(2, 2, 3, 2).mean(axis=(1, 3)))


def test_bad_options_and_inputs_raise_value_errors():
    with pytest.raises(ValueError):
        trellis.TrellisOptions(weighting="psnr")
    with pytest.raises(ValueError):
        trellis.TrellisOptions(passes=0)
    with pytest.raises(ValueError):
        trellis.TrellisOptions(dc_candidates=4)
    with pytest.raises(ValueError):
        trellis.trellis_quantize(np.zeros((3, 63)), np.ones(64))
    with pytest.raises(ValueError):
        trellis.encode(np.zeros((8, 8, 2), np.uint8), quality_to_qtables(50))
    with pytest.raises(ValueError):
        trellis.encode(np.zeros((8, 8, 3), np.uint8), quality_to_qtables(50), "411")


def test_encoding_does_not_import_tensorflow():
    code = ("import sys, numpy as np\nfrom jpegzoo.jpeg import trellis\n"
            "image = np.zeros((20, 30, 3), np.uint8)\n"
            "for preset in trellis.PRESETS.values():\n"
            "    trellis.encode(image, [[10] * 64, [12] * 64], '420', preset)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"

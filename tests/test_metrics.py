"""Tests of jpegzoo.metrics: rate, PSNR/Y-PSNR, SSIM/MS-SSIM and Bjontegaard deltas.

SSIM and MS-SSIM are checked against TensorFlow's tf.image.ssim / ssim_multiscale, both as
TF computes them (float32) and with TF's own graph run in float64 (the exact oracle)."""

import io
import math
import os
import subprocess
import sys
from importlib.resources import files

import numpy as np
import pytest

from jpegzoo import metrics

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _smooth_image(h, w, channels=3, seed=0):
    """A deterministic natural-ish uint8 image: gradients plus mild texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 128 + 60 * np.sin(xx / 9.0) * np.cos(yy / 13.0) + 0.2 * (xx - yy)
    img = np.stack([base + 20 * c for c in range(channels)], axis=-1)
    img += rng.normal(0, 8, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------
# Import cost
# --------------------------------------------------------------------------------------

def test_import_does_not_load_tensorflow_scipy_or_numba():
    code = ("import sys, numpy, jpegzoo.metrics as m; "
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'; "
            "assert 'scipy' not in sys.modules, 'scipy imported'; "
            "assert 'numba' not in sys.modules, 'numba imported'; "
            "x = numpy.zeros((16, 16), numpy.uint8); m.ssim(x, x); m.ms_ssim; "
            "assert 'tensorflow' not in sys.modules, 'SSIM imported tensorflow'")
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO_ROOT)


# --------------------------------------------------------------------------------------
# bpp
# --------------------------------------------------------------------------------------

def test_bpp():
    assert metrics.bpp(1000, 100, 80) == pytest.approx(1.0)
    assert metrics.bpp(0, 8, 8) == 0.0
    assert metrics.bpp(12.5, 10, 10) == pytest.approx(1.0)


@pytest.mark.parametrize("args", [(10, 0, 8), (10, 8, -1), (10, 8.0, 8), (-1, 8, 8),
                                  (float("nan"), 8, 8), (10, True, 8)])
def test_bpp_rejects_bad_sizes(args):
    with pytest.raises(ValueError):
        metrics.bpp(*args)


# --------------------------------------------------------------------------------------
# MSE / PSNR / Y-PSNR
# --------------------------------------------------------------------------------------

def test_psnr_of_known_mse():
    a = _smooth_image(16, 24)
    a = np.clip(a, 0, 250).astype(np.uint8)
    b = (a + 5).astype(np.uint8)  # constant offset of 5, no clipping: MSE = 25
    assert metrics.mse(a, b) == pytest.approx(25.0)
    assert metrics.psnr(a, b) == pytest.approx(20 * math.log10(255 / 5))
    assert metrics.psnr(a / 255.0, b / 255.0, max_value=1.0) == pytest.approx(
        20 * math.log10(255 / 5))


def test_psnr_identical_is_inf():
    a = _smooth_image(8, 8)
    assert metrics.psnr(a, a.copy()) == math.inf
    assert metrics.psnr_y(a, a.copy()) == math.inf
    assert metrics.mse(a, a) == 0.0


def test_psnr_uint8_does_not_wrap():
    # In uint8, 10 - 250 wraps to 16 (and 240**2 wraps too); the true error is 240.
    a = np.full((4, 4), 10, np.uint8)
    b = np.full((4, 4), 250, np.uint8)
    assert metrics.mse(a, b) == 240.0 ** 2
    assert metrics.mse(b, a) == 240.0 ** 2
    assert metrics.psnr(a, b) == pytest.approx(10 * math.log10(255.0 ** 2 / 240.0 ** 2))


def test_psnr_rgb_is_joint_over_channels():
    a = np.full((4, 4, 3), 100, np.uint8)
    b = a.copy()
    b[..., 1] += 6  # error only in G: joint MSE = 36 / 3 = 12
    assert metrics.mse(a, b) == pytest.approx(12.0)
    assert metrics.psnr(a, b) == pytest.approx(10 * math.log10(255.0 ** 2 / 12.0))


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 4, 3\).*\(4, 5, 3\)"):
        metrics.psnr(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match=r"\(4, 4, 3\).*\(4, 4\)"):
        metrics.psnr_y(np.zeros((4, 4, 3)), np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"\(4, 4\).*\(3, 4\)"):
        metrics.mse(np.zeros((4, 4)), np.zeros((3, 4)))


def test_psnr_y_matches_manual_luma():
    a = _smooth_image(20, 30, seed=1)
    rng = np.random.default_rng(2)
    b = np.clip(a.astype(np.int16) + rng.integers(-9, 10, a.shape), 0, 255).astype(np.uint8)
    ya = 0.299 * a[..., 0].astype(float) + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    yb = 0.299 * b[..., 0].astype(float) + 0.587 * b[..., 1] + 0.114 * b[..., 2]
    expected = 10 * math.log10(255.0 ** 2 / np.mean((ya - yb) ** 2))
    assert metrics.psnr_y(a, b) == pytest.approx(expected, rel=1e-12)
    # Grey images are already luma.
    assert metrics.psnr_y(a[..., 0], b[..., 0]) == pytest.approx(metrics.psnr(a[..., 0],
                                                                               b[..., 0]))


# --------------------------------------------------------------------------------------
# SSIM / MS-SSIM
# --------------------------------------------------------------------------------------

def test_ssim_identical_is_one():
    a = _smooth_image(32, 40)
    assert metrics.ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    assert metrics.ssim(a[..., 0], a[..., 0]) == pytest.approx(1.0, abs=1e-12)  # grey [H, W]
    assert isinstance(metrics.ssim(a, a), float)


def test_ssim_decreases_with_noise():
    a = _smooth_image(48, 48, seed=3)
    rng = np.random.default_rng(4)
    noise = rng.normal(0, 1, a.shape)
    scores = [metrics.ssim(a, np.clip(a + s * noise, 0, 255)) for s in (2, 8, 25)]
    assert 1.0 > scores[0] > scores[1] > scores[2]


def test_ms_ssim():
    a = _smooth_image(161, 170, seed=5)
    assert metrics.ms_ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    rng = np.random.default_rng(6)
    b = np.clip(a + rng.normal(0, 10, a.shape), 0, 255)
    value = metrics.ms_ssim(a, b)
    assert isinstance(value, float) and 0.0 < value < 1.0
    assert metrics.ms_ssim(a[..., 0], b[..., 0]) < 1.0  # grey [H, W]


def _photo(size, grey, seed):
    """A crop of a bundled Kodak sample of ``size`` (rows, columns <= 256), RGB or grey."""
    from PIL import Image

    names = sorted(p.name for p in (files("jpegzoo") / "data" / "samples").iterdir()
                   if p.name.endswith(".png"))
    image = Image.open(str(files("jpegzoo") / "data" / "samples" / names[seed % len(names)]))
    image = np.asarray(image.convert("L" if grey else "RGB"))
    top, left = (seed * 7) % (257 - size[0]), (seed * 13) % (257 - size[1])
    return np.ascontiguousarray(image[top:top + size[0], left:left + size[1]])


def _jpeg_round_trip(image, quality):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer))


def _tensorflow_scores(a, b, float64):
    """(SSIM, MS-SSIM or None) by tf.image; ``float64``: TF's graph with its float32
    conversion of the inputs switched off, so every op runs in float64."""
    import tensorflow as tf
    from tensorflow.python.ops import image_ops_impl

    def identity(image, dtype, saturate=False, name=None):
        return image

    dtype = tf.float64 if float64 else tf.float32
    x, y = (tf.constant(np.atleast_3d(v)[None], dtype) for v in (a, b))
    convert = image_ops_impl.convert_image_dtype
    if float64:
        image_ops_impl.convert_image_dtype = identity
    try:
        max_val = tf.constant(255.0, dtype)
        ssim = float(tf.image.ssim(x, y, max_val)[0])
        ms_ssim = (float(tf.image.ssim_multiscale(x, y, max_val)[0])
                   if min(a.shape[:2]) >= metrics.MS_SSIM_MIN_SIZE else None)
    finally:
        image_ops_impl.convert_image_dtype = convert
    return ssim, ms_ssim


_SLOW = pytest.mark.slow
_SSIM_CASES = [  # (rows, columns), grey, JPEG quality (None: uniform noise pairs)
    ((11, 11), False, None), ((13, 29), True, None),
    pytest.param((162, 171), False, None, marks=_SLOW), pytest.param((11, 12), True, 50),
    pytest.param((37, 64), False, 10, marks=_SLOW), pytest.param((161, 161), True, 30,
                                                                  marks=_SLOW),
    ((200, 163), False, 75), ((163, 256), True, 90), ((256, 256), False, 95),
    pytest.param((177, 240), False, 5, marks=_SLOW),
]


@pytest.mark.parametrize("size,grey,quality", _SSIM_CASES)
def test_ssim_and_ms_ssim_equal_tensorflow(size, grey, quality):
    """Equal to TF's own graph in float64 within 1e-12; within 1e-4 of tf.image's float32
    result, except at quality 95, where TF's float32 cancellation errs by more (about 1e-3
    on whole Kodak images)."""
    seed = size[0] + size[1]
    if quality is None:
        rng = np.random.default_rng(seed)
        shape = size if grey else (*size, 3)
        a = rng.integers(0, 256, shape).astype(np.uint8)
        b = np.clip(a + rng.normal(0, 30, shape), 0, 255).astype(np.uint8)
    else:
        a = _photo(size, grey, seed)
        b = _jpeg_round_trip(a, quality)
    ours = (metrics.ssim(a, b),
            metrics.ms_ssim(a, b) if min(size) >= metrics.MS_SSIM_MIN_SIZE else None)
    exact = _tensorflow_scores(a, b, float64=True)
    single = _tensorflow_scores(a, b, float64=False)
    for value, oracle, tf32 in zip(ours, exact, single):
        if value is None:
            continue
        assert value == pytest.approx(oracle, abs=1e-12)
        assert value == pytest.approx(tf32, abs=1e-4 if quality != 95 else 2e-3)


def test_ssim_map_and_blocks_add_up_to_ssim():
    a = _photo((45, 70), False, 3)
    b = _jpeg_round_trip(a, 20)
    score = metrics.ssim(a, b)
    values = metrics.ssim_map(a, b)
    assert values.shape == (35, 60) and values.dtype == np.float64
    assert float(values.mean()) == pytest.approx(score, abs=1e-15)
    means, counts = metrics.ssim_blocks(a, b)
    assert means.shape == counts.shape == (6, 9)
    assert np.isnan(means[5, 0]) and counts[5, 0] == 0  # rows 40..44: all within 5 px
    assert counts[0, 0] == 3 * 3 and counts[1, 1] == 64 and counts.sum() == 35 * 60
    assert means[1, 1] == pytest.approx(values[3:11, 3:11].mean(), abs=1e-15)
    assert np.nansum(means * counts) / counts.sum() == pytest.approx(score, abs=1e-14)
    grey_means, _ = metrics.ssim_blocks(a[..., 0], b[..., 0], block_size=16)
    assert grey_means.shape == (3, 5)


@pytest.mark.parametrize("grey", [False, True])
def test_a_scorer_gives_the_metric_functions_scores_exactly(grey):
    """One prepared reference scores several distortions, each equal to the plain function
    (bit for bit: the reference's moments are the same float64 operations)."""
    a = _photo((170, 181), grey, 5)
    distorted = [_jpeg_round_trip(a, q) for q in (10, 50, 90)] + [a]
    for name in metrics.SCORER_METRICS:
        score = metrics.scorer(name, a)
        function = getattr(metrics, name)
        assert [score(b) for b in distorted] == [function(a, b) for b in distorted], name
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.scorer("ssim", a)(a[:-1])
    with pytest.raises(ValueError, match="unknown metric 'vmaf'.*ssimulacra2"):
        metrics.scorer("vmaf", a)


@pytest.mark.parametrize("block_size", [0, -8, 2.0, True])
def test_ssim_blocks_rejects_bad_block_sizes(block_size):
    a = _smooth_image(16, 16)
    with pytest.raises(ValueError, match="block_size"):
        metrics.ssim_blocks(a, a, block_size=block_size)


def test_ssim_small_or_mismatched_images_raise():
    with pytest.raises(ValueError, match=r"11x11.*10x40"):
        metrics.ssim(np.zeros((10, 40)), np.zeros((10, 40)))
    with pytest.raises(ValueError, match=r"\(12, 12\).*\(12, 13\)"):
        metrics.ssim_map(np.zeros((12, 12)), np.zeros((12, 13)))
    with pytest.raises(ValueError, match="max_val"):
        metrics.ssim(np.zeros((12, 12)), np.zeros((12, 12)), max_val=0)


def test_ssim_db():
    assert metrics.ssim_db(0.99) == pytest.approx(20.0)
    assert metrics.ssim_db(0.999) == pytest.approx(30.0)
    assert metrics.ssim_db(1.0) == math.inf
    assert isinstance(metrics.ssim_db(0.9), float)
    np.testing.assert_allclose(metrics.ssim_db([0.9, 0.99]), [10.0, 20.0])
    for bad in (1.0 + 1e-9, float("nan"), [0.5, 2.0]):
        with pytest.raises(ValueError, match="at most 1"):
            metrics.ssim_db(bad)


def test_ms_ssim_small_image_raises():
    a = _smooth_image(160, 200)
    with pytest.raises(ValueError, match=r"161.*160x200"):
        metrics.ms_ssim(a, a)


# --------------------------------------------------------------------------------------
# Bjontegaard delta rate / quality
# --------------------------------------------------------------------------------------

# A typical 4-point anchor curve (bpp, PSNR dB), listed from high to low rate as QP sweeps
# usually produce them.
RATES = [1.60, 0.92, 0.51, 0.27]
PSNRS = [38.9, 35.8, 33.1, 30.4]
METHODS = ["pchip", "cubic"]


@pytest.mark.parametrize("method", METHODS)
def test_bd_identical_curves_is_zero(method):
    assert metrics.bd_rate(RATES, PSNRS, RATES, PSNRS, method=method) == pytest.approx(
        0.0, abs=1e-12)
    assert metrics.bd_quality(RATES, PSNRS, RATES, PSNRS, method=method) == pytest.approx(
        0.0, abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_bd_rate_scaled_rates_is_exact(method):
    # log10 rate shifts by log10(0.9) everywhere, so the interpolants shift by a constant.
    test_rates = [0.9 * r for r in RATES]
    assert metrics.bd_rate(RATES, PSNRS, test_rates, PSNRS, method=method) == pytest.approx(
        -10.0, abs=1e-9)
    assert metrics.bd_rate(test_rates, PSNRS, RATES, PSNRS, method=method) == pytest.approx(
        100.0 / 9.0, abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_bd_quality_shifted_psnr_is_exact(method):
    shifted = [q + 1.0 for q in PSNRS]
    assert metrics.bd_quality(RATES, PSNRS, RATES, shifted, method=method) == pytest.approx(
        1.0, abs=1e-9)
    assert metrics.bd_quality(RATES, shifted, RATES, PSNRS, method=method) == pytest.approx(
        -1.0, abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_bd_order_of_points_does_not_matter(method):
    test_rates = [1.5, 0.88, 0.47, 0.26]
    test_psnrs = [39.1, 36.0, 33.2, 30.5]
    perm = [2, 0, 3, 1]
    a = metrics.bd_rate(RATES, PSNRS, test_rates, test_psnrs, method=method)
    b = metrics.bd_rate([RATES[i] for i in perm], [PSNRS[i] for i in perm],
                        test_rates[::-1], test_psnrs[::-1], method=method)
    assert a == pytest.approx(b, abs=1e-12)
    assert a < 0  # the test curve is better


# Published reference: the JCTVC-E137 RD data (HM anchor vs. test, kbit/s and Y-PSNR dB;
# http://phenix.it-sudparis.eu/jct/doc_end_user/documents/5_Geneva/wg11/JCTVC-E137-v1.zip)
# with the PCHIP BD-rates asserted in Netflix/vmaf, python/test/bd_rate_calculator_test.py,
# class BDrateCalculatorJCTVCTest (vmaf gives fractions: -0.00465215420752807 and
# -0.018779823450567612; vmaf checks them to 4 places of the fraction). The same data are
# used by Android CTS (hostsidetests/mediapc/videoencodingquality/bdrate).
JCTVC_E137 = [
    (([108048.8736, 61279.976, 33905.6656, 18883.6928], [43.6471, 40.3953, 37.247, 34.2911]),
     ([108061.2784, 61299.9936, 33928.7472, 18910.912], [43.6768, 40.4232, 37.2761, 34.3147]),
     -0.465215420752807),
    (([40433.8848, 7622.7456, 2394.488, 1017.6184], [37.5761, 35.3756, 33.8977, 32.0603]),
     ([40370.12, 7587.0024, 2390.0944, 1017.0984], [37.5982, 35.4025, 33.9194, 32.0822]),
     -1.8779823450567612),
]


@pytest.mark.parametrize("anchor,test,expected_percent", JCTVC_E137)
def test_bd_rate_pchip_matches_published_jctvc_e137(anchor, test, expected_percent):
    got = metrics.bd_rate(*anchor, *test, method="pchip")
    assert got == pytest.approx(expected_percent, abs=1e-6)


@pytest.mark.parametrize("anchor,test,expected_percent", JCTVC_E137)
def test_bd_matches_independent_numerical_integration(anchor, test, expected_percent):
    # Independent reference (not a published value): fit with different code
    # (scipy.interpolate.PchipInterpolator called directly; numpy.polyfit on raw
    # coordinates for the VCEG-M33 cubic) and integrate numerically with scipy quad,
    # instead of the exact antiderivatives used by jpegzoo.metrics.
    from scipy.integrate import quad
    from scipy.interpolate import PchipInterpolator

    (r1, q1), (r2, q2) = anchor, test
    lr1, lr2 = np.log10(r1[::-1]), np.log10(r2[::-1])  # increasing order
    q1, q2 = np.asarray(q1[::-1]), np.asarray(q2[::-1])

    def mean_diff(x1, y1, x2, y2, kind):
        lo, hi = max(x1.min(), x2.min()), min(x1.max(), x2.max())
        if kind == "pchip":
            f1, f2 = PchipInterpolator(x1, y1), PchipInterpolator(x2, y2)
        else:
            p1, p2 = np.polyfit(x1, y1, 3), np.polyfit(x2, y2, 3)
            f1, f2 = (lambda t: np.polyval(p1, t)), (lambda t: np.polyval(p2, t))
        i1 = quad(f1, lo, hi, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
        i2 = quad(f2, lo, hi, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
        return (i2 - i1) / (hi - lo)

    for kind in METHODS:
        ref_rate = (10 ** mean_diff(q1, lr1, q2, lr2, kind) - 1) * 100
        ref_quality = mean_diff(lr1, q1, lr2, q2, kind)
        assert metrics.bd_rate(*anchor, *test, method=kind) == pytest.approx(ref_rate,
                                                                             abs=1e-8)
        assert metrics.bd_quality(*anchor, *test, method=kind) == pytest.approx(ref_quality,
                                                                                abs=1e-8)


def test_bd_pchip_accepts_two_points_cubic_needs_four():
    r, q = RATES[:2], PSNRS[:2]
    assert metrics.bd_rate(r, q, [0.9 * x for x in r], q) == pytest.approx(-10.0)
    with pytest.raises(ValueError, match="at least 4"):
        metrics.bd_rate(RATES[:3], PSNRS[:3], RATES, PSNRS, method="cubic")
    with pytest.raises(ValueError, match="at least 4"):
        metrics.bd_quality(RATES, PSNRS, RATES[:3], PSNRS[:3], method="cubic")
    with pytest.raises(ValueError, match="at least 2"):
        metrics.bd_rate(RATES[:1], PSNRS[:1], RATES, PSNRS, method="pchip")


def test_bd_non_overlapping_ranges_raise():
    high = [q + 20.0 for q in PSNRS]
    with pytest.raises(ValueError, match="do not overlap"):
        metrics.bd_rate(RATES, PSNRS, RATES, high)
    far_rates = [r * 100.0 for r in RATES]
    with pytest.raises(ValueError, match="do not overlap"):
        metrics.bd_quality(RATES, PSNRS, far_rates, PSNRS)


@pytest.mark.parametrize("rates,psnrs", [
    ([1.6, 0.92, 0.51, 0.27], [38.9, 36.0, 36.2, 30.4]),  # quality not monotonic in rate
    ([1.6, 0.92, 0.92, 0.27], [38.9, 35.8, 33.1, 30.4]),  # repeated rate
    ([1.6, 0.92, 0.0, 0.27], [38.9, 35.8, 33.1, 30.4]),   # zero rate
    ([1.6, 0.92, 0.51, 0.27], [38.9, 35.8, 33.1, float("inf")]),  # lossless point
    ([1.6, 0.92, 0.51], [38.9, 35.8, 33.1, 30.4]),        # length mismatch
])
def test_bd_invalid_curves_raise(rates, psnrs):
    with pytest.raises(ValueError):
        metrics.bd_rate(RATES, PSNRS, rates, psnrs)


def test_bd_unknown_method_raises():
    with pytest.raises(ValueError, match="method"):
        metrics.bd_rate(RATES, PSNRS, RATES, PSNRS, method="akima")


def test_detail_ratio_measures_blur_and_added_detail():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 30, 3)).astype(np.uint8)
    blurred = (image.astype(float) + np.roll(image, 1, 0) + np.roll(image, 1, 1)) / 3
    assert metrics.detail_ratio(image, image) == 1.0
    assert metrics.detail_ratio(image, blurred) < 0.5
    assert metrics.detail_ratio(blurred, image) > 2.0
    flat = np.full((8, 8, 3), 7, np.uint8)
    assert np.isnan(metrics.detail_ratio(flat, image[:8, :8]))
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.detail_ratio(image, image[:-1])

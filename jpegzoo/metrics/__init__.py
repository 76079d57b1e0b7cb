"""Rate and distortion metrics for image-compression evaluation.

Units used throughout this package:

* rate: **bits per pixel** (bpp) from :func:`bpp`; the Bjontegaard functions accept any
  positive rate unit (bpp, bytes, kbit/s) as long as both curves use the same one, since
  BD-rate is a ratio;
* PSNR, Y-PSNR and BD-quality: **decibels** (dB);
* MSE: squared pixel units of the input (for 8-bit images, squared 0..255 code values);
* SSIM and MS-SSIM: unitless, at most 1 (1 for identical images); :func:`ssim_db` gives
  them in dB, ``-10 log10(1 - q)``, the scale BD-rates of SSIM-type metrics use;
* SSIMULACRA2: a score, at most 100 (identical images), higher is better; Butteraugli: a
  distance, 0 for identical images (:mod:`jpegzoo.metrics.perceptual`);
* BD-rate: **percent** of the anchor's rate (negative means the test codec saves bits).

Images are numpy arrays (anything ``numpy.asarray`` accepts) of shape ``[H, W]`` (grey)
or ``[H, W, C]``, uint8 or float, with pixel values on the 0..``max_value`` scale
(255 by default). Everything is computed in float64 so that uint8 inputs never wrap.

SSIM and MS-SSIM follow tf.image.ssim / ssim_multiscale exactly, in float64, with numba
kernels (:mod:`jpegzoo.metrics.kernels`) instead of TensorFlow. TensorFlow is never
imported; numba only on the first SSIM-type call and :mod:`scipy` only inside the
Bjontegaard functions, so importing ``jpegzoo.metrics`` stays cheap for the command line.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence

import numpy as np

from jpegzoo.metrics.perceptual import (
    Ssimulacra2Reference,
    butteraugli,
    ssimulacra2,
    ssimulacra2_package,
)
from jpegzoo.metrics.structural import (
    MS_SSIM_MIN_SIZE,
    StructuralReference,
    ms_ssim,
    ssim,
    ssim_blocks,
    ssim_map,
)

__all__ = [
    "MS_SSIM_MIN_SIZE", "bd_quality", "bd_rate", "bpp", "butteraugli", "detail_ratio",
    "ms_ssim", "mse", "psnr", "psnr_y", "rgb_to_y", "scorer", "ssim", "ssim_blocks",
    "ssim_db", "ssim_map", "ssimulacra2", "ssimulacra2_package",
]

# JFIF (ITU-T T.871) full-range luma weights.
_JFIF_Y_WEIGHTS = (0.299, 0.587, 0.114)

_BD_METHODS = ("pchip", "cubic")
_BD_MIN_POINTS = {"pchip": 2, "cubic": 4}


# --------------------------------------------------------------------------------------
# Rate
# --------------------------------------------------------------------------------------

def bpp(num_bytes: float, height: int, width: int) -> float:
    """Bits per pixel of a compressed image: ``8 * num_bytes / (height * width)``.

    Args:
        num_bytes: compressed size in bytes (a non-negative number; fractional sizes,
            e.g. an entropy-model estimate in bytes, are allowed).
        height, width: image size in pixels (positive integers).

    Returns:
        The rate in bits per pixel (float).

    Raises:
        ValueError: if ``num_bytes`` is negative or not finite, or ``height`` or ``width``
            is not a positive integer.
    """
    for name, value in (("height", height), ("width", width)):
        if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                or value <= 0):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if (isinstance(num_bytes, bool) or not isinstance(num_bytes, numbers.Real)
            or not math.isfinite(num_bytes) or num_bytes < 0):
        raise ValueError(f"num_bytes must be a finite non-negative number, got {num_bytes!r}")
    return 8.0 * float(num_bytes) / (int(height) * int(width))


# --------------------------------------------------------------------------------------
# Pixel-domain distortion
# --------------------------------------------------------------------------------------

def _checked(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Both images as arrays, checked to have one shape, [H, W] or [H, W, C]."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")
    if a.ndim not in (2, 3):
        raise ValueError(f"expected an image of shape [H, W] or [H, W, C], got {a.shape}")
    if a.size == 0:
        raise ValueError(f"images are empty: shape {a.shape}")
    return a, b


def _psnr_from_mse(err: float, max_value: float) -> float:
    if not (math.isfinite(max_value) and max_value > 0):
        raise ValueError(f"max_value must be a positive finite number, got {max_value!r}")
    if err == 0.0:
        return math.inf
    return 10.0 * math.log10(max_value * max_value / err)


def mse(a, b) -> float:
    """Mean squared error over all pixels and channels.

    Args:
        a, b: images of the same shape, [H, W] or [H, W, C], uint8 or float.

    Returns:
        The MSE in squared pixel units (exact integer sums for 8- and 16-bit integer
        images, float64 arithmetic otherwise: uint8 cannot wrap).

    Raises:
        ValueError: if the shapes differ (the message names both) or are not 2-D/3-D.
    """
    a, b = _checked(a, b)
    if a.dtype.kind in "iu" and b.dtype.kind in "iu" and max(a.itemsize, b.itemsize) <= 2:
        return _integer_squared_error(a, b) / a.size
    return float(np.mean(np.square(a.astype(np.float64) - b)))


def _integer_squared_error(a, b, chunk=1 << 20):
    """The exact sum of squared differences of two integer images (8 or 16 bits), in
    int64 chunks: no float64 copies of whole images (12 MP: 30 ms against 600 ms)."""
    a, b = a.reshape(-1), b.reshape(-1)
    total = 0
    for start in range(0, a.size, chunk):
        d = np.subtract(a[start:start + chunk], b[start:start + chunk], dtype=np.int64)
        total += int(np.dot(d, d))
    return float(total)


def psnr(a, b, max_value: float = 255.0) -> float:
    """Peak signal-to-noise ratio, ``10 log10(max_value^2 / MSE)``, in dB.

    For colour images the MSE is taken over all channels jointly (one MSE for the whole
    [H, W, C] array), as in the CompressAI and tensorflow-compression evaluations; this is
    *not* the mean of per-channel PSNRs.

    Args:
        a, b: images of the same shape, [H, W] or [H, W, C], uint8 or float.
        max_value: the peak pixel value (255 for 8-bit images, 1 for [0, 1] floats).

    Returns:
        PSNR in dB; ``math.inf`` for identical images.

    Raises:
        ValueError: if the shapes differ (the message names both).
    """
    return _psnr_from_mse(mse(a, b), float(max_value))


def rgb_to_y(image) -> np.ndarray:
    """JFIF full-range luma ``Y = 0.299 R + 0.587 G + 0.114 B`` as float64, unrounded.

    Args:
        image: [H, W, 3] RGB image; a grey image ([H, W] or [H, W, 1]) is already luma
            and is returned as float64 [H, W].

    Returns:
        [H, W] float64 array on the input's pixel scale.

    Raises:
        ValueError: for any other shape.
    """
    x = np.asarray(image)
    if x.ndim == 2:
        return x.astype(np.float64)
    if x.ndim == 3 and x.shape[-1] == 1:
        return x[..., 0].astype(np.float64)
    if x.ndim == 3 and x.shape[-1] == 3:
        x = x.astype(np.float64)
        wr, wg, wb = _JFIF_Y_WEIGHTS
        return wr * x[..., 0] + wg * x[..., 1] + wb * x[..., 2]
    raise ValueError(f"expected an RGB image [H, W, 3] or a grey one [H, W] / [H, W, 1], "
                     f"got shape {x.shape}")


def psnr_y(a, b, max_value: float = 255.0) -> float:
    """PSNR of the luma channel, in dB.

    Luma is JFIF full-range ``Y = 0.299 R + 0.587 G + 0.114 B`` computed in float64
    without rounding (see :func:`rgb_to_y`).

    Args:
        a, b: RGB images [H, W, 3] of the same shape (grey [H, W] / [H, W, 1] images are
            taken as luma already), uint8 or float.
        max_value: the peak pixel value (255 for 8-bit images).

    Returns:
        Y-PSNR in dB; ``math.inf`` for identical luma.

    Raises:
        ValueError: if the shapes differ (the message names both) or are not RGB/grey.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")
    return psnr(rgb_to_y(a), rgb_to_y(b), max_value=max_value)


def detail_ratio(reference, decoded) -> float:
    """High-frequency energy of ``decoded`` over that of ``reference``: the mean squared
    4-neighbour Laplacian of the luma (:func:`rgb_to_y`), valid region only.

    1 means as much fine detail (texture, grain, edges) as the reference, below 1 a
    blurred image, above 1 added detail or noise. A network-free sharpness measure for
    comparing decoders at equal rate (e.g. adversarial against MSE-trained ones); it does
    not say whether the detail is the right detail (PSNR and MS-SSIM do).

    Args:
        reference, decoded: RGB images [H, W, 3] (or grey), at least 3x3, same shape.
    """
    a, b = np.asarray(reference), np.asarray(decoded)
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")

    def energy(image):
        y = rgb_to_y(image)
        laplacian = (y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:]
                     - 4.0 * y[1:-1, 1:-1])
        return float(np.mean(np.square(laplacian)))

    reference_energy = energy(a)
    return energy(b) / reference_energy if reference_energy > 0 else float("nan")


# --------------------------------------------------------------------------------------
# Many distorted images against one reference
# --------------------------------------------------------------------------------------

#: The metrics :func:`scorer` prepares references for.
SCORER_METRICS = ("psnr", "ssim", "ms_ssim", "ssimulacra2")


def scorer(metric: str, reference):
    """``metric(reference, distorted)`` as a function of ``distorted`` alone, with the
    reference's share of the work done once: its float64 planes, scale pyramid and local
    moments (:class:`~jpegzoo.metrics.structural.StructuralReference`,
    :class:`~jpegzoo.metrics.perceptual.Ssimulacra2Reference`). For scoring many
    distortions of one image, as an encoder's search does; the scores are identical to the
    metric functions' (8-bit pixels, ``max_val`` 255).

    Args:
        metric: ``"psnr"``, ``"ssim"``, ``"ms_ssim"`` or ``"ssimulacra2"``.
        reference: the reference image, as the metric takes it.

    Returns:
        A function of one image (the reference's shape) returning a python float.

    Raises:
        ValueError: for an unknown metric, or a reference the metric rejects.
    """
    if metric == "psnr":
        return lambda distorted: psnr(reference, distorted)
    if metric == "ssim":
        return StructuralReference(reference, 1).ssim
    if metric == "ms_ssim":
        return StructuralReference(reference, 5).ms_ssim
    if metric == "ssimulacra2":
        return Ssimulacra2Reference(reference)
    raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(SCORER_METRICS)}")


def ssim_db(score):
    """SSIM or MS-SSIM in decibels, ``-10 log10(1 - score)``: the scale on which BD-rates
    of SSIM-type metrics are interpolated (0.99 -> 20 dB, 0.999 -> 30 dB).

    Args:
        score: a float or an array of scores, each at most 1.

    Returns:
        dB as a float (``math.inf`` for 1) or a float64 array of the input's shape.

    Raises:
        ValueError: for a score above 1 or NaN.
    """
    values = np.asarray(score, dtype=np.float64)
    if np.any(~(values <= 1.0)):
        raise ValueError(f"SSIM scores must be at most 1, got {score!r}")
    with np.errstate(divide="ignore"):
        decibels = -10.0 * np.log10(1.0 - values)
    return float(decibels) if decibels.ndim == 0 else decibels


# --------------------------------------------------------------------------------------
# Bjontegaard delta metrics
# --------------------------------------------------------------------------------------

def _rd_curve(rate, quality, name: str, min_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(log10 rate, quality), sorted by increasing rate and validated."""
    r = np.asarray(rate, dtype=np.float64)
    q = np.asarray(quality, dtype=np.float64)
    if r.ndim != 1 or q.ndim != 1 or r.shape != q.shape:
        raise ValueError(f"{name}: rates and qualities must be 1-D sequences of one length, "
                         f"got shapes {r.shape} and {q.shape}")
    if r.size < min_points:
        raise ValueError(f"{name}: needs at least {min_points} rate-quality points, "
                         f"got {r.size}")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(q))):
        raise ValueError(f"{name}: rates and qualities must be finite "
                         f"(e.g. drop lossless points with infinite PSNR)")
    if np.any(r <= 0):
        raise ValueError(f"{name}: rates must be positive, got {r.tolist()}")
    order = np.argsort(r, kind="stable")
    r, q = r[order], q[order]
    if np.any(np.diff(r) <= 0) or np.any(np.diff(q) <= 0):
        raise ValueError(f"{name}: the RD curve must be strictly increasing in both rate "
                         f"and quality after sorting by rate; got rates {r.tolist()} and "
                         f"qualities {q.tolist()}")
    return np.log10(r), q


def _overlap(x1: np.ndarray, x2: np.ndarray, what: str) -> tuple[float, float]:
    lo = max(float(x1.min()), float(x2.min()))
    hi = min(float(x1.max()), float(x2.max()))
    if not hi > lo:
        raise ValueError(f"the two RD curves do not overlap in {what}: anchor spans "
                         f"[{x1.min():g}, {x1.max():g}], test spans [{x2.min():g}, "
                         f"{x2.max():g}]")
    return lo, hi


def _mean_over(x: np.ndarray, y: np.ndarray, lo: float, hi: float, method: str) -> float:
    """Mean of the interpolant of y(x) over [lo, hi], integrated exactly."""
    if method == "pchip":
        from scipy.interpolate import PchipInterpolator  # lazy

        return float(PchipInterpolator(x, y, extrapolate=False).integrate(lo, hi)) / (hi - lo)
    # "cubic": least-squares 3rd-order polynomial (exact through 4 points). Fitting on the
    # window [-1, 1] keeps the Vandermonde system well conditioned; integ() accounts for
    # the domain mapping, so the integral is in the caller's x units.
    poly = np.polynomial.Polynomial.fit(x, y, 3)
    antiderivative = poly.integ()
    return float(antiderivative(hi) - antiderivative(lo)) / (hi - lo)


def _check_method(method: str) -> str:
    if method not in _BD_METHODS:
        raise ValueError(f"method must be one of {_BD_METHODS}, got {method!r}")
    return method


def bd_rate(rate_anchor: Sequence[float], quality_anchor: Sequence[float],
            rate_test: Sequence[float], quality_test: Sequence[float],
            method: str = "pchip") -> float:
    """Bjontegaard delta rate: the test codec's average rate change at equal quality, in %.

    ``log10(rate)`` is interpolated as a function of quality for each curve, both are
    integrated exactly over the overlapping quality interval, and the mean log-rate
    difference ``d`` is reported as ``(10**d - 1) * 100``.

    Methods:
        ``"pchip"`` (default): piecewise cubic Hermite interpolation (Fritsch-Carlson, as
            :class:`scipy.interpolate.PchipInterpolator`), the method of the JCT-VC/JVET
            common-test-conditions spreadsheets (JCTVC-L1100, JVET CTC). Needs >= 2 points
            per curve (the CTC use 4).
        ``"cubic"``: the original VCEG-M33 method, a 3rd-order polynomial fit (exact through
            4 points, least squares through more). Needs >= 4 points per curve.

    Args:
        rate_anchor, quality_anchor: the anchor (reference) curve; rates in any positive
            unit (bpp, bytes, kbit/s), qualities in dB (PSNR) or any higher-is-better metric.
        rate_test, quality_test: the tested curve, in the same units.
        method: ``"pchip"`` or ``"cubic"``.

    Returns:
        BD-rate in percent; negative means the test codec needs fewer bits for the same
        quality (e.g. -10.0 means 10 % bit savings).

    Raises:
        ValueError: too few points, non-finite or non-positive rates, a curve that is not
            strictly increasing in both rate and quality once sorted by rate, or quality
            ranges that do not overlap.
    """
    method = _check_method(method)
    n = _BD_MIN_POINTS[method]
    lr1, q1 = _rd_curve(rate_anchor, quality_anchor, "anchor curve", n)
    lr2, q2 = _rd_curve(rate_test, quality_test, "test curve", n)
    lo, hi = _overlap(q1, q2, "quality")
    avg_diff = _mean_over(q2, lr2, lo, hi, method) - _mean_over(q1, lr1, lo, hi, method)
    return (10.0 ** avg_diff - 1.0) * 100.0


def bd_quality(rate_anchor: Sequence[float], quality_anchor: Sequence[float],
               rate_test: Sequence[float], quality_test: Sequence[float],
               method: str = "pchip") -> float:
    """Bjontegaard delta quality (BD-PSNR when quality is PSNR): mean quality gain in dB.

    Quality is interpolated as a function of ``log10(rate)`` for each curve and both are
    integrated exactly over the overlapping log-rate interval; the result is the mean
    difference test - anchor. Methods and validation as in :func:`bd_rate`.

    Args:
        rate_anchor, quality_anchor: the anchor curve (rates in any positive unit).
        rate_test, quality_test: the tested curve, in the same units.
        method: ``"pchip"`` or ``"cubic"``.

    Returns:
        The average quality difference in the quality's unit (dB for PSNR); positive means
        the test codec gives higher quality at the same rate.

    Raises:
        ValueError: as :func:`bd_rate`, with the overlap taken over rates.
    """
    method = _check_method(method)
    n = _BD_MIN_POINTS[method]
    lr1, q1 = _rd_curve(rate_anchor, quality_anchor, "anchor curve", n)
    lr2, q2 = _rd_curve(rate_test, quality_test, "test curve", n)
    lo, hi = _overlap(lr1, lr2, "log10 rate")
    return _mean_over(lr2, q2, lo, hi, method) - _mean_over(lr1, q1, lo, hi, method)

"""SSIM and MS-SSIM as :func:`tf.image.ssim` and :func:`tf.image.ssim_multiscale` define
them, in float64, with numba kernels (:mod:`jpegzoo.metrics.kernels`) instead of TensorFlow.

:class:`StructuralReference` prepares a reference image once -- its float64 planes and
their local moments at every scale -- and scores any number of distorted images against it
(an encoder's search scores several trials of one image); :func:`ssim` and :func:`ms_ssim`
are one such score, so both ways give identical results.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# SSIM parameters of Wang et al. (2004), the defaults of tf.image.ssim.
_SSIM_FILTER_SIZE = 11
_SSIM_FILTER_SIGMA = 1.5
_SSIM_K1 = 0.01
_SSIM_K2 = 0.03
#: tf.image.ssim_multiscale's power factors, finest scale first (Wang et al. 2003).
_MS_SSIM_POWERS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_MS_SSIM_SCALES = len(_MS_SSIM_POWERS)
#: Smallest height and width accepted by :func:`ms_ssim`. tf.image.ssim_multiscale halves
#: the image (rounding up) four times for its five scales and needs at least
#: ``filter_size`` (11) pixels a side at the coarsest one: ceil(H / 16) >= 11 <=> H >= 161.
MS_SSIM_MIN_SIZE = (_SSIM_FILTER_SIZE - 1) * 2 ** (_MS_SSIM_SCALES - 1) + 1



class StructuralReference:
    """A reference image prepared for SSIM (``scales`` = 1) or MS-SSIM (``scales`` = 5):
    its float64 channel planes and their local means of ``x`` and ``x*x`` at each scale.

    Args:
        image: [H, W] (grey) or [H, W, C], uint8 or float, on the 0..``max_val`` scale, at
            least 11 px a side (SSIM) or :data:`MS_SSIM_MIN_SIZE` (MS-SSIM).
        scales: 1 or 5.
        max_val: the dynamic range of the pixel values (255 for 8-bit images).

    Memory: the planes and two moments per plane, about 3 x 8 bytes per sample (x 4/3
    for MS-SSIM's pyramid).
    """

    def __init__(self, image, scales: int, max_val: float = 255.0):
        from jpegzoo.metrics import kernels  # lazy: numba is imported on the first SSIM only

        if not (math.isfinite(max_val) and max_val > 0):
            raise ValueError(f"max_val must be a positive finite number, got {max_val!r}")
        self.shape = np.shape(image)
        self._c1 = (_SSIM_K1 * max_val) ** 2
        self._c2 = (_SSIM_K2 * max_val) ** 2
        self._taps = _gaussian_taps()
        x = _planes(image, _SSIM_FILTER_SIZE if scales == 1 else MS_SSIM_MIN_SIZE)
        self._levels = []
        for scale in range(scales):
            if scale:
                # TF repeats the last row/column of an odd side, then averages 2x2 blocks:
                # the mean of the pixels each block has, which kernels.halve computes.
                x = kernels.halve(x)
            moments = [kernels.reference_moments(plane, self._taps, False) for plane in x]
            self._levels.append((x, moments))

    def _sums(self, distorted, ssim_map=None):
        """Per scale, float64 [C, 2]: each channel's (mean of ``l * cs``, mean of ``cs``)
        of ``distorted`` against the reference; ``ssim_map`` (the first scale's
        [H', W']) gets the channels' sum of ``l * cs`` added."""
        from jpegzoo.metrics import kernels

        if np.shape(distorted) != self.shape:
            raise ValueError(f"image shapes differ: {self.shape} vs {np.shape(distorted)}")
        y = np.asarray(distorted)
        y = np.moveaxis(y[..., None] if y.ndim == 2 else y, 2, 0)  # a view: no copy
        none = np.zeros((0, 0))
        for scale, (x, moments) in enumerate(self._levels):
            if scale:
                y = kernels.halve(y)
            target = ssim_map if scale == 0 and ssim_map is not None else none
            sums = [kernels.ssim_terms(xc, mc, yc, self._taps, self._c1, self._c2, target)
                    for xc, mc, yc in zip(x, moments, y)]
            pixels = (x.shape[1] - _SSIM_FILTER_SIZE + 1) * (x.shape[2] - _SSIM_FILTER_SIZE + 1)
            yield np.array(sums) / pixels

    def ssim_map(self, distorted) -> np.ndarray:
        """:func:`ssim_map` of ``distorted`` against the reference."""
        x = self._levels[0][0]
        values = np.zeros((x.shape[1] - _SSIM_FILTER_SIZE + 1, x.shape[2] - _SSIM_FILTER_SIZE + 1))
        next(self._sums(distorted, values))
        return values / x.shape[0]

    def ssim(self, distorted) -> float:
        """:func:`ssim` of ``distorted`` against the reference."""
        return float(np.mean(next(self._sums(distorted))[:, 0]))

    def ms_ssim(self, distorted) -> float:
        """:func:`ms_ssim` of ``distorted`` against the reference (prepared with 5 scales)."""
        if len(self._levels) != _MS_SSIM_SCALES:
            raise ValueError(f"MS-SSIM needs a reference prepared with {_MS_SSIM_SCALES} "
                             f"scales, this one has {len(self._levels)}")
        product = 1.0
        for scale, means in enumerate(self._sums(distorted)):
            term = means[:, 0] if scale == _MS_SSIM_SCALES - 1 else means[:, 1]
            product = product * np.maximum(term, 0.0) ** _MS_SSIM_POWERS[scale]
        return float(np.mean(product))


def _planes(image, min_side: int) -> np.ndarray:
    """``image`` as contiguous float64 channel planes [C, H, W], checked to have at least
    ``min_side`` pixels a side."""
    x = np.asarray(image)
    if x.ndim == 2:
        x = x[..., None]
    elif x.ndim != 3 or x.shape[2] == 0:
        raise ValueError(f"expected a single image [H, W] or [H, W, C], got shape {x.shape}")
    h, w = x.shape[:2]
    if min(h, w) < min_side:
        if min_side == _SSIM_FILTER_SIZE:
            raise ValueError(f"SSIM needs images at least {min_side}x{min_side} pixels (the "
                             f"filter size), got {h}x{w}")
        raise ValueError(f"MS-SSIM with {_MS_SSIM_SCALES} scales and an {_SSIM_FILTER_SIZE} px "
                         f"filter needs images at least {min_side}x{min_side} pixels, "
                         f"got {h}x{w}")
    return np.ascontiguousarray(np.moveaxis(x, 2, 0), dtype=np.float64)


def _gaussian_taps() -> np.ndarray:
    """The 1-D factor of tf.image.ssim's window: 11 float64 taps, sigma 1.5, sum 1.

    TF builds the 2-D window as a softmax of ``-(i^2 + j^2) / (2 sigma^2)``, which is the
    outer product of this normalised 1-D Gaussian with itself."""
    coords = np.arange(_SSIM_FILTER_SIZE, dtype=np.float64) - (_SSIM_FILTER_SIZE - 1) / 2.0
    taps = np.exp(-0.5 * np.square(coords / _SSIM_FILTER_SIGMA))
    return taps / taps.sum()


def ssim_map(a, b, max_val: float = 255.0) -> np.ndarray:
    """Per-pixel SSIM map, averaged over channels: ``[H - 10, W - 10]`` float64.

    Entry ``[i, j]`` is the SSIM of the 11x11 Gaussian window centred on pixel
    ``(i + 5, j + 5)`` (VALID borders: only windows inside the image); the mean of the map
    is :func:`ssim`. Arguments and errors as :func:`ssim`.
    """
    return StructuralReference(a, 1, max_val).ssim_map(b)


def ssim(a, b, max_val: float = 255.0) -> float:
    """Single-scale SSIM (Wang et al. 2004) as :func:`tf.image.ssim` defines it, in float64.

    Gaussian window of 11 px and sigma 1.5 (separable), VALID borders, k1 = 0.01,
    k2 = 0.03; for colour images the SSIM map is averaged over all channels. Equal to
    TensorFlow's own computation run in float64 (within 1e-12, ``tests/test_metrics.py``).
    ``tf.image.ssim`` itself works in float32, where ``E[x^2] - E[x]^2`` cancels badly on
    0..255 pixels: its result is off by up to ~1.5e-3 on Kodak at JPEG quality 95 (within
    1e-4 up to quality 75), this function is not.

    Args:
        a, b: one image each, [H, W] (grey) or [H, W, C], uint8 or float, of the same shape
            and at least 11 px a side, on the 0..``max_val`` scale.
        max_val: the dynamic range of the pixel values (255 for 8-bit images).

    Returns:
        SSIM as a python float (1.0 for identical images).

    Raises:
        ValueError: if the shapes differ or the image is smaller than the filter.
    """
    return StructuralReference(a, 1, max_val).ssim(b)


def ssim_blocks(a, b, block_size: int = 8, max_val: float = 255.0):
    """SSIM of each ``block_size`` x ``block_size`` block: the mean of the :func:`ssim_map`
    windows centred in the block, and how many there are.

    Returns:
        ``(means, counts)``, both ``[ceil(H / block_size), ceil(W / block_size)]``: float64
        mean SSIM (NaN for a block with no window centre: within 5 px of the border only)
        and int64 window counts. ``np.nansum(means * counts) / counts.sum()`` is
        :func:`ssim`.

    Raises:
        ValueError: as :func:`ssim`, or if ``block_size`` is not a positive integer.
    """
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) \
            or block_size <= 0:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
    values = ssim_map(a, b, max_val)
    height, width = np.shape(a)[:2]
    half = _SSIM_FILTER_SIZE // 2
    # Window centres are pixels half .. side - half - 1; pad the map to whole blocks.
    rows, columns = -(-height // block_size), -(-width // block_size)
    sums = np.zeros((rows * block_size, columns * block_size))
    present = np.zeros(sums.shape, np.int64)
    sums[half:height - half, half:width - half] = values
    present[half:height - half, half:width - half] = 1
    shape = (rows, block_size, columns, block_size)
    counts = present.reshape(shape).sum(axis=(1, 3))
    with np.errstate(invalid="ignore"):
        return sums.reshape(shape).sum(axis=(1, 3)) / counts, counts


def ms_ssim(a, b, max_val: float = 255.0) -> float:
    """Multi-scale SSIM (Wang et al. 2003) as :func:`tf.image.ssim_multiscale` defines it,
    in float64.

    Five scales with TF's power factors (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), Gaussian
    window of 11 px and sigma 1.5, k1 = 0.01, k2 = 0.03. Between scales, an odd height
    (width) gets its last row (column) repeated, then 2x2 average pooling halves the image.
    Each channel's MS-SSIM is the product over scales of the mean contrast-structure term
    (full SSIM at the coarsest scale), negatives clipped to 0, raised to the scale's power;
    the result is the mean over channels. Equal to TensorFlow's computation in float64
    within 1e-12; TF's float32 result is off by up to ~2e-4 on Kodak at quality 95 (see
    :func:`ssim`).

    Args:
        a, b: one image each, [H, W] (grey) or [H, W, C], uint8 or float, of the same shape,
            at least :data:`MS_SSIM_MIN_SIZE` (161) px a side, on the 0..``max_val`` scale.
        max_val: the dynamic range of the pixel values (255 for 8-bit images).

    Returns:
        MS-SSIM as a python float (1.0 for identical images).

    Raises:
        ValueError: if the shapes differ or a side is shorter than 161 px (with five scales
            the coarsest one would be smaller than the 11 px filter).
    """
    return StructuralReference(a, _MS_SSIM_SCALES, max_val).ms_ssim(b)

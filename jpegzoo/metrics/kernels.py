"""Compiled (numba) kernels of :mod:`jpegzoo.metrics`: Gaussian-weighted local moments and
the per-pixel terms of SSIM and SSIMULACRA2, on float64 planes.

Both metrics blur the same five images -- ``x``, ``y``, ``x*x``, ``y*y``, ``x*y`` -- with a
separable 11-tap Gaussian of sigma 1.5. :func:`_moments_row` computes all five for one
output row at a time, keeping the horizontal passes of the last 11 rows in a ring buffer,
so no full-size intermediate is stored and the work stays in cache (SSIMULACRA2's plane
features of a Kodak image: 0.05-0.07 s against 0.17-0.18 s when whole blurred planes are
stored first, measured side by side). Compiled on first use (a few seconds), cached on
disk beside this module (``cache=True``); imported by the metric functions on their first
call, so ``import jpegzoo.metrics`` does not pay numba's import.
"""

import numba
import numpy as np

_JIT = dict(cache=True, nogil=True)

#: SSIMULACRA2's stabilising constant of its contrast-structure term.
SSIMULACRA2_C2 = 0.0009


@numba.njit(**_JIT)
def _blur_row(x, y, taps, same, i, dest, products):
    """Horizontal pass of row ``i``: ``dest`` [5, W'] <- the window ``taps`` applied along
    the row to x, y, x*x, y*y, x*y (``same``: zeros beyond the left and right edges, W' = W;
    otherwise VALID, W' = W - k + 1). ``products`` [5, W]: scratch for the five rows (each
    computed once, so the tap loops are plain multiply-adds over contiguous rows)."""
    w = x.shape[1]
    r = taps.shape[0] // 2
    for j in range(w):
        a = x[i, j]
        b = y[i, j]
        products[0, j] = a
        products[1, j] = b
        products[2, j] = a * a
        products[3, j] = b * b
        products[4, j] = a * b
    dest[:] = 0.0
    for t in range(taps.shape[0]):
        g = taps[t]
        offset = t - r if same else t
        low, high = max(0, -offset), min(dest.shape[1], w - offset)
        for q in range(5):
            for j in range(low, high):
                dest[q, j] += g * products[q, j + offset]


@numba.njit(**_JIT)
def _blur_row_fused(x, y, taps, same, i, dest):
    """:func:`_blur_row` with the products formed inside the tap loop: the faster of the
    two for SSIMULACRA2's ``same`` planes (0.17 against 0.21 s per Kodak image, measured
    side by side), slower for SSIM's VALID ones (0.078 against 0.044 s)."""
    w = x.shape[1]
    r = taps.shape[0] // 2
    dest[:] = 0.0
    for t in range(taps.shape[0]):
        g = taps[t]
        offset = t - r if same else t
        for j in range(max(0, -offset), min(dest.shape[1], w - offset)):
            a = x[i, j + offset]
            b = y[i, j + offset]
            dest[0, j] += g * a
            dest[1, j] += g * b
            dest[2, j] += g * (a * a)
            dest[3, j] += g * (b * b)
            dest[4, j] += g * (a * b)


@numba.njit(**_JIT)
def _moments_row(x, y, taps, same, i, ring, held, out, products):
    """Local means of x, y, x*x, y*y, x*y for output row ``i`` into ``out`` [5, W'] (the
    separable window ``taps``, odd length k = 2r + 1, sum 1).

    ``same``: output row i is centred on row i, rows beyond the top and bottom mirrored
    half-sample (``c b a | a b c``, needs H > r), zeros beyond the left and right edges
    (the boundary of the ``ssimulacra2`` package). Otherwise VALID borders (tf.image.ssim):
    output row i is centred on row i + r and column j on column j + r.

    ``ring`` [k, 5, W'] and ``held`` [k] (int64, -1 at first) cache the horizontal passes
    of the last k rows between calls for increasing ``i``, so each row is filtered once;
    ``products`` [5, W] is :func:`_blur_row`'s scratch.
    """
    h = x.shape[0]
    r = taps.shape[0] // 2
    out[:] = 0.0
    for t in range(taps.shape[0]):
        source = i + t
        if same:
            source -= r
            if source < 0:
                source = -source - 1
            elif source >= h:
                source = 2 * h - 1 - source
        slot = source % taps.shape[0]
        if held[slot] != source:
            if same:
                _blur_row_fused(x, y, taps, same, source, ring[slot])
            else:
                _blur_row(x, y, taps, same, source, ring[slot], products)
            held[slot] = source
        g = taps[t]
        for q in range(5):
            for j in range(out.shape[1]):
                out[q, j] += g * ring[slot, q, j]


@numba.njit(**_JIT)
def _window_state(taps, width, input_width):
    """Empty (ring, held, out, products) buffers for :func:`_moments_row` with output width
    ``width`` and input width ``input_width``."""
    k = taps.shape[0]
    return np.empty((k, 5, width)), np.full(k, -1, np.int64), np.empty((5, width)), \
        np.empty((5, input_width))


@numba.njit(**_JIT)
def ssim_terms(x, y, taps, c1, c2):
    """Per-pixel luminance and contrast-structure terms of SSIM (tf.image's ``_ssim_helper``,
    compensation 1) of planes ``x``, ``y`` [H, W] float64, VALID borders.

    Returns:
        (luminance, cs), each float64 [H - k + 1, W - k + 1].
    """
    k = taps.shape[0]
    oh = x.shape[0] - k + 1
    ow = x.shape[1] - k + 1
    luminance = np.empty((oh, ow))
    cs = np.empty((oh, ow))
    ring, held, m, products = _window_state(taps, ow, x.shape[1])
    for i in range(oh):
        _moments_row(x, y, taps, False, i, ring, held, m, products)
        for j in range(ow):
            num0 = 2.0 * m[0, j] * m[1, j]
            den0 = m[0, j] * m[0, j] + m[1, j] * m[1, j]
            luminance[i, j] = (num0 + c1) / (den0 + c1)
            cs[i, j] = (2.0 * m[4, j] - num0 + c2) / (m[2, j] + m[3, j] - den0 + c2)
    return luminance, cs


@numba.njit(**_JIT)
def ssimulacra2_plane(x, y, taps):
    """SSIMULACRA2's six features of one positive-XYB plane: reference ``x``, distorted
    ``y``, both float64 [H, W] (H > 5).

    Returns:
        float64 [6]: the mean and the 4-norm (``mean(v^4)^(1/4)``) of, in turn, the SSIM
        error ``max(0, 1 - l * cs)``, the ringing/blocking artifact ``max(0, e)`` and the
        lost detail ``max(0, -e)``, where ``e = (1 + |y - mu_y|) / (1 + |x - mu_x|) - 1``.
    """
    h, w = x.shape
    ring, held, m, products = _window_state(taps, w, w)
    sums = np.zeros(6)
    for i in range(h):
        _moments_row(x, y, taps, True, i, ring, held, m, products)
        for j in range(w):
            mu1 = m[0, j]
            mu2 = m[1, j]
            num_m = 1.0 - (mu1 - mu2) * (mu1 - mu2)
            num_s = 2.0 * (m[4, j] - mu1 * mu2) + SSIMULACRA2_C2
            den_s = (m[2, j] - mu1 * mu1) + (m[3, j] - mu2 * mu2) + SSIMULACRA2_C2
            d = max(1.0 - num_m * num_s / den_s, 0.0)
            edge = (1.0 + abs(y[i, j] - mu2)) / (1.0 + abs(x[i, j] - mu1)) - 1.0
            artifact = max(edge, 0.0)
            lost = max(-edge, 0.0)
            sums[0] += d
            sums[1] += (d * d) * (d * d)
            sums[2] += artifact
            sums[3] += (artifact * artifact) * (artifact * artifact)
            sums[4] += lost
            sums[5] += (lost * lost) * (lost * lost)
    sums /= h * w
    for slot in (1, 3, 5):
        sums[slot] = sums[slot] ** 0.25
    return sums


@numba.njit(**_JIT)
def positive_xyb(linear, matrix, bias):
    """SSIMULACRA2's positive XYB of linear RGB ``linear`` [3, H, W] float64: opsin mix
    (``matrix`` [3, 3], ``bias`` [3]), clipped at 0, cube root minus the bias's cube root,
    then ``X' = 14 X + 0.42``, ``Y' = Y + 0.01``, ``B' = B - Y + 0.55``. [3, H, W] float64."""
    out = np.empty_like(linear)
    for i in range(linear.shape[1]):
        for j in range(linear.shape[2]):
            r = linear[0, i, j]
            g = linear[1, i, j]
            b = linear[2, i, j]
            m0 = _opsin(matrix[0, 0] * r + matrix[0, 1] * g + matrix[0, 2] * b, bias[0])
            m1 = _opsin(matrix[1, 0] * r + matrix[1, 1] * g + matrix[1, 2] * b, bias[1])
            m2 = _opsin(matrix[2, 0] * r + matrix[2, 1] * g + matrix[2, 2] * b, bias[2])
            luma = 0.5 * (m0 + m1)
            out[0, i, j] = 0.5 * (m0 - m1) * 14.0 + 0.42
            out[1, i, j] = luma + 0.01
            out[2, i, j] = (m2 - luma) + 0.55
    return out


@numba.njit(**_JIT)
def _opsin(mixed, bias):
    return np.cbrt(max(mixed + bias, 0.0)) - np.cbrt(bias)


@numba.njit(**_JIT)
def halve(linear):
    """2x2 box downsampling of [C, H, W] float64 to [C, ceil(H / 2), ceil(W / 2)]; a block
    cut by an odd edge is the mean of the pixels it has."""
    c, h, w = linear.shape
    oh = (h + 1) // 2
    ow = (w + 1) // 2
    out = np.zeros((c, oh, ow))
    for k in range(c):
        for i in range(oh):
            for j in range(ow):
                total = 0.0
                count = 0
                for ii in range(2 * i, min(2 * i + 2, h)):
                    for jj in range(2 * j, min(2 * j + 2, w)):
                        total += linear[k, ii, jj]
                        count += 1
                out[k, i, j] = total / count
    return out

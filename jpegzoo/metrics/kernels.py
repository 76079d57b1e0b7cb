"""Compiled (numba) kernels of :mod:`jpegzoo.metrics`: Gaussian-weighted local moments and
the per-pixel terms of SSIM and SSIMULACRA2, on float64 planes.

Both metrics blur the same five images -- ``x``, ``y``, ``x*x``, ``y*y``, ``x*y`` -- with a
separable 11-tap Gaussian of sigma 1.5. The reference's two (``x``, ``x*x``) are blurred once
(:func:`reference_moments`) and kept, so scoring many distorted images against one
reference (an encoder's search) blurs three planes per image, not five; the distorted
image's three are computed one output row at a time (:func:`_moments_row`), keeping the
horizontal passes of the last 11 rows in a ring buffer, so no full-size intermediate is
stored and the work stays in cache. Every moment is the same sequence of float64
operations either way, so scores do not depend on what was kept. Compiled on first use (a
few seconds), cached on disk beside this module (``cache=True``); imported by the metric
functions on their first call, so ``import jpegzoo.metrics`` does not pay numba's import.
"""

import numba
import numpy as np

_JIT = dict(cache=True, nogil=True)

#: SSIMULACRA2's stabilising constant of its contrast-structure term.
SSIMULACRA2_C2 = 0.0009


@numba.njit(**_JIT)
def _blur_row(x, y, taps, same, i, dest, products):
    """Horizontal pass of row ``i`` along the row, window ``taps``: ``dest`` [2, W'] <- x,
    x*x (``y`` unused) or ``dest`` [3, W'] <- y, y*y, x*y. ``same``: zeros beyond the left and
    right edges, W' = W; otherwise VALID, W' = W - k + 1. ``products`` [P, W]: scratch.

    VALID rows form the products first, then run one multiply-add loop per plane; ``same``
    rows form them inside the tap loop: the faster of the two for each (Kodak, distorted
    planes: VALID 0.0065 against 0.0105 s, ``same`` 0.0132 against 0.0175 s per plane,
    measured side by side).
    """
    w = x.shape[1]
    r = taps.shape[0] // 2
    planes = dest.shape[0]
    dest[:] = 0.0
    if same:
        for t in range(taps.shape[0]):
            g = taps[t]
            offset = t - r
            low, high = max(0, -offset), min(dest.shape[1], w - offset)
            if planes == 2:
                for j in range(low, high):
                    a = x[i, j + offset]
                    dest[0, j] += g * a
                    dest[1, j] += g * (a * a)
            else:
                for j in range(low, high):
                    a = x[i, j + offset]
                    b = y[i, j + offset]
                    dest[0, j] += g * b
                    dest[1, j] += g * (b * b)
                    dest[2, j] += g * (a * b)
        return
    for j in range(w):
        a = x[i, j]
        if planes == 2:
            products[0, j] = a
            products[1, j] = a * a
        else:
            b = y[i, j]
            products[0, j] = b
            products[1, j] = b * b
            products[2, j] = a * b
    for t in range(taps.shape[0]):
        g = taps[t]
        for q in range(planes):
            for j in range(dest.shape[1]):
                dest[q, j] += g * products[q, j + t]


@numba.njit(**_JIT)
def _moments_row(x, y, taps, same, i, ring, held, out, products):
    """Output row ``i`` of the blurred planes of :func:`_blur_row` (2 or 3 of them, as
    ``out`` [P, W'] has rows) with the separable window ``taps`` (odd length k = 2r + 1,
    sum 1).

    ``same``: output row i is centred on row i, rows beyond the top and bottom mirrored
    half-sample (``c b a | a b c``, needs H > r), zeros beyond the left and right edges
    (the boundary of the ``ssimulacra2`` package). Otherwise VALID borders (tf.image.ssim):
    output row i is centred on row i + r and column j on column j + r.

    ``ring`` [k, P, W'] and ``held`` [k] (int64, -1 at first) cache the horizontal passes
    of the last k rows between calls for increasing ``i``, so each row is filtered once;
    ``products`` [P, W]: :func:`_blur_row`'s scratch.
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
            _blur_row(x, y, taps, same, source, ring[slot], products)
            held[slot] = source
        g = taps[t]
        for q in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[q, j] += g * ring[slot, q, j]


@numba.njit(**_JIT)
def _output_shape(x, taps, same):
    k = taps.shape[0]
    if same:
        return x.shape[0], x.shape[1]
    return x.shape[0] - k + 1, x.shape[1] - k + 1


@numba.njit(**_JIT)
def reference_moments(x, taps, same):
    """Local means of ``x`` and ``x*x`` of a reference plane [H, W] float64 (borders as
    :func:`_moments_row`): float64 [2, H', W'], for :func:`ssim_terms` and
    :func:`ssimulacra2_plane`."""
    oh, ow = _output_shape(x, taps, same)
    k = taps.shape[0]
    moments = np.empty((2, oh, ow))
    ring, held = np.empty((k, 2, ow)), np.full(k, -1, np.int64)
    products = np.empty((2, x.shape[1]))
    for i in range(oh):
        _moments_row(x, x, taps, same, i, ring, held, moments[:, i], products)
    return moments


@numba.njit(**_JIT)
def _distorted_state(taps, width, input_width):
    """Empty (ring, held, out, products) buffers for :func:`_moments_row`'s three distorted
    planes."""
    k = taps.shape[0]
    return np.empty((k, 3, width)), np.full(k, -1, np.int64), np.empty((3, width)), \
        np.empty((3, input_width))


@numba.njit(**_JIT)
def ssim_terms(x, moments, y, taps, c1, c2, ssim_map):
    """SSIM's per-pixel luminance ``l`` and contrast-structure ``cs`` terms (tf.image's
    ``_ssim_helper``, compensation 1) of reference plane ``x`` (float64 [H, W], its
    :func:`reference_moments` with VALID borders) and distorted plane ``y`` ([H, W], any
    numeric dtype and strides), VALID borders, summed over the pixels.

    ``ssim_map``: float64 [H - k + 1, W - k + 1] that ``l * cs`` is added to (the channels'
    sum, for :func:`~jpegzoo.metrics.ssim_map`), or [0, 0] for none.

    Returns:
        (sum of ``l * cs``, sum of ``cs``) over the [H - k + 1, W - k + 1] pixels (summed by
        row, then over rows).
    """
    oh, ow = _output_shape(x, taps, False)
    keep_map = ssim_map.shape[0] == oh and ssim_map.shape[1] == ow
    total_ssim = 0.0
    total_cs = 0.0
    ring, held, m, products = _distorted_state(taps, ow, x.shape[1])
    for i in range(oh):
        _moments_row(x, y, taps, False, i, ring, held, m, products)
        row_ssim = 0.0
        row_cs = 0.0
        for j in range(ow):
            mu1 = moments[0, i, j]
            mu2 = m[0, j]
            num0 = 2.0 * mu1 * mu2
            den0 = mu1 * mu1 + mu2 * mu2
            luminance = (num0 + c1) / (den0 + c1)
            cs = (2.0 * m[2, j] - num0 + c2) / (moments[1, i, j] + m[1, j] - den0 + c2)
            row_ssim += luminance * cs
            row_cs += cs
            if keep_map:
                ssim_map[i, j] += luminance * cs
        total_ssim += row_ssim
        total_cs += row_cs
    return total_ssim, total_cs


@numba.njit(**_JIT)
def ssimulacra2_plane(x, moments, y, taps):
    """SSIMULACRA2's six features of one positive-XYB plane: reference ``x`` (its
    :func:`reference_moments`, ``same`` borders), distorted ``y``, both float64 [H, W]
    (H > 5).

    Returns:
        float64 [6]: the mean and the 4-norm (``mean(v^4)^(1/4)``) of, in turn, the SSIM
        error ``max(0, 1 - l * cs)``, the ringing/blocking artifact ``max(0, e)`` and the
        lost detail ``max(0, -e)``, where ``e = (1 + |y - mu_y|) / (1 + |x - mu_x|) - 1``.
    """
    h, w = x.shape
    ring, held, m, products = _distorted_state(taps, w, w)
    sums = np.zeros(6)
    for i in range(h):
        _moments_row(x, y, taps, True, i, ring, held, m, products)
        for j in range(w):
            mu1 = moments[0, i, j]
            mu2 = m[0, j]
            num_m = 1.0 - (mu1 - mu2) * (mu1 - mu2)
            num_s = 2.0 * (m[2, j] - mu1 * mu2) + SSIMULACRA2_C2
            den_s = (moments[1, i, j] - mu1 * mu1) + (m[1, j] - mu2 * mu2) + SSIMULACRA2_C2
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

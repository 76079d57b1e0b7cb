"""Compiled (numba) kernels of :mod:`jpegzoo.jpeg.trellis`: the AC trellis of each block and
the DC trellis along a component's chain of DC predictions.

Both minimize ``bits + lambda * w * (8 q level - x)^2`` summed over the coefficients they
decide, where ``x`` is the unquantized coefficient in libjpeg's scale (8 times the
orthonormal DCT), ``q`` the table entry, ``lambda`` the block's weight and ``w`` the
coefficient's (mozjpeg's ``lambda * lambda_tbl[z]``, jcdctmgr.c ``quantize_trellis``).
Bits are Huffman code lengths (float ``[256]``, indexed by symbol) plus the extra bits.
Kernels raise nothing; they are compiled on first use and cached beside this module.
"""

import numba
import numpy as np

_JIT = dict(cache=True, nogil=True)

#: Largest AC level of 8-bit baseline JPEG; DC levels are kept in [MIN_DC, MAX_DC] so that
#: every DC difference fits the 11-bit size category.
MAX_AC = 1023
MIN_DC, MAX_DC = -1024, 1023
INFINITE = 1e300


@numba.njit(inline="always")
def _nbits(value):
    """Size category of ``|value|`` (its number of bits; 0 for 0)."""
    value = abs(value)
    bits = 0
    while value:
        value >>= 1
        bits += 1
    return bits


@numba.njit(**_JIT)
def ac_trellis(coefficients, qtable, zigzag, lambdas, weights, ac_bits, levels, costs):
    """Rate-distortion optimal AC levels of each block for fixed code lengths.

    A dynamic program over zigzag positions (mozjpeg's ``quantize_trellis``): the state
    is the position of the last non-zero level; reaching position ``i`` from ``j`` codes
    the zero run ``i - 1 - j`` (ZRLs for each 16) and a level at ``i``, whose candidates
    are the largest value of each size category below the rounded level's, and the rounded
    level itself (within a size category the nearest value is the cheapest); then the end
    of block is chosen (EOB, or none after position 63). Exact for the given code lengths.

    Args:
        coefficients: float64 ``[N, 64]`` unquantized, natural order, libjpeg scale.
        qtable: int ``[64]`` natural order.
        zigzag: int64 ``[64]`` natural index of each zigzag position.
        lambdas: float64 ``[N]`` per-block distortion weight.
        weights: float64 ``[64]`` per-coefficient distortion weight (natural order).
        ac_bits: float64 ``[256]`` AC code lengths in bits (``>= INFINITE``: no code).
        levels: int32 ``[N, 64]`` output: the AC levels are written (natural order), the
            DC entry is left as it is.
        costs: float64 ``[N]`` output: each block's AC bits plus weighted distortion.
    """
    best = np.empty(64)
    zero_dist = np.empty(64)
    choice = np.zeros(64, dtype=np.int64)
    start = np.zeros(64, dtype=np.int64)
    eob_bits, zrl_bits = ac_bits[0x00], ac_bits[0xF0]
    for b in range(coefficients.shape[0]):
        lam = lambdas[b]
        best[0] = 0.0
        zero_dist[0] = 0.0
        for i in range(1, 64):
            z = zigzag[i]
            x = abs(coefficients[b, z])
            step = 8.0 * qtable[z]
            w = lam * weights[z]
            zero_dist[i] = zero_dist[i - 1] + w * x * x
            best[i] = INFINITE
            rounded = min(int(np.floor(x / step + 0.5)), MAX_AC)
            if rounded == 0:
                continue
            sign = -1 if coefficients[b, z] < 0 else 1
            size_max = _nbits(rounded)
            for j in range(i):
                if j > 0 and best[j] >= INFINITE:
                    continue
                run = i - 1 - j
                base = best[j] + zero_dist[i - 1] - zero_dist[j] + (run >> 4) * zrl_bits
                if base >= best[i]:
                    continue
                for size in range(1, size_max + 1):
                    value = rounded if size == size_max else (1 << size) - 1
                    delta = value * step - x
                    cost = base + ac_bits[((run & 15) << 4) | size] + size + w * delta * delta
                    if cost < best[i]:
                        best[i] = cost
                        choice[i] = sign * value
                        start[i] = j
        last = 0
        total = zero_dist[63] + eob_bits
        for i in range(1, 64):
            if best[i] < INFINITE:
                cost = best[i] + zero_dist[63] - zero_dist[i] + (eob_bits if i < 63 else 0.0)
                if cost < total:
                    total = cost
                    last = i
        costs[b] = total
        for i in range(1, 64):
            levels[b, zigzag[i]] = 0
        i = last
        while i > 0:
            levels[b, zigzag[i]] = choice[i]
            i = start[i]


@numba.njit(**_JIT)
def dc_trellis(dc, qtable0, lambdas, candidates, dc_bits, restart, levels):
    """Rate-distortion optimal DC levels along one chain of DC predictions (Viterbi).

    Each block offers ``candidates`` levels centred on its rounded DC (mozjpeg's
    ``trellis_quant_dc``); consecutive blocks are linked by the bits of their difference,
    and the predictor is 0 where ``restart`` is set.

    Args:
        dc: float64 ``[M]`` unquantized DC coefficients in coding order, libjpeg scale.
        qtable0: the DC table entry.
        lambdas: float64 ``[M]`` per-block distortion weight (times the DC's weight).
        candidates: number of DC levels tried per block (odd).
        dc_bits: float64 ``[12]`` DC code lengths per size category (``>= INFINITE``: none).
        restart: bool ``[M]`` True where the predictor resets to 0 (the chain's start).
        levels: int32 ``[M]`` output.
    Returns:
        The chain's total DC bits plus weighted distortion.
    """
    m = dc.shape[0]
    if m == 0:
        return 0.0
    step = 8.0 * qtable0
    value = np.empty((m, candidates), dtype=np.int64)
    total = np.empty((m, candidates))
    back = np.zeros((m, candidates), dtype=np.int64)
    for b in range(m):
        rounded = int(np.floor(abs(dc[b]) / step + 0.5)) * (-1 if dc[b] < 0 else 1)
        previous_best = 0.0
        if restart[b] and b > 0:
            previous_best = total[b - 1].min()
        for k in range(candidates):
            v = min(max(rounded + k - candidates // 2, MIN_DC), MAX_DC)
            value[b, k] = v
            delta = v * step - dc[b]
            dist = lambdas[b] * delta * delta
            if restart[b]:
                size = _nbits(v)
                total[b, k] = previous_best + dc_bits[size] + size + dist
                back[b, k] = total[b - 1].argmin() if b > 0 else 0
                continue
            total[b, k] = INFINITE
            for j in range(candidates):
                size = _nbits(v - value[b - 1, j])
                cost = total[b - 1, j] + dc_bits[size] + size + dist
                if cost < total[b, k]:
                    total[b, k] = cost
                    back[b, k] = j
    k = total[m - 1].argmin()
    best = total[m - 1, k]
    for b in range(m - 1, -1, -1):
        levels[b] = value[b, k]
        k = back[b, k]
    return best


@numba.njit(**_JIT)
def ssim_sensitivity(planes, taps, c2, rows, cols):
    """Per 8x8 block, the mean over its pixels and the channels of ``1 / (2 s^2 + c2)``,
    ``s^2`` the variance in a separable window ``taps`` (odd length, sums to 1) around each
    pixel, the image's edge samples repeated beyond it.

    Args:
        planes: uint8 ``[C, H, W]`` channels.
        taps: float64 ``[K]`` 1-D window.
        c2: SSIM's constant C2.
        rows, cols: block grid to cover (``8 rows >= H``, ``8 cols >= W``; pixels beyond
            the image repeat its last row and column).
    Returns:
        float64 ``[rows, cols]``.
    """
    channels, h, w = planes.shape
    radius = taps.shape[0] // 2
    height, width = 8 * rows, 8 * cols
    out = np.zeros((rows, cols))
    padded = np.empty((height + 2 * radius, width + 2 * radius))
    first = np.empty((2, height + 2 * radius, width))  # horizontal pass of x and x^2
    m = np.empty((2, width))  # one row of the vertical pass
    for c in range(channels):
        for y in range(height + 2 * radius):
            sy = min(max(y - radius, 0), h - 1)
            for x in range(width + 2 * radius):
                padded[y, x] = planes[c, sy, min(max(x - radius, 0), w - 1)]
        # the tap loops run outside the pixel loops (contiguous rows the compiler
        # vectorizes; each sum still adds its taps in order, so the values do not change)
        for y in range(height + 2 * radius):
            first[:, y] = 0.0
            for k in range(taps.shape[0]):
                t = taps[k]
                for x in range(width):
                    v = padded[y, x + k]
                    first[0, y, x] += t * v
                    first[1, y, x] += t * v * v
        for y in range(height):
            m[:] = 0.0
            for k in range(taps.shape[0]):
                t = taps[k]
                for x in range(width):
                    m[0, x] += t * first[0, y + k, x]
                    m[1, x] += t * first[1, y + k, x]
            for x in range(width):
                out[y // 8, x // 8] += 1.0 / (2.0 * max(m[1, x] - m[0, x] * m[0, x], 0.0) + c2)
    return out / (64.0 * channels)

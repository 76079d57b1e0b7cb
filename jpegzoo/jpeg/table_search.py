"""Rate-distortion optimal quantization tables for one image (RD-OPT).

For a trade-off ``mu`` (bits per unit of squared pixel error), each entry ``q_k`` of a
table minimizes, on its own, ``R_k(q) + mu * D_k(q)`` over the blocks that use the table
(Ratnakar and Livny, "RD-OPT: an efficient algorithm for optimizing DCT quantization
tables", DCC 1995): with a Lagrangian trade-off the 64 positions separate, so the search
is one scan of the candidate steps per position.

* ``D_k(q)``: the squared error of rounding coefficient ``k`` to multiples of ``q``, in
  pixel units (the DCT is orthonormal: the squared error of libjpeg-scale coefficients
  over 64), times each block's weight (how much its component's error counts in the
  tuned distortion, e.g. :func:`jpegzoo.jpeg.trellis.rgb_error_gains`, and any per-block
  weight) and a per-frequency weight.
* ``R_k(q)``: what JPEG's entropy coder pays for the rounded levels, modelled as the
  empirical entropy of their size categories (zero included: it stands for the run
  length and end-of-block codes) plus the magnitude bits; for the DC entry, of the
  differences along each component's chain of blocks, as JPEG codes it.

Departure from RD-OPT: the rate model is the per-position category entropy above (RD-OPT
uses the entropy of the levels themselves), which tracks JPEG's category-based Huffman
coding; the levels that go into the file are chosen afterwards by the trellis
(:mod:`jpegzoo.jpeg.trellis`) with the same ``mu``.

Units: coefficients in libjpeg's scale (8 x the orthonormal DCT,
:func:`jpegzoo.jpeg.coefficients.coefficients`), ``mu`` in bits per unit squared error of
8-bit samples, tables in natural order with entries 1..255 (baseline JPEG's 8-bit tables).
"""

import numba
import numpy as np

#: Candidate steps: every step up to 32, then 40 steps spaced geometrically up to 255.
CANDIDATE_STEPS = np.unique(np.r_[np.arange(1, 33), np.round(np.geomspace(32, 255, 40))]
                            ).astype(np.int64)


#: The search tries every COARSE-th candidate first, then the neighbours of the best.
COARSE = 4


def rd_qtable(blocks, block_weights, mu, frequency_weights=None, chain_starts=None,
              steps=CANDIDATE_STEPS):
    """The table minimizing ``R + mu * D`` (module docstring) for ``blocks``.

    Args:
        blocks: ``[N, 64]`` unquantized coefficients of the blocks that share the table
            (natural order, libjpeg's scale), each component's blocks in coding order.
        block_weights: float ``[N]``: the weight of each block's squared pixel error.
        mu: bits per unit weighted squared error (> 0).
        frequency_weights: float ``[64]`` natural-order weight of each coefficient's
            error (default 1).
        chain_starts: bool ``[N]``: where a DC prediction chain starts (a component's
            first block; default: the first block only).
        steps: int candidate steps, ascending, within 1..255.

    Returns:
        int32 ``[64]`` natural-order table.
    """
    x = np.asarray(blocks, dtype=np.float64).reshape(-1, 64)
    n = x.shape[0]
    x = np.ascontiguousarray(x.T)  # [64, N]: each position's values contiguous
    if not mu > 0:
        raise ValueError(f"mu must be positive, got {mu}")
    weights = np.ascontiguousarray(block_weights, dtype=np.float64).reshape(n) / 64.0
    freq = np.ones(64) if frequency_weights is None else \
        np.ascontiguousarray(frequency_weights, dtype=np.float64).reshape(64)
    starts = np.zeros(n, dtype=np.bool_) if chain_starts is None else \
        np.ascontiguousarray(chain_starts, dtype=np.bool_).reshape(n)
    if n:
        starts[0] = True
    steps = np.ascontiguousarray(steps, dtype=np.int64)
    if steps.min() < 1 or steps.max() > 255:
        raise ValueError("candidate steps must lie in 1..255")
    table = np.empty(64, dtype=np.int32)
    _search(x, weights, float(mu), freq, starts, steps, table)
    return table


@numba.njit(cache=True)
def _size(value):
    """JPEG's size category of an integer: bits of its magnitude (0 for 0)."""
    magnitude = abs(value)
    size = 0
    while magnitude:
        size += 1
        magnitude >>= 1
    return size


@numba.njit(cache=True)
def _category_bits(counts, total):
    """Bits of coding ``total`` symbols with these size-category counts at their
    empirical entropy, plus each symbol's magnitude bits."""
    bits = 0.0
    for size in range(counts.size):
        c = counts[size]
        if c:
            bits += c * (np.log2(total / c) + size)
    return bits


@numba.njit(cache=True)
def _cost(x, k, step, weights, mu, freq, starts, counts):
    """``R + mu * D`` of position ``k`` (``x`` is ``[64, N]``) rounded to ``step``."""
    divisor = 8.0 * step
    counts[:] = 0
    distortion = 0.0
    previous = 0
    for b in range(x.shape[1]):
        value = x[k, b]
        level = int(np.floor(abs(value) / divisor + 0.5))
        if value < 0:
            level = -level
        error = value - divisor * level
        distortion += weights[b] * error * error
        if k == 0:
            if starts[b]:
                previous = 0
            counts[_size(level - previous)] += 1
            previous = level
        else:
            counts[_size(level)] += 1
    return _category_bits(counts, x.shape[1]) + mu * freq[k] * distortion


@numba.njit(cache=True)
def _search(x, weights, mu, freq, starts, steps, table):
    """Per position, the best of every ``COARSE``-th candidate step, then of the
    candidates around it (the cost is unimodal in the step up to noise)."""
    counts = np.zeros(17, dtype=np.int64)
    m = steps.size
    for k in range(64):
        best_cost = np.inf
        best = 0
        for i in range(0, m, COARSE):
            cost = _cost(x, k, steps[i], weights, mu, freq, starts, counts)
            if cost < best_cost:
                best_cost = cost
                best = i
        centre = best
        for i in range(max(0, centre - COARSE + 1), min(m, centre + COARSE)):
            if i % COARSE:
                cost = _cost(x, k, steps[i], weights, mu, freq, starts, counts)
                if cost < best_cost:
                    best_cost = cost
                    best = i
        table[k] = steps[best]

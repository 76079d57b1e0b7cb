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
    """The table minimizing ``R + mu * D`` (module docstring) for ``blocks``; a shorthand
    for ``TableSearch(blocks, block_weights, chain_starts, steps).table(mu,
    frequency_weights)`` (keep the :class:`TableSearch` to search at many ``mu``)."""
    return TableSearch(blocks, block_weights, chain_starts, steps).table(mu, frequency_weights)


class TableSearch:
    """The statistics one table's search needs, gathered once for its blocks; then
    :meth:`table` at any ``mu`` costs a scan over the distinct coefficient magnitudes of
    each position (an AC position's rate and error depend on its magnitudes only: each
    magnitude is kept once with its count and the sum of its blocks' weights), and one
    over the blocks for the DC (its rate depends on the differences along the chain).

    Args:
        blocks: ``[N, 64]`` unquantized coefficients of the blocks that share the table
            (natural order, libjpeg's scale), each component's blocks in coding order.
        block_weights: float ``[N]``: the weight of each block's squared pixel error.
        chain_starts: bool ``[N]``: where a DC prediction chain starts (a component's
            first block; default: the first block only).
        steps: int candidate steps, ascending, within 1..255.
    """

    def __init__(self, blocks, block_weights, chain_starts=None, steps=CANDIDATE_STEPS):
        x = np.asarray(blocks, dtype=np.float64).reshape(-1, 64)
        n = x.shape[0]
        weights = np.asarray(block_weights, dtype=np.float64).reshape(n) / 64.0
        starts = np.zeros(n, dtype=np.bool_) if chain_starts is None else \
            np.array(chain_starts, dtype=np.bool_).reshape(n)
        if n:
            starts[0] = True
        self.steps = np.ascontiguousarray(steps, dtype=np.int64)
        if self.steps.size == 0 or self.steps.min() < 1 or self.steps.max() > 255:
            raise ValueError("candidate steps must lie in 1..255")
        self.dc = np.ascontiguousarray(x[:, 0])
        self.dc_weights = weights
        self.starts = starts
        integral = np.asarray(blocks).dtype.kind in "iu"  # DCT output: count by value
        values, counts, sums, offsets = [], [], [], [0]
        for k in range(1, 64):
            magnitudes, count, total = _histogram(np.abs(x[:, k]), weights, integral)
            values.append(magnitudes)
            counts.append(count)
            sums.append(total)
            offsets.append(offsets[-1] + magnitudes.size)
        self.values = np.concatenate(values) if n else np.zeros(0)
        self.counts = np.concatenate(counts).astype(np.int64) if n else np.zeros(0, np.int64)
        self.sums = np.concatenate(sums) if n else np.zeros(0)
        self.offsets = np.array(offsets, dtype=np.int64)

    def table(self, mu, frequency_weights=None):
        """int32 ``[64]`` natural-order table minimizing ``R + mu * D`` (module docstring).

        Args:
            mu: bits per unit weighted squared error (> 0).
            frequency_weights: float ``[64]`` natural-order weight of each coefficient's
                error (default 1).
        """
        if not mu > 0:
            raise ValueError(f"mu must be positive, got {mu}")
        freq = np.ones(64) if frequency_weights is None else \
            np.ascontiguousarray(frequency_weights, dtype=np.float64).reshape(64)
        table = np.empty(64, dtype=np.int32)
        _search(self.dc, self.dc_weights, self.starts, self.values, self.counts, self.sums,
                self.offsets, float(mu), freq, self.steps, table)
        return table


def _histogram(magnitudes, weights, integral):
    """The distinct values of ``magnitudes`` (ascending), how often each occurs and the sum
    of their ``weights``; ``integral``: whole numbers, counted in place of sorted."""
    if integral and magnitudes.size:
        whole = magnitudes.astype(np.int64)
        count = np.bincount(whole)
        present = np.flatnonzero(count)
        return present.astype(np.float64), count[present], np.bincount(whole, weights)[present]
    values, inverse = np.unique(magnitudes, return_inverse=True)
    return (values, np.bincount(inverse, minlength=values.size),
            np.bincount(inverse, weights, minlength=values.size))


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
def _dc_cost(dc, weights, starts, step, mu, categories):
    """``R + mu * D`` of the DC entry at ``step``: differences along the chains."""
    divisor = 8.0 * step
    categories[:] = 0
    distortion = 0.0
    previous = 0
    for b in range(dc.size):
        value = dc[b]
        level = int(np.floor(abs(value) / divisor + 0.5))
        if value < 0:
            level = -level
        error = value - divisor * level
        distortion += weights[b] * error * error
        if starts[b]:
            previous = 0
        categories[_size(level - previous)] += 1
        previous = level
    return _category_bits(categories, dc.size) + mu * distortion


@numba.njit(cache=True)
def _ac_cost(values, counts, sums, first, last, total, step, mu, categories):
    """``R + mu * D`` of an AC entry at ``step`` from its distinct magnitudes
    ``values[first:last]`` with their counts and weight sums."""
    divisor = 8.0 * step
    categories[:] = 0
    distortion = 0.0
    for i in range(first, last):
        level = int(np.floor(values[i] / divisor + 0.5))
        error = values[i] - divisor * level
        distortion += sums[i] * error * error
        categories[_size(level)] += counts[i]
    return _category_bits(categories, total) + mu * distortion


@numba.njit(cache=True)
def _cost(k, step, dc, weights, starts, values, counts, sums, offsets, mu, freq,
          categories):
    if k == 0:
        return _dc_cost(dc, weights, starts, step, mu * freq[0], categories)
    return _ac_cost(values, counts, sums, offsets[k - 1], offsets[k], dc.size, step,
                    mu * freq[k], categories)


@numba.njit(cache=True)
def _search(dc, weights, starts, values, counts, sums, offsets, mu, freq, steps, table):
    """Per position, the best of every ``COARSE``-th candidate step, then of the
    candidates around it (the cost is unimodal in the step up to noise)."""
    categories = np.zeros(17, dtype=np.int64)
    m = steps.size
    for k in range(64):
        best_cost = np.inf
        best = 0
        for i in range(0, m, COARSE):
            cost = _cost(k, steps[i], dc, weights, starts, values, counts, sums, offsets,
                         mu, freq, categories)
            if cost < best_cost:
                best_cost = cost
                best = i
        centre = best
        for i in range(max(0, centre - COARSE + 1), min(m, centre + COARSE)):
            if i % COARSE:
                cost = _cost(k, steps[i], dc, weights, starts, values, counts, sums,
                             offsets, mu, freq, categories)
                if cost < best_cost:
                    best_cost = cost
                    best = i
        table[k] = steps[best]

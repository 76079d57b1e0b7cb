"""Candidate blocks: plain rounding, rounding plus mutations, and trellis-style truncation.

A *mutation* is an int vector ``m`` of 64 zigzag-ordered steps, *sign-normalized*: it is
applied to a block's rounded levels ``r`` as ``r + s * m`` where ``s`` is the sign of each
unquantized coefficient (+1 for zero). So ``m[k] = -1`` moves coefficient ``k`` one level
towards zero whatever its sign, and ``+1`` one level away from it -- the form in which the
same pattern wins on many different blocks, and the form the mining stores.

Shapes: ``[N, 64]`` int32 blocks (zigzag); candidates ``[N, C, 64]``.
"""

import numpy as np

from jpegzoo.layers.numerics.bit_counter import block_symbols, symbol_costs
from jpegzoo.zoo.mutated_jpeg.reconstruction import round_half_away

#: Largest AC level of baseline JPEG (8-bit samples) and a safe bound for DC levels.
MAX_AC = 1023
MAX_DC = 2047


def round_levels(normalized):
    """JPEG rounding (half away from zero) of coefficient / table, as int32."""
    return round_half_away(normalized).astype(np.int32)


def coefficient_signs(normalized):
    """int8 [N, 64]: the sign of each unquantized coefficient, +1 where it is zero."""
    return np.where(normalized < 0, -1, 1).astype(np.int8)


def clip_levels(levels):
    """Clip to baseline JPEG's codable range (AC |v| <= 1023)."""
    out = np.clip(levels, -MAX_AC, MAX_AC)
    out[..., 0] = np.clip(levels[..., 0], -MAX_DC, MAX_DC)
    return out


def mutated(rounded, signs, mutations):
    """``[N, K, 64]``: each block's rounded levels plus each sign-normalized mutation."""
    steps = signs[:, None, :].astype(np.int32) * mutations[None, :, :].astype(np.int32)
    return clip_levels(rounded[:, None, :] + steps)


def truncated(levels, depth):
    """``[N, depth, 64]``: each block with its last 1..depth non-zero AC levels set to 0
    (the candidates of mozjpeg-style trellis zeroing of the high-frequency tail). Blocks
    with fewer non-zero AC levels repeat their all-AC-zero version."""
    nonzero = levels[:, 1:] != 0
    # rank of each non-zero AC coefficient counted from the end of the block (1 = last)
    from_end = np.cumsum(nonzero[:, ::-1], axis=1)[:, ::-1] * nonzero
    out = np.repeat(levels[:, None, :], depth, axis=1)
    for d in range(1, depth + 1):
        drop = (from_end >= 1) & (from_end <= d)
        out[:, d - 1, 1:][drop] = 0
    return out


def ac_costs(blocks, ac_lengths):
    """Bits of the AC part of each block (float64 [N]) from AC code lengths ``[256]``
    (code lengths plus extra bits, run-length coded with ZRL/EOB; exact for the table the
    lengths come from)."""
    flat = blocks.reshape(-1, 64)
    symbols = block_symbols(flat, flat[:, 0])  # DC difference 0: costs dc_lengths[0] only
    zero_dc = np.zeros(256)
    return symbol_costs(symbols, zero_dc, ac_lengths).reshape(blocks.shape[:-1])

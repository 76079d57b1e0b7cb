"""Exact, vectorized JPEG entropy-coding bit counts for 8x8 blocks (baseline Huffman).

Given quantized blocks in zigzag order, their DC predictors and the Huffman tables, the
number of bits each block occupies in the entropy-coded segment is

    DC:  len(code[s_dc]) + s_dc                          (s = size category of the DC diff)
    AC:  sum over non-zero coefficients of 16-zero runs * len(code[ZRL])
         + len(code[(run % 16) << 4 | s]) + s,  plus len(code[EOB]) if the block
         does not end with a non-zero coefficient at position 63.

Bits are exact: summing them over a scan (plus the pad bits of each restart interval)
gives the scan's length before byte stuffing. The same symbol extraction drives the
bitstream writer in :mod:`jpegzoo.export`, so the counter and the files cannot disagree.
"""

from dataclasses import dataclass

import numpy as np

#: Largest magnitude with a size category in baseline JPEG (DC differences, 11 bits).
MAX_MAGNITUDE = 2047
_SIZE_LUT = np.zeros(MAX_MAGNITUDE + 1, dtype=np.int32)
_SIZE_LUT[1:] = np.floor(np.log2(np.arange(1, MAX_MAGNITUDE + 1))).astype(np.int32) + 1

EOB = 0x00
ZRL = 0xF0


def size_category(values):
    """JPEG magnitude category (number of bits of |v|; 0 for 0) of int values |v| <= 2047."""
    values = np.asarray(values)
    if values.dtype.kind != "i" or values.itemsize < 4:
        values = values.astype(np.int64)
    magnitude = np.abs(values)
    if magnitude.size and magnitude.max() > MAX_MAGNITUDE:
        raise ValueError(f"coefficient magnitude {int(magnitude.max())} exceeds baseline "
                         f"JPEG's range (DC differences up to {MAX_MAGNITUDE}, AC up to 1023)")
    return _SIZE_LUT[magnitude]


def extra_bits(values, sizes):
    """The ``size`` extra bits that follow a code: v for v > 0, v + 2^s - 1 for v < 0."""
    values = np.asarray(values)
    if values.dtype.kind != "i" or values.itemsize < 4:
        values = values.astype(np.int64)
    return np.where(values < 0, values + (1 << np.asarray(sizes, values.dtype)) - 1, values)


@dataclass
class BlockSymbols:
    """Huffman symbols of N blocks, in stream order within each block.

    Attributes:
        dc_diff: int64 [N] DC differences (coefficient minus predictor).
        dc_size: int32 [N] their size categories (the DC symbols).
        ac_block: int64 [M] block index of each non-zero AC coefficient (ascending).
        ac_position: int64 [M] its zigzag position 1..63.
        ac_value: int64 [M] its value.
        ac_size: int32 [M] its size category 1..10.
        ac_zrl: int64 [M] number of ZRL symbols (16 zeros) emitted before it.
        ac_symbol: int32 [M] its AC symbol ``(run % 16) << 4 | size``.
        eob: bool [N] whether the block ends with an EOB symbol.
    """

    dc_diff: np.ndarray
    dc_size: np.ndarray
    ac_block: np.ndarray
    ac_position: np.ndarray
    ac_value: np.ndarray
    ac_size: np.ndarray
    ac_zrl: np.ndarray
    ac_symbol: np.ndarray
    eob: np.ndarray

    @property
    def num_blocks(self):
        return self.dc_diff.shape[0]


def block_symbols(zigzag_blocks, dc_predictors):
    """Extract the Huffman symbols of blocks.

    Args:
        zigzag_blocks: int [N, 64] quantized coefficients in zigzag order.
        dc_predictors: int [N] (or scalar) DC value each block's DC is coded against.
    """
    zz = np.ascontiguousarray(zigzag_blocks)
    if zz.ndim != 2 or zz.shape[1] != 64:
        raise ValueError(f"expected blocks of shape [N, 64], got {zz.shape}")
    dc_diff = zz[:, 0].astype(np.int64) - np.asarray(dc_predictors, dtype=np.int64)
    index_type = np.int32 if zz.size < 2**31 else np.int64  # halves memory traffic
    flat = np.flatnonzero(zz).astype(index_type)
    flat = flat[(flat & 63) != 0]  # non-zero AC coefficients, in stream order
    ac_block = flat >> 6
    position = flat & 63
    ac_value = zz.ravel()[flat]
    previous = np.zeros_like(position)
    if position.size:
        previous[1:] = np.where(ac_block[1:] == ac_block[:-1], position[:-1], 0)
    run = position - previous - 1
    ac_size = size_category(ac_value)
    if ac_size.size and ac_size.max() > 10:
        raise ValueError("AC coefficient magnitude exceeds 1023 (not codable in baseline JPEG)")
    last = np.zeros(zz.shape[0], dtype=index_type)
    last[ac_block] = position  # ascending order: the last write per block wins
    return BlockSymbols(
        dc_diff=dc_diff, dc_size=size_category(dc_diff), ac_block=ac_block,
        ac_position=position, ac_value=ac_value, ac_size=ac_size, ac_zrl=run >> 4,
        ac_symbol=(run & 15) << 4 | ac_size, eob=last < 63)


def _per_block_tables(tables, table_ids, n):
    """Normalize a table or a sequence of tables plus per-block ids to (tables, ids[N])."""
    if not isinstance(tables, (list, tuple)):
        return [tables], np.zeros(n, dtype=np.int64)
    if table_ids is None:
        if len(tables) != 1:
            raise ValueError("table_ids is required when several tables are given")
        table_ids = np.zeros(n, dtype=np.int64)
    return list(tables), np.asarray(table_ids, dtype=np.int64)


def symbol_frequencies(symbols, table_ids=None, num_tables=1):
    """DC and AC symbol histograms, int64 ``[num_tables, 256]`` each.

    ``table_ids`` (int [N]) assigns each block to a table (default: all to table 0).
    """
    ids = np.zeros(symbols.num_blocks, dtype=np.int64) if table_ids is None \
        else np.asarray(table_ids, dtype=np.int64)
    ac_ids = ids[symbols.ac_block]
    dc = np.bincount(ids * 256 + symbols.dc_size, minlength=256 * num_tables)
    ac = np.bincount(ac_ids * 256 + symbols.ac_symbol, minlength=256 * num_tables)
    ac = ac.reshape(num_tables, 256)
    ac[:, ZRL] += np.bincount(ac_ids, weights=symbols.ac_zrl, minlength=num_tables).astype(np.int64)
    ac[:, EOB] += np.bincount(ids, weights=symbols.eob, minlength=num_tables).astype(np.int64)
    return dc.reshape(num_tables, 256), ac


def symbol_bits(symbols, dc_tables, ac_tables, table_ids=None):
    """Exact entropy-coded bits per block (int64 [N]) of a :class:`BlockSymbols`.

    ``dc_tables`` / ``ac_tables`` are :class:`~jpegzoo.layers.numerics.huffman.HuffmanTable`
    objects, or sequences of them with ``table_ids`` (int [N]) choosing one per block.
    Raises ValueError if a symbol that occurs has no code in its table.
    """
    n = symbols.num_blocks
    dc_tables, ids = _per_block_tables(dc_tables, table_ids, n)
    ac_tables, _ = _per_block_tables(ac_tables, table_ids, n)
    # Code length plus extra bits per (table, symbol): the size is the DC symbol itself
    # and the low nibble of an AC symbol.
    dc_len = np.stack([t.lengths for t in dc_tables])
    ac_len = np.stack([t.lengths for t in ac_tables])
    dc_index = ids * 256 + symbols.dc_size
    ac_index = ids[symbols.ac_block] * 256 + symbols.ac_symbol
    _require_codes(dc_len, np.bincount(dc_index, minlength=dc_len.size), "DC")
    _require_codes(ac_len, np.bincount(ac_index, minlength=ac_len.size), "AC")
    eob_len = ac_len[ids, EOB]
    _require_special(eob_len[symbols.eob], "EOB (0x00)")
    zrl = np.flatnonzero(symbols.ac_zrl)
    _require_special(ac_len[ids[symbols.ac_block[zrl]], ZRL], "ZRL (0xf0)")
    return _costs(symbols, dc_len, ac_len, ids).astype(np.int64)


def symbol_costs(symbols, dc_lengths, ac_lengths):
    """Bits per block (float64 [N]) of a :class:`BlockSymbols` from code-length arrays.

    ``dc_lengths`` / ``ac_lengths`` are ``[256]`` costs in bits of each symbol's code
    (integers for a real table; any positive numbers for a rate model, e.g. a finite
    cost for symbols a table built from other statistics lacks). Exact when the
    lengths are those of the tables the blocks are coded with; unlike
    :func:`symbol_bits`, nothing is validated.
    """
    dc_len = np.asarray(dc_lengths, dtype=np.float64)[None]
    ac_len = np.asarray(ac_lengths, dtype=np.float64)[None]
    return _costs(symbols, dc_len, ac_len, np.zeros(symbols.num_blocks, dtype=np.int64))


def _costs(symbols, dc_len, ac_len, ids):
    """Per-block bits from code lengths ``[T, 256]`` and per-block table ids."""
    symbol = np.arange(256)
    many = dc_len.shape[0] > 1
    dc_index = ids * 256 + symbols.dc_size if many else symbols.dc_size
    ac_index = ids[symbols.ac_block] * 256 + symbols.ac_symbol if many else symbols.ac_symbol
    bits = (dc_len + symbol).ravel()[dc_index]
    bits = bits + symbols.eob * ac_len[ids, EOB]
    ac_bits = (ac_len + (symbol & 15)).ravel()[ac_index]
    zrl = np.flatnonzero(symbols.ac_zrl)  # rare: only runs of 16 zeros or more
    if zrl.size:
        ac_bits[zrl] += symbols.ac_zrl[zrl] * ac_len[ids[symbols.ac_block[zrl]], ZRL]
    if ac_bits.size:  # per-block sums over the (block-sorted) coefficients
        ends = np.flatnonzero(np.r_[symbols.ac_block[1:] != symbols.ac_block[:-1], True])
        totals = np.cumsum(ac_bits)[ends]
        totals[1:] -= totals[:-1].copy()
        bits[symbols.ac_block[ends]] += totals
    return bits


def _require_codes(lengths, counts, what):
    """Raise if a symbol that occurs (``counts`` > 0) has no code (length 0)."""
    missing = np.flatnonzero((counts > 0) & (lengths.ravel() == 0)) % 256
    if missing.size:
        raise ValueError(f"{what} Huffman table has no code for symbol(s) "
                         f"{', '.join(hex(int(s)) for s in missing[:8])}")


def _require_special(lengths, name):
    """Raise if EOB or ZRL is used but has no code (length 0) in its table."""
    if (lengths == 0).any():
        raise ValueError(f"AC Huffman table has no code for {name}")


def block_bits(zigzag_blocks, dc_predictors, dc_table, ac_table, table_ids=None):
    """Exact entropy-coded bits of each block (int64 [N]).

    Args:
        zigzag_blocks: int [N, 64] quantized coefficients, zigzag order.
        dc_predictors: int [N] or scalar, the predictor of each block's DC (the previous
            block's DC of the same component in scan order, 0 at a scan or restart start).
        dc_table, ac_table: the Huffman tables the blocks are coded with (or sequences of
            tables, with ``table_ids`` int [N] choosing one per block).
    """
    symbols = block_symbols(zigzag_blocks, dc_predictors)
    return symbol_bits(symbols, dc_table, ac_table, table_ids)


def dc_predictors(dc_values, restart_starts=None):
    """DC predictors for blocks of one component listed in scan order.

    Args:
        dc_values: int [N] quantized DC coefficients in scan order.
        restart_starts: optional bool [N], True where a restart interval begins
            (the predictor resets to 0 there).
    Returns:
        int64 [N]: 0 for the first block (and after each restart), else the previous DC.
    """
    dc = np.asarray(dc_values, dtype=np.int64)
    pred = np.zeros_like(dc)
    pred[1:] = dc[:-1]
    if restart_starts is not None:
        pred[np.asarray(restart_starts, dtype=bool)] = 0
    return pred

"""Entropy-coded data of a baseline JPEG scan (ITU-T T.81 F.2): unstuffing, restart
intervals and Huffman decoding of every block, with the exact bits each block took.

The work is done by the compiled kernels of :mod:`jpegzoo.jpeg.scan_kernels` (numba):
one pass finds the end of the scan's data and checks its restart markers, a second one
unstuffs it into a byte buffer, and the Huffman decoder (16-bit lookahead tables, one per
Huffman table) writes every block's levels straight into the int32 ``[R, 64]`` array that
holds the scan's components, and its bit count into an int64 array. Nothing is allocated
per block: beyond the levels (256 bytes per block) a scan costs 8 bytes per block of bit
counts, 8 per block of layout (``flat``) and the unstuffed bytes. About 2 ms of decoding
(5 ms of ``read_jpeg``) for a 768x512 4:2:0 quality-75 photograph once compiled; see
``benchmarks/jpeg_reader``.

Every malformed or truncated input raises :class:`ValueError` with a one-line message.
"""

from dataclasses import dataclass

import numpy as np

from jpegzoo.jpeg.markers import RST0
from jpegzoo.jpeg.structure import ceil_div
from jpegzoo.layers.numerics.standard import ZIGZAG

#: Bytes of 1-bits appended after the scan data so a block that runs off the end of its
#: segment can be decoded far enough to be detected (one block is at most 1665 bits).
_TAIL = 260
_ZIGZAG = np.asarray(ZIGZAG, dtype=np.int64)


@dataclass
class DecodedScan:
    """The blocks of one scan, in coding order.

    Attributes:
        levels: int32 ``[R, 64]`` levels (natural order) of the scan's components, one
            after the other: component ``comps[i]``'s row-major grid starts at row
            ``bases[i]``. Blocks the scan does not code are zero.
        bases: list of int, first row of each scan component's grid in ``levels``.
        block_bits: int64 ``[N]`` entropy-coded bits of each block.
        block_comp: int ``[B]`` component index of each block position of an MCU.
        flat: int ``[num_mcus, B]`` flat index of each block into its component's grid.
        num_mcus: MCUs of the scan.
        pad_bits: bits used to byte-align its restart intervals.
        pad_ones: whether all those bits are 1s.
    """

    levels: np.ndarray
    bases: list
    block_bits: np.ndarray
    block_comp: np.ndarray
    flat: np.ndarray
    num_mcus: int
    pad_bits: int
    pad_ones: bool


def decode_scan(parser, comps):
    """Huffman-decode the scan of components ``comps`` (indexes into
    ``parser.components``, whose ``grid`` is set) starting at ``parser.pos`` (a
    :class:`MarkerParser` after an SOS header); returns a :class:`DecodedScan` and leaves
    ``parser.pos`` at the marker ending the scan."""
    # numba (~0.4 s to import) is loaded by the first decode, not by read_header.
    from jpegzoo.jpeg import scan_kernels as kernels

    # Every block takes at least 2 bits; impossible sizes are rejected before allocating.
    buffer, cuts, interval = _entropy_data(parser, comps, kernels, min_block_bits=2)
    num_mcus, block_comp, flat = scan_layout(parser.frame, parser.components, comps)
    flat = np.ascontiguousarray(flat, dtype=np.int64)  # the kernel's one signature

    bases, rows = {}, 0
    for index in comps:
        bases[index] = rows
        rows += int(np.prod(parser.components[index].grid))
    luts, slots = [], {}
    position_dc, position_ac = [], []
    for index in block_comp.tolist():
        td, ta = parser.components[index].tables
        for kind, slot, tables, out in (("dc", td, parser.dc_tables, position_dc),
                                        ("ac", ta, parser.ac_tables, position_ac)):
            if (kind, slot) not in slots:
                slots[kind, slot] = len(luts)
                luts.append(_lookup_table(tables[slot]))
            out.append(slots[kind, slot])
    levels = np.zeros((rows, 64), dtype=np.int32)
    bits = np.empty(num_mcus * len(block_comp), dtype=np.int64)
    status, value, _, pad_bits, pad_ones = kernels.decode_blocks(
        buffer, cuts, np.stack(luts),
        np.array([comps.index(i) for i in block_comp.tolist()], dtype=np.int64),
        np.array(position_dc, dtype=np.int64), np.array(position_ac, dtype=np.int64),
        np.array([bases[i] for i in block_comp.tolist()], dtype=np.int64),
        flat, _ZIGZAG, len(comps), num_mcus, interval, levels, bits)
    if status != kernels.OK:
        raise ValueError(_message(kernels)[status].format(value=int(value)))
    return DecodedScan(levels, [bases[i] for i in comps], bits, block_comp, flat,
                       num_mcus, int(pad_bits), bool(pad_ones))


def _entropy_data(parser, comps, kernels, min_block_bits):
    """The entropy-coded data of the scan of ``comps`` at ``parser.pos``, checked and
    unstuffed: (buffer uint8 with a 0xFF tail, cuts int64 [I + 1] interval offsets, MCUs
    per restart interval); ``parser.pos`` moves to the marker ending the scan. Raises
    ValueError if the data runs to the end of the file, if its restart markers are
    missing, extra or out of sequence, or if it is too short for the scan's blocks at
    ``min_block_bits`` each (checked before anything is allocated)."""
    start = parser.pos
    status, end, kept, restarts, bad_index, bad_marker = kernels.scan_extent(
        parser.array, start)
    if status == kernels.E_NO_END:
        raise ValueError("truncated JPEG: entropy-coded data runs to the end of the "
                         "file (no EOI marker)")
    parser.pos = end
    mcu_rows, mcu_cols = scan_grid(parser.frame, parser.components, comps)
    num_mcus = mcu_rows * mcu_cols
    per_mcu_blocks = 1 if len(comps) == 1 else sum(
        parser.components[i].h * parser.components[i].v for i in comps)
    if min_block_bits * num_mcus * per_mcu_blocks > 8 * kept:
        raise ValueError(f"truncated JPEG: {kept} bytes of entropy-coded "
                         f"data cannot hold {num_mcus * per_mcu_blocks} blocks")
    interval = parser.restart_interval
    num_intervals = ceil_div(num_mcus, interval) if interval else 1
    if restarts + 1 != num_intervals:
        if restarts + 1 < num_intervals:
            raise ValueError(f"corrupt JPEG: scan has {restarts + 1} restart intervals, "
                             f"expected {num_intervals} (truncated or missing RST "
                             f"markers)")
        raise ValueError(f"corrupt JPEG: scan has {restarts + 1} restart intervals, "
                         f"expected {num_intervals} (unexpected RST marker)")
    if bad_index >= 0:
        raise ValueError(f"corrupt JPEG: restart marker RST{bad_marker - RST0} where "
                         f"RST{bad_index % 8} was expected")
    buffer = np.full(kept + _TAIL, 0xFF, dtype=np.uint8)
    cuts = np.empty(restarts + 2, dtype=np.int64)  # interval starts, then the end
    kernels.unstuff(parser.array, start, end, buffer, cuts)
    return buffer, cuts, interval if interval else num_mcus


def decode_progressive_scan(parser, comps, ss, se, ah, al, levels, block_bits):
    """Decode one scan of a progressive file (T.81 G.2) into the components' levels.

    Args:
        parser: the :class:`MarkerParser` after the SOS header (``parser.pos`` at the
            data; moved to the marker ending the scan).
        comps: indexes into ``parser.components`` (whose ``grid`` is set) of the scan.
        ss, se, ah, al: the scan's spectral selection and successive approximation
            (checked by the caller).
        levels, block_bits: dicts component index -> int32 ``[rows * cols, 64]`` levels
            (natural order) and int64 ``[rows * cols]`` bits of each block of its grid,
            updated in place. A component's arrays are allocated (zeros) by its first DC
            scan, once its data is known to hold a bit a block.
    Returns:
        (bits, pad_bits, pad_ones): the scan's entropy-coded bits, its padding bits and
        whether they are all 1s.
    """
    from jpegzoo.jpeg import scan_kernels as kernels

    buffer, cuts, interval = _entropy_data(parser, comps, kernels,
                                           min_block_bits=1 if ss == 0 else 0)
    components = parser.components
    for index in comps:
        if index not in levels:
            size = int(np.prod(components[index].grid))
            levels[index] = np.zeros((size, 64), dtype=np.int32)
            block_bits[index] = np.zeros(size, dtype=np.int64)
    if ss == 0:
        result = _decode_dc(parser, comps, ah, al, buffer, cuts, interval, kernels, levels,
                            block_bits)
    else:
        index = comps[0]
        comp = components[index]
        rows, cols = scan_grid(parser.frame, components, comps)
        bits = block_bits[index]
        before = int(bits.sum())
        status, value, pad, ones = kernels.decode_ac_scan(
            buffer, cuts, _lookup_table(parser.ac_tables[comp.tables[1]]), levels[index],
            cols, comp.grid[1], rows * cols, interval, ss, se, ah, al, _ZIGZAG, bits)
        result = status, value, int(bits.sum()) - before, pad, ones
    status, value, scan_bits, pad, ones = result
    if status != kernels.OK:
        raise ValueError(_message(kernels)[status].format(value=int(value)))
    return scan_bits, int(pad), bool(ones)


def _decode_dc(parser, comps, ah, al, buffer, cuts, interval, kernels, levels, block_bits):
    """A progressive DC scan: values in coding order from the kernel, then each block
    position's values put into (first scan) or OR-ed into (refinement) its component's
    DC levels. Returns (status, value, bits, pad, ones)."""
    num_mcus, block_comp, flat = scan_layout(parser.frame, parser.components, comps)
    luts, slots = [], {}
    for index in block_comp.tolist():
        slot = parser.components[index].tables[0]
        if not ah and slot not in slots:
            slots[slot] = len(luts)
            luts.append(_lookup_table(parser.dc_tables[slot]))
    position_lut = np.array([slots.get(parser.components[i].tables[0], 0)
                             for i in block_comp.tolist()], dtype=np.int64)
    values = np.empty(flat.size, dtype=np.int64)
    bits = np.empty(flat.size, dtype=np.int64)
    status, value, pad, ones = kernels.decode_dc_scan(
        buffer, cuts, np.stack(luts) if luts else np.zeros((1, 1 << 16), np.uint16),
        np.array([comps.index(i) for i in block_comp.tolist()], dtype=np.int64),
        position_lut, len(comps), num_mcus, interval, bool(ah), al, values, bits)
    if status == kernels.OK:
        values = values.reshape(num_mcus, -1)
        for position, index in enumerate(block_comp.tolist()):
            rows = flat[:, position]
            if ah:
                levels[index][rows, 0] |= (values[:, position] << al).astype(np.int32)
            else:
                levels[index][rows, 0] = values[:, position]
            block_bits[index][rows] += bits[position::len(block_comp)]  # rows distinct
    return status, value, int(bits.sum()), pad, ones


def scan_grid(frame, components, comps):
    """(rows, columns) of MCUs of a scan of components ``comps`` (T.81 A.2).

    A single-component scan is non-interleaved: one block per MCU, over that
    component's own ``ceil(height / 8) x ceil(width / 8)`` blocks.
    """
    width, height = frame["width"], frame["height"]
    hmax = max(c.h for c in components)
    vmax = max(c.v for c in components)
    if len(comps) == 1:
        comp = components[comps[0]]
        return (ceil_div(ceil_div(height * comp.v, vmax), 8),
                ceil_div(ceil_div(width * comp.h, hmax), 8))
    return ceil_div(height, 8 * vmax), ceil_div(width, 8 * hmax)


def scan_layout(frame, components, comps):
    """Blocks of one scan.

    Returns ``num_mcus``, ``block_comp`` int [B] (component index of each block
    position in an MCU, B blocks per MCU) and ``flat`` int [num_mcus, B] (flat index
    of each block into its component's row-major ``JpegLevels`` grid).
    """
    mcu_rows, mcu_cols = scan_grid(frame, components, comps)
    my, mx = np.divmod(np.arange(mcu_rows * mcu_cols), mcu_cols)
    interleaved = len(comps) > 1
    block_comp, flats = [], []
    for index in comps:
        comp = components[index]
        v, h = (comp.v, comp.h) if interleaved else (1, 1)
        for vv in range(v):
            for hh in range(h):
                row, col = my * v + vv, mx * h + hh
                flats.append(row * comp.grid[1] + col)
                block_comp.append(index)
    return mcu_rows * mcu_cols, np.array(block_comp), np.stack(flats, axis=1)


def _lookup_table(table):
    """16-bit lookahead table: uint16 [65536] of ``symbol << 5 | length`` (0: no code)."""
    lut = np.zeros(1 << 16, dtype=np.uint16)
    for symbol in table.symbols:
        length, code = int(table.lengths[symbol]), int(table.codes[symbol])
        shift = 16 - length
        lut[code << shift:(code + 1) << shift] = symbol << 5 | length
    return lut


def _message(kernels):
    """Error message of each status code of :func:`scan_kernels.decode_blocks`."""
    truncated = "truncated JPEG: entropy-coded data ends inside a block"
    return {
        kernels.E_TRUNCATED: truncated,
        kernels.E_BAD_DC: "corrupt JPEG: invalid DC Huffman code in scan",
        kernels.E_BAD_AC: "corrupt JPEG: invalid AC Huffman code in scan",
        kernels.E_DC_SIZE: "corrupt JPEG: DC size category {value} > 11",
        kernels.E_AC_BEYOND: "corrupt JPEG: AC coefficient beyond the end of a block",
        kernels.E_AC_SIZE: "corrupt JPEG: AC size category {value} > 10",
        kernels.E_ZRL_BEYOND: "corrupt JPEG: zero run (ZRL) beyond the end of a block",
        kernels.E_AC_SYMBOL: "corrupt JPEG: invalid AC symbol 0x{value:02X}",
        kernels.E_EXTRA: "corrupt JPEG: {value} extra byte(s) of entropy-coded data after "
                         "the last block of a restart interval",
        kernels.E_RANGE: "corrupt JPEG: decoded coefficient out of range",
        kernels.E_EOBRUN: "corrupt JPEG: EOB run goes past the end of its restart "
                          "interval or scan",
        kernels.E_REFINE_SIZE: "corrupt JPEG: AC refinement symbol of size {value} "
                               "(must be 0 or 1)",
    }

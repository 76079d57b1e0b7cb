"""Entropy-coded data of a baseline JPEG scan (ITU-T T.81 F.2): unstuffing, restart
intervals and Huffman decoding of every block, with the exact bits each block took.

Huffman decoding uses a 16-bit lookahead table per Huffman table (next 16 bits -> symbol
and code length) over 32-bit big-endian windows of the unstuffed scan bytes, in a plain
Python loop: roughly 0.06 s for a 768x512 4:2:0 quality-75 photograph, 0.2 s for noise.

Every malformed or truncated input raises :class:`ValueError` with a one-line message.
"""

from dataclasses import dataclass

import numpy as np

from jpegzoo.jpeg.markers import RST0, RST7
from jpegzoo.jpeg.structure import ceil_div
from jpegzoo.layers.numerics.standard import ZIGZAG

#: Bytes of 1-bits appended after the scan data so a block that runs off the end of its
#: segment can be decoded far enough to be detected (one block is at most ~210 bytes).
_TAIL = 260
_ZIGZAG = [int(n) for n in ZIGZAG]


@dataclass
class DecodedScan:
    """The blocks of one scan, in coding order.

    Attributes:
        coefficients: int32 ``[N, 64]`` levels in natural order.
        block_bits: int64 ``[N]`` entropy-coded bits of each block.
        block_comp: int ``[B]`` component index of each block position of an MCU.
        flat: int ``[num_mcus, B]`` flat index of each block into its component's grid.
        num_mcus: MCUs of the scan.
        pad_bits: bits used to byte-align its restart intervals.
        pad_ones: whether all those bits are 1s.
    """

    coefficients: np.ndarray
    block_bits: np.ndarray
    block_comp: np.ndarray
    flat: np.ndarray
    num_mcus: int
    pad_bits: int
    pad_ones: bool


def decode_scan(parser, comps):
    """Huffman-decode the scan of components ``comps`` (indexes into
    ``parser.components``) starting at ``parser.pos`` (a :class:`MarkerParser` after an
    SOS header); returns a :class:`DecodedScan` and leaves ``parser.pos`` at the marker
    ending the scan."""
    buffer, bounds, markers, parser.pos = entropy_segments(parser.data, parser.array,
                                                          parser.pos)
    mcu_rows, mcu_cols = scan_grid(parser.frame, parser.components, comps)
    num_mcus = mcu_rows * mcu_cols
    per_mcu_blocks = 1 if len(comps) == 1 else sum(
        parser.components[i].h * parser.components[i].v for i in comps)
    # Every block takes at least 2 bits; reject impossible sizes before allocating.
    if 2 * num_mcus * per_mcu_blocks > 8 * (len(buffer) - _TAIL):
        raise ValueError(f"truncated JPEG: {len(buffer) - _TAIL} bytes of entropy-coded "
                         f"data cannot hold {num_mcus * per_mcu_blocks} blocks")
    num_mcus, block_comp, flat = scan_layout(parser.frame, parser.components, comps)
    interval = parser.restart_interval
    num_intervals = ceil_div(num_mcus, interval) if interval else 1
    if len(bounds) != num_intervals:
        if len(bounds) < num_intervals:
            raise ValueError(f"corrupt JPEG: scan has {len(bounds)} restart intervals, "
                             f"expected {num_intervals} (truncated or missing RST "
                             f"markers)")
        raise ValueError(f"corrupt JPEG: scan has {len(bounds)} restart intervals, "
                         f"expected {num_intervals} (unexpected RST marker)")
    for k, marker in enumerate(markers):
        if marker != RST0 + k % 8:
            raise ValueError(f"corrupt JPEG: restart marker RST{marker - RST0} where "
                             f"RST{k % 8} was expected")
    words = buffer.astype(np.uint32)
    windows = ((words[:-3] << 24) | (words[1:-2] << 16) | (words[2:-1] << 8)
               | words[3:]).tolist()
    luts = {}
    specs = []
    for index in block_comp.tolist():
        td, ta = parser.components[index].tables
        if ("dc", td) not in luts:
            luts["dc", td] = _lookup_table(parser.dc_tables[td])
        if ("ac", ta) not in luts:
            luts["ac", ta] = _lookup_table(parser.ac_tables[ta])
        specs.append((comps.index(index), luts["dc", td], luts["ac", ta]))
    per_mcu = interval if interval else num_mcus
    blocks, bits, pad_bits, pad_ones = _decode_intervals(
        windows, bounds, specs, len(comps), num_mcus, per_mcu)
    coefficients = np.array(blocks, dtype=np.int64).reshape(num_mcus, len(specs), 64)
    if coefficients.size and np.abs(coefficients).max() >= 2 ** 31:
        raise ValueError("corrupt JPEG: decoded coefficient out of range")
    return DecodedScan(coefficients.reshape(-1, 64).astype(np.int32),
                       np.array(bits, dtype=np.int64), block_comp, flat, num_mcus, pad_bits,
                       pad_ones)


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


def entropy_segments(data, array, start):
    """Unstuff the entropy-coded data after an SOS header.

    Returns (buffer, bounds, markers, end): ``buffer`` the unstuffed bytes of all restart
    intervals followed by ``_TAIL`` 0xFF bytes, ``bounds`` list of (start, end) byte
    ranges of each interval in it, ``markers`` the RST marker code preceding each
    interval after the first, and the position of the marker ending the scan.
    """
    candidates = np.flatnonzero(array[start:] == 0xFF) + start
    drop = np.zeros(len(data) - start, dtype=bool)
    ends, markers = [], []
    end = None
    for f in candidates.tolist():
        if f + 1 >= len(data):
            break
        nxt = data[f + 1]
        if nxt == 0x00:
            drop[f + 1 - start] = True
        elif nxt == 0xFF:
            drop[f - start] = True  # fill byte before a marker
        elif RST0 <= nxt <= RST7:
            drop[f - start:f + 2 - start] = True
            ends.append(f)
            markers.append(nxt)
        else:
            end = f
            break
    if end is None:
        raise ValueError("truncated JPEG: entropy-coded data runs to the end of the "
                         "file (no EOI marker)")
    keep = ~drop[:end - start]
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    cuts = [int(kept_before[e - start]) for e in ends] + [int(kept_before[-1])]
    bounds = list(zip([0] + cuts[:-1], cuts))
    buffer = np.concatenate([array[start:end][keep],
                             np.full(_TAIL, 0xFF, dtype=np.uint8)])
    return buffer, bounds, markers, end


def _lookup_table(table):
    """16-bit lookahead table: list [65536] of ``symbol << 5 | length`` (0: no code)."""
    lut = np.zeros(1 << 16, dtype=np.int64)
    symbols = np.array(table.symbols, dtype=np.int64)
    lengths = table.lengths[symbols].astype(np.int64)
    codes = table.codes[symbols].astype(np.int64)
    for symbol, length, code in zip(symbols.tolist(), lengths.tolist(), codes.tolist()):
        shift = 16 - length
        lut[code << shift:(code + 1) << shift] = symbol << 5 | length
    return lut.tolist()


def _decode_intervals(windows, bounds, specs, num_scan_comps, num_mcus, per_interval):
    """Huffman-decode all blocks of one scan.

    Args:
        windows: list of int, ``windows[p]`` = bytes p..p+3 of the unstuffed buffer as a
            big-endian 32-bit value.
        bounds: list of (start, end) byte ranges of the restart intervals.
        specs: per block position in an MCU, (scan component index, DC lookup table,
            AC lookup table).
        num_scan_comps: number of components in the scan (DC predictors).
        num_mcus, per_interval: MCUs of the scan and per restart interval.
    Returns:
        (blocks, bits, pad_bits, pad_all_ones): ``blocks`` list of N lists of 64 natural-
        order levels, ``bits`` list of N bit counts.
    """
    zigzag = _ZIGZAG
    blocks, bits = [], []
    pad_total, pad_ones = 0, True
    mcu = 0
    for start, end in bounds:
        pos, limit = 8 * start, 8 * end
        pred = [0] * num_scan_comps
        stop = min(num_mcus, mcu + per_interval)
        while mcu < stop:
            for comp, dc_lut, ac_lut in specs:
                begin = pos
                block = [0] * 64
                # DC: size category, then that many extra bits.
                entry = dc_lut[(windows[pos >> 3] >> (16 - (pos & 7))) & 0xFFFF]
                if not entry:
                    _bad_code(pos, limit, "DC")
                pos += entry & 31
                size = entry >> 5
                if size:
                    if size > 11:
                        raise ValueError(f"corrupt JPEG: DC size category {size} > 11")
                    value = (windows[pos >> 3] >> (32 - (pos & 7) - size)) & ((1 << size) - 1)
                    if value < 1 << (size - 1):
                        value -= (1 << size) - 1
                    pos += size
                    pred[comp] += value
                block[0] = pred[comp]
                # AC: (run, size) symbols up to EOB or position 63.
                k = 1
                while k < 64:
                    entry = ac_lut[(windows[pos >> 3] >> (16 - (pos & 7))) & 0xFFFF]
                    if not entry:
                        _bad_code(pos, limit, "AC")
                    pos += entry & 31
                    size = (entry >> 5) & 15
                    run = entry >> 9
                    if size:
                        k += run
                        if k > 63 or size > 10:
                            if pos > limit:
                                _truncated()
                            raise ValueError("corrupt JPEG: AC coefficient beyond the end "
                                             "of a block" if k > 63 else
                                             f"corrupt JPEG: AC size category {size} > 10")
                        value = (windows[pos >> 3] >> (32 - (pos & 7) - size)) & ((1 << size) - 1)
                        if value < 1 << (size - 1):
                            value -= (1 << size) - 1
                        pos += size
                        block[zigzag[k]] = value
                        k += 1
                    elif run == 15:
                        k += 16
                        if k > 64:
                            if pos > limit:
                                _truncated()
                            raise ValueError("corrupt JPEG: zero run (ZRL) beyond the end "
                                             "of a block")
                    elif run == 0:
                        break
                    else:
                        if pos > limit:
                            _truncated()
                        raise ValueError(f"corrupt JPEG: invalid AC symbol 0x{run << 4:02X}")
                if pos > limit:
                    _truncated()
                blocks.append(block)
                bits.append(pos - begin)
            mcu += 1
        pad = limit - pos
        if pad >= 8:
            raise ValueError(f"corrupt JPEG: {pad // 8} extra byte(s) of entropy-coded data "
                             f"after the last block of a restart interval")
        if pad:
            ones = (1 << pad) - 1
            if (windows[pos >> 3] >> (32 - (pos & 7) - pad)) & ones != ones:
                pad_ones = False
        pad_total += pad
    return blocks, bits, pad_total, pad_ones


def _bad_code(pos, limit, kind):
    if pos >= limit:
        _truncated()
    raise ValueError(f"corrupt JPEG: invalid {kind} Huffman code in scan")


def _truncated():
    raise ValueError("truncated JPEG: entropy-coded data ends inside a block")

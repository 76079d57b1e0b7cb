"""Reference baseline-JPEG (JFIF, ITU-T T.81 SOF0) bitstream writer.

Writes a :class:`~jpegzoo.jpeg.structure.JpegLevels` exactly as given: the levels
are entropy coded with Annex K or optimized Huffman tables (DC DPCM, AC run-length with
ZRL and EOB, byte stuffing, optional restart markers). Entropy coding is vectorized in
numpy: symbols and their bit lengths come from :mod:`jpegzoo.layers.numerics.bit_counter`, so the
exact bit counter and the written files agree by construction (and the tests check it).
"""

from dataclasses import dataclass

import numpy as np

from jpegzoo.jpeg.structure import coded_levels, scan_order
from jpegzoo.layers.numerics.bit_counter import (
    EOB,
    ZRL,
    block_symbols,
    dc_predictors,
    extra_bits,
    symbol_bits,
    symbol_frequencies,
)
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES, optimal_table
from jpegzoo.layers.numerics.standard import ZIGZAG

SOI, EOI, APP0, DQT, SOF0, SOF2, DHT, DRI, SOS = (0xD8, 0xD9, 0xE0, 0xDB, 0xC0, 0xC2, 0xC4,
                                                 0xDD, 0xDA)
RST0 = 0xD0


@dataclass
class EncodedScan:
    """The entropy-coded segment and its accounting.

    Attributes:
        data: bytes after stuffing, with RST markers between intervals.
        block_bits: int64 [N] bits of each block in scan order (the exact counter's figure).
        pad_bits: total 1-bits added to byte-align the restart intervals.
        dc_tables, ac_tables: the Huffman tables used, indexed by table class.
    """

    data: bytes
    block_bits: np.ndarray
    pad_bits: int
    dc_tables: list
    ac_tables: list


def write_jpeg(image, optimize=False, restart_interval=0, progressive=False):
    """Serialize ``image`` (:class:`JpegLevels`) to JFIF bytes: baseline sequential
    (SOF0) by default, progressive (SOF2) with ``progressive``.

    Args:
        optimize: build optimal Huffman tables for this image (libjpeg's algorithm)
            instead of the Annex K tables. Progressive files always have optimal tables,
            one set per scan (as libjpeg writes them), whatever ``optimize`` says.
        restart_interval: MCUs per restart interval (0 = no restart markers).
        progressive: False (baseline); True: progressive with libjpeg's default script
            (``jpeg_simple_progression``, byte-identical to libjpeg-turbo); ``"search"``:
            progressive with the script a search over spectral splits and successive
            approximation finds smallest (like mozjpeg's ``optimize_scans``); or a
            sequence of :class:`jpegzoo.jpeg.progressive.Scan` (a script of one's own).
            See :mod:`jpegzoo.jpeg.progressive`.
    """
    if progressive is not False:
        from jpegzoo.jpeg.progressive import write_progressive

        script = None if progressive is True else progressive
        return write_progressive(image, script, restart_interval)
    image.validate()
    if not 0 <= int(restart_interval) <= 65535:
        raise ValueError("restart_interval must be in 0..65535 MCUs")
    scan = encode_scan(image, optimize=optimize, restart_interval=int(restart_interval))
    qtables, table_ids = distinct_qtables(image)
    parts = [marker(SOI), jfif_app0(), dqt(qtables), frame_header(image, table_ids),
             _dht(scan.dc_tables, scan.ac_tables, image)]
    if restart_interval:
        parts.append(segment(DRI, int(restart_interval).to_bytes(2, "big")))
    parts += [_sos(image), scan.data, marker(EOI)]
    return b"".join(parts)


def encode_scan(image, optimize=False, restart_interval=0):
    """Entropy-code all blocks of ``image`` into one interleaved scan (:class:`EncodedScan`)."""
    blocks = scan_blocks(image, restart_interval)
    symbols = block_symbols(blocks.zigzag, blocks.dc_predictors)
    dc_tables, ac_tables = _huffman_tables(symbols, blocks.table_ids, optimize)
    bits = symbol_bits(symbols, dc_tables, ac_tables, blocks.table_ids)
    interval = np.cumsum(blocks.interval_start) - 1
    interval_bits = np.bincount(interval, weights=bits).astype(np.int64)
    pad = (-interval_bits) % 8
    values, lengths = _chunks(symbols, blocks.table_ids, dc_tables, ac_tables, interval, pad)
    packed = _pack_codewords(values, lengths)
    data = _stuff_and_mark(packed, (interval_bits + pad) // 8)
    return EncodedScan(data, bits, int(pad.sum()), dc_tables, ac_tables)


@dataclass
class ScanBlocks:
    """The blocks of a scan in coding order, ready for the bit counter.

    Attributes:
        zigzag: int32 [N, 64] levels in zigzag order.
        dc_predictors: int64 [N] DC each block is coded against (0 after a restart).
        table_ids: int [N] Huffman table class of each block.
        interval_start: bool [N] True for the first block of each restart interval.
    """

    zigzag: np.ndarray
    dc_predictors: np.ndarray
    table_ids: np.ndarray
    interval_start: np.ndarray


def scan_blocks(image, restart_interval=0):
    """:class:`ScanBlocks` of ``image`` (a :class:`JpegLevels`) in coding order."""
    order = scan_order(image)
    zz = _scan_blocks(image, order)
    interval_start = _interval_starts(order.mcu, restart_interval)
    table_ids = np.array([c.table_class for c in image.components])[order.component]
    return ScanBlocks(zz, _dc_predictors(zz[:, 0], order.component, interval_start),
                      table_ids, interval_start)


def _scan_blocks(image, order):
    """Zigzag-ordered blocks [N, 64] in coding order (one gather per component)."""
    zz = np.empty((order.component.size, 64), dtype=np.int32)
    for index in range(len(image.components)):
        mask = order.component == index
        levels = coded_levels(image, index).astype(np.int32, copy=False).ravel()
        zz[mask] = levels[order.flat_index[mask][:, None] * 64 + ZIGZAG[None, :]]
    return zz


def _interval_starts(mcu, restart_interval):
    """bool [N]: True for the first block of each restart interval (and of the scan)."""
    starts = np.zeros(mcu.size, dtype=bool)
    starts[0] = True
    first_of_mcu = np.ones(mcu.size, dtype=bool)
    first_of_mcu[1:] = mcu[1:] != mcu[:-1]
    if restart_interval:
        starts |= first_of_mcu & (mcu % restart_interval == 0)
    return starts


def _dc_predictors(dc, component, interval_start):
    """Per block, the previous DC of the same component, 0 after a scan/restart start."""
    pred = np.zeros(dc.shape, dtype=np.int64)
    interval = np.cumsum(interval_start)
    for index in np.unique(component):
        where = np.nonzero(component == index)[0]
        restart = np.r_[True, interval[where[1:]] != interval[where[:-1]]]
        pred[where] = dc_predictors(dc[where], restart)
    return pred


def _huffman_tables(symbols, table_ids, optimize):
    """Annex K tables, or libjpeg-style optimal tables from this scan's statistics."""
    if not optimize:
        return list(STD_DC_TABLES), list(STD_AC_TABLES)
    dc_freq, ac_freq = symbol_frequencies(symbols, table_ids, 2)
    return [optimal_table(f) for f in dc_freq], [optimal_table(f) for f in ac_freq]


def _chunks(symbols, table_ids, dc_tables, ac_tables, interval, pad):
    """All codewords of the scan in stream order as (value uint64, length) pairs.

    Each block contributes: DC code+bits, then per non-zero AC its ZRLs and code+bits,
    then EOB if needed; each interval ends with its 1-bit padding. Positions are computed
    arithmetically so no sort is needed.
    """
    n = symbols.num_blocks
    dc_code = np.stack([t.codes for t in dc_tables]).astype(np.uint32)
    dc_len = np.stack([t.lengths for t in dc_tables]).astype(np.int32)
    ac_code = np.stack([t.codes for t in ac_tables]).astype(np.uint32)
    ac_len = np.stack([t.lengths for t in ac_tables]).astype(np.int32)
    ac_ids = table_ids[symbols.ac_block]

    per_ac = symbols.ac_zrl + 1
    ac_chunks = np.bincount(symbols.ac_block, weights=per_ac, minlength=n).astype(np.int64)
    last_in_interval = np.ones(n, dtype=bool)
    last_in_interval[:-1] = interval[1:] != interval[:-1]
    count = 1 + ac_chunks + symbols.eob + last_in_interval
    start = np.cumsum(count) - count
    ac_offset = np.cumsum(per_ac) - per_ac
    ac_offset -= (np.cumsum(ac_chunks) - ac_chunks)[symbols.ac_block]
    ac_pos = start[symbols.ac_block] + 1 + ac_offset + symbols.ac_zrl

    values = np.zeros(int(count.sum()), dtype=np.uint32)  # codewords have <= 27 bits
    lengths = np.zeros(values.size, dtype=np.int32)

    def put(pos, code, code_len, size=None, value=None):
        if size is None:
            values[pos], lengths[pos] = code, code_len
            return
        bits = extra_bits(value, size).astype(np.uint32)
        values[pos] = (code << size.astype(np.uint32)) | bits
        lengths[pos] = code_len + size

    put(start, dc_code[table_ids, symbols.dc_size], dc_len[table_ids, symbols.dc_size],
        symbols.dc_size, symbols.dc_diff)
    put(ac_pos, ac_code[ac_ids, symbols.ac_symbol], ac_len[ac_ids, symbols.ac_symbol],
        symbols.ac_size, symbols.ac_value)
    owner = np.repeat(np.arange(symbols.ac_zrl.size), symbols.ac_zrl)
    k = np.arange(owner.size) - np.repeat(np.cumsum(symbols.ac_zrl) - symbols.ac_zrl,
                                          symbols.ac_zrl)
    put(ac_pos[owner] - symbols.ac_zrl[owner] + k, ac_code[ac_ids[owner], ZRL],
        ac_len[ac_ids[owner], ZRL])
    eob = np.nonzero(symbols.eob)[0]
    put(start[eob] + 1 + ac_chunks[eob], ac_code[table_ids[eob], EOB],
        ac_len[table_ids[eob], EOB])
    ends = np.nonzero(last_in_interval)[0]
    put(start[ends] + count[ends] - 1, (np.uint32(1) << pad.astype(np.uint32)) - np.uint32(1),
        pad)
    return values, lengths


def _pack_codewords(values, lengths):
    """Concatenate codewords MSB-first into bytes (uint8 array; total length % 8 == 0).

    Each codeword (at most 27 bits) is shifted into a 64-bit big-endian window that starts
    at the byte holding its first bit; codewords never overlap, so the windows' bytes can
    be summed into the output with ``bincount``.
    """
    first_bit = np.cumsum(lengths, dtype=np.int64) - lengths
    num_bytes = int(first_bit[-1] + lengths[-1]) // 8 if values.size else 0
    shift = (64 - (first_bit % 8) - lengths).astype(np.uint64)
    window = values.astype(np.uint64) << shift
    first_byte = first_bit // 8
    out = np.zeros(num_bytes + 8, dtype=np.float64)
    for k in range(5):  # a <= 27-bit codeword starting at bit offset <= 7 spans <= 5 bytes
        byte = (window >> np.uint64(56 - 8 * k)) & np.uint64(0xFF)
        out += np.bincount(first_byte + k, weights=byte.astype(np.float64), minlength=out.size)
    return out[:num_bytes].astype(np.uint8)


def _stuff_and_mark(data, interval_bytes):
    """Insert 0x00 after every 0xFF and an RSTn marker between restart intervals."""
    ff = np.nonzero(data == 0xFF)[0]
    boundaries = np.cumsum(interval_bytes)[:-1]
    k = np.arange(boundaries.size)
    # (position in the unstuffed data, rank among insertions at that position, byte)
    pos = np.concatenate([ff + 1, boundaries, boundaries]).astype(np.int64)
    rank = np.concatenate([np.zeros(ff.size, np.int64), np.ones(k.size, np.int64),
                           np.full(k.size, 2, np.int64)])
    byte = np.concatenate([np.zeros(ff.size, np.uint8), np.full(k.size, 0xFF, np.uint8),
                           (RST0 + k % 8).astype(np.uint8)])
    order = np.lexsort((rank, pos))
    pos, byte = pos[order], byte[order]
    out = np.empty(data.size + pos.size, dtype=np.uint8)
    out[np.arange(data.size) + np.searchsorted(pos, np.arange(data.size), side="right")] = data
    out[pos + np.arange(pos.size)] = byte
    return out.tobytes()


def marker(code):
    """The two bytes of marker ``code`` (0xFF, code)."""
    return bytes([0xFF, code])


def segment(code, payload):
    """A marker segment: marker ``code``, 16-bit length, ``payload`` (bytes)."""
    return marker(code) + (len(payload) + 2).to_bytes(2, "big") + payload


def jfif_app0(units=0, x_density=1, y_density=1):
    """The JFIF 1.01 APP0 segment libjpeg writes (no thumbnail); ``units`` 0 (aspect
    ratio only), 1 (dots per inch) or 2 (dots per cm) of the two densities."""
    return segment(APP0, b"JFIF\x00\x01\x01" + bytes([units]) + x_density.to_bytes(2, "big")
                   + y_density.to_bytes(2, "big") + b"\x00\x00")


def distinct_qtables(image):
    """Tables to write and the slot of each component: one slot per distinct (Huffman
    class, table) pair, so luminance and chrominance keep separate slots even when their
    tables are equal -- libjpeg's layout (slot 0 luma, 1 chroma)."""
    keys, tables, ids = [], [], []
    for comp in image.components:
        table = tuple(int(x) for x in np.asarray(comp.qtable))
        key = (comp.table_class, table)
        if key not in keys:
            keys.append(key)
            tables.append(table)
        ids.append(keys.index(key))
    if len(tables) > 4:
        raise ValueError("JPEG allows at most 4 quantization tables")
    return tables, ids


def dqt(tables):
    """One DQT segment per table, as libjpeg writes them."""
    return b"".join(segment(DQT, bytes([slot]) + bytes(np.asarray(t, dtype=np.uint8)[ZIGZAG]))
                    for slot, t in enumerate(tables))


def frame_header(image, qtable_ids, code=SOF0):
    """The SOF segment (``code``: SOF0 baseline, SOF2 progressive) of ``image`` whose
    components use quantization table slots ``qtable_ids``."""
    payload = bytes([8]) + image.height.to_bytes(2, "big") + image.width.to_bytes(2, "big")
    payload += bytes([len(image.components)])
    for comp, qid in zip(image.components, qtable_ids):
        h, v = comp.sampling
        payload += bytes([comp.component_id, (h << 4) | v, qid])
    return segment(code, payload)


def _dht(dc_tables, ac_tables, image):
    """One DHT segment per table in libjpeg's order (DC, AC of class 0, then class 1)."""
    segments = []
    for cls in sorted({c.table_class for c in image.components}):
        for table_class, table in ((0, dc_tables[cls]), (1, ac_tables[cls])):
            payload = bytes([(table_class << 4) | cls]) + bytes(table.counts)
            segments.append(segment(DHT, payload + bytes(table.symbols)))
    return b"".join(segments)


def _sos(image):
    payload = bytes([len(image.components)])
    for comp in image.components:
        payload += bytes([comp.component_id, (comp.table_class << 4) | comp.table_class])
    return segment(SOS, payload + bytes([0, 63, 0]))

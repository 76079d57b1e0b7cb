"""Reference baseline-JPEG (JFIF, ITU-T T.81 SOF0) bitstream writer.

Writes a :class:`~jpegzoo.jpeg.structure.JpegLevels` exactly as given: the levels
are entropy coded with Annex K or optimized Huffman tables (DC DPCM, AC run-length with
ZRL and EOB, byte stuffing, optional restart markers) by the compiled coder of
:mod:`jpegzoo.jpeg.entropy_coder`, behind the marker segments libjpeg writes
(:func:`frame_header`). The per-block bits it reports equal those of the exact bit
counter (:mod:`jpegzoo.layers.numerics.bit_counter`) and of the reader (the tests check
both).
"""

from dataclasses import dataclass

import numpy as np

from jpegzoo.jpeg.entropy_coder import ScanCoder, huffman_tables, int16_grids
from jpegzoo.jpeg.structure import coded_levels, scan_order
from jpegzoo.layers.numerics.bit_counter import dc_predictors
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
    restart_interval = _checked(image, restart_interval)
    grids = int16_grids(image)
    dc_tables, ac_tables = huffman_tables(image, grids, optimize, restart_interval)
    coder = ScanCoder(image, dc_tables, ac_tables, restart_interval,
                      prefix=frame_header(image, dc_tables, ac_tables, restart_interval))
    coder.code(grids, 0, image.mcu_grid()[0])
    return coder.finish(suffix=marker(EOI))


def encode_scan(image, optimize=False, restart_interval=0):
    """Entropy-code all blocks of ``image`` into one interleaved scan (:class:`EncodedScan`)."""
    restart_interval = _checked(image, restart_interval)
    grids = int16_grids(image)
    dc_tables, ac_tables = huffman_tables(image, grids, optimize, restart_interval)
    coder = ScanCoder(image, dc_tables, ac_tables, restart_interval, record_bits=True)
    coder.code(grids, 0, image.mcu_grid()[0])
    data = coder.finish()
    return EncodedScan(data, coder.block_bits, coder.pad_bits, dc_tables, ac_tables)


def frame_header(image, dc_tables, ac_tables, restart_interval=0):
    """The bytes of a baseline file before its entropy-coded data, as libjpeg writes them:
    SOI, JFIF APP0, DQT, SOF0, DHT, DRI (if ``restart_interval``) and SOS. Only the size
    and the components' ids, sampling factors, tables and Huffman classes of ``image``
    (a :class:`JpegLevels`) are used."""
    qtables, table_ids = distinct_qtables(image)
    parts = [marker(SOI), jfif_app0(), dqt(qtables), sof_segment(image, table_ids),
             _dht(dc_tables, ac_tables, image)]
    if restart_interval:
        parts.append(segment(DRI, int(restart_interval).to_bytes(2, "big")))
    parts.append(_sos(image))
    return b"".join(parts)


def _checked(image, restart_interval):
    image.validate()
    if not 0 <= int(restart_interval) <= 65535:
        raise ValueError("restart_interval must be in 0..65535 MCUs")
    return int(restart_interval)


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
        levels = coded_levels(image, index).astype(np.int32, copy=False).reshape(-1, 64)
        zz[mask] = levels[order.flat_index[mask]][:, ZIGZAG]  # rows, then the zigzag
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


def sof_segment(image, qtable_ids, code=SOF0):
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

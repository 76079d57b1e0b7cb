"""JPEG parser (ITU-T T.81): read a baseline or progressive file back to its quantized
DCT levels.

This is an independent decoder for what :mod:`jpegzoo.jpeg.writer` writes (and for
any other baseline sequential or progressive Huffman JPEG): :mod:`~jpegzoo.jpeg.markers`
parses the markers, :mod:`~jpegzoo.jpeg.scan_decoder` undoes byte stuffing, checks the
restart markers and Huffman-decodes every block, without sharing code with the writer's
entropy coders. Besides the levels it reports exactly how many entropy-coded bits each
block took, so tests can hold the writer's exact bit counter against it.

* :func:`read_jpeg` -- full decode of a baseline (SOF0), extended sequential (SOF1,
  8-bit: decoded like baseline) or progressive (SOF2) Huffman-coded file to a
  :class:`ParsedJpeg`. Both the usual single interleaved scan and baseline files split
  into several scans (e.g. one non-interleaved scan per component) are supported. The
  scans of a progressive file must form a valid progression (T.81 G.1.1.1: each
  coefficient first coded with Ah = 0, then refined one bit at a time, a component's DC
  before its AC); a file that stops before every coefficient is complete (a truncated
  download) decodes to the levels sent so far, with ``complete`` False.
* :func:`read_header` -- frame information (:class:`JpegInfo`) of any JPEG, including
  progressive, extended and lossless files, without decoding the scans.

Levels are returned in the layout of :class:`~jpegzoo.jpeg.structure.JpegLevels`:
per component an int32 array ``[Hb, Wb, 64]`` in natural order ``8 * v + u`` on the grid
``JpegLevels.block_grid`` defines (``ceil(H/8) x ceil(W/8)`` for a single component, whole
MCUs -- ``mcu_rows * v x mcu_cols * h`` -- for several). Blocks of that grid that the file
does not code (MCU padding of a component coded in a non-interleaved scan) are zero.

Every malformed or truncated input raises :class:`ValueError` with a one-line message.
"""

from dataclasses import dataclass, field

import numpy as np

from jpegzoo.jpeg.markers import (
    FRAME_TYPES,
    SOF2,
    JpegInfo,
    MarkerParser,
    as_bytes,
    read_header,
)
from jpegzoo.jpeg.scan_decoder import decode_progressive_scan, decode_scan
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels, ScanOrder

__all__ = ["FRAME_TYPES", "MAX_BLOCKS", "MAX_SCANS", "JpegInfo", "ParsedJpeg", "ScanHeader",
           "read_header", "read_jpeg"]


@dataclass
class ParsedJpeg:
    """A fully decoded JPEG.

    Attributes:
        levels: :class:`JpegLevels` with each component's levels int32 ``[Hb, Wb, 64]``
            (natural order) on the coded grid (the components of one scan are views of
            one array), its qtable (natural order), sampling, ``table_class`` (the DC
            Huffman table slot its scan uses) and component id.
        info: the frame header (:class:`JpegInfo`).
        restart_interval: MCUs per restart interval of the (first) scan, 0 if none.
        dc_tables, ac_tables: dict Huffman table slot -> :class:`HuffmanTable` as defined
            at the end of the file.
        component_bits: list of int, entropy-coded bits spent on each component's blocks
            (Huffman codes and extra bits; no padding, stuffing or markers).
        scan_bits: total entropy-coded bits of all blocks (= ``block_bits.sum()``).
        pad_bits: total bits used to byte-align restart intervals and scan ends.
        pad_bits_all_ones: whether all those padding bits are 1s, as T.81 F.1.2.3 requires.
        block_bits: int64 ``[N]`` bits of each block, in coding order (progressive: the
            bits each block took over all scans, an EOB run's code counted in the block
            that reads it).
        order: :class:`ScanOrder` of the decoded blocks (``component`` [N],
            ``flat_index`` [N] into the component's row-major ``levels`` grid, ``mcu`` [N]
            MCU number within its scan), in the same order as ``block_bits``. For a
            progressive file: every block of each component's grid, component by
            component in raster order (``mcu`` = ``flat_index``).
        num_scans: number of scans in the file (1 for the usual interleaved baseline file).
        scan_tables: list per component of its (DC slot, AC slot) Huffman table selectors.
        scans: a :class:`ScanHeader` per scan, in file order.
        complete: whether every coefficient of every component was coded to full
            precision (always for a baseline file; a progressive file may stop early).
    """

    levels: JpegLevels
    info: JpegInfo
    restart_interval: int
    dc_tables: dict
    ac_tables: dict
    component_bits: list
    scan_bits: int
    pad_bits: int
    pad_bits_all_ones: bool
    block_bits: np.ndarray
    order: ScanOrder
    num_scans: int = 1
    scan_tables: list = field(default_factory=list)
    scans: list = field(default_factory=list)
    complete: bool = True


@dataclass
class ScanHeader:
    """One scan of a file: its components (ids), spectral selection ``ss..se`` (zigzag
    positions), successive approximation ``ah``/``al`` and entropy-coded bits (no
    padding, stuffing or markers)."""

    component_ids: list
    ss: int
    se: int
    ah: int
    al: int
    bits: int


#: Most 8x8 blocks (all components) of a frame :func:`read_jpeg` decodes by default:
#: 2**24 blocks are 4 GiB of int32 levels (256 bytes a block), a 32768x32768 grey image
#: (16384x16384 4:4:4 is 12.6 M blocks). Larger frames are refused before anything is
#: allocated.
MAX_BLOCKS = 1 << 24
#: Most scans :func:`read_jpeg` decodes: encoders write at most a few dozen (libjpeg's
#: progressive script 10, mozjpeg's searched ones under 20), and each progressive scan
#: costs a pass over its component's blocks, however few bytes it has.
MAX_SCANS = 256


def read_jpeg(data, max_blocks=None):
    """Decode a baseline or progressive JPEG (bytes or a path) to its levels and bit
    accounting.

    Memory: the levels (256 bytes per block, one int32 array per scan, or per component
    of a progressive file), 32 bytes per block of bit counts and coding order, and the
    unstuffed entropy-coded data (at most the file's size) besides the input. Sizes are
    checked before allocating: every block takes at least 2 bits of a baseline scan, and
    at least 1 bit of the progressive DC scan that first codes its component, so a file
    of n bytes allocates at most ~2 KiB of levels per byte (times the ratio of a
    component's grid to the blocks its own DC scan codes, at most 16), and a frame over
    ``max_blocks`` is refused.

    Args:
        data: bytes, or a path to read.
        max_blocks: most 8x8 blocks of the frame (all components, padding blocks of the
            coded grids included); default :data:`MAX_BLOCKS`.
    Returns:
        :class:`ParsedJpeg`.
    Raises:
        ValueError: if the data is not a well-formed sequential (SOF0, SOF1) or
            progressive (SOF2) 8-bit Huffman JPEG (lossless, hierarchical,
            arithmetic-coded and 12-bit files are refused), for truncated files,
            corrupt entropy-coded data, invalid progressions and frames over
            ``max_blocks``.
    """
    return JpegDecoder(as_bytes(data), max_blocks).run(decode=True)


class JpegDecoder(MarkerParser):
    """A :class:`MarkerParser` that decodes every scan and assembles the levels."""

    def __init__(self, data, max_blocks=None):
        super().__init__(data)
        # decoded blocks and accounting, one entry per scan
        self.max_blocks = MAX_BLOCKS if max_blocks is None else max_blocks
        self.levels = None  # per component int32 [Hb, Wb, 64], a view of its scan's array
        self.block_bits = []
        self.order_component = []
        self.order_flat = []
        self.order_mcu = []
        self.pad_bits = 0
        self.pad_ones = True
        self.num_scans = 0
        self.scans = []  # a ScanHeader per scan
        # progressive files: al of each coefficient of each component so far (-1: not
        # coded), and the levels and bits of each component, by component index
        self.progression = None
        self.progressive_levels = {}
        self.progressive_bits = {}

    def scan(self, payload):
        if self.frame is None:
            raise ValueError("corrupt JPEG: SOS marker before the frame header (SOF)")
        if self.num_scans == 0:
            self._first_scan(payload)
        if self.num_scans == MAX_SCANS:
            raise ValueError(f"JPEG with more than {MAX_SCANS} scans refused")
        comps, selectors = self._scan_components(payload)
        ss, se, ah, al = payload[-3], payload[-2], payload[-1] >> 4, payload[-1] & 15
        if len(comps) > 1 and sum(self.components[i].h * self.components[i].v
                                  for i in comps) > 10:
            raise ValueError("corrupt JPEG: more than 10 blocks per MCU")
        if self.progression is not None:
            bits = self._progressive_scan(comps, selectors, ss, se, ah, al)
        else:
            if ss != 0 or se != 63 or ah or al:
                raise ValueError(f"corrupt JPEG: a baseline scan must have Ss=0, Se=63, "
                                 f"Ah=Al=0 (got {ss}, {se}, {ah}, {al})")
            for index, (td, ta) in zip(comps, selectors):
                if self.components[index].coded:
                    raise ValueError(f"corrupt JPEG: component {self.components[index].ident}"
                                     f" is coded in more than one scan of a sequential JPEG")
                self._use_tables(index, td, ta)
            decoded = decode_scan(self, comps)
            self._account(decoded, comps)
            bits = int(decoded.block_bits.sum())
        for index in comps:
            self.components[index].coded = True
        self.scans.append(ScanHeader([self.components[i].ident for i in comps], ss, se, ah,
                                     al, bits))
        self.num_scans += 1

    def _first_scan(self, payload):
        """Frame set-up at the first SOS: header info, block grids, the block limit."""
        self._header_info(payload)
        levels = self._jpeg_levels()
        for index, comp in enumerate(self.components):
            comp.grid = levels.block_grid(index)
        self.levels = [None] * len(self.components)
        if self.frame["marker"] == SOF2:
            self.progression = np.full((len(self.components), 64), -1)
        blocks = sum(c.grid[0] * c.grid[1] for c in self.components)
        if blocks > self.max_blocks:
            raise ValueError(
                f"JPEG too large: {self.frame['width']}x{self.frame['height']} "
                f"frame of {blocks} blocks ({blocks * 256 / 2 ** 20:.0f} MiB of levels), "
                f"over the reader's limit of {self.max_blocks} blocks")

    def _scan_components(self, payload):
        """Component indexes of an SOS segment and their (DC, AC) table selectors."""
        count = payload[0] if payload else 0
        if count < 1 or count > 4 or len(payload) != 4 + 2 * count:
            raise ValueError("corrupt JPEG: malformed SOS segment")
        comps, selectors = [], []
        for k in range(count):
            ident, tables = payload[1 + 2 * k], payload[2 + 2 * k]
            index = next((i for i, c in enumerate(self.components) if c.ident == ident),
                         None)
            if index is None:
                raise ValueError(f"corrupt JPEG: scan refers to component {ident}, which "
                                 f"is not in the frame")
            if index in comps:
                raise ValueError(f"corrupt JPEG: component {ident} appears twice in a scan")
            comps.append(index)
            selectors.append((tables >> 4, tables & 15))
        return comps, selectors

    def _use_tables(self, index, td=None, ta=None):
        """Check the Huffman tables a scan uses (None: not used) and latch the component's
        quantization table at its first scan, as libjpeg does."""
        comp = self.components[index]
        if td is not None and td not in self.dc_tables:
            raise ValueError(f"corrupt JPEG: scan uses undefined DC Huffman table {td}")
        if ta is not None and ta not in self.ac_tables:
            raise ValueError(f"corrupt JPEG: scan uses undefined AC Huffman table {ta}")
        if comp.qtable is None:
            if comp.tq not in self.qtables:
                raise ValueError(f"corrupt JPEG: quantization table {comp.tq} of component "
                                 f"{comp.ident} is not defined before its scan")
            comp.qtable = self.qtables[comp.tq].copy()
        comp.tables = (comp.tables[0] if td is None else td,
                       comp.tables[1] if ta is None else ta)

    def _progressive_scan(self, comps, selectors, ss, se, ah, al):
        """Check a progressive scan's parameters against T.81 G.1.1.1 and the progression
        so far (each coefficient first coded with Ah = 0, then refined one bit at a time,
        AC after DC), then decode it into the components' levels; returns its bits."""
        where = (f"corrupt JPEG: progressive scan (Ss={ss}, Se={se}, Ah={ah}, Al={al}, "
                 f"components {[self.components[i].ident for i in comps]})")
        if (ss == 0 and se != 0) or (ss > 0 and (se < ss or se > 63 or len(comps) != 1)) \
                or al > 13 or (ah and al != ah - 1):
            raise ValueError(f"{where}: invalid parameters")
        for index, (td, ta) in zip(comps, selectors):
            band = self.progression[index, ss:se + 1]
            if ss > 0 and self.progression[index, 0] < 0:
                raise ValueError(f"{where}: AC scan before the component's DC scan")
            if np.any(band != (ah if ah else -1)):
                raise ValueError(f"{where}: coefficients not at the precision it refines")
            band[:] = al
            self._use_tables(index, td if ss == 0 and not ah else None,
                             ta if ss > 0 else None)
        bits, pad, ones = decode_progressive_scan(self, comps, ss, se, ah, al,
                                                  self.progressive_levels,
                                                  self.progressive_bits)
        self.pad_bits += pad
        self.pad_ones &= ones
        return bits

    def _account(self, scan, comps):
        """Keep a decoded scan's levels, blocks and bits."""
        self.pad_bits += scan.pad_bits
        self.pad_ones &= scan.pad_ones
        per_mcu = scan.block_bits.reshape(scan.num_mcus, -1)
        for position, index in enumerate(scan.block_comp.tolist()):
            self.components[index].bits += int(per_mcu[:, position].sum())
        for index, base in zip(comps, scan.bases):
            rows, cols = self.components[index].grid
            # a view of the scan's array: no copy of the levels
            self.levels[index] = scan.levels[base:base + rows * cols].reshape(rows, cols, 64)
        self.block_bits.append(scan.block_bits)
        self.order_component.append(np.tile(scan.block_comp.astype(np.int64),
                                            scan.num_mcus))
        self.order_flat.append(scan.flat.reshape(-1))
        self.order_mcu.append(np.repeat(np.arange(scan.num_mcus, dtype=np.int64),
                                        len(scan.block_comp)))

    def _jpeg_levels(self, levels=None):
        levels = levels or [None] * len(self.components)
        comps = [ComponentLevels(grid, c.qtable, (c.h, c.v), c.tables[0], c.ident)
                 for c, grid in zip(self.components, levels)]
        return JpegLevels(self.frame["width"], self.frame["height"], comps)

    def finish(self):
        if self.frame is None:
            raise ValueError("corrupt JPEG: EOI before the frame header (SOF)")
        if self.num_scans == 0:
            raise ValueError("corrupt JPEG: EOI before the first scan")
        missing = [c.ident for c in self.components if not c.coded]
        if missing:
            raise ValueError(f"truncated JPEG: component(s) {missing} have no scan "
                             f"before EOI")
        if self.progression is not None:
            self._progressive_blocks()
        block_bits = _joined(self.block_bits)
        order = ScanOrder(_joined(self.order_component), _joined(self.order_flat),
                          _joined(self.order_mcu))
        return ParsedJpeg(
            levels=self._jpeg_levels(self.levels), info=self._info(),
            restart_interval=self.first_scan_ri, dc_tables=dict(self.dc_tables),
            ac_tables=dict(self.ac_tables),
            component_bits=[c.bits for c in self.components],
            scan_bits=int(block_bits.sum()), pad_bits=self.pad_bits,
            pad_bits_all_ones=self.pad_ones, block_bits=block_bits, order=order,
            num_scans=self.num_scans, scan_tables=[c.tables for c in self.components],
            scans=self.scans,
            complete=self.progression is None or not self.progression.any())

    def _progressive_blocks(self):
        """Levels, per-component bits and block accounting of a progressive file: every
        block of each component's grid, component by component in raster order."""
        for index, comp in enumerate(self.components):
            rows, cols = comp.grid
            self.levels[index] = self.progressive_levels[index].reshape(rows, cols, 64)
            bits = self.progressive_bits[index]
            comp.bits = int(bits.sum())
            self.block_bits.append(bits)
            self.order_component.append(np.full(bits.size, index, dtype=np.int64))
            self.order_flat.append(np.arange(bits.size, dtype=np.int64))
        self.order_mcu = self.order_flat


def _joined(arrays):
    """One int64 array of ``arrays`` (no copy for a single int64 array)."""
    if len(arrays) == 1:
        return arrays[0].astype(np.int64, copy=False)
    return np.concatenate(arrays).astype(np.int64, copy=False)

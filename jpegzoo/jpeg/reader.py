"""Baseline JPEG parser (ITU-T T.81): read a file back to its quantized DCT levels.

This is an independent decoder for what :mod:`jpegzoo.jpeg.writer` writes (and for
any other baseline sequential JPEG): :mod:`~jpegzoo.jpeg.markers` parses the markers,
:mod:`~jpegzoo.jpeg.scan_decoder` undoes byte stuffing, checks the restart markers and
Huffman-decodes every block, without sharing code with the writer's entropy coder. Besides
the levels it reports exactly how many entropy-coded bits each block took, so tests can
hold the writer's exact bit counter against it.

* :func:`read_jpeg` -- full decode of a baseline (SOF0) file to a :class:`ParsedJpeg`.
  Both the usual single interleaved scan and baseline files split into several scans
  (e.g. one non-interleaved scan per component) are supported.
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

from jpegzoo.jpeg.markers import FRAME_TYPES, JpegInfo, MarkerParser, as_bytes, read_header
from jpegzoo.jpeg.scan_decoder import decode_scan
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels, ScanOrder

__all__ = ["FRAME_TYPES", "MAX_BLOCKS", "JpegInfo", "ParsedJpeg", "read_header", "read_jpeg"]


@dataclass
class ParsedJpeg:
    """A fully decoded baseline JPEG.

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
        block_bits: int64 ``[N]`` bits of each block, in coding order.
        order: :class:`ScanOrder` of the decoded blocks (``component`` [N],
            ``flat_index`` [N] into the component's row-major ``levels`` grid, ``mcu`` [N]
            MCU number within its scan), in the same order as ``block_bits``.
        num_scans: number of scans in the file (1 for the usual interleaved baseline file).
        scan_tables: list per component of its (DC slot, AC slot) Huffman table selectors.
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


#: Most 8x8 blocks (all components) of a frame :func:`read_jpeg` decodes by default:
#: 2**24 blocks are 4 GiB of int32 levels (256 bytes a block), a 32768x32768 grey image
#: (16384x16384 4:4:4 is 12.6 M blocks). Larger frames are refused before anything is
#: allocated.
MAX_BLOCKS = 1 << 24


def read_jpeg(data, max_blocks=None):
    """Decode a baseline JPEG (bytes or a path) to its levels and bit accounting.

    Memory: the levels (256 bytes per block, one int32 array per scan), 32 bytes per block
    of bit counts and coding order, and the unstuffed entropy-coded data (at most the
    file's size) besides the input. Sizes are checked before allocating: every block
    takes at least 2 bits, so a file of n bytes allocates at most ~1 KiB of levels per
    byte, and a frame over ``max_blocks`` is refused.

    Args:
        data: bytes, or a path to read.
        max_blocks: most 8x8 blocks of the frame (all components, padding blocks of the
            coded grids included); default :data:`MAX_BLOCKS`.
    Returns:
        :class:`ParsedJpeg`.
    Raises:
        ValueError: if the data is not a well-formed baseline (SOF0) JPEG, including
            progressive/extended files, truncated files, corrupt entropy-coded data and
            frames over ``max_blocks``.
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

    def scan(self, payload):
        if self.frame is None:
            raise ValueError("corrupt JPEG: SOS marker before the frame header (SOF)")
        if self.num_scans == 0:
            self._header_info(payload)
            levels = self._jpeg_levels()
            for index, comp in enumerate(self.components):
                comp.grid = levels.block_grid(index)
            self.levels = [None] * len(self.components)
            blocks = sum(c.grid[0] * c.grid[1] for c in self.components)
            if blocks > self.max_blocks:
                raise ValueError(
                    f"JPEG too large: {self.frame['width']}x{self.frame['height']} "
                    f"frame of {blocks} blocks ({blocks * 256 / 2 ** 20:.0f} MiB of levels), "
                    f"over the reader's limit of {self.max_blocks} blocks")
        count = payload[0] if payload else 0
        if count < 1 or count > 4 or len(payload) != 4 + 2 * count:
            raise ValueError("corrupt JPEG: malformed SOS segment")
        comps = []
        for k in range(count):
            ident, tables = payload[1 + 2 * k], payload[2 + 2 * k]
            index = next((i for i, c in enumerate(self.components) if c.ident == ident),
                         None)
            if index is None:
                raise ValueError(f"corrupt JPEG: scan refers to component {ident}, which "
                                 f"is not in the frame")
            comp = self.components[index]
            if comp.coded or index in comps:
                raise ValueError(f"corrupt JPEG: component {ident} is coded in more than "
                                 f"one scan of a sequential JPEG")
            td, ta = tables >> 4, tables & 15
            if td not in self.dc_tables:
                raise ValueError(f"corrupt JPEG: scan uses undefined DC Huffman table {td}")
            if ta not in self.ac_tables:
                raise ValueError(f"corrupt JPEG: scan uses undefined AC Huffman table {ta}")
            if comp.tq not in self.qtables:
                raise ValueError(f"corrupt JPEG: quantization table {comp.tq} of component "
                                 f"{ident} is not defined before its scan")
            comp.qtable = self.qtables[comp.tq].copy()
            comp.tables = (td, ta)
            comps.append(index)
        ss, se, ahal = payload[-3], payload[-2], payload[-1]
        if ss != 0 or se != 63 or ahal != 0:
            raise ValueError(f"corrupt JPEG: a baseline scan must have Ss=0, Se=63, "
                             f"Ah=Al=0 (got {ss}, {se}, {ahal >> 4}, {ahal & 15})")
        if count > 1 and sum(self.components[i].h * self.components[i].v
                             for i in comps) > 10:
            raise ValueError("corrupt JPEG: more than 10 blocks per MCU")
        self._account(decode_scan(self, comps), comps)
        for index in comps:
            self.components[index].coded = True
        self.num_scans += 1

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
            num_scans=self.num_scans, scan_tables=[c.tables for c in self.components])


def _joined(arrays):
    """One int64 array of ``arrays`` (no copy for a single int64 array)."""
    if len(arrays) == 1:
        return arrays[0].astype(np.int64, copy=False)
    return np.concatenate(arrays).astype(np.int64, copy=False)

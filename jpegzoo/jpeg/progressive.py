"""Progressive JPEG writer (ITU-T T.81 SOF2, Annex G): the levels of a
:class:`~jpegzoo.jpeg.structure.JpegLevels` sent in several scans.

A progressive file codes each component's coefficients band by band (spectral selection:
a DC scan, then AC scans of zigzag positions ``ss..se`` of one component) and bit plane by
bit plane (successive approximation: a first scan of a band sends the levels shifted right
by ``al``, each refinement scan one more bit). Which scans, in which order, is the
*script*, a list of :class:`Scan`:

* :func:`simple_script` -- libjpeg's default (``jpeg_simple_progression``): 10 scans for
  YCbCr, 6 for grey. With it :func:`write_progressive` writes what libjpeg-turbo writes
  (``cjpeg -progressive``, ``jpegtran -progressive``, Pillow's ``progressive=True``) for
  the same levels, byte for byte.
* ``"search"`` -- the script :func:`jpegzoo.jpeg.scan_search.search_script` finds
  smallest, in the spirit of mozjpeg's ``optimize_scans``.
* any valid script of one's own (:func:`validate_script` says what valid means).

Each scan gets optimal Huffman tables of its own (libjpeg's ``optimize_coding``, which it
forces on for progressive files); the entropy coding is :mod:`.progressive_kernels`'s.
Restart intervals count MCUs of each scan: whole MCUs in an interleaved DC scan, single
blocks in a one-component scan.

Usage::

    data = write_jpeg(levels, progressive=True)        # or "search", or a script
    data = write_progressive(levels, simple_script(3), restart_interval=4)
"""

from dataclasses import dataclass

import numpy as np

from jpegzoo.jpeg.structure import ceil_div, coded_levels, scan_order
from jpegzoo.jpeg.writer import (
    DHT,
    DRI,
    EOI,
    SOF2,
    SOI,
    SOS,
    distinct_qtables,
    dqt,
    jfif_app0,
    marker,
    segment,
    sof_segment,
)
from jpegzoo.layers.numerics.standard import ZIGZAG

_ZIGZAG = np.asarray(ZIGZAG, dtype=np.int64)
#: Largest successive-approximation bit position a script may use (libjpeg's MAX_AH_AL
#: for 8-bit data: levels have at most 11 bits).
MAX_AL = 10


@dataclass(frozen=True)
class Scan:
    """One scan of a progressive script.

    Attributes:
        components: indexes of its components into ``JpegLevels.components``, increasing;
            several only in a DC scan (at most 4).
        ss, se: first and last zigzag position it codes: ``0, 0`` in a DC scan,
            ``1 <= ss <= se <= 63`` in an AC scan.
        ah, al: successive approximation: ``ah = 0`` for the first scan of these
            coefficients, which sends the levels shifted right by ``al``; a refinement
            scan has ``ah`` = the ``al`` of the previous scan of the same coefficients and
            sends bit ``al = ah - 1``.
    """

    components: tuple
    ss: int
    se: int
    ah: int
    al: int

    @property
    def is_dc(self):
        return self.ss == 0


def simple_script(num_components):
    """libjpeg's default progressive script (``jcparam.c`` ``jpeg_simple_progression``)
    for 3 (YCbCr) or 1 (grey) components: DC with one bit held back, a first pass over the
    AC bands at reduced precision, then the refinements."""
    if num_components == 3:
        return [Scan((0, 1, 2), 0, 0, 0, 1), Scan((0,), 1, 5, 0, 2),
                Scan((2,), 1, 63, 0, 1), Scan((1,), 1, 63, 0, 1),
                Scan((0,), 6, 63, 0, 2), Scan((0,), 1, 63, 2, 1),
                Scan((0, 1, 2), 0, 0, 1, 0), Scan((2,), 1, 63, 1, 0),
                Scan((1,), 1, 63, 1, 0), Scan((0,), 1, 63, 1, 0)]
    if num_components == 1:
        return [Scan((0,), 0, 0, 0, 1), Scan((0,), 1, 5, 0, 2), Scan((0,), 6, 63, 0, 2),
                Scan((0,), 1, 63, 2, 1), Scan((0,), 0, 0, 1, 0), Scan((0,), 1, 63, 1, 0)]
    raise ValueError(f"progressive scripts are defined for 1 or 3 components, got "
                     f"{num_components}")


def validate_script(script, num_components):
    """Raise ValueError unless ``script`` (sequence of :class:`Scan`) is a valid
    progression (T.81 G.1.1.1) that codes every coefficient of the ``num_components``
    components to full precision.

    Rules: components increasing and in range, at most 4 in a scan and several only in
    a DC scan; DC scans ``ss = se = 0``, AC scans ``1 <= ss <= se <= 63``; ``al <=``
    :data:`MAX_AL`; a component's DC is coded before its AC; the first scan of a
    coefficient has ``ah = 0``, each later one ``ah`` = the previous ``al`` and
    ``al = ah - 1``; at the end every coefficient has ``al = 0``.
    """
    precision = np.full((num_components, 64), -1)  # al of each coefficient so far
    for number, scan in enumerate(script, 1):
        comps = tuple(scan.components)
        where = f"scan {number} ({_describe(scan)})"
        if not comps or len(comps) > 4 or list(comps) != sorted(set(comps)) \
                or comps[0] < 0 or comps[-1] >= num_components:
            raise ValueError(f"{where}: components must be 1 to 4 distinct indexes in "
                             f"0..{num_components - 1}, increasing")
        if scan.ss == 0 and scan.se != 0:
            raise ValueError(f"{where}: a DC scan codes zigzag position 0 only (se = 0)")
        if scan.ss > 0 and (scan.se < scan.ss or scan.se > 63 or len(comps) != 1):
            raise ValueError(f"{where}: an AC scan has one component and "
                             f"1 <= ss <= se <= 63")
        if not (0 <= scan.al <= MAX_AL and (scan.ah == 0 or scan.al == scan.ah - 1)):
            raise ValueError(f"{where}: need al in 0..{MAX_AL} and ah = 0 or al + 1")
        for comp in comps:
            band = precision[comp, scan.ss:scan.se + 1]
            if scan.ss > 0 and precision[comp, 0] < 0:
                raise ValueError(f"{where}: AC scan of component {comp} before its DC")
            if np.any(band != (scan.ah if scan.ah else -1)):
                raise ValueError(f"{where}: coefficients of component {comp} are not at "
                                 f"the precision this scan refines")
            band[:] = scan.al
    missing = np.argwhere(precision != 0)
    if missing.size:
        comp, k = missing[0]
        raise ValueError(f"script leaves zigzag coefficient {k} of component {comp} "
                         f"{'uncoded' if precision[comp, k] < 0 else 'not fully refined'}")


def _describe(scan):
    return (f"components {list(scan.components)}, Ss-Se {scan.ss}-{scan.se}, "
            f"Ah/Al {scan.ah}/{scan.al}")


def write_progressive(image, script=None, restart_interval=0):
    """Progressive (SOF2) JFIF bytes of ``image`` (:class:`JpegLevels`).

    Args:
        script: sequence of :class:`Scan` (validated), None for :func:`simple_script`,
            or ``"search"`` for the smallest script :mod:`.scan_search` finds.
        restart_interval: MCUs per restart interval of every scan (0: none).
    Raises:
        ValueError: an invalid script, or levels that are not codable: as for baseline
            files (1 or 3 components, tables in 1..255, at most 10 blocks an MCU), and no
            AC level over 1023 nor DC difference over 2047 in magnitude once shifted
            right by its first scan's ``al``.
    """
    image.validate()
    if not 0 <= int(restart_interval) <= 65535:
        raise ValueError("restart_interval must be in 0..65535 MCUs")
    coder = ScanCoder(image, int(restart_interval))
    if isinstance(script, str):
        if script != "search":
            raise ValueError(f"unknown progressive script {script!r} (use 'search')")
        from jpegzoo.jpeg.scan_search import search_script

        scans = search_script(coder)
    else:
        script = simple_script(len(image.components)) if script is None else list(script)
        validate_script(script, len(image.components))
        scans = [coder.code(scan) for scan in script]
    return assemble(image, scans, int(restart_interval))


def recode(data, script=True):
    """The JPEG file ``data`` (baseline or progressive bytes) re-coded as progressive JPEG
    (``script`` as ``write_jpeg``'s ``progressive``: True, ``"search"`` or a list of
    :class:`Scan`), keeping its levels, tables and restart interval: the same pixels.
    Only the coded image is kept (no metadata segments)."""
    from jpegzoo.jpeg.reader import read_jpeg

    parsed = read_jpeg(data)
    return write_progressive(parsed.levels, None if script is True else script,
                             parsed.restart_interval)


def assemble(image, scans, restart_interval=0):
    """The file: JFIF headers, the frame header (SOF2) and the coded scans (list of
    :class:`CodedScan`, each its DHT + SOS + data), with libjpeg's segment order (DRI
    after the first scan's tables)."""
    qtables, table_ids = distinct_qtables(image)
    parts = [marker(SOI), jfif_app0(), dqt(qtables), sof_segment(image, table_ids, SOF2)]
    for number, scan in enumerate(scans):
        parts.append(scan.tables)
        if number == 0 and restart_interval:
            parts.append(segment(DRI, restart_interval.to_bytes(2, "big")))
        parts += [scan.header, scan.data]
    parts.append(marker(EOI))
    return b"".join(parts)


@dataclass
class CodedScan:
    """One scan, coded.

    Attributes:
        scan: the :class:`Scan`.
        tables: its DHT segments (bytes; empty for a DC refinement scan).
        header: its SOS segment.
        data: its entropy-coded data (stuffed, with RST markers).
    """

    scan: Scan
    tables: bytes
    header: bytes
    data: bytes

    @property
    def size(self):
        """Bytes it adds to a file (tables, header and data), as mozjpeg counts scans."""
        return len(self.tables) + len(self.header) + len(self.data)


class ScanCoder:
    """Codes scans of one image: the levels are stacked once (int32 ``[R, 64]``, zigzag
    order: 256 bytes a block), and each component set's coding order (8 bytes a block),
    each scan's tables and each coded scan are kept for the calls that follow (the scan
    search costs many candidates and codes a few)."""

    def __init__(self, image, restart_interval=0):
        from jpegzoo.jpeg import progressive_kernels  # numba: imported on first use

        self.kernels = progressive_kernels
        self.image = image
        self.restart_interval = restart_interval
        grids = [coded_levels(image, i) for i in range(len(image.components))]
        self.bases = np.cumsum([0] + [len(g) for g in grids])[:-1]
        total = sum(len(g) for g in grids)
        self.coefs = np.empty((total, 64), dtype=np.int32)
        self.last = np.empty(total, dtype=np.uint8)  # last non-zero zigzag position
        for base, grid in zip(self.bases, grids):
            end = base + len(grid)
            progressive_kernels.stack_levels(
                np.ascontiguousarray(grid, dtype=np.int32), _ZIGZAG, self.coefs[base:end],
                self.last[base:end])
        self._orders = {}
        self._gathered = {}
        self._coded = {}

    def code(self, scan):
        """The :class:`CodedScan` of ``scan`` (a :class:`Scan` of this image), kept for
        the scans that ask again."""
        if scan not in self._coded:
            self._coded[scan] = self._code(scan)
        return self._coded[scan]

    def _code(self, scan):
        rows, position_comp = self._order(scan.components)
        if scan.is_dc and scan.ah:  # DC refinement: one uncoded bit a block, no table
            out, state = self._buffer(len(rows), self._intervals(scan))
            self.kernels.dc_refine(self.coefs, rows, len(position_comp),
                                   self.restart_interval, scan.al, out, state)
            return CodedScan(scan, b"", self._sos(scan),
                             out[:state[self.kernels.POS]].tobytes())
        run, tables, segments, bits = self._gather(scan)
        out, state = self._buffer(bits, self._intervals(scan))
        self._check(run(False, tables, out, state))
        return CodedScan(scan, segments, self._sos(scan),
                         out[:state[self.kernels.POS]].tobytes())

    def cost(self, scan):
        """A lower bound of the bytes ``scan`` adds to a file (its ``size`` once coded):
        tables, header, its bits rounded up to a byte and RST markers, without the 0x00
        stuffed after each 0xFF and the padding of restart intervals. The gathering pass
        alone."""
        intervals = self._intervals(scan)
        if scan.is_dc and scan.ah:
            bits = len(self._order(scan.components)[0])
            tables = b""
        else:
            _, _, tables, bits = self._gather(scan)
        return len(tables) + len(self._sos(scan)) + ceil_div(bits, 8) + 2 * (intervals - 1)

    def _gather(self, scan):
        """The gathering pass of a Huffman-coded scan and its optimal tables:
        (``run(gather, tables, out, state) -> status``, the tables int64 ``[T, 3, 256]``,
        their DHT segments, the scan's bits). Kept for the scan's emitting pass (6 KiB a
        scan: a search costs ~120 candidates and emits ~10)."""
        rows, position_comp = self._order(scan.components)
        classes = [self.image.components[i].table_class for i in scan.components]
        slots = list(dict.fromkeys(classes))  # Huffman table slots, first use first
        position_table = np.array([slots.index(c) for c in classes], np.int64)[position_comp]
        run = self._kernel(scan, rows, position_comp, position_table)
        if scan in self._gathered:
            return (run, *self._gathered[scan])
        k = self.kernels
        tables = np.zeros((len(slots), 3, 256), dtype=np.int64)
        state = np.zeros(k.STATE_SIZE, dtype=np.int64)
        self._check(run(True, tables, np.zeros(0, np.uint8), state))
        segments = b""
        for index, slot in enumerate(slots):
            counts = np.zeros(16, dtype=np.int64)
            symbols = np.zeros(256, dtype=np.int64)
            n = k.optimal_table(tables[index, k.FREQ], counts, symbols,
                                tables[index, k.LENGTH], tables[index, k.CODE])
            payload = bytes([(int(not scan.is_dc) << 4) | slot]) + bytes(counts.tolist())
            segments += segment(DHT, payload + bytes(symbols[:n].tolist()))
        bits = int((tables[:, k.FREQ] * tables[:, k.LENGTH]).sum()) + int(state[k.EXTRA])
        self._gathered[scan] = tables, segments, bits
        return run, tables, segments, bits

    def _intervals(self, scan):
        """Restart intervals of ``scan``."""
        rows, position_comp = self._order(scan.components)
        mcus = len(rows) // len(position_comp)
        return ceil_div(mcus, self.restart_interval) if self.restart_interval else 1

    def _kernel(self, scan, rows, position_comp, position_table):
        """``run(gather, tables, out, state) -> status`` for ``scan``."""
        k, coefs, interval = self.kernels, self.coefs, self.restart_interval
        if scan.is_dc:
            return lambda *tail: k.dc_first(coefs, rows, position_comp, position_table,
                                            interval, scan.al, *tail)
        kernel = k.ac_refine if scan.ah else k.ac_first
        return lambda *tail: kernel(coefs, rows, self.last, interval, scan.ss, scan.se,
                                    scan.al, *tail)

    def _order(self, components):
        """(rows int64 [N] into ``coefs`` in coding order, position_comp int64 [B]: the
        scan component of each block position of an MCU), cached per component set."""
        components = tuple(components)
        if components not in self._orders:
            order = scan_order(self.image, components)
            per_mcu = 1 if len(components) == 1 else sum(
                int(np.prod(self.image.components[i].sampling)) for i in components)
            position = np.searchsorted(np.array(components), order.component[:per_mcu])
            self._orders[components] = (self.bases[order.component] + order.flat_index,
                                        position.astype(np.int64))
        return self._orders[components]

    def _buffer(self, bits, intervals):
        """An output buffer for ``bits`` of codes: room for stuffing every byte, the
        padding and the RST marker of each interval; and a fresh coder state."""
        return (np.empty(2 * (bits // 8 + intervals) + 2 * intervals + 16, dtype=np.uint8),
                np.zeros(self.kernels.STATE_SIZE, dtype=np.int64))

    def _check(self, status):
        if status == self.kernels.E_DC_SIZE:
            raise ValueError("a DC difference exceeds 2047 (not codable in 8-bit JPEG)")
        if status == self.kernels.E_AC_SIZE:
            raise ValueError("an AC level magnitude exceeds 1023 (not codable in 8-bit JPEG)")

    def _sos(self, scan):
        """SOS segment; unused table selectors are 0, as libjpeg writes them."""
        payload = bytes([len(scan.components)])
        for index in scan.components:
            table = self.image.components[index].table_class
            if scan.is_dc:
                selectors = 0 if scan.ah else table << 4
            else:
                selectors = table
            payload += bytes([self.image.components[index].component_id, selectors])
        return segment(SOS, payload + bytes([scan.ss, scan.se, (scan.ah << 4) | scan.al]))


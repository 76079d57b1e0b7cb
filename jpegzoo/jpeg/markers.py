"""JPEG marker segments (ITU-T T.81 B.2): the frame header, quantization and Huffman tables,
the restart interval, and :func:`read_header` (frame information of any JPEG process
without decoding its scans). The entropy-coded data is :mod:`jpegzoo.jpeg.scan_decoder`'s.

Every malformed or truncated input raises :class:`ValueError` with a one-line message.
"""

import os
from dataclasses import dataclass

import numpy as np

from jpegzoo.layers.numerics.huffman import HuffmanTable
from jpegzoo.layers.numerics.standard import ZIGZAG

SOI, EOI, SOS, DQT, DHT, DRI, DNL = 0xD8, 0xD9, 0xDA, 0xDB, 0xC4, 0xDD, 0xDC
RST0, RST7, TEM = 0xD0, 0xD7, 0x01
SOF0, SOF1, SOF2 = 0xC0, 0xC1, 0xC2

#: Frame markers SOF0..SOF15 (0xC4 DHT, 0xC8 JPG and 0xCC DAC are not frames).
FRAME_TYPES = {
    0xC0: "baseline", 0xC1: "extended", 0xC2: "progressive", 0xC3: "lossless",
    0xC5: "differential-extended", 0xC6: "differential-progressive",
    0xC7: "differential-lossless", 0xC9: "extended-arithmetic",
    0xCA: "progressive-arithmetic", 0xCB: "lossless-arithmetic",
    0xCD: "differential-extended-arithmetic", 0xCE: "differential-progressive-arithmetic",
    0xCF: "differential-lossless-arithmetic",
}
_PROGRESSIVE = {0xC2, 0xC6, 0xCA, 0xCE}


@dataclass
class JpegInfo:
    """Frame-level description of a JPEG file (any process, not only baseline).

    Attributes:
        width, height: image size in pixels.
        num_components: number of components in the frame.
        sampling: list of (h, v) sampling factors per component.
        component_ids: list of component identifiers (SOF ``Ci``).
        qtables: list per component of its quantization table, int32 ``[64]`` natural
            order (8 * v + u), as defined when the first scan starts; None where the
            table is only defined later in the file.
        progressive: whether the frame is progressive (SOF2/6/10/14).
        restart_interval: MCUs per restart interval in effect at the first scan (0: none).
        frame_type: "baseline", "extended", "progressive", "lossless", ... (see
            :data:`FRAME_TYPES`).
        precision: sample precision in bits (8 for baseline, 8 or 12 for extended).
        frame_marker: the SOF marker code (0xC0 for baseline).
    """

    width: int
    height: int
    num_components: int
    sampling: list
    component_ids: list
    qtables: list
    progressive: bool
    restart_interval: int
    frame_type: str
    precision: int = 8
    frame_marker: int = SOF0


def read_header(data):
    """Frame information of a JPEG (bytes or a path) without decoding its scans.

    Works for every JPEG process (baseline, extended, progressive, lossless, ...): the
    markers are parsed up to the first SOS. Raises ValueError on malformed data.
    """
    return MarkerParser(as_bytes(data)).run(decode=False)


def as_bytes(data):
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as handle:
            return handle.read()
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"expected JPEG bytes or a file path, got {type(data).__name__}")


@dataclass
class FrameComponent:
    """One component of the frame header, and what its scans set."""

    ident: int
    h: int
    v: int
    tq: int
    qtable: np.ndarray = None
    grid: tuple = None  # (rows, cols) of its JpegLevels block grid
    coded: bool = False
    tables: tuple = (0, 0)
    bits: int = 0


class MarkerParser:
    """Walks the marker segments of one file (T.81 B.2): tables, restart interval and
    frame header into its attributes. ``run(decode=False)`` stops at the first SOS with
    the frame's :class:`JpegInfo`; with ``decode=True`` each SOS goes to :meth:`scan` and
    EOI to :meth:`finish`, which a decoder (:class:`jpegzoo.jpeg.reader.JpegDecoder`)
    implements."""

    def __init__(self, data):
        self.data = data
        self.array = np.frombuffer(data, dtype=np.uint8)
        self.pos = 0
        self.qtables = {}
        self.dc_tables = {}
        self.ac_tables = {}
        self.restart_interval = 0
        self.frame = None  # dict with marker, precision, height, width
        self.components = []
        self.first_scan_ri = None
        self.header_qtables = None

    # -- byte-level helpers -------------------------------------------------------------

    def _next_marker(self):
        """Read the marker at ``self.pos`` (skipping 0xFF fill bytes); return its code."""
        data = self.data
        if self.pos >= len(data):
            raise ValueError("truncated JPEG: data ends before the EOI marker")
        if data[self.pos] != 0xFF:
            raise ValueError(f"corrupt JPEG: expected a marker at byte {self.pos}, "
                             f"found 0x{data[self.pos]:02X}")
        pos = self.pos + 1
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1
        if pos >= len(data):
            raise ValueError("truncated JPEG: data ends inside a marker")
        code = data[pos]
        if code == 0x00:
            raise ValueError(f"corrupt JPEG: stuffed 0xFF00 outside entropy-coded data "
                             f"at byte {pos - 1}")
        self.pos = pos + 1
        return code

    def _segment(self, code):
        """Payload of the length-prefixed segment starting at ``self.pos``."""
        if self.pos + 2 > len(self.data):
            raise ValueError(f"truncated JPEG: data ends inside the {marker_name(code)} "
                             "segment")
        length = int.from_bytes(self.data[self.pos:self.pos + 2], "big")
        if length < 2:
            raise ValueError(f"corrupt JPEG: {marker_name(code)} segment length {length} < 2")
        end = self.pos + length
        if end > len(self.data):
            raise ValueError(f"truncated JPEG: data ends inside the {marker_name(code)} "
                             "segment")
        payload = self.data[self.pos + 2:end]
        self.pos = end
        return payload

    # -- main loop ------------------------------------------------------------------------

    def run(self, decode):
        data = self.data
        if len(data) < 2 or data[0] != 0xFF or data[1] != SOI:
            raise ValueError("not a JPEG file (missing SOI marker)")
        self.pos = 2
        while True:
            code = self._next_marker()
            if code == EOI:
                if not decode:
                    raise ValueError("corrupt JPEG: EOI before the first scan")
                return self.finish()
            if code == SOI:
                raise ValueError("corrupt JPEG: second SOI marker")
            if RST0 <= code <= RST7:
                raise ValueError(f"corrupt JPEG: RST{code - RST0} marker outside "
                                 f"entropy-coded data")
            if code == TEM:
                continue
            payload = self._segment(code)
            if code in FRAME_TYPES:
                self._sof(code, payload, decode)
            elif code == DQT:
                self._dqt(payload)
            elif code == DHT:
                self._dht(payload)
            elif code == DRI:
                self._dri(payload)
            elif code == DNL:
                raise ValueError("DNL marker (image height defined after the scan) is not "
                                 "supported")
            elif code == SOS:
                if not decode:
                    return self._header_info(payload)
                self.scan(payload)
            # APPn, COM, DAC, JPGn, reserved: skipped

    # -- segments -------------------------------------------------------------------------

    def _dqt(self, payload):
        pos = 0
        while pos < len(payload):
            pq, tq = payload[pos] >> 4, payload[pos] & 15
            if pq > 1 or tq > 3:
                raise ValueError(f"corrupt JPEG: DQT precision/slot byte 0x{payload[pos]:02X}")
            size = 64 * (pq + 1)
            if pos + 1 + size > len(payload):
                raise ValueError("corrupt JPEG: DQT segment shorter than its tables")
            raw = np.frombuffer(payload, dtype=">u2" if pq else np.uint8, count=64,
                                offset=pos + 1)
            table = np.empty(64, dtype=np.int32)
            table[ZIGZAG] = raw
            self.qtables[tq] = table
            pos += 1 + size

    def _dht(self, payload):
        pos = 0
        while pos < len(payload):
            if pos + 17 > len(payload):
                raise ValueError("corrupt JPEG: DHT segment shorter than its tables")
            tc, th = payload[pos] >> 4, payload[pos] & 15
            if tc > 1 or th > 3:
                raise ValueError(f"corrupt JPEG: DHT class/slot byte 0x{payload[pos]:02X}")
            counts = payload[pos + 1:pos + 17]
            total = sum(counts)
            if pos + 17 + total > len(payload):
                raise ValueError("corrupt JPEG: DHT segment shorter than its tables")
            symbols = payload[pos + 17:pos + 17 + total]
            try:
                table = HuffmanTable.from_counts(counts, symbols)
            except ValueError as err:
                raise ValueError(f"corrupt JPEG: invalid {'AC' if tc else 'DC'} Huffman "
                                 f"table {th}: {err}") from None
            (self.ac_tables if tc else self.dc_tables)[th] = table
            pos += 17 + total

    def _dri(self, payload):
        if len(payload) != 2:
            raise ValueError("corrupt JPEG: DRI segment must hold 2 bytes")
        self.restart_interval = int.from_bytes(payload, "big")

    def _sof(self, code, payload, decode):
        if self.frame is not None:
            raise ValueError("corrupt JPEG: more than one frame header (SOF)")
        if decode and code not in (SOF0, SOF1, SOF2):
            raise ValueError(f"{FRAME_TYPES[code]} JPEG not supported: only sequential "
                             f"(SOF0, SOF1) and progressive (SOF2) Huffman-coded files, "
                             f"this file is SOF{code - 0xC0}")
        if len(payload) < 6:
            raise ValueError("corrupt JPEG: SOF segment too short")
        precision, height = payload[0], int.from_bytes(payload[1:3], "big")
        width, count = int.from_bytes(payload[3:5], "big"), payload[5]
        if len(payload) != 6 + 3 * count:
            raise ValueError(f"corrupt JPEG: SOF segment length does not match its "
                             f"{count} components")
        if count == 0:
            raise ValueError("corrupt JPEG: frame has no components")
        if width == 0:
            raise ValueError("corrupt JPEG: image width is 0")
        if height == 0:
            raise ValueError("JPEG height 0 (defined later by a DNL marker) is not supported")
        if decode and precision != 8:
            raise ValueError(f"{precision}-bit JPEG not supported: only 8-bit samples")
        for k in range(count):
            ident, hv, tq = payload[6 + 3 * k:9 + 3 * k]
            h, v = hv >> 4, hv & 15
            if not (1 <= h <= 4 and 1 <= v <= 4):
                raise ValueError(f"corrupt JPEG: sampling factors {h}x{v} of component "
                                 f"{ident} outside 1..4")
            if tq > 3:
                raise ValueError(f"corrupt JPEG: component {ident} uses quantization "
                                 f"table {tq} > 3")
            if any(c.ident == ident for c in self.components):
                raise ValueError(f"corrupt JPEG: component id {ident} appears twice in SOF")
            self.components.append(FrameComponent(ident, h, v, tq))
        self.frame = dict(marker=code, precision=precision, height=height, width=width)

    def _info(self):
        frame = self.frame
        return JpegInfo(
            width=frame["width"], height=frame["height"],
            num_components=len(self.components),
            sampling=[(c.h, c.v) for c in self.components],
            component_ids=[c.ident for c in self.components],
            qtables=self.header_qtables,
            progressive=frame["marker"] in _PROGRESSIVE,
            restart_interval=self.first_scan_ri, frame_type=FRAME_TYPES[frame["marker"]],
            precision=frame["precision"], frame_marker=frame["marker"])

    def _header_info(self, payload):
        if self.frame is None:
            raise ValueError("corrupt JPEG: SOS marker before the frame header (SOF)")
        self.first_scan_ri = self.restart_interval
        self.header_qtables = [
            None if c.tq not in self.qtables else self.qtables[c.tq].copy()
            for c in self.components]
        return self._info()

    def scan(self, payload):  # pragma: no cover - decoders
        """Decode the scan whose SOS header is ``payload`` (``self.pos`` at its data)."""
        raise NotImplementedError

    def finish(self):  # pragma: no cover - decoders
        """The decoded file, at EOI."""
        raise NotImplementedError


def marker_name(code):
    names = {DQT: "DQT", DHT: "DHT", DRI: "DRI", SOS: "SOS", DNL: "DNL", 0xFE: "COM",
             0xCC: "DAC"}
    if code in FRAME_TYPES:
        return f"SOF{code - 0xC0}"
    if 0xE0 <= code <= 0xEF:
        return f"APP{code - 0xE0}"
    return names.get(code, f"0xFF{code:02X}")

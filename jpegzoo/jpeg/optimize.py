"""Lossless re-coding of JPEG files (``jpegzoo optimize``): the same quantized DCT levels,
hence the same decoded pixels, in fewer bytes.

:func:`optimize_jpeg` reads a baseline, extended (8-bit Huffman) or progressive file
(:func:`jpegzoo.jpeg.reader.read_jpeg`) and writes its levels, tables and component ids
again, twice -- progressive with the scan script the search finds smallest
(:mod:`jpegzoo.jpeg.scan_search`, optimal Huffman tables per scan) and baseline with
optimal Huffman tables -- keeping the smaller. The result is never larger than the input:
when re-coding gains nothing, the input's bytes are returned as they are.

What is kept: every level of every block the decoders show (the MCU padding blocks,
which no decoder displays, get libjpeg's cheapest dummy blocks, as jpegtran writes
them); the JFIF density; the metadata :func:`jpegzoo.jpeg.metadata.read_metadata` knows
(EXIF with its orientation, ICC profile, XMP, comment), as ``copy`` says. Other APPn
segments (e.g. IPTC, MPF) are not kept; restart markers only if ``restart_interval``
asks for them (jpegtran's default).

Refused, with a one-line ValueError: arithmetic-coded, lossless, hierarchical and 12-bit
files, files of other than 1 or 3 components, colour files coded as RGB (Adobe
transform 0, or component ids 'R', 'G', 'B' without JFIF: re-coded with a JFIF header
they would decode as YCbCr), and progressive files that never send some coefficients in
full (decoders smooth those; re-coded complete, they would decode differently).
"""

import io
from dataclasses import dataclass

from jpegzoo.jpeg.baseline import fill_dummy_blocks
from jpegzoo.jpeg.metadata import read_metadata, with_metadata
from jpegzoo.jpeg.progressive import ScanCoder, assemble
from jpegzoo.jpeg.reader import read_header, read_jpeg
from jpegzoo.jpeg.scan_search import search_script
from jpegzoo.jpeg.writer import APP0, jfif_app0, write_jpeg


@dataclass(frozen=True)
class Optimized:
    """What :func:`optimize_jpeg` made.

    Attributes:
        data: the output bytes.
        mode: ``"progressive"`` or ``"baseline"`` (the re-coded file), or ``"input"``
            (re-coding gained nothing: ``data`` is the input).
        input_bytes: size of the input.
        recoded_bytes: size of the smallest re-coded file (metadata included), also when
            the input was kept.
        num_scans: scans of ``data``.
    """

    data: bytes
    mode: str
    input_bytes: int
    recoded_bytes: int
    num_scans: int


def optimize_jpeg(data, copy="all", restart_interval=0, parsed=None):
    """Re-code JPEG bytes ``data`` losslessly into the smallest file found.

    Args:
        data: the input JPEG (bytes).
        copy: metadata kept, as ``jpegzoo encode --copy``: ``"all"`` (EXIF, ICC, XMP,
            comment), ``"icc"`` or ``"none"``.
        restart_interval: MCUs per restart interval of the output (0: none).
        parsed: ``read_recodable(data)`` when the caller has it already (its levels are
            re-coded in place: their padding blocks become libjpeg's dummy blocks).
    Returns:
        :class:`Optimized`.
    Raises:
        ValueError: a malformed file, or one of the kinds the module docstring lists.
    """
    data = bytes(data)
    if not 0 <= int(restart_interval) <= 65535:
        raise ValueError("restart_interval must be in 0..65535 MCUs")
    if parsed is None:
        parsed = read_recodable(data)
    levels = parsed.levels
    for index, comp in enumerate(levels.components):
        comp.table_class = 0 if index == 0 else 1  # our own tables: luma 0, chroma 1
        fill_dummy_blocks(levels, index)
    levels.validate()
    coder = ScanCoder(levels, int(restart_interval))
    scans = search_script(coder)
    candidates = [(assemble(levels, scans, int(restart_interval)), "progressive", len(scans))]
    try:
        candidates.append((write_jpeg(levels, optimize=True,
                                      restart_interval=restart_interval), "baseline", 1))
    except ValueError:  # levels only a progressive point transform can code
        pass
    coded, mode, num_scans = min(candidates, key=lambda candidate: len(candidate[0]))
    coded = with_input_metadata(coded, data, copy)
    if len(coded) >= len(data):
        return Optimized(data, "input", len(data), len(coded), parsed.num_scans)
    return Optimized(coded, mode, len(data), len(coded), num_scans)


def read_recodable(data):
    """The :class:`~jpegzoo.jpeg.reader.ParsedJpeg` of JPEG bytes whose levels can be
    written again (see the module docstring); ValueError naming what the file is
    otherwise."""
    info = read_header(data)
    _check_kind(info)
    parsed = read_jpeg(data)
    if not parsed.complete:
        raise ValueError("progressive JPEG whose scans leave some coefficients incomplete "
                         "(decoders smooth them; a complete re-coding would decode "
                         "differently): not re-coded")
    _check_colour(info, _header_segments(data))
    _metadata(data)  # unreadable metadata: refused before any work
    return parsed


def with_input_metadata(coded, data, copy="all"):
    """``coded`` (bytes from :func:`~jpegzoo.jpeg.writer.write_jpeg`) with the input
    ``data``'s JFIF density in place of the writer's APP0, then the input's metadata as
    ``copy`` says."""
    metadata = _metadata(data).selected(copy)
    jfif = _jfif(_header_segments(data))
    return with_metadata(coded[:2] + jfif + coded[2 + len(jfif_app0()):], metadata)


def _check_kind(info):
    """Refuse what cannot be re-coded, with a message naming what the file is."""
    marker = f"SOF{info.frame_marker - 0xC0}"
    if "lossless" in info.frame_type:
        raise ValueError(f"lossless JPEG ({marker}) cannot be re-coded: only DCT-based "
                         f"(lossy) files")
    if "arithmetic" in info.frame_type:
        raise ValueError(f"arithmetic-coded JPEG ({marker}) not supported: only "
                         f"Huffman-coded files")
    if "differential" in info.frame_type:
        raise ValueError(f"hierarchical JPEG ({info.frame_type}, {marker}) not supported")
    if info.precision != 8:
        raise ValueError(f"{info.precision}-bit JPEG not supported: only 8-bit samples")
    if info.num_components not in (1, 3):
        raise ValueError(f"JPEG with {info.num_components} components (CMYK/YCCK or "
                         f"other) not supported: only grey and YCbCr files")


def _header_segments(data):
    """(marker, payload) of the segments before the first SOS (``data`` was parsed)."""
    out, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        code = data[pos + 1]
        if code == 0xFF:  # fill byte
            pos += 1
            continue
        if code == 0xDA:
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        out.append((code, data[pos + 4:pos + 2 + length]))
        pos += 2 + length
    return out


def _check_colour(info, segments):
    """Refuse 3-component files that decoders read as RGB (libjpeg's rules)."""
    if info.num_components != 3:
        return
    if any(code == APP0 and payload.startswith(b"JFIF\0") for code, payload in segments):
        return
    adobe = [payload for code, payload in segments
             if code == 0xEE and payload.startswith(b"Adobe") and len(payload) >= 12]
    rgb = adobe[0][11] == 0 if adobe else info.component_ids == [82, 71, 66]
    if rgb:
        raise ValueError("JPEG coded as RGB (no colour transform) not supported: only "
                         "YCbCr and grey files")


def _jfif(segments):
    """Our JFIF APP0 segment with the input's density (libjpeg's 1:1 if it has none)."""
    for code, payload in segments:
        if code == APP0 and payload.startswith(b"JFIF\0") and len(payload) >= 12:
            return jfif_app0(payload[7], int.from_bytes(payload[8:10], "big") or 1,
                             int.from_bytes(payload[10:12], "big") or 1)
    return jfif_app0()


def _metadata(data):
    try:
        return read_metadata(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError) as error:
        raise ValueError(f"metadata of the JPEG cannot be read ({error})") from None


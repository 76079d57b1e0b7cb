"""Hand-built image files for bad-input tests (valid headers, chosen contents)."""

import struct
import zlib


def png_chunk(kind, payload):
    """One PNG chunk with its length and a correct CRC."""
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def png(width, height, bit_depth=8, colour_type=2, raw=b"\0"):
    """A PNG with a valid IHDR (correct CRC) and an IDAT holding ``raw`` (zlib)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def renamed(data, model_name):
    """The same .jzc file with another model named in its header (checksum recomputed)."""
    from dataclasses import replace

    from jpegzoo.jzc import read_jzc, write_jzc

    return write_jzc(replace(read_jzc(data), model=model_name))

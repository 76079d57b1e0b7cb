"""The ``.jzc`` container of jpegzoo's learned codecs.

Layout (big-endian)::

    magic      8 bytes   89 'J' 'Z' 'C' 0D 0A 1A 0A   (PNG-style: catches text-mode damage)
    version    u8        1
    model      u8 length + ASCII name (zoo name, e.g. "compressive_ae")
    quality    u8        the model's quality level
    width      u32, height u32   (1 .. 65535 each)
    streams    u8 count, then per stream:
                   u8 rank, rank x u32 shape, u32 byte length, the bytes
    checksum   u32       CRC-32 of every byte before it

:func:`read_jzc` refuses, with a ``ValueError`` naming the problem, a file with another
magic, an unknown version, a truncated or over-long file, and any corruption the checksum
catches (every single-byte change and every burst up to 32 bits).

What the streams hold is the codec's business; each codec's ``decompress`` checks, before
it allocates anything the declared sizes scale, that the image is within its
``max_pixels`` (:data:`DEFAULT_MAX_PIXELS`, see :func:`check_pixels`) and that each
stream is long enough for what it must code, and refuses a stream that is not exactly
what its encoder writes (truncated, over-long or damaged) with a ``ValueError``.
"""

import struct
import zlib
from dataclasses import dataclass, field

MAGIC = b"\x89JZC\r\n\x1a\n"
VERSION = 1
MAX_DIMENSION = 65535
#: Largest image (width x height) decoders produce unless told otherwise: 2**23 pixels
#: (8.4 megapixels: 4K UHD, 3840x2160, fits). Decoding takes memory in proportion to the
#: pixels -- measured peaks at 2048x2048 (4.2 megapixels): compressive_ae and gan_ae
#: 4.0 GB, recurrent_residual_ae 2.2 GB, dct_block_ae 1.1 GB -- so the default stays
#: well within a laptop's memory; pass ``max_pixels`` (``jpegzoo decode --max-pixels``)
#: to decode larger files.
DEFAULT_MAX_PIXELS = 2 ** 23


@dataclass(frozen=True)
class Stream:
    """One coded stream: the shape of what it codes (e.g. latents ``[1, h, w, C]``) and
    its bytes."""

    shape: tuple
    data: bytes


@dataclass(frozen=True)
class JzcFile:
    """The contents of a ``.jzc`` file."""

    model: str
    quality: int
    width: int
    height: int
    streams: list = field(default_factory=list)

    def validate(self):
        name = self.model.encode("ascii", errors="replace")
        if not self.model.isascii() or not 0 < len(name) < 256:
            raise ValueError(f"model name must be 1..255 ASCII characters, got {self.model!r}")
        if not 0 <= self.quality <= 255:
            raise ValueError(f"quality level must be in 0..255, got {self.quality}")
        for label, size in (("width", self.width), ("height", self.height)):
            if not 1 <= size <= MAX_DIMENSION:
                raise ValueError(f"image {label} must be in 1..{MAX_DIMENSION}, got {size}")
        if len(self.streams) > 255:
            raise ValueError(f"at most 255 streams, got {len(self.streams)}")
        for stream in self.streams:
            if len(stream.shape) > 255 or any(not 0 <= d < 2 ** 32 for d in stream.shape):
                raise ValueError(f"stream shape {stream.shape} cannot be stored")


def write_jzc(contents):
    """Bytes of a :class:`JzcFile`."""
    contents.validate()
    name = contents.model.encode("ascii")
    parts = [MAGIC, struct.pack(">BB", VERSION, len(name)), name,
             struct.pack(">BIIB", contents.quality, contents.width, contents.height,
                         len(contents.streams))]
    for stream in contents.streams:
        data = bytes(stream.data)
        parts += [struct.pack(f">B{len(stream.shape)}I", len(stream.shape), *stream.shape),
                  struct.pack(">I", len(data)), data]
    body = b"".join(parts)
    return body + struct.pack(">I", zlib.crc32(body))


def check_pixels(width, height, max_pixels=DEFAULT_MAX_PIXELS):
    """ValueError unless a ``width`` x ``height`` image is within ``max_pixels`` (None: no
    limit); decoders call it before any work."""
    if max_pixels is None:
        return
    if isinstance(max_pixels, bool) or int(max_pixels) != max_pixels or max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive integer or None, got {max_pixels!r}")
    if width * height > max_pixels:
        raise ValueError(f"the file declares a {width}x{height} image ({width * height:,} "
                         f"pixels), over the decoding limit of {int(max_pixels):,} pixels "
                         f"(raise it with --max-pixels / max_pixels= if this is intended)")


class _Reader:
    def __init__(self, data):
        self.data, self.position = data, 0

    def take(self, count, what):
        if self.position + count > len(self.data):
            raise ValueError(f"truncated .jzc file: {what} missing (file ends at byte "
                             f"{len(self.data)})")
        chunk = self.data[self.position:self.position + count]
        self.position += count
        return chunk

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))


def read_jzc(data):
    """:class:`JzcFile` from bytes (see the module docstring for what is refused)."""
    data = bytes(data)
    if not data.startswith(MAGIC[:min(len(data), len(MAGIC))]) or not data:
        raise ValueError("not a jpegzoo .jzc file (bad magic number)")
    reader = _Reader(data)
    reader.take(len(MAGIC), "magic number")
    version, name_length = reader.unpack(">BB", "header")
    if version != VERSION:
        raise ValueError(f"unsupported .jzc version {version} (this jpegzoo reads {VERSION})")
    name = reader.take(name_length, "model name")
    quality, width, height, count = reader.unpack(">BIIB", "header")
    streams = []
    for index in range(count):
        (rank,) = reader.unpack(">B", f"stream {index}")
        shape = reader.unpack(f">{rank}I", f"stream {index} shape")
        (length,) = reader.unpack(">I", f"stream {index} length")
        streams.append(Stream(tuple(shape), reader.take(length, f"stream {index} data")))
    (checksum,) = reader.unpack(">I", "checksum")
    if reader.position != len(data):
        raise ValueError(f"corrupt .jzc file: {len(data) - reader.position} unexpected bytes "
                         f"after the checksum")
    if zlib.crc32(data[:-4]) != checksum:
        raise ValueError("corrupt .jzc file: checksum mismatch")
    try:
        model = name.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("corrupt .jzc file: model name is not ASCII") from None
    contents = JzcFile(model, quality, width, height, streams)
    contents.validate()
    return contents

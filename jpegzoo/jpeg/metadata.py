"""Metadata segments of JPEG files: EXIF (APP1), XMP (APP1), ICC profiles (APP2, split into
chunks as ICC.1 Annex B.4 says) and comments (COM), inserted into any JPEG stream after its
SOI and JFIF (APP0) segments -- what ``cjpeg``/``jpegtran -copy all`` users expect to keep.

:class:`ImageMetadata` holds what :func:`read_metadata` finds in an input
image; :func:`with_metadata` returns the JPEG bytes with those segments. The coded image
(the scans and the tables) is not touched, so the decoded pixels stay the same.
"""

import warnings
from dataclasses import dataclass

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
#: Largest payload of one marker segment (its 16-bit length counts itself).
MAX_SEGMENT = 65533
#: What ``--copy`` keeps: every kind, the colour profile only, or nothing.
COPY_CHOICES = ("all", "icc", "none")


@dataclass(frozen=True)
class ImageMetadata:
    """Metadata of an image that JPEG files can carry.

    Attributes:
        exif: EXIF as stored in JPEG (starting ``Exif\\0\\0``), or None.
        icc: the ICC profile bytes, or None.
        xmp: the XMP packet (bytes), or None.
        comment: a comment (bytes), or None.
        orientation: the EXIF orientation tag (1..8; 1 = upright, also when absent).
    """

    exif: bytes = None
    icc: bytes = None
    xmp: bytes = None
    comment: bytes = None
    orientation: int = 1

    def selected(self, copy="all"):
        """The metadata ``--copy`` keeps: ``all``, ``icc`` (the colour profile alone) or
        ``none``."""
        if copy not in COPY_CHOICES:
            raise ValueError(f"--copy must be one of {', '.join(COPY_CHOICES)}, got {copy!r}")
        if copy == "all":
            return self
        return ImageMetadata(icc=self.icc if copy == "icc" else None)

    def __bool__(self):
        return any(v is not None for v in (self.exif, self.icc, self.xmp, self.comment))


def read_metadata(path):
    """The metadata of an image file that JPEG files can carry: a
    :class:`~jpegzoo.jpeg.metadata.ImageMetadata` (EXIF with its orientation, ICC
    profile, XMP, comment), empty for files without any."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"PIL\.")
        with Image.open(path) as image:
            info = image.info
            exif = info.get("exif") or None
            if exif is not None and not exif.startswith(EXIF_HEADER):
                exif = EXIF_HEADER + exif
            try:
                orientation = int(image.getexif().get(0x0112, 1))
            except Exception:  # noqa: BLE001 - corrupt EXIF: keep the bytes, no rotation
                orientation = 1
            xmp = info.get("xmp") or info.get("XML:com.adobe.xmp")
            comment = info.get("comment")
            return ImageMetadata(
                exif=exif, icc=info.get("icc_profile") or None,
                xmp=xmp.encode("utf-8") if isinstance(xmp, str) else (xmp or None),
                comment=comment.encode("utf-8") if isinstance(comment, str) else
                (comment or None),
                orientation=orientation if 1 <= orientation <= 8 else 1)


def segments(metadata):
    """The marker segments (bytes, marker included) that carry ``metadata``."""
    out = []
    if metadata.exif is not None:
        exif = metadata.exif if metadata.exif.startswith(EXIF_HEADER) else \
            EXIF_HEADER + metadata.exif
        out.append(_segment(0xE1, exif, "EXIF"))
    if metadata.xmp is not None:
        out.append(_segment(0xE1, XMP_HEADER + metadata.xmp, "XMP"))
    if metadata.icc is not None:
        out += _icc_segments(metadata.icc)
    if metadata.comment is not None:
        out.append(_segment(0xFE, metadata.comment, "comment"))
    return out


def _segment(marker, payload, what):
    if len(payload) > MAX_SEGMENT:
        raise ValueError(f"{what} metadata of {len(payload)} bytes does not fit in one JPEG "
                         f"segment ({MAX_SEGMENT} bytes at most)")
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _icc_segments(profile):
    size = MAX_SEGMENT - len(ICC_HEADER) - 2
    chunks = [profile[i:i + size] for i in range(0, len(profile), size)] or [b""]
    if len(chunks) > 255:
        raise ValueError(f"ICC profile of {len(profile)} bytes needs more than 255 segments")
    return [_segment(0xE2, ICC_HEADER + bytes([index, len(chunks)]) + chunk, "ICC")
            for index, chunk in enumerate(chunks, 1)]


def with_metadata(data, metadata):
    """JPEG bytes ``data`` with ``metadata``'s segments inserted after SOI and any APP0
    (JFIF/JFXX) segments; the same bytes if there is nothing to insert."""
    data = bytes(data)
    if not metadata:
        return data
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream (no SOI marker)")
    position = 2
    while data[position:position + 2] == b"\xff\xe0":
        position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    return data[:position] + b"".join(segments(metadata)) + data[position:]


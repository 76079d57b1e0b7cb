"""Reading input images and writing outputs safely.

Input policy (what ``read_image`` accepts), documented in the README:

========================  ===================================================
Pillow mode               handling
========================  ===================================================
RGB, L                    used as is (8-bit)
YCbCr, P (no transparency) converted to RGB
1 (bi-level)              converted to L (0 / 255)
RGBA, LA, PA, P with a    refused: JPEG has no alpha channel; flatten the image
transparency key          onto a background first
I;16*, I, F               refused: baseline JPEG stores 8-bit samples
RGB / L decoded from      refused likewise (48-bit RGB PNG / TIFF, 16-bit PPM),
16-bit samples            rather than silently cut to 8 bits
CMYK                      refused: jpegzoo writes JFIF (YCbCr or grey) only
========================  ===================================================

Dimensions must be 1..65535 pixels a side (JPEG's limit) and are checked from the header
before any pixel is decoded (zero-size PNG and JPEG files, which Pillow does not open, are
reported as empty). Every failure raises :class:`ImageInputError` (a
``ValueError``) whose message names the file and the problem.

Outputs are written atomically (a temporary file in the destination folder, then
``os.replace``), so a failure never leaves a partial file, and never over an input.
:func:`check_output` makes the same checks on the output path up front, so a command can
refuse a bad output path before doing any work.
"""

import io
import os
import re
import struct
import tempfile
import warnings

import numpy as np

MAX_DIMENSION = 65535

_CONVERTED_MODES = {"YCbCr": "RGB", "P": "RGB", "1": "L"}
_REFUSED_MODES = {
    "RGBA": "has an alpha channel, which JPEG cannot store; flatten it onto a background first",
    "LA": "has an alpha channel, which JPEG cannot store; flatten it onto a background first",
    "PA": "has an alpha channel, which JPEG cannot store; flatten it onto a background first",
    "CMYK": "is CMYK; jpegzoo writes JFIF (YCbCr or grey) only: convert it to RGB first",
    "I": "has 32-bit integer samples; baseline JPEG stores 8-bit samples",
    "F": "has floating-point samples; baseline JPEG stores 8-bit samples",
}


class ImageInputError(ValueError):
    """An input image that jpegzoo cannot use; the message says why."""


class FirstFrameWarning(UserWarning):
    """An input with several frames (animated GIF or PNG, multi-page TIFF) of which only
    the first is used."""


def read_image(path, max_pixels=None):
    """Read an image file as uint8 ``[H, W, 3]`` (RGB) or ``[H, W]`` (grey).

    ``max_pixels``: refuse larger images from their header, before decoding (None: only
    JPEG's 65535-a-side limit and Pillow's decompression-bomb check).

    Raises:
        ImageInputError: unreadable, truncated or corrupt files, refused modes, sizes outside
            1..65535 pixels a side.
    """
    from PIL import Image

    with warnings.catch_warnings():
        # Pillow's warnings about metadata jpegzoo does not use (e.g. "Corrupt EXIF data")
        # would add lines to the command line's one-line errors; oversized images are errors
        warnings.filterwarnings("ignore", module=r"PIL\.")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return _read_image(path, Image, max_pixels)


_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error)


def _read_image(path, Image, max_pixels=None):
    try:
        image = Image.open(path)
    except FileNotFoundError:
        raise ImageInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageInputError(f"{path}: is a directory, not an image file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError(f"{path}: image is too large to decode safely") from None
    except _DECODE_ERRORS as error:
        declared = _declared_size(path)
        if declared is not None:
            _check_size(path, declared)
        raise ImageInputError(f"{path}: not a readable image ({_reason(error)})") from None
    with image:
        _check_size(path, image.size, max_pixels)
        mode = _accepted_mode(path, image)
        frames = getattr(image, "n_frames", 1)
        if frames > 1:
            warnings.warn(f"{path}: has {frames} frames (animation or pages); only the "
                          "first is used", FirstFrameWarning, stacklevel=3)
        try:
            image.load()
            pixels = np.asarray(image.convert(mode) if image.mode != mode else image)
        except _DECODE_ERRORS as error:
            raise ImageInputError(f"{path}: truncated or corrupt image "
                                  f"({_reason(error)})") from None
        if image.format == "PNG":
            _check_png_rows(path)
    return np.ascontiguousarray(pixels, dtype=np.uint8)


#: Samples per pixel of each PNG colour type (grey, RGB, palette, grey+alpha, RGBA).
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: Adam7 passes: (first row, first column, row step, column step).
_ADAM7 = ((0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2),
          (1, 0, 2, 1))


def _png_expected_bytes(width, height, depth, colour, interlaced):
    """Bytes of the filtered scanlines a PNG of this header must inflate to."""
    bits = depth * _PNG_CHANNELS.get(colour, 1)
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    total = 0
    for row0, col0, row_step, col_step in passes:
        rows = max(0, -(-(height - row0) // row_step))
        cols = max(0, -(-(width - col0) // col_step))
        if rows and cols:
            total += rows * (1 + -(-cols * bits // 8))
    return total


def _check_png_rows(path):
    """Refuse a PNG whose image data holds fewer rows than its header declares (Pillow
    fills the missing rows with black and reports no error)."""
    import zlib

    with open(path, "rb") as stream:
        stream.read(8)
        inflater, produced, expected = zlib.decompressobj(), 0, None
        while True:
            head = stream.read(8)
            if len(head) < 8:
                break
            length, kind = struct.unpack(">I4s", head)
            if kind == b"IHDR":
                width, height, depth, colour, _, _, interlace = struct.unpack(
                    ">IIBBBBB", stream.read(13))
                expected = _png_expected_bytes(width, height, depth, colour, interlace)
                stream.seek(length - 13 + 4, os.SEEK_CUR)
            elif kind == b"IDAT":
                remaining = length
                while remaining:
                    chunk = stream.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    # count the inflated bytes in bounded pieces, never holding them all
                    data = inflater.decompress(chunk, 1 << 20)
                    produced += len(data)
                    while inflater.unconsumed_tail:
                        produced += len(inflater.decompress(inflater.unconsumed_tail,
                                                            1 << 20))
                stream.seek(4, os.SEEK_CUR)
            elif kind == b"IEND":
                break
            else:
                stream.seek(length + 4, os.SEEK_CUR)
    if expected is not None and produced < expected:
        raise ImageInputError(f"{path}: truncated image: its data holds "
                              f"{produced} of the {expected} bytes its header declares")


def _reason(error):
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _check_size(path, size, max_pixels=None):
    width, height = size
    if width < 1 or height < 1:
        raise ImageInputError(f"{path}: image is empty ({width}x{height} pixels)")
    if max_pixels is not None and width * height > max_pixels:
        raise ImageInputError(f"{path}: image is {width}x{height} = {width * height / 1e6:.1f} "
                              f"megapixels, over the limit of {max_pixels / 1e6:g} "
                              f"megapixels (--max-pixels)")
    if width > MAX_DIMENSION or height > MAX_DIMENSION:
        raise ImageInputError(f"{path}: image is {width}x{height} pixels; JPEG allows at most "
                              f"{MAX_DIMENSION} pixels a side")


def _declared_size(path):
    """(width, height) from a PNG or JPEG header that Pillow would not open, else None.

    Pillow refuses zero-size images as "cannot identify image file"; reading the size
    from the header lets the error say what is actually wrong.
    """
    try:
        with open(path, "rb") as stream:
            head = stream.read(1 << 16)
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if head[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(head) and head[pos] == 0xFF:
            code, length = head[pos + 1], int.from_bytes(head[pos + 2:pos + 4], "big")
            if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xC8, 0xCC):
                if pos + 9 > len(head):
                    return None
                height, width = struct.unpack(">HH", head[pos + 5:pos + 9])
                return width, height
            if code == 0xDA or length < 2:
                return None
            pos += 2 + length
    return None


_SIXTEEN_BIT_RAWMODE = re.compile(r"(RGB|RGBA|RGBX|L|LA|I|CMYK);16[BLN]?")


def _has_16bit_samples(image):
    """Whether an RGB / L image is decoded from 16-bit samples (e.g. a 48-bit RGB PNG or
    TIFF), which Pillow would silently cut to 8 bits."""
    for tile in getattr(image, "tile", None) or ():
        args = tile[3] if len(tile) > 3 else None
        rawmode = args if isinstance(args, str) else (
            args[0] if isinstance(args, tuple) and args and isinstance(args[0], str) else "")
        if _SIXTEEN_BIT_RAWMODE.fullmatch(rawmode):
            return True
        if (image.format == "PPM" and isinstance(args, tuple) and len(args) > 1
                and isinstance(args[1], int) and args[1] > 255):
            return True
    return False


def _accepted_mode(path, image):
    """The mode to decode ``image`` to, or raise for modes jpegzoo refuses."""
    mode = image.mode
    if mode.startswith("I;16") or (mode in ("RGB", "L", "I") and _has_16bit_samples(image)):
        raise ImageInputError(f"{path}: image has 16-bit samples ({mode}); baseline JPEG "
                              "stores 8-bit samples: reduce it to 8 bits first")
    if mode in ("RGB", "L"):
        return mode
    if mode in _REFUSED_MODES:
        raise ImageInputError(f"{path}: image ({mode}) {_REFUSED_MODES[mode]}")
    if mode == "P" and "transparency" in image.info:
        raise ImageInputError(f"{path}: palette image with transparency; JPEG cannot store "
                              "it: flatten it onto a background first")
    if mode in _CONVERTED_MODES:
        return _CONVERTED_MODES[mode]
    raise ImageInputError(f"{path}: unsupported image mode {mode}")


def same_file(a, b):
    """True if paths ``a`` and ``b`` name the same file (existing or not)."""
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output(path, inputs=()):
    """Raise :class:`ImageInputError` unless ``path`` can take an output: not one of
    ``inputs``, not a folder, in an existing folder we may write to (checked before any
    work, by creating and removing a temporary file there). Returns that folder."""
    for source in inputs:
        if same_file(path, source):
            raise ImageInputError(f"{path}: output path is the input file; choose another "
                                  "output path")
    if os.path.isdir(path):
        raise ImageInputError(f"{path}: output path is a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ImageInputError(f"{path}: output folder {folder} does not exist")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".jpegzoo-check-"):
            pass
    except OSError as error:
        raise ImageInputError(f"{path}: cannot write to the output folder {folder} "
                              f"({error.strerror or _reason(error)})") from None
    return folder


def write_atomic(path, data, inputs=()):
    """Write ``data`` (bytes) to ``path`` atomically; refuse to overwrite any of ``inputs``.

    The bytes go to a temporary file in the destination folder, are flushed to disk and
    then renamed over ``path``; on any error the temporary file is removed and ``path`` is
    left as it was.
    """
    folder = check_output(path, inputs)
    try:
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".jpegzoo-", suffix=".tmp")
    except OSError as error:
        raise ImageInputError(f"{path}: cannot write to folder {folder} "
                              f"({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException as error:
        try:
            os.remove(temp)
        except OSError:
            pass
        if isinstance(error, OSError):
            # name the destination, not the temporary file, in the one-line message
            raise ImageInputError(f"{path}: cannot write the output "
                                  f"({error.strerror or _reason(error)})") from error
        raise


def decode_jpeg(data):
    """Decode JPEG bytes with Pillow to uint8 ``[H, W, 3]`` or ``[H, W]``."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB") if image.mode not in ("RGB", "L") else image)


def apply_orientation(pixels, orientation):
    """``pixels`` ``[H, W(, C)]`` turned upright for an EXIF orientation 1..8 (as viewers
    show the image; what ``PIL.ImageOps.exif_transpose`` does)."""
    pixels = np.asarray(pixels)
    turned = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1],
    }[orientation](pixels)
    return np.ascontiguousarray(turned)

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
CMYK                      refused: jpegzoo writes JFIF (YCbCr or grey) only
========================  ===================================================

Dimensions must be 1..65535 pixels a side (JPEG's limit) and are checked from the header
before any pixel is decoded. Every failure raises :class:`ImageInputError` (a
``ValueError``) whose message names the file and the problem.

Outputs are written atomically (a temporary file in the destination folder, then
``os.replace``), so a failure never leaves a partial file, and never over an input.
"""

import os
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


def read_image(path):
    """Read an image file as uint8 ``[H, W, 3]`` (RGB) or ``[H, W]`` (grey).

    Raises:
        ImageInputError: unreadable, truncated or corrupt files, refused modes, sizes outside
            1..65535 pixels a side.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except FileNotFoundError:
        raise ImageInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageInputError(f"{path}: is a directory, not an image file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError(f"{path}: image is too large to decode safely") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageInputError(f"{path}: not a readable image ({_reason(error)})") from None
    with image:
        _check_size(path, image.size)
        mode = _accepted_mode(path, image)
        try:
            image.load()
            pixels = np.asarray(image.convert(mode) if image.mode != mode else image)
        except (OSError, ValueError, SyntaxError) as error:
            raise ImageInputError(f"{path}: truncated or corrupt image "
                                  f"({_reason(error)})") from None
    return np.ascontiguousarray(pixels, dtype=np.uint8)


def _reason(error):
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _check_size(path, size):
    width, height = size
    if width < 1 or height < 1:
        raise ImageInputError(f"{path}: image is empty ({width}x{height} pixels)")
    if width > MAX_DIMENSION or height > MAX_DIMENSION:
        raise ImageInputError(f"{path}: image is {width}x{height} pixels; JPEG allows at most "
                              f"{MAX_DIMENSION} pixels a side")


def _accepted_mode(path, image):
    """The mode to decode ``image`` to, or raise for modes jpegzoo refuses."""
    mode = image.mode
    if mode in ("RGB", "L"):
        return mode
    if mode.startswith("I;16"):
        raise ImageInputError(f"{path}: image has 16-bit samples ({mode}); baseline JPEG "
                              "stores 8-bit samples: reduce it to 8 bits first")
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


def write_atomic(path, data, inputs=()):
    """Write ``data`` (bytes) to ``path`` atomically; refuse to overwrite any of ``inputs``.

    The bytes go to a temporary file in the destination folder, are flushed to disk and
    then renamed over ``path``; on any error the temporary file is removed and ``path`` is
    left as it was.
    """
    for source in inputs:
        if same_file(path, source):
            raise ImageInputError(f"{path}: output path is the input file; choose another "
                                  "output path")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ImageInputError(f"{path}: output folder {folder} does not exist")
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".jpegzoo-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise

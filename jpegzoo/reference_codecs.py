"""Reference encoders that jpegzoo's methods are measured against (the anchors).

* :func:`pillow_encode`: libjpeg-turbo through Pillow, with the same knobs as jpegzoo's
  own methods (IJG tables, optional Huffman optimisation), so ``jpegzoo demo`` and the
  benchmarks can put the two side by side.
* :func:`mozjpeg_encode`: mozjpeg 4.0.3 (bundled with jpeglib) restricted to the IJG
  tables, with its trellis quantization -- same tables as Pillow, smarter coefficients.
  Its scans are mozjpeg's progressive ones: jpeglib cannot write sequential files with
  mozjpeg (the library's defaults set a scan script, which decides).
* :func:`mozjpeg_cjpeg_encode`: mozjpeg 4.0.3 as its ``cjpeg -quality Q`` runs it: its
  own tables (ImageMagick's, ``-quant-table 3``), trellis quantization, progressive scans
  with optimised scan splits, optimised Huffman tables, overshoot deringing -- mozjpeg at
  its strongest. Byte-identical to mozjpeg 4.0.3's ``cjpeg`` (``tests/test_reference_codecs``).
* :func:`jpegli_encode`: jpegli through pyjpegli 0.3 at its defaults for a quality (its
  own tables and adaptive quantization; the binding writes sequential 4:2:0).
* :func:`guetzli_encode`: Guetzli through pyguetzli (a Butteraugli-driven search; about a
  minute per megapixel).

Every encoder takes uint8 ``[H, W, 3]`` RGB or ``[H, W]`` / ``[H, W, 1]`` grey and returns
JPEG bytes; decode them with :func:`jpegzoo.imageio.decode_jpeg` (Pillow). The optional
ones raise ValueError naming ``pip install 'jpegzoo[reference]'`` when their package is
missing.
"""

import io
import os
import tempfile

import numpy as np

_PILLOW_SUBSAMPLING = {"444": 0, "422": 1, "420": 2}
#: Luma sampling factors (horizontal, vertical) of each subsampling name.
_LUMA_FACTORS = {"444": (1, 1), "422": (2, 1), "420": (2, 2)}


def pillow_encode(image, quality=75, subsampling="420", optimize=False, restart_interval=0):
    """Encode uint8 ``[H, W, 3]`` / ``[H, W]`` with Pillow's libjpeg-turbo; returns bytes.

    Grey images ignore ``subsampling`` (Pillow would otherwise write meaningless sampling
    factors into a single-component frame).
    """
    from PIL import Image

    if restart_interval:
        raise ValueError("the Pillow reference encoder does not write restart markers")
    array = _pixels(image)
    if array.ndim == 2:
        subsampling = "444"
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", quality=int(quality), optimize=bool(optimize),
                                subsampling=_PILLOW_SUBSAMPLING[_subsampling(subsampling)])
    return buffer.getvalue()


def mozjpeg_encode(image, quality=75, subsampling="420", optimize=True, restart_interval=0,
                   trellis=True):
    """Encode with mozjpeg 4.0.3: IJG tables (``base_quant_tbl_idx=0``), trellis
    quantization of AC and DC (``trellis=False``: off), optimized Huffman tables (so
    ``optimize`` is ignored), mozjpeg's progressive scans (jpeglib gives no way to turn
    them off: its PROGRESSIVE_MODE flag is overridden by the scan script mozjpeg's
    defaults set). Grey input is coded as grey."""
    if restart_interval:
        raise ValueError("the mozjpeg reference encoder does not write restart markers")
    toggle = "+" if trellis else "-"
    return _mozjpeg(image, quality, subsampling, base_quant_tbl_idx=0,
                    flags=["+OPTIMIZE_CODING", f"{toggle}TRELLIS_QUANT",
                           f"{toggle}TRELLIS_QUANT_DC"])


def mozjpeg_cjpeg_encode(image, quality=75, subsampling="420"):
    """Encode with mozjpeg 4.0.3 at the library defaults ``cjpeg -quality Q`` uses: its
    own tables, trellis quantization, progressive scans with optimised splits, optimised
    Huffman tables, 16-bit quantizers allowed at low qualities (no ``-baseline``).

    Args:
        image: uint8 [H, W, 3] RGB, or [H, W] / [H, W, 1] grey (coded as grey, as cjpeg
            codes a PGM).
        quality: 1..100.
        subsampling: "420", "422" or "444" (``cjpeg -sample 2x2 / 2x1 / 1x1``), or
            "cjpeg" for what ``cjpeg -quality Q`` alone picks: 4:4:4 from Q = 90, 4:2:2
            from 80 to 89, 4:2:0 below.

    Returns:
        The JPEG bytes, identical to mozjpeg 4.0.3 ``cjpeg`` on the same pixels.
    """
    if subsampling == "cjpeg":
        subsampling = "444" if quality >= 90 else "422" if quality >= 80 else "420"
    return _mozjpeg(image, quality, subsampling, base_quant_tbl_idx=None, flags=[])


def _mozjpeg(image, quality, subsampling, base_quant_tbl_idx, flags):
    jpeglib = _require("jpeglib", "the mozjpeg reference encoders")
    array = _pixels(image)
    factors = _LUMA_FACTORS[_subsampling(subsampling)]
    with jpeglib.version("mozjpeg403"), tempfile.TemporaryDirectory() as folder:
        if array.ndim == 2:
            picture = jpeglib.from_spatial(array[:, :, None], jpeglib.JCS_GRAYSCALE)
        else:
            picture = jpeglib.from_spatial(array)
            # jpeglib's samp_factor rows are (vertical, horizontal).
            picture.samp_factor = np.array([factors[::-1], [1, 1], [1, 1]])
        path = os.path.join(folder, "image.jpg")
        picture.write_spatial(path, qt=int(quality), base_quant_tbl_idx=base_quant_tbl_idx,
                              flags=flags)
        with open(path, "rb") as handle:
            return handle.read()


def jpegli_encode(image, quality=75):
    """Encode with jpegli (pyjpegli) at its defaults for ``quality``: its own tables and
    adaptive quantization; pyjpegli 0.3 writes sequential 4:2:0 and takes RGB only, so
    grey input is coded as RGB with R = G = B."""
    pyjpegli = _require("pyjpegli", "the jpegli reference encoder")
    array = _rgb(image)
    return pyjpegli.encode(array.tobytes(), array.shape[1], array.shape[0],
                           quality=int(quality))


def guetzli_encode(image, quality=95):
    """Encode with Guetzli (pyguetzli) at ``quality`` (Guetzli's own scale, meant for 84
    and above): a search for the smallest file its Butteraugli judges close enough. Slow:
    about a minute and 300 MB per megapixel. Grey input is coded as RGB with R = G = B."""
    pyguetzli = _require("pyguetzli", "the Guetzli reference encoder")
    array = _rgb(image)
    return pyguetzli.process_rgb_bytes(array.tobytes(), array.shape[1], array.shape[0],
                                       int(quality))


def _pixels(image):
    """uint8 [H, W, 3] or [H, W] (grey), C-contiguous."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype != np.uint8 or not (array.ndim == 2 or (array.ndim == 3
                                                             and array.shape[2] == 3)):
        raise ValueError(f"expected uint8 pixels [H, W, 3] or [H, W], got {array.dtype} "
                         f"{array.shape}")
    return np.ascontiguousarray(array)


def _rgb(image):
    array = _pixels(image)
    return np.ascontiguousarray(np.repeat(array[:, :, None], 3, axis=2)) if array.ndim == 2 \
        else array


def _subsampling(name):
    if str(name) not in _LUMA_FACTORS:
        raise ValueError(f"subsampling must be one of {sorted(_LUMA_FACTORS)}, got {name!r}")
    return str(name)


def _require(module, what):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ValueError(f"{what} needs {module}: pip install 'jpegzoo[reference]'") from None

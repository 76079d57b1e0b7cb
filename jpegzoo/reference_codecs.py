"""Reference encoders that jpegzoo's methods are measured against.

``pillow_encode`` is libjpeg-turbo through Pillow with the same knobs as jpegzoo's own
methods, so that ``jpegzoo demo`` and the benchmarks can put the two side by side.
``mozjpeg_encode`` is mozjpeg 4.0.3 (bundled with jpeglib) with the IJG tables and its
trellis quantization -- the usual "smarter JPEG encoder" anchor. Its files are progressive:
jpeglib's ``-PROGRESSIVE_MODE`` does not remove the scan script mozjpeg sets by default
(measured: SOF2 at 4:4:4, 4:2:0 and grey); benchmarks/trellis/references.py rewrites its
levels as one baseline scan where a sequential file is needed.
JPEG files are decoded with :func:`jpegzoo.imageio.decode_jpeg` (Pillow).
"""

import io

import numpy as np

_PILLOW_SUBSAMPLING = {"444": 0, "422": 1, "420": 2}


def pillow_encode(image, quality=75, subsampling="420", optimize=False, restart_interval=0):
    """Encode uint8 ``[H, W, 3]`` / ``[H, W]`` with Pillow's libjpeg-turbo; returns bytes.

    Grey images ignore ``subsampling`` (Pillow would otherwise write meaningless sampling
    factors into a single-component frame).
    """
    from PIL import Image

    if restart_interval:
        raise ValueError("the Pillow reference encoder does not write restart markers")
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        subsampling = "444"
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", quality=int(quality), optimize=bool(optimize),
                                subsampling=_PILLOW_SUBSAMPLING[str(subsampling)])
    return buffer.getvalue()


def mozjpeg_encode(image, quality=75, subsampling="420", optimize=True, restart_interval=0,
                   trellis=True):
    """Encode with mozjpeg 4.0.3: IJG tables (``base_quant_tbl_idx=0``), trellis
    quantization of AC and DC (``trellis=False``: off), progressive scans (see the module
    docstring: ``-PROGRESSIVE_MODE`` does not turn them off). mozjpeg always optimizes its
    Huffman tables with trellis, so ``optimize`` is ignored. Grey input is coded as grey."""
    import os
    import tempfile

    jpeglib = _require("jpeglib", "the mozjpeg reference method")
    if restart_interval:
        raise ValueError("the mozjpeg reference encoder does not write restart markers")
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    toggle = "+" if trellis else "-"
    flags = ["-PROGRESSIVE_MODE", "+OPTIMIZE_CODING", f"{toggle}TRELLIS_QUANT",
             f"{toggle}TRELLIS_QUANT_DC"]
    with jpeglib.version("mozjpeg403"), tempfile.TemporaryDirectory() as folder:
        if array.ndim == 2:
            picture = jpeglib.from_spatial(np.ascontiguousarray(array[:, :, None]),
                                           jpeglib.JCS_GRAYSCALE)
        else:
            picture = jpeglib.from_spatial(np.ascontiguousarray(array))
            factor = {"444": [1, 1], "422": [2, 1], "420": [2, 2]}[str(subsampling)]
            picture.samp_factor = np.array([factor, [1, 1], [1, 1]])
        path = os.path.join(folder, "image.jpg")
        picture.write_spatial(path, qt=int(quality), base_quant_tbl_idx=0, flags=flags)
        with open(path, "rb") as handle:
            return handle.read()


def mozjpeg_cjpeg_encode(image, quality=75):
    """Encode RGB uint8 ``[H, W, 3]`` with mozjpeg 4.0.3 as ``cjpeg -quality Q`` does: its
    own default tables, trellis quantization, progressive scans, optimized Huffman tables,
    4:2:0 -- mozjpeg at its strongest, the reference the qtable benchmark compares with."""
    import os
    import tempfile

    jpeglib = _require("jpeglib", "the mozjpeg reference")
    with jpeglib.version("mozjpeg403"), tempfile.TemporaryDirectory() as folder:
        picture = jpeglib.from_spatial(np.ascontiguousarray(image))
        picture.samp_factor = np.array([[2, 2], [1, 1], [1, 1]])
        path = os.path.join(folder, "image.jpg")
        picture.write_spatial(path, qt=int(quality))
        with open(path, "rb") as handle:
            return handle.read()


def jpegli_encode(image, quality=75):
    """Encode RGB uint8 ``[H, W, 3]`` with jpegli (pyjpegli) at its defaults for
    ``quality`` (it chooses its own tables, adaptive quantization and subsampling)."""
    pyjpegli = _require("pyjpegli", "the jpegli reference")
    array = np.ascontiguousarray(image, dtype=np.uint8)
    return pyjpegli.encode(array.tobytes(), array.shape[1], array.shape[0], quality=int(quality))


def _require(module, what):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ValueError(f"{what} needs {module}: pip install 'jpegzoo[reference]'") from None

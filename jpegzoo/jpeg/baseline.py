"""Baseline JPEG encoding of pixel arrays, without TensorFlow.

``encode`` computes the quantized levels with :mod:`jpegzoo.jpeg.forward` and codes them
with the writer's compiled Huffman coder. With ``dct_method="islow"`` (the default) every
step is bit-exact with libjpeg-turbo -- fixed-point colour conversion, downsampling
rounding and edge replication, integer DCT, quantization and the DC-only dummy blocks it
codes beyond a component's edge -- so the files equal what libjpeg-turbo writes for the
same tables and options; ``"float"`` uses the orthonormal float DCT the models train with
(in float64). Inputs are uint8 arrays ``[H, W, 3]`` (RGB) or ``[H, W]`` / ``[H, W, 1]``
(grey).

Memory: with ``optimize=False`` the image is transformed and coded a strip of MCU rows at
a time, so beyond the input and the output only a strip of levels is held; with
``optimize=True`` (two passes) the levels are held whole as int16 (3 bytes per pixel at
4:2:0, 6 at 4:4:4).
"""

import numpy as np

from jpegzoo.jpeg import forward
from jpegzoo.jpeg.entropy_coder import ScanCoder
from jpegzoo.jpeg.structure import MAX_DIMENSION, ceil_div
from jpegzoo.jpeg.writer import EOI, frame_header, write_jpeg
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.layers.numerics.standard import (
    chroma_factors,
    component_qtables,
    quality_to_qtables,
)


def validate_pixels(image):
    """Check a pixel array and return it as uint8 ``[H, W, C]`` with C in {1, 3}."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3):
        raise ValueError(f"expected an image array [H, W], [H, W, 1] or [H, W, 3], "
                         f"got shape {array.shape}")
    height, width = array.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"image is empty ({width}x{height} pixels)")
    if height > MAX_DIMENSION or width > MAX_DIMENSION:
        raise ValueError(f"image is {width}x{height} pixels; JPEG allows at most "
                         f"{MAX_DIMENSION} per side")
    if array.dtype != np.uint8:
        raise ValueError(f"expected 8-bit samples (uint8), got {array.dtype}")
    return array


def resolve_qtables(quality=None, qtables=None):
    """Tables from an IJG quality (1..100) or explicit tables ([K, 64] natural order)."""
    if qtables is not None:
        if quality is not None:
            raise ValueError("give either quality or qtables, not both")
        tables = np.asarray(qtables)
        if tables.min() < 1 or tables.max() > 255:
            raise ValueError("baseline quantization tables must hold values in 1..255")
        return tables.astype(np.int32)
    return quality_to_qtables(75 if quality is None else quality)


def image_to_levels(image, quality=None, qtables=None, subsampling="420", dct_method="islow"):
    """Quantized DCT levels of a pixel array as a :class:`JpegLevels` (not yet coded): int16
    grids covering whole MCUs, libjpeg's dummy blocks beyond each component's edge.

    See :func:`encode` for the arguments.
    """
    pixels, tables, subsampling = _checked(image, quality, qtables, subsampling, dct_method)
    return forward.image_to_levels(pixels, tables, subsampling, dct_method)


def _checked(image, quality, qtables, subsampling, dct_method):
    """(pixels uint8 [H, W, C], tables int32 [C, 64], subsampling) or ValueError."""
    pixels = validate_pixels(image)
    subsampling = str(subsampling).replace(":", "")
    chroma_factors(subsampling)
    if dct_method not in forward.DCT_METHODS:
        raise ValueError(f"unknown dct_method {dct_method!r}; use 'islow' or 'float'")
    tables = component_qtables(resolve_qtables(quality, qtables), pixels.shape[2])
    return pixels, tables, subsampling


def fill_dummy_blocks(image, index):
    """Replace the blocks of component ``index`` that lie wholly outside its own area
    (MCU padding, which decoders discard) by libjpeg's dummy blocks: no AC, and the DC of
    the block before them in the MCU (jccoefct.c), which costs the fewest bits. (The
    encoder's kernels make them as they go; this is for encoders that choose their own
    levels.)"""
    comp = image.components[index]
    rows, cols = (ceil_div(n, 8) for n in image.component_size(index))
    h = comp.sampling[0]
    levels = comp.levels
    if cols < levels.shape[1]:
        levels[:rows, cols:] = 0
        levels[:rows, cols:, 0] = levels[:rows, cols - 1:cols, 0]
    if rows < levels.shape[0]:
        last_in_mcu = levels[rows - 1, h - 1::h, 0]
        levels[rows:] = 0
        levels[rows:, :, 0] = np.repeat(last_in_mcu, h)[None, :]


def encode(image, quality=None, qtables=None, subsampling="420", optimize=False,
           restart_interval=0, dct_method="islow"):
    """Encode a uint8 pixel array to baseline JPEG bytes.

    Args:
        image: uint8 ``[H, W, 3]`` RGB or ``[H, W]`` / ``[H, W, 1]`` grey.
        quality: IJG quality 1..100 (default 75) -- the tables libjpeg/Pillow use.
        qtables: explicit tables instead: ``[64]``, ``[2, 64]`` (luma, chroma) or
            ``[3, 64]`` per component, natural order, values 1..255.
        subsampling: '444', '422' or '420' (ignored for grey).
        optimize: optimal Huffman tables for this image instead of Annex K.
        restart_interval: MCUs per restart interval (0: none).
        dct_method: ``"islow"`` (libjpeg-turbo's integer DCT: the same levels, hence the
            same file, as libjpeg-turbo) or ``"float"`` (the orthonormal float DCT that
            jpegzoo's models train with, in float64: their float32 layer gives the same
            levels but for the rare one it rounds across a half, by 1).
    """
    if not 0 <= int(restart_interval) <= 65535:
        raise ValueError("restart_interval must be in 0..65535 MCUs")
    if optimize:  # the tables need every symbol first: hold the levels whole
        levels = image_to_levels(image, quality, qtables, subsampling, dct_method)
        return write_jpeg(levels, optimize=True, restart_interval=restart_interval)
    pixels, tables, subsampling = _checked(image, quality, qtables, subsampling, dct_method)
    frame = forward.frame_layout(pixels.shape[0], pixels.shape[1], tables, subsampling)
    dc_tables, ac_tables = list(STD_DC_TABLES), list(STD_AC_TABLES)
    coder = ScanCoder(frame, dc_tables, ac_tables, restart_interval,
                      prefix=frame_header(frame, dc_tables, ac_tables, restart_interval))
    for grids, first, last in forward.level_strips(pixels, frame, dct_method):
        coder.code(grids, first, last)
    return coder.finish(suffix=bytes([0xFF, EOI]))

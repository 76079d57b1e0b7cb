"""Baseline JPEG encoding of pixel arrays through jpegzoo's own layers.

``encode`` runs :class:`~jpegzoo.layers.JpegAnalysis` in hard mode (the same colour,
subsampling, DCT and quantization code the models train with) and writes the levels with
the reference writer. With ``dct_method="islow"`` (the default) every step is bit-exact
with libjpeg-turbo -- fixed-point colour conversion, downsampling rounding, integer DCT,
quantization and the DC-only dummy blocks it codes beyond a component's edge -- so the
files equal what libjpeg-turbo writes for the same tables and options; ``"float"`` uses
the exact orthonormal DCT the models train with. Inputs are uint8 arrays ``[H, W, 3]``
(RGB) or ``[H, W]`` / ``[H, W, 1]`` (grey).
"""

import numpy as np

from jpegzoo.jpeg.structure import MAX_DIMENSION, ComponentLevels, JpegLevels, ceil_div
from jpegzoo.jpeg.writer import write_jpeg
from jpegzoo.layers.numerics.standard import (
    chroma_factors,
    component_qtables,
    luma_sampling_factors,
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
    """Quantized DCT levels of a pixel array as a :class:`JpegLevels` (not yet coded).

    See :func:`encode` for the arguments.
    """
    pixels = validate_pixels(image)
    subsampling = str(subsampling).replace(":", "")
    chroma_factors(subsampling)
    num_components = pixels.shape[2]
    tables = component_qtables(resolve_qtables(quality, qtables), num_components)
    from jpegzoo.layers.jpeg_transform import compiled_analysis  # imports TensorFlow

    analysis = compiled_analysis(subsampling, num_components, dct_method)
    levels = analysis(pixels[None].astype(np.float32), tables.astype(np.float32))
    height, width = pixels.shape[:2]
    if num_components == 1:
        comps = [ComponentLevels(_as_grid(levels["luma"]), tables[0], (1, 1), 0, 1)]
        return JpegLevels(width, height, comps)
    chroma = _as_grid(levels["chroma"])
    comps = [ComponentLevels(_as_grid(levels["luma"]), tables[0],
                             luma_sampling_factors(subsampling), 0, 1),
             ComponentLevels(chroma[..., 0, :], tables[1], (1, 1), 1, 2),
             ComponentLevels(chroma[..., 1, :], tables[2], (1, 1), 1, 3)]
    result = JpegLevels(width, height, comps)
    for index in range(len(comps)):
        fill_dummy_blocks(result, index)
    return result


def fill_dummy_blocks(image, index):
    """Replace the blocks of component ``index`` that lie wholly outside its own area
    (MCU padding, which decoders discard) by libjpeg's dummy blocks: no AC, and the DC of
    the block before them in the MCU (jccoefct.c), which costs the fewest bits."""
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


def _as_grid(levels):
    """[1, Hb, Wb, C, 64] float tensor -> int32 numpy [Hb, Wb, (C,) 64]."""
    grid = levels.numpy()[0].astype(np.int32)
    return grid[:, :, 0, :] if grid.shape[2] == 1 else grid


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
            jpegzoo's models train with).
    """
    levels = image_to_levels(image, quality, qtables, subsampling, dct_method)
    return write_jpeg(levels, optimize=optimize, restart_interval=restart_interval)

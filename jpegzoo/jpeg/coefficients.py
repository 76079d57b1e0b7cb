"""Pixels -> unquantized DCT coefficients per component, as libjpeg-turbo computes them (the
trellis's front end; the encoder, :mod:`jpegzoo.jpeg.forward`, quantizes as it goes).

The encoder's own compiled kernel (:mod:`jpegzoo.jpeg.forward_kernels`: libjpeg's
fixed-point RGB -> YCbCr, edge replication, downsampling with libjpeg's bias, the
accurate integer forward DCT) run with a quantization that keeps every value
(:func:`jpegzoo.jpeg.forward.image_to_levels` with ``quantize=False``). Rounding each
coefficient ``x`` to ``sign(x) * ((|x| + 4 q) // (8 q))`` gives exactly the levels
libjpeg-turbo writes for table entry ``q`` (the tests compare with Pillow's files).

Coefficients are int32 ``[Hb, Wb, 64]`` per component on its coded block grid (natural
order ``8 v + u``), in libjpeg's scale: 8 times the orthonormal DCT of the level-shifted
samples. Blocks outside a component's own area (MCU padding, which libjpeg codes as
DC-only dummy blocks) are left at 0.
"""

import numpy as np

from jpegzoo.jpeg.baseline import validate_pixels
from jpegzoo.jpeg.forward import image_to_levels
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels, ceil_div
from jpegzoo.layers.numerics.standard import chroma_factors, component_qtables

#: Luma sampling factors (h, v) -> the subsampling's name.
SUBSAMPLINGS = {(1, 1): "444", (2, 1): "422", (2, 2): "420"}


def empty_layout(pixels, qtables, subsampling="420"):
    """A :class:`JpegLevels` with zero levels for ``pixels`` (uint8 ``[H, W, C]``), the
    component tables (``[K, 64]`` natural order, expanded to one per component) and the
    sampling factors of ``subsampling`` ('444', '422', '420'; grey: one component)."""
    pixels = validate_pixels(pixels)
    height, width, channels = pixels.shape
    tables = component_qtables(np.asarray(qtables), channels).astype(np.int32)
    if channels == 1:
        comps = [ComponentLevels(None, tables[0], (1, 1), 0, 1)]
    else:
        fv, fh = chroma_factors(subsampling)
        comps = [ComponentLevels(None, tables[0], (fh, fv), 0, 1),
                 ComponentLevels(None, tables[1], (1, 1), 1, 2),
                 ComponentLevels(None, tables[2], (1, 1), 1, 3)]
    layout = JpegLevels(width, height, comps)
    for index, comp in enumerate(comps):
        comp.levels = np.zeros((*layout.block_grid(index), 64), dtype=np.int32)
    return layout


def real_grid(layout, index):
    """(rows, cols) of blocks inside component ``index``'s own area (the rest of its coded
    grid is MCU padding)."""
    return tuple(ceil_div(n, 8) for n in layout.component_size(index))


def coefficients(pixels, layout):
    """Unquantized coefficients of every component of ``layout`` (see the module
    docstring): a list of int32 ``[Hb, Wb, 64]``."""
    pixels = validate_pixels(pixels)
    ones = np.ones((len(layout.components), 64), dtype=np.int32)
    subsampling = SUBSAMPLINGS[tuple(layout.components[0].sampling)]
    frame = image_to_levels(pixels, ones, subsampling, quantize=False)
    out = []
    for index, comp in enumerate(frame.components):
        rows, cols = real_grid(layout, index)
        grid = np.zeros((*layout.block_grid(index), 64), dtype=np.int32)
        grid[:rows, :cols] = comp.levels[:rows, :cols]
        out.append(grid)
    return out


def quantize(coefficients, qtable):
    """libjpeg's rounding of coefficients (``[..., 64]``, libjpeg scale) by a natural-order
    table ``[64]``: int32 levels ``sign(x) * ((|x| + 4 q) // (8 q))`` (for real-valued
    ``x``: ``sign(x) * floor(|x| / (8 q) + 1/2)``, the same for integers)."""
    x = np.asarray(coefficients)
    q = 8 * np.asarray(qtable, dtype=np.int32)
    if x.dtype.kind in "iu":
        x = x.astype(np.int32, copy=False)
        magnitude = (np.abs(x) + q // 2) // q
    else:
        magnitude = np.floor(np.abs(x) / q + 0.5).astype(np.int32)
    return np.where(x < 0, -magnitude, magnitude).astype(np.int32, copy=False)

"""Pixels -> quantized DCT levels of a baseline JPEG, exactly as libjpeg-turbo computes them,
without TensorFlow: the compiled kernel of :mod:`jpegzoo.jpeg.forward_kernels` run over
MCU rows.

:func:`image_to_levels` fills the whole :class:`~jpegzoo.jpeg.structure.JpegLevels` (int16
levels: 2 bytes per coefficient, 3 bytes per pixel at 4:2:0, 6 at 4:4:4);
:func:`level_strips` yields the same levels a strip of MCU rows at a time into one reused
buffer, so an encoder that codes each strip before the next holds only a strip.

Arguments are checked by the caller (:mod:`jpegzoo.jpeg.baseline`): ``pixels`` uint8
``[H, W, C]`` with C in {1, 3}, ``tables`` int ``[C, 64]`` natural order, values 1..255.
"""

import numpy as np

from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels
from jpegzoo.layers.numerics.standard import luma_sampling_factors

DCT_METHODS = ("islow", "float")

#: Pixels per strip of :func:`level_strips` (at least one MCU row).
STRIP_PIXELS = 1 << 20


def frame_layout(height, width, tables, subsampling):
    """The :class:`JpegLevels` of an ``height`` x ``width`` image coded with ``tables``
    (``[C, 64]``): JFIF component ids and sampling factors, luma Huffman class 0 and chroma
    class 1; each component's levels are an empty int16 ``[0, 0, 64]`` grid."""
    sampling = [(1, 1)] if len(tables) == 1 else \
        [luma_sampling_factors(subsampling), (1, 1), (1, 1)]
    return JpegLevels(width, height, [
        ComponentLevels(np.zeros((0, 0, 64), np.int16), np.asarray(table, np.int32),
                        factors, min(index, 1), index + 1)
        for index, (table, factors) in enumerate(zip(tables, sampling))])


def image_to_levels(pixels, tables, subsampling="420", dct_method="islow", quantize=True):
    """All levels of ``pixels`` as a :class:`JpegLevels` (int16 grids covering whole MCUs).

    ``quantize=False``: the unquantized integer DCT coefficients instead (libjpeg's scale,
    8x the orthonormal DCT; at most 8 x 2048 in magnitude, so int16 holds them): the same
    kernel with a quantization that keeps every value (``1 / 8q`` -> 1, ``4q`` -> 0); the
    trellis's front end (:mod:`jpegzoo.jpeg.coefficients`)."""
    pixels = _kernel_pixels(pixels)
    frame = frame_layout(pixels.shape[0], pixels.shape[1], tables, subsampling)
    mcu_rows = frame.mcu_grid()[0]
    grids = _grids(frame, mcu_rows)
    _transform(pixels, frame, dct_method, 0, mcu_rows, grids, quantize)
    for comp, grid in zip(frame.components, grids):
        comp.levels = grid
    return frame


def level_strips(pixels, frame, dct_method="islow"):
    """Yield ``(grids, first, last)`` for consecutive strips of MCU rows ``first .. last-1``
    of ``pixels`` laid out as ``frame`` (:func:`frame_layout`): ``grids`` holds one int16
    grid per component whose first block rows are the strip's. The same buffers are
    reused for every strip: use each before asking for the next."""
    pixels = _kernel_pixels(pixels)
    mcu_rows = frame.mcu_grid()[0]
    mcu_height = 8 * frame.max_sampling[1]
    step = max(1, STRIP_PIXELS // (mcu_height * frame.width))
    grids = _grids(frame, min(step, mcu_rows))
    for first in range(0, mcu_rows, step):
        last = min(first + step, mcu_rows)
        _transform(pixels, frame, dct_method, first, last, grids)
        yield grids, first, last


def _kernel_pixels(pixels):
    """A C-contiguous read-only view (a copy if not contiguous): one compiled signature
    of the kernel for writable and read-only inputs alike."""
    view = np.ascontiguousarray(pixels).view()
    view.flags.writeable = False
    return view


def _grids(frame, mcu_rows):
    """Uninitialized int16 grids for ``mcu_rows`` MCU rows of each component."""
    mcu_cols = frame.mcu_grid()[1]
    if len(frame.components) == 1:
        return [np.empty((mcu_rows, mcu_cols, 64), np.int16)]
    return [np.empty((mcu_rows * c.sampling[1], mcu_cols * c.sampling[0], 64), np.int16)
            for c in frame.components]


def _transform(pixels, frame, dct_method, first, last, grids, quantize=True):
    """Run the kernel over MCU rows ``first .. last-1`` of ``pixels`` (from
    :func:`_kernel_pixels`) into ``grids`` (``quantize=False``: see
    :func:`image_to_levels`)."""
    from jpegzoo.jpeg import forward_kernels as kernels  # numba: loaded by the first encode

    if dct_method not in DCT_METHODS:
        raise ValueError(f"unknown dct_method {dct_method!r}; use 'islow' or 'float'")
    h, v = frame.components[0].sampling
    qtables = np.stack([np.asarray(c.qtable, np.int32) for c in frame.components])
    repeats = (1, 1, kernels.TABLE_COLUMNS // 8)
    recips = np.tile((1.0 / (8 * qtables)).astype(np.float32).reshape(-1, 8, 8), repeats)
    halves = np.tile((4 * qtables).reshape(-1, 8, 8), repeats)
    if not quantize:
        if dct_method != "islow":
            raise ValueError("unquantized coefficients come from the islow DCT only")
        recips, halves = np.ones_like(recips), np.zeros_like(halves)
    luma = grids[0]
    cb, cr = (grids[1], grids[2]) if len(grids) == 3 else (luma, luma)
    kernels.transform_mcu_rows(pixels, first, last, v, h, qtables, recips, halves,
                               dct_method == "float", luma, cb, cr)

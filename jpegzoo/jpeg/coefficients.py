"""Pixels -> unquantized DCT coefficients per component, as libjpeg-turbo computes them (the
trellis's front end; the encoder's strip transform, :mod:`jpegzoo.jpeg.forward`, quantizes
as it goes).

The front half of a JPEG encoder in numpy and numba (no TensorFlow): libjpeg's fixed-point
RGB -> YCbCr conversion (jccolor.c), edge replication to whole blocks as libjpeg pads
(jcprepct.c, jcsample.c ``expand_right_edge``), box downsampling with libjpeg's alternating rounding
bias (jcsample.c: 1, 2, 1, 2 ... for h2v2; 0, 1, 0, 1 ... for h2v1) and the accurate
integer forward DCT (jfdctint.c, the algorithm of
:mod:`jpegzoo.layers.numerics.islow_dct` as a compiled kernel). Rounding each coefficient
``x`` to ``sign(x) * ((|x| + 4 q) // (8 q))`` gives exactly the levels libjpeg-turbo
writes for table entry ``q`` (the tests compare with Pillow's files).

Coefficients are int32 ``[Hb, Wb, 64]`` per component on its coded block grid (natural
order ``8 v + u``), in libjpeg's scale: 8 times the orthonormal DCT of the level-shifted
samples. Blocks outside a component's own area (MCU padding, which libjpeg codes as
DC-only dummy blocks) are left at 0.
"""

import numba
import numpy as np

from jpegzoo.jpeg.baseline import validate_pixels
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels, ceil_div
from jpegzoo.layers.numerics.standard import chroma_factors, component_qtables

#: jccolor.c's fixed-point RGB -> YCbCr (SCALEBITS 16) and its offsets (ONE_HALF for Y,
#: CBCR_OFFSET + ONE_HALF - 1 for Cb and Cr).
_RGB_TO_YCBCR = np.array([[19595, 38470, 7471],
                          [-11059, -21709, 32768],
                          [32768, -27439, -5329]], dtype=np.int64)
_YCBCR_OFFSET = np.array([32768, (128 << 16) + 32767, (128 << 16) + 32767], dtype=np.int64)

CONST_BITS = 13
PASS1_BITS = 2


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
    planes = _colour_planes(pixels)
    hmax, vmax = layout.max_sampling
    out = []
    for index, comp in enumerate(layout.components):
        rows, cols = real_grid(layout, index)
        fh, fv = hmax // comp.sampling[0], vmax // comp.sampling[1]
        grid = np.zeros((*layout.block_grid(index), 64), dtype=np.int32)
        grid[:rows, :cols] = islow_blocks(planes[index], rows, cols, fv, fh)
        out.append(grid)
    return out


def _colour_planes(pixels):
    """int32 planes ``[H, W]``: Y, Cb, Cr (libjpeg's fixed point) or the grey plane."""
    if pixels.shape[2] == 1:
        return [pixels[:, :, 0].astype(np.int32)]
    return list(_ycbcr(np.ascontiguousarray(pixels)))


@numba.njit(cache=True, nogil=True)
def _ycbcr(pixels):
    """jccolor.c's ``rgb_ycc_convert``: uint8 ``[H, W, 3]`` -> int32 ``[3, H, W]``."""
    h, w = pixels.shape[0], pixels.shape[1]
    out = np.empty((3, h, w), dtype=np.int32)
    for y in range(h):
        for x in range(w):
            r, g, b = np.int64(pixels[y, x, 0]), np.int64(pixels[y, x, 1]), \
                np.int64(pixels[y, x, 2])
            for k in range(3):
                out[k, y, x] = (_RGB_TO_YCBCR[k, 0] * r + _RGB_TO_YCBCR[k, 1] * g
                                + _RGB_TO_YCBCR[k, 2] * b + _YCBCR_OFFSET[k]) >> 16
    return out


@numba.njit(inline="always")
def _descale(x, n):
    return (x + (1 << (n - 1))) >> n


@numba.njit(inline="always")
def _fdct_1d(d, stride, offset, even_shift, odd_shift):
    """One 1-D pass of jfdctint.c in place over ``d[offset + k * stride]``, k = 0..7;
    ``even_shift`` > 0 left-shifts outputs 0 and 4 (pass 1), < 0 descales them (pass 2)."""
    p0, p1, p2, p3 = d[offset], d[offset + stride], d[offset + 2 * stride], \
        d[offset + 3 * stride]
    p4, p5, p6, p7 = d[offset + 4 * stride], d[offset + 5 * stride], \
        d[offset + 6 * stride], d[offset + 7 * stride]
    tmp0, tmp7 = p0 + p7, p0 - p7
    tmp1, tmp6 = p1 + p6, p1 - p6
    tmp2, tmp5 = p2 + p5, p2 - p5
    tmp3, tmp4 = p3 + p4, p3 - p4
    tmp10, tmp13 = tmp0 + tmp3, tmp0 - tmp3
    tmp11, tmp12 = tmp1 + tmp2, tmp1 - tmp2
    if even_shift > 0:
        d[offset] = (tmp10 + tmp11) << even_shift
        d[offset + 4 * stride] = (tmp10 - tmp11) << even_shift
    else:
        d[offset] = _descale(tmp10 + tmp11, -even_shift)
        d[offset + 4 * stride] = _descale(tmp10 - tmp11, -even_shift)
    z1 = (tmp12 + tmp13) * 4433
    d[offset + 2 * stride] = _descale(z1 + tmp13 * 6270, odd_shift)
    d[offset + 6 * stride] = _descale(z1 - tmp12 * 15137, odd_shift)
    z1, z2, z3, z4 = tmp4 + tmp7, tmp5 + tmp6, tmp4 + tmp6, tmp5 + tmp7
    z5 = (z3 + z4) * 9633
    tmp4, tmp5, tmp6, tmp7 = tmp4 * 2446, tmp5 * 16819, tmp6 * 25172, tmp7 * 12299
    z1, z2 = z1 * -7373, z2 * -20995
    z3, z4 = z3 * -16069 + z5, z4 * -3196 + z5
    d[offset + 7 * stride] = _descale(tmp4 + z1 + z3, odd_shift)
    d[offset + 5 * stride] = _descale(tmp5 + z2 + z4, odd_shift)
    d[offset + 3 * stride] = _descale(tmp6 + z2 + z3, odd_shift)
    d[offset + 1 * stride] = _descale(tmp7 + z1 + z4, odd_shift)


@numba.njit(inline="always")
def _load_samples(plane, r, c, fv, fh, d):
    """Level-shifted samples of block (r, c) of the component that ``plane`` (int32
    ``[H, W]``, full resolution) gives when downsampled by ``fv`` x ``fh``, into ``d[64]``.

    As libjpeg pads: columns are replicated at full resolution before downsampling
    (jcsample.c ``expand_right_edge``), rows after it (jcprepct.c pads the last row group,
    then repeats the last downsampled row down to whole blocks)."""
    h, w = plane.shape
    last_row = (h + fv - 1) // fv - 1
    shift = 0 if fv * fh == 1 else (1 if fv * fh == 2 else 2)
    for y in range(8):
        row0 = min(8 * r + y, last_row) * fv
        for x in range(8):
            col = 8 * c + x
            total = 0
            for dy in range(fv):
                row = min(row0 + dy, h - 1)
                for dx in range(fh):
                    total += plane[row, min(col * fh + dx, w - 1)]
            if shift:
                total = (total + (col & 1) + (shift - 1)) >> shift
            d[8 * y + x] = total - 128


@numba.njit(cache=True, nogil=True)
def islow_blocks(plane, rows, cols, fv, fh):
    """libjpeg's ``jpeg_fdct_islow`` of the first ``rows`` x ``cols`` blocks of a component
    downsampled by ``fv`` x ``fh`` (1 or 2) from ``plane`` (int32 samples 0..255 ``[H, W]``,
    edges replicated, libjpeg's downsampling bias): int32 ``[rows, cols, 64]``, natural
    order."""
    out = np.empty((rows, cols, 64), dtype=np.int32)
    d = np.empty(64, dtype=np.int64)
    for r in range(rows):
        for c in range(cols):
            _load_samples(plane, r, c, fv, fh, d)
            for y in range(8):
                _fdct_1d(d, 1, 8 * y, PASS1_BITS, CONST_BITS - PASS1_BITS)
            for x in range(8):
                _fdct_1d(d, 8, x, -PASS1_BITS, CONST_BITS + PASS1_BITS)
            for k in range(64):
                out[r, c, k] = d[k]
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

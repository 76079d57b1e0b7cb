"""Compiled (numba) kernels of :mod:`jpegzoo.jpeg.forward`: pixels -> quantized DCT levels,
one MCU row at a time, with libjpeg-turbo's integer arithmetic.

Per MCU row, as libjpeg does it:

1. colour conversion of the row's pixels (rows and columns past the image repeat its last
   ones, to whole MCUs) into int32 planes: YCbCr with libjpeg's 16-bit fixed-point matrix
   (``jccolor.c``), or the grey samples as they are;
2. chroma downsampling (``jcsample.c``): box sums rounded with the bias that alternates
   along each output row (h2v1: 0, 1, 0, 1, ...; h2v2: 1, 2, 1, 2, ...); chroma rows past
   the component's height repeat its last row (``expand_bottom_edge``);
3. the accurate integer DCT (``jfdctint.c``) of all the row's blocks of a plane at once:
   the samples are laid out so that each 1-D pass is one loop over all blocks, which the
   compiler vectorizes; or, for ``dct_method="float"``, the orthonormal float64 DCT;
4. quantization with libjpeg's rounding (``jcdctmgr.c``: halves away from zero) to int16;
5. luma blocks wholly outside the image become libjpeg's DC-only dummy blocks
   (``jccoefct.c``).

Scratch memory is a few planes of one MCU row. Compiled on first use (seconds), cached on
disk beside this module (``cache=True``); imported by the first encode only (numba takes
~0.4 s to import).
"""

import numba
import numpy as np
from numba import int32 as i32

from jpegzoo.layers.numerics.islow_constants import (
    CONST_BITS,
    FIX_0_298631336,
    FIX_0_390180644,
    FIX_0_541196100,
    FIX_0_765366865,
    FIX_0_899976223,
    FIX_1_175875602,
    FIX_1_501321110,
    FIX_1_847759065,
    FIX_1_961570560,
    FIX_2_053119869,
    FIX_2_562915447,
    FIX_3_072711026,
    PASS1_BITS,
)

_JIT = dict(cache=True, nogil=True)


# jccolor.c (SCALEBITS = 16): FIX(x) = round(x * 65536); the offsets hold ONE_HALF (Y)
# and CBCR_OFFSET + ONE_HALF - 1 (Cb, Cr). Every sum fits in 24 bits.
Y_OFFSET = 32768
CHROMA_OFFSET = 128 * 65536 + 32767

#: Columns of the repeated quantization tables of :func:`_islow_blocks` (64 blocks).
TABLE_COLUMNS = 512

#: Orthonormal 8-point DCT-II matrix (float64 [8, 8]): ``X = D x D^T`` per block.
_k = np.arange(8)
DCT_MATRIX = np.sqrt(np.where(_k == 0, 1.0, 2.0) / 8.0)[:, None] * np.cos(
    (2 * _k[None, :] + 1) * _k[:, None] * np.pi / 16)


@numba.njit(cache=True)
def _colour_rows(pixels, first_pixel_row, planes):
    """Planes int32 ``[C, rows, width]`` of pixel rows ``first_pixel_row ..`` of ``pixels``
    (uint8 ``[H, W, C]``): YCbCr (C = 3) or grey (C = 1); rows past H repeat row H - 1 and
    columns past W repeat column W - 1."""
    height, width, channels = pixels.shape
    flat = pixels.reshape(height, width * channels)  # flat rows: the loops vectorize
    for i in range(planes.shape[1]):
        row = flat[min(first_pixel_row + i, height - 1)]
        if channels == 1:
            out = planes[0, i]
            for x in range(width):
                out[x] = row[x]
        else:
            y_out, cb_out, cr_out = planes[0, i], planes[1, i], planes[2, i]
            for x in range(width):
                r, g, b = i32(row[3 * x]), i32(row[3 * x + 1]), i32(row[3 * x + 2])
                y_out[x] = i32(i32(i32(19595 * r) + i32(38470 * g))
                               + i32(i32(7471 * b) + Y_OFFSET)) >> 16
                cb_out[x] = i32(i32(i32(-11059 * r) - i32(21709 * g))
                                + i32(i32(32768 * b) + CHROMA_OFFSET)) >> 16
                cr_out[x] = i32(i32(i32(32768 * r) - i32(27439 * g))
                                + i32(CHROMA_OFFSET - i32(5329 * b))) >> 16
        for c in range(channels):
            for x in range(width, planes.shape[2]):
                planes[c, i, x] = planes[c, i, width - 1]


@numba.njit(cache=True)
def _downsample(plane, out, fv, fh, first_chroma_row, chroma_height):
    """Box-average ``plane`` (int32 ``[8 fv, fh W']``: full-resolution rows of this MCU
    row) into ``out`` (int32 ``[8, W']``) with libjpeg's alternating bias; chroma rows past
    ``chroma_height`` repeat the last one."""
    count = fv * fh
    shift = 1 if count == 2 else 2
    base = 0 if count == 2 else 1
    for i in range(8):
        source = fv * (min(first_chroma_row + i, chroma_height - 1) - first_chroma_row)
        top, bottom = plane[source], plane[source + fv - 1]
        dest = out[i]
        for j in range(out.shape[1]):
            total = top[2 * j] + top[2 * j + 1]
            if fv == 2:
                total += bottom[2 * j] + bottom[2 * j + 1]
            dest[j] = (total + base + (j & 1)) >> shift


@numba.njit(cache=True)
def _islow_pass(src, dst, columns, first):
    """One 1-D pass of ``jpeg_fdct_islow`` along axis 0 of ``src`` (int32 ``[8, >= N]``)
    for each of its first N = ``columns`` columns, into ``dst``. ``first``: the row pass
    (outputs 0 and 4 shifted left by PASS1_BITS, the others DESCALEd by CONST_BITS -
    PASS1_BITS); else the column pass (DESCALEd by PASS1_BITS and CONST_BITS +
    PASS1_BITS). int32 throughout, as libjpeg, so that the loop vectorizes."""
    shift = CONST_BITS - PASS1_BITS if first else CONST_BITS + PASS1_BITS
    half = 1 << (shift - 1)
    s0, s1, s2, s3, s4, s5, s6, s7 = src[0], src[1], src[2], src[3], src[4], src[5], \
        src[6], src[7]
    o0, o1, o2, o3, o4, o5, o6, o7 = dst[0], dst[1], dst[2], dst[3], dst[4], dst[5], \
        dst[6], dst[7]
    for j in range(columns):
        tmp0, tmp7 = i32(s0[j] + s7[j]), i32(s0[j] - s7[j])
        tmp1, tmp6 = i32(s1[j] + s6[j]), i32(s1[j] - s6[j])
        tmp2, tmp5 = i32(s2[j] + s5[j]), i32(s2[j] - s5[j])
        tmp3, tmp4 = i32(s3[j] + s4[j]), i32(s3[j] - s4[j])
        tmp10, tmp13 = i32(tmp0 + tmp3), i32(tmp0 - tmp3)
        tmp11, tmp12 = i32(tmp1 + tmp2), i32(tmp1 - tmp2)
        if first:
            o0[j] = i32(tmp10 + tmp11) << PASS1_BITS
            o4[j] = i32(tmp10 - tmp11) << PASS1_BITS
        else:
            o0[j] = i32(tmp10 + tmp11 + 2) >> PASS1_BITS
            o4[j] = i32(tmp10 - tmp11 + 2) >> PASS1_BITS
        z1 = i32(i32(tmp12 + tmp13) * FIX_0_541196100)
        o2[j] = i32(i32(z1 + i32(tmp13 * FIX_0_765366865)) + half) >> shift
        o6[j] = i32(i32(z1 - i32(tmp12 * FIX_1_847759065)) + half) >> shift
        z1, z2 = i32(tmp4 + tmp7), i32(tmp5 + tmp6)
        z3, z4 = i32(tmp4 + tmp6), i32(tmp5 + tmp7)
        z5 = i32(i32(z3 + z4) * FIX_1_175875602)
        tmp4, tmp5 = i32(tmp4 * FIX_0_298631336), i32(tmp5 * FIX_2_053119869)
        tmp6, tmp7 = i32(tmp6 * FIX_3_072711026), i32(tmp7 * FIX_1_501321110)
        z1, z2 = i32(z1 * -FIX_0_899976223), i32(z2 * -FIX_2_562915447)
        z3 = i32(i32(z3 * -FIX_1_961570560) + z5)
        z4 = i32(i32(z4 * -FIX_0_390180644) + z5)
        o7[j] = i32(i32(tmp4 + z1) + i32(z3 + half)) >> shift
        o5[j] = i32(i32(tmp5 + z2) + i32(z4 + half)) >> shift
        o3[j] = i32(i32(tmp6 + z2) + i32(z3 + half)) >> shift
        o1[j] = i32(i32(tmp7 + z1) + i32(z4 + half)) >> shift


@numba.njit(cache=True)
def _islow_blocks(plane, block_rows, block_cols, recip, half, work, spare, out):
    """Integer DCT and quantization of the ``block_rows x block_cols`` blocks at the top
    left of ``plane`` (int32 samples) into ``out`` (int16 ``[block_rows, >= block_cols,
    64]``, natural order), with ``work`` and ``spare`` int32 ``[8, >= 8 * blocks]``.

    The DCT output is 8x the orthonormal one, so a coefficient ``c`` is divided by ``8q``
    rounding halves away from zero: ``sign(c) * floor((|c| + 4q) / 8q)``, computed as
    ``floor((|c| + 4q + 0.5) * recip)`` in float32 from ``recip = 1 / 8q`` and
    ``half = 4q`` (float32 and int32 ``[8, TABLE_COLUMNS]``: row v holds
    ``table[8 v: 8 v + 8]`` repeated). That is exact: the true quotient lies at least
    ``1 / 16q`` from an integer, the float error (one rounding of ``recip``, one of the
    product, on quotients below ``1100 / q``) about ``1.3e-4 / q``; the tests check every
    ``|c| < 40000`` at every ``q``.
    """
    count = block_rows * block_cols
    for br in range(block_rows):  # work[x, 8 b + y] = sample (y, x) of block b, minus 128
        for bc in range(block_cols):
            column = 8 * (br * block_cols + bc)
            for y in range(8):
                row = plane[8 * br + y]
                for x in range(8):
                    work[x, column + y] = row[8 * bc + x] - 128
    # (whole rows only: column slices would be strided arrays, which do not vectorize)
    _islow_pass(work, spare, 8 * count, True)  # spare[u, 8 b + y]
    for b in range(count):
        for u in range(8):
            for y in range(8):
                work[y, 8 * b + u] = spare[u, 8 * b + y]
    _islow_pass(work, spare, 8 * count, False)  # spare[v, 8 b + u]
    for v in range(8):  # quantized in place, in runs of TABLE_COLUMNS
        row = spare[v]
        for start in range(0, 8 * count, TABLE_COLUMNS):
            for j in range(min(TABLE_COLUMNS, 8 * count - start)):
                c = row[start + j]
                magnitude = i32((np.float32(i32(abs(c) + half[v, j])) + np.float32(0.5))
                                * recip[v, j])
                row[start + j] = magnitude if c >= 0 else -magnitude
    for br in range(block_rows):
        for bc in range(block_cols):
            column = 8 * (br * block_cols + bc)
            levels = out[br, bc]
            for v in range(8):
                for u in range(8):
                    levels[8 * v + u] = spare[v, column + u]


@numba.njit(cache=True)
def _float_blocks(plane, block_rows, block_cols, qtable, out):
    """Orthonormal float64 DCT of the ``block_rows x block_cols`` blocks at the top left
    of ``plane`` and quantization by ``qtable`` (int32 [64]), rounding halves away from
    zero, into ``out`` (int16 ``[block_rows, >= block_cols, 64]``)."""
    rows = np.empty((8, 8))
    for br in range(block_rows):
        for bc in range(block_cols):
            for y in range(8):  # rows[y, u] = sum_x (sample[y, x] - 128) D[u, x]
                for u in range(8):
                    total = 0.0
                    for x in range(8):
                        total += (plane[8 * br + y, 8 * bc + x] - 128.0) * DCT_MATRIX[u, x]
                    rows[y, u] = total
            for v in range(8):
                for u in range(8):
                    total = 0.0
                    for y in range(8):
                        total += DCT_MATRIX[v, y] * rows[y, u]
                    scaled = total / qtable[8 * v + u]
                    magnitude = np.int64(np.floor(abs(scaled) + 0.5))
                    out[br, bc, 8 * v + u] = -magnitude if scaled < 0 else magnitude


@numba.njit(cache=True)
def _dummy_blocks(luma, mcu_row, first_row, fv, fh, luma_rows, luma_cols):
    """Turn the luma blocks of MCU row ``mcu_row`` that lie wholly outside the image into
    libjpeg's dummy blocks: no AC, and the DC of the block before them in the MCU (right
    edge) or of the last block of the MCU's row above (bottom edge)."""
    for by in range(fv):
        row = mcu_row * fv + by
        out_row = (mcu_row - first_row) * fv + by
        for col in range(luma.shape[1]):
            if row < luma_rows and col < luma_cols:
                continue
            block = luma[out_row, col]
            block[:] = 0
            if row >= luma_rows:
                block[0] = luma[out_row - 1, (col // fh) * fh + fh - 1, 0]
            else:
                block[0] = luma[out_row, col - 1, 0]


@numba.njit(**_JIT)
def transform_mcu_rows(pixels, first_row, last_row, fv, fh, qtables, recips, halves,
                       use_float, luma, cb, cr):
    """Quantized levels of MCU rows ``first_row .. last_row - 1`` of an image.

    Args:
        pixels: uint8 ``[H, W, C]`` C-contiguous, C = 1 (grey: one block per MCU) or 3
            (RGB: luma sampling (fh, fv), chroma (1, 1)).
        fv, fh: chroma decimation factors (1 or 2; 1 for grey).
        qtables: int32 ``[C, 64]`` natural-order tables; ``recips`` float32 and ``halves``
            int32 ``[C, 8, TABLE_COLUMNS]``: ``1 / 8q`` and ``4q`` repeated (see
            :func:`_islow_blocks`).
        use_float: the orthonormal float DCT instead of libjpeg's integer one.
        luma: int16 ``[>= (last_row - first_row) * fv, mcu_cols * fh, 64]``: receives
            the luma blocks of those rows (row 0 = the first row's first block row).
        cb, cr: int16 ``[>= last_row - first_row, mcu_cols, 64]`` chroma blocks (ignored
            for grey: pass ``luma``).
    """
    height, width, channels = pixels.shape
    mcu_cols = luma.shape[1] // fh
    padded = 8 * fh * mcu_cols
    planes = np.empty((channels, 8 * fv, padded), np.int32)
    chroma = np.empty((2, 8, 8 * mcu_cols), np.int32)
    work = np.empty((8, 8 * fv * fh * mcu_cols), np.int32)
    spare = np.empty_like(work)
    for mcu_row in range(first_row, last_row):
        out_row = mcu_row - first_row
        _colour_rows(pixels, 8 * fv * mcu_row, planes)
        blocks = luma[out_row * fv:out_row * fv + fv]
        if use_float:
            _float_blocks(planes[0], fv, fh * mcu_cols, qtables[0], blocks)
        else:
            _islow_blocks(planes[0], fv, fh * mcu_cols, recips[0], halves[0], work, spare,
                          blocks)
        _dummy_blocks(luma, mcu_row, first_row, fv, fh, (height + 7) // 8, (width + 7) // 8)
        for which in range(channels - 1):
            plane = planes[1 + which]
            if fv * fh > 1:
                _downsample(plane, chroma[which], fv, fh, 8 * mcu_row,
                            (height + fv - 1) // fv)
                plane = chroma[which]
            blocks = (cb if which == 0 else cr)[out_row:out_row + 1]
            if use_float:
                _float_blocks(plane, 1, mcu_cols, qtables[1 + which], blocks)
            else:
                _islow_blocks(plane, 1, mcu_cols, recips[1 + which], halves[1 + which],
                              work, spare, blocks)

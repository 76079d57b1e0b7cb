"""libjpeg's accurate integer DCT (``JDCT_ISLOW``: jfdctint.c and jidctint.c), bit-exact.

This is the DCT libjpeg-turbo (and so Pillow) uses by default: the Loeffler-Ligtenberg-
Moschytz factorisation with 13-bit fixed-point constants and two passes (rows, then
columns) whose rounding is part of the result. Reproducing it exactly lets jpegzoo's
layers compute the same coefficients as libjpeg-turbo (the reference encoder has its own
compiled copy, :mod:`jpegzoo.jpeg.forward_kernels`), so file sizes can be compared with no
arithmetic noise in between.

Forward (:func:`islow_fdct`): level-shifted integer samples ``[..., 8, 8]`` (rows =
vertical position) -> int32 coefficients scaled by 8 relative to the orthonormal DCT
(libjpeg divides by ``8 * q`` when quantizing). Inverse (:func:`islow_idct`): dequantized
coefficients -> clamped 8-bit samples, as libjpeg-turbo (and so Pillow) decodes.
Not differentiable: use the float :class:`~jpegzoo.layers.BlockDCT` / ``BlockIDCT`` for
training.
"""

from keras import ops

from jpegzoo.layers.numerics import islow_constants as fixed


def _descale(x, n):
    """libjpeg's DESCALE: add half, arithmetic shift right by ``n`` (floor division)."""
    return ops.floor_divide(x + (1 << (n - 1)), 1 << n)


def _odd_part(t0, t1, t2, t3):
    """The odd-part rotation shared by jfdctint.c and jidctint.c (Loeffler et al.): four
    inputs -> four undescaled outputs, with libjpeg's 13-bit constants."""
    z1, z2, z3, z4 = t0 + t3, t1 + t2, t0 + t2, t1 + t3
    z5 = (z3 + z4) * fixed.FIX_1_175875602
    t0, t1 = t0 * fixed.FIX_0_298631336, t1 * fixed.FIX_2_053119869
    t2, t3 = t2 * fixed.FIX_3_072711026, t3 * fixed.FIX_1_501321110
    z1, z2 = z1 * -fixed.FIX_0_899976223, z2 * -fixed.FIX_2_562915447
    z3, z4 = z3 * -fixed.FIX_1_961570560 + z5, z4 * -fixed.FIX_0_390180644 + z5
    return t0 + z1 + z3, t1 + z2 + z4, t2 + z2 + z3, t3 + z1 + z4


def _pass(d, even_shift, odd_shift):
    """One 1-D pass of jfdctint.c over the last axis (8 values -> 8 coefficients).

    ``even_shift`` describes outputs 0 and 4: a left shift (pass 1, > 0) or a DESCALE
    (pass 2, < 0); outputs 2, 6 and the odd ones are DESCALEd by ``odd_shift``.
    """
    tmp0, tmp7 = d[0] + d[7], d[0] - d[7]
    tmp1, tmp6 = d[1] + d[6], d[1] - d[6]
    tmp2, tmp5 = d[2] + d[5], d[2] - d[5]
    tmp3, tmp4 = d[3] + d[4], d[3] - d[4]
    tmp10, tmp13 = tmp0 + tmp3, tmp0 - tmp3
    tmp11, tmp12 = tmp1 + tmp2, tmp1 - tmp2
    if even_shift > 0:
        out0, out4 = (tmp10 + tmp11) * (1 << even_shift), (tmp10 - tmp11) * (1 << even_shift)
    else:
        out0, out4 = _descale(tmp10 + tmp11, -even_shift), _descale(tmp10 - tmp11, -even_shift)
    z1 = (tmp12 + tmp13) * fixed.FIX_0_541196100
    out2 = _descale(z1 + tmp13 * fixed.FIX_0_765366865, odd_shift)
    out6 = _descale(z1 - tmp12 * fixed.FIX_1_847759065, odd_shift)
    out7, out5, out3, out1 = (_descale(v, odd_shift)
                              for v in _odd_part(tmp4, tmp5, tmp6, tmp7))
    return [out0, out1, out2, out3, out4, out5, out6, out7]


def islow_fdct(blocks):
    """Forward DCT of ``[..., 8, 8]`` level-shifted integer samples, as libjpeg computes it.

    Returns int32 ``[..., 8, 8]`` (frequency ``[v, u]``), 8x the orthonormal DCT.
    """
    x = ops.cast(blocks, "int32")
    rows = _pass([x[..., k] for k in range(8)], fixed.PASS1_BITS,
                 fixed.CONST_BITS - fixed.PASS1_BITS)
    x = ops.stack(rows, axis=-1)  # [..., y, u]
    cols = _pass([x[..., k, :] for k in range(8)], -fixed.PASS1_BITS,
                 fixed.CONST_BITS + fixed.PASS1_BITS)
    return ops.stack(cols, axis=-2)  # [..., v, u]


def _idct_pass(d, shift):
    """One 1-D pass of jidctint.c (8 dequantized inputs -> 8 outputs, DESCALEd by
    ``shift``), in the order libjpeg adds its products."""
    z1 = (d[2] + d[6]) * fixed.FIX_0_541196100
    tmp2 = z1 + d[6] * -fixed.FIX_1_847759065
    tmp3 = z1 + d[2] * fixed.FIX_0_765366865
    tmp0 = (d[0] + d[4]) * (1 << fixed.CONST_BITS)
    tmp1 = (d[0] - d[4]) * (1 << fixed.CONST_BITS)
    tmp10, tmp13 = tmp0 + tmp3, tmp0 - tmp3
    tmp11, tmp12 = tmp1 + tmp2, tmp1 - tmp2
    o0, o1, o2, o3 = _odd_part(d[7], d[5], d[3], d[1])
    out = [tmp10 + o3, tmp11 + o2, tmp12 + o1, tmp13 + o0,
           tmp13 - o0, tmp12 - o1, tmp11 - o2, tmp10 - o3]
    return [_descale(v, shift) for v in out]


def islow_idct(coefficients):
    """Inverse DCT of dequantized integer coefficients ``[..., 8, 8]`` (``[v, u]``), as
    libjpeg-turbo's ``jpeg_idct_islow`` computes it, including the level shift and the
    clamp to 0..255: int32 samples ``[..., 8, 8]`` (``[y, x]``). Not differentiable."""
    x = ops.cast(coefficients, "int64")
    columns = _idct_pass([x[..., k, :] for k in range(8)], fixed.CONST_BITS - fixed.PASS1_BITS)
    x = ops.stack(columns, axis=-2)  # [..., y, u]
    rows = _idct_pass([x[..., k] for k in range(8)], fixed.CONST_BITS + fixed.PASS1_BITS + 3)
    samples = ops.stack(rows, axis=-1) + 128  # [..., y, x]
    return ops.cast(ops.clip(samples, 0, 255), "int32")

"""What a JPEG decoder (libjpeg-turbo, as in Pillow) makes of candidate blocks, in numpy.

The mutated encoder scores every candidate block by the error of the pixels a decoder
would show, so this module mirrors the decoding chain: dequantize, inverse DCT, level
shift, round and clip to 8-bit samples; libjpeg's integer "fancy" (triangle) chroma
upsampling; libjpeg's fixed-point YCbCr -> RGB conversion with clipping. Everything but the
inverse DCT is bit-exact with libjpeg-turbo; the inverse DCT is the exact float transform
rounded to integers, which differs from libjpeg-turbo's integer ``jidctint`` by at most one
level on a few samples (measured in the tests).

Shapes: blocks are zigzag-ordered ``[..., 64]``; sample blocks are ``[..., 8, 8]``; planes
are ``[H, W]`` int32 samples 0..255.
"""

import numpy as np

from jpegzoo.layers.dct import dct_matrix
from jpegzoo.layers.numerics.standard import ZIGZAG


def _idct_basis():
    """float32 [64, 64]: row k = the 8x8 samples of zigzag coefficient k (orthonormal)."""
    d = dct_matrix(8).astype(np.float64)  # d[u, x]
    basis = np.einsum("vy,ux->vuyx", d, d).reshape(64, 64)  # natural index 8v+u -> 8y+x
    return basis[ZIGZAG].astype(np.float32)


IDCT_BASIS = _idct_basis()


def round_half_away(x):
    return np.trunc(x + np.copysign(0.5, x))


def dequantized_samples(levels, qtable):
    """Float samples ``[..., 8, 8]`` (level-shifted back, unrounded) of zigzag levels."""
    coefficients = np.asarray(levels, np.float32) * qtable
    return (coefficients @ IDCT_BASIS).reshape(*coefficients.shape[:-1], 8, 8) + 128.0


def to_samples(float_samples):
    """Decoder output samples: rounded and clipped to int32 0..255."""
    return np.clip(round_half_away(float_samples), 0, 255).astype(np.int32)


def decode_plane(levels, qtable):
    """Samples ``[8 Hb, 8 Wb]`` of a component's zigzag level grid ``[Hb, Wb, 64]``."""
    samples = to_samples(dequantized_samples(levels, qtable))  # [Hb, Wb, 8, 8]
    hb, wb = samples.shape[:2]
    return samples.transpose(0, 2, 1, 3).reshape(hb * 8, wb * 8)


def blocks_of(plane, size=8):
    """``[H, W]`` -> ``[H/size, W/size, size, size]`` (a view when possible)."""
    h, w = plane.shape
    return plane.reshape(h // size, size, w // size, size).swapaxes(1, 2)


def fancy_upsample(padded):
    """libjpeg's h2v2 fancy upsampling (jdsample.c) of samples with a one-sample ring.

    ``padded`` int32 ``[..., h + 2, w + 2]`` (the ring replicates the edge where the image
    ends) -> ``[..., 2h, 2w]``: vertically 3/4 nearer + 1/4 farther row, then horizontally
    the same, with libjpeg's rounding biases 8 and 7.
    """
    centre = 3 * padded[..., 1:-1, :]
    rows = _interleave(centre + padded[..., :-2, :], centre + padded[..., 2:, :], axis=-2)
    middle = 3 * rows[..., 1:-1]
    return _interleave((middle + rows[..., :-2] + 8) >> 4, (middle + rows[..., 2:] + 7) >> 4,
                       axis=-1)


def _interleave(even, odd, axis):
    stacked = np.stack([even, odd], axis=axis)  # new axis right after ``axis``' position
    shape = list(even.shape)
    shape[axis] *= 2
    return stacked.reshape(shape)


def upsample_plane(plane, real_height, real_width):
    """Fancy-upsample a whole chroma plane whose real (non-padding) size is given; the
    result covers ``2 x`` the plane's padded size, replicating edges as libjpeg does."""
    rows = np.minimum(np.arange(-1, plane.shape[0] + 1).clip(0), real_height - 1)
    cols = np.minimum(np.arange(-1, plane.shape[1] + 1).clip(0), real_width - 1)
    return fancy_upsample(plane[rows[:, None], cols[None, :]])


# libjpeg's jdcolor.c tables: FIX(x) = round(x * 2^16), ONE_HALF = 2^15.
_CR_R, _CB_B, _CB_G, _CR_G = 91881, 116130, 22554, 46802


def ycbcr_to_rgb(y, cb, cr):
    """libjpeg's fixed-point JFIF YCbCr -> RGB with clipping; int32 arrays of one shape
    -> ``[..., 3]`` int32 RGB."""
    cb = cb - 128
    cr = cr - 128
    red = y + ((_CR_R * cr + 32768) >> 16)
    green = y + ((-_CB_G * cb - _CR_G * cr + 32768) >> 16)
    blue = y + ((_CB_B * cb + 32768) >> 16)
    return np.clip(np.stack([red, green, blue], axis=-1), 0, 255)

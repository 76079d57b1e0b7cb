"""Orthonormal 8x8 block DCT-II and its inverse, as Keras 3 layers.

Coefficient layout used throughout jpegzoo: ``[B, H/8, W/8, C, 64]``, the last axis in
*natural* (row-major) order, index ``8 * v + u`` with ``v`` the vertical and ``u`` the
horizontal frequency. This is the order libjpeg keeps coefficients in memory; the file
stores them in zigzag order (see :mod:`jpegzoo.layers.zigzag`).

Both transforms are linear (matrix products), hence differentiable everywhere.
"""

import math

import keras
import numpy as np
from keras import ops

from jpegzoo.layers.islow_dct import islow_fdct

BLOCK = 8


def dct_matrix(n=BLOCK):
    """Orthonormal DCT-II matrix ``D`` (float64, [n, n]) with ``X = D x D^T`` per block."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.cos((2 * i + 1) * k * math.pi / (2 * n)) * math.sqrt(2.0 / n)
    d[0] /= math.sqrt(2.0)
    return d


def pad_to_multiple(images, multiple_h, multiple_w):
    """Edge-replicate ``images`` [B, H, W, C] at the bottom/right to multiples of the sizes.

    This is what libjpeg does to fill partial blocks and MCUs (it replicates the last
    column and row), so the padded blocks cost few bits and decode cleanly. Works with
    dynamic (graph-mode) shapes: padding is a gather with clamped indices.
    """
    shape = ops.shape(images)
    images = _replicate_along(images, shape[1], multiple_h, axis=1)
    return _replicate_along(images, shape[2], multiple_w, axis=2)


def _replicate_along(images, size, multiple, axis):
    padded = (size + multiple - 1) // multiple * multiple
    if isinstance(size, int) and padded == size:
        return images
    index = ops.minimum(ops.arange(padded), size - 1)
    return ops.take(images, index, axis=axis)


def blocks_from_image(images):
    """[B, H, W, C] (H, W multiples of 8) -> [B, H/8, W/8, C, 8, 8] pixel blocks."""
    b, h, w, c = ops.shape(images)
    x = ops.reshape(images, (b, h // BLOCK, BLOCK, w // BLOCK, BLOCK, c))
    return ops.transpose(x, (0, 1, 3, 5, 2, 4))


def image_from_blocks(blocks):
    """[B, Hb, Wb, C, 8, 8] pixel blocks -> [B, 8*Hb, 8*Wb, C] image."""
    b, hb, wb, c = ops.shape(blocks)[:4]
    x = ops.transpose(blocks, (0, 1, 4, 2, 5, 3))
    return ops.reshape(x, (b, hb * BLOCK, wb * BLOCK, c))


@keras.saving.register_keras_serializable(package="jpegzoo")
class BlockDCT(keras.layers.Layer):
    """Orthonormal 2-D DCT-II of every 8x8 block.

    Input:  ``[B, H, W, C]`` float samples (any units; JPEG feeds level-shifted samples,
            i.e. 0..255 minus 128).
    Output: ``[B, ceil(H/m_h)*m_h/8, ceil(W/m_w)*m_w/8, C, 64]`` coefficients in natural
            order, same units as the input (orthonormal: the DC is 8x the block mean).

    Args:
        pad_multiple: (m_h, m_w) pixel multiple the input is edge-padded to first
            (8 for plain blocks; the MCU size, e.g. 16, when chroma is subsampled so
            that the subsampled planes still tile into whole blocks).
        method: ``"float"`` (exact orthonormal DCT, differentiable) or ``"islow"``
            (libjpeg's integer DCT, bit-exact with libjpeg-turbo for integer samples,
            divided by 8 to the same scale; no gradient).
    """

    METHODS = ("float", "islow")

    def __init__(self, pad_multiple=(BLOCK, BLOCK), method="float", **kwargs):
        super().__init__(**kwargs)
        self.pad_multiple = tuple(int(m) for m in pad_multiple)
        if any(m % BLOCK for m in self.pad_multiple):
            raise ValueError(f"pad_multiple must be multiples of 8, got {self.pad_multiple}")
        if method not in self.METHODS:
            raise ValueError(f"unknown DCT method {method!r}; use one of {self.METHODS}")
        self.method = method
        self._matrix = dct_matrix().astype("float32")

    def call(self, images):
        images = pad_to_multiple(images, *self.pad_multiple)
        blocks = blocks_from_image(images)
        if self.method == "islow":
            coeffs = ops.cast(islow_fdct(ops.round(blocks)), blocks.dtype) / 8.0
        else:
            d = ops.convert_to_tensor(self._matrix, dtype=blocks.dtype)
            coeffs = ops.einsum("vy,bhwcyx,ux->bhwcvu", d, blocks, d)
        shape = ops.shape(coeffs)
        return ops.reshape(coeffs, (*shape[:4], BLOCK * BLOCK))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape

        def blocks(size, m):
            return None if size is None else -(-size // m) * m // BLOCK

        return (b, blocks(h, self.pad_multiple[0]), blocks(w, self.pad_multiple[1]), c,
                BLOCK * BLOCK)

    def get_config(self):
        return {**super().get_config(), "pad_multiple": self.pad_multiple,
                "method": self.method}


@keras.saving.register_keras_serializable(package="jpegzoo")
class BlockIDCT(keras.layers.Layer):
    """Inverse of :class:`BlockDCT`: ``[B, Hb, Wb, C, 64]`` -> ``[B, 8*Hb, 8*Wb, C]``.

    Crop the padded result with :func:`crop_to` if the original size is known.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._matrix = dct_matrix().astype("float32")

    def call(self, coeffs):
        shape = ops.shape(coeffs)
        blocks = ops.reshape(coeffs, (*shape[:4], BLOCK, BLOCK))
        d = ops.convert_to_tensor(self._matrix, dtype=blocks.dtype)
        pixels = ops.einsum("vy,bhwcvu,ux->bhwcyx", d, blocks, d)
        return image_from_blocks(pixels)

    def compute_output_shape(self, input_shape):
        b, hb, wb, c, _ = input_shape
        return (b, None if hb is None else hb * BLOCK, None if wb is None else wb * BLOCK, c)


def crop_to(images, height, width):
    """Crop ``images`` [B, H', W', C] to its top-left ``height`` x ``width`` pixels."""
    return images[:, :height, :width, :]

"""The differentiable rate-distortion objective of JPEG quantization tables.

Both the per-image optimizer and the ``qtable_generator`` minimise, per image,

    loss = bpp + lambda * (1 - MS-SSIM)

where ``bpp`` is the calibrated :class:`~jpegzoo.layers.LogMagnitudeRate` estimate of the
optimized-Huffman scan (bits / pixels) and MS-SSIM (RGB, 0..255, the five scales of Wang
et al. 2003, :func:`tf.image.ssim_multiscale`) is computed on the image a decoder shows:
YCbCr with the subsampling that is written, integer tables, straight-through rounding of
levels, libjpeg's upsampling and rounding (:class:`~jpegzoo.layers.JpegSynthesis`).
The tables enter rounded to integers in 1..255 (straight-through), as they are written.

Tensors: ``images`` float32 ``[B, H, W, 3]`` (0..255, H and W >= 161 for MS-SSIM);
``coefficients`` the dict of :meth:`JpegAnalysis.transform`; ``tables`` float32
``[B, 2, 64]`` (luma, chroma; natural order).
"""

import tensorflow as tf

from jpegzoo.layers.color import round_half_away, straight_through
from jpegzoo.layers.jpeg_transform import JpegAnalysis, JpegSynthesis


def integer_tables(tables):
    """Tables rounded to integers and clipped to the baseline range 1..255
    (straight-through, so gradients pass the rounding)."""
    clipped = tf.clip_by_value(tables, 1.0, 255.0)
    return straight_through(clipped, tf.round(clipped))


def component_tables(tables):
    """``[B, 2, 64]`` luma/chroma -> ``[B, 3, 64]`` per component (Cb and Cr share)."""
    return tf.concat([tables, tables[:, 1:]], axis=1)


class RateDistortion:
    """Rate (bpp) and MS-SSIM of JPEG files made with given tables.

    Args:
        subsampling: '420' or '444', as written.
        rate_model: a :class:`~jpegzoo.layers.LogMagnitudeRate` (bits per image).
    """

    def __init__(self, subsampling, rate_model):
        self.subsampling = subsampling
        self.analysis = JpegAnalysis(subsampling, quantize_mode="ste")
        self.synthesis = JpegSynthesis(subsampling, round_output=True)
        self.rate_model = rate_model

    def coefficients(self, images):
        """The unquantized DCT coefficients of ``images`` (they do not depend on tables)."""
        return self.analysis.transform(images)

    def __call__(self, images, coefficients, tables):
        """``(bpp [B], ms_ssim [B])`` for float ``tables`` ``[B, 2, 64]``."""
        tables = component_tables(integer_tables(tables))
        scaled = {"luma": coefficients["luma"] / tables[:, None, None, :1],
                  "chroma": coefficients["chroma"] / tables[:, None, None, 1:]}
        levels = {name: straight_through(y, round_half_away(y)) for name, y in scaled.items()}
        height, width = tf.shape(images)[1], tf.shape(images)[2]
        decoded = self.synthesis(levels, tables, height=height, width=width)
        pixels = tf.cast(height * width, tf.float32)
        bpp = self.rate_model(scaled) / pixels
        quality = tf.image.ssim_multiscale(tf.clip_by_value(decoded, 0.0, 255.0), images, 255.0)
        return bpp, quality

    def loss(self, images, coefficients, tables, lam):
        """Per-image ``bpp + lam * (1 - MS-SSIM)`` ``[B]`` with ``lam`` ``[B]``."""
        bpp, quality = self(images, coefficients, tables)
        return bpp + lam * (1.0 - quality), bpp, quality

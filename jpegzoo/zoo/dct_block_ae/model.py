"""``dct_block_ae``: a learned codec over JPEG's 8x8 DCT blocks.

The aejpg idea (an autoencoder over JPEG's quantized DCT blocks) done as a real codec:
the image goes through JPEG's own front end -- JFIF YCbCr, level shift, the orthonormal
8x8 block DCT on the block grid libjpeg uses -- and each block's 192 coefficients (3
components x 64), in units of the IJG quality-50 quantization steps, are the input of a
block-wise autoencoder: ``1x1 conv + GDN, 3x3 conv + GDN, 1x1 conv`` to ``latent``
channels per block (the 3x3 layer lets a block see its eight neighbours). The latents
are quantized (with the quality level's gain), coded with a factorized prior and
constriction's range coder into a ``.jzc`` file; the synthesis mirrors the analysis back
to coefficients, the inverse DCT and RGB.

Departures from the seed: its input was JPEG-quantized levels (rounding before the
autoencoder only throws information away; here the latents are what is quantized), its
latents were counted, not entropy coded, and its decoder's block grid was off by one
block row; here every file is real, decoded bit-exactly, and measured in bytes with the
model and tables counted once (shipped in the package, not in each file).

Tensors: images ``[B, H, W, 3]`` with H and W multiples of 8; latents
``[B, H/8, W/8, latent]``.
"""

import keras
import numpy as np
from keras import ops

from jpegzoo.layers import (
    GDN,
    IGDN,
    STD_CHROMINANCE_QTABLE,
    STD_LUMINANCE_QTABLE,
    BlockDCT,
    BlockIDCT,
    RGBToYCbCr,
    YCbCrToRGB,
)
from jpegzoo.zoo import learned_codec
from jpegzoo.zoo.compressive_ae import LAMBDAS

NAME = "dct_block_ae"
#: Coefficient units: the IJG quality-50 step of each (component, frequency), natural order.
STEPS = np.stack([STD_LUMINANCE_QTABLE, STD_CHROMINANCE_QTABLE, STD_CHROMINANCE_QTABLE]
                 ).astype(np.float32).reshape(1, 1, 1, 192)


@keras.saving.register_keras_serializable(package="jpegzoo")
class DctBlockAutoencoder(learned_codec.FactorizedPriorCodec):
    """Block-wise autoencoder over 8x8 DCT coefficients with a quality-gained
    factorized prior.

    Args:
        filters: channels of the hidden layers.
        latent: latent channels per 8x8 block.
        lambdas: trade-off of each quality level (see
            :class:`~jpegzoo.zoo.learned_codec.FactorizedPriorCodec`).
    """

    stride = 8

    def __init__(self, filters=192, latent=96, lambdas=LAMBDAS, **kwargs):
        super().__init__(latent, lambdas, **kwargs)
        self.filters = int(filters)
        conv = keras.layers.Conv2D
        self.to_ycbcr, self.to_rgb = RGBToYCbCr(), YCbCrToRGB()
        self.dct, self.idct = BlockDCT(), BlockIDCT()
        self.analysis_transform = keras.Sequential([
            conv(filters, 1, name="analysis_conv0"), GDN(name="analysis_gdn0"),
            conv(filters, 3, padding="same", name="analysis_conv1"), GDN(name="analysis_gdn1"),
            conv(latent, 1, name="analysis_conv2")], name="analysis")
        self.synthesis_transform = keras.Sequential([
            conv(filters, 1, name="synthesis_conv0"), IGDN(name="synthesis_igdn0"),
            conv(filters, 3, padding="same", name="synthesis_conv1"),
            IGDN(name="synthesis_igdn1"), conv(192, 1, name="synthesis_conv2")],
            name="synthesis")

    def build_transforms(self):
        self.analysis_transform.build((None, None, None, 192))
        self.synthesis_transform.build((None, None, None, self.latent))

    def analysis_layers(self):
        return [self.to_ycbcr, self.dct, *self.analysis_transform.layers]

    def synthesis_layers(self):
        return [*self.synthesis_transform.layers, self.idct, self.to_rgb]

    def analysis(self, pixels):
        coefficients = self.dct(self.to_ycbcr(pixels * 255.0) - 128.0)  # [B, h, w, 3, 64]
        shape = ops.shape(coefficients)
        blocks = ops.reshape(coefficients, (shape[0], shape[1], shape[2], 192))
        return self.analysis_transform(blocks / STEPS)

    def synthesis(self, latents):
        blocks = self.synthesis_transform(latents) * STEPS
        shape = ops.shape(blocks)
        coefficients = ops.reshape(blocks, (shape[0], shape[1], shape[2], 3, 64))
        return self.to_rgb(self.idct(coefficients) + 128.0) / 255.0

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


def build_dct_block_ae(filters=192, latent=96, lambdas=LAMBDAS, name=NAME):
    """An untrained model with every variable built (for any image size)."""
    return DctBlockAutoencoder(filters, latent, lambdas, name=name).build_all()


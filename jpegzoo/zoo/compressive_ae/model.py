"""``compressive_ae``: a learned image codec with a factorized prior.

Source: Balle, Laparra & Simoncelli, "End-to-end optimized image compression" (ICLR 2017)
in the four-layer form of Balle et al. 2018's factorized-prior baseline: analysis
``3 x [conv 5x5 stride 2 + GDN] + conv 5x5 stride 2`` to ``latent`` channels at 1/16 of the
resolution, synthesis mirrored with transposed convolutions and IGDN, the latents coded
with a :class:`~jpegzoo.layers.FactorizedEntropyModel` and constriction's range coder into
a ``.jzc`` file. Trained on ``bpp + lambda * 255^2 * MSE`` (pixels in 0..1).

Departures: one model serves all quality levels through per-level gain vectors and priors
(:mod:`jpegzoo.zoo.learned_codec`; Balle et al. train one model per lambda), and the
widths are smaller than the paper's (CPU training budget; see the card).

Tensors: images uint8 ``[B, H, W, 3]`` with H and W multiples of 16 (:func:`compress`
pads); latents ``[B, H/16, W/16, latent]``.
"""

import keras

from jpegzoo.layers import GDN, IGDN
from jpegzoo.zoo import learned_codec

NAME = "compressive_ae"
#: The shipped model's quality levels (lambda of ``bpp + lambda * 255^2 * MSE``).
LAMBDAS = (0.0018, 0.0035, 0.0067, 0.013, 0.025, 0.0483)


@keras.saving.register_keras_serializable(package="jpegzoo")
class CompressiveAutoencoder(learned_codec.FactorizedPriorCodec):
    """Balle-style GDN transforms over a quality-gained factorized prior.

    Args:
        filters: channels of the hidden layers (N).
        latent: channels of the latents (M).
        lambdas: trade-off of each quality level (see :class:`FactorizedPriorCodec`).
    """

    stride = 16

    def __init__(self, filters=96, latent=128, lambdas=LAMBDAS, **kwargs):
        super().__init__(latent, lambdas, **kwargs)
        self.filters = int(filters)
        conv = keras.layers.Conv2D
        self.analysis_transform = keras.Sequential(
            [layer for i in range(3) for layer in (conv(filters, 5, 2, padding="same",
                                                        name=f"analysis_conv{i}"),
                                                   GDN(name=f"analysis_gdn{i}"))]
            + [conv(latent, 5, 2, padding="same", name="analysis_conv3")], name="analysis")
        deconv = keras.layers.Conv2DTranspose
        self.synthesis_transform = keras.Sequential(
            [layer for i in range(3) for layer in (deconv(filters, 5, 2, padding="same",
                                                          name=f"synthesis_conv{i}"),
                                                   IGDN(name=f"synthesis_igdn{i}"))]
            + [deconv(3, 5, 2, padding="same", name="synthesis_conv3")], name="synthesis")

    def build_transforms(self):
        self.analysis_transform.build((None, None, None, 3))
        self.synthesis_transform.build((None, None, None, self.latent))

    def analysis(self, pixels):
        return self.analysis_transform(pixels)

    def synthesis(self, latents):
        return self.synthesis_transform(latents)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


def build_compressive_ae(filters=96, latent=128, lambdas=LAMBDAS, name=NAME):
    """An untrained model with every variable built (for any image size)."""
    return CompressiveAutoencoder(filters, latent, lambdas, name=name).build_all()


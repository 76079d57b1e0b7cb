"""``gan_ae``: a learned codec trained with an adversarial loss (training:
:mod:`jpegzoo.training.gan_ae`).

The codec is :class:`~jpegzoo.zoo.compressive_ae.CompressiveAutoencoder` (same transforms,
gains, priors and ``.jzc`` files); what differs is training: distortion plus a hinge
adversarial loss against a convolutional critic with spectral normalization
(``keras.layers.SpectralNormalization``: Miyato et al. 2018), and a decoder fine-tuning
mode that starts from a trained ``compressive_ae`` and trains only the synthesis (the
encoder, gains and priors -- hence the files' rates -- stay fixed), in the spirit of
Agustsson et al., "Generative adversarial networks for extreme learned image compression"
(ICCV 2019) and Mentzer et al., "High-fidelity generative image compression" (HiFiC,
NeurIPS 2020). Departures from HiFiC: no LPIPS term (no pretrained network offline), an
unconditional critic (HiFiC conditions it on the latents), MSE + hinge only.

Source of the task: the BU project's GAN-AE (L2 + Wasserstein, reported PSNR 36.98 on
CIFAR-10 at 16:1 and 32.53 / SSIM 0.987 on high-resolution images). Its critic was
linear (no hidden layer, so it could not tell textures apart) and its fine-tuning loaded
mismatched checkpoints; here the critic is a 5-layer patch CNN and fine-tuning loads the
shipped ``compressive_ae`` weights into the same architecture (tested: the files are
byte-identical in payload).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="jpegzoo")
class PatchCritic(keras.Model):
    """Patch critic: images float 0..1 ``[B, H, W, 3]`` -> scores ``[B, H/16, W/16, 1]``
    (one per 16x16-pixel receptive patch; higher = more real). Every convolution is
    spectrally normalized.

    Args:
        filters: channels of the first layer (doubled at each stride-2 layer, at most 8x).
    """

    def __init__(self, filters=32, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.convs = [keras.layers.SpectralNormalization(
            keras.layers.Conv2D(self.filters * min(2 ** i, 8), 4, 2, padding="same"),
            name=f"conv{i}") for i in range(4)]
        self.score = keras.layers.SpectralNormalization(
            keras.layers.Conv2D(1, 3, padding="same"), name="score")

    def call(self, images, training=False):
        x = ops.cast(images, "float32") * 2.0 - 1.0
        for conv in self.convs:
            x = ops.leaky_relu(conv(x, training=training), 0.2)
        return self.score(x, training=training)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


def critic_hinge_loss(real_scores, fake_scores):
    """Hinge loss of the critic: ``mean(relu(1 - real)) + mean(relu(1 + fake))``."""
    return ops.mean(ops.relu(1.0 - real_scores)) + ops.mean(ops.relu(1.0 + fake_scores))


def generator_hinge_loss(fake_scores):
    """Adversarial loss of the decoder: ``-mean(fake)``."""
    return -ops.mean(fake_scores)


def build_gan_ae(filters=96, latent=128, name="gan_ae"):
    """The codec (a compressive_ae architecture named ``gan_ae``)."""
    from jpegzoo.zoo.compressive_ae import LAMBDAS, build_compressive_ae

    return build_compressive_ae(filters, latent, LAMBDAS, name=name)


def build_critic(filters=32, name="gan_ae_critic"):
    critic = PatchCritic(filters, name=name)
    critic(ops.zeros((1, 16, 16, 3)))
    return critic


def decoder_variables(codec):
    """The variables decoder fine-tuning trains: the synthesis transform's only."""
    return list(codec.synthesis_transform.trainable_variables)

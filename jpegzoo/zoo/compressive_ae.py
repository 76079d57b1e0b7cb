"""``compressive_ae``: a learned image codec with a factorized prior (work in progress).

Source: Balle, Laparra & Simoncelli, "End-to-end optimized image compression" (ICLR 2017)
in the four-layer form of Balle et al. 2018's factorized-prior baseline: analysis
``3 x [conv 5x5 stride 2 + GDN] + conv 5x5 stride 2`` to ``latent`` channels at 1/16 of the
resolution, synthesis mirrored with transposed convolutions and IGDN, the latents coded
with a :class:`~jpegzoo.layers.FactorizedEntropyModel` and constriction's range coder into
a ``.jzc`` file. Trained on ``bpp + lam * 255^2 * MSE`` (pixels in 0..1).

Not yet in the zoo registry: it has no trained weights yet (issue #7).

Tensors: images uint8 ``[B, H, W, 3]`` with H and W multiples of 16 (:func:`compress`
pads); latents ``[B, H/16, W/16, latent]``.
"""

import keras
import numpy as np
from keras import ops

from jpegzoo.layers import GDN, IGDN, FactorizedEntropyModel

STRIDE = 16


@keras.saving.register_keras_serializable(package="jpegzoo")
class CompressiveAutoencoder(keras.Model):
    """Analysis, synthesis and factorized prior; ``model(images)`` returns
    ``{"reconstruction": float 0..255 [B, H, W, 3], "bits": [B]}``.

    Args:
        filters: channels of the hidden layers (N).
        latent: channels of the latents (M).
        lam: rate-distortion trade-off of training (``bpp + lam * 255^2 * MSE``).
    """

    def __init__(self, filters=128, latent=192, lam=0.0067, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.latent, self.lam = int(filters), int(latent), float(lam)
        conv = keras.layers.Conv2D
        self.analysis = keras.Sequential(
            [layer for i in range(3) for layer in (conv(filters, 5, 2, padding="same",
                                                        name=f"analysis_conv{i}"),
                                                   GDN(name=f"analysis_gdn{i}"))]
            + [conv(latent, 5, 2, padding="same", name="analysis_conv3")], name="analysis")
        deconv = keras.layers.Conv2DTranspose
        self.synthesis = keras.Sequential(
            [layer for i in range(3) for layer in (deconv(filters, 5, 2, padding="same",
                                                          name=f"synthesis_conv{i}"),
                                                   IGDN(name=f"synthesis_igdn{i}"))]
            + [deconv(3, 5, 2, padding="same", name="synthesis_conv3")], name="synthesis")
        self.prior = FactorizedEntropyModel(name="prior")

    def latents(self, images):
        """Continuous latents of uint8/float 0..255 images."""
        return self.analysis(ops.cast(images, "float32") / 255.0)

    def reconstruct(self, latents):
        """float 0..255 images from (quantized) latents."""
        return self.synthesis(latents) * 255.0

    def call(self, images, training=False):
        y_hat, bits = self.prior(self.latents(images), training=training)
        return {"reconstruction": self.reconstruct(y_hat), "bits": bits}

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "latent": self.latent,
                "lam": self.lam}


def build_compressive_ae(filters=128, latent=192, lam=0.0067, name="compressive_ae"):
    """An untrained model, built for any image size."""
    model = CompressiveAutoencoder(filters, latent, lam, name=name)
    model(np.zeros((1, STRIDE, STRIDE, 3), np.uint8))
    return model


def _padded(image):
    """Edge-replicate ``image`` to multiples of 16."""
    height, width = image.shape[:2]
    pad = ((0, -height % STRIDE), (0, -width % STRIDE), (0, 0))
    return np.pad(image, pad, mode="edge")


def compress(model, image, quality=0, model_name="compressive_ae"):
    """``.jzc`` bytes of a uint8 RGB image ``[H, W, 3]``."""
    from jpegzoo.export.jzc import JzcFile, Stream, write_jzc
    from jpegzoo.layers import range_coding

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 RGB image [H, W, 3], got {image.dtype} "
                         f"{image.shape}")
    latents = np.asarray(ops.round(model.latents(_padded(image)[None]))).astype(np.int32)
    data = range_coding.encode(latents, model.prior.coding_tables())
    return write_jzc(JzcFile(model_name, quality, image.shape[1], image.shape[0],
                             [Stream(latents.shape, data)]))


def decode_latents(model, data, model_name="compressive_ae"):
    """(int32 latents, width, height) of ``.jzc`` bytes written by :func:`compress`."""
    from jpegzoo.export.jzc import read_jzc
    from jpegzoo.layers import range_coding

    contents = read_jzc(data)
    if contents.model != model_name:
        raise ValueError(f"this .jzc file was written by model {contents.model!r}, "
                         f"not {model_name!r}")
    if len(contents.streams) != 1 or len(contents.streams[0].shape) != 4:
        raise ValueError("corrupt .jzc file: expected one 4-D latent stream")
    stream = contents.streams[0]
    expected = (1, -(-contents.height // STRIDE), -(-contents.width // STRIDE), model.latent)
    if tuple(stream.shape) != expected:
        raise ValueError(f"latent shape {stream.shape} does not match the image size and "
                         f"model (expected {expected})")
    latents = range_coding.decode(stream.data, stream.shape, model.prior.coding_tables())
    return latents, contents.width, contents.height


def decompress(model, data, model_name="compressive_ae"):
    """uint8 ``[H, W, 3]`` image of ``.jzc`` bytes."""
    latents, width, height = decode_latents(model, data, model_name)
    pixels = np.asarray(model.reconstruct(latents.astype(np.float32)))[0, :height, :width]
    return np.clip(np.floor(pixels + 0.5), 0, 255).astype(np.uint8)

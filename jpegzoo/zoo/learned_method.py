"""The learned codecs as encoding methods (``jpegzoo encode --method
cae|dct_ae|gan|rnn|lossless``)
and the decoder of their ``.jzc`` files (``jpegzoo decode``).

Encoders take the common method signature (:mod:`jpegzoo.methods`); ``quality`` is the
model's quality level ``1..K`` (default :data:`DEFAULT_QUALITY`), and the JPEG options
(``subsampling``, ``optimize``, ``restart_interval``) do not apply. Grey images are coded
as RGB with three equal channels and decode as RGB. The decoder loads the model the file
names from the zoo (once per process).
"""

import functools

import numpy as np

from jpegzoo.zoo import learned_codec

#: Zoo models that write ``.jzc`` files, by the method name that encodes with them.
CODECS = {"cae": "compressive_ae", "dct_ae": "dct_block_ae", "gan": "gan_ae",
          "rnn": "recurrent_residual_ae", "lossless": "lossless_predictor"}
DEFAULT_QUALITY = 4


@functools.lru_cache(maxsize=None)
def trained(name):
    """The shipped learned codec ``name`` (loaded once)."""
    from jpegzoo import zoo

    if name not in CODECS.values():
        raise ValueError(f"no learned codec called {name!r} in this jpegzoo; learned "
                         f"codecs: {', '.join(sorted(CODECS.values()))}")
    return zoo.load(name)


def _rgb(image):
    image = np.asarray(image)
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image


def encode(name, image, quality=None, subsampling=None, optimize=None, restart_interval=0):
    """``.jzc`` bytes of ``image`` coded by zoo codec ``name`` at level ``quality``."""
    del subsampling, optimize, restart_interval  # JPEG options: not used by learned codecs
    model = trained(name)
    quality = model.check_quality(DEFAULT_QUALITY if quality is None else quality)
    return learned_codec.compress(model, _rgb(image), quality, name)


def encode_cae(image, quality=None, **options):
    """``compressive_ae`` at level ``quality`` (1..6)."""
    return encode("compressive_ae", image, quality, **options)


def encode_dct_ae(image, quality=None, **options):
    """``dct_block_ae`` at level ``quality`` (1..6)."""
    return encode("dct_block_ae", image, quality, **options)


def encode_gan(image, quality=None, **options):
    """``gan_ae`` at level ``quality`` (1..6): ``compressive_ae``'s latents, its own decoder."""
    return encode("gan_ae", image, quality, **options)


def encode_rnn(image, quality=None, **options):
    """``recurrent_residual_ae`` with ``quality`` iterations (1..8, default all 8): a
    progressive file; ``jpegzoo decode --iterations K`` decodes any prefix."""
    from jpegzoo.zoo import recurrent_residual_ae

    del options  # JPEG options: not used
    iterations = recurrent_residual_ae.MAX_ITERATIONS if quality is None else quality
    return recurrent_residual_ae.compress(trained("recurrent_residual_ae"), _rgb(image),
                                          iterations)


def encode_lossless(image, quality=None, **options):
    """``lossless_predictor`` (``quality`` must be left out or 1: there is one level)."""
    from jpegzoo.zoo import lossless_predictor

    del options  # JPEG options: not used
    if quality not in (None, 1):
        raise ValueError(f"lossless_predictor has one quality level (1), got {quality}")
    return lossless_predictor.compress(trained("lossless_predictor"), _rgb(image))


def decode_jzc(data, iterations=None):
    """uint8 ``[H, W, 3]`` image of ``.jzc`` bytes, by the codec the file names;
    ``iterations``: decode only that prefix of a progressive (``recurrent_residual_ae``)
    file."""
    from jpegzoo.jzc import read_jzc
    from jpegzoo.zoo import lossless_predictor, recurrent_residual_ae

    name = read_jzc(data).model
    if name == "recurrent_residual_ae":
        return recurrent_residual_ae.decompress(trained(name), data, iterations)
    if iterations is not None:
        raise ValueError(f"--iterations applies to progressive files (recurrent_residual_ae); "
                         f"this file was written by {name}")
    if name == "lossless_predictor":
        return lossless_predictor.decompress(trained(name), data)
    return learned_codec.decompress(trained(name), data, name)

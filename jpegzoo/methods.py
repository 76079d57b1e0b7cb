"""The registry of encoding methods behind ``jpegzoo encode --method`` and ``jpegzoo demo``.

A method turns a uint8 pixel array into the bytes of a file. JPEG-side methods (the
baseline writer, the mutated encoder and the quantization-table generator) write baseline
JFIF through :mod:`jpegzoo.export`; learned codecs (``cae``, ``dct_ae``) write ``.jzc``
files (:mod:`jpegzoo.jzc`) at their own quality levels.
Entries name their encoder as ``"module:function"`` and are imported only when used, so
listing methods stays cheap (no TensorFlow import).

Encoder signature::

    encoder(image, quality=75, subsampling="420", optimize=False, restart_interval=0) -> bytes

with ``image`` uint8 ``[H, W, 3]`` or ``[H, W]``.
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    """A registered encoder.

    Attributes:
        name: the name used on the command line.
        target: ``"module:function"`` of the encoder.
        summary: one line for ``--help`` and the demo's legend.
        suffix: file suffix of its output (``.jpg`` for JPEG-side methods).
        decoder: ``"module:function"`` turning its bytes back into a uint8 image
            (JPEG-side methods decode with Pillow, as their users would).
        options: extra keyword arguments the encoder accepts beyond the common ones
            (e.g. ``lam`` for ``--lambda``).
        qualities: the method's own quality levels (learned codecs: ``1..K``), which
            evaluations use instead of IJG qualities; None: IJG qualities 1..100.
        in_demo: whether ``jpegzoo demo`` runs it by default (not the lossless coder:
            a rate-distortion plot has no place for it).
    """

    name: str
    target: str
    summary: str
    suffix: str = ".jpg"
    decoder: str = "jpegzoo.imageio:decode_jpeg"
    options: tuple = ()
    qualities: tuple = None
    in_demo: bool = True

    def load(self):
        """Import and return the encoder function."""
        return _resolve(self.target)

    def load_decoder(self):
        """Import and return the decoder function."""
        return _resolve(self.decoder)


def _resolve(target):
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


_REGISTRY = {}


def register(name, target, summary, **options):
    """Add a method (``options``: ``suffix``, ``decoder``, ``options``, ``qualities``); a
    name registered again is replaced."""
    _REGISTRY[name] = Method(name, target, summary, **options)


def get(name):
    """The :class:`Method` called ``name``; ValueError listing the known ones otherwise."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown method {name!r}; known methods: {', '.join(names())}")
    return _REGISTRY[name]


def names():
    """Registered method names, sorted."""
    return sorted(_REGISTRY)


def demo_names():
    """The methods ``jpegzoo demo`` runs by default, sorted."""
    return sorted(name for name, method in _REGISTRY.items() if method.in_demo)


register("baseline", "jpegzoo.jpeg.baseline:encode",
         "reference baseline JPEG writer: IJG quality tables, jpegzoo's own DCT and coder")
register("pillow", "jpegzoo.reference_codecs:pillow_encode",
         "reference: libjpeg-turbo through Pillow (same tables and options), for comparison")
register("mozjpeg", "jpegzoo.reference_codecs:mozjpeg_encode",
         "reference: mozjpeg 4.0.3 (jpeglib) with IJG tables, trellis quantization, "
         "optimized Huffman")
register("mutated", "jpegzoo.zoo.mutated_jpeg:encode",
         "Mutated JPEG: per block the cheapest of rounding and mined mutations (exact rate, "
         "SSIM-weighted pixel error); quality = match libjpeg's SSIM at that quality",
         options=("lam", "target_ssim", "rate"))
register("qtable", "jpegzoo.zoo.qtable_generator.method:encode",
         "learned quantization tables (qtable_generator, MS-SSIM); quality = libjpeg's "
         "MS-SSIM at that quality in fewer bytes; optimized Huffman tables",
         options=("lam", "target_msssim", "per_image", "rdo"))
register("cae", "jpegzoo.zoo.learned_method:encode_cae",
         "learned codec compressive_ae (Balle-style GDN autoencoder, factorized prior, range "
         "coded .jzc); quality = level 1..6", suffix=".jzc",
         decoder="jpegzoo.zoo.learned_method:decode_jzc", qualities=(1, 2, 3, 4, 5, 6))
register("dct_ae", "jpegzoo.zoo.learned_method:encode_dct_ae",
         "learned codec dct_block_ae (autoencoder over JPEG's 8x8 DCT blocks, factorized "
         "prior, range coded .jzc); quality = level 1..6", suffix=".jzc",
         decoder="jpegzoo.zoo.learned_method:decode_jzc", qualities=(1, 2, 3, 4, 5, 6))
register("gan", "jpegzoo.zoo.learned_method:encode_gan",
         "learned codec gan_ae (compressive_ae's files, decoder fine-tuned with an "
         "adversarial loss: sharper, lower PSNR); quality = level 1..6", suffix=".jzc",
         decoder="jpegzoo.zoo.learned_method:decode_jzc", qualities=(1, 2, 3, 4, 5, 6))
register("rnn", "jpegzoo.zoo.learned_method:encode_rnn",
         "progressive learned codec recurrent_residual_ae (conv-GRU residual coder, binary "
         "codes, .jzc); quality = iterations 1..8 (0.25 bpp each); any prefix decodes",
         suffix=".jzc", decoder="jpegzoo.zoo.learned_method:decode_jzc",
         qualities=(1, 2, 3, 4, 5, 6, 7, 8))
register("lossless", "jpegzoo.zoo.learned_method:encode_lossless",
         "learned lossless coder lossless_predictor (causal MLP predictor, range-coded "
         "residuals, .jzc); decodes to the exact input", suffix=".jzc",
         decoder="jpegzoo.zoo.learned_method:decode_jzc", qualities=(1,), in_demo=False)

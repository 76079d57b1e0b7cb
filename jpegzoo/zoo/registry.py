"""The zoo's registry: which models exist, how to build them, their weights and cards.

Entries name their builder as ``"module:function"`` and are imported only when used.
Weights ship inside the package (``jpegzoo/zoo/weights/<name>.weights.h5``) and are
loaded with Keras' ``load_weights`` (HDF5 arrays only: no pickled code is ever run);
cards are markdown files in ``jpegzoo/zoo/cards/``.
"""

import importlib
from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class ZooEntry:
    """One model of the zoo.

    Attributes:
        name: the name users load it by.
        builder: ``"module:function"`` returning an untrained Keras model; keyword
            arguments are the model's configuration.
        summary: one line for listings.
        loader: ``"module:function"`` returning the trained object, for zoo entries that
            are not a Keras model with a ``.weights.h5`` file (e.g. the mutated JPEG codec,
            whose mined tables ship as data); None: build and load the weights file.
    """

    name: str
    builder: str
    summary: str
    loader: str = None

    @property
    def weights_file(self):
        return files("jpegzoo.zoo") / self.name / f"{self.name}.weights.h5"

    @property
    def card_file(self):
        return files("jpegzoo.zoo") / self.name / "card.md"

    def build(self, **config):
        return _resolve(self.builder)(**config)

    def load_trained(self):
        return _resolve(self.loader)()


def _resolve(target):
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


_ENTRIES = {}


def register(name, builder, summary, loader=None):
    """Add a model to the zoo (a later registration of the same name replaces it)."""
    _ENTRIES[name] = ZooEntry(name, builder, summary, loader)


def entry(name):
    """The :class:`ZooEntry` called ``name``; ValueError listing the known names otherwise."""
    if name not in _ENTRIES:
        known = ", ".join(sorted(_ENTRIES)) or "(none)"
        raise ValueError(f"unknown model {name!r}; known models: {known}")
    return _ENTRIES[name]


def names():
    return sorted(_ENTRIES)


register("mutation_bitcount", "jpegzoo.zoo.mutation_bitcount:build_mutation_bitcount",
         "bits of a quantized 8x8 JPEG block from its coefficients (Hamidi-Rad, Mutated JPEG)")
register("mutated_jpeg", "jpegzoo.zoo.mutated_jpeg.method:build_codec",
         "Mutated JPEG encoder: mined mutation sets + calibrated operating points; writes "
         "standard baseline JPEGs (Hamidi-Rad, Mutated JPEG)",
         loader="jpegzoo.zoo.mutated_jpeg.method:load_codec")
register("qtable_generator", "jpegzoo.zoo.qtable_generator.generator:build_qtable_generator",
         "image + lambda -> luma and chroma quantization tables minimising "
         "bpp + lambda (1 - MS-SSIM) (Chiu; Compression.ai)")
register("compressive_ae", "jpegzoo.zoo.compressive_ae:build_compressive_ae",
         "learned codec: Balle-style GDN autoencoder with a factorized prior, 6 quality "
         "levels, range-coded .jzc files (Balle et al. 2017/2018)")
register("dct_block_ae", "jpegzoo.zoo.dct_block_ae:build_dct_block_ae",
         "learned codec: autoencoder over JPEG's 8x8 DCT blocks with a factorized prior, "
         "6 quality levels, range-coded .jzc files (the aejpg idea, done as a real codec)")
register("lossless_predictor", "jpegzoo.zoo.lossless_predictor:build_lossless_predictor",
         "learned lossless coder: causal-context MLP predicting a discretized logistic per "
         "sample, exact integer inference, range-coded residuals in .jzc files (BU project)")
register("recurrent_residual_ae",
         "jpegzoo.zoo.recurrent_residual_ae:build_recurrent_residual_ae",
         "progressive learned codec: convolutional-GRU encoder/decoder of residuals, "
         "binarized codes, one file decodes at every prefix of iterations (Toderici 2017)")
register("gan_ae", "jpegzoo.zoo.gan_ae:build_gan_ae",
         "learned codec: compressive_ae's files, decoder fine-tuned with a hinge adversarial "
         "loss against a spectrally normalized patch critic (BU project GAN-AE; HiFiC)")

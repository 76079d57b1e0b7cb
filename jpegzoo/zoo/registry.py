"""The zoo's registry: one registration per model names everything jpegzoo needs of it.

A :class:`ZooEntry` says how to build the model, where its weights and card are (in the
model's folder ``jpegzoo/zoo/<name>/``: ``<name>.weights.h5`` and ``card.md``), how it
appears as an encoding method (``jpegzoo encode --method ALIAS``; see
:class:`MethodSpec`) and which function trains it (``jpegzoo train NAME``). Code is named
by ``"module:function"`` strings (:func:`jpegzoo.lazy.resolve`), imported only when used,
so listing models and methods stays cheap (no TensorFlow import).

Weights are loaded with Keras' ``load_weights`` (HDF5 arrays only: no pickled code is ever
run).

Adding a model: a folder ``jpegzoo/zoo/<name>/`` (code, ``card.md``, weights), a trainer
in :mod:`jpegzoo.training` if it trains, and one :func:`register` call below
(``docs/architecture.md`` has the checklist).
"""

from dataclasses import dataclass
from importlib.resources import files

from jpegzoo.lazy import resolve


@dataclass(frozen=True)
class QualityScale:
    """What ``--quality`` means for a method: an integer ``low..high`` on the method's own
    scale, higher giving larger files of better images; ``default`` when none is given.

    Attributes:
        name: the scale's name in messages and ``--help`` ("IJG quality", "level",
            "iterations").
        low, high: the accepted range (inclusive).
        default: the quality the method uses when none is given.
    """

    name: str
    low: int
    high: int
    default: int

    def __str__(self):
        if self.low == self.high:
            return f"{self.name} {self.low} only"
        return f"{self.name} {self.low}..{self.high} (default {self.default})"

    @property
    def values(self):
        """Every quality of the scale, ascending."""
        return tuple(range(self.low, self.high + 1))

    def check(self, quality, method):
        """``quality`` if it lies on the scale, else ValueError naming ``method``."""
        if not self.low <= quality <= self.high:
            scale = (f"has one quality level, {self.low}" if self.low == self.high
                     else f"takes {self.name} {self.low}..{self.high}")
            raise ValueError(f"--quality {quality}: method {method!r} {scale}")
        return quality


#: libjpeg's quality scale, the JPEG methods' (their tables are IJG's at that quality, or
#: match what those tables give).
IJG_QUALITY = QualityScale("IJG quality", 1, 100, 75)
#: The six levels of the learned codecs trained with one lambda per level.
SIX_LEVELS = QualityScale("level", 1, 6, 4)


@dataclass(frozen=True)
class MethodSpec:
    """How a zoo codec appears as an encoding method (``jpegzoo encode --method``).

    The method encodes with ``zoo.load(name).compress(image, **options)`` and decodes
    with the codec's ``decompress`` (``.jzc`` files) or Pillow (JPEG files); its quality
    levels are the codec's own (``quality_levels``; None: IJG qualities 1..100).

    Attributes:
        alias: the method's name on the command line.
        summary: one line for ``jpegzoo methods`` and the demo's legend.
        suffix: the file suffix of its output: ``.jpg`` (JPEG-side codecs: files every
            decoder opens) or ``.jzc`` (learned codecs' container).
        options: keyword options the codec's ``compress`` takes beyond the common ones
            (e.g. ``lam`` for ``--lambda``).
        in_demo: whether ``jpegzoo demo`` runs it by default.
        quality: what its ``quality`` means (:class:`QualityScale`; the codec's
            ``quality_levels`` and ``compress`` default, known without loading it).
        decode_options: keyword options its ``decompress`` takes beyond ``max_pixels``
            (``jpegzoo decode --iterations`` for progressive files).
        replaces_quality: those of ``options`` that set the operating point instead of
            ``quality`` (which is then not used: ``target_ssim``, say).
        needs_tensorflow: whether encoding imports TensorFlow.
        jpeg_options: the JPEG options (:data:`jpegzoo.methods.JPEG_OPTIONS`) it takes;
            None: all of them for ``.jpg`` outputs. A codec that lists ``progressive``
            among its ``options`` writes its scans itself.
    """

    alias: str
    summary: str
    suffix: str = ".jpg"
    options: tuple = ()
    in_demo: bool = True
    quality: QualityScale = IJG_QUALITY
    decode_options: tuple = ()
    replaces_quality: tuple = ()
    needs_tensorflow: bool = True
    jpeg_options: tuple = None


@dataclass(frozen=True)
class ZooEntry:
    """One model of the zoo.

    Attributes:
        name: the name users load it by (and the folder ``jpegzoo/zoo/<name>/``).
        builder: ``"module:function"`` returning an untrained model; keyword arguments
            are the model's configuration.
        summary: one line for listings.
        loader: ``"module:function"`` returning the trained object, for entries that are
            not a Keras model with a ``.weights.h5`` file (the mutated JPEG codec ships
            mined tables as data); None: build, then load the weights file.
        method: how it appears as an encoding method (None: it writes no files).
        trainer: ``"module:function"`` that trains it: ``train(images, work, **options)
            -> best weights path`` (see :mod:`jpegzoo.training`); None: not trainable by
            ``jpegzoo train``.
    """

    name: str
    builder: str
    summary: str
    loader: str = None
    method: MethodSpec = None
    trainer: str = None

    @property
    def weights_file(self):
        return files("jpegzoo.zoo") / self.name / f"{self.name}.weights.h5"

    @property
    def card_file(self):
        return files("jpegzoo.zoo") / self.name / "card.md"

    def build(self, **config):
        return resolve(self.builder)(**config)

    def load_trained(self):
        return resolve(self.loader)()


_ENTRIES = {}


def register(name, builder, summary, loader=None, method=None, trainer=None):
    """Add a model to the zoo (a later registration of the same name replaces it)."""
    _ENTRIES[name] = ZooEntry(name, builder, summary, loader, method, trainer)


def entry(name):
    """The :class:`ZooEntry` called ``name``; ValueError listing the known names otherwise."""
    if name not in _ENTRIES:
        known = ", ".join(sorted(_ENTRIES)) or "(none)"
        raise ValueError(f"unknown model {name!r}; known models: {known}")
    return _ENTRIES[name]


def names():
    return sorted(_ENTRIES)


def entries():
    """Every :class:`ZooEntry`, sorted by name."""
    return [_ENTRIES[name] for name in names()]


# --- the models ---------------------------------------------------------------------------

register("mutation_bitcount", "jpegzoo.zoo.mutation_bitcount:build_mutation_bitcount",
         "bits of a quantized 8x8 JPEG block from its coefficients (Hamidi-Rad, Mutated JPEG)",
         trainer="jpegzoo.training.mutation_bitcount:train")
register("mutated_jpeg", "jpegzoo.zoo.mutated_jpeg.method:build_codec",
         "Mutated JPEG encoder: mined mutation sets + calibrated operating points; writes "
         "standard baseline JPEGs (Hamidi-Rad, Mutated JPEG)",
         loader="jpegzoo.zoo.mutated_jpeg.method:load_codec",
         method=MethodSpec(
             "mutated", "Mutated JPEG: per block the cheapest of rounding and mined mutations "
             "(exact rate, SSIM-weighted pixel error); quality = match libjpeg's SSIM at "
             "that quality", options=("lam", "target_ssim", "rate"),
             replaces_quality=("target_ssim",)))
register("qtable_generator", "jpegzoo.zoo.qtable_generator.generator:build_qtable_generator",
         "image + lambda -> luma and chroma quantization tables minimising "
         "bpp + lambda (1 - MS-SSIM) (Chiu; Compression.ai)",
         method=MethodSpec(
             "qtable", "learned quantization tables (qtable_generator, MS-SSIM); quality = "
             "libjpeg's MS-SSIM at that quality in fewer bytes; optimized Huffman tables",
             options=("lam", "target_msssim", "per_image", "rdo"),
             replaces_quality=("lam", "target_msssim")),
         trainer="jpegzoo.training.qtable_generator:train")
register("best_jpeg", "jpegzoo.zoo.best_jpeg.method:build_codec",
         "the best JPEG encoder: per-image rate-distortion tables (RD-OPT), trellis levels, "
         "searched progressive scans, per-image chroma subsampling; standard JPEG files",
         loader="jpegzoo.zoo.best_jpeg.method:load_codec",
         method=MethodSpec(
             "best", "smallest standard JPEGs: per-image RD tables + trellis + scan search, "
             "tuned for psnr/ssim/ms-ssim/ssimulacra2; quality = libjpeg's score at that "
             "quality in fewer bytes",
             options=("progressive", "tune", "lam", "target_psnr", "target_ssim",
                      "target_msssim", "target_ssimulacra2"),
             replaces_quality=("lam", "target_psnr", "target_ssim", "target_msssim",
                               "target_ssimulacra2"),
             needs_tensorflow=False, jpeg_options=("subsampling", "restart_interval")))
register("compressive_ae", "jpegzoo.zoo.compressive_ae:build_compressive_ae",
         "learned codec: Balle-style GDN autoencoder with a factorized prior, 6 quality "
         "levels, range-coded .jzc files (Balle et al. 2017/2018)",
         method=MethodSpec(
             "cae", "learned codec compressive_ae (Balle-style GDN autoencoder, factorized "
             "prior, range coded .jzc)", suffix=".jzc", quality=SIX_LEVELS),
         trainer="jpegzoo.training.learned_codec:train_compressive_ae")
register("dct_block_ae", "jpegzoo.zoo.dct_block_ae:build_dct_block_ae",
         "learned codec: autoencoder over JPEG's 8x8 DCT blocks with a factorized prior, "
         "6 quality levels, range-coded .jzc files (the aejpg idea, done as a real codec)",
         method=MethodSpec(
             "dct_ae", "learned codec dct_block_ae (autoencoder over JPEG's 8x8 DCT blocks, "
             "factorized prior, range coded .jzc)", suffix=".jzc", quality=SIX_LEVELS),
         trainer="jpegzoo.training.learned_codec:train_dct_block_ae")
register("lossless_predictor", "jpegzoo.zoo.lossless_predictor:build_lossless_predictor",
         "learned lossless coder: causal-context MLP predicting a discretized logistic per "
         "sample, exact integer inference, range-coded residuals in .jzc files (BU project)",
         method=MethodSpec(
             "lossless", "learned lossless coder lossless_predictor (causal MLP predictor, "
             "range-coded residuals, .jzc); decodes to the exact input", suffix=".jzc",
             in_demo=False, quality=QualityScale("level", 1, 1, 1)),
         trainer="jpegzoo.training.lossless_predictor:train")
register("recurrent_residual_ae",
         "jpegzoo.zoo.recurrent_residual_ae:build_recurrent_residual_ae",
         "progressive learned codec: convolutional-GRU encoder/decoder of residuals, "
         "binarized codes, one file decodes at every prefix of iterations (Toderici 2017)",
         method=MethodSpec(
             "rnn", "progressive learned codec recurrent_residual_ae (conv-GRU residual "
             "coder, binary codes, .jzc; 0.25 bpp per iteration); any prefix of the "
             "iterations decodes", suffix=".jzc",
             # default: every iteration, the whole ladder in one file (jpegzoo decode
             # --iterations K gives the coarser rungs without re-encoding)
             quality=QualityScale("iterations", 1, 8, 8), decode_options=("iterations",)),
         trainer="jpegzoo.training.recurrent_residual_ae:train")
register("gan_ae", "jpegzoo.zoo.gan_ae:build_gan_ae",
         "learned codec: compressive_ae's files, decoder fine-tuned with a hinge adversarial "
         "loss against a spectrally normalized patch critic (BU project GAN-AE; HiFiC)",
         method=MethodSpec(
             "gan", "learned codec gan_ae (compressive_ae's files, decoder fine-tuned with an "
             "adversarial loss: sharper, lower PSNR)", suffix=".jzc", quality=SIX_LEVELS),
         trainer="jpegzoo.training.gan_ae:train")
register("mean_scale_hyperprior",
         "jpegzoo.zoo.mean_scale_hyperprior:build_mean_scale_hyperprior",
         "learned codec: compressive_ae's transforms with a mean-and-scale Gaussian "
         "hyperprior (no context model: parallel decoding), 6 quality levels, .jzc files "
         "(Balle et al. 2018, Minnen et al. 2018)",
         method=MethodSpec(
             "hyperprior", "learned codec mean_scale_hyperprior (GDN autoencoder, "
             "mean-and-scale Gaussian hyperprior, range coded .jzc)", suffix=".jzc",
             quality=SIX_LEVELS),
         trainer="jpegzoo.training.learned_codec:train_mean_scale_hyperprior")

"""The shared machinery of jpegzoo's factorized-prior learned codecs.

A :class:`FactorizedPriorCodec` is an analysis transform (image -> latents at
``1/stride`` of the resolution), a synthesis transform (latents -> image) and, for each of
its quality levels, a gain vector and a :class:`~jpegzoo.layers.FactorizedEntropyModel`.
Quality level ``q`` (1 = lowest rate) was trained on ``bpp + lambdas[q-1] * 255^2 * MSE``
(pixels 0..1); its latents are ``round(analysis(x) * gain[q])`` and the synthesis sees
``y_hat / gain[q]``.

One set of transforms serves every level through the gains (Cui et al., "Asymmetric gained
deep image compression with continuous rate adaptation", CVPR 2021, with the inverse gain
tied to ``1 / gain``); each level keeps its own prior, because one density cannot fit
latents whose scales differ by the gains. Subclasses supply the transforms
(:mod:`jpegzoo.zoo.compressive_ae`, :mod:`jpegzoo.zoo.dct_block_ae`).

Quality levels are numbered ``1..K`` (1 = lowest rate), in the API, the command line and
the ``.jzc`` header alike.

Large images: ``compress`` and ``decompress`` run the transforms tile by tile
(:class:`TiledTransforms`), so their memory stays bounded (``benchmarks/memory``).

Tensors: images uint8 or float 0..255 ``[B, H, W, 3]`` with H and W multiples of
``stride`` (:func:`compress` pads); latents ``[B, H/stride, W/stride, latent]``;
``bits`` per example ``[B]``.
"""

import math

import keras
import numpy as np
from keras import ops

from jpegzoo.jzc import DEFAULT_MAX_PIXELS
from jpegzoo.layers import FactorizedEntropyModel
from jpegzoo.zoo import tiling

#: The quality level :meth:`FactorizedPriorCodec.compress` uses when none is given.
DEFAULT_QUALITY = 4


class QualityLevels:
    """Quality levels ``1..K`` through per-level gains (Cui et al. 2021), for a Keras model
    with ``lambdas`` (the trade-off of each level) and ``log_gains`` ``[K, M]``."""

    @staticmethod
    def checked_lambdas(lambdas):
        """``lambdas`` as a tuple of floats after checking they are non-empty and
        increasing."""
        checked = tuple(float(lam) for lam in lambdas)
        if list(checked) != sorted(checked) or not checked:
            raise ValueError(f"lambdas must be non-empty and increasing, got {lambdas}")
        return checked

    def add_log_gains(self, name, channels):
        """A ``[K, channels]`` weight of log-gains initialised at ``0.5 log(lambda /
        lambda_max)`` (high-rate theory: the best quantizer step scales as
        ``lambda ** -1/2``)."""
        top = self.lambdas[-1]
        initial = np.array([[0.5 * math.log(lam / top)] * channels for lam in self.lambdas],
                           np.float32)
        return self.add_weight(name=name, shape=initial.shape,
                               initializer=keras.initializers.Constant(initial))

    @property
    def qualities(self):
        return len(self.lambdas)

    @property
    def quality_levels(self):
        """The quality levels of ``compress``: ``1..K``."""
        return tuple(range(1, self.qualities + 1))

    def check_quality(self, quality):
        """``quality`` as an int after checking it is one of the levels ``1..K``."""
        if isinstance(quality, bool) or int(quality) != quality \
                or not 1 <= int(quality) <= self.qualities:
            raise ValueError(f"{self.name} has quality levels 1..{self.qualities}, "
                             f"got {quality}")
        return int(quality)

    def gain(self, quality):
        """``[M]`` gain of the latents at level ``quality`` (1..K)."""
        return ops.exp(self.log_gains[quality - 1])

    def read_own_file(self, data, max_pixels=None):
        """``(contents, quality)`` of ``.jzc`` bytes after checking that this model wrote
        them at one of its levels and, before any work, that the image is at most
        ``max_pixels`` (None: no limit)."""
        from jpegzoo.jzc import check_pixels, read_jzc

        contents = read_jzc(data)
        if contents.model != self.name:
            raise ValueError(f"this .jzc file was written by model {contents.model!r}, "
                             f"not {self.name!r}")
        quality = self.check_quality(contents.quality)
        check_pixels(contents.width, contents.height, max_pixels)
        return contents, quality

    def serving_gains(self, quality, *log_gains):
        """In a serving graph: ``exp(log_gains[quality - 1])`` as ``[B, 1, 1, C]`` for each
        of ``log_gains`` (default: the latents'), after an in-graph check that every
        ``quality`` (int32 ``[B]``) is one of the levels."""
        import tensorflow as tf

        check = tf.debugging.assert_equal(
            tf.reduce_all((quality >= 1) & (quality <= self.qualities)), True,
            message=f"quality must be in 1..{self.qualities}")
        with tf.control_dependencies([check]):
            index = tf.identity(quality - 1)
        gains = [tf.exp(tf.gather(v, index))[:, None, None, :]
                 for v in (log_gains or (self.log_gains,))]
        return gains[0] if len(gains) == 1 else tuple(gains)


class TiledTransforms:
    """Analysis and synthesis run tile by tile on images over :attr:`tile` squared pixels
    (:mod:`jpegzoo.zoo.tiling`), for a model with ``analysis_transform`` and
    ``synthesis_transform`` (Keras stacks) and ``latent_stride`` (pixels per latent)."""

    #: Side (pixels) of the tiles; None: whole images (for tests, any multiple of the
    #: stride).
    tile = tiling.TILE

    def analysis_layers(self):
        """The layers of the analysis, in order (its receptive field)."""
        return self.analysis_transform.layers

    def synthesis_layers(self):
        """The layers of the synthesis, in order."""
        return self.synthesis_transform.layers

    def tiled_analysis(self, transform, pixels):
        """``transform`` (an analysis: crop ``[1, h, w, 3]`` -> ``[1, h/s, w/s, M]``) of
        ``pixels`` ``[1, H, W, 3]`` (numpy, H and W multiples of ``latent_stride`` s),
        tile by tile."""
        cone = tiling.stack_cone(self.analysis_layers())
        return tiling.run_tiled(transform, pixels, tiling.Tiling.of([cone], self.tile),
                                1, cone.step)

    def tiled_synthesis(self, transform, latents):
        """``transform`` (a synthesis: latents ``[1, h, w, M]`` -> ``[1, s h, s w, C]``) of
        numpy ``latents``, tile by tile."""
        step = self.latent_stride
        cone = tiling.stack_cone(self.synthesis_layers(), step)
        return tiling.run_tiled(transform, latents, tiling.Tiling.of([cone], self.tile),
                                step, cone.step)


@keras.saving.register_keras_serializable(package="jpegzoo")
class FactorizedPriorCodec(TiledTransforms, QualityLevels, keras.Model):
    """Base class: quality-gained latents and one factorized prior per quality level.

    ``model(images, quality=q, training=...)`` returns ``{"reconstruction": float 0..255
    [B, H, W, 3], "bits": [B]}`` (bits estimated by the level's prior; noisy latents when
    training, rounded otherwise).

    Args:
        latent: channels of the latents (M).
        lambdas: the training trade-off of each quality level, increasing.
        stride: downsampling factor of the analysis (set by the subclass).
    """

    stride = 16

    def __init__(self, latent=192, lambdas=(0.0067,), **kwargs):
        super().__init__(**kwargs)
        self.latent = int(latent)
        self.lambdas = self.checked_lambdas(lambdas)
        self.log_gains = self.add_log_gains("log_gains", self.latent)
        self.priors = [FactorizedEntropyModel(name=f"prior{q}")
                       for q in range(len(self.lambdas))]

    def analysis(self, pixels):  # pragma: no cover - subclasses
        """Continuous latents of float 0..1 images."""
        raise NotImplementedError

    def synthesis(self, latents):  # pragma: no cover - subclasses
        """float 0..1 images of (de-gained) latents."""
        raise NotImplementedError

    @property
    def latent_stride(self):
        """Pixels per latent along an axis (the stride)."""
        return self.stride

    def latents(self, images, quality):
        """Continuous, gained latents of images (uint8 or float 0..255)."""
        return self.analysis(ops.cast(images, "float32") / 255.0) * self.gain(quality)

    def reconstruct(self, latents, quality):
        """float 0..255 images from (quantized) gained latents."""
        return self.synthesis(ops.cast(latents, "float32") / self.gain(quality)) * 255.0

    def call(self, images, quality=1, training=False):
        prior = self.priors[quality - 1]
        y_hat, bits = prior(self.latents(images, quality), training=training)
        return {"reconstruction": self.reconstruct(y_hat, quality), "bits": bits}

    def build_transforms(self):  # pragma: no cover - subclasses
        """Build the analysis and synthesis transforms' variables."""
        raise NotImplementedError

    def build(self, input_shape=None):
        self.build_transforms()
        for prior in self.priors:
            prior.build((None, None, None, self.latent))
        self.built = True

    def build_all(self):
        """Create every variable (transforms and all priors); returns the model."""
        self.build()
        return self

    def update_coding_tables(self):
        """Compute every prior's integer coding tables from its weights (before saving)."""
        for prior in self.priors:
            prior.update_coding_tables()

    def serving_functions(self):
        """TF Serving signatures (used by :func:`jpegzoo.export.export_saved_model`):

        - ``encode``: ``image`` uint8 ``[B, H, W, 3]``, ``quality`` int32 ``[B]`` (1..K) ->
          ``latents`` int32 ``[B, ceil(H/s), ceil(W/s), M]`` (edge-padded to the stride
          ``s``), the symbols to range code with the level's table (also
          ``serving_default``);
        - ``decode``: ``latents`` int32, ``quality`` int32 ``[B]`` -> ``image`` uint8
          ``[B, s*h, s*w, 3]`` (crop to the size in the file);
        - ``coding_tables``: no inputs -> the integer tables of every level: ``offsets``
          int32 ``[K, M]``, ``sizes`` int32 ``[K, M]``, ``counts`` int32 ``[K, M, n+1]``
          (see :class:`~jpegzoo.layers.numerics.range_coding.CodingTables`).

        Range coding itself runs outside the graph (constriction), as in
        :func:`compress`.
        """
        import tensorflow as tf

        from jpegzoo.layers.dct import pad_to_multiple

        levels = self.qualities
        gains = self.serving_gains

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8, "image"),
                                      tf.TensorSpec([None], tf.int32, "quality")])
        def encode(image, quality):
            pixels = pad_to_multiple(tf.cast(image, tf.float32), self.stride, self.stride)
            latents = self.analysis(pixels / 255.0) * gains(quality)
            return {"latents": tf.cast(tf.round(latents), tf.int32)}

        @tf.function(input_signature=[
            tf.TensorSpec([None, None, None, self.latent], tf.int32, "latents"),
            tf.TensorSpec([None], tf.int32, "quality")])
        def decode(latents, quality):
            pixels = self.synthesis(tf.cast(latents, tf.float32) / gains(quality)) * 255.0
            return {"image": tf.cast(tf.clip_by_value(tf.floor(pixels + 0.5), 0, 255),
                                     tf.uint8)}

        tables = [prior.coding_tables() for prior in self.priors]
        width = max(t.counts.shape[1] for t in tables)
        counts = np.zeros((levels, self.latent, width), np.int32)
        for level, table in enumerate(tables):
            counts[level, :, :table.counts.shape[1]] = table.counts
        constants = {"offsets": np.stack([t.offsets for t in tables]).astype(np.int32),
                     "sizes": np.stack([t.sizes for t in tables]).astype(np.int32),
                     "counts": counts}

        @tf.function(input_signature=[])
        def coding_tables():
            return {key: tf.constant(value) for key, value in constants.items()}

        return {"serving_default": encode, "encode": encode, "decode": decode,
                "coding_tables": coding_tables}

    def get_config(self):
        return {**super().get_config(), "latent": self.latent, "lambdas": list(self.lambdas)}

    def compress(self, image, quality=DEFAULT_QUALITY):
        """``.jzc`` bytes of a uint8 RGB image ``[H, W, 3]`` (any size: edge-padded to the
        stride) at quality level ``quality`` (1..K); the file names the model by its name."""
        from jpegzoo.jzc import JzcFile, Stream, write_jzc
        from jpegzoo.layers.numerics import range_coding

        quality = self.check_quality(quality)
        latents = quantized_latents(self, image, quality)
        data = range_coding.encode(latents, self.priors[quality - 1].coding_tables())
        height, width = np.shape(image)[:2]
        return write_jzc(JzcFile(self.name, quality, width, height,
                                 [Stream(latents.shape, data)]))

    def decode_latents(self, data, max_pixels=None):
        """(int32 latents, quality, width, height) of ``.jzc`` bytes written by
        :meth:`compress`; ValueError for anything :meth:`compress` could not have written
        (see :mod:`jpegzoo.layers.numerics.range_coding`) and, before any work, for images
        over ``max_pixels`` (None: no limit)."""
        from jpegzoo.layers.numerics import range_coding

        contents, quality = self.read_own_file(data, max_pixels)
        if len(contents.streams) != 1 or len(contents.streams[0].shape) != 4:
            raise ValueError("corrupt .jzc file: expected one 4-D latent stream")
        stream, stride = contents.streams[0], self.stride
        expected = (1, -(-contents.height // stride), -(-contents.width // stride), self.latent)
        if tuple(stream.shape) != expected:
            raise ValueError(f"latent shape {stream.shape} does not match the image size and "
                             f"model (expected {expected})")
        latents = range_coding.decode(stream.data, stream.shape,
                                      self.priors[quality - 1].coding_tables())
        return latents, quality, contents.width, contents.height

    def decompress(self, data, max_pixels=DEFAULT_MAX_PIXELS):
        """uint8 ``[H, W, 3]`` image of ``.jzc`` bytes; ValueError for corrupt files and,
        before any work, for images over ``max_pixels`` (None: no limit; default
        :data:`jpegzoo.jzc.DEFAULT_MAX_PIXELS`)."""
        latents, quality, width, height = self.decode_latents(data, max_pixels)
        image = self.tiled_synthesis(lambda part: to_uint8(self.reconstruct(part, quality)),
                                     latents)
        return image[0, :height, :width]


def padded(image, stride):
    """Edge-replicate ``image`` ``[H, W, C]`` to multiples of ``stride``."""
    height, width = image.shape[:2]
    return np.pad(image, ((0, -height % stride), (0, -width % stride), (0, 0)), mode="edge")


def check_rgb(image):
    """uint8 ``[H, W, 3]`` of an RGB image; grey images (``[H, W]`` or ``[H, W, 1]``)
    become RGB with three equal channels. ValueError for anything else."""
    image = np.asarray(image)
    if image.dtype == np.uint8 and (image.ndim == 2 or image.ndim == 3 and image.shape[2] == 1):
        image = np.repeat(image.reshape(image.shape[:2])[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 RGB image [H, W, 3], got {image.dtype} "
                         f"{image.shape}")
    if min(image.shape[:2]) < 1:
        raise ValueError(f"image has no pixels: {image.shape}")
    return image


def quantized_latents(model, image, quality):
    """int32 latents ``[1, h, w, M]`` of a uint8 RGB image at ``quality`` (tile by tile
    above ``model.tile``)."""
    quality = model.check_quality(quality)

    def transform(part):
        return np.asarray(ops.round(model.latents(part, quality))).astype(np.int32)

    return model.tiled_analysis(transform, padded(check_rgb(image), model.stride)[None])


def to_uint8(pixels):
    """Round float 0..255 pixels half up and clip to uint8 (NaN, which only latents no
    encoder writes can give, to 0)."""
    pixels = np.nan_to_num(np.asarray(pixels), nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.floor(pixels + 0.5), 0, 255).astype(np.uint8)



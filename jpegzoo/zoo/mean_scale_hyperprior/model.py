"""``mean_scale_hyperprior``: a learned image codec whose latents are coded under Gaussians
whose means and scales a hyperprior sends as side information.

Sources:

- Balle, Minnen, Singh, Hwang & Johnston, "Variational image compression with a scale
  hyperprior" (ICLR 2018): the hyper-analysis ``h_a`` maps the latents ``y`` to side
  latents ``z`` (1/64 of the resolution), coded first under a factorized prior; the
  hyper-synthesis ``h_s`` turns the decoded ``z`` into the scale of a zero-mean Gaussian
  (convolved with a unit uniform) for every latent of ``y``.
- Minnen, Balle & Toderici, "Joint autoregressive and hierarchical priors for learned image
  compression" (NeurIPS 2018), its hyperprior-only "mean & scale" variant: ``h_a`` sees
  ``y`` (not ``|y|``), ``h_s`` predicts a mean and a scale per latent (widths N, 3N/2, 2M),
  and the coded symbols are ``round(y - mean)``. **No** autoregressive context model: every
  latent's distribution is known once ``z`` is decoded, so decoding stays parallel.
- Cui, Wang, Zhang, Ma, Zhu & Gao, "Asymmetric gained deep image compression with
  continuous rate adaptation" (CVPR 2021): per quality level a gain vector on ``y`` (and
  here a second one on ``z``), inverse gains tied to ``1 / gain``, so one set of transforms
  serves every level (as in :mod:`jpegzoo.zoo.learned_codec`).

The analysis and synthesis transforms are exactly :mod:`jpegzoo.zoo.compressive_ae`'s
(same layer names and shapes), so a trained ``compressive_ae`` can initialise them
(:func:`init_from_compressive_ae`).

Per quality level ``q`` (1 = lowest rate, trained at ``lambdas[q-1]``)::

    y      = analysis(x / 255)                       [B, H/16, W/16, M]  (ungained)
    z      = h_a(y) * zgain[q]                       [B, H/64, W/64, Nh]
    z_hat  = round(z)        (training: z + U(-1/2, 1/2)), factorized prior of level q
    mu, s  = h_s(z_hat / zgain[q])                   [B, H/16, W/16, M] each (ungained)
    mean   = mu * gain[q];  scale = max(softplus(s) * gain[q], 0.11)
    y_hat  = round(y * gain[q] - mean) + mean        (training: additive noise instead)
    x_hat  = synthesis(y_hat / gain[q]) * 255

and the file codes ``z_hat`` with the level's factorized tables, then the symbols
``round(y * gain[q] - mean)`` (rounded half away from zero) with the Gaussian table of the
smallest table scale at least ``scale`` (:meth:`GaussianConditional.scale_indexes`).

Departures: widths N = 96, M = 128 and Nh = 96 side channels (compressive_ae's widths, so
its weights can start the training; the papers use N = 128..192, M = 192..320); one model for six
levels (gains) instead of one per lambda, with one factorized prior for ``z`` per level and
one shared Gaussian conditional (the gains put every level's ``y`` on the same scale-table
grid); the last hyper-synthesis layer is a 3x3 convolution (Minnen: transposed 3x3,
stride 1: the same thing); scales are ``softplus`` of the network output bounded below by
0.11 with tensorflow-compression's gradient-passing lower bound (the scale table's range).

Exact decoding: the decoder derives the table indexes (and the means) from ``z_hat``
through ``h_s``; the encoder computes them from the very same ``z_hat`` (rounded, never
noisy) with the same call (batch 1, same shapes): :func:`side_information`, which reruns
``h_s`` in **float64** with the trained float32 weights (training and the bit estimates of
``model(...)`` use float32). Measured reason: float32 convolutions change in their last
bits with the thread layout (0.3 % of the scales, 38 % of the means of a 768x512 image
differ between 1 and 2 intra-op threads), and a scale moved across a table boundary picks
another table and desynchronises the range decoder; in float64 that needs a scale within
about 1e-16 (relative) of a boundary. Indexes compare float64 scales with the float64
scale table. The remaining float dependence -- the synthesis, which only moves a pixel
by one level in rare cases, as for every float codec here -- cannot break the stream.
Integer networks (Balle, Johnston & Minnen, ICLR 2019) would remove even the 1e-16 case;
not done here.

Large images: :func:`compress` and :meth:`MeanScaleHyperprior.decompress` run the
analysis and the synthesis tile by tile (:mod:`jpegzoo.zoo.tiling`, halos from the
layers); the hyper networks run whole on ``y`` (1/256 of the pixels), so the side
information that decoding depends on is computed exactly as for a small image.

Tensors: images uint8 or float 0..255 ``[B, H, W, 3]`` with H and W multiples of
:attr:`MeanScaleHyperprior.stride` (64; :func:`compress` pads); ``bits``, ``y_bits`` and
``z_bits`` are bits per example ``[B]``.
"""


import keras
import numpy as np
from keras import ops

from jpegzoo.jzc import DEFAULT_MAX_PIXELS, JzcFile, Stream, write_jzc
from jpegzoo.layers import GDN, IGDN, FactorizedEntropyModel, GaussianConditional
from jpegzoo.layers.color import round_half_away
from jpegzoo.layers.gdn import lower_bound
from jpegzoo.layers.numerics import range_coding
from jpegzoo.zoo import learned_codec
from jpegzoo.zoo.compressive_ae import LAMBDAS, CompressiveAutoencoder

NAME = "mean_scale_hyperprior"


@keras.saving.register_keras_serializable(package="jpegzoo")
class MeanScaleHyperprior(learned_codec.TiledTransforms, learned_codec.QualityLevels,
                          keras.Model):
    """compressive_ae's transforms with a mean-and-scale hyperprior (see the module
    docstring).

    ``model(images, quality=q, training=...)`` returns ``{"reconstruction": float 0..255
    [B, H, W, 3], "bits": [B] (y_bits + z_bits), "y_bits": [B], "z_bits": [B]}``: noisy
    ``y`` and ``z`` when training, rounded otherwise (then ``bits`` estimates the payload
    of :func:`compress`).

    Args:
        filters: channels of the hidden layers (N; the hyper networks' too).
        latent: channels of ``y`` (M).
        hyper: channels of ``z`` (Nh).
        lambdas: trade-off of each quality level in ``bpp + lambda * 255^2 * MSE`` (pixels
            0..1), increasing.
    """

    stride = 64
    #: Downsampling of the analysis alone (``y`` is at 1/16 of the resolution).
    latent_stride = 16

    def __init__(self, filters=96, latent=128, hyper=96, lambdas=LAMBDAS, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.latent, self.hyper = int(filters), int(latent), int(hyper)
        self.lambdas = self.checked_lambdas(lambdas)
        conv, deconv = keras.layers.Conv2D, keras.layers.Conv2DTranspose
        # analysis and synthesis: exactly CompressiveAutoencoder's (names and shapes)
        self.analysis_transform = keras.Sequential(
            [layer for i in range(3) for layer in (conv(filters, 5, 2, padding="same",
                                                        name=f"analysis_conv{i}"),
                                                   GDN(name=f"analysis_gdn{i}"))]
            + [conv(latent, 5, 2, padding="same", name="analysis_conv3")], name="analysis")
        self.synthesis_transform = keras.Sequential(
            [layer for i in range(3) for layer in (deconv(filters, 5, 2, padding="same",
                                                          name=f"synthesis_conv{i}"),
                                                   IGDN(name=f"synthesis_igdn{i}"))]
            + [deconv(3, 5, 2, padding="same", name="synthesis_conv3")], name="synthesis")
        self.hyper_analysis_transform = keras.Sequential([
            conv(filters, 3, 1, padding="same", activation="relu", name="hyper_analysis_conv0"),
            conv(filters, 5, 2, padding="same", activation="relu", name="hyper_analysis_conv1"),
            conv(hyper, 5, 2, padding="same", name="hyper_analysis_conv2")],
            name="hyper_analysis")
        self.hyper_synthesis_transform = keras.Sequential([
            deconv(filters, 5, 2, padding="same", activation="relu",
                   name="hyper_synthesis_conv0"),
            deconv(filters * 3 // 2, 5, 2, padding="same", activation="relu",
                   name="hyper_synthesis_conv1"),
            conv(2 * latent, 3, 1, padding="same", name="hyper_synthesis_conv2")],
            name="hyper_synthesis")
        self.log_gains = self.add_log_gains("log_gains", self.latent)
        self.log_zgains = self.add_log_gains("log_zgains", self.hyper)
        self.z_priors = [FactorizedEntropyModel(name=f"z_prior{q}")
                         for q in range(len(self.lambdas))]
        self.conditional = GaussianConditional(name="conditional")
        self._y_tables = None

    # ------------------------------------------------------------------ levels and gains

    def zgain(self, quality):
        """``[Nh]`` gain of ``z`` at level ``quality`` (1..K)."""
        return ops.exp(self.log_zgains[quality - 1])

    # ------------------------------------------------------------------ transforms

    def analysis(self, pixels):
        """Ungained ``y`` of float 0..1 images."""
        return self.analysis_transform(pixels)

    def synthesis(self, latents):
        """float 0..1 images of ungained latents."""
        return self.synthesis_transform(latents)

    def latents(self, images, quality):
        """Continuous, gained ``y`` of images (uint8 or float 0..255)."""
        return self.analysis(ops.cast(images, "float32") / 255.0) * self.gain(quality)

    def reconstruct(self, latents, quality):
        """float 0..255 images from (quantized) gained latents ``y_hat``."""
        return self.synthesis(ops.cast(latents, "float32") / self.gain(quality)) * 255.0

    def side_latents(self, y, zgain):
        """Continuous, gained ``z`` of ungained ``y``."""
        return self.hyper_analysis_transform(y) * zgain

    def gaussian_parameters(self, z_hat, gain, zgain):
        """(means, scales) float32 of the gained ``y`` from gained ``z_hat`` (gains ``[M]``
        / ``[Nh]``): the training and estimation path; scales are at least the
        conditional's ``scale_bound``."""
        raw = self.hyper_synthesis_transform(ops.cast(z_hat, "float32") / zgain)
        return self._means_and_scales(raw, gain)

    def coding_parameters(self, z, gain, zgain):
        """(means, scales) **float64** of the gained ``y`` from the integer ``z``: the
        hyper-synthesis recomputed in float64 with the same weights, which is what files
        are coded with (:func:`side_information`). Gains ``[M]`` / ``[Nh]``, or per
        example ``[B, 1, 1, M]`` / ``[B, 1, 1, Nh]``.

        Why float64: float32 convolutions change in the last bits with the thread layout
        (measured: 0.3 % of the scales and 38 % of the means of a 768x512 image differ
        between 1 and 2 intra-op threads), and a scale moved across a table boundary picks
        another table and breaks decoding; in float64 such a disagreement needs a scale
        within about 1e-16 of a boundary."""
        x = ops.cast(z, "float64") / ops.cast(zgain, "float64")
        for layer in self.hyper_synthesis_transform.layers:
            kernel = ops.cast(layer.kernel, "float64")
            if isinstance(layer, keras.layers.Conv2DTranspose):
                x = ops.conv_transpose(x, kernel, layer.strides, layer.padding,
                                       output_padding=layer.output_padding,
                                       dilation_rate=layer.dilation_rate)
            else:
                x = ops.conv(x, kernel, layer.strides, layer.padding,
                             dilation_rate=layer.dilation_rate)
            x = layer.activation(x + ops.cast(layer.bias, "float64"))
        return self._means_and_scales(x, ops.cast(gain, "float64"))

    def _means_and_scales(self, raw, gain):
        means, scales = ops.split(raw, 2, axis=-1)
        bound = ops.cast(self.conditional.scale_bound, scales.dtype)
        return means * gain, lower_bound(ops.softplus(scales) * gain, bound)

    def call(self, images, quality=1, training=False):
        gain, zgain = self.gain(quality), self.zgain(quality)
        y = self.analysis(ops.cast(images, "float32") / 255.0)
        z_hat, z_bits = self.z_priors[quality - 1](self.side_latents(y, zgain),
                                                   training=training)
        means, scales = self.gaussian_parameters(z_hat, gain, zgain)
        y_hat, y_bits = self.conditional(y * gain, scales, means, training=training)
        return {"reconstruction": self.reconstruct(y_hat, quality), "bits": y_bits + z_bits,
                "y_bits": y_bits, "z_bits": z_bits}

    # ------------------------------------------------------------------ building, tables

    def build(self, input_shape=None):
        self.analysis_transform.build((None, None, None, 3))
        self.synthesis_transform.build((None, None, None, self.latent))
        self.hyper_analysis_transform.build((None, None, None, self.latent))
        self.hyper_synthesis_transform.build((None, None, None, self.hyper))
        for prior in self.z_priors:
            prior.build((None, None, None, self.hyper))
        self.built = True

    def build_all(self):
        """Create every variable (transforms, hyper networks, all priors); returns the
        model (building again is a no-op)."""
        if not self.built:
            self.build()
        return self

    def update_coding_tables(self):
        """Fix every ``z`` prior's integer coding tables from its weights (before saving:
        they are saved with the weights). The Gaussian tables depend on the fixed scale
        table only (:meth:`y_coding_tables`)."""
        for prior in self.z_priors:
            prior.update_coding_tables()

    def z_coding_tables(self, quality):
        """Integer tables of ``z`` at level ``quality`` (one per channel)."""
        return self.z_priors[quality - 1].coding_tables()

    def y_coding_tables(self):
        """Integer tables of the symbols of ``y``, one per scale of the scale table
        (computed once per model from the fixed table)."""
        if self._y_tables is None:
            self._y_tables = self.conditional.coding_tables()
        return self._y_tables

    def density_variables(self, quality=None):
        """The gains of ``y`` and ``z`` and the ``z`` priors (of level ``quality`` only, if
        given): what the trainer moves at the densities' learning rate."""
        priors = self.z_priors if quality is None else [self.z_priors[quality - 1]]
        return [self.log_gains, self.log_zgains] + [v for p in priors
                                                    for v in p.trainable_variables]

    # ------------------------------------------------------------------ files

    # ------------------------------------------------------------------ serving

    def serving_functions(self):
        """TF Serving signatures (used by :func:`jpegzoo.export.export_saved_model`):

        - ``encode`` (also ``serving_default``): ``image`` uint8 ``[B, H, W, 3]``,
          ``quality`` int32 ``[B]`` (1..K) -> ``z`` int32 ``[B, H'/64, W'/64, Nh]``,
          ``symbols`` int32 ``[B, H'/16, W'/16, M]`` and their table ``indexes`` int32
          (same shape), with ``H', W'`` the size edge-padded to multiples of 64;
        - ``indexes``: ``z`` int32, ``quality`` int32 ``[B]`` -> ``indexes`` int32: what a
          decoder needs, after decoding ``z``, to range decode the symbols;
        - ``decode``: ``z`` int32, ``symbols`` int32, ``quality`` int32 ``[B]`` -> ``image``
          uint8 ``[B, H', W', 3]`` (crop to the size in the file);
        - ``coding_tables``: no inputs -> ``z_offsets`` int32 ``[K, Nh]``, ``z_sizes``
          int32 ``[K, Nh]``, ``z_counts`` int32 ``[K, Nh, n+1]`` (the ``z`` tables of every
          level) and ``y_offsets`` int32 ``[T]``, ``y_sizes`` int32 ``[T]``, ``y_counts``
          int32 ``[T, m+1]`` (one table per scale-table entry; see
          :class:`~jpegzoo.layers.range_coding.CodingTables`).

        Range coding runs outside the graph (constriction), as in :func:`compress`; the
        hyper-synthesis runs in float64 as in :func:`side_information`, so graph and
        eager clients derive the same indexes.
        """
        import tensorflow as tf

        from jpegzoo.layers.dct import pad_to_multiple

        levels, table = self.qualities, np.asarray(self.conditional.scale_table, np.float64)

        def gains(quality):
            return self.serving_gains(quality, self.log_gains, self.log_zgains)

        def parameters(z, quality):
            gain, zgain = gains(quality)
            means, scales = self.coding_parameters(z, gain, zgain)
            # the same comparisons as GaussianConditional.scale_indexes (float64)
            flat = tf.reshape(tf.maximum(scales, self.conditional.scale_bound), [-1])
            indexes = tf.minimum(tf.searchsorted(tf.constant(table), flat, side="left"),
                                 len(table) - 1)
            return means, tf.reshape(tf.cast(indexes, tf.int32), tf.shape(scales)), gain

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8, "image"),
                                      tf.TensorSpec([None], tf.int32, "quality")])
        def encode(image, quality):
            pixels = pad_to_multiple(tf.cast(image, tf.float32), self.stride, self.stride)
            y = self.analysis(pixels / 255.0)
            z = round_half_away(self.side_latents(y, gains(quality)[1]))
            means, indexes, gain = parameters(z, quality)
            symbols = round_half_away(tf.cast(y * gain, tf.float64) - means)
            return {"z": tf.cast(z, tf.int32), "symbols": tf.cast(symbols, tf.int32),
                    "indexes": indexes}

        z_spec = tf.TensorSpec([None, None, None, self.hyper], tf.int32, "z")
        quality_spec = tf.TensorSpec([None], tf.int32, "quality")

        @tf.function(input_signature=[z_spec, quality_spec])
        def indexes(z, quality):
            return {"indexes": parameters(z, quality)[1]}

        @tf.function(input_signature=[
            z_spec, tf.TensorSpec([None, None, None, self.latent], tf.int32, "symbols"),
            quality_spec])
        def decode(z, symbols, quality):
            means, _, gain = parameters(z, quality)
            y_hat = tf.cast(tf.cast(symbols, tf.float64) + means, tf.float32)
            pixels = self.synthesis(y_hat / gain) * 255.0
            return {"image": tf.cast(tf.clip_by_value(tf.floor(pixels + 0.5), 0, 255),
                                     tf.uint8)}

        z_tables = [self.z_coding_tables(q) for q in range(1, levels + 1)]
        width = max(t.counts.shape[1] for t in z_tables)
        z_counts = np.zeros((levels, self.hyper, width), np.int32)
        for level, tables in enumerate(z_tables):
            z_counts[level, :, :tables.counts.shape[1]] = tables.counts
        y_tables = self.y_coding_tables().arrays()
        constants = {"z_offsets": np.stack([t.offsets for t in z_tables]).astype(np.int32),
                     "z_sizes": np.stack([t.sizes for t in z_tables]).astype(np.int32),
                     "z_counts": z_counts,
                     **{f"y_{key}": value for key, value in y_tables.items()}}

        @tf.function(input_signature=[])
        def coding_tables():
            return {key: tf.constant(value) for key, value in constants.items()}

        return {"serving_default": encode, "encode": encode, "indexes": indexes,
                "decode": decode, "coding_tables": coding_tables}

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "latent": self.latent,
                "hyper": self.hyper, "lambdas": list(self.lambdas)}

    def compress(self, image, quality=learned_codec.DEFAULT_QUALITY):
        """``.jzc`` bytes of a uint8 RGB image ``[H, W, 3]`` at level ``quality``: stream 0
        the range-coded ``z`` (the level's factorized tables), stream 1 the symbols of ``y``
        (Gaussian tables chosen by the indexes ``z`` gives)."""

        quality = self.check_quality(quality)
        z, symbols, indexes = encode_latents(self, image, quality)
        streams = [Stream(z.shape, range_coding.encode(z, self.z_coding_tables(quality))),
                   Stream(symbols.shape, range_coding.encode(symbols, self.y_coding_tables(),
                                                             indexes))]
        height, width = np.shape(image)[:2]
        return write_jzc(JzcFile(self.name, quality, width, height, streams))

    def decode_latents(self, data, max_pixels=None):
        """``(y_hat float32 [1, h, w, M], quality, width, height)`` of ``.jzc`` bytes written
        by :meth:`compress`; ValueError for another model's file, a bad level, streams that
        do not match the declared image size or that the range coder refuses (see
        :mod:`jpegzoo.layers.numerics.range_coding`) and, before any work, images over
        ``max_pixels`` (None: no limit)."""
        contents, quality = self.read_own_file(data, max_pixels)
        if len(contents.streams) != 2 or any(len(s.shape) != 4 for s in contents.streams):
            raise ValueError("corrupt .jzc file: expected two 4-D streams (z, then y)")
        rows, columns = -(-contents.height // self.stride), -(-contents.width // self.stride)
        blocks = self.stride // self.latent_stride
        expected = [(1, rows, columns, self.hyper),
                    (1, rows * blocks, columns * blocks, self.latent)]
        for label, stream, shape in zip(("z", "y"), contents.streams, expected):
            if tuple(stream.shape) != shape:
                raise ValueError(f"{label} shape {stream.shape} does not match the image size and "
                                 f"model (expected {shape})")
        z_stream, y_stream = contents.streams
        z = range_coding.decode(z_stream.data, z_stream.shape, self.z_coding_tables(quality))
        means, indexes = side_information(self, z, quality)
        symbols = range_coding.decode(y_stream.data, y_stream.shape, self.y_coding_tables(),
                                      indexes)
        return latents_of(symbols, means), quality, contents.width, contents.height

    def decompress(self, data, max_pixels=DEFAULT_MAX_PIXELS):
        """uint8 ``[H, W, 3]`` image of ``.jzc`` bytes; ValueError for corrupt files and,
        before any work, for images over ``max_pixels`` (None: no limit)."""
        y_hat, quality, width, height = self.decode_latents(data, max_pixels)
        image = self.tiled_synthesis(
            lambda part: learned_codec.to_uint8(self.reconstruct(part, quality)), y_hat)
        return image[0, :height, :width]


def build_mean_scale_hyperprior(filters=96, latent=128, hyper=96, lambdas=LAMBDAS, name=NAME):
    """An untrained model with every variable built (for any image size)."""
    return MeanScaleHyperprior(filters, latent, hyper, lambdas, name=name).build_all()


def init_from_compressive_ae(model, source=None):
    """Copy a trained ``compressive_ae``'s analysis and synthesis transforms and its
    ``y`` gains into ``model`` (the hyper networks, ``z`` gains and priors keep theirs);
    returns ``model``.

    ``source``: a :class:`~jpegzoo.zoo.compressive_ae.CompressiveAutoencoder`, the path of
    its weights (built with ``model``'s widths and levels), or None for the shipped
    ``compressive_ae`` (``zoo.load``, offline). ValueError if the shapes differ.
    """
    if source is None:
        from jpegzoo import zoo

        source = zoo.load("compressive_ae")
    elif not isinstance(source, CompressiveAutoencoder):
        path = str(source)
        source = CompressiveAutoencoder(model.filters, model.latent, model.lambdas).build_all()
        source.load_weights(path)
    model.build_all()
    pairs = [(model.analysis_transform, source.analysis_transform),
             (model.synthesis_transform, source.synthesis_transform)]
    for target, origin in pairs:
        shapes = ([tuple(w.shape) for w in target.weights],
                  [tuple(w.shape) for w in origin.weights])
        if shapes[0] != shapes[1]:
            raise ValueError(f"{origin.name} of {source.name!r} does not fit {model.name!r} "
                             f"(filters {model.filters}, latent {model.latent})")
    if tuple(source.log_gains.shape) != tuple(model.log_gains.shape):
        raise ValueError(f"{source.name!r} has gains {tuple(source.log_gains.shape)}, "
                         f"{model.name!r} {tuple(model.log_gains.shape)} (levels x latent)")
    for target, origin in pairs:
        target.set_weights(origin.get_weights())
    model.log_gains.assign(source.log_gains)
    return model


# ---------------------------------------------------------------------------- files


def side_information(model, z, quality):
    """``(means float64, indexes int64)`` of the gained ``y`` ``[1, h, w, M]`` from the int
    ``z`` ``[1, h/4, w/4, Nh]`` (:meth:`MeanScaleHyperprior.coding_parameters`): the one
    computation :func:`compress` and :func:`decompress` both make."""
    means, scales = model.coding_parameters(ops.convert_to_tensor(np.asarray(z, np.int32)),
                                            model.gain(quality), model.zgain(quality))
    return np.asarray(means), model.conditional.scale_indexes(np.asarray(scales))


def encode_latents(model, image, quality):
    """``(z, symbols, indexes)`` of a uint8 RGB image ``[H, W, 3]`` at ``quality``: int32
    ``z`` ``[1, h/4, w/4, Nh]``, int32 symbols ``round(y * gain - mean)`` ``[1, h, w, M]``
    (half away from zero) and their int64 table indexes (``h, w``: the size padded to
    multiples of 64, over 16). The decoder's latents are ``symbols + mean``
    (:func:`decode_latents`)."""
    quality = model.check_quality(quality)
    pixels = learned_codec.padded(learned_codec.check_rgb(image), model.stride)[None]
    y = model.tiled_analysis(
        lambda part: model.analysis(ops.convert_to_tensor(part.astype(np.float32)) / 255.0),
        pixels)
    z = np.asarray(round_half_away(model.side_latents(y, model.zgain(quality))))
    z = z.astype(np.int32)
    means, indexes = side_information(model, z, quality)
    centred = np.asarray(y * model.gain(quality)).astype(np.float64) - means
    symbols = np.asarray(round_half_away(centred)).astype(np.int32)
    return z, symbols, indexes


def latents_of(symbols, means):
    """float32 ``y_hat = symbols + means`` (the sum in float64, as both sides make it)."""
    return (np.asarray(symbols, np.float64) + means).astype(np.float32)



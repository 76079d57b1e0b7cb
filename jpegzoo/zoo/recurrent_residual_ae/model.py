"""``recurrent_residual_ae``: a progressive learned codec.

Source: Toderici et al., "Full resolution image compression with recurrent neural
networks" (CVPR 2017), the additive-reconstruction variant: each iteration encodes the
residual of the reconstruction so far with convolutional GRU cells, binarizes the code
(``bits`` channels at 1/16 of the resolution: ``bits / 256`` bpp per iteration before
entropy coding) and adds the decoder's output to the reconstruction. One file holds k
iterations; decoding any prefix gives a coarser image (quality = iterations).

Departures: GRU cells throughout (the paper compares LSTM, associative LSTM and GRU) at
widths 64 instead of 512 and 64 code bits per 16x16 block and iteration instead of 32, for
a CPU budget; no entropy coding of the bits (the paper's optional second stage): the file
holds the packed bits. Fixed learned residual gains instead of the paper's content-adaptive
"scaled-additive" gains: iteration t's encoder sees ``g_t (x - x_hat_{t-1})`` and its
decoder output is divided by ``g_t`` (one learned scalar per iteration, no side
information); without them the later iterations' small residuals gave codes near 0, which
stochastic binarization turns into noise, and iterations after the second added nothing
(measured: 24.1 dB after one iteration, 24.8 after eight, at 2,000 steps). The residual
chain is explicit -- iteration t encodes ``x - x_hat_{t-1}`` and the recurrent states
carry over, which the BU project's code got wrong (it fed each iteration the previous
residual's reconstruction).

Large images: :meth:`~RecurrentResidualAutoencoder.compress` runs iteration by
iteration, each iteration tile by tile with the halo one iteration needs (about 120
pixels, from the layers: :meth:`~RecurrentResidualAutoencoder.encoding_tiling`), keeping
the whole image's recurrent states between iterations; ``decompress`` runs every
iteration on each tile with the halo of all of them (about 300 pixels for 8 iterations).
The halo of all 8 encoder iterations would be about 900 pixels: tiling whole encodes
would cost about 7 times the computation at 1024-pixel tiles.

Tensors: images float 0..1 ``[B, H, W, 3]`` (H, W multiples of 16); codes in {-1, +1}
``[B, H/16, W/16, bits]`` per iteration.
"""

import functools
import math

import keras
import numpy as np
from keras import ops

from jpegzoo.jzc import DEFAULT_MAX_PIXELS
from jpegzoo.layers.color import straight_through
from jpegzoo.progress import tracked
from jpegzoo.zoo import tiling
from jpegzoo.zoo.tiling import Cone, layer_cone

STRIDE = 16
#: Most iterations a file holds (the trained number: 8 x 64 bits per 16x16 block = 2 bpp).
MAX_ITERATIONS = 8
#: Pixels between the values of the encoder's and the decoder's states.
ENCODER_STEPS, DECODER_STEPS = (4, 8, 16), (16, 8, 4, 2)


@keras.saving.register_keras_serializable(package="jpegzoo")
class ConvGRUCell(keras.layers.Layer):
    """Convolutional GRU: ``h' = (1 - z) * h + z * tanh(W x + U (r * h))`` with gates
    ``z, r = sigmoid(W_g x + U_g h)``; the input convolution may be strided (the state
    lives at the output resolution).

    Args:
        filters: channels of the state.
        kernel_size: of the input and state convolutions.
        strides: of the input convolution.
    """

    def __init__(self, filters, kernel_size=3, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), strides
        self.input_conv = keras.layers.Conv2D(3 * filters, kernel_size, strides,
                                              padding="same", name="input_conv")
        self.state_conv = keras.layers.Conv2D(3 * filters, kernel_size, padding="same",
                                              use_bias=False, name="state_conv")

    def build(self, input_shape):
        self.input_conv.build(input_shape)
        self.state_conv.build((None, None, None, self.filters))

    def call(self, inputs, state):
        x_z, x_r, x_h = ops.split(self.input_conv(inputs), 3, axis=-1)
        u = self.state_conv.kernel
        f = self.filters
        h_z = ops.conv(state, u[..., :f], padding="same")
        h_r = ops.conv(state, u[..., f:2 * f], padding="same")
        update = ops.sigmoid(x_z + h_z)
        reset = ops.sigmoid(x_r + h_r)
        candidate = ops.tanh(x_h + ops.conv(reset * state, u[..., 2 * f:], padding="same"))
        return (1.0 - update) * state + update * candidate

    def cone(self, inputs, state):
        """What the new state reads (:class:`~jpegzoo.zoo.tiling.Cone`), given what the
        inputs and the old state read: the gates convolve both, the candidate the inputs
        and ``reset * state``."""
        x = inputs.conv(self.kernel_size, self.strides)
        gates = x | state.conv(self.kernel_size)
        return state | gates | x | (gates | state).conv(self.kernel_size)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides}


def depth_to_space(x, block=2):
    """``[B, H, W, C * block^2]`` -> ``[B, H * block, W * block, C]`` (as tf.nn.depth_to_space)."""
    b, h, w, c = ops.shape(x)
    x = ops.reshape(x, (b, h, w, block, block, c // (block * block)))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    return ops.reshape(x, (b, h * block, w * block, c // (block * block)))


def binarize(x, training, seed=None):
    """{-1, +1} codes of ``x`` in (-1, 1): the sign (ties to +1), or in training a random
    bit with ``P(+1) = (1 + x) / 2`` (unbiased); straight-through gradient."""
    if training:
        probability = (1.0 + x) / 2.0
        bits = ops.where(keras.random.uniform(ops.shape(x), seed=seed) < probability, 1.0, -1.0)
    else:
        bits = ops.where(x >= 0.0, 1.0, -1.0)
    return straight_through(x, bits)


@keras.saving.register_keras_serializable(package="jpegzoo")
class RecurrentResidualAutoencoder(keras.Model):
    """Encoder and decoder of residuals, run for ``iterations`` steps.

    ``model(images, iterations=k, training=...)`` returns ``{"reconstructions": [k] float
    0..1 images after each iteration, "codes": [k] codes}``.

    Args:
        filters: width of the recurrent layers (the paper: 512; smaller for a CPU budget).
        bits: code channels per 16x16 block and iteration.
    """

    def __init__(self, filters=64, bits=64, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.bits = int(filters), int(bits)
        n = self.filters
        self.encoder_conv = keras.layers.Conv2D(n // 2, 3, 2, padding="same", name="enc_conv")
        self.encoder_cells = [ConvGRUCell(n, 3, 2, name=f"enc_gru{i}") for i in range(3)]
        self.code_conv = keras.layers.Conv2D(self.bits, 1, activation="tanh", name="code")
        self.decoder_conv = keras.layers.Conv2D(n, 1, name="dec_conv")
        widths = (n, n, n // 2, n // 4)
        self.decoder_cells = [ConvGRUCell(w, 3, 1, name=f"dec_gru{i}")
                              for i, w in enumerate(widths)]
        self.output_conv = keras.layers.Conv2D(3, 1, name="dec_out")
        # residual gains: iteration t's encoder sees the residual times g_t and its decoder
        # output is divided by g_t, so that every iteration works at about unit scale
        initial = [0.0] + [math.log(4.0) + t * math.log(1.4) for t in range(MAX_ITERATIONS - 1)]
        self.log_residual_gains = self.add_weight(
            name="log_residual_gains", shape=(MAX_ITERATIONS,),
            initializer=keras.initializers.Constant(initial))
        self._noise = keras.random.SeedGenerator(0)

    def residual_gain(self, iteration):
        """g_t of iteration ``iteration`` (0-based; int or scalar tensor)."""
        return ops.exp(ops.take(self.log_residual_gains, iteration))

    def initial_states(self, images):
        """Zero states of every cell for images ``[B, H, W, 3]``."""
        b, h, w = ops.shape(images)[0], ops.shape(images)[1], ops.shape(images)[2]
        encoder = [ops.zeros((b, h // 2 ** (i + 2), w // 2 ** (i + 2), self.filters))
                   for i in range(3)]
        decoder = [ops.zeros((b, h // 2 ** (4 - i), w // 2 ** (4 - i), cell.filters))
                   for i, cell in enumerate(self.decoder_cells)]
        return encoder, decoder

    def encode_step(self, residual, states, iteration, training=False):
        """(codes, new encoder states) of the residual before iteration ``iteration``."""
        x = self.encoder_conv(residual * self.residual_gain(iteration))
        new = []
        for cell, state in zip(self.encoder_cells, states):
            x = cell(x, state)
            new.append(x)
        return binarize(self.code_conv(x), training, self._noise), new

    def decode_step(self, codes, states, iteration):
        """(residual estimate, new decoder states) of iteration ``iteration``'s codes."""
        x = self.decoder_conv(codes)
        new = []
        for cell, state in zip(self.decoder_cells, states):
            x = cell(x, state)
            new.append(x)
            x = depth_to_space(x)
        return self.output_conv(x) / self.residual_gain(iteration), new

    def encoder_cones(self, residual, states):
        """(codes, new states) :class:`~jpegzoo.zoo.tiling.Cone` of :meth:`encode_step`
        from those of the residual and the states."""
        x = layer_cone(self.encoder_conv, residual)
        new = []
        for cell, state in zip(self.encoder_cells, states):
            x = cell.cone(x, state)
            new.append(x)
        return layer_cone(self.code_conv, x), new

    def decoder_cones(self, codes, states):
        """(residual estimate, new states) cones of :meth:`decode_step`."""
        x = layer_cone(self.decoder_conv, codes)
        new = []
        for cell, state in zip(self.decoder_cells, states):
            x = cell.cone(x, state)
            new.append(x)
            x = x.depth_to_space()
        return layer_cone(self.output_conv, x), new

    def encoding_tiling(self):
        """The :class:`~jpegzoo.zoo.tiling.Tiling` of one iteration of :meth:`compress`
        (pixels, reconstruction and states in; codes, reconstruction and states out):
        the halo one iteration needs, from its layers."""
        codes, encoder = self.encoder_cones(Cone(1), [Cone(s) for s in ENCODER_STEPS])
        residual, decoder = self.decoder_cones(codes, [Cone(s) for s in DECODER_STEPS])
        return tiling.Tiling.of([codes, residual, *encoder, *decoder], self.tile)

    def decoding_tiling(self, iterations):
        """The :class:`~jpegzoo.zoo.tiling.Tiling` of decoding ``iterations`` iterations
        of codes to pixels (what the last reconstruction reads of the codes)."""
        reconstruction, states = Cone(1), [Cone(s) for s in DECODER_STEPS]
        for _ in range(iterations):
            residual, states = self.decoder_cones(Cone(STRIDE), states)
            reconstruction = reconstruction | residual
        return tiling.Tiling.of([reconstruction], self.tile)

    def encode_codes(self, pixels, iterations):
        """int8 codes in {-1, +1} ``[1, H/16, W/16, bits]`` of each iteration of uint8
        pixels ``[1, H, W, 3]`` (H, W multiples of 16), computed iteration by iteration
        and, above ``tile**2`` pixels, tile by tile (:meth:`encoding_tiling`): the whole
        image's states stay in memory (about 60 bytes per pixel), not the activations."""
        def iteration(t, pixels, reconstruction, *states):
            codes, encoder = self.encode_step(pixels.astype(np.float32) / 255.0
                                              - reconstruction, list(states[:3]), t)
            residual, decoder = self.decode_step(codes, list(states[3:]), t)
            return ([(ops.cast(codes, "int8"), STRIDE), (reconstruction + residual, 1)]
                    + list(zip(encoder + decoder, ENCODER_STEPS + DECODER_STEPS)))

        _, height, width, _ = pixels.shape
        states = [np.zeros((1, height // s, width // s, cell.filters), np.float32)
                  for s, cell in zip(ENCODER_STEPS + DECODER_STEPS,
                                     self.encoder_cells + self.decoder_cells)]
        reconstruction = np.full(pixels.shape, 0.5, np.float32)
        steps, plan, codes = ENCODER_STEPS + DECODER_STEPS, self.encoding_tiling(), []
        for t in tracked(range(iterations), "rnn encoding", iterations):
            code, reconstruction, *states = tiling.run_tiled_grids(
                functools.partial(iteration, t),
                [(pixels, 1), (reconstruction, 1), *zip(states, steps)], plan)
            codes.append(code)
        return codes

    def iterate(self, images, iterations, training=False):
        """Yield ``(reconstruction, codes)`` after each of ``iterations`` iterations on
        float images ``[B, H, W, 3]`` in 0..1 (H, W multiples of 16)."""
        images = ops.cast(images, "float32")
        encoder_states, decoder_states = self.initial_states(images)
        reconstruction = ops.zeros_like(images) + 0.5
        for t in range(iterations):
            code, encoder_states = self.encode_step(images - reconstruction, encoder_states,
                                                    t, training)
            residual, decoder_states = self.decode_step(code, decoder_states, t)
            reconstruction = reconstruction + residual
            yield reconstruction, code

    def call(self, images, iterations=4, training=False):
        steps = list(self.iterate(images, iterations, training))
        return {"reconstructions": [r for r, _ in steps], "codes": [c for _, c in steps]}

    def serving_functions(self):
        """TF Serving signatures (used by :func:`jpegzoo.export.export_saved_model`):

        - ``encode`` (also ``serving_default``): ``image`` uint8 ``[B, H, W, 3]``,
          ``iterations`` int32 scalar (1..MAX_ITERATIONS) -> ``codes`` int8
          ``[B, iterations, ceil(H/16), ceil(W/16), bits]`` in {-1, +1} (edge-padded);
        - ``decode``: ``codes`` int8 ``[B, k, h, w, bits]`` (any prefix k >= 1 of an
          encoding) -> ``image`` uint8 ``[B, 16h, 16w, 3]`` (crop to the image size).

        Packing the codes into a ``.jzc`` file (:func:`compress`) runs outside the graph.
        """
        import tensorflow as tf

        from jpegzoo.layers.dct import pad_to_multiple

        def checked(iterations):
            check = tf.debugging.assert_equal(
                (iterations >= 1) & (iterations <= MAX_ITERATIONS), True,
                message=f"iterations must be in 1..{MAX_ITERATIONS}")
            with tf.control_dependencies([check]):
                return tf.identity(iterations)

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8, "image"),
                                      tf.TensorSpec([], tf.int32, "iterations")])
        def encode(image, iterations):
            iterations = checked(iterations)
            pixels = pad_to_multiple(tf.cast(image, tf.float32) / 255.0, STRIDE, STRIDE)
            encoder_states, decoder_states = self.initial_states(pixels)
            reconstruction = tf.zeros_like(pixels) + 0.5
            codes = tf.TensorArray(tf.float32, size=iterations)
            for t in tf.range(iterations):
                code, encoder_states = self.encode_step(pixels - reconstruction,
                                                        encoder_states, t)
                residual, decoder_states = self.decode_step(code, decoder_states, t)
                reconstruction = reconstruction + residual
                codes = codes.write(t, code)
            return {"codes": tf.cast(tf.transpose(codes.stack(), (1, 0, 2, 3, 4)), tf.int8)}

        @tf.function(input_signature=[
            tf.TensorSpec([None, None, None, None, self.bits], tf.int8, "codes")])
        def decode(codes):
            shape = tf.shape(codes)
            iterations = checked(shape[1])
            codes = tf.where(codes > 0, 1.0, -1.0)
            canvas = tf.zeros((shape[0], shape[2] * STRIDE, shape[3] * STRIDE, 3))
            _, decoder_states = self.initial_states(canvas)
            reconstruction = canvas + 0.5
            for t in tf.range(iterations):
                residual, decoder_states = self.decode_step(codes[:, t], decoder_states, t)
                reconstruction = reconstruction + residual
            pixels = tf.floor(reconstruction * 255.0 + 0.5)
            return {"image": tf.cast(tf.clip_by_value(pixels, 0, 255), tf.uint8)}

        return {"serving_default": encode, "encode": encode, "decode": decode}

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "bits": self.bits}

    #: Side (pixels) of the tiles :meth:`compress` and :meth:`decompress` work in on
    #: larger images (:mod:`jpegzoo.zoo.tiling`); None: whole images.
    tile = tiling.TILE

    @property
    def quality_levels(self):
        """The quality levels of :meth:`compress`: iterations ``1..8``."""
        return tuple(range(1, MAX_ITERATIONS + 1))

    def compress(self, image, quality=MAX_ITERATIONS):
        """``.jzc`` bytes holding ``iterations`` streams of packed code bits of a uint8 RGB
        image (edge-padded to multiples of 16); ``quality`` = iterations 1..8. ``bits / 256``
        bpp per iteration (of the padded size) plus a 40-byte container."""
        from jpegzoo.jzc import JzcFile, Stream, write_jzc
        from jpegzoo.zoo import learned_codec

        iterations = check_iterations(quality)
        image = learned_codec.check_rgb(image)
        codes = self.encode_codes(learned_codec.padded(image, STRIDE)[None], iterations)
        streams = [Stream(code.shape, np.packbits(code > 0).tobytes()) for code in codes]
        return write_jzc(JzcFile(self.name, iterations, image.shape[1], image.shape[0], streams))

    def decompress(self, data, iterations=None, max_pixels=DEFAULT_MAX_PIXELS):
        """uint8 image from the first ``iterations`` streams of ``.jzc`` bytes (default: all).

        ValueError, before any work, for images over ``max_pixels`` (None: no limit) and for
        files :meth:`compress` / :func:`truncate` could not have written: a quality level
        other than the number of streams, a stream of another shape, or one that is not
        exactly the packed bits of its codes (``ceil(size / 8)`` bytes, zero padding bits).
        """
        from jpegzoo.jzc import check_pixels, read_jzc

        contents = read_jzc(data)
        if contents.model != self.name:
            raise ValueError(f"this .jzc file was written by model {contents.model!r}, "
                             f"not {self.name!r}")
        available = len(contents.streams)
        if not 1 <= available <= MAX_ITERATIONS:
            raise ValueError(f"corrupt .jzc file: {available} iterations (this model codes "
                             f"1..{MAX_ITERATIONS})")
        if contents.quality != available:
            raise ValueError(f"corrupt .jzc file: quality level {contents.quality} but "
                             f"{available} iterations (a progressive file's quality level "
                             f"is its number of iterations)")
        if iterations is not None and not 1 <= iterations <= available:
            raise ValueError(f"this file holds {available} iterations, asked for {iterations}")
        iterations = available if iterations is None else int(iterations)
        check_pixels(contents.width, contents.height, max_pixels)
        shape = (1, -(-contents.height // STRIDE), -(-contents.width // STRIDE), self.bits)
        size = int(np.prod(shape))
        for stream in contents.streams:
            if tuple(stream.shape) != shape:
                raise ValueError(f"code shape {stream.shape} does not match the image size and "
                                 f"model (expected {shape})")
            if len(stream.data) != -(-size // 8):
                raise ValueError(f"corrupt .jzc file: a code stream of {len(stream.data)} "
                                 f"bytes, expected {-(-size // 8)} ({size} bits)")
            if size % 8 and stream.data[-1] & (0xFF >> size % 8):
                raise ValueError("corrupt .jzc file: padding bits after the last code are "
                                 "not zero")
        bits = np.concatenate([np.unpackbits(np.frombuffer(stream.data, np.uint8),
                                             count=size).reshape(shape)
                               for stream in contents.streams[:iterations]], axis=3)
        image = tiling.run_tiled(self._decoded, bits, self.decoding_tiling(iterations),
                                 STRIDE, 1)
        return image[0, :contents.height, :contents.width]

    def _decoded(self, bits):
        """uint8 pixels ``[1, 16 h, 16 w, 3]`` of the code bits (0/1) of successive
        iterations stacked on the last axis ``[1, h, w, k * bits]``."""
        from jpegzoo.zoo import learned_codec

        padded = np.zeros((1, bits.shape[1] * STRIDE, bits.shape[2] * STRIDE, 3), np.float32)
        _, decoder_states = self.initial_states(padded)
        reconstruction = padded + 0.5
        for t in tracked(range(bits.shape[3] // self.bits), "rnn decoding"):
            codes = np.where(bits[..., t * self.bits:(t + 1) * self.bits] > 0, 1.0,
                             -1.0).astype(np.float32)
            residual, decoder_states = self.decode_step(codes, decoder_states, t)
            reconstruction = reconstruction + residual
        return learned_codec.to_uint8(np.asarray(reconstruction) * 255.0)


def build_recurrent_residual_ae(filters=64, bits=64, name="recurrent_residual_ae"):
    """An untrained model with every variable built (for any image size)."""
    model = RecurrentResidualAutoencoder(filters, bits, name=name)
    model(ops.zeros((1, STRIDE, STRIDE, 3)), iterations=1)
    return model


def check_iterations(iterations, available=MAX_ITERATIONS):
    if isinstance(iterations, bool) or int(iterations) != iterations \
            or not 1 <= iterations <= available:
        raise ValueError(f"iterations must be an integer in 1..{available}, got {iterations!r}")
    return int(iterations)


def truncate(data, iterations):
    """A ``.jzc`` file holding the first ``iterations`` of ``data``'s: the coarser image
    without re-encoding (its bytes are a prefix of ``data``'s streams plus a new header and
    checksum)."""
    from dataclasses import replace

    from jpegzoo.jzc import read_jzc, write_jzc

    contents = read_jzc(data)
    if contents.quality != len(contents.streams):
        raise ValueError(f"corrupt .jzc file: quality level {contents.quality} but "
                         f"{len(contents.streams)} iterations")
    iterations = check_iterations(iterations, len(contents.streams))
    return write_jzc(replace(contents, quality=iterations,
                             streams=contents.streams[:iterations]))



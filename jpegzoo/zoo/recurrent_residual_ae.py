"""``recurrent_residual_ae``: a progressive learned codec (work in progress, issue #8).

Source: Toderici et al., "Full resolution image compression with recurrent neural
networks" (CVPR 2017), the additive-reconstruction variant: each iteration encodes the
residual of the reconstruction so far with convolutional GRU cells, binarizes the code
(``bits`` channels at 1/16 of the resolution: ``bits / 256`` bpp per iteration before
entropy coding) and adds the decoder's output to the reconstruction. One file holds k
iterations; decoding any prefix gives a coarser image (quality = iterations).

Departures: GRU cells throughout (the paper compares LSTM, associative LSTM and GRU) at
smaller widths for a CPU budget; the residual chain is explicit -- iteration t encodes
``x - x_hat_{t-1}`` and the recurrent states carry over, which the BU project's code got
wrong (it fed each iteration the previous residual's reconstruction).

Tensors: images float 0..1 ``[B, H, W, 3]`` (H, W multiples of 16); codes in {-1, +1}
``[B, H/16, W/16, bits]`` per iteration.
"""

import keras
from keras import ops

from jpegzoo.layers.color import straight_through

STRIDE = 16


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

    def initial_state(self, inputs):
        """Zero state for ``inputs`` ``[B, H, W, C]``."""
        shape = ops.shape(self.input_conv(inputs))
        return ops.zeros((shape[0], shape[1], shape[2], self.filters))

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

    def __init__(self, filters=128, bits=32, **kwargs):
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
        self._noise = keras.random.SeedGenerator(0)

    def initial_states(self, images):
        """Zero states of every cell for images ``[B, H, W, 3]``."""
        b, h, w = ops.shape(images)[0], ops.shape(images)[1], ops.shape(images)[2]
        encoder = [ops.zeros((b, h // 2 ** (i + 2), w // 2 ** (i + 2), self.filters))
                   for i in range(3)]
        decoder = [ops.zeros((b, h // 2 ** (4 - i), w // 2 ** (4 - i), cell.filters))
                   for i, cell in enumerate(self.decoder_cells)]
        return encoder, decoder

    def encode_step(self, residual, states, training=False):
        """(codes, new encoder states) of one residual."""
        x = self.encoder_conv(residual)
        new = []
        for cell, state in zip(self.encoder_cells, states):
            x = cell(x, state)
            new.append(x)
        return binarize(self.code_conv(x), training, self._noise), new

    def decode_step(self, codes, states):
        """(residual estimate, new decoder states) of one iteration's codes."""
        x = self.decoder_conv(codes)
        new = []
        for cell, state in zip(self.decoder_cells, states):
            x = cell(x, state)
            new.append(x)
            x = depth_to_space(x)
        return self.output_conv(x), new

    def call(self, images, iterations=4, training=False):
        images = ops.cast(images, "float32")
        encoder_states, decoder_states = self.initial_states(images)
        reconstruction = ops.zeros_like(images) + 0.5
        reconstructions, codes = [], []
        for _ in range(iterations):
            code, encoder_states = self.encode_step(images - reconstruction, encoder_states,
                                                    training)
            residual, decoder_states = self.decode_step(code, decoder_states)
            reconstruction = reconstruction + residual
            reconstructions.append(reconstruction)
            codes.append(code)
        return {"reconstructions": reconstructions, "codes": codes}

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "bits": self.bits}


def build_recurrent_residual_ae(filters=128, bits=32, name="recurrent_residual_ae"):
    model = RecurrentResidualAutoencoder(filters, bits, name=name)
    model(ops.zeros((1, STRIDE, STRIDE, 3)), iterations=1)
    return model


def compress(model, image, iterations, model_name="recurrent_residual_ae"):
    """``.jzc`` bytes holding ``iterations`` streams of packed code bits of a uint8 RGB
    image (edge-padded to multiples of 16); quality = iterations."""
    import numpy as np

    from jpegzoo.export.jzc import JzcFile, Stream, write_jzc
    from jpegzoo.zoo import learned_codec

    image = learned_codec.check_rgb(image)
    pixels = learned_codec.padded(image, STRIDE)[None].astype(np.float32) / 255.0
    codes = model(pixels, iterations=iterations)["codes"]
    streams = [Stream(tuple(code.shape), np.packbits(np.asarray(code) > 0).tobytes())
               for code in codes]
    return write_jzc(JzcFile(model_name, iterations, image.shape[1], image.shape[0], streams))


def decompress(model, data, iterations=None, model_name="recurrent_residual_ae"):
    """uint8 image from the first ``iterations`` streams of ``.jzc`` bytes (default: all)."""
    import numpy as np

    from jpegzoo.export.jzc import read_jzc
    from jpegzoo.zoo import learned_codec

    contents = read_jzc(data)
    if contents.model != model_name:
        raise ValueError(f"this .jzc file was written by model {contents.model!r}, "
                         f"not {model_name!r}")
    available = len(contents.streams)
    iterations = available if iterations is None else int(iterations)
    if not 1 <= iterations <= available:
        raise ValueError(f"this file holds {available} iterations, asked for {iterations}")
    shape = (1, -(-contents.height // STRIDE), -(-contents.width // STRIDE), model.bits)
    padded = np.zeros((1, shape[1] * STRIDE, shape[2] * STRIDE, 3), np.float32)
    _, decoder_states = model.initial_states(padded)
    reconstruction = padded + 0.5
    for stream in contents.streams[:iterations]:
        if tuple(stream.shape) != shape:
            raise ValueError(f"code shape {stream.shape} does not match the image size and "
                             f"model (expected {shape})")
        size = int(np.prod(shape))
        bits = np.unpackbits(np.frombuffer(stream.data, np.uint8), count=size)
        if len(bits) != size:
            raise ValueError("corrupt .jzc file: code stream too short")
        codes = np.where(bits.reshape(shape) > 0, 1.0, -1.0).astype(np.float32)
        residual, decoder_states = model.decode_step(codes, decoder_states)
        reconstruction = reconstruction + residual
    pixels = np.asarray(reconstruction)[0, :contents.height, :contents.width] * 255.0
    return learned_codec.to_uint8(pixels)

"""``lossless_predictor``: a learned lossless image coder.

Each sample (channels in the order G, R, B) is predicted from its causal neighbourhood by a
small MLP that outputs a discretized-logistic distribution (mean and scale); the residual
``x - round(mean)`` is range coded with the integer table of the quantized scale into a
``.jzc`` file that decodes to the exact input.

Source: the BU "Neural Networks for Image Compression" project's lossless MLP predictor
(reported 4.5 bpp against JPEG-LS 5.2 and JPEG 2000 4.3). Departures: the context is the
JPEG-LS-style causal neighbourhood of all three channels plus the current pixel's channels
already coded; the output is a distribution (mean and scale), not a point prediction, so
the coder adapts its table per sample; and inference runs in exact integer arithmetic
(fixed-point weights; float64 products of integers below 2^53 are exact in any summation
order), so the decoder's predictions equal the encoder's on every machine, which lossless
decoding needs.

Decoding is sequential by construction; it proceeds by wavefronts ``t = x + 2 y`` (every
causal neighbour of a pixel on wavefront ``t`` lies on an earlier one), each a batched
integer MLP evaluation, so a 768x512 image takes about 1,800 steps.

Files: quality level 1 and two streams, the range-coded residuals (shape ``[H, W, 3]``)
and the CRC-32 of the image's RGB bytes (C order; shape ``[1]``, 4 bytes big-endian),
which decoding checks. Files of the first format (the residual stream alone) still decode,
checked by the range coder's exactness test only (see
:class:`~jpegzoo.layers.numerics.range_coding.CheckedDecoder`).
"""

import struct
import zlib

import keras
import numpy as np
from keras import ops

from jpegzoo.jzc import DEFAULT_MAX_PIXELS
from jpegzoo.layers.numerics.range_coding import save_tables, split_tables
from jpegzoo.progress import tracked
from jpegzoo.zoo import learned_codec

#: Coding order of the RGB channels (index into the last axis).
CHANNEL_ORDER = (1, 0, 2)
#: Causal neighbours (dy, dx): W, N, NW, NE, WW, NN.
NEIGHBOURS = ((0, -1), (-1, 0), (-1, -1), (-1, 1), (0, -2), (-2, 0))
PAD = 2
FEATURES = 3 * len(NEIGHBOURS) + 2 + 3
#: Fixed point: activations in units of 2^-ACTIVATION_BITS, weights 2^-WEIGHT_BITS.
ACTIVATION_BITS, WEIGHT_BITS = 8, 12
INPUT_SCALE = 32.0  # the MLP sees pixel differences / 32
#: Quantized scales of the residual tables (log-spaced).
SCALES = np.exp(np.linspace(np.log(0.2), np.log(64.0), 48))
LOG_SCALE_STEP = float(np.log(SCALES[1] / SCALES[0]))


#: Samples whose predictions :meth:`LosslessPredictor.compress` computes at once (rows of
#: the image at a time: the MLP's activations take about 3 KB per sample).
STRIP_SAMPLES = 1 << 15


def padded(image):
    """``[H + 2, W + 3, 3]`` int16: the image with two rows above, two columns left and one
    right of value 128 (neutral context where no neighbour exists)."""
    out = np.full((image.shape[0] + PAD, image.shape[1] + PAD + 1, 3), 128, np.int16)
    out[PAD:, PAD:PAD + image.shape[1]] = image
    return out


def med(w, n, nw):
    """JPEG-LS's median edge detector prediction."""
    return np.where(nw >= np.maximum(w, n), np.minimum(w, n),
                    np.where(nw <= np.minimum(w, n), np.maximum(w, n), w + n - nw))


def context(canvas, ys, xs, step):
    """Integer features ``[N, FEATURES]`` and base predictions ``[N]`` of channel
    ``CHANNEL_ORDER[step]`` at pixels (ys, xs) (image coordinates) of the padded
    ``canvas``, whose causal samples (and the current pixel's earlier channels) are known."""
    py, px = ys + PAD, xs + PAD
    near = {offset: canvas[py + offset[0], px + offset[1]] for offset in NEIGHBOURS}  # [N, 3]
    bases = med(near[(0, -1)], near[(-1, 0)], near[(-1, -1)])  # [N, 3] per channel
    columns = [near[offset] - bases for offset in NEIGHBOURS]  # 6 x [N, 3]
    features = np.concatenate(columns, axis=1)
    current = canvas[py, px]
    earlier = np.zeros((len(ys), 2), np.int64)
    for k in range(step):  # the current pixel's channels coded before this one
        channel = CHANNEL_ORDER[k]
        earlier[:, k] = current[:, channel] - bases[:, channel]
    one_hot = np.zeros((len(ys), 3), np.int64)
    one_hot[:, step] = 1
    return (np.concatenate([features, earlier, one_hot * int(INPUT_SCALE)], axis=1),
            bases[:, CHANNEL_ORDER[step]])


def residual_tables(precision=24):
    """Integer :class:`~jpegzoo.layers.numerics.range_coding.CodingTables` of the residual
    ``-255..255`` under a discretized logistic of each of :data:`SCALES` (computed in float
    once; shipped with the weights, so decoders read integers)."""
    from jpegzoo.layers.numerics.range_coding import tables_from_pmf

    values = np.arange(-255, 256, dtype=np.float64)

    def cdf(x, scale):  # the logistic's CDF, written without overflow
        return 0.5 * (1.0 + np.tanh(x / (2.0 * scale)))

    pmf = np.stack([cdf(values + 0.5, s) - cdf(values - 0.5, s) for s in SCALES])
    return tables_from_pmf(pmf, np.full(len(SCALES), -255), precision=precision)


@keras.saving.register_keras_serializable(package="jpegzoo")
class LosslessPredictor(keras.Model):
    """MLP from integer context features ``[N, FEATURES]`` (as :func:`context` gives
    them) to ``[N, 2]``: the mean offset from the MED base prediction (pixels) and the log
    scale of a discretized logistic over the sample.

    Args:
        hidden: widths of the hidden ReLU layers.
    """

    def __init__(self, hidden=(128, 128), **kwargs):
        super().__init__(**kwargs)
        self.hidden = tuple(int(h) for h in hidden)
        self.layers_ = [keras.layers.Dense(h, activation="relu", name=f"dense{i}")
                        for i, h in enumerate(self.hidden)]
        self.head = keras.layers.Dense(2, name="head")
        self.tables = None

    def call(self, features):
        x = ops.cast(features, "float32") / INPUT_SCALE
        for layer in self.layers_:
            x = layer(x)
        return self.head(x)

    def fix_tables(self):
        """Compute the integer residual tables (before saving the weights)."""
        self.tables = residual_tables()

    def save_own_variables(self, store):
        super().save_own_variables(store)
        save_tables(store, self.tables)

    def load_own_variables(self, store):
        variables, self.tables = split_tables(store)
        super().load_own_variables(variables)

    def get_config(self):
        return {**super().get_config(), "hidden": list(self.hidden)}

    #: The quality levels of :meth:`compress`: one, lossless.
    quality_levels = (1,)

    def compress(self, image, quality=None):
        """``.jzc`` bytes of a uint8 RGB image that :meth:`decompress` returns exactly
        (``quality``: left out or 1, the one level)."""
        import constriction

        from jpegzoo.jzc import JzcFile, Stream, write_jzc
        from jpegzoo.layers.numerics.range_coding import categorical

        if quality not in (None, 1):
            raise ValueError(f"{self.name} has one quality level (1), got {quality}")
        image = learned_codec.check_rgb(image)
        height, width = image.shape[:2]
        symbols, indexes = coded_residuals(integer_parameters(self), image)
        models = [categorical(self.tables, table) for table in range(len(SCALES))]
        encoder = constriction.stream.queue.RangeEncoder()
        for ys, xs in _tracked_wavefronts(height, width, "lossless coding"):
            for step in range(len(CHANNEL_ORDER)):
                for table, positions in _coded_groups(indexes[step][ys, xs]):
                    encoder.encode(symbols[step][ys[positions], xs[positions]].astype(np.int32),
                                   models[table])
        data = encoder.get_compressed().tobytes()
        return write_jzc(JzcFile(self.name, 1, image.shape[1], image.shape[0],
                                 [Stream(image.shape, data), checksum_stream(image)]))

    def decompress(self, data, max_pixels=DEFAULT_MAX_PIXELS):
        """The exact uint8 RGB image of ``.jzc`` bytes written by :meth:`compress`.

        ValueError, before any work, for images over ``max_pixels`` (None: no limit) and
        residual streams too short for their samples; then for a stream that is not
        exactly what :meth:`compress` writes and for pixels whose CRC-32 is not the file's.
        """
        from jpegzoo.jzc import check_pixels, read_jzc
        from jpegzoo.layers.numerics.range_coding import (
            CheckedDecoder,
            categorical,
            check_payload_size,
            min_symbol_bits,
        )

        contents = read_jzc(data)
        if contents.model != self.name:
            raise ValueError(f"this .jzc file was written by model {contents.model!r}, "
                             f"not {self.name!r}")
        if contents.quality != 1:
            raise ValueError(f"corrupt .jzc file: quality level {contents.quality} (this "
                             f"lossless coder has one level, 1)")
        height, width = contents.height, contents.width
        check_pixels(width, height, max_pixels)
        streams = contents.streams
        if not 1 <= len(streams) <= 2 or tuple(streams[0].shape) != (height, width, 3):
            raise ValueError("corrupt .jzc file: expected an [H, W, 3] residual stream and "
                             "a checksum")
        checksum = None
        if len(streams) == 2:
            if tuple(streams[1].shape) != (1,) or len(streams[1].data) != 4:
                raise ValueError("corrupt .jzc file: the checksum stream must hold one "
                                 "4-byte CRC-32")
            (checksum,) = struct.unpack(">I", streams[1].data)
        # every sample costs at least the cheapest symbol of the cheapest table
        cheapest = np.zeros(len(SCALES))
        cheapest[np.argmin(min_symbol_bits(self.tables))] = 3 * height * width
        check_payload_size(streams[0].data, cheapest, self.tables, "residual stream")
        decoder = CheckedDecoder(streams[0].data, "residual stream")
        canvas = padded(np.zeros((height, width, 3), np.uint8))
        parameters = integer_parameters(self)
        models = [categorical(self.tables, table) for table in range(len(SCALES))]
        for ys, xs in _tracked_wavefronts(height, width, "lossless decoding"):
            for step, channel in enumerate(CHANNEL_ORDER):
                features, bases = context(canvas, ys, xs, step)
                predicted, indexes = integer_predict(parameters, features, bases)
                values = np.empty(len(ys), np.int64)
                for table, positions in _coded_groups(indexes):
                    residuals = decoder.decode(models[table], len(positions))
                    values[positions] = predicted[positions] + residuals.astype(np.int64) - 255
                if values.min() < 0 or values.max() > 255:
                    raise ValueError("corrupt .jzc file: decoded samples outside 0..255")
                canvas[ys + PAD, xs + PAD, channel] = values
        decoder.finish()
        image = canvas[PAD:, PAD:PAD + width].astype(np.uint8)
        if checksum is not None and pixel_checksum(image) != checksum:
            raise ValueError("corrupt .jzc file: the decoded pixels do not match the file's "
                             "CRC-32")
        return image


def coded_residuals(parameters, image):
    """(symbols uint16 ``[3, H, W]``, table indexes uint8 ``[3, H, W]``) of a uint8 RGB
    image, per coding step (:data:`CHANNEL_ORDER`): ``sample - prediction + 255`` and the
    index of its scale. Every sample is known to the encoder, so the predictions are made
    in strips of rows (:data:`STRIP_SAMPLES`) instead of wavefronts: each row of the
    integer MLP is exact, so they equal the decoder's."""
    height, width = image.shape[:2]
    canvas = padded(image)
    symbols = np.empty((3, height, width), np.uint16)
    indexes = np.empty((3, height, width), np.uint8)
    rows = max(1, STRIP_SAMPLES // width)
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        ys, xs = (grid.ravel() for grid in np.indices((bottom - top, width)))
        ys += top
        for step, channel in enumerate(CHANNEL_ORDER):
            predicted, index = integer_predict(parameters, *context(canvas, ys, xs, step))
            symbols[step, top:bottom] = (image[ys, xs, channel] - predicted + 255).reshape(
                bottom - top, width)
            indexes[step, top:bottom] = index.reshape(bottom - top, width)
    return symbols, indexes


def pixel_checksum(image):
    """CRC-32 of a uint8 ``[H, W, 3]`` image's bytes in C order."""
    return zlib.crc32(np.ascontiguousarray(image, np.uint8).tobytes())


def checksum_stream(image):
    """The file's second stream: :func:`pixel_checksum`, 4 bytes big-endian, shape [1]."""
    from jpegzoo.jzc import Stream

    return Stream((1,), struct.pack(">I", pixel_checksum(image)))


def build_lossless_predictor(hidden=(128, 128), name="lossless_predictor"):
    model = LosslessPredictor(hidden, name=name)
    model(np.zeros((1, FEATURES), np.int64))
    return model


def integer_parameters(model):
    """The MLP's weights in fixed point (float64 arrays holding integers)."""
    layers = model.layers_ + [model.head]
    scale = 2.0 ** WEIGHT_BITS
    return [(np.round(np.asarray(layer.kernel, np.float64) * scale),
             np.round(np.asarray(layer.bias, np.float64) * scale * 2.0 ** ACTIVATION_BITS))
            for layer in layers]


def integer_predict(parameters, features, bases):
    """(predicted sample ``[N]`` int64 in 0..255, table index ``[N]``) of integer features:
    the MLP in exact fixed-point arithmetic."""
    x = features.astype(np.float64) * (2.0 ** ACTIVATION_BITS / INPUT_SCALE)
    for i, (kernel, bias) in enumerate(parameters):
        x = np.floor((x @ kernel + bias) / 2.0 ** WEIGHT_BITS)
        if i < len(parameters) - 1:
            x = np.maximum(x, 0.0)
    offset = np.floor((x[:, 0] + 2.0 ** (ACTIVATION_BITS - 1)) / 2.0 ** ACTIVATION_BITS)
    predicted = np.clip(bases + offset.astype(np.int64), 0, 255)
    unit = 2.0 ** ACTIVATION_BITS
    index = np.floor((x[:, 1] / unit - np.log(SCALES[0])) / LOG_SCALE_STEP + 0.5)
    return predicted, np.clip(index, 0, len(SCALES) - 1).astype(np.int64)


def wavefronts(height, width):
    """For t = 0, 1, ...: the (ys, xs) of the pixels with ``x + 2 y == t`` (if any)."""
    for t in range(width + 2 * (height - 1)):
        ys = np.arange(max(0, (t - width + 2) // 2), min(height - 1, t // 2) + 1)
        if len(ys):
            yield ys, t - 2 * ys


def wavefront_count(height, width):
    """How many wavefronts :func:`wavefronts` yields: every ``t`` holds a pixel when the
    image is at least 2 wide; a 1-wide column has pixels on the even ``t`` only."""
    return height if width == 1 else width + 2 * (height - 1)


def _tracked_wavefronts(height, width, task):
    """:func:`wavefronts`, each reported to :mod:`jpegzoo.progress` as a step of ``task``."""
    return tracked(wavefronts(height, width), task, wavefront_count(height, width))


def _coded_groups(indexes):
    """Positions of each table index in ascending index order (the stream's order within
    one wavefront and channel)."""
    indexes = np.asarray(indexes, np.int64)
    order = np.argsort(indexes, kind="stable")
    sorted_indexes = indexes[order]
    starts = np.flatnonzero(np.diff(sorted_indexes, prepend=-1))
    for start, end in zip(starts, np.append(starts[1:], len(order))):
        yield int(sorted_indexes[start]), order[start:end]



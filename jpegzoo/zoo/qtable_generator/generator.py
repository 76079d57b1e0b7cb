"""``qtable_generator``: image + trade-off -> luma and chroma quantization tables, in one pass.

The amortized counterpart of :mod:`.optimizer` (source: Chiu's unsupervised image optimizer,
where a small network looks at blocks of the image and outputs the two tables; the per-image
Q-table network of Compression.ai). It is trained, without labels, on the same objective as
the per-image optimizer, ``bpp + lambda * (1 - MS-SSIM)`` of the real JPEG pipeline
(:mod:`.objective`), over crops of the training photos and log-uniform lambdas.

Architecture: the image's 4:2:0 DCT coefficients (libjpeg's colour conversion and
subsampling) are summarised per frequency: the mean and the standard deviation over all
blocks of ``log(1 + |c|)`` for Y, Cb and Cr (384 numbers that do not depend on the image
size), then an MLP with ``log(lambda)`` as a further input predicts the log tables as an
offset from IJG quality 50. Departures from the sources: statistics of all blocks instead
of sampled blocks (cheaper than a CNN and size-free), YCbCr with the subsampling written
instead of an RGB proxy, tables clipped to 1..255 (never 0), the calibrated rate model.

Inputs: ``image`` uint8 ``[B, H, W, 3]`` (any size, one size per batch) and ``lam`` float32
``[B, 1]`` (lambda; larger means higher quality). Output: ``tables`` float32 ``[B, 2, 64]``
(luma, chroma; natural order) in 1..255; round them to integers to write them.
"""

import keras
import numpy as np
from keras import ops

from jpegzoo.layers.jpeg_transform import JpegAnalysis
from jpegzoo.layers.numerics.standard import quality_to_qtables

NUM_STATISTICS = 2 * 3 * 64
LAMBDA_RANGE = (1.0, 1000.0)  # the range it was trained over


@keras.saving.register_keras_serializable(package="jpegzoo")
class CoefficientStatistics(keras.layers.Layer):
    """uint8/float RGB ``[B, H, W, 3]`` -> ``[B, 384]``: per DCT position and component
    (Y, Cb, Cr at 4:2:0), the mean and standard deviation of ``log(1 + |c|)`` over the
    blocks (c in sample units)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.analysis = JpegAnalysis("420", quantize_mode="hard", round_samples=False)

    def call(self, images):
        coefficients = self.analysis.transform(ops.cast(images, "float32"))
        parts = []
        for name in ("luma", "chroma"):
            c = coefficients[name]
            logs = ops.log1p(ops.abs(c))  # [B, Hb, Wb, C, 64]
            channels = ops.shape(c)[3]
            flat = ops.reshape(logs, (ops.shape(c)[0], -1, channels * 64))
            mean = ops.mean(flat, axis=1)
            std = ops.sqrt(ops.maximum(ops.mean(ops.square(flat), axis=1) - mean ** 2, 1e-6))
            parts += [mean, std]
        return ops.concatenate(parts, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], NUM_STATISTICS)


@keras.saving.register_keras_serializable(package="jpegzoo")
class TablesFromLogOffsets(keras.layers.Layer):
    """``[B, 128]`` log offsets -> tables ``[B, 2, 64]`` = IJG quality-50 tables times
    ``exp(offset)``, clipped to the baseline range 1..255."""

    def call(self, offsets):
        base = ops.convert_to_tensor(np.log(quality_to_qtables(50)).astype(np.float32))
        log_tables = ops.reshape(offsets, (-1, 2, 64)) + base[None]
        return ops.clip(ops.exp(log_tables), 1.0, 255.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2, 64)


@keras.saving.register_keras_serializable(package="jpegzoo")
class LogLambda(keras.layers.Layer):
    """``lam`` ``[B, 1]`` -> ``log(lam)`` centred on the training range."""

    def call(self, lam):
        low, high = np.log(LAMBDA_RANGE)
        return (ops.log(ops.maximum(lam, 1e-3)) - 0.5 * (low + high)) / (0.5 * (high - low))


@keras.saving.register_keras_serializable(package="jpegzoo")
class QtableGenerator(keras.Model):
    """The generator as a Keras functional model (see the module docstring) and a codec:
    :meth:`compress` writes a baseline JPEG with its tables
    (:func:`jpegzoo.zoo.qtable_generator.method.encode`), :meth:`decompress` decodes one
    with Pillow.

    Args:
        width: units in each hidden layer.
        depth: hidden layers.
    """

    #: IJG qualities 1..100 (``quality`` means libjpeg's MS-SSIM at that quality).
    quality_levels = None

    def __init__(self, width=256, depth=2, name="qtable_generator", **kwargs):
        image = keras.Input(shape=(None, None, 3), dtype="uint8", name="image")
        lam = keras.Input(shape=(1,), dtype="float32", name="lam")
        statistics = CoefficientStatistics(name="statistics")(image)
        statistics = keras.layers.Normalization(name="normalize")(statistics)
        x = keras.layers.Concatenate(name="features")(
            [statistics, LogLambda(name="log_lambda")(lam)])
        for index in range(depth):
            x = keras.layers.Dense(width, activation="gelu", name=f"hidden{index}")(x)
        offsets = keras.layers.Dense(128, kernel_initializer="zeros", name="log_offsets")(x)
        tables = TablesFromLogOffsets(name="tables")(offsets)
        super().__init__({"image": image, "lam": lam}, {"tables": tables}, name=name, **kwargs)
        self.width, self.depth = int(width), int(depth)

    def compress(self, image, **options):
        """Baseline JPEG bytes of ``image`` with this generator's tables; ``options`` as
        :func:`jpegzoo.zoo.qtable_generator.method.encode` takes them."""
        from jpegzoo.zoo.qtable_generator.method import encode

        return encode(image, generator=self, **options)

    def decompress(self, data):
        """uint8 pixels of a JPEG file, decoded with Pillow."""
        from jpegzoo.imageio import decode_jpeg

        return decode_jpeg(data)

    def get_config(self):
        return {"width": self.width, "depth": self.depth, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def build_qtable_generator(width=256, depth=2, name="qtable_generator"):
    """The untrained generator (see the module docstring); ``width`` units in each of
    ``depth`` hidden layers."""
    return QtableGenerator(width, depth, name=name)

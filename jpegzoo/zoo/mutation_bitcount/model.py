"""``mutation_bitcount``: predict the entropy-coded bits of quantized 8x8 JPEG blocks.

Source: M. Hamidi-Rad, "Mutated JPEG" -- a CNN that predicts how many bits a quantized
block costs in a baseline JPEG scan, so that a mutating encoder can cost thousands of
candidate blocks at once (and differentiate through the cost).

Contract (stable, tested):
    inputs  ``coefficients`` int32 ``[N, 64]``: quantized levels in zigzag order, with the
            DC entry already DPCM-coded (the difference to its predictor);
            ``component`` int32 ``[N]``: 0 for luminance, 1 for chrominance.
    output  ``bits`` float32 ``[N]``: predicted entropy-coded bits of each block (Huffman
            codes plus extra bits, without byte stuffing or padding), for the Annex K
            Huffman tables. With other tables (e.g. optimized ones) the model still
            predicts Annex K bits; use the exact counter
            (:func:`jpegzoo.layers.numerics.bit_counter.block_bits`) for those.

Departures from the paper: the paper's network has 2,240,065 parameters; this one is a
stack of dilated residual 1-D convolutions along the zigzag scan (receptive field > 64,
so it sees the zero runs that decide the Huffman symbols) with per-position outputs
summed into the block total -- the additive structure of the real bit count -- and about
a tenth of the parameters. Inputs are encoded as magnitude categories (JPEG's own
``SSSS``), the sign carries no bits beyond the category.
"""

import keras
from keras import ops

#: Magnitude categories 0..11 (DC differences up to 2047).
NUM_CATEGORIES = 12


@keras.saving.register_keras_serializable(package="jpegzoo")
class MagnitudeCategory(keras.layers.Layer):
    """int coefficients ``[..., 64]`` -> float one-hot of JPEG's magnitude category
    ``[..., 64, 12]`` (category = bit length of ``|c|``, 0 for 0; exact comparisons)."""

    def call(self, coefficients):
        magnitude = ops.abs(ops.cast(coefficients, "int32"))
        thresholds = ops.convert_to_tensor([1 << k for k in range(NUM_CATEGORIES - 1)],
                                           dtype="int32")
        category = ops.sum(ops.cast(magnitude[..., None] >= thresholds, "int32"), axis=-1)
        return ops.one_hot(ops.minimum(category, NUM_CATEGORIES - 1), NUM_CATEGORIES)

    def compute_output_shape(self, input_shape):
        return (*input_shape, NUM_CATEGORIES)


@keras.saving.register_keras_serializable(package="jpegzoo")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per zigzag position to ``[N, 64, width]`` features."""

    def __init__(self, length=64, **kwargs):
        super().__init__(**kwargs)
        self.length = length

    def build(self, input_shape):
        self.embedding = self.add_weight(name="embedding", shape=(self.length, input_shape[-1]),
                                         initializer="zeros")

    def call(self, features):
        return features + self.embedding

    def get_config(self):
        return {**super().get_config(), "length": self.length}


@keras.saving.register_keras_serializable(package="jpegzoo")
class AddPerBlock(keras.layers.Layer):
    """``[N, L, C] + [N, C]``: adds one vector per block to every position (also for N = 0,
    where Keras' broadcasting ``Add`` fails in TF 2.21)."""

    def call(self, features, per_block):
        return features + per_block[:, None, :]

    def compute_output_shape(self, features_shape, per_block_shape):
        return features_shape


@keras.saving.register_keras_serializable(package="jpegzoo")
class SumPositions(keras.layers.Layer):
    """``[N, 64, 1]`` per-position bits -> ``[N]`` block bits."""

    def call(self, per_position):
        return ops.sum(per_position[..., 0], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape[:1]


@keras.saving.register_keras_serializable(package="jpegzoo")
class DilatedConv1D(keras.layers.Layer):
    """Kernel-3 dilated 1-D convolution with zero 'same' padding, ``[N, L, C] -> [N, L, F]``.

    The same function and weights (kernel ``[3, C, F]``, bias ``[F]``) as
    ``keras.layers.Conv1D(F, 3, padding="same", dilation_rate=d)``, written as shifted
    copies and one matmul: TF 2.21's dilated convolution returns a wrong length for an
    empty batch (N = 0), which a serving signature must accept.
    """

    def __init__(self, filters, dilation_rate=1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.dilation_rate = dilation_rate
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(3, input_shape[-1], self.filters),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, x):
        d = self.dilation_rate
        padded = ops.pad(x, [[0, 0], [d, d], [0, 0]])
        length = ops.shape(x)[1]
        taps = [padded[:, k * d:k * d + length, :] for k in range(3)]
        y = sum(ops.matmul(tap, self.kernel[k]) for k, tap in enumerate(taps)) + self.bias
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "dilation_rate": self.dilation_rate,
                "activation": keras.activations.serialize(self.activation)}


def _residual_block(x, width, dilation, name):
    y = DilatedConv1D(width, dilation, activation="gelu", name=f"{name}_dilated")(x)
    y = keras.layers.Conv1D(width, 1, name=f"{name}_mix")(y)
    return keras.layers.Add(name=f"{name}_add")([x, y])


#: Inputs the serving signature refuses: largest |AC level| and |DC difference| (T.81
#: baseline 8-bit coding stays well inside both).
MAX_AC_LEVEL, MAX_DC_DIFFERENCE = 2047, 4095
#: Rows the serving signature runs through the network at once (bounds its memory).
SERVING_CHUNK = 8192


@keras.saving.register_keras_serializable(package="jpegzoo")
class MutationBitcount(keras.Model):
    """The bit-count network (a Keras functional model; contract in the module docstring).

    Args:
        width: channels per zigzag position.
        dilations: dilation rate of each residual block (kernel 3); the receptive field
            is ``1 + 2 * sum(dilations)`` positions.
    """

    def __init__(self, width=32, dilations=(1, 2, 4, 8, 16, 32, 1, 2),
                 name="mutation_bitcount", **kwargs):
        coefficients = keras.Input(shape=(64,), dtype="int32", name="coefficients")
        component = keras.Input(shape=(), dtype="int32", name="component")
        features = MagnitudeCategory(name="magnitude_category")(coefficients)
        x = keras.layers.Dense(width, name="embed")(features)
        x = PositionEmbedding(name="position")(x)
        comp = keras.layers.Embedding(2, width, name="component_embedding")(component)
        x = AddPerBlock(name="add_component")(x, comp)
        for index, dilation in enumerate(dilations):
            x = _residual_block(x, width, dilation, name=f"block{index}")
        per_position = keras.layers.Dense(1, activation="softplus", name="position_bits")(x)
        bits = SumPositions(name="bits")(per_position)
        super().__init__({"coefficients": coefficients, "component": component},
                         {"bits": bits}, name=name, **kwargs)
        self.width, self.dilations = int(width), tuple(int(d) for d in dilations)

    def serving_functions(self):
        """The TF Serving signature ``serving_default``: ``coefficients`` int32 ``[N, 64]``,
        ``component`` int32 ``[N]`` -> ``bits`` float32 ``[N]``.

        Refused in the graph with an ``InvalidArgumentError`` naming the input: other
        shapes, batch sizes that differ, ``|AC level| > 2047``, ``|DC difference| > 4095``
        (compared in int64, so -2^31 is not folded onto 0) and components other than 0
        and 1. Rows run through the network :data:`SERVING_CHUNK` at a time, so memory
        stays bounded for any batch (about 0.5 GB of activations per chunk).
        """
        import tensorflow as tf

        specs = {"coefficients": tf.TensorSpec([None, 64], tf.int32, "coefficients"),
                 "component": tf.TensorSpec([None], tf.int32, "component")}

        @tf.function(input_signature=[specs])
        def serve(inputs):
            coefficients, component = checked_blocks(inputs, specs)
            rows = tf.shape(coefficients)[0]
            chunks = (rows + SERVING_CHUNK - 1) // SERVING_CHUNK
            bits = tf.TensorArray(tf.float32, size=chunks, infer_shape=False,
                                  element_shape=tf.TensorShape([None]))

            def body(index, bits):
                start = index * SERVING_CHUNK
                part = self({"coefficients": coefficients[start:start + SERVING_CHUNK],
                             "component": component[start:start + SERVING_CHUNK]},
                            training=False)["bits"]
                return index + 1, bits.write(index, tf.reshape(part, [-1]))

            # one chunk at a time: parallel iterations would hold several chunks'
            # activations at once (1,000,000 rows peaked at 3.1 GB with the default 10)
            _, bits = tf.while_loop(lambda index, _: index < chunks, body, (0, bits),
                                    parallel_iterations=1)
            return {"bits": tf.cond(chunks > 0, bits.concat, lambda: tf.zeros([0]))}

        return {"serving_default": serve}

    def get_config(self):
        return {"width": self.width, "dilations": list(self.dilations), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def checked_blocks(inputs, specs):
    """The serving inputs behind checks of their shapes, batch sizes and values (see
    :meth:`MutationBitcount.serving_functions`)."""
    import tensorflow as tf

    from jpegzoo.export.saved_model import checked_inputs

    inputs = checked_inputs(inputs, specs)
    coefficients, component = inputs["coefficients"], inputs["component"]
    # per-position extremes ([64] each): no copy of a large batch, no abs() overflow at -2^31
    highest = tf.reduce_max(coefficients, axis=0)
    lowest = tf.reduce_min(coefficients, axis=0)
    checks = [
        _assert_within(highest[1:], lowest[1:], MAX_AC_LEVEL,
                       f"coefficients: AC levels must lie in -{MAX_AC_LEVEL}..{MAX_AC_LEVEL}"),
        _assert_within(highest[:1], lowest[:1], MAX_DC_DIFFERENCE,
                       f"coefficients: DC differences must lie in "
                       f"-{MAX_DC_DIFFERENCE}..{MAX_DC_DIFFERENCE}"),
        tf.debugging.assert_equal(
            tf.reduce_all((component == 0) | (component == 1)), True,
            message="component must be 0 (luminance) or 1 (chrominance)"),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(coefficients), tf.identity(component)


def _assert_within(highest, lowest, limit, message):
    """An assertion that every value lies in ``-limit..limit``, given per-position extremes."""
    import tensorflow as tf

    inside = (tf.reduce_max(highest) <= limit) & (tf.reduce_min(lowest) >= -limit)
    return tf.debugging.assert_equal(inside, True, message=message)


def build_mutation_bitcount(width=32, dilations=(1, 2, 4, 8, 16, 32, 1, 2),
                            name="mutation_bitcount"):
    """The bit-count network (untrained); see :class:`MutationBitcount`."""
    return MutationBitcount(width, dilations, name=name)

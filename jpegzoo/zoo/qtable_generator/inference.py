"""The shipped ``qtable_generator`` at inference: one pass over the pixels per image.

The generator is two parts: the coefficient statistics of the image (its only pass over
the pixels) and an MLP from those statistics and ``lambda`` to the tables. The searches
ask for the tables of one image at many lambdas (:mod:`.floor_search`), so
:func:`image_tables` computes the statistics once and runs the MLP per lambda; the two
compiled parts give bit-identical tables to the whole model's compiled forward pass
(measured on 10 photos x 9 lambdas; tested).
"""

import functools

import numpy as np


@functools.lru_cache(maxsize=None)
def compiled_parts(generator):
    """``(statistics, head)``: compiled passes of ``generator``'s two parts,
    ``statistics(image uint8 [1, H, W, 3]) -> [1, 384]`` and
    ``head(statistics [1, 384], lam float32 [1, 1]) -> tables [1, 2, 64]``."""
    import keras
    import tensorflow as tf

    layer = generator.get_layer("statistics")
    mlp = keras.Model([layer.output, generator.input["lam"]], generator.output["tables"])

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8)])
    def statistics(image):
        return layer(image)

    @tf.function(input_signature=[tf.TensorSpec([1, layer.output.shape[-1]], tf.float32),
                                  tf.TensorSpec([1, 1], tf.float32)])
    def head(features, lam):
        return mlp([features, lam])

    return statistics, head


@functools.lru_cache(maxsize=1)
def load_generator():
    """The shipped ``qtable_generator``."""
    from jpegzoo import zoo

    return zoo.load("qtable_generator")


def rgb_view(image):
    """uint8 ``[H, W, 3]`` of an RGB or grey image (the generator looks at RGB)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    grey = image.reshape(image.shape[0], image.shape[1])
    return np.repeat(grey[..., None], 3, axis=2)


def image_tables(image, generator=None):
    """``tables(lam) -> float [2, 64]``: the tables of ``generator`` (default: the shipped
    one) for ``image`` at any trade-off ``lam``, the image's statistics computed once."""
    statistics, head = compiled_parts(load_generator() if generator is None else generator)
    features = statistics(rgb_view(image)[None])

    def tables(lam):
        return np.asarray(head(features, np.array([[lam]], np.float32)))[0]

    return tables


def generator_tables(image, lam, generator=None):
    """Float tables ``[2, 64]`` for trade-off ``lam`` from ``generator`` (default: the
    shipped one)."""
    return image_tables(image, generator)(lam)


def integer(tables, scale=1.0):
    """``tables * scale`` rounded to integers in 1..255 (int32 ``[2, 64]``)."""
    return np.clip(np.floor(np.asarray(tables) * scale + 0.5), 1, 255).astype(np.int32)

"""The shipped ``qtable_generator`` at inference: one compiled forward pass per image."""

import functools

import numpy as np


@functools.lru_cache(maxsize=None)
def compiled_forward(generator):
    """A compiled forward pass of ``generator`` for one image: ``forward(image uint8
    [1, H, W, 3], lam float32 [1, 1]) -> tables [1, 2, 64]``."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8),
                                  tf.TensorSpec([1, 1], tf.float32)])
    def forward(image, lam):
        return generator({"image": image, "lam": lam})["tables"]

    return forward


@functools.lru_cache(maxsize=1)
def load_generator():
    """The shipped ``qtable_generator`` and its compiled forward pass."""
    from jpegzoo import zoo

    model = zoo.load("qtable_generator")
    return model, compiled_forward(model)


def rgb_view(image):
    """uint8 ``[H, W, 3]`` of an RGB or grey image (the generator looks at RGB)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    grey = image.reshape(image.shape[0], image.shape[1])
    return np.repeat(grey[..., None], 3, axis=2)


def generator_tables(image, lam, generator=None):
    """Float tables ``[2, 64]`` for trade-off ``lam`` from ``generator`` (default: the
    shipped one)."""
    forward = load_generator()[1] if generator is None else compiled_forward(generator)
    tables = forward(rgb_view(image)[None], np.array([[lam]], np.float32))
    return np.asarray(tables)[0]


def integer(tables, scale=1.0):
    """``tables * scale`` rounded to integers in 1..255 (int32 ``[2, 64]``)."""
    return np.clip(np.floor(np.asarray(tables) * scale + 0.5), 1, 255).astype(np.int32)

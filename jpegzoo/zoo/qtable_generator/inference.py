"""The shipped ``qtable_generator`` at inference: one compiled forward pass per image."""

import functools

import numpy as np


@functools.lru_cache(maxsize=1)
def load_generator():
    """The shipped ``qtable_generator`` and a compiled forward pass for one image."""
    import tensorflow as tf

    from jpegzoo import zoo

    model = zoo.load("qtable_generator")

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8),
                                  tf.TensorSpec([1, 1], tf.float32)])
    def forward(image, lam):
        return model({"image": image, "lam": lam})["tables"]

    return model, forward


def rgb_view(image):
    """uint8 ``[H, W, 3]`` of an RGB or grey image (the generator looks at RGB)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    grey = image.reshape(image.shape[0], image.shape[1])
    return np.repeat(grey[..., None], 3, axis=2)


def generator_tables(image, lam):
    """Float tables ``[2, 64]`` from the shipped generator for trade-off ``lam``."""
    _, forward = load_generator()
    tables = forward(rgb_view(image)[None], np.array([[lam]], np.float32))
    return np.asarray(tables)[0]


def integer(tables, scale=1.0):
    """``tables * scale`` rounded to integers in 1..255 (int32 ``[2, 64]``)."""
    return np.clip(np.floor(np.asarray(tables) * scale + 0.5), 1, 255).astype(np.int32)

"""The per-image optimizer: gradient descent on one image's two quantization tables.

It minimises ``bpp + lambda * (1 - MS-SSIM)`` of :mod:`.objective` (the calibrated rate
estimate of the optimized-Huffman scan; MS-SSIM of the decoded RGB image with the
subsampling that is written) over the log of the luma and chroma tables with Adam, the
tables entering as integers in 1..255 (straight-through). The result is integer tables
ready for the writer. Source: Chiu's unsupervised per-image optimizer and Compression.ai's
per-image Q-table search; departures: we optimize in YCbCr with the written subsampling,
never allow a 0 entry, use a rate model fitted to the real coder instead of an L1 proxy,
and MS-SSIM without the L1 term (the rate term makes it unnecessary).
"""

from dataclasses import dataclass

import numpy as np

DEFAULT_STEPS = 120
DEFAULT_LEARNING_RATE = 0.08


@dataclass
class OptimizedTables:
    """Integer tables ``[2, 64]`` (natural order) and the objective's trace.

    Attributes:
        tables: int32 luma/chroma tables in 1..255.
        bpp, ms_ssim: estimated rate and MS-SSIM (straight-through decode) at the end.
        losses: the loss at each step.
    """

    tables: np.ndarray
    bpp: float
    ms_ssim: float
    losses: list


def _initial_tables(init):
    from jpegzoo.layers.numerics.standard import quality_to_qtables

    if init is None:
        return quality_to_qtables(50).astype(np.float32)
    return np.clip(np.asarray(init, np.float32).reshape(2, 64), 1.0, 255.0)


def optimize_tables(image, lam, subsampling="420", init=None, steps=DEFAULT_STEPS,
                    learning_rate=DEFAULT_LEARNING_RATE, rate_model=None, progress=False):
    """Tables for one uint8 RGB image ``[H, W, 3]`` (H, W >= 161) minimising
    ``bpp + lam * (1 - MS-SSIM)``; ``init`` ``[2, 64]`` starting tables (IJG quality 50
    by default). Returns :class:`OptimizedTables`."""
    import tensorflow as tf
    from tqdm import trange

    from jpegzoo.progress import tracked
    from jpegzoo.zoo.qtable_generator.objective import RateDistortion
    from jpegzoo.zoo.qtable_generator.rate_model import shipped_estimator

    objective = RateDistortion(subsampling, rate_model or shipped_estimator())
    images = tf.constant(np.asarray(image, np.float32)[None])
    coefficients = objective.coefficients(images)
    log_tables = tf.Variable(np.log(_initial_tables(init))[None])
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    lam = tf.constant([float(lam)], tf.float32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss, bpp, quality = objective.loss(images, coefficients, tf.exp(log_tables), lam)
        gradients = tape.gradient(loss, [log_tables])
        optimizer.apply_gradients(zip(gradients, [log_tables]))
        log_tables.assign(tf.clip_by_value(log_tables, 0.0, np.log(255.0)))
        return loss[0], bpp[0], quality[0]

    losses = []
    for _ in tracked(trange(steps, desc="tables", disable=not progress, leave=False),
                     "per-image tables", steps):
        loss, bpp, quality = (float(v) for v in step())
        losses.append(loss)
    tables = np.clip(np.round(np.exp(log_tables.numpy()[0])), 1, 255).astype(np.int32)
    return OptimizedTables(tables, bpp, quality, losses)

"""Train ``qtable_generator`` on crops of a photo folder (unsupervised, resumable).

Each step draws ``batch`` random crops (``crop`` px, random flips) from the training photos
and a log-uniform lambda per crop, and minimises the mean of
``bpp + lambda * (1 - MS-SSIM)`` (:mod:`.objective`) through the generator's tables. Photos
are split into training and validation by a hash of their file names (the split of
:mod:`jpegzoo.datasets`); validation is the same objective on fixed centre crops at fixed
lambdas. Checkpoints (model, optimizer, step) are kept in ``work`` and training resumes from
the newest one; the best validation weights are written to
``work/qtable_generator.weights.h5``.

    jpegzoo train qtable_generator --images ../shared/data/train --work W --steps 8000
"""

import numpy as np

from jpegzoo.datasets.photo_crops import random_crops
from jpegzoo.training.crop_loop import CropTrainer, adam, train_on_folder

VALIDATION_LAMBDAS = (5.0, 20.0, 80.0, 300.0)


def log_uniform(rng, size, low_high):
    low, high = np.log(low_high)
    return np.exp(rng.uniform(low, high, size)).astype(np.float32)


class Trainer(CropTrainer):
    """Holds the model, the objective and the resumable state of one training run."""

    def __init__(self, work, photos, batch=8, crop=256, steps=3000, learning_rate=1e-3,
                 seed=0, init_weights=None):
        import tensorflow as tf

        from jpegzoo.zoo.qtable_generator.generator import LAMBDA_RANGE, build_qtable_generator
        from jpegzoo.zoo.qtable_generator.objective import RateDistortion
        from jpegzoo.zoo.qtable_generator.rate_model import shipped_estimator

        super().__init__("qtable_generator", work, photos, batch, crop, steps)
        self.lambda_range = LAMBDA_RANGE
        self.model = build_qtable_generator()
        self.objective = RateDistortion("420", shipped_estimator())
        self.optimizer = adam(learning_rate, steps, alpha=0.05, clipnorm=None)
        self._adapt_normalization()
        if init_weights:
            self.model.load_weights(init_weights)
        self.restore(seed, optimizer=self.optimizer)
        self.train_step = tf.function(self._train_step, reduce_retracing=True)
        self.last = {}

    def rng_seed(self, seed, step):
        return seed if step == 0 else [seed, step]  # as the shipped run drew its crops

    def _adapt_normalization(self):
        """Fit the input normalization to the statistics of training crops (deterministic)."""
        rng = np.random.default_rng(1234)
        crops = random_crops(rng, self.photos["train"], 64, self.crop)
        statistics = self.model.get_layer("statistics")(crops)
        self.model.get_layer("normalize").adapt(statistics)

    def _train_step(self, images, lam):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tables = self.model({"image": images, "lam": lam[:, None]}, training=True)["tables"]
            pixels = tf.cast(images, tf.float32)
            coefficients = self.objective.coefficients(pixels)
            loss, bpp, quality = self.objective.loss(pixels, coefficients, tables, lam)
            mean_loss = tf.reduce_mean(loss)
        variables = self.model.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(mean_loss, variables), variables))
        return mean_loss, tf.reduce_mean(bpp), tf.reduce_mean(quality)

    def train_batch(self, step, images):
        lam = log_uniform(self.rng, self.batch, self.lambda_range)
        loss, bpp, quality = (float(v) for v in self.train_step(images, lam))
        self.last = {"loss": loss, "bpp": bpp, "msssim": quality}
        return self.last

    def validate(self):
        """Mean validation loss over the fixed crops and lambdas; the last training step's
        loss, bpp and MS-SSIM as history columns."""
        import tensorflow as tf

        # a folder too small to hold a validation photo validates on training photos
        crops = self.validation_crops(self.crop)
        pixels = tf.constant(crops.astype(np.float32))
        coefficients = self.objective.coefficients(pixels)
        losses = []
        for lam in VALIDATION_LAMBDAS:
            lam = tf.fill([len(crops)], lam)
            tables = self.model({"image": tf.constant(crops), "lam": lam[:, None]})["tables"]
            loss, _, _ = self.objective.loss(pixels, coefficients, tables, lam)
            losses.append(float(tf.reduce_mean(loss / lam)))
        return float(np.mean(losses)), {key: f"{value:.5f}" for key, value in self.last.items()}


def train(images, work, steps=8000, batch_size=8, crop=256, learning_rate=1e-3,
          validate_every=250, seed=0, init_weights=None):
    """Train (or resume) in ``work`` on the photos of ``images`` (a folder or a list of
    folders); returns the path of the best weights."""
    return train_on_folder(images, lambda photos: Trainer(
        work, photos, batch_size, crop, steps, learning_rate, seed, init_weights),
        validate_every)

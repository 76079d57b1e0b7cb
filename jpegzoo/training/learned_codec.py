"""Train a learned codec with quality levels (the factorized-prior ``compressive_ae`` and
``dct_block_ae``; ``mean_scale_hyperprior``) on photo crops: resumable, with every quality
level in one run.

Step ``s`` trains quality level ``1 + s mod K`` on ``batch`` random crops (random flips) of the
training photos, minimising ``bpp + lambdas[q] * 255^2 * MSE`` (pixels 0..1, noisy latents:
Balle et al.'s uniform-noise proxy for rounding). Photos split into training and
validation by a hash of their names (as :mod:`jpegzoo.datasets` splits folders);
validation is the same loss with rounded latents on fixed centre crops at every level,
averaged over levels. Checkpoints (model, optimizer, step) live in ``work`` and a rerun
resumes from the newest; the best validation weights are written, with their integer
coding tables, to ``work/<name>.weights.h5``; ``work/history.csv`` logs each validation.

Two optimizers: the densities (gains and the priors of the level trained; for
``mean_scale_hyperprior`` also the gains of ``z``) at :data:`DENSITY_RATE_FACTOR` times the
transforms' learning rate, everything else (transforms, hyper networks) at that rate.
``mean_scale_hyperprior`` can start from trained ``compressive_ae`` weights
(``init_cae``: its transforms and gains), with the same warm-up as ``init_weights``;
``jit`` compiles the training steps with XLA (measured slower on a 2-core CPU).

    jpegzoo train compressive_ae --images ../shared/data/train --work W --steps 17000
    jpegzoo train mean_scale_hyperprior --images DIR DIR --work W --init-cae shipped
"""

import numpy as np

from jpegzoo.training.crop_loop import WARMUP_STEPS, CropTrainer, adam, train_on_folder

#: Learning rate of the priors and gains, relative to the transforms'.
DENSITY_RATE_FACTOR = 10.0
#: The zoo's learned codecs this module trains.
CODECS = ("compressive_ae", "dct_block_ae", "mean_scale_hyperprior")
#: ``init_cae`` value meaning the shipped compressive_ae weights.
SHIPPED = "shipped"


def build(name, **config):
    """An untrained codec ``name`` (one of :data:`CODECS`) from the zoo's registry."""
    from jpegzoo import zoo

    if name not in CODECS:
        raise ValueError(f"no learned-codec trainer for {name!r}; known: {', '.join(CODECS)}")
    return zoo.build(name, **config)


def rate_distortion(model, images, quality, training):
    """(loss, bpp, PSNR in dB) means over a batch of uint8 images at ``quality``."""
    import tensorflow as tf

    out = model(images, quality=quality, training=training)
    pixels = tf.cast(images, tf.float32)
    bpp = tf.reduce_mean(out["bits"]) / float(images.shape[1] * images.shape[2])
    mse = tf.reduce_mean(tf.square(out["reconstruction"] - pixels))
    loss = bpp + model.lambdas[quality - 1] * mse
    psnr = 10.0 * tf.math.log(255.0 ** 2 / tf.maximum(mse, 1e-10)) / tf.math.log(10.0)
    return loss, bpp, psnr


class Trainer(CropTrainer):
    """A learned codec, its two optimizers and the resumable state of a run.

    ``init_cae``: (``mean_scale_hyperprior`` only) start from a ``compressive_ae``'s
    transforms and gains, :data:`SHIPPED` or a weights path; ``freeze_transforms``: keep
    the analysis and synthesis transforms fixed (a first stage after ``init_cae``: only the
    hyper networks, gains and priors learn, and no gradient runs through the transforms);
    ``jit``: XLA-compile the steps (``tf.function(jit_compile=True)``).
    """

    def __init__(self, name, work, photos, batch=8, crop=128, steps=20000,
                 learning_rate=3e-4, seed=0, init_weights=None, init_cae=None,
                 freeze_transforms=False, jit=False, **config):
        import tensorflow as tf

        super().__init__(name, work, photos, batch, crop, steps)
        self.model = build(name, **config)
        self.frozen = ({id(v) for v in self.model.analysis_transform.weights
                        + self.model.synthesis_transform.weights}
                       if freeze_transforms else set())
        if init_cae:
            if not hasattr(self.model, "z_priors"):
                raise ValueError(f"--init-cae applies to mean_scale_hyperprior, not {name}")
            from jpegzoo.zoo.mean_scale_hyperprior import init_from_compressive_ae

            init_from_compressive_ae(self.model, None if init_cae == SHIPPED else init_cae)
        if init_weights:
            self.model.load_weights(init_weights)
        warmup = WARMUP_STEPS if init_weights or init_cae else 0
        # the densities and gains need larger steps than the transforms: at the transforms'
        # rate a prior initialised over +-10 takes thousands of steps to narrow
        self.optimizer = adam(learning_rate, steps, warmup)
        self.optimizer.build(self.transform_variables())
        self.density_optimizer = adam(learning_rate * DENSITY_RATE_FACTOR, steps, warmup)
        self.density_optimizer.build(self.density_variables())
        self.restore(seed, optimizer=self.optimizer, density_optimizer=self.density_optimizer)
        self.train_steps = {q: tf.function(lambda images, q=q: self._train_step(images, q),
                                           jit_compile=bool(jit))
                            for q in range(1, self.model.qualities + 1)}

    def density_variables(self, quality=None):
        """The gains and the priors (of level ``quality`` only, if given)."""
        if hasattr(self.model, "density_variables"):  # mean_scale_hyperprior
            return self.model.density_variables(quality)
        priors = self.model.priors if quality is None else [self.model.priors[quality - 1]]
        return [self.model.log_gains] + [v for p in priors for v in p.trainable_variables]

    def transform_variables(self):
        """Every trainable variable but the densities' (and the frozen transforms')."""
        skip = {id(v) for v in self.density_variables()} | self.frozen
        return [v for v in self.model.trainable_variables if id(v) not in skip]

    def _train_step(self, images, quality):
        import tensorflow as tf

        transforms, density = self.transform_variables(), self.density_variables(quality)
        with tf.GradientTape() as tape:
            loss, bpp, psnr = rate_distortion(self.model, images, quality, training=True)
        gradients = tape.gradient(loss, transforms + density)
        self.optimizer.apply_gradients(zip(gradients[:len(transforms)], transforms))
        self.density_optimizer.apply_gradients(zip(gradients[len(transforms):], density))
        return loss, bpp, psnr

    def train_batch(self, step, images):
        quality = 1 + step % self.model.qualities
        loss, bpp, psnr = (float(v) for v in self.train_steps[quality](images))
        return {"q": quality, "loss": loss, "bpp": bpp, "psnr": psnr}

    def validate(self, crop=256):
        """Mean over quality levels of the loss with rounded latents on fixed crops, and
        the bpp/PSNR of every level as history columns."""
        crops = self.validation_crops(crop, self.model.stride)
        results = [rate_distortion(self.model, crops, q, training=False)
                   for q in range(1, self.model.qualities + 1)]
        columns = {f"q{q}": f"{float(bpp):.4f}/{float(psnr):.2f}"
                   for q, (_, bpp, psnr) in enumerate(results, 1)}
        return float(np.mean([float(loss) for loss, _, _ in results])), columns

    def save_best(self):
        self.model.update_coding_tables()
        super().save_best()


#: Peak learning rate of each codec's transforms (the shipped runs; see the cards).
LEARNING_RATES = {"compressive_ae": 3e-4, "dct_block_ae": 5e-4, "mean_scale_hyperprior": 3e-4}


def train(name, images, work, steps=16000, batch_size=8, crop=128, learning_rate=None,
          validate_every=1000, seed=0, init_weights=None, init_cae=None,
          freeze_transforms=False, jit=False, **config):
    """Train (or resume) codec ``name`` in ``work`` on the photos of ``images`` (a folder
    or a list of folders); returns the best weights' path. ``learning_rate``: the peak
    rate of the transforms (default: :data:`LEARNING_RATES`); ``config``: the model's."""
    learning_rate = learning_rate or LEARNING_RATES.get(name, 3e-4)
    return train_on_folder(images, lambda photos: Trainer(
        name, work, photos, batch_size or 8, crop, steps, learning_rate, seed,
        init_weights, init_cae, freeze_transforms, jit, **config), validate_every)


def train_compressive_ae(images, work, steps=16000, batch_size=8, crop=128,
                         learning_rate=LEARNING_RATES["compressive_ae"], validate_every=1000,
                         seed=0, init_weights=None, **config):
    """``jpegzoo train compressive_ae`` (see :func:`train`)."""
    return train("compressive_ae", images, work, steps, batch_size, crop, learning_rate,
                 validate_every, seed, init_weights, **config)


def train_dct_block_ae(images, work, steps=16000, batch_size=8, crop=128,
                       learning_rate=LEARNING_RATES["dct_block_ae"], validate_every=1000,
                       seed=0, init_weights=None, **config):
    """``jpegzoo train dct_block_ae`` (see :func:`train`)."""
    return train("dct_block_ae", images, work, steps, batch_size, crop, learning_rate,
                 validate_every, seed, init_weights, **config)


def train_mean_scale_hyperprior(images, work, steps=16000, batch_size=8, crop=128,
                                learning_rate=LEARNING_RATES["mean_scale_hyperprior"],
                                validate_every=1000, seed=0, init_weights=None, init_cae=None,
                                freeze_transforms=False, jit=False, **config):
    """``jpegzoo train mean_scale_hyperprior`` (see :func:`train`; from scratch unless
    ``init_cae`` (:data:`SHIPPED` or a compressive_ae weights file) or ``init_weights`` is
    given)."""
    return train("mean_scale_hyperprior", images, work, steps, batch_size, crop,
                 learning_rate, validate_every, seed, init_weights, init_cae,
                 freeze_transforms, jit, **config)

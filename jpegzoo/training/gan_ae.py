"""Train ``gan_ae``: distortion plus a hinge adversarial loss against a spectrally
normalized patch critic (:mod:`jpegzoo.zoo.gan_ae`), resumable.

Two modes, both starting from trained ``compressive_ae`` weights (the shipped ones unless
``init_weights`` names others):

* ``decoder`` (the shipped model): the encoder, gains and priors stay fixed -- the files,
  and so their rates, are exactly ``compressive_ae``'s -- and only the synthesis transform
  learns, from the *rounded* latents the decoder really receives, to minimise
  ``lambdas[q] * 255^2 * MSE + beta * generator hinge loss``;
* ``joint``: every codec variable learns ``bpp + lambdas[q] * 255^2 * MSE + beta * hinge``
  with the noisy-latent proxy (one optimizer; the priors start trained).

The critic sees real and decoded crops (pixels 0..1) and learns the hinge loss at the same
schedule. Step ``s`` trains level ``1 + s mod K`` on ``batch`` random crops. Validation
(fixed centre crops, rounded latents, every level) logs the PSNR and the detail ratio
(:func:`jpegzoo.metrics.detail_ratio`) of every level; its score (``lambdas[q] * MSE``
plus ``beta`` times ``1 - detail ratio``) is only logged: the newest weights are kept,
since neither that score nor a moving critic's ranks GAN checkpoints well.

    jpegzoo train gan_ae --images ../shared/data/train --work W --steps 2500 [--mode joint]
"""

import numpy as np

from jpegzoo.training.crop_loop import CropTrainer, adam, train_on_folder

NAME = "gan_ae"
MODES = ("decoder", "joint")
#: Weight of the adversarial loss against the per-level distortion term.
ADVERSARIAL_WEIGHT = 0.3
#: Linear warm-up of both optimizers (the codec starts trained; the critic does not).
WARMUP_STEPS = 200


class Trainer(CropTrainer):
    """The codec, the critic, their optimizers and the resumable state of a run."""

    def __init__(self, work, photos, mode="decoder", batch=8, crop=128, steps=4000,
                 learning_rate=1e-4, adversarial_weight=ADVERSARIAL_WEIGHT, seed=0,
                 init_weights=None):
        import tensorflow as tf

        from jpegzoo import zoo
        from jpegzoo.zoo import registry
        from jpegzoo.zoo.gan_ae import build_critic

        if mode not in MODES:
            raise ValueError(f"unknown gan_ae training mode {mode!r}; modes: {', '.join(MODES)}")
        super().__init__(NAME, work, photos, batch, crop, steps)
        self.mode, self.adversarial_weight = mode, float(adversarial_weight)
        self.keep_last = True
        self.model = zoo.build(NAME)
        self.model.load_weights(init_weights or str(registry.entry("compressive_ae").weights_file))
        self.critic = build_critic()
        warmup = min(WARMUP_STEPS, steps // 10)
        self.optimizer = adam(learning_rate, steps, warmup)
        self.optimizer.build(self.trained_variables())
        self.critic_optimizer = adam(learning_rate, steps, warmup)
        self.critic_optimizer.build(self.critic.trainable_variables)
        self.restore(seed, optimizer=self.optimizer, critic=self.critic,
                     critic_optimizer=self.critic_optimizer)
        self.train_steps = {q: tf.function(lambda images, q=q: self._train_step(images, q))
                            for q in range(1, self.model.qualities + 1)}

    def trained_variables(self, quality=None):
        """What this mode trains (at level ``quality``: the other levels' priors get no
        gradient from its batches)."""
        from jpegzoo.zoo.gan_ae import decoder_variables

        if self.mode == "decoder":
            return decoder_variables(self.model)
        others = {id(v) for q, prior in enumerate(self.model.priors, 1) if q != quality
                  for v in prior.trainable_variables} if quality else set()
        return [v for v in self.model.trainable_variables if id(v) not in others]

    def decoded(self, images, quality, training):
        """(reconstructions 0..255, bits per image) as this mode trains them."""
        from keras import ops

        if self.mode == "decoder" or not training:
            latents = ops.round(self.model.latents(images, quality))
            return self.model.reconstruct(latents, quality), 0.0
        out = self.model(images, quality=quality, training=True)
        return out["reconstruction"], out["bits"]

    def _train_step(self, images, quality):
        import tensorflow as tf

        from jpegzoo.zoo.gan_ae import critic_hinge_loss, generator_hinge_loss

        pixels = tf.cast(images, tf.float32)
        variables = self.trained_variables(quality)
        with tf.GradientTape() as tape:
            decoded, bits = self.decoded(images, quality, training=True)
            mse = tf.reduce_mean(tf.square(decoded - pixels))
            bpp = tf.reduce_mean(bits) / float(images.shape[1] * images.shape[2])
            adversarial = generator_hinge_loss(self.critic(decoded / 255.0))
            loss = bpp + self.model.lambdas[quality - 1] * mse \
                + self.adversarial_weight * adversarial
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        critic_variables = self.critic.trainable_variables
        with tf.GradientTape() as tape:
            critic_loss = critic_hinge_loss(self.critic(pixels / 255.0, training=True),
                                            self.critic(tf.stop_gradient(decoded) / 255.0,
                                                        training=True))
        self.critic_optimizer.apply_gradients(
            zip(tape.gradient(critic_loss, critic_variables), critic_variables))
        psnr = 10.0 * tf.math.log(255.0 ** 2 / tf.maximum(mse, 1e-10)) / tf.math.log(10.0)
        return loss, psnr, adversarial, critic_loss

    def save_best(self):
        if self.mode == "joint":  # the priors moved: recompute their integer tables
            self.model.update_coding_tables()
        super().save_best()

    def train_batch(self, step, images):
        quality = 1 + step % self.model.qualities
        loss, psnr, adversarial, critic = (float(v) for v in self.train_steps[quality](images))
        return {"q": quality, "loss": loss, "psnr": psnr, "g": adversarial, "d": critic}

    def validate(self, crop=256):
        from jpegzoo import metrics

        crops = self.validation_crops(crop, self.model.stride)
        scores, columns = [], {}
        for quality in range(1, self.model.qualities + 1):
            decoded, _ = self.decoded(crops, quality, training=False)
            decoded = np.clip(np.asarray(decoded), 0.0, 255.0)
            mse = float(np.mean(np.square(decoded - crops.astype(np.float32))))
            detail = float(np.mean([metrics.detail_ratio(c, d) for c, d in zip(crops, decoded)]))
            scores.append(self.model.lambdas[quality - 1] * mse
                          + self.adversarial_weight * max(0.0, 1.0 - detail))
            columns[f"q{quality}"] = f"{10 * np.log10(255 ** 2 / mse):.2f}dB/{detail:.3f}"
        return float(np.mean(scores)), columns


def train(images, work, steps=4000, batch_size=8, crop=128, learning_rate=1e-4,
          validate_every=500, seed=0, init_weights=None, mode="decoder",
          adversarial_weight=ADVERSARIAL_WEIGHT):
    """Train (or resume) in ``work`` on the photos of ``images`` (a folder or a list of
    folders); returns the weights' path. ``mode``: ``decoder`` or ``joint`` (see the
    module docstring); ``adversarial_weight``: beta, the weight of the adversarial loss;
    ``init_weights``: the ``compressive_ae`` weights to start from (default: the shipped
    ones)."""
    return train_on_folder(images, lambda photos: Trainer(
        work, photos, mode, batch_size or 8, crop, steps, learning_rate,
        adversarial_weight, seed, init_weights), validate_every)

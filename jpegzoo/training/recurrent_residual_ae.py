"""Train ``recurrent_residual_ae`` on photo crops (resumable).

Toderici et al.'s recipe at a CPU budget: every step runs ``iterations`` encoder/decoder
iterations on ``batch`` random 32x32 crops (random flips) with stochastic binarization,
and minimises the L1 norm of the residual after each iteration, averaged over iterations
(pixels 0..1), so every prefix of the code is trained to be a good image. Validation is
the same loss with deterministic bits on fixed centre crops of the held-out photos; the
PSNR after 1, 2, 4, ... iterations is logged beside it. Checkpoints, resume and the best
weights (``work/recurrent_residual_ae.weights.h5``) work as in
:class:`jpegzoo.training.crop_loop.CropTrainer`.

    jpegzoo train recurrent_residual_ae --images ../shared/data/train --work W --steps 6000
"""

from jpegzoo.training.crop_loop import WARMUP_STEPS, CropTrainer, adam, train_on_folder
from jpegzoo.zoo.recurrent_residual_ae import STRIDE

NAME = "recurrent_residual_ae"
#: Iterations trained (and the most a file holds): 8 x 64 bits per 16x16 block = 2 bpp.
ITERATIONS = 8


def residual_losses(model, images, iterations, training):
    """(mean L1 over iterations, [PSNR in dB after each iteration]) of uint8 ``images``."""
    import tensorflow as tf

    pixels = tf.cast(images, tf.float32) / 255.0
    reconstructions = model(pixels, iterations=iterations, training=training)["reconstructions"]
    l1 = tf.add_n([tf.reduce_mean(tf.abs(pixels - r)) for r in reconstructions]) / iterations
    psnr = [10.0 * tf.math.log(1.0 / tf.reduce_mean(tf.square(pixels - tf.clip_by_value(
        r, 0.0, 1.0)))) / tf.math.log(10.0) for r in reconstructions]
    return l1, psnr


class Trainer(CropTrainer):
    """The recurrent codec, its optimizer and the resumable state of a run."""

    def __init__(self, work, photos, batch=32, crop=32, steps=8000, learning_rate=5e-4,
                 iterations=ITERATIONS, seed=0, init_weights=None, **config):
        import tensorflow as tf

        from jpegzoo import zoo

        super().__init__(NAME, work, photos, batch, crop, steps)
        self.iterations = iterations
        self.model = zoo.build(NAME, **config)
        if init_weights:
            self.model.load_weights(init_weights)
        self.optimizer = adam(learning_rate, steps, WARMUP_STEPS if init_weights else 0)
        self.optimizer.build(self.model.trainable_variables)
        self.restore(seed, optimizer=self.optimizer)
        self._train_step = tf.function(self._step)

    def _step(self, images):
        import tensorflow as tf

        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            loss, psnr = residual_losses(self.model, images, self.iterations, training=True)
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss, psnr[-1]

    def train_batch(self, step, images):
        loss, psnr = self._train_step(images)
        return {"l1": float(loss), "psnr": float(psnr)}

    def validate(self, crop=128):
        crops = self.validation_crops(crop, STRIDE)
        loss, psnr = residual_losses(self.model, crops, self.iterations, training=False)
        bpp = self.model.bits / 256
        columns = {f"it{t}": f"{t * bpp:.3f}/{float(psnr[t - 1]):.2f}"
                   for t in range(1, self.iterations + 1)}
        return float(loss), columns


def train(images, work, steps=8000, batch_size=32, crop=32, learning_rate=5e-4,
          validate_every=500, seed=0, init_weights=None, **config):
    """Train (or resume) in ``work`` on the photos of ``images`` (a folder or a list of
    folders); returns the best weights' path. ``crop``: the crop side, a multiple of 16;
    ``config``: the model's."""
    return train_on_folder(images, lambda photos: Trainer(
        work, photos, batch_size or 32, crop, steps, learning_rate, seed=seed,
        init_weights=init_weights, **config), validate_every)

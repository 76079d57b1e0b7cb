"""The resumable loop shared by the zoo's custom trainers that learn from photo crops.

A :class:`CropTrainer` subclass builds its model and optimizers, calls :meth:`restore`
with the objects to checkpoint, and implements :meth:`train_batch` (one optimisation step
on a batch of uint8 crops) and :meth:`validate`. :meth:`run` draws ``batch`` random crops
(random flips) per step, validates every ``validate_every`` steps, appends a row to
``work/history.csv``, saves a checkpoint (``work/checkpoints``, the newest two; a rerun
resumes from the newest) and keeps the best weights by validation score (lower is better)
in ``work/<name>.weights.h5`` (or, with ``keep_last``, the newest: for adversarial
training, where no validation score ranks checkpoints well).
"""

import time
from pathlib import Path

import numpy as np

from jpegzoo.datasets.photo_crops import centre_crops, random_crops
from jpegzoo.training.history import append_history, read_history

#: Linear warm-up of a run that starts from trained weights (``init_weights``): a fresh
#: Adam's first steps are large enough to undo what the weights learned.
WARMUP_STEPS = 500


def train_on_folder(images, make_trainer, validate_every):
    """Load the photos of ``images`` (a folder or a list of folders; training/validation
    split by name hash), build a :class:`CropTrainer` with ``make_trainer(photos)``, run
    it; returns the best weights' path (``work/<name>.weights.h5``)."""
    from jpegzoo.datasets.photo_crops import load_photos, require_training_photos

    photos = load_photos(images)
    require_training_photos(photos, images)
    print(f"{len(photos['train'])} training / {len(photos['validation'])} validation photos")
    trainer = make_trainer(photos)
    best = trainer.run(validate_every)
    print(f"best validation score {best:.5f}")
    return str(trainer.work / f"{trainer.name}.weights.h5")


def adam(rate, steps, warmup=0, alpha=0.03, clipnorm=1.0):
    """Adam with a cosine decay to ``alpha * rate`` over ``steps``, after a linear warm-up
    of ``warmup`` steps from 0 (for runs that start from trained weights: a fresh Adam's
    first steps are large); a run shorter than its warm-up stays in it."""
    import tensorflow as tf

    schedule = tf.keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else rate, max(steps - warmup, 1), alpha=alpha,
        warmup_target=rate if warmup else None, warmup_steps=warmup)
    return tf.keras.optimizers.Adam(schedule, clipnorm=clipnorm)


class CropTrainer:
    """Resumable state and loop; see the module docstring."""

    def __init__(self, name, work, photos, batch, crop, steps):
        self.name, self.work, self.photos = name, Path(work), photos
        self.work.mkdir(parents=True, exist_ok=True)
        self.batch, self.crop, self.steps = batch, crop, steps
        self.model = None
        self.keep_last = False

    def restore(self, seed, **objects):
        """Checkpoint ``self.model``, the step counter and ``objects`` (optimizers);
        resume from the newest checkpoint in ``work`` if there is one."""
        import tensorflow as tf

        self.step = tf.Variable(0, dtype=tf.int64)
        self.checkpoint = tf.train.Checkpoint(model=self.model, step=self.step, **objects)
        self.manager = tf.train.CheckpointManager(self.checkpoint, self.work / "checkpoints", 2)
        if self.manager.latest_checkpoint:
            self.checkpoint.restore(self.manager.latest_checkpoint)
        self.rng = np.random.default_rng(self.rng_seed(seed, int(self.step.numpy())))

    def validation_crops(self, crop, multiple=1):
        """uint8 ``[N, s, s, 3]`` centre crops of the validation photos (the first four
        training photos if there are none), ``s = crop`` or the smallest photo side if
        less, rounded down to a multiple of ``multiple``."""
        photos = self.photos["validation"] or self.photos["train"][:4]
        side = min(crop, *(min(p.shape[:2]) for p in photos))
        return centre_crops(photos, side // multiple * multiple)

    def rng_seed(self, seed, step):
        """Seed of the crop generator of a run resumed at ``step``."""
        return [seed, step]

    def train_batch(self, step, images):  # pragma: no cover - subclasses
        """One optimisation step; returns ``{name: float}`` for the progress bar."""
        raise NotImplementedError

    def validate(self):  # pragma: no cover - subclasses
        """``(score, {column: text})``: the score to minimise and history columns."""
        raise NotImplementedError

    def save_best(self):
        self.model.save_weights(str(self.work / f"{self.name}.weights.h5"))

    def run(self, validate_every=1000, progress=True):
        """Train to ``steps``; returns the best validation score."""
        from tqdm import tqdm

        history = self.work / "history.csv"
        best = min((float(r["validation"]) for r in read_history(history)), default=np.inf)
        bar = tqdm(total=self.steps, initial=int(self.step.numpy()), disable=not progress,
                   desc=self.name, mininterval=10)
        started = time.time()
        while int(self.step.numpy()) < self.steps:
            images = random_crops(self.rng, self.photos["train"], self.batch, self.crop)
            shown = self.train_batch(int(self.step.numpy()), images)
            self.step.assign_add(1)
            bar.update(1)
            bar.set_postfix(**{key: f"{value:.3f}" if isinstance(value, float) else value
                               for key, value in shown.items()})
            step = int(self.step.numpy())
            if step % validate_every == 0 or step == self.steps:
                score, columns = self.validate()
                append_history(history, {"step": step, "validation": f"{score:.5f}",
                                         "seconds": f"{time.time() - started:.0f}", **columns})
                self.manager.save()
                if score < best or self.keep_last:
                    best = min(best, score)
                    self.save_best()
        bar.close()
        return best

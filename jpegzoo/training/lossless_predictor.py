"""Train ``lossless_predictor`` on samples of a photo folder (resumable by epochs).

Random pixels of the training photos (every channel step) give integer context features
(:func:`jpegzoo.zoo.lossless_predictor.context`, all neighbours known) and targets (the
sample minus its MED base prediction); the MLP minimises the code length in bits of the
target under its discretized logistic. Photos split into training and validation as
:mod:`jpegzoo.datasets` splits folders; the best weights by validation bits (with the
integer residual tables) go to ``work/lossless_predictor.weights.h5``; an interrupted run
resumes from its last finished epoch (Keras' ``BackupAndRestore`` in ``work/backup``) and
``work/history.csv`` logs every epoch.

    jpegzoo train lossless_predictor --images ../shared/data/train --work W
"""

import math
from pathlib import Path

import numpy as np

from jpegzoo.datasets.photo_crops import load_photos, require_training_photos
from jpegzoo.zoo.lossless_predictor import model as lp

WEIGHTS = "lossless_predictor.weights.h5"


def samples(photos, per_photo, seed):
    """(features ``[N, F]`` float32, targets ``[N]`` float32) of random pixels."""
    rng = np.random.default_rng(seed)
    features, targets = [], []
    for image in photos:
        canvas = lp.padded(image)
        for step, channel in enumerate(lp.CHANNEL_ORDER):
            ys = rng.integers(0, image.shape[0], per_photo // 3)
            xs = rng.integers(0, image.shape[1], per_photo // 3)
            found, bases = lp.context(canvas, ys, xs, step)
            features.append(found.astype(np.float32))
            targets.append((image[ys, xs, channel] - bases).astype(np.float32))
    return np.concatenate(features), np.concatenate(targets)


def code_length(targets, outputs):
    """Bits of ``targets`` under the discretized logistic ``outputs`` = (mean, log scale)."""
    from keras import ops

    mean, log_scale = outputs[:, 0], outputs[:, 1]
    scale = ops.exp(ops.clip(log_scale, math.log(lp.SCALES[0]), math.log(lp.SCALES[-1])))
    centred = ops.reshape(targets, (-1,)) - mean
    probability = ops.sigmoid((centred + 0.5) / scale) - ops.sigmoid((centred - 0.5) / scale)
    return -ops.log(ops.maximum(probability, 1e-9)) / math.log(2.0)


def train(images, work, epochs=30, per_photo=60000, batch_size=4096, learning_rate=2e-3,
          seed=0, verbose=2, hidden=(128, 128)):
    """Train (or resume) in ``work`` on ``per_photo`` random samples of each photo of
    ``images`` (a folder or a list of folders); returns the best weights' path.
    ``hidden``: the MLP's widths."""
    import keras

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    photos = load_photos(images)
    require_training_photos(photos, images)
    train_x, train_y = samples(photos["train"], per_photo, seed)
    valid_x, valid_y = samples(photos["validation"] or photos["train"][:2], per_photo, seed + 1)
    model = lp.build_lossless_predictor(hidden)
    steps = epochs * math.ceil(len(train_x) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.02)
    model.compile(keras.optimizers.Adam(schedule), loss=code_length)
    model.fix_tables()
    best = str(work / WEIGHTS)
    model.fit(train_x, train_y, batch_size=batch_size, epochs=epochs, verbose=verbose,
              validation_data=(valid_x, valid_y),
              callbacks=[keras.callbacks.BackupAndRestore(str(work / "backup")),
                         keras.callbacks.ModelCheckpoint(best, save_best_only=True,
                                                         save_weights_only=True),
                         keras.callbacks.CSVLogger(str(work / "history.csv"), append=True)])
    return best


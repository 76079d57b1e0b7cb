"""Resumable training of zoo models (``jpegzoo train NAME``).

A :class:`Recipe` says how a zoo model is trained: its data pipelines, loss and
optimizer. :func:`train` runs it under a ``tf.distribute`` strategy with Keras'
``BackupAndRestore`` (an interrupted run resumes from its last finished epoch), keeps the
best weights by validation loss, and logs every epoch to ``history.csv``.

This module sits above :mod:`jpegzoo.zoo` and :mod:`jpegzoo.datasets`; only the CLI and
scripts import it.
"""

import glob
import os
from dataclasses import dataclass

STRATEGIES = ("default", "mirrored", "multi_worker")


@dataclass
class Recipe:
    """How to train one zoo model.

    Attributes:
        prepare: ``prepare(images_dir, work_dir, seed, **options) -> None`` writes the
            training data into ``work_dir`` (skipped if already there).
        datasets: ``datasets(work_dir, batch_size, seed) -> (train, validation)``
            tf.data pipelines yielding (inputs, targets).
        loss: Keras loss per output name.
        learning_rate: peak learning rate of the cosine schedule.
        validation_steps: validation batches per epoch (the same ones every epoch).
    """

    prepare: object
    datasets: object
    loss: dict
    learning_rate: float = 1e-3
    validation_steps: int = 16


def make_strategy(name):
    """A tf.distribute strategy: 'default' (one device), 'mirrored' (all local GPUs) or
    'multi_worker' (MultiWorkerMirroredStrategy configured by TF_CONFIG)."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}")


#: Zoo models trained by their own loop (not Keras ``fit`` on a dataset):
#: ``train(images_dir, work_dir, steps, batch_size, seed, learning_rate, init_weights,
#: validate_every) -> best weights path``.
CUSTOM_LOOPS = {"qtable_generator": "jpegzoo.training.qtable_generator:train",
                "compressive_ae": "jpegzoo.training.learned_codec:train_compressive_ae",
                "dct_block_ae": "jpegzoo.training.learned_codec:train_dct_block_ae",
                "recurrent_residual_ae": "jpegzoo.training.recurrent_residual_ae:train",
                "gan_ae": "jpegzoo.training.gan_ae:train"}


def recipe(name):
    """The training recipe of zoo model ``name``."""
    if name == "mutation_bitcount":
        return _bitcount_recipe()
    raise ValueError(f"no training recipe for {name!r}")


def train(name, images_dir, work_dir, epochs=40, steps_per_epoch=500, batch_size=512,
          strategy="default", seed=0, verbose=2, data_options=None, callbacks=(),
          init_weights=None, learning_rate=None, **config):
    """Train zoo model ``name``; returns the path of the best weights.

    Re-running with the same ``work_dir`` resumes where the last run stopped. ``config``
    overrides the model's default configuration; ``data_options`` go to the recipe's
    ``prepare`` (e.g. ``qualities``, ``blocks_per_image`` for block datasets);
    ``callbacks`` are extra Keras callbacks; ``init_weights`` starts from a weights file
    (fine-tuning, or a second schedule after a finished run) and ``learning_rate``
    replaces the recipe's peak learning rate.
    """
    import keras

    from jpegzoo import zoo

    if name in CUSTOM_LOOPS:
        return _custom_loop(name, images_dir, work_dir, epochs, steps_per_epoch, batch_size,
                            seed, init_weights, learning_rate)
    steps = recipe(name)
    batch_size = batch_size or 512
    os.makedirs(work_dir, exist_ok=True)
    steps.prepare(images_dir, work_dir, seed, **(data_options or {}))
    train_data, validation_data = steps.datasets(work_dir, batch_size, seed)
    with make_strategy(strategy).scope():
        model = zoo.build(name, **config)
        if init_weights:
            model.load_weights(init_weights)
        peak = learning_rate or steps.learning_rate
        schedule = keras.optimizers.schedules.CosineDecay(
            peak * 0.1, epochs * steps_per_epoch, alpha=0.02, warmup_target=peak,
            warmup_steps=min(1000, steps_per_epoch))
        model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=1e-5),
                      loss=steps.loss)
    best = os.path.join(work_dir, f"{name}.weights.h5")
    callbacks = [
        *callbacks,
        keras.callbacks.BackupAndRestore(os.path.join(work_dir, "backup")),
        keras.callbacks.ModelCheckpoint(best, save_best_only=True, save_weights_only=True),
        keras.callbacks.CSVLogger(os.path.join(work_dir, "history.csv"), append=True),
    ]
    model.fit(train_data, validation_data=validation_data, epochs=epochs,
              steps_per_epoch=steps_per_epoch, validation_steps=steps.validation_steps,
              callbacks=callbacks, verbose=verbose)
    return best


def _custom_loop(name, images_dir, work_dir, epochs, steps_per_epoch, batch_size, seed,
                 init_weights, learning_rate):
    import importlib

    module, function = CUSTOM_LOOPS[name].split(":")
    loop = getattr(importlib.import_module(module), function)
    options = {"batch_size": batch_size} if batch_size else {}
    if learning_rate:
        options["learning_rate"] = learning_rate
    return loop(images_dir, work_dir, steps=epochs * steps_per_epoch, seed=seed,
                init_weights=init_weights, validate_every=steps_per_epoch, **options)


# --- mutation_bitcount ------------------------------------------------------------------

#: Fraction of the training images held out for validation (by a hash of their names,
#: the same split as :func:`jpegzoo.datasets.image_folder`).
VALIDATION_FRACTION = 0.1


def _split_images(images_dir):
    from jpegzoo.datasets.folder_split import list_images, partition
    from jpegzoo.imageio import read_image

    names = list_images(images_dir)
    if not names:
        raise ValueError(f"no training images in {images_dir}")
    return {split: {name: read_image(os.path.join(images_dir, name)) for name in members}
            for split, members in partition(names, VALIDATION_FRACTION).items()}


def _prepare_blocks(images_dir, work_dir, seed, **options):
    from jpegzoo.datasets.jpeg_blocks import write_block_dataset

    splits = _split_images(images_dir)
    for split, images in splits.items():
        if not images:
            raise ValueError(f"{images_dir}: no images fall in the {split} split "
                             f"(validation fraction {VALIDATION_FRACTION}); add images")
    for split, images in splits.items():
        folder = os.path.join(work_dir, "blocks", split)
        if glob.glob(os.path.join(folder, "*.tfrecord.gz")):
            continue
        rgb = {k: v for k, v in images.items() if v.ndim == 3}
        count = write_block_dataset(rgb, folder, num_shards=16 if split == "train" else 2,
                                    seed=seed + (split == "validation"), **options)
        print(f"{split}: {count} blocks from {len(rgb)} images -> {folder}")


def _block_datasets(work_dir, batch_size, seed):
    from jpegzoo.datasets.jpeg_blocks import read_block_dataset

    blocks = os.path.join(work_dir, "blocks")
    train = read_block_dataset(os.path.join(blocks, "train", "*.tfrecord.gz"), batch_size,
                               seed=seed)
    validation = read_block_dataset(os.path.join(blocks, "validation", "*.tfrecord.gz"),
                                    4096, shuffle_buffer=0, repeat=True)
    return train, validation


def _bitcount_recipe():
    return Recipe(prepare=_prepare_blocks, datasets=_block_datasets, loss={"bits": "mae"},
                  learning_rate=2e-3)

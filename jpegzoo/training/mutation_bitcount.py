"""Train ``mutation_bitcount`` with Keras ``fit`` on a block dataset (resumable by epochs).

The training photos' blocks at IJG qualities, with mutated copies, labelled with their exact
Annex K bits (:mod:`jpegzoo.datasets.jpeg_blocks`), are written once into ``work/blocks``;
:func:`train` then runs the :class:`Recipe` under a ``tf.distribute`` strategy with Keras'
``BackupAndRestore`` (an interrupted run resumes from its last finished epoch), keeps the
best weights by validation loss and logs every epoch to ``work/history.csv``.

    jpegzoo train mutation_bitcount --images ../shared/data/train --work W \\
        --epochs 30 --steps-per-epoch 400
"""

import glob
import os
from dataclasses import dataclass

STRATEGIES = ("default", "mirrored", "multi_worker")

#: Fraction of the training photos held out for validation (by a hash of their names,
#: the split of :func:`jpegzoo.datasets.photo_crops.load_photos`).
VALIDATION_FRACTION = 0.1


@dataclass
class Recipe:
    """How the model is trained by Keras ``fit``.

    Attributes:
        prepare: ``prepare(images, work, seed, **options) -> None`` writes the training
            data into ``work`` (skipped if already there).
        datasets: ``datasets(work, batch_size, seed) -> (train, validation)`` tf.data
            pipelines yielding (inputs, targets).
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


def train(images, work, epochs=40, steps_per_epoch=500, batch_size=512, strategy="default",
          seed=0, init_weights=None, learning_rate=None, verbose=2, data_options=None,
          callbacks=(), **config):
    """Train (or resume) in ``work``; returns the path of the best weights.

    ``images`` is a folder of photos or a list of folders (each split by name hash).
    ``config`` overrides the model's default configuration; ``data_options`` go to
    :func:`prepare_blocks` (``qualities``, ``blocks_per_image``, ``mutations``);
    ``callbacks`` are extra Keras callbacks; ``init_weights`` starts from a weights file
    (fine-tuning, or a second schedule after a finished run) and ``learning_rate``
    replaces the recipe's peak learning rate.
    """
    import keras

    from jpegzoo import zoo

    recipe = RECIPE
    batch_size = batch_size or 512
    os.makedirs(work, exist_ok=True)
    recipe.prepare(images, work, seed, **(data_options or {}))
    train_data, validation_data = recipe.datasets(work, batch_size, seed)
    with make_strategy(strategy).scope():
        model = zoo.build("mutation_bitcount", **config)
        if init_weights:
            model.load_weights(init_weights)
        peak = learning_rate or recipe.learning_rate
        schedule = keras.optimizers.schedules.CosineDecay(
            peak * 0.1, epochs * steps_per_epoch, alpha=0.02, warmup_target=peak,
            warmup_steps=min(1000, steps_per_epoch))
        model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=1e-5),
                      loss=recipe.loss)
    best = os.path.join(work, "mutation_bitcount.weights.h5")
    callbacks = [
        *callbacks,
        keras.callbacks.BackupAndRestore(os.path.join(work, "backup")),
        keras.callbacks.ModelCheckpoint(best, save_best_only=True, save_weights_only=True),
        keras.callbacks.CSVLogger(os.path.join(work, "history.csv"), append=True),
    ]
    model.fit(train_data, validation_data=validation_data, epochs=epochs,
              steps_per_epoch=steps_per_epoch, validation_steps=recipe.validation_steps,
              callbacks=callbacks, verbose=verbose)
    return best


def split_photos(images):
    """``{"train": [...], "validation": [...]}`` RGB photos of a folder or list of folders
    (any size: blocks are 8x8), split with :data:`VALIDATION_FRACTION`."""
    from jpegzoo.datasets.photo_crops import load_photos

    photos = load_photos(images, VALIDATION_FRACTION, min_side=0)
    if not photos["train"] and not photos["validation"]:
        raise ValueError(f"no RGB training images in {_folders(images)}")
    return photos


def prepare_blocks(images, work, seed, **options):
    """Write the block datasets of the photos into ``work/blocks/{train,validation}``
    (each skipped when its shards are already there); ``options`` go to
    :func:`jpegzoo.datasets.jpeg_blocks.write_block_dataset`."""
    from jpegzoo.datasets.jpeg_blocks import write_block_dataset

    splits = split_photos(images)
    for split, photos in splits.items():
        if not photos:
            raise ValueError(f"{_folders(images)}: no images fall in the {split} split "
                             f"(validation fraction {VALIDATION_FRACTION}); add images")
    for split, photos in splits.items():
        folder = os.path.join(work, "blocks", split)
        if glob.glob(os.path.join(folder, "*.tfrecord.gz")):
            continue
        count = write_block_dataset(photos, folder, num_shards=16 if split == "train" else 2,
                                    seed=seed + (split == "validation"), **options)
        print(f"{split}: {count} blocks from {len(photos)} images -> {folder}")


def block_datasets(work, batch_size, seed):
    """(training, validation) pipelines over the shards :func:`prepare_blocks` wrote."""
    from jpegzoo.datasets.jpeg_blocks import read_block_dataset

    blocks = os.path.join(work, "blocks")
    train = read_block_dataset(os.path.join(blocks, "train", "*.tfrecord.gz"), batch_size,
                               seed=seed)
    validation = read_block_dataset(os.path.join(blocks, "validation", "*.tfrecord.gz"),
                                    4096, shuffle_buffer=0, repeat=True)
    return train, validation


def _folders(images):
    return images if isinstance(images, (str, os.PathLike)) else ", ".join(map(str, images))


RECIPE = Recipe(prepare=prepare_blocks, datasets=block_datasets, loss={"bits": "mae"},
                learning_rate=2e-3)

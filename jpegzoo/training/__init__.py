"""Training of zoo models: ``train(name, images, work, **options)``, the function behind
``jpegzoo train NAME``.

Each trainable model names its trainer in the zoo's registry
(:attr:`jpegzoo.zoo.registry.ZooEntry.trainer`, a ``"module:function"`` string in this
package): ``trainer(images, work, **options) -> path of the best weights``, resumable (a
rerun with the same ``work`` continues where the last one stopped). ``images`` is a folder
of photos or a list of folders, each split into training and validation photos by a hash
of the file names. Options share their names where they mean the same thing: ``steps``,
``batch_size``, ``crop``, ``learning_rate``, ``validate_every``, ``seed``,
``init_weights``; the others are the model's own (``epochs``, ``steps_per_epoch`` and
``strategy`` for Keras ``fit``, ``mode`` for ``gan_ae``, ...). Defaults are the trainer's,
the budgets of the shipped weights are in the models' cards.

Data: every trainer reads its photos through :mod:`jpegzoo.datasets.photo_crops` (numpy
images, the split of :mod:`jpegzoo.datasets.folder_split`): crops for the loops of
:mod:`jpegzoo.training.crop_loop`, blocks for ``mutation_bitcount``, pixel samples for
``lossless_predictor``. The TFDS builders of :mod:`jpegzoo.datasets` are for retraining
on catalog data.

Modules: :mod:`.crop_loop` (the resumable loop of the crop trainers), :mod:`.history`
(``history.csv``), and one module per trainer (:mod:`.mutation_bitcount`,
:mod:`.qtable_generator`, :mod:`.learned_codec`, :mod:`.recurrent_residual_ae`,
:mod:`.gan_ae`, :mod:`.lossless_predictor`). This package sits above :mod:`jpegzoo.zoo`
and :mod:`jpegzoo.datasets`; only the CLI and scripts import it.
"""


def train(name, images, work, **options):
    """Train (or resume) zoo model ``name`` on the photos of ``images`` (a folder or a list
    of folders) in the working folder ``work``; returns the path of the best weights.
    ``options`` go to the model's trainer (see the module docstring)."""
    return trainer(name)(images, work, **options)


def trainer(name):
    """The trainer function of zoo model ``name`` (its options are its keyword
    parameters); ValueError for unknown models and for models without a trainer."""
    from jpegzoo.lazy import resolve
    from jpegzoo.zoo import registry

    target = registry.entry(name).trainer
    if not target:
        trainable = ", ".join(e.name for e in registry.entries() if e.trainer)
        raise ValueError(f"{name} has no trainer; trainable models: {trainable}")
    return resolve(target)

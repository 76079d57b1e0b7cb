"""Resumable training under a tf.distribute strategy, on a tiny block dataset."""

import csv
import shutil
from importlib.resources import files

import keras
import pytest

from jpegzoo import training


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    samples = files("jpegzoo") / "data" / "samples"
    for name in ("kodim05_crop256.png", "kodim19_crop256.png", "kodim23_crop256.png"):
        shutil.copy(str(samples / name), folder / name)
    return folder


class Interrupted(Exception):
    pass


class InterruptAtEpoch(keras.callbacks.Callback):
    """Stops training the way a killed job would, at the start of an epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Interrupted


def _epochs(work):
    with open(work / "history.csv") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_training_resumes(tmp_path, images, strategy, monkeypatch):
    monkeypatch.setattr(training, "VALIDATION_FRACTION", 0.5)  # images in both splits
    work = tmp_path / "work"
    options = dict(epochs=2, steps_per_epoch=2, batch_size=32, strategy=strategy, verbose=0,
                   data_options=dict(qualities=(50,), blocks_per_image=64),
                   width=8, dilations=(1, 2))
    with pytest.raises(Interrupted):
        training.train("mutation_bitcount", str(images), str(work),
                       callbacks=[InterruptAtEpoch(1)], **options)
    assert _epochs(work) == [0]
    best = training.train("mutation_bitcount", str(images), str(work), **options)
    assert _epochs(work) == [0, 1]  # resumed after epoch 0 instead of starting over
    assert (work / "mutation_bitcount.weights.h5").exists() and best.endswith(".weights.h5")


def test_unknown_strategy():
    with pytest.raises(ValueError, match="mirrored"):
        training.make_strategy("tpu-pod")


def test_qtable_generator_trains_through_the_same_entry_point_and_resumes(tmp_path, images):
    work = tmp_path / "qtable"
    options = dict(epochs=1, steps_per_epoch=2, batch_size=2)
    best = training.train("qtable_generator", str(images), str(work), **options)
    with open(work / "history.csv") as handle:
        assert [int(r["step"]) for r in csv.DictReader(handle)] == [2]
    assert best.endswith("qtable_generator.weights.h5")
    training.train("qtable_generator", str(images), str(work), epochs=2, steps_per_epoch=2,
                   batch_size=2)  # resumes at step 2, stops at 4
    with open(work / "history.csv") as handle:
        assert [int(r["step"]) for r in csv.DictReader(handle)] == [2, 4]
    from jpegzoo import zoo

    model = zoo.build("qtable_generator")
    model.load_weights(best)


@pytest.mark.parametrize("name", ["compressive_ae", "dct_block_ae"])
def test_learned_codecs_train_through_the_same_entry_point_and_resume(tmp_path, images, name):
    work = tmp_path / name
    best = training.train(name, str(images), str(work), epochs=1, steps_per_epoch=2,
                          batch_size=2)
    training.train(name, str(images), str(work), epochs=2, steps_per_epoch=2, batch_size=2)
    with open(work / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [2, 4]
    assert [key for key in rows[0] if key.startswith("q")] == [f"q{i}" for i in range(1, 7)]
    from jpegzoo import zoo

    model = zoo.build(name)
    model.load_weights(best)
    assert all(prior._tables is not None for prior in model.priors)  # integer tables saved


def test_recurrent_residual_ae_trains_through_the_same_entry_point_and_resumes(tmp_path, images):
    work = tmp_path / "rnn"
    best = training.train("recurrent_residual_ae", str(images), str(work), epochs=1,
                          steps_per_epoch=2, batch_size=2)
    training.train("recurrent_residual_ae", str(images), str(work), epochs=2,
                   steps_per_epoch=2, batch_size=2)
    with open(work / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [2, 4]
    assert [key for key in rows[0] if key.startswith("it")] == [f"it{i}" for i in range(1, 9)]
    from jpegzoo import zoo

    zoo.build("recurrent_residual_ae").load_weights(best)


def _variables(model, part):
    return [v.numpy().copy() for v in getattr(model, part).trainable_variables]


@pytest.mark.parametrize("mode", ["decoder", "joint"])
def test_gan_ae_modes_train_what_they_say_from_compressive_ae(tmp_path, images, mode):
    import numpy as np

    from jpegzoo import zoo
    from jpegzoo.training import gan_ae as gan_training
    from jpegzoo.datasets.photo_crops import load_photos

    start = zoo.load("compressive_ae")
    trainer = gan_training.Trainer(tmp_path / mode, load_photos(str(images)), mode, batch=2,
                                   crop=64, steps=3)
    assert trainer.keep_last
    trainer.run(validate_every=3, progress=False)
    trained = zoo.build("gan_ae")
    trained.load_weights(str(tmp_path / mode / "gan_ae.weights.h5"))
    for part, changes in (("synthesis_transform", True), ("analysis_transform", mode == "joint")):
        same = all(np.array_equal(a, b) for a, b in zip(_variables(start, part),
                                                        _variables(trained, part)))
        assert same != changes, part
    if mode == "decoder":  # the files are compressive_ae's: same latents, same tables
        image = np.random.default_rng(0).integers(0, 256, (1, 32, 48, 3), dtype=np.uint8)
        for level in (1, 6):
            np.testing.assert_array_equal(np.asarray(start.latents(image, level)),
                                          np.asarray(trained.latents(image, level)))
            before, after = (m.priors[level - 1].coding_tables() for m in (start, trained))
            for field in ("offsets", "counts", "sizes"):
                np.testing.assert_array_equal(getattr(before, field), getattr(after, field))


def test_gan_ae_refuses_an_unknown_mode(tmp_path, images):
    from jpegzoo.training import gan_ae as gan_training

    with pytest.raises(ValueError, match="unknown gan_ae training mode 'both'; modes: decoder"):
        gan_training.Trainer(tmp_path, {"train": [], "validation": []}, "both")

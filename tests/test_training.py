"""Training: ``jpegzoo.training.train(name, ...)`` and ``jpegzoo train NAME`` reach every
trainer through the registry, pass only the options given and resume, on tiny data."""

import csv
import inspect

import keras
import numpy as np
import pytest
from PIL import Image

from jpegzoo import training
from jpegzoo.cli import main
from jpegzoo.cli.train import OPTIONS
from jpegzoo.lazy import resolve
from jpegzoo.training import mutation_bitcount
from jpegzoo.zoo import registry

#: Trainer parameters for Python callers only (no ``jpegzoo train`` flag).
PYTHON_ONLY = {"verbose", "callbacks", "data_options", "hidden"}


@pytest.fixture
def images(sample_photos):
    return sample_photos


@pytest.fixture
def generated(tmp_path):
    """Three generated 256x256 RGB photos (smooth gradients plus noise)."""
    folder = tmp_path / "generated"
    folder.mkdir()
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 200, 256)
    for k in range(3):
        base = ramp[:, None, None] * (k + 1) / 3 + ramp[None, :, None] * [0.2, 0.5, 0.8]
        pixels = np.clip(base + rng.normal(0, 8, (256, 256, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"photo{k}.png")
    return folder


def _run(capsys, *argv):
    """``jpegzoo`` in-process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _one_line_error(status, err, *words):
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1, err
    assert lines[0].startswith("jpegzoo: error: ") and all(w in lines[0] for w in words), err


def _history(work, column):
    with open(work / "history.csv") as handle:
        return [int(row[column]) for row in csv.DictReader(handle)]


# --- the entry points -------------------------------------------------------------------

def test_every_trainer_in_the_registry_resolves_and_takes_images_and_work():
    trainable = [entry for entry in registry.entries() if entry.trainer]
    assert {e.name for e in trainable} >= {"mutation_bitcount", "qtable_generator",
                                           "compressive_ae", "dct_block_ae",
                                           "lossless_predictor", "recurrent_residual_ae",
                                           "gan_ae"}
    flags = {flag[2:].replace("-", "_") for flag, _ in OPTIONS}
    for entry in trainable:
        trainer = resolve(entry.trainer)
        assert callable(trainer) and training.trainer(entry.name) is trainer
        parameters = list(inspect.signature(trainer).parameters.values())
        assert [p.name for p in parameters[:2]] == ["images", "work"], entry.name
        named = {p.name for p in parameters[2:] if p.kind != p.VAR_KEYWORD}
        assert named - PYTHON_ONLY <= flags, (entry.name, named - PYTHON_ONLY - flags)


def test_a_model_without_trainer_is_refused_with_the_trainable_ones(tmp_path):
    with pytest.raises(ValueError, match="mutated_jpeg has no trainer; trainable models: "
                                         "compressive_ae, .*lossless_predictor"):
        training.train("mutated_jpeg", str(tmp_path), str(tmp_path / "work"))


def test_cli_passes_only_the_options_given(tmp_path, capsys, monkeypatch):
    calls = []

    def fake(images, work, steps=10, seed=0, verbose=2):
        calls.append((images, work, {"steps": steps, "seed": seed, "verbose": verbose}))
        return "best.weights.h5"

    monkeypatch.setattr(training, "trainer", lambda name: fake)
    other = tmp_path / "other"
    other.mkdir()
    status, out, _ = _run(capsys, "train", "qtable_generator", "--images", tmp_path,
                          "--work", tmp_path / "w", "--steps", 5)
    assert status == 0 and "best weights: best.weights.h5" in out
    assert calls[-1] == (str(tmp_path), str(tmp_path / "w"), {"steps": 5, "seed": 0, "verbose": 2})
    status, _, _ = _run(capsys, "train", "qtable_generator", "--images", tmp_path, other)
    assert status == 0 and calls[-1][0] == [str(tmp_path), str(other)]
    assert calls[-1][2]["steps"] == 10  # the trainer's default


def test_cli_refuses_an_option_the_trainer_does_not_take(images, capsys):
    status, _, err = _run(capsys, "train", "mutation_bitcount", "--images", images,
                          "--crop", 64)
    _one_line_error(status, err, "--crop", "mutation_bitcount", "--epochs")
    status, _, err = _run(capsys, "train", "qtable_generator", "--images", images,
                          "--mode", "joint")
    _one_line_error(status, err, "--mode", "qtable_generator")
    status, _, err = _run(capsys, "train", "mutated_jpeg", "--images", images)
    _one_line_error(status, err, "mutated_jpeg", "lossless_predictor")


@pytest.mark.parametrize("command", ["train qtable_generator", "mine-mutations"])
def test_images_are_required(capsys, command):
    status, _, err = _run(capsys, *command.split())
    assert status == 2 and "the following arguments are required: --images" in err


def test_cli_refuses_a_missing_folder(tmp_path, capsys):
    status, _, err = _run(capsys, "train", "qtable_generator", "--images", tmp_path / "none")
    _one_line_error(status, err, "training image folder not found")


# --- mutation_bitcount: Keras fit under a strategy --------------------------------------

class Interrupted(Exception):
    pass


class InterruptAtEpoch(keras.callbacks.Callback):
    """Stops training the way a killed job would, at the start of an epoch."""

    def __init__(self, epoch, error=Interrupted):
        super().__init__()
        self.epoch, self.error = epoch, error

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise self.error


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_mutation_bitcount_resumes(tmp_path, images, strategy, monkeypatch):
    monkeypatch.setattr(mutation_bitcount, "VALIDATION_FRACTION", 0.5)  # both splits
    work = tmp_path / "work"
    options = {"epochs": 2, "steps_per_epoch": 2, "batch_size": 32, "strategy": strategy,
               "verbose": 0, "data_options": {"qualities": (50,), "blocks_per_image": 64},
               "width": 8, "dilations": (1, 2)}
    with pytest.raises(Interrupted):
        training.train("mutation_bitcount", str(images), str(work),
                       callbacks=[InterruptAtEpoch(1)], **options)
    assert _history(work, "epoch") == [0]
    best = training.train("mutation_bitcount", str(images), str(work), **options)
    assert _history(work, "epoch") == [0, 1]  # resumed after epoch 0 instead of starting over
    assert (work / "mutation_bitcount.weights.h5").exists() and best.endswith(".weights.h5")


def test_unknown_strategy():
    with pytest.raises(ValueError, match="mirrored"):
        mutation_bitcount.make_strategy("tpu-pod")


# --- lossless_predictor: Keras fit on pixel samples, through the CLI ---------------------

def test_cli_trains_lossless_predictor_and_resumes_after_an_interruption(
        tmp_path, generated, capsys, monkeypatch):
    work = tmp_path / "lossless"
    argv = ["train", "lossless_predictor", "--images", generated, "--work", work,
            "--per-photo", 300, "--batch-size", 128, "--epochs", 2]

    class InterruptedLogger(keras.callbacks.CSVLogger):  # Ctrl-C at the start of epoch 1
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt
            super().on_epoch_begin(epoch, logs)

    with monkeypatch.context() as patch:
        patch.setattr(keras.callbacks, "CSVLogger", InterruptedLogger)
        status, _, err = _run(capsys, *argv)
    assert status == 130 and "interrupted" in err
    assert _history(work, "epoch") == [0]
    status, out, _ = _run(capsys, *argv)
    assert status == 0 and _history(work, "epoch") == [0, 1]  # resumed at epoch 1
    best = work / "lossless_predictor.weights.h5"
    assert f"best weights: {best}" in out
    from jpegzoo import zoo

    zoo.build("lossless_predictor").load_weights(str(best))


# --- the crop trainers ------------------------------------------------------------------

def test_qtable_generator_trains_through_the_cli_and_resumes(tmp_path, images, capsys):
    work = tmp_path / "qtable"
    status, out, _ = _run(capsys, "train", "qtable_generator", "--images", images, "--work",
                          work, "--steps", 2, "--validate-every", 2, "--batch-size", 2)
    assert status == 0 and _history(work, "step") == [2]
    best = str(work / "qtable_generator.weights.h5")
    assert f"best weights: {best}" in out
    training.train("qtable_generator", str(images), str(work), steps=4, validate_every=2,
                   batch_size=2)  # resumes at step 2, stops at 4
    assert _history(work, "step") == [2, 4]
    from jpegzoo import zoo

    zoo.build("qtable_generator").load_weights(best)


@pytest.mark.parametrize("name", ["compressive_ae", "dct_block_ae"])
def test_learned_codecs_train_and_resume(tmp_path, images, name):
    work = tmp_path / name
    best = training.train(name, str(images), str(work), steps=2, validate_every=2,
                          batch_size=2)
    training.train(name, [str(images)], str(work), steps=4, validate_every=2, batch_size=2)
    with open(work / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [2, 4]
    assert [key for key in rows[0] if key.startswith("q")] == [f"q{i}" for i in range(1, 7)]
    from jpegzoo import zoo

    model = zoo.build(name)
    model.load_weights(best)
    assert all(prior._tables is not None for prior in model.priors)  # integer tables saved


def test_recurrent_residual_ae_trains_and_resumes(tmp_path, images):
    work = tmp_path / "rnn"
    best = training.train("recurrent_residual_ae", str(images), str(work), steps=2,
                          validate_every=2, batch_size=2)
    training.train("recurrent_residual_ae", str(images), str(work), steps=4,
                   validate_every=2, batch_size=2)
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
    from jpegzoo import zoo
    from jpegzoo.datasets.photo_crops import load_photos
    from jpegzoo.training import gan_ae as gan_training

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

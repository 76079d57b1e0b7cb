"""The zoo registry and the ``mutation_bitcount`` contract."""

import socket
from importlib.resources import files

import keras
import numpy as np
import pytest

from jpegzoo import zoo
from jpegzoo.datasets.jpeg_blocks import exact_bits, image_blocks, mutate
from jpegzoo.imageio import read_image
from jpegzoo.zoo import registry


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the zoo tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def sample_blocks():
    image = read_image(str(files("jpegzoo") / "data" / "samples" / "kodim05_crop256.png"))
    rng = np.random.default_rng(0)
    parts = []
    for quality in (20, 50, 80):
        blocks, component = image_blocks(image, quality)
        parts += [(blocks, component), (mutate(blocks, rng), component)]
    blocks, component = (np.concatenate(p) for p in zip(*parts))
    return blocks, component, exact_bits(blocks, component)


@pytest.mark.parametrize("name", zoo.list())
def test_every_model_loads_offline(name, offline):
    assert "#" in zoo.card(name)
    entry = registry.entry(name)
    if entry.loader is None and not entry.weights_file.is_file():
        with pytest.raises(FileNotFoundError, match="no shipped weights"):
            zoo.load(name)
        zoo.build(name)  # registered and buildable, but untrained: nothing to load
        pytest.skip(f"{name} ships no trained weights yet")
    model = zoo.load(name)
    if hasattr(model, "count_params"):  # Keras models
        assert model.count_params() > 0
    else:  # codecs that ship data (mutated: mined tables) or none (best: a search)
        assert callable(model.compress) and callable(model.decompress)
        assert hasattr(model, "quality_levels")
        if name == "mutated_jpeg":
            assert model.sets and model.points["scales"]


def test_unknown_name_lists_known_models():
    with pytest.raises(ValueError, match="mutation_bitcount"):
        zoo.load("nope")
    with pytest.raises(ValueError, match="known models"):
        zoo.build("nope")


def test_bitcount_contract(sample_blocks):
    model = zoo.load("mutation_bitcount")
    assert {i.name: i.dtype for i in model.inputs} == {"coefficients": "int32",
                                                        "component": "int32"}
    blocks, component, _ = sample_blocks
    out = model({"coefficients": blocks[:7], "component": component[:7]})
    assert set(out) == {"bits"}
    assert out["bits"].shape == (7,) and out["bits"].dtype == "float32"


def test_bitcount_is_accurate_on_held_out_blocks(sample_blocks):
    """Kodak crop (never trained on), real and mutated blocks at three qualities."""
    blocks, component, truth = sample_blocks
    predicted = zoo.load("mutation_bitcount").predict(
        {"coefficients": blocks, "component": component}, batch_size=4096, verbose=0)["bits"]
    error = np.abs(predicted - truth)
    assert error[component == 0].mean() < 0.5
    assert error[component == 1].mean() < 0.2


def test_bitcount_is_differentiable_in_its_parameters(sample_blocks):
    import tensorflow as tf

    model = zoo.build("mutation_bitcount", width=8, dilations=(1, 2))
    blocks, component, truth = sample_blocks
    with tf.GradientTape() as tape:
        out = model({"coefficients": blocks[:64], "component": component[:64]})["bits"]
        loss = tf.reduce_mean(tf.abs(out - truth[:64]))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None and np.isfinite(tf.convert_to_tensor(g).numpy()).all()
               for g in grads)


def test_get_config_round_trip(sample_blocks):
    model = zoo.build("mutation_bitcount", width=8, dilations=(1, 2, 4))
    clone = type(model).from_config(model.get_config())
    clone.set_weights(model.get_weights())
    blocks, component, _ = sample_blocks
    inputs = {"coefficients": blocks[:16], "component": component[:16]}
    np.testing.assert_allclose(clone(inputs)["bits"], model(inputs)["bits"], rtol=1e-6)
    assert clone.get_config() == model.get_config()


def test_keras_archive_loads_in_safe_mode(tmp_path, sample_blocks):
    model = zoo.build("mutation_bitcount", width=8, dilations=(1,))
    path = tmp_path / "bitcount.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    blocks, component, _ = sample_blocks
    inputs = {"coefficients": blocks[:4], "component": component[:4]}
    np.testing.assert_allclose(loaded(inputs)["bits"], model(inputs)["bits"], rtol=1e-6)

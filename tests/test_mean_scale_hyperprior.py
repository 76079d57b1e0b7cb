"""mean_scale_hyperprior on a small untrained model: .jzc files with two streams (z, y) that
decode bit-exactly (here and in another process), payloads matching the bit estimates,
refusal of damaged files, serialization, gradients, the compressive_ae initialisation,
serving signatures and the resumable trainer."""

import csv
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from crafted_files import renamed

from jpegzoo.jzc import JzcFile, Stream, read_jzc, write_jzc
from jpegzoo.layers.color import round_half_away
from jpegzoo.zoo import learned_codec
from jpegzoo.zoo.compressive_ae import build_compressive_ae
from jpegzoo.zoo.mean_scale_hyperprior import model as msh

LAMBDAS = (0.002, 0.01, 0.05)
SMALL = dict(filters=16, latent=16, hyper=16, lambdas=LAMBDAS)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(1)
    return msh.build_mean_scale_hyperprior(**SMALL)


def _image(shape, seed=0):
    rng = np.random.default_rng(seed)
    smooth = rng.integers(0, 256, (shape[0] // 4 + 2, shape[1] // 4 + 2, 3)).astype(float)
    image = np.kron(smooth, np.ones((4, 4, 1)))[:shape[0], :shape[1]]
    return np.clip(image + rng.normal(0, 8, image.shape), 0, 255).astype(np.uint8)


def _copy(model):
    clone = type(model).from_config(model.get_config()).build_all()
    clone.set_weights(model.get_weights())
    return clone


def _own_reconstruction(model, image, quality):
    """uint8 image the model makes of its own rounded latents (encoder side)."""
    z, symbols, _ = msh.encode_latents(model, image, quality)
    means, _ = msh.side_information(model, z, quality)
    pixels = model.reconstruct(msh.latents_of(symbols, means), quality)
    return learned_codec.to_uint8(pixels)[0, :image.shape[0], :image.shape[1]]


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (64, 64), (65, 130)])
def test_file_decodes_to_the_models_own_reconstruction(model, shape):
    image = _image(shape, seed=shape[0])
    data = model.compress(image, 2)
    contents = read_jzc(data)
    rows, columns = -(-shape[0] // 64), -(-shape[1] // 64)
    assert (contents.model, contents.quality, contents.width, contents.height) == \
        ("mean_scale_hyperprior", 2, shape[1], shape[0])
    assert [s.shape for s in contents.streams] == [(1, rows, columns, 16),
                                                   (1, 4 * rows, 4 * columns, 16)]
    decoded = model.decompress(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, _own_reconstruction(model, image, 2))


def test_coding_path_agrees_with_the_models_estimate_path(model):
    """Files use the float64 hyper-synthesis, ``model(...)`` float32: same latents but for
    the rare value that rounds the other way, so the same picture."""
    image = _image((128, 192), seed=4)
    for quality in (1, 3):
        z, symbols, indexes = msh.encode_latents(model, image, quality)
        y = model.analysis(image[None].astype(np.float32) / 255.0)
        gain, zgain = model.gain(quality), model.zgain(quality)
        z32 = np.asarray(round_half_away(model.side_latents(y, zgain)))
        np.testing.assert_array_equal(z, z32)
        means, scales = (np.asarray(v) for v in model.gaussian_parameters(z32, gain, zgain))
        np.testing.assert_array_equal(indexes, model.conditional.scale_indexes(scales))
        same = symbols == np.asarray(round_half_away(y * gain - means))
        assert same.mean() > 0.999
        out = np.asarray(model(image[None], quality=quality)["reconstruction"])
        assert np.abs(learned_codec.to_uint8(out)[0].astype(int)
                      - _own_reconstruction(model, image, quality)).max() <= 1


def test_decoding_in_another_process_is_bit_exact(model, tmp_path):
    """A second process (one intra-op thread instead of this one's default, which changes
    float32 convolution results in their last bits) writes the same file and decodes ours
    to the same pixels."""
    image = _image((96, 200), seed=2)
    weights = tmp_path / "msh.weights.h5"
    model.save_weights(weights)
    np.save(tmp_path / "image.npy", image)
    (tmp_path / "ours.jzc").write_bytes(model.compress(image, 3))
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(1)
        from jpegzoo.zoo.mean_scale_hyperprior import model as msh
        folder = sys.argv[1]
        model = msh.build_mean_scale_hyperprior(**{SMALL!r})
        model.load_weights(folder + "/msh.weights.h5")
        image = np.load(folder + "/image.npy")
        open(folder + "/theirs.jzc", "wb").write(model.compress(image, 3))
        data = open(folder + "/ours.jzc", "rb").read()
        np.save(folder + "/decoded.npy", model.decompress(data))
        y_hat, *_ = model.decode_latents(data)
        np.save(folder + "/y_hat.npy", y_hat)
    """)
    environment = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True,
                   env=environment, timeout=300)
    data = (tmp_path / "ours.jzc").read_bytes()
    assert (tmp_path / "theirs.jzc").read_bytes() == data
    np.testing.assert_array_equal(np.load(tmp_path / "y_hat.npy"),
                                  model.decode_latents(data)[0])
    np.testing.assert_array_equal(np.load(tmp_path / "decoded.npy"), model.decompress(data))


@pytest.mark.parametrize("quality", [1, 3])
def test_payload_is_within_three_percent_of_the_bit_estimate(model, quality):
    image = _image((128, 192), seed=quality)
    streams = read_jzc(model.compress(image, quality)).streams
    out = model(image[None], quality=quality)
    for stream, key in zip(streams, ("z_bits", "y_bits")):
        estimate = float(out[key][0])
        assert abs(8 * len(stream.data) - estimate) <= 0.03 * estimate + 32, (key, estimate)
    np.testing.assert_allclose(out["bits"], out["y_bits"] + out["z_bits"], rtol=1e-6)


def test_quality_levels_gain_y_and_z(model):
    image = _image((64, 64), seed=3)[None]
    low, high = (np.asarray(model.latents(image, q)) for q in (1, 3))
    np.testing.assert_allclose(high, low * np.sqrt(LAMBDAS[2] / LAMBDAS[0]), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(np.asarray(model.zgain(1)), np.sqrt(LAMBDAS[0] / LAMBDAS[2]),
                               rtol=1e-5)
    bits = [float(model(image, quality=q)["bits"][0]) for q in (1, 3)]
    assert bits[0] < bits[1]


def test_refuses_other_models_bad_levels_and_bad_images(model):
    image = np.zeros((16, 16, 3), np.uint8)
    data = renamed(model.compress(image, 1), "other")
    with pytest.raises(ValueError, match="model 'other'"):
        model.decompress(data)
    for quality in (0, 4, 1.5):
        with pytest.raises(ValueError, match="quality levels 1..3"):
            model.compress(image, quality)
    with pytest.raises(ValueError, match="uint8 RGB"):
        model.compress(image.astype(np.float32), 1)
    with pytest.raises(ValueError, match="no pixels"):
        model.compress(np.zeros((0, 5, 3), np.uint8), 1)


def test_corrupt_and_truncated_files_raise_clear_errors(model):
    data = model.compress(_image((32, 32)), 1)
    for position in (0, 10, len(data) // 2, len(data) - 1):
        corrupt = bytearray(data)
        corrupt[position] ^= 0x20
        with pytest.raises(ValueError, match="jzc"):
            model.decompress(bytes(corrupt))
    for length in (0, 5, len(data) // 2, len(data) - 1):
        with pytest.raises(ValueError, match="jzc"):
            model.decompress(data[:length])


def test_streams_that_do_not_match_the_header_are_refused(model):
    """Well-formed containers (valid checksum) whose streams contradict the declared size,
    the model's widths or the layout."""
    good = read_jzc(model.compress(_image((70, 40)), 2))
    z, y = good.streams

    def rewrite(**changes):
        fields = dict(model=good.model, quality=good.quality, width=good.width,
                      height=good.height, streams=good.streams)
        return write_jzc(JzcFile(**{**fields, **changes}))

    cases = [("z shape", rewrite(width=good.width + 64)),
             ("y shape", rewrite(streams=[z, Stream((1, 8, 8, 16), y.data)])),
             ("two 4-D streams", rewrite(streams=[z])),
             ("two 4-D streams", rewrite(streams=[y, z, z])),
             ("two 4-D streams", rewrite(streams=[Stream((2, 16), z.data), y])),
             ("quality levels", rewrite(quality=4))]
    for message, data in cases:
        with pytest.raises(ValueError, match=message):
            model.decompress(data)
    with pytest.raises(ValueError, match="does not match"):  # z of another width
        model.decompress(rewrite(streams=[Stream((1, 2, 1, 8), z.data), y]))
    other = msh.build_mean_scale_hyperprior(**{**SMALL, "latent": 8})
    with pytest.raises(ValueError, match="y shape"):
        other.decompress(rewrite())


def test_config_round_trips(model):
    config = model.get_config()
    clone = msh.MeanScaleHyperprior.from_config(config)
    assert clone.get_config() == config
    assert (clone.filters, clone.latent, clone.hyper, clone.lambdas) == (16, 16, 16, LAMBDAS)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert isinstance(restored, msh.MeanScaleHyperprior)


def test_build_all_creates_every_variable():
    fresh = msh.MeanScaleHyperprior(**SMALL)
    fresh.build_all()
    count = len(fresh.weights)
    fresh(np.zeros((1, 64, 64, 3), np.uint8), quality=2)
    assert len(fresh.weights) == count
    assert fresh.build_all() is fresh


def test_coding_tables_are_stored_with_the_weights(model, tmp_path):
    image = _image((48, 48), seed=5)
    clone = _copy(model)
    clone.update_coding_tables()
    path = tmp_path / "codec.weights.h5"
    clone.save_weights(path)
    data = clone.compress(image, 2)
    loaded = msh.MeanScaleHyperprior.from_config(model.get_config()).build_all()
    loaded.load_weights(path)
    for prior in loaded.z_priors:  # perturb the density: stored tables must win
        prior.matrices[0].assign(prior.matrices[0] + 0.5)
    stored = loaded.z_coding_tables(2)
    np.testing.assert_array_equal(stored.counts, clone.z_coding_tables(2).counts)
    assert stored.counts.dtype.kind == "i"
    np.testing.assert_array_equal(loaded.decompress(data), clone.decompress(data))


def test_keras_archive_round_trip_in_safe_mode(model, tmp_path):
    clone = _copy(model)
    clone.update_coding_tables()
    path = tmp_path / "codec.keras"
    clone.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    image = _image((32, 32), seed=6)
    assert loaded.compress(image, 3) == clone.compress(image, 3)


def test_gradients_reach_every_trainable_variable_when_training(model):
    import tensorflow as tf

    image = _image((64, 64), seed=7)[None]
    with tf.GradientTape() as tape:
        out = model(image, quality=2, training=True)
        loss = tf.reduce_mean(out["bits"]) + tf.reduce_mean(
            tf.square(out["reconstruction"] - tf.cast(image, tf.float32)))
    others = {id(w) for p in (model.z_priors[0], model.z_priors[2])
              for w in p.trainable_variables}
    variables = [v for v in model.trainable_variables if id(v) not in others]
    assert len(variables) == len(model.trainable_variables) - len(others)
    gradients = tape.gradient(loss, variables)
    missing = [v.path for v, g in zip(variables, gradients) if g is None]
    assert not missing
    assert all(np.isfinite(np.asarray(g)).all() for g in gradients)
    nonzero = [np.abs(np.asarray(g)).max() > 0 for g in gradients]
    assert all(nonzero), [v.path for v, n in zip(variables, nonzero) if not n]
    noisy = model(image, quality=2, training=True)["bits"]
    assert float(noisy[0]) != float(out["bits"][0])  # fresh noise each call


def test_init_from_compressive_ae_copies_transforms_and_gains(tmp_path):
    cae = build_compressive_ae(filters=16, latent=16, lambdas=LAMBDAS)
    cae.log_gains.assign(cae.log_gains + 0.25)
    target = msh.build_mean_scale_hyperprior(**SMALL)
    hyper_before = [w.copy() for w in target.hyper_synthesis_transform.get_weights()]
    assert msh.init_from_compressive_ae(target, cae) is target
    pixels = _image((64, 64), seed=8)[None].astype(np.float32) / 255.0
    np.testing.assert_array_equal(target.analysis(pixels), cae.analysis(pixels))
    latents = np.asarray(cae.analysis(pixels))
    np.testing.assert_array_equal(target.synthesis(latents), cae.synthesis(latents))
    np.testing.assert_array_equal(target.log_gains, cae.log_gains)
    for before, after in zip(hyper_before, target.hyper_synthesis_transform.get_weights()):
        np.testing.assert_array_equal(before, after)
    path = tmp_path / "cae.weights.h5"  # from a weights file
    cae.save_weights(path)
    from_file = msh.init_from_compressive_ae(msh.build_mean_scale_hyperprior(**SMALL), path)
    np.testing.assert_array_equal(from_file.analysis(pixels), cae.analysis(pixels))
    with pytest.raises(ValueError, match="does not fit"):
        msh.init_from_compressive_ae(
            msh.build_mean_scale_hyperprior(**{**SMALL, "filters": 8}), cae)
    with pytest.raises(ValueError, match="gains"):
        msh.init_from_compressive_ae(
            msh.build_mean_scale_hyperprior(**{**SMALL, "lambdas": LAMBDAS[:2]}), cae)


def test_zoo_entry_builds_trains_and_ships_weights():
    from importlib.resources import files

    from jpegzoo import training, zoo
    from jpegzoo.imageio import read_image

    assert "mean_scale_hyperprior" in zoo.list()
    built = zoo.build("mean_scale_hyperprior", **SMALL)
    assert isinstance(built, msh.MeanScaleHyperprior) and built.stride == 64
    assert callable(training.trainer("mean_scale_hyperprior"))
    shipped = zoo.load("mean_scale_hyperprior")
    assert all(prior._tables is not None for prior in shipped.z_priors)  # integer tables
    image = read_image(files("jpegzoo") / "data" / "samples" / "kodim23_crop256.png")
    sizes = []
    for quality in (1, 3, 6):
        data = shipped.compress(image, quality)
        decoded = shipped.decompress(data)
        np.testing.assert_array_equal(decoded, _own_reconstruction(shipped, image, quality))
        sizes.append(len(data))
    assert sizes == sorted(sizes)  # higher levels spend more bits


def test_saved_model_signatures_match_the_python_coder(model, tmp_path):
    import tensorflow as tf

    from jpegzoo.export.saved_model import export_saved_model, load_serving, signature_summary
    from jpegzoo.layers.numerics import range_coding

    model = _copy(model)
    model.update_coding_tables()
    path = export_saved_model(model, tmp_path, name="codec")
    image = _image((70, 100), seed=9)
    encoded = load_serving(path, "encode")(image=image[None], quality=np.array([2]))
    z, symbols, indexes = msh.encode_latents(model, image, 2)
    np.testing.assert_array_equal(encoded["z"], z)
    np.testing.assert_array_equal(encoded["indexes"], indexes)
    np.testing.assert_array_equal(encoded["symbols"], symbols)
    side = load_serving(path, "indexes")(z=encoded["z"], quality=np.array([2]))
    np.testing.assert_array_equal(side["indexes"], indexes)
    decoded = load_serving(path, "decode")(z=encoded["z"], symbols=encoded["symbols"],
                                           quality=np.array([2]))["image"]
    own = _own_reconstruction(model, image, 2)
    difference = np.abs(decoded[0, :70, :100].astype(int) - own)
    assert difference.max() <= 1 and (difference == 0).mean() >= 0.999
    tables = load_serving(path, "coding_tables")()
    z_own, y_own = model.z_coding_tables(2), model.y_coding_tables()
    np.testing.assert_array_equal(tables["z_offsets"][1], z_own.offsets)
    np.testing.assert_array_equal(tables["z_counts"][1, :, :z_own.counts.shape[1]],
                                  z_own.counts)
    np.testing.assert_array_equal(tables["y_counts"], y_own.counts)
    np.testing.assert_array_equal(tables["y_offsets"], y_own.offsets)
    # a client range codes with the served tables and indexes; the bytes are compress's
    served = range_coding.CodingTables(tables["y_offsets"], tables["y_counts"].astype(np.int64),
                                       tables["y_sizes"])
    stream = read_jzc(model.compress(image, 2)).streams[1].data
    assert range_coding.encode(encoded["symbols"], served, encoded["indexes"]) == stream
    with pytest.raises(tf.errors.InvalidArgumentError, match="quality must be in 1..3"):
        load_serving(path, "encode")(image=image[None], quality=np.array([4]))
    summary = signature_summary(path)
    assert any("signature 'indexes'" in line for line in summary)


@pytest.fixture
def photos(sample_photos):
    return sample_photos


def _history(work):
    with open(work / "history.csv") as handle:
        return list(csv.DictReader(handle))


def test_trainer_runs_three_steps_and_resumes(tmp_path, photos):
    from jpegzoo.training import learned_codec as learned_training

    work = tmp_path / "work"
    options = dict(batch_size=2, crop=64, validate_every=3, **SMALL)
    best = learned_training.train("mean_scale_hyperprior", str(photos), str(work), steps=3,
                                  **options)
    learned_training.train("mean_scale_hyperprior", str(photos), str(work), steps=5,
                           **options)
    rows = _history(work)
    assert [int(r["step"]) for r in rows] == [3, 5]  # resumed at 3, not started over
    assert [key for key in rows[0] if key.startswith("q")] == ["q1", "q2", "q3"]
    loaded = msh.build_mean_scale_hyperprior(**SMALL)
    loaded.load_weights(best)
    assert all(prior._tables is not None for prior in loaded.z_priors)  # tables saved
    image = _image((40, 40), seed=10)
    np.testing.assert_array_equal(loaded.decompress(loaded.compress(image, 2)),
                                  _own_reconstruction(loaded, image, 2))


def test_trainer_density_and_transform_variables_split_the_model(tmp_path, photos):
    from jpegzoo.datasets.photo_crops import load_photos
    from jpegzoo.training.learned_codec import Trainer

    trainer = Trainer("mean_scale_hyperprior", tmp_path / "split", load_photos(str(photos)),
                      batch=2, crop=64, steps=1, **SMALL)
    density = {id(v) for v in trainer.density_variables()}
    transforms = {id(v) for v in trainer.transform_variables()}
    model = trainer.model
    assert density | transforms == {id(v) for v in model.trainable_variables}
    assert not density & transforms
    assert {id(model.log_gains), id(model.log_zgains)} <= density
    assert all(id(v) in transforms for v in model.hyper_synthesis_transform.trainable_variables)
    level2 = {id(v) for v in trainer.density_variables(2)}
    assert level2 >= {id(v) for v in model.z_priors[1].trainable_variables}
    assert not level2 & {id(v) for v in model.z_priors[0].trainable_variables}


def test_command_line_starts_from_the_shipped_compressive_ae(tmp_path, photos, capsys):
    """``--init-cae shipped``: the shipped weights; one warm-up step (rate 0) keeps them,
    so the saved analysis is compressive_ae's."""
    from jpegzoo import zoo
    from jpegzoo.cli import main

    work = tmp_path / "cli"
    assert main(["train", "mean_scale_hyperprior", "--images", str(photos), "--work",
                 str(work), "--steps", "1", "--batch-size", "1", "--crop", "64",
                 "--init-cae", "shipped"]) == 0
    assert capsys.readouterr().out.strip().endswith("mean_scale_hyperprior.weights.h5")
    trained = zoo.build("mean_scale_hyperprior")
    trained.load_weights(str(work / "mean_scale_hyperprior.weights.h5"))
    cae = zoo.load("compressive_ae")
    for ours, theirs in zip(trained.analysis_transform.weights, cae.analysis_transform.weights):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(trained.log_gains, cae.log_gains)
    assert main(["train", "compressive_ae", "--images", str(photos), "--work", str(work),
                 "--init-cae", "shipped"]) == 2
    assert "--init-cae does not apply to compressive_ae" in capsys.readouterr().err

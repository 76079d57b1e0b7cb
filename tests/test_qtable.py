"""Learned quantization tables: rate estimators, the differentiable objective, the per-image
optimizer, the qtable_generator zoo model and the ``qtable`` method."""

import io
import os

import jpeglib
import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from jpegzoo import metrics, zoo
from jpegzoo.imageio import decode_jpeg
from jpegzoo.jpeg.baseline import encode as write_jpeg
from jpegzoo.jpeg.baseline import image_to_levels
from jpegzoo.layers.numerics.standard import quality_to_qtables
from jpegzoo.layers.rate_estimators import LogMagnitudeRate, l1_level_proxy
from jpegzoo.zoo.qtable_generator import inference, method, rate_fit, rate_model
from jpegzoo.zoo.qtable_generator.generator import build_qtable_generator
from jpegzoo.zoo.qtable_generator.objective import RateDistortion, integer_tables
from jpegzoo.zoo.qtable_generator.optimizer import optimize_tables

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "jpegzoo", "data", "samples")


def _sample(name="kodim23_crop256.png"):
    return np.asarray(Image.open(os.path.join(SAMPLES, name)).convert("RGB"))


def _scaled(image, tables, subsampling="420"):
    """Scaled coefficients y = c / q of an image, as the objective computes them."""
    objective = RateDistortion(subsampling, rate_model.shipped_estimator())
    coefficients = objective.coefficients(tf.constant(image[None].astype(np.float32)))
    tables = tf.cast(tables, tf.float32)
    return {"luma": coefficients["luma"] / tables[0],
            "chroma": coefficients["chroma"] / tables[1]}


# ----------------------------------------------------------------------------- rate


def test_log_magnitude_rate_computes_the_fitted_model_on_real_levels():
    """The layer's forward pass on exact levels equals the fit's features times weights."""
    image = _sample()
    jpeg = image_to_levels(image, quality=60, subsampling="420")
    weights = rate_model.load_weights()
    layer = LogMagnitudeRate(**weights)
    total = 0.0
    for index, levels in enumerate(rate_fit.coded_grids(jpeg)):
        component = min(index, 1)
        theta = np.r_[weights["magnitude"][component], weights["nonzero"][component],
                      weights["any_ac"][component], weights["bias"][component]]
        expected = rate_fit.block_features(levels) @ theta
        got = layer.block_bits(levels.astype(np.float32)[None, :, :, None, :], component)
        np.testing.assert_allclose(np.ravel(got), expected, rtol=1e-4, atol=1e-3)
        total += expected.sum()
    exact, estimate, _ = rate_fit.image_estimates(jpeg, weights)
    assert estimate == pytest.approx(total, rel=1e-6)


@pytest.mark.parametrize("quality", [30, 60, 90])
def test_shipped_rate_estimate_is_close_to_the_exact_counter(quality):
    """Fitted on the training photos; on a Kodak crop within 8 % of the exact scan bits
    (the benchmark reports the error over all of Kodak)."""
    jpeg = image_to_levels(_sample("kodim05_crop256.png"), quality=quality)
    exact, estimate, _ = rate_fit.image_estimates(jpeg, rate_model.load_weights())
    assert abs(estimate - exact) / exact < 0.08


def test_rate_estimators_have_gradients_for_the_tables():
    image = _sample()
    tables = tf.Variable(quality_to_qtables(50).astype(np.float32))
    estimator = rate_model.shipped_estimator()
    for rate in (estimator, l1_level_proxy):
        with tf.GradientTape() as tape:
            scaled = _scaled(image, tables)
            bits = rate(scaled)
        gradient = tape.gradient(bits, tables).numpy()
        assert np.all(np.isfinite(gradient))
        assert np.all(gradient <= 1e-3)  # coarser steps never cost more bits
        assert (gradient < 0).sum() >= 32


def test_l1_proxy_is_the_sum_of_rounded_level_magnitudes():
    y = {"luma": tf.constant([[[[[0.4, -1.6, 2.5] + [0.0] * 61]]]])}
    assert float(l1_level_proxy(y)[0]) == pytest.approx(0 + 2 + 3)


def test_log_magnitude_rate_config_round_trips():
    layer = LogMagnitudeRate(**rate_model.load_weights())
    clone = LogMagnitudeRate.from_config(layer.get_config())
    y = _scaled(_sample(), quality_to_qtables(40))
    np.testing.assert_allclose(clone(y), layer(y), rtol=1e-6)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    np.testing.assert_allclose(restored(y), layer(y), rtol=1e-6)


# ----------------------------------------------------------------------------- objective


def test_integer_tables_round_clip_and_pass_gradients():
    tables = tf.Variable([[0.2, 3.4, 3.6, 300.0]])
    with tf.GradientTape() as tape:
        out = integer_tables(tables)
        total = tf.reduce_sum(out)
    np.testing.assert_array_equal(out.numpy(), [[1, 3, 4, 255]])
    np.testing.assert_array_equal(tape.gradient(total, tables).numpy(), [[0, 1, 1, 0]])


@pytest.mark.parametrize("subsampling", ["420", "444"])
def test_objective_sees_the_file_that_is_written(subsampling):
    """The objective's MS-SSIM (straight-through decode) is that of the written file decoded
    by Pillow, with the subsampling written, to within the float/integer IDCT difference."""
    image = _sample("kodim19_crop256.png")
    tables = np.stack([quality_to_qtables(35)[0], quality_to_qtables(70)[1]])
    objective = RateDistortion(subsampling, rate_model.shipped_estimator())
    pixels = tf.constant(image[None].astype(np.float32))
    bpp, quality = objective(pixels, objective.coefficients(pixels),
                             tf.constant(tables[None].astype(np.float32)))
    data = write_jpeg(image, qtables=tables, subsampling=subsampling, optimize=True)
    assert float(quality[0]) == pytest.approx(metrics.ms_ssim(image, decode_jpeg(data)),
                                              abs=1e-3)
    assert float(bpp[0]) == pytest.approx(8 * len(data) / image[..., 0].size, rel=0.12)


# ----------------------------------------------------------------------------- optimizer


def test_per_image_optimizer_lowers_its_objective_and_returns_baseline_tables():
    result = optimize_tables(_sample(), lam=40.0, steps=25)
    assert result.tables.shape == (2, 64) and result.tables.dtype == np.int32
    assert result.tables.min() >= 1 and result.tables.max() <= 255
    assert result.losses[-1] < result.losses[0]


# ----------------------------------------------------------------------------- generator


def test_generator_outputs_tables_in_range_for_any_size():
    model = build_qtable_generator()
    for shape in [(1, 1), (7, 13), (13, 7), (40, 33)]:
        image = np.random.default_rng(0).integers(0, 256, (2, *shape, 3), dtype=np.uint8)
        tables = model({"image": image, "lam": np.array([[5.0], [500.0]], np.float32)})
        tables = np.asarray(tables["tables"])
        assert tables.shape == (2, 2, 64)
        assert np.all((tables >= 1) & (tables <= 255))


def test_generator_config_round_trips():
    model = build_qtable_generator(width=32, depth=1)
    clone = type(model).from_config(model.get_config())
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert clone.get_layer("hidden0").units == 32


def test_shipped_generator_gives_coarser_tables_for_smaller_lambda():
    image = _sample()
    coarse, fine = inference.generator_tables(image, 5.0), inference.generator_tables(image, 500.0)
    assert coarse.mean() > 2 * fine.mean()


def test_generator_exports_as_saved_model(tmp_path):
    from jpegzoo.export import export_saved_model, load_serving

    model = zoo.load("qtable_generator")
    path = export_saved_model(model, str(tmp_path))
    served = load_serving(path)
    image = _sample()[None]
    lam = np.array([[30.0]], np.float32)
    expected = np.asarray(model({"image": image, "lam": lam})["tables"])
    np.testing.assert_allclose(served(image=image, lam=lam)["tables"], expected, rtol=1e-5)
    with pytest.raises(ValueError, match="image"):
        served(image=image.astype(np.float32), lam=lam)


# ----------------------------------------------------------------------------- method


@pytest.mark.parametrize("floor", [0.95, 0.99])
def test_target_msssim_floor_holds_on_the_decoded_file(floor, tmp_path):
    image = _sample("kodim14_crop256.png")
    data = method.encode(image, target_msssim=floor)
    assert metrics.ms_ssim(image, decode_jpeg(data)) >= floor
    # it is a baseline JPEG whose coefficients are those of the tables it declares
    path = tmp_path / "out.jpg"
    path.write_bytes(data)
    dct = jpeglib.read_dct(str(path))
    assert dct.qt.min() >= 1 and dct.qt.max() <= 255
    coarser = method.encode(image, target_msssim=floor - 0.02)
    assert len(coarser) < len(data)


def test_per_image_optimizer_meets_the_floor_too():
    image = _sample("kodim19_crop256.png")
    data = method.encode(image, target_msssim=0.97, per_image=True)
    assert metrics.ms_ssim(image, decode_jpeg(data)) >= 0.97


def test_quality_mode_matches_libjpeg_msssim_in_fewer_bytes():
    image = _sample("kodim05_crop256.png")
    reference = write_jpeg(image, quality=75, subsampling="420", optimize=True)
    data = method.encode(image, quality=75)
    assert metrics.ms_ssim(image, decode_jpeg(data)) >= metrics.ms_ssim(
        image, decode_jpeg(reference))
    assert len(data) < len(reference)


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (13, 7), (17, 33)])
def test_small_and_odd_images_open_in_pillow(shape):
    rng = np.random.default_rng(3)
    for image in (rng.integers(0, 256, (*shape, 3), dtype=np.uint8),
                  rng.integers(0, 256, shape, dtype=np.uint8)):
        for options in ({"quality": 50}, {"lam": 20.0}):
            data = method.encode(image, **options)
            decoded = np.asarray(Image.open(io.BytesIO(data)))
            assert decoded.shape == image.shape


def test_grey_image_meets_the_floor_with_one_component():
    grey = np.ascontiguousarray(_sample("kodim05_crop256.png")[..., 1])
    data = method.encode(grey, target_msssim=0.97)
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.mode == "L"
        assert metrics.ms_ssim(grey, np.asarray(decoded)) >= 0.97


def test_method_errors_are_clear():
    image = _sample()
    with pytest.raises(ValueError, match="either a lambda or a target"):
        method.encode(image, lam=3.0, target_msssim=0.9)
    with pytest.raises(ValueError, match="161 px"):
        method.encode(image[:100, :100], target_msssim=0.95)
    with pytest.raises(ValueError, match="between 0 and 1"):
        method.encode(image, target_msssim=1.5)
    with pytest.raises(ValueError, match="not reachable"):
        method.encode(image, target_msssim=0.999999)


def test_tables_from_statistics_once_equal_the_whole_models_forward_pass():
    """image_tables computes the image's statistics once and the MLP per lambda: the
    tables are bit-identical with the compiled whole model's."""
    generator = zoo.load("qtable_generator")

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8),
                                  tf.TensorSpec([1, 1], tf.float32)])
    def forward(image, lam):
        return generator({"image": image, "lam": lam})["tables"]

    for image in (_sample(), _sample("kodim05_crop256.png")[:131, :200]):
        tables = inference.image_tables(image, generator)
        for lam in (1.0, 17.3, 1000.0):
            np.testing.assert_array_equal(
                tables(lam), np.asarray(forward(image[None], np.array([[lam]], np.float32)))[0])

"""Tests of jpegzoo.metrics' perceptual metrics: the SSIMULACRA2 port against the
``ssimulacra2`` package, and the Butteraugli command wrapper."""

import io
import shutil
from importlib.resources import files

import numpy as np
import pytest

from jpegzoo import metrics

needs_package = pytest.mark.skipif(
    not __import__("importlib").util.find_spec("ssimulacra2"),
    reason="the ssimulacra2 package is not installed (pip install 'jpegzoo[metrics]')")
needs_butteraugli = pytest.mark.skipif(
    shutil.which("butteraugli") is None,
    reason="the butteraugli command is not installed (apt-get install butteraugli)")


def _sample(index=0):
    from PIL import Image

    samples = files("jpegzoo") / "data" / "samples"
    names = sorted(p.name for p in samples.iterdir() if p.name.endswith(".png"))
    return np.asarray(Image.open(str(samples / names[index])).convert("RGB"))


def _jpeg(image, quality):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer))


@needs_package
@pytest.mark.parametrize("quality", [5, 40, 90])
def test_ssimulacra2_equals_the_package_on_photos(quality):
    image = _sample(quality % 4)
    decoded = _jpeg(image, quality)
    assert metrics.ssimulacra2(image, decoded) == pytest.approx(
        metrics.ssimulacra2_package(image, decoded), abs=1e-8)


@needs_package
@pytest.mark.parametrize("shape", [(8, 8, 3), (9, 13, 3), (37, 61), (70, 33, 1), (130, 257, 3)])
def test_ssimulacra2_equals_the_package_on_odd_sizes_and_grey(shape):
    # Sizes below 256 px a side stop before six scales; odd sides exercise the halving.
    rng = np.random.default_rng(sum(shape))
    a = rng.integers(0, 256, shape).astype(np.uint8)
    b = np.clip(a + rng.normal(0, 20, shape), 0, 255).astype(np.uint8)
    assert metrics.ssimulacra2(a, b) == pytest.approx(metrics.ssimulacra2_package(a, b),
                                                      abs=1e-8)


def test_ssimulacra2_orders_qualities_and_is_100_for_identical_images():
    image = _sample(1)
    scores = [metrics.ssimulacra2(image, _jpeg(image, q)) for q in (10, 50, 95)]
    assert scores[0] < scores[1] < scores[2] < 100.0
    assert metrics.ssimulacra2(image, image) == 100.0
    assert metrics.ssimulacra2(image[..., 0], image[..., 0]) == 100.0


@pytest.mark.parametrize("a,b,message", [
    (np.zeros((16, 16, 3)), np.zeros((16, 16, 3)), "uint8"),
    (np.zeros((16, 16, 3), np.uint8), np.zeros((16, 17, 3), np.uint8), "differ"),
    (np.zeros((7, 16, 3), np.uint8), np.zeros((7, 16, 3), np.uint8), "8x8"),
    (np.zeros((16, 16, 4), np.uint8), np.zeros((16, 16, 4), np.uint8), "RGB"),
])
def test_ssimulacra2_rejects_bad_images(a, b, message):
    with pytest.raises(ValueError, match=message):
        metrics.ssimulacra2(a, b)


def test_ssimulacra2_package_missing_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ssimulacra2", None)  # makes the import fail
    image = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match=r"jpegzoo\[metrics\]"):
        metrics.ssimulacra2_package(image, image)


@needs_butteraugli
def test_butteraugli_orders_qualities():
    image = _sample(2)
    distances = [metrics.butteraugli(image, _jpeg(image, q)) for q in (10, 50, 95)]
    assert distances[0] > distances[1] > distances[2] > 0.0
    assert metrics.butteraugli(image, image) == 0.0
    assert metrics.butteraugli(image[..., 0], _jpeg(image[..., 0], 50)) > 0.0


def test_butteraugli_missing_command_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    image = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match="apt-get install butteraugli"):
        metrics.butteraugli(image, image)

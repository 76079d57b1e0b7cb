"""Tests of jpegzoo.datasets: image-folder builder, catalog loader, patch pipeline.

Offline and fast: the folders are made in tmp_path from the bundled sample PNGs (four
256x256 RGB) plus a grey PNG and a small 40x30 PNG in a sub-folder; every data_dir is in
tmp_path; network access is blocked wherever the catalog is used.
"""

import importlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

import jpegzoo
from jpegzoo.datasets import (
    DatasetError,
    DatasetUnavailableError,
    UnknownDatasetError,
    catalog,
    image_folder,
    load,
    patch_pipeline,
    resolve_data_dir,
)
from jpegzoo.datasets.folder_builder import ImageFolderBuilder
from jpegzoo.datasets.folder_split import list_images, split_of
from jpegzoo.datasets.patches import random_crop

catalog_module = importlib.import_module("jpegzoo.datasets.catalog")
SAMPLES = Path(jpegzoo.__file__).parent / "data" / "samples"


def _make_folder(folder):
    """The test folder: 4 samples, grey.png (48x64 grey), sub/small.png (30x40 RGB)."""
    folder.mkdir()
    for sample in sorted(SAMPLES.glob("*.png")):
        shutil.copy(sample, folder / sample.name)
    grey = (np.arange(48 * 64) % 256).astype(np.uint8).reshape(48, 64)
    Image.fromarray(grey).save(folder / "grey.png")
    (folder / "sub").mkdir()
    small = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    Image.fromarray(small).save(folder / "sub" / "small.png")
    return folder


def _names(dataset):
    return [example["filename"].numpy().decode() for example in dataset]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """(folder, data_dir) with the folder prepared once for the module."""
    root = tmp_path_factory.mktemp("datasets")
    folder, data_dir = _make_folder(root / "images"), root / "data"
    image_folder(folder, data_dir=data_dir)
    return folder, data_dir


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection or look up a host fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, *args: refuse(*args))


# --- image_folder ---------------------------------------------------------------------

def test_listing_is_recursive_and_sorted(prepared):
    folder, _ = prepared
    assert list_images(folder) == ["grey.png", "kodim05_crop256.png", "kodim14_crop256.png",
                                   "kodim19_crop256.png", "kodim23_crop256.png", "sub/small.png"]


def test_splits_are_complete_disjoint_and_follow_the_hash(prepared):
    folder, data_dir = prepared
    train = _names(image_folder(folder, "train", data_dir=data_dir))
    validation = _names(image_folder(folder, "validation", data_dir=data_dir))
    assert sorted(train + validation) == list_images(folder)
    assert not set(train) & set(validation)
    assert validation and set(validation) == {
        name for name in list_images(folder) if split_of(name, 0.1) == "validation"}
    assert _names(image_folder(folder, "train", data_dir=data_dir)) == train  # stable


def test_images_are_uint8_rgb_and_exact(prepared):
    folder, data_dir = prepared
    dataset = image_folder(folder, "train+validation", data_dir=data_dir)
    assert dataset.element_spec["image"] == tf.TensorSpec([None, None, 3], tf.uint8)
    for example in dataset:
        name, image = example["filename"].numpy().decode(), example["image"].numpy()
        original = np.asarray(Image.open(folder / name))
        if original.ndim == 2:
            assert (image == original[:, :, None]).all()
        else:
            assert (image == original).all()


def test_second_call_reuses_the_prepared_copy(prepared, monkeypatch):
    folder, data_dir = prepared

    def fail(*args, **kwargs):
        raise AssertionError("prepared again")

    monkeypatch.setattr(ImageFolderBuilder, "_split_generators", fail)
    start = time.perf_counter()
    assert len(_names(image_folder(folder, data_dir=data_dir))) == 5
    assert time.perf_counter() - start < 2.0
    assert (data_dir / "jpegzoo_image_folder").is_dir()


def test_changed_folder_is_prepared_again_and_splits_are_kept(tmp_path):
    folder, data_dir = _make_folder(tmp_path / "images"), tmp_path / "data"
    before = _names(image_folder(folder, "validation", data_dir=data_dir, validation_fraction=0.5))
    for index in range(6):
        shutil.copy(folder / "grey.png", folder / f"added{index}.png")
    after = _names(image_folder(folder, "validation", data_dir=data_dir, validation_fraction=0.5))
    assert set(before) <= set(after) and len(after) > len(before)


def test_missing_folder_empty_folder_and_a_file(tmp_path):
    with pytest.raises(DatasetError, match="no such folder"):
        image_folder(tmp_path / "nowhere", data_dir=tmp_path / "data")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not an image")
    with pytest.raises(DatasetError, match="no image files"):
        image_folder(tmp_path / "empty", data_dir=tmp_path / "data")
    with pytest.raises(DatasetError, match="not a folder"):
        image_folder(tmp_path / "empty" / "notes.txt", data_dir=tmp_path / "data")


def test_unreadable_image_is_named(tmp_path):
    folder = _make_folder(tmp_path / "images")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ValueError, match="broken.png"):
        image_folder(folder, data_dir=tmp_path / "data")


def test_empty_split_and_bad_fraction(prepared):
    folder, data_dir = prepared
    with pytest.raises(DatasetError, match="'validation' is empty"):
        image_folder(folder, "validation", data_dir=data_dir, validation_fraction=0.0)
    with pytest.raises(DatasetError, match="validation_fraction"):
        image_folder(folder, data_dir=data_dir, validation_fraction=1.5)


def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("JPEGZOO_DATA_DIR", raising=False)
    assert resolve_data_dir().endswith("/.cache/jpegzoo/tensorflow_datasets")
    monkeypatch.setenv("JPEGZOO_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == str(tmp_path / "env")
    assert resolve_data_dir(tmp_path / "arg") == str(tmp_path / "arg")


def test_load_picks_folder_or_catalog(prepared, no_network):
    folder, data_dir = prepared
    assert len(_names(load(str(folder), data_dir=data_dir))) == 5
    with pytest.raises(UnknownDatasetError, match="no such folder"):
        load("surely_not_a_dataset", data_dir=data_dir)
    with pytest.raises(DatasetError, match="no such folder"):
        load("./not/here", data_dir=data_dir)


def test_import_is_light():
    code = ("import sys, jpegzoo.datasets; "
            "print(sorted({'tensorflow', 'tensorflow_datasets'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


# --- catalog --------------------------------------------------------------------------

def test_catalog_offline_fails_fast(tmp_path, monkeypatch, no_network):
    monkeypatch.setattr(catalog_module, "network_reachable", lambda *args, **kwargs: False)
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailableError, match="network") as caught:
        catalog("div2k", data_dir=tmp_path)
    assert time.perf_counter() - start < 5.0
    assert "div2k" in str(caught.value) and "image_folder" in str(caught.value)
    assert isinstance(caught.value, ConnectionError)


def test_catalog_without_download_does_not_probe(tmp_path, monkeypatch, no_network):
    monkeypatch.setattr(catalog_module, "network_reachable", pytest.fail)
    with pytest.raises(DatasetUnavailableError, match="download=False"):
        catalog("clic", data_dir=tmp_path, download=False)


def test_catalog_unknown_name(tmp_path, no_network):
    with pytest.raises(UnknownDatasetError, match="did you mean div2k"):
        catalog("div2kk", data_dir=tmp_path)


class JpegzooTinyCatalogTest(tfds.core.GeneratorBasedBuilder):
    """A registered two-image dataset shaped like div2k (``hr`` and ``lr``)."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        image = tfds.features.Image(shape=(None, None, 3))
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict(
            {"hr": image, "lr": image}))

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        for index in range(2):
            hr = np.full((8, 6, 3), index, np.uint8)
            yield index, {"hr": hr, "lr": hr[::2, ::2]}


def test_catalog_prepared_dataset_loads_offline(tmp_path, monkeypatch, no_network):
    JpegzooTinyCatalogTest(data_dir=tmp_path).download_and_prepare()
    monkeypatch.setattr(catalog_module, "network_reachable", pytest.fail)
    images = [example["image"].numpy() for example in
              catalog("jpegzoo_tiny_catalog_test", data_dir=tmp_path)]
    assert sorted(image[0, 0, 0] for image in images) == [0, 1]
    assert all(image.shape == (8, 6, 3) for image in images)


def test_network_probe_on_localhost():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert catalog_module.network_reachable(("127.0.0.1", port), timeout=1.0)
    assert not catalog_module.network_reachable(("127.0.0.1", port), timeout=1.0)


# --- patch_pipeline -------------------------------------------------------------------

def _random_images(sizes, seed=0):
    rng = np.random.default_rng(seed)
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in sizes]
    return tf.data.Dataset.from_generator(
        lambda: iter(images), output_signature=tf.TensorSpec([None, None, 3], tf.uint8))


def _take(dataset, count):
    return [batch.numpy() for batch in dataset.take(count)]


def test_patches_shape_dtype_and_range(prepared):
    folder, data_dir = prepared
    dataset = patch_pipeline(image_folder(folder, data_dir=data_dir), patch_size=64,
                             batch_size=4, seed=0)
    assert dataset.element_spec == tf.TensorSpec([4, 64, 64, 3], tf.float32)
    for batch in _take(dataset, 3):
        assert batch.shape == (4, 64, 64, 3) and batch.dtype == np.float32
        assert 0.0 <= batch.min() and batch.max() <= 255.0
        assert (batch == np.round(batch)).all()


def test_patches_are_deterministic_given_a_seed():
    images = _random_images([(100, 80), (90, 120), (64, 64)])
    first = _take(patch_pipeline(images, 32, 2, seed=7), 6)
    again = _take(patch_pipeline(images, 32, 2, seed=7), 6)
    other = _take(patch_pipeline(images, 32, 2, seed=8), 6)
    assert all((a == b).all() for a, b in zip(first, again))
    assert any((a != b).any() for a, b in zip(first, other))


def test_patches_without_augment_are_crops_of_the_image():
    image = np.random.default_rng(1).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    dataset = tf.data.Dataset.from_tensors({"image": image, "label": 0})
    [batch] = _take(patch_pipeline(dataset, 16, 1, augment=False, repeat=False, seed=3), 1)
    windows = np.lib.stride_tricks.sliding_window_view(image, (16, 16, 3))[:, :, 0]
    assert (windows == batch[0].astype(np.uint8)).all(axis=(2, 3, 4)).any()


def test_small_images_are_mirror_padded_or_dropped():
    small = np.arange(30 * 40 * 3, dtype=np.int64).reshape(30, 40, 3) % 251
    padded = random_crop(tf.constant(small.astype(np.uint8)), 64, tf.constant([0, 1])).numpy()
    assert padded.shape == (64, 64, 3)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (30, 40, 3))[:, :, 0]
    assert (windows == small).all(axis=(2, 3, 4)).any()  # the whole image is inside
    images = _random_images([(30, 40), (80, 80)])
    assert len(_take(patch_pipeline(images, 64, 1, repeat=False, seed=0), 5)) == 2
    kept = _take(patch_pipeline(images, 64, 1, repeat=False, seed=0, min_size=64), 5)
    assert len(kept) == 1


def test_grey_input_and_bad_inputs():
    grey = tf.data.Dataset.from_tensors(np.full((40, 40, 1), 9, np.uint8))
    [batch] = _take(patch_pipeline(grey, 8, 1, repeat=False), 1)
    assert batch.shape == (1, 8, 8, 3) and (batch == 9).all()
    with pytest.raises(DatasetError, match="uint8"):
        patch_pipeline(tf.data.Dataset.from_tensors(np.zeros((8, 8, 3), np.float32)), 4, 1)
    with pytest.raises(DatasetError, match="'image' key"):
        patch_pipeline(tf.data.Dataset.from_tensors({"hr": np.zeros((8, 8, 3), np.uint8)}), 4, 1)
    with pytest.raises(DatasetError, match="patch_size"):
        patch_pipeline(grey, 0, 1)

"""Fixtures shared by the test modules."""

import shutil
from importlib.resources import files

import pytest


@pytest.fixture
def sample_photos(tmp_path):
    """A folder holding three of the bundled 256x256 samples (a tiny training set)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    samples = files("jpegzoo") / "data" / "samples"
    for name in ("kodim05_crop256.png", "kodim19_crop256.png", "kodim23_crop256.png"):
        shutil.copy(str(samples / name), folder / name)
    return folder

"""lossless_predictor: files decode to the exact input, by wavefronts
of exact integer predictions."""

import numpy as np
import pytest
from crafted_files import renamed

from jpegzoo.zoo.lossless_predictor import model as lp


@pytest.fixture(scope="module")

def model():
    model = lp.build_lossless_predictor(hidden=(8,))
    model.fix_tables()
    return model


def test_wavefronts_cover_every_pixel_once_after_its_causal_neighbours():
    height, width = 5, 7
    order = np.full((height, width), -1)
    for t, (ys, xs) in enumerate(lp.wavefronts(height, width)):
        assert (order[ys, xs] == -1).all()
        order[ys, xs] = t
    assert (order >= 0).all()
    for dy, dx in lp.NEIGHBOURS:
        for y in range(height):
            for x in range(width):
                if 0 <= y + dy < height and 0 <= x + dx < width:
                    assert order[y + dy, x + dx] < order[y, x]


@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (6, 1), (7, 13), (32, 24)])
def test_round_trip_is_exact(model, shape):
    image = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 3), dtype=np.uint8)
    np.testing.assert_array_equal(model.decompress(model.compress(image)), image)


def test_integer_predictions_follow_the_float_model(model):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    features, bases = lp.context(lp.padded(image), np.arange(16), np.arange(16), 1)
    predicted, _ = lp.integer_predict(lp.integer_parameters(model), features, bases)
    mean = np.asarray(model(features))[:, 0]
    expected = np.clip(bases + np.round(mean), 0, 255)
    assert np.abs(predicted - expected).max() <= 1


def test_corrupt_files_are_refused(model):
    image = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    data = model.compress(image)
    with pytest.raises(ValueError, match="jzc"):
        model.decompress(data[:-3])
    with pytest.raises(ValueError, match="model 'other'"):
        model.decompress(renamed(model.compress(image), "other"))

"""RD-OPT quantization tables (jpegzoo.jpeg.table_search): the search finds the cost
minimum its model defines, and the trade-off moves the tables the right way."""

import numpy as np
import pytest

from jpegzoo.jpeg.table_search import CANDIDATE_STEPS, rd_qtable


def _blocks(n=300, seed=0):
    """Laplacian coefficients in libjpeg's scale, larger at low frequencies."""
    rng = np.random.default_rng(seed)
    u = np.arange(8)
    scale = 8 * 200.0 / (1 + u[:, None] + u[None, :]).reshape(64)
    return rng.laplace(0, 1, (n, 64)) * scale


def _model_cost(x, k, step, mu, weights, starts):
    """The module's cost written out in numpy (category entropy + magnitude bits +
    mu x weighted squared pixel error)."""
    levels = np.sign(x[:, k]) * np.floor(np.abs(x[:, k]) / (8 * step) + 0.5)
    error = x[:, k] - 8 * step * levels
    distortion = np.sum(weights / 64 * error**2)
    symbols = levels.astype(np.int64)
    if k == 0:
        previous = np.r_[0, symbols[:-1]]
        previous[starts] = 0
        symbols = symbols - previous
    sizes = np.array([int(abs(s)).bit_length() for s in symbols])
    counts = np.bincount(sizes)
    present = counts > 0
    bits = np.sum(counts[present] * (np.log2(len(sizes) / counts[present])
                                     + np.arange(counts.size)[present]))
    return bits + mu * distortion


@pytest.mark.parametrize("mu", [0.002, 0.02, 0.2])
def test_chosen_steps_are_at_the_model_minimum(mu):
    x = _blocks()
    weights = np.linspace(0.5, 2.0, x.shape[0])
    starts = np.zeros(x.shape[0], dtype=bool)
    starts[[0, 150]] = True
    table = rd_qtable(x, weights, mu, chain_starts=starts)
    for k in (0, 1, 9, 27, 63):
        costs = {int(s): _model_cost(x, k, s, mu, weights, starts) for s in CANDIDATE_STEPS}
        best = min(costs.values())
        # the coarse-then-fine scan may miss the exact minimum only by a hair
        assert costs[int(table[k])] <= best + 1e-3 * abs(best) + 1e-6, k


def test_larger_mu_gives_finer_tables():
    x = _blocks()
    weights = np.ones(x.shape[0])
    tables = [rd_qtable(x, weights, mu) for mu in (0.001, 0.01, 0.1, 1.0)]
    means = [t.astype(float).mean() for t in tables]
    assert means == sorted(means, reverse=True)
    assert means[0] > 2 * means[-1]
    for table in tables:
        assert table.dtype == np.int32 and table.min() >= 1 and table.max() <= 255


def test_frequency_weights_coarsen_the_weighted_down_positions():
    x = _blocks()
    weights = np.ones(x.shape[0])
    falloff = np.ones(64)
    falloff[32:] = 0.05
    plain = rd_qtable(x, weights, 0.02)
    weighted = rd_qtable(x, weights, 0.02, frequency_weights=falloff)
    assert np.all(weighted[32:] >= plain[32:]) and np.any(weighted[32:] > plain[32:])
    assert np.array_equal(weighted[:32], plain[:32])


def test_bad_arguments_are_refused():
    x = _blocks(10)
    with pytest.raises(ValueError, match="mu"):
        rd_qtable(x, np.ones(10), 0.0)
    with pytest.raises(ValueError, match="1..255"):
        rd_qtable(x, np.ones(10), 0.1, steps=[0, 4])

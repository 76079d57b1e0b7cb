"""The mutated JPEG encoder: valid files with exactly the chosen levels, a choice never
worse than rounding, exact DC paths, the decoder model, mining determinism, the method."""

import io
import itertools
import os
import tempfile

import numpy as np
import pytest
from PIL import Image

from jpegzoo.jpeg.writer import encode_scan, write_jpeg
from jpegzoo.layers.numerics.huffman import STD_DC_TABLES
from jpegzoo.layers.numerics.standard import ZIGZAG, quality_to_qtables
from jpegzoo.zoo.mutated_jpeg import candidates as cands
from jpegzoo.zoo.mutated_jpeg import encoder as encoder_module
from jpegzoo.zoo.mutated_jpeg import mining, mutation_sets
from jpegzoo.zoo.mutated_jpeg.dc_path import best_dc_path, dc_bits
from jpegzoo.zoo.mutated_jpeg.distortion import DecodedImage
from jpegzoo.zoo.mutated_jpeg.encoder import MutatedEncoder
from jpegzoo.zoo.mutated_jpeg.method import load_codec
from jpegzoo.zoo.mutated_jpeg.reconstruction import decode_plane, upsample_plane, ycbcr_to_rgb


def encode(image, **options):
    """The shipped codec's ``compress`` (the ``mutated`` method)."""
    return load_codec().compress(image, **options)

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "jpegzoo", "data", "samples")


def _sample(name="kodim23_crop256.png", size=None):
    path = sorted(p for p in os.listdir(SAMPLES) if p.endswith(".png"))
    image = np.asarray(Image.open(os.path.join(SAMPLES, name if name in path else path[0]))
                       .convert("RGB"))
    return image if size is None else np.ascontiguousarray(image[:size[0], :size[1]])


def _encoder(**options):
    return MutatedEncoder(mutation_sets.single_steps(), trellis_depth=3, **options)


def _lam(quality, mu=80.0):
    return mu / (3.0 * quality_to_qtables(quality)[0].mean() ** 2)


def _read_dct(data):
    import jpeglib

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "x.jpg")
        with open(path, "wb") as handle:
            handle.write(data)
        dct = jpeglib.read_dct(path)
        return [dct.Y] + ([dct.Cb, dct.Cr] if dct.has_chrominance else [])


@pytest.mark.parametrize("size,channels,subsampling,optimize,restart", [
    ((1, 1), 3, "444", False, 0), ((7, 13), 3, "420", False, 0), ((13, 7), 3, "420", True, 0),
    ((33, 17), 3, "444", True, 2), ((29, 45), 1, "444", False, 0), ((64, 80), 3, "420", False, 3),
    ((40, 56), 1, "444", True, 1)])
def test_files_decode_to_the_chosen_levels(size, channels, subsampling, optimize, restart):
    image = _sample(size=size)
    if channels == 1:
        image = image[:, :, 0]
    levels, stats = _encoder().encode_levels(image, quality_to_qtables(60), _lam(60),
                                             subsampling, optimize, restart)
    data = write_jpeg(levels, optimize=optimize, restart_interval=restart)
    with Image.open(io.BytesIO(data)) as decoded:
        decoded.load()
        assert decoded.size == (size[1], size[0])
        assert decoded.mode == ("L" if channels == 1 else "RGB")
    for comp, coefficients in zip(levels.components, _read_dct(data)):
        rows, cols = coefficients.shape[:2]
        expected = comp.levels[:rows, :cols].reshape(rows, cols, 8, 8)
        np.testing.assert_array_equal(coefficients, expected)
    assert stats.chosen_cost <= stats.rounding_cost + 1e-6


def _full_cost(image, levels, lam, weighted_image):
    """bits (the writer's exact count) + lam * weighted SSE of the model-decoded image."""
    bits = encode_scan(levels).block_bits.sum()
    grids = [c.levels[..., ZIGZAG] for c in levels.components]
    tables = [c.qtable[ZIGZAG] for c in levels.components]
    planes = [decode_plane(g, q) for g, q in zip(grids, tables)]
    h, w = image.shape[:2]
    decoded = ycbcr_to_rgb(*planes)[:h, :w] if len(planes) == 3 else planes[0][:h, :w, None]
    target = image.reshape(h, w, -1).astype(np.int32)
    weights = weighted_image.weights[:h, :w, None]
    return bits + lam * float((((decoded - target) ** 2) * weights).sum())


@pytest.mark.parametrize("grey", [False, True])
def test_chosen_cost_is_never_above_rounding_on_the_whole_image(grey):
    """Independent of the encoder's bookkeeping: the writer's bits plus lambda times the
    weighted error of the decoded image, for the chosen levels and for plain rounding."""
    image = _sample(size=(96, 128))
    if grey:
        image = np.ascontiguousarray(image[:, :, 1])
    tables, lam = quality_to_qtables(50), _lam(50)
    encoder = _encoder()
    chosen, stats = encoder.encode_levels(image, tables, lam, "444")
    rounding, _ = MutatedEncoder({"luma": np.zeros((0, 64), np.int8),
                                  "chroma": np.zeros((0, 64), np.int8)},
                                 trellis_depth=0).encode_levels(image, tables, 1e9, "444")
    pixels = image.reshape(image.shape[0], image.shape[1], -1)
    weights = DecodedImage(pixels, [np.zeros((12, 16, 64), np.int32)] * pixels.shape[2],
                           [np.ones(64)] * pixels.shape[2], 1)
    chosen_cost = _full_cost(image, chosen, lam, weights)
    rounding_cost = _full_cost(image, rounding, lam, weights)
    assert chosen_cost <= rounding_cost
    assert stats.changed_blocks > 0 and chosen_cost < rounding_cost
    if grey:  # one component: the encoder's own accounting is the whole-image cost
        np.testing.assert_allclose(stats.chosen_cost, chosen_cost, rtol=1e-9)
        np.testing.assert_allclose(stats.rounding_cost, rounding_cost, rtol=1e-9)


def test_dc_path_matches_brute_force():
    rng = np.random.default_rng(3)
    n = 6
    costs = rng.uniform(0, 20, size=(n, 3))
    costs[2, 0] = 1e30
    values = rng.integers(-40, 40, size=n)[:, None] + np.arange(-1, 2)[None]
    restart = np.array([True, False, False, True, False, False])
    lengths = STD_DC_TABLES[0].lengths
    choice, total = best_dc_path(costs, values, restart, lengths)
    best = np.inf
    for path in itertools.product(range(3), repeat=n):
        dc = values[np.arange(n), path]
        pred = np.r_[0, dc[:-1]]
        pred[restart] = 0
        best = min(best, costs[np.arange(n), path].sum() + dc_bits(dc - pred, lengths).sum())
    assert total == pytest.approx(best)
    dc = values[np.arange(n), choice]
    pred = np.r_[0, dc[:-1]]
    pred[restart] = 0
    assert costs[np.arange(n), choice].sum() + dc_bits(dc - pred, lengths).sum() == \
        pytest.approx(best)


def test_candidates_apply_sign_normalized_mutations_and_truncations():
    normalized = np.zeros((1, 64), np.float32)
    normalized[0, [0, 1, 2, 5]] = [10.2, -2.6, 1.4, 0.8]
    rounded = cands.round_levels(normalized)
    signs = cands.coefficient_signs(normalized)
    mutation = np.zeros((1, 64), np.int8)
    mutation[0, [1, 3]] = [-1, 1]  # towards zero at 1 (negative), away from zero at 3
    out = cands.mutated(rounded, signs, mutation)[0, 0]
    assert out[1] == -2 and out[3] == 1 and out[0] == 10
    tails = cands.truncated(rounded, 3)[0]
    assert (tails[0][[1, 2, 5]] == [-3, 1, 0]).all()
    assert (tails[1][[1, 2, 5]] == [-3, 0, 0]).all()
    assert (tails[2][1:] == 0).all() and tails[2][0] == 10


def test_decoder_model_matches_pillow():
    """The model differs from libjpeg-turbo only through the float inverse DCT."""
    image = _sample(size=(64, 96))
    for subsampling in ("444", "420"):
        levels, _ = _encoder().encode_levels(image, quality_to_qtables(75), _lam(75),
                                             subsampling)
        data = write_jpeg(levels)
        pillow = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(np.int32)
        grids = [c.levels[..., ZIGZAG] for c in levels.components]
        planes = [decode_plane(g, c.qtable[ZIGZAG]) for g, c in zip(grids, levels.components)]
        if subsampling == "420":
            planes[1:] = [upsample_plane(p, 32, 48) for p in planes[1:]]
        model = ycbcr_to_rgb(*planes)[:64, :96]
        difference = np.abs(model - pillow)
        assert difference.max() <= 3
        assert (difference == 0).mean() > 0.97


def test_mining_is_deterministic_and_resumable(tmp_path):
    paths = sorted(os.path.join(SAMPLES, p) for p in os.listdir(SAMPLES) if p.endswith(".png"))
    config = mining.MiningConfig(blocks_per_image=60, pool_size=32, set_size=8, seed=5)
    first = mining.mine(paths, str(tmp_path / "a"), str(tmp_path / "a.npz"), (50,), config,
                        processes=1, progress=False)[0]
    again = mining.mine(paths, str(tmp_path / "b"), str(tmp_path / "b.npz"), (50,), config,
                        processes=1, progress=False)[0]
    resumed = mining.mine(paths, str(tmp_path / "a"), str(tmp_path / "c.npz"), (50,), config,
                          processes=1, progress=False)[0]
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
        np.testing.assert_array_equal(first[key], resumed[key])
    assert len(first[(50, "luma")]) > 0
    loaded = mutation_sets.load(str(tmp_path / "a.npz"))
    np.testing.assert_array_equal(loaded[(50, "luma")][0], first[(50, "luma")])


def test_coordinate_descent_never_increases_the_cost():
    rng = np.random.default_rng(0)
    normalized = rng.laplace(scale=1.5, size=(200, 64)) / (1 + np.arange(64) / 8)
    qtable = quality_to_qtables(50)[0][ZIGZAG]
    rounded = cands.round_levels(normalized)
    cost = mining.BlockCost(normalized, np.zeros(200, int), np.ones(200), qtable, "luma", 0.001)
    final = mining.coordinate_descent(cost, rounded, l1_bound=4)
    rows = np.arange(200)
    assert (cost(final, rows) <= cost(rounded, rows) + 1e-9).all()
    assert (np.abs(final - rounded).sum(axis=1) <= 4).all()
    assert (final != rounded).any()


def test_method_encode_options_and_errors():
    image = _sample(size=(48, 64))
    default = encode(image, quality=70, subsampling="444")
    lam = encode(image, quality=70, subsampling="444", lam=1e6)
    assert default[:2] == b"\xff\xd8" and lam[:2] == b"\xff\xd8"
    with pytest.raises(ValueError, match="lambda or a target"):
        encode(image, lam=10.0, target_ssim=0.9)
    with pytest.raises(ValueError, match="444 and 420"):
        encode(image, subsampling="422")
    with pytest.raises(ValueError, match="Annex K"):
        encode(image, optimize=True, rate="cnn")


def test_target_ssim_is_reached():
    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg

    image = _sample(size=(64, 64))
    data = encode(image, subsampling="444", target_ssim=0.9)
    assert metrics.ssim(image, decode_jpeg(data)) >= 0.9


def test_cnn_rate_option_gives_a_valid_file():
    image = _sample(size=(16, 24))
    data = encode(image, quality=50, subsampling="444", rate="cnn")
    assert Image.open(io.BytesIO(data)).size == (24, 16)


def test_mozjpeg_reference_encoder():
    from jpegzoo.reference_codecs import mozjpeg_encode

    image = _sample(size=(32, 48))
    for subsampling in ("444", "420"):
        data = mozjpeg_encode(image, 75, subsampling)
        assert Image.open(io.BytesIO(data)).size == (48, 32)
    assert Image.open(io.BytesIO(mozjpeg_encode(image[:, :, 0], 75))).mode == "L"


def test_shipped_sets_and_operating_points_cover_every_quality():
    from jpegzoo import zoo

    codec = zoo.load("mutated_jpeg")
    for quality in (10, 20, 30, 40, 50, 60, 70, 80, 90, 95):
        for component in ("luma", "chroma"):
            vectors, wins = codec.sets[(quality, component)]
            assert vectors.shape[1] == 64 and 0 < len(vectors) <= 64
            assert (np.diff(wins) <= 0).all() and (np.abs(vectors).sum(axis=1) > 0).all()
        for subsampling in ("444", "420"):
            assert 0 < codec.points["scales"][subsampling][quality]
    assert isinstance(zoo.build("mutated_jpeg").sets, dict)


def test_anchor_option():
    image = _sample(size=(24, 40))
    tables, lam = quality_to_qtables(50), _lam(50)
    for anchor in ("trellis", "rounding"):
        levels, stats = _encoder(anchor=anchor).encode_levels(image, tables, lam, "420", True)
        assert stats.chosen_cost <= stats.rounding_cost + 1e-6
        assert write_jpeg(levels, optimize=True)[:2] == b"\xff\xd8"
    with pytest.raises(ValueError, match="anchor"):
        _encoder(anchor="mozjpeg")


@pytest.mark.parametrize("optimize", [False, True])
def test_scoring_in_chunks_of_blocks_gives_the_same_file_and_stats(optimize, monkeypatch):
    """Candidates are scored a chunk of blocks at a time (bounded memory); chunks of a
    few blocks, of an odd size and of every block choose the same levels."""
    image = _sample(size=(72, 104))
    results = []
    for blocks in (1, 7, 10**9):
        monkeypatch.setattr(encoder_module, "CHUNK_BLOCKS", blocks)
        levels, stats = _encoder().encode_levels(image, quality_to_qtables(60), _lam(60),
                                                 "420", optimize)
        results.append((write_jpeg(levels, optimize=optimize), stats))
    assert results[0] == results[1] == results[2]
    assert results[0][1].changed_blocks > 0

"""Tiled transforms (jpegzoo.zoo.tiling) and the bounded-memory paths of the codecs: the
cones computed from the layers contain every true dependency (one-pixel perturbations),
tiles cover each output once, tiled encodes and decodes equal whole-image ones on images
larger than a (small, for speed) tile, and a tiled file decodes to the same pixels in
another process."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jpegzoo.lazy import resolve
from jpegzoo.zoo import learned_codec, tiling
from jpegzoo.zoo.recurrent_residual_ae import model as rr

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAMBDAS = [0.002, 0.01, 0.05]
#: Small untrained codecs: builder and configuration.
CODECS = {
    "compressive_ae": ("jpegzoo.zoo.compressive_ae:build_compressive_ae",
                       dict(filters=8, latent=6, lambdas=LAMBDAS)),
    "dct_block_ae": ("jpegzoo.zoo.dct_block_ae:build_dct_block_ae",
                     dict(filters=8, latent=6, lambdas=LAMBDAS)),
    "mean_scale_hyperprior": ("jpegzoo.zoo.mean_scale_hyperprior:build_mean_scale_hyperprior",
                              dict(filters=8, latent=8, hyper=8, lambdas=LAMBDAS)),
    "recurrent_residual_ae": ("jpegzoo.zoo.recurrent_residual_ae:build_recurrent_residual_ae",
                              dict(filters=16, bits=8)),
}


def _build(name):
    builder, config = CODECS[name]
    return resolve(builder)(**config)


@pytest.fixture(scope="module", params=sorted(CODECS)[:3])
def codec(request):
    keras.utils.set_random_seed(3)
    return _build(request.param)


@pytest.fixture(scope="module")
def rnn():
    keras.utils.set_random_seed(4)
    return _build("recurrent_residual_ae")


def _photo(shape, seed=0):
    """A smooth random image with noise (photo-like enough for the transforms)."""
    rng = np.random.default_rng(seed)
    smooth = rng.integers(0, 256, (shape[0] // 8 + 2, shape[1] // 8 + 2, 3)).astype(float)
    image = np.kron(smooth, np.ones((8, 8, 1)))[:shape[0], :shape[1]]
    return np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)


def _changed_span(before, after):
    """(first, last) index along each spatial axis where two ``[1, H, W, C]`` differ."""
    rows, cols = np.nonzero(np.any(np.asarray(before) != np.asarray(after), axis=(0, 3)))
    return (rows.min(), rows.max()), (cols.min(), cols.max())


def _assert_within_cone(changed, cone, position, input_step):
    """The first and last changed output (``changed``: their indices along an axis) read
    the perturbed input, index ``position`` of a grid of ``input_step`` pixels."""
    for first, last in changed:
        for index in (first, last):
            lo, hi = cone.inputs(index, index, input_step)
            assert lo <= position <= hi, (index, lo, hi, position)


def test_compressive_ae_receptive_fields_follow_from_its_layers():
    model = _build("compressive_ae")
    analysis = tiling.stack_cone(model.analysis_layers())
    assert (analysis.step, analysis.before, analysis.after) == (16, 15, 45)
    assert tiling.receptive_field(analysis) == 61  # 1 + 4 * (1 + 2 + 4 + 8)
    synthesis = tiling.stack_cone(model.synthesis_layers(), 16)
    assert (synthesis.step, synthesis.before, synthesis.after) == (1, 45, 15)
    assert synthesis.inputs(0, 15, 16) == (-2, 1)


def test_unknown_layers_are_refused():
    with pytest.raises(ValueError, match="cannot tile through layer"):
        tiling.stack_cone([keras.layers.MaxPooling2D()])


def test_cones_contain_every_dependency(codec):
    """Perturb one pixel (one latent): every analysis output (synthesis pixel) that
    changes is one whose cone holds it."""
    pixels = _photo((160, 192))[None].astype(np.float32) / 255.0
    bumped = pixels.copy()
    bumped[0, 77, 101] += 0.5
    cone = tiling.stack_cone(codec.analysis_layers())
    changed = _changed_span(codec.analysis(pixels), codec.analysis(bumped))
    _assert_within_cone(changed[:1], cone, 77, 1)
    _assert_within_cone(changed[1:], cone, 101, 1)
    latents = np.asarray(codec.analysis(pixels))
    bumped = latents.copy()
    bumped[0, 5, 6] += 3.0
    step = codec.latent_stride
    cone = tiling.stack_cone(codec.synthesis_layers(), step)
    changed = _changed_span(codec.synthesis(latents), codec.synthesis(bumped))
    _assert_within_cone(changed[:1], cone, 5, step)
    _assert_within_cone(changed[1:], cone, 6, step)


def test_recurrent_iteration_cones_contain_every_dependency(rnn):
    """One iteration from non-zero states: a perturbed pixel moves only encoder state
    values whose cones hold it; a flipped code only decoder states and residual pixels
    whose cones hold it."""
    rng = np.random.default_rng(0)
    pixels = _photo((128, 160))[None].astype(np.float32) / 255.0
    states = [rng.normal(0, 0.3, (1, 128 // s, 160 // s, cell.filters)).astype(np.float32)
              for s, cell in zip(rr.ENCODER_STEPS + rr.DECODER_STEPS,
                                 rnn.encoder_cells + rnn.decoder_cells)]
    _, cones = rnn.encoder_cones(tiling.Cone(1), [tiling.Cone(s) for s in rr.ENCODER_STEPS])
    bumped = pixels.copy()
    bumped[0, 61, 83] += 0.5
    _, before = rnn.encode_step(pixels, states[:3], 1)
    _, after = rnn.encode_step(bumped, states[:3], 1)
    for old, new, cone in zip(before, after, cones):
        rows, cols = _changed_span(old, new)
        _assert_within_cone([rows], cone, 61, 1)
        _assert_within_cone([cols], cone, 83, 1)
    codes = np.where(rng.random((1, 8, 10, 8)) < 0.5, -1.0, 1.0).astype(np.float32)
    flipped = codes.copy()
    flipped[0, 3, 4, 2] *= -1
    residual, cones = rnn.decoder_cones(tiling.Cone(16), [tiling.Cone(s)
                                                           for s in rr.DECODER_STEPS])
    before, after = rnn.decode_step(codes, states[3:], 1), rnn.decode_step(flipped,
                                                                          states[3:], 1)
    for old, new, cone in zip([before[0], *before[1]], [after[0], *after[1]],
                              [residual, *cones]):
        rows, cols = _changed_span(old, new)
        _assert_within_cone([rows], cone, 3, 16)
        _assert_within_cone([cols], cone, 4, 16)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.sampled_from([8, 16, 64]), st.integers(0, 70),
       st.integers(0, 70), st.sampled_from([1, 2]))
def test_tiles_cover_every_pixel_once_with_their_halo(units, align, before, after, tiles):
    size, plan = units * align, tiling.Tiling(before, after, align, tiles * align)
    covered = np.zeros(size, int)
    for lo, hi, start, stop in plan.crops(size):
        covered[start:stop] += 1
        assert lo % align == 0 and (hi % align == 0 or hi == size)
        assert lo <= start < stop <= hi
        assert lo == 0 or lo <= start - before
        assert hi == size or hi >= stop + after
    np.testing.assert_array_equal(covered, 1)


def test_tiled_encode_and_decode_equal_whole_image_ones(codec):
    image = _photo((200, 275), seed=1)
    whole, tiled = codec.tile, 64
    assert not tiling.Tiling(0, 0, 1, tiled).whole(image.shape[:2])
    try:
        codec.tile = None
        data = codec.compress(image, 2)
        decoded = codec.decompress(data)
        codec.tile = tiled
        assert codec.compress(image, 2) == data
        np.testing.assert_array_equal(codec.decompress(data), decoded)
    finally:
        codec.tile = whole


def test_recurrent_codec_tiled_equals_whole(rnn):
    image = _photo((330, 300), seed=2)
    try:
        rnn.tile = None
        data = rnn.compress(image, 2)
        decoded = [rnn.decompress(data, k) for k in (1, 2)]
        rnn.tile = 128
        assert rnn.compress(image, 2) == data
        for k in (1, 2):
            np.testing.assert_array_equal(rnn.decompress(data, k), decoded[k - 1])
    finally:
        rnn.tile = rr.RecurrentResidualAutoencoder.tile


def test_recurrent_codes_match_the_models_own_call_when_whole(rnn):
    """Below the tile size, :meth:`encode_codes` is the model's own iteration."""
    image = _photo((48, 80), seed=3)
    pixels = learned_codec.padded(image, 16)[None]
    codes = rnn.encode_codes(pixels, 3)
    direct = rnn(pixels.astype(np.float32) / 255.0, iterations=3)["codes"]
    for mine, theirs in zip(codes, direct):
        np.testing.assert_array_equal(mine, np.asarray(theirs).astype(np.int8))


def test_tiled_files_decode_identically_in_another_process(tmp_path):
    """Decoding is a function of the file: a second process decodes tiled files of each
    codec to the same pixels (and the whole-image decode to within one level)."""
    keras.utils.set_random_seed(5)
    image = _photo((160, 208), seed=4)
    for name in CODECS:
        model = _build(name)
        model.save_weights(tmp_path / f"{name}.weights.h5")
        model.tile = 64
        data = model.compress(image, 2)
        (tmp_path / f"{name}.jzc").write_bytes(data)
        np.save(tmp_path / f"{name}.npy", model.decompress(data))
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        from jpegzoo.lazy import resolve
        folder = sys.argv[1]
        for name, (builder, config) in {CODECS!r}.items():
            model = resolve(builder)(**config)
            model.load_weights(f"{{folder}}/{{name}}.weights.h5")
            data = open(f"{{folder}}/{{name}}.jzc", "rb").read()
            for tile in (64, None):
                model.tile = tile
                np.save(f"{{folder}}/{{name}}-{{tile}}.npy", model.decompress(data))
    """)
    environment = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True,
                   env=environment, timeout=600)
    for name in CODECS:
        ours = np.load(tmp_path / f"{name}.npy")
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}-64.npy"), ours)
        assert np.abs(np.load(tmp_path / f"{name}-None.npy").astype(int) - ours).max() <= 1

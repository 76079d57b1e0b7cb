"""Mutation mining as an Apache Beam pipeline (jpegzoo.pipelines.mining): sharded counts and
wins merge to exactly what one process computes from the same samples."""

import apache_beam as beam
import numpy as np
from PIL import Image

from jpegzoo.pipelines import mining as beam_mining
from jpegzoo.zoo.mutated_jpeg import mining, mutation_sets

CONFIG = mining.MiningConfig(blocks_per_image=24, l1_bound=4, lambda_factors=(40.0, 160.0),
                             pool_size=24, set_size=6, seed=3)
QUALITIES = (50, 90)


def _photos(folder, count=6):
    images = {}
    for index in range(count):
        rng = np.random.default_rng(index)
        base = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        smooth = np.asarray(Image.fromarray(base).resize((64, 48), Image.BICUBIC))
        pixels = np.clip(smooth + rng.normal(0, 6, smooth.shape), 0, 255).astype(np.uint8)
        name = f"photo{index}.png"
        Image.fromarray(pixels).save(folder / name)
        images[name] = pixels
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return images


def _in_one_process(images):
    """The same samples, mined by the local miner's job functions in one piece."""
    halves = {}
    for name in sorted(images):
        for (half, component, _), part in beam_mining.photo_samples(name, images[name],
                                                                    CONFIG, shards=1):
            halves.setdefault((half, component), []).append(part)
    blocks = {key: beam_mining._concatenated(parts) for key, parts in halves.items()}
    sets = {}
    for quality in QUALITIES:
        for component in beam_mining.COMPONENTS:
            pool, _ = mining.search_job(*blocks[("search", component)], quality, component,
                                        CONFIG)
            sets[(quality, component)] = mining.filter_job(
                *blocks[("filter", component)], quality, component, pool, CONFIG)
    return sets


def test_sharded_mining_equals_mining_in_one_piece(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    images = _photos(folder)
    output = tmp_path / "sets.npz"
    with beam.Pipeline(runner="DirectRunner") as pipeline:
        beam_mining.build(pipeline, str(folder / "*"), str(output), QUALITIES, CONFIG,
                          shards=3)
    mined = mutation_sets.load(output)
    expected = _in_one_process(images)
    assert set(mined) == set(expected) == {(q, c) for q in QUALITIES
                                           for c in beam_mining.COMPONENTS}
    for key, (vectors, wins) in expected.items():
        assert len(vectors) > 0, key
        np.testing.assert_array_equal(mined[key][0], vectors)
        np.testing.assert_array_equal(mined[key][1], wins)


def test_the_command_line_mines_on_beam_and_refuses_stray_beam_options(tmp_path, capsys):
    from jpegzoo.cli import main

    folder = tmp_path / "photos"
    folder.mkdir()
    _photos(folder, count=4)
    output = tmp_path / "out" / "sets.npz"
    assert main(["mine-mutations", "--beam", "--images", str(folder), "--output",
                 str(output), "--qualities", "75", "--blocks-per-image", "16",
                 "--set-size", "4", "--processes", "1", "--shards", "2"]) == 0
    assert f"wrote {output}" in capsys.readouterr().out
    assert set(mutation_sets.load(output)) == {(75, "luma"), (75, "chroma")}
    assert main(["mine-mutations", "--images", str(folder), "--", "--runner", "X"]) == 2
    assert "Beam options go with --beam" in capsys.readouterr().err

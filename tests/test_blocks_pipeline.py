"""The bit-count block dataset as an Apache Beam pipeline (jpegzoo.pipelines.blocks): the
records the local writer makes for the same samples, readable by read_block_dataset."""

import apache_beam as beam
import numpy as np
from PIL import Image

from jpegzoo.datasets.jpeg_blocks import exact_bits, read_block_dataset
from jpegzoo.pipelines import blocks


def test_the_pipeline_writes_each_photos_examples_in_gzip_shards(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    images = {}
    for index in range(3):
        rng = np.random.default_rng(index)
        base = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
        images[f"p{index}.png"] = np.asarray(Image.fromarray(base).resize((40, 32)))
        Image.fromarray(images[f"p{index}.png"]).save(folder / f"p{index}.png")
    (folder / "broken.png").write_bytes(b"not a png")
    arguments = dict(qualities=(30, 80), seed=5, blocks_per_image=10, mutations=1)
    out = tmp_path / "blocks"
    with beam.Pipeline(runner="DirectRunner") as pipeline:
        blocks.build(pipeline, str(folder / "*.png"), str(out), num_shards=2, **arguments)
    shards = sorted(p.name for p in out.iterdir())
    assert shards == ["blocks-00000-of-00002.tfrecord.gz", "blocks-00001-of-00002.tfrecord.gz"]
    expected = [record for name, image in images.items()
                for record in blocks.photo_examples(name, image, **arguments)]
    assert len(expected) == 3 * 2 * 10 * 2  # photos x qualities x blocks x (block, mutation)
    batches = list(read_block_dataset(str(out / "*.tfrecord.gz"), batch_size=1000,
                                      shuffle_buffer=0, repeat=False))
    features, labels = batches[0]
    assert len(batches) == 1 and labels["bits"].shape[0] == len(expected)
    coefficients = features["coefficients"].numpy()
    component = features["component"].numpy()
    np.testing.assert_array_equal(labels["bits"].numpy(), exact_bits(coefficients, component))
    import tensorflow as tf

    written = sorted(r.numpy() for f in sorted(out.iterdir())
                     for r in tf.data.TFRecordDataset(str(f), "GZIP"))
    assert written == sorted(expected)

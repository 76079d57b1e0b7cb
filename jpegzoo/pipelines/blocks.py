"""The bit-count block dataset (:mod:`jpegzoo.datasets.jpeg_blocks`) as an Apache Beam
pipeline, for photo collections beyond one machine::

    MatchFiles(PHOTOS) -> per photo and quality: sampled and mutated blocks labelled with
        their exact bits (``sample_examples``) -> tf.train.Example records
        -> WriteToTFRecord: OUT_DIR/blocks-SSSSS-of-NNNNN.tfrecord.gz (GZIP)

The records are the local writer's (``write_block_dataset``), so
:func:`~jpegzoo.datasets.jpeg_blocks.read_block_dataset` reads either. Each (photo,
quality) draws its blocks with a generator seeded by the seed, the photo's file name and
the quality, so a photo's examples do not depend on the others (the local writer draws from
one generator in order). Photos that cannot be read are counted
(``jpegzoo/photos_failed``) and left out. Example (Python; Beam options as for any
pipeline)::

    import apache_beam as beam
    from jpegzoo.pipelines import blocks

    with beam.Pipeline(options=...) as pipeline:
        blocks.build(pipeline, "gs://bucket/photos/*.png", "gs://bucket/blocks",
                     qualities=range(10, 96, 5))
"""

import hashlib
import os

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from jpegzoo.pipelines import files


def photo_examples(name, image, qualities, seed=0, blocks_per_image=2000, mutations=1):
    """Serialized ``tf.train.Example`` records of one photo at every quality, each
    (photo, quality) sampled with its own generator (seed, the name ``name``, quality)."""
    from jpegzoo.datasets.jpeg_blocks import sample_examples, serialize

    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    for quality in qualities:
        rng = np.random.default_rng([seed, digest, int(quality)])
        examples = sample_examples(image, int(quality), rng, blocks_per_image, mutations)
        for index in range(examples["bits"].size):
            yield serialize(examples, index)


class PhotoExamples(beam.DoFn):
    """A matched photo's records (:func:`photo_examples`)."""

    def __init__(self, qualities, seed, blocks_per_image, mutations):
        self.arguments = (tuple(qualities), seed, blocks_per_image, mutations)
        self.failed = Metrics.counter("jpegzoo", "photos_failed")
        self.written = Metrics.counter("jpegzoo", "examples")

    def process(self, readable):
        image = files.rgb_photo(readable, self.failed)
        if image is None:
            return
        for record in photo_examples(os.path.basename(readable.metadata.path), image,
                                     *self.arguments):
            self.written.inc()
            yield record


def build(pipeline, pattern, out_dir, qualities=tuple(range(10, 96, 5)), seed=0,
          blocks_per_image=2000, mutations=1, num_shards=16):
    """Add the block-dataset pipeline to ``pipeline``: photos matching ``pattern`` to
    ``num_shards`` GZIP TFRecord files ``out_dir/blocks-SSSSS-of-NNNNN.tfrecord.gz``."""
    return (pipeline
            | "Photos" >> files.ReadPhotos(pattern)
            | "Examples" >> beam.ParDo(PhotoExamples(qualities, seed, blocks_per_image,
                                                     mutations))
            | "Write" >> beam.io.WriteToTFRecord(
                f"{out_dir.rstrip('/')}/blocks", file_name_suffix=".tfrecord.gz",
                num_shards=num_shards, shard_name_template="-SSSSS-of-NNNNN",
                compression_type=beam.io.filesystem.CompressionTypes.GZIP))

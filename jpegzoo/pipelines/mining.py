"""Mutation mining (:mod:`jpegzoo.zoo.mutated_jpeg.mining`) as an Apache Beam pipeline, for
photo collections beyond one machine (``jpegzoo mine-mutations --beam``)::

    MatchFiles(PHOTOS) -> per photo: its block samples (TensorFlow's exact DCT), keyed by
        (half, component, shard)  -> GroupByKey: a shard's blocks
    search half: per shard and quality, every mutation found with its count
        -> summed per mutation -> the pool_size most frequent per (quality, component)
    filter half: per shard and quality, each pool mutation's wins (the pools: a side input)
        -> summed per (quality, component) -> the set_size with most wins
    -> the sets file (:mod:`jpegzoo.zoo.mutated_jpeg.mutation_sets`), written once

The stages, costs and selection rules are the local miner's, and merging is exact: each
block is searched (and each competition held) on its own, so counts and wins summed over
shards equal those over all the blocks at once (``tests/test_mining_pipeline.py`` checks
it). Sampling differs: each photo draws its blocks with a generator seeded by the seed and
the photo's file name, and goes to the search or the filter half by a hash of its name
(the local miner draws from one generator over the sorted photos and alternates halves),
so the two miners give different sets from the same photos. Photos that cannot be read
are counted (``jpegzoo/photos_failed``) and left out.
"""

import hashlib
import io
import os

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from jpegzoo.pipelines import files
from jpegzoo.zoo.mutated_jpeg import mining, mutation_sets

COMPONENTS = ("luma", "chroma")
def _digest(name):
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def photo_samples(name, image, config, shards):
    """The block samples of one photo: ``[((half, component, shard), (name, coef, left,
    weight))]``; its half ("search" or "filter"), shard and generator follow from its
    file name ``name`` (a photo's samples do not depend on the other photos)."""
    digest = _digest(name)
    half = "search" if digest % 2 == 0 else "filter"
    rng = np.random.default_rng([config.seed, digest])
    data = mining.image_coefficients(image)
    return [((half, component, (digest >> 1) % shards),
             (name, *mining.sample_blocks([data], component, config.blocks_per_image, rng)))
            for component in COMPONENTS]


class SamplePhoto(beam.DoFn):
    """A matched photo's block samples (:func:`photo_samples`)."""

    def __init__(self, config, shards):
        self.config = config
        self.shards = shards
        self.failed = Metrics.counter("jpegzoo", "photos_failed")
        self.read = Metrics.counter("jpegzoo", "photos_sampled")

    def process(self, readable):
        image = files.rgb_photo(readable, self.failed)
        if image is None:
            return
        self.read.inc()
        yield from photo_samples(os.path.basename(readable.metadata.path), image,
                                 self.config, self.shards)


def _concatenated(group):
    """One shard's blocks, its photos in name order: (coef, left, weight)."""
    parts = sorted(group, key=lambda part: part[0])
    return tuple(np.concatenate([part[i] for part in parts]) for i in (1, 2, 3))


def _search_shard(keyed, qualities, config):
    (_, component, _), group = keyed
    blocks = _concatenated(group)
    for quality in qualities:
        vectors, counts = mining.search_counts(*blocks, quality, component, config)
        for vector, count in zip(vectors, counts):
            yield (quality, component, vector.tobytes()), int(count)


def _order_key(entry):
    """The local miner's order (:func:`~jpegzoo.zoo.mutated_jpeg.mining.count_unique`):
    more frequent first, ties by the vector's values ascending."""
    count, vector = entry
    return count, tuple(-int(v) for v in np.frombuffer(vector, np.int8))


def _pool(keyed):
    (quality, component), top = keyed
    vectors = np.stack([np.frombuffer(v, np.int8) for _, v in top]) if top else \
        np.zeros((0, 64), np.int8)
    return (quality, component), vectors


def _filter_shard(keyed, qualities, config, pools):
    (_, component, _), group = keyed
    blocks = _concatenated(group)
    for quality in qualities:
        pool = pools.get((quality, component))
        if pool is not None and len(pool):
            yield (quality, component), mining.filter_wins(*blocks, quality, component,
                                                           pool, config)


def _write_sets(results, output, config):
    sets, wins = {}, {}
    for (key, pool), summed in results:
        sets[key], wins[key] = mining.select_set(pool, summed, config.set_size)
    buffer = io.BytesIO()
    mutation_sets.save(buffer, sets, wins)
    files.write_atomic(output, buffer.getvalue())
    return sorted(sets)


def build(pipeline, pattern, output, qualities, config, shards=8):
    """Add the mining pipeline to ``pipeline``: photos matching ``pattern`` to the sets
    file ``output``. Returns the collection holding the mined (quality, component) keys."""
    qualities = tuple(qualities)
    samples = (pipeline
               | "Photos" >> files.ReadPhotos(pattern)
               | "Sample" >> beam.ParDo(SamplePhoto(config, shards))
               | "Shards" >> beam.GroupByKey())
    search, held_out = (samples | "Halves" >> beam.Partition(
        lambda keyed, _: 0 if keyed[0][0] == "search" else 1, 2))
    pools = (search
             | "Search" >> beam.FlatMap(_search_shard, qualities, config)
             | "Count" >> beam.CombinePerKey(sum)
             | "By set" >> beam.Map(lambda kv: ((kv[0][0], kv[0][1]), (kv[1], kv[0][2])))
             | "Pool" >> beam.combiners.Top.PerKey(config.pool_size, key=_order_key)
             | "As arrays" >> beam.Map(_pool))
    wins = (held_out
            | "Filter" >> beam.FlatMap(_filter_shard, qualities, config,
                                       beam.pvalue.AsDict(pools))
            | "Tally" >> beam.CombinePerKey(_add_arrays))
    return ((pools, wins)
            | "Join" >> beam.CoGroupByKey()
            | "Pairs" >> beam.FlatMap(_pool_and_wins)
            | "All" >> beam.combiners.ToList()
            | "Write" >> beam.Map(_write_sets, output, config))


def _pool_and_wins(joined):
    """``((key, pool), wins)`` of a (quality, component) joined with its wins; nothing for
    a pool no held-out block tested."""
    key, (pools, wins) = joined
    return [((key, pools[0]), wins[0])] if wins else []


def _add_arrays(arrays):
    """The sum of int64 arrays of one length (also of partial sums: Beam combines in
    stages)."""
    total = None
    for array in arrays:
        total = np.array(array, np.int64) if total is None else total + array
    return total

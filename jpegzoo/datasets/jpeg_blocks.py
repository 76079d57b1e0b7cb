"""Block datasets for bit-count models: quantized 8x8 JPEG blocks labelled with exact bits.

From training images at IJG qualities (4:4:4, libjpeg-exact integer DCT) we take the
quantized blocks of the single interleaved scan, DPCM-code their DC the way the scan
does (each component's previous block, in raster order), add *mutated* variants (a few
coefficients moved one step up or down, or to zero, as a mutating encoder tries) and
label every block with the exact number of entropy-coded bits under the Annex K tables
(:func:`jpegzoo.layers.numerics.bit_counter.block_bits`). Examples are written as GZIP TFRecord
shards so the set scales to millions of blocks.

Example features: ``coefficients`` int16 ``[64]`` (zigzag order, DC as DPCM difference),
``component`` (0 luma, 1 chroma), ``bits`` (float, exact), ``quality``, ``mutated`` (0/1).
"""

import os

import numpy as np

from jpegzoo.layers.numerics.bit_counter import block_bits
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.layers.numerics.standard import ZIGZAG, component_qtables, quality_to_qtables

#: Largest magnitudes a baseline scan can code.
MAX_AC, MAX_DC_DIFF = 1023, 2047

def image_blocks(image, quality):
    """Blocks of one RGB image's 4:4:4 scan at ``quality``.

    Args:
        image: uint8 ``[H, W, 3]``.
    Returns:
        (coefficients int32 ``[N, 64]`` zigzag with DPCM DC, component int32 ``[N]``).
    """
    from jpegzoo.layers.jpeg_transform import compiled_analysis  # imports TensorFlow

    tables = component_qtables(quality_to_qtables(quality), 3).astype(np.float32)
    levels = compiled_analysis("444", 3, "islow")(np.asarray(image, np.float32)[None], tables)
    planes = [levels["luma"][0, :, :, 0], levels["chroma"][0, :, :, 0],
              levels["chroma"][0, :, :, 1]]
    blocks, components = [], []
    for index, plane in enumerate(planes):
        zz = plane.numpy().reshape(-1, 64).astype(np.int32)[:, ZIGZAG]
        zz[1:, 0] -= zz[:-1, 0].copy()  # DPCM against the previous block in raster order
        blocks.append(zz)
        components.append(np.full(zz.shape[0], min(index, 1), np.int32))
    return np.concatenate(blocks), np.concatenate(components)


def mutate(blocks, rng, max_changes=3):
    """Mutated copies of ``blocks`` (int ``[N, 64]``): 1..max_changes coefficients per
    block, each moved by +-1 or set to zero; positions favour non-zero coefficients and
    their neighbours in the scan (where an encoder's moves matter)."""
    out = np.array(blocks, dtype=np.int32, copy=True)
    n = out.shape[0]
    for _ in range(max_changes):
        active = rng.random(n) < (1.0 if _ == 0 else 0.5)
        rows = np.flatnonzero(active)
        last = _last_nonzero(out[rows])
        positions = np.minimum(rng.integers(0, last + 2), 63)
        change = rng.choice([-1, 1, 0], size=rows.size, p=[0.4, 0.4, 0.2])
        values = out[rows, positions]
        out[rows, positions] = np.where(change == 0, 0, values + change)
    out[:, 1:] = np.clip(out[:, 1:], -MAX_AC, MAX_AC)
    out[:, 0] = np.clip(out[:, 0], -MAX_DC_DIFF, MAX_DC_DIFF)
    return out


def _last_nonzero(blocks):
    nonzero = blocks != 0
    return np.where(nonzero.any(axis=1), 63 - np.argmax(nonzero[:, ::-1], axis=1), 0)


def exact_bits(coefficients, component):
    """Exact Annex K bits of DPCM-coded zigzag blocks (the model's label), int64 ``[N]``."""
    return block_bits(coefficients, 0, list(STD_DC_TABLES), list(STD_AC_TABLES), component)


def sample_examples(image, quality, rng, blocks_per_image=2000, mutations=1):
    """Examples from one image and quality: a random subset of its blocks and
    ``mutations`` mutated copies of each. Returns a dict of numpy arrays."""
    coefficients, component = image_blocks(image, quality)
    keep = rng.choice(coefficients.shape[0], min(blocks_per_image, coefficients.shape[0]),
                      replace=False)
    parts = [(coefficients[keep], 0)]
    parts += [(mutate(coefficients[keep], rng), 1) for _ in range(mutations)]
    coefficients = np.concatenate([p for p, _ in parts])
    component = np.tile(component[keep], len(parts))
    return {"coefficients": coefficients.astype(np.int16), "component": component,
            "bits": exact_bits(coefficients, component).astype(np.float32),
            "quality": np.full(component.size, quality, np.int32),
            "mutated": np.repeat([m for _, m in parts], keep.size).astype(np.int32)}


def write_block_dataset(images, out_dir, qualities=tuple(range(10, 96, 5)),
                        blocks_per_image=2000, mutations=1, num_shards=16, seed=0,
                        progress=True):
    """Write GZIP TFRecord shards ``blocks-XXXXX-of-YYYYY.tfrecord.gz`` into ``out_dir``.

    Args:
        images: iterable of uint8 ``[H, W, 3]`` arrays (or a dict name -> array).
        qualities: IJG qualities to quantize each image at.
        blocks_per_image: blocks sampled per (image, quality), before mutation.
        mutations: mutated copies of every sampled block.
    Returns:
        number of examples written.
    """
    import tensorflow as tf
    from tqdm.auto import tqdm

    images = list(images.values()) if isinstance(images, dict) else list(images)
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    paths = [os.path.join(out_dir, f"blocks-{k:05d}-of-{num_shards:05d}.tfrecord.gz")
             for k in range(num_shards)]
    writers = [tf.io.TFRecordWriter(p + ".tmp", options) for p in paths]
    total = 0
    jobs = [(image, quality) for image in images for quality in qualities]
    for image, quality in tqdm(jobs, desc="blocks", unit="image", disable=not progress):
        examples = sample_examples(image, quality, rng, blocks_per_image, mutations)
        shard = rng.integers(0, num_shards, examples["bits"].size)
        for i in range(examples["bits"].size):
            writers[shard[i]].write(serialize(examples, i))
        total += examples["bits"].size
    for writer, path in zip(writers, paths):
        writer.close()
        os.replace(path + ".tmp", path)
    return total


def serialize(examples, i):
    import tensorflow as tf

    def int_feature(value):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))

    feature = {
        "coefficients": tf.train.Feature(bytes_list=tf.train.BytesList(
            value=[examples["coefficients"][i].astype("<i2").tobytes()])),
        "component": int_feature(examples["component"][i]),
        "bits": tf.train.Feature(float_list=tf.train.FloatList(value=[examples["bits"][i]])),
        "quality": int_feature(examples["quality"][i]),
        "mutated": int_feature(examples["mutated"][i]),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def read_block_dataset(pattern, batch_size=512, shuffle_buffer=65536, repeat=True, seed=None):
    """Batches ``({"coefficients": int32 [B, 64], "component": int32 [B]},
    {"bits": float32 [B]})`` from shards matching ``pattern``."""
    import tensorflow as tf

    files = tf.io.gfile.glob(pattern)
    if not files:
        raise ValueError(f"no block-dataset shards match {pattern}")
    spec = {"coefficients": tf.io.FixedLenFeature([], tf.string),
            "component": tf.io.FixedLenFeature([], tf.int64),
            "bits": tf.io.FixedLenFeature([], tf.float32)}

    def parse(serialized):
        example = tf.io.parse_example(serialized, spec)
        coefficients = tf.io.decode_raw(example["coefficients"], tf.int16)
        return ({"coefficients": tf.cast(tf.reshape(coefficients, [-1, 64]), tf.int32),
                 "component": tf.cast(example["component"], tf.int32)},
                {"bits": example["bits"]})

    dataset = tf.data.Dataset.from_tensor_slices(sorted(files))
    if shuffle_buffer:
        dataset = dataset.shuffle(len(files), seed=seed)
    dataset = dataset.interleave(lambda f: tf.data.TFRecordDataset(f, "GZIP"),
                                 num_parallel_calls=tf.data.AUTOTUNE,
                                 deterministic=not shuffle_buffer)
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    if repeat:
        dataset = dataset.repeat()
    return dataset.batch(batch_size, drop_remainder=repeat).map(
        parse, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

"""``patch_pipeline``: batches of random square patches from a dataset of images.

Per image (one patch per image per pass): a random ``patch_size`` x ``patch_size`` crop.
A side shorter than ``patch_size`` is filled out by mirror reflection (``... c b a | a b c |
c b a ...``, repeated as often as needed), the image placed at a random offset inside the
patch: small images are kept, not dropped, so the patch holds reflected copies of real
content. Pass ``min_size`` to drop images whose shorter side is below it instead (e.g.
``min_size=patch_size`` to never pad). With ``augment``, one of the 8 symmetries of the
square (90-degree rotations, each with or without a left-right flip) is applied at random.

Order: [filter by ``min_size``] -> [repeat] -> crop/augment -> [shuffle ``shuffle_buffer``
patches] -> batch (``drop_remainder=True``) -> prefetch(AUTOTUNE). Random choices use
stateless ops seeded from ``(seed, running index of the image)``, so a given ``seed`` gives
the same batches on every run whatever the parallelism; each repeat of the data gets new
crops. ``seed=None`` draws a fresh seed.
"""

import numbers
import secrets

from jpegzoo.datasets.errors import DatasetError


def patch_pipeline(dataset, patch_size=256, batch_size=8, augment=True, shuffle_buffer=256,
                   repeat=True, seed=None, min_size=None):
    """Batches of patches from ``dataset``.

    Args:
        dataset: ``tf.data.Dataset`` of ``{"image": uint8 [H, W, C]}`` dicts (other keys are
            ignored) or of uint8 ``[H, W, C]`` tensors; C is 3, or 1 (grey, made RGB).
        patch_size: side of the square patches, in pixels.
        batch_size: patches per batch; an incomplete last batch is dropped.
        augment: apply a random rotation by a multiple of 90 degrees and a random flip.
        shuffle_buffer: patches in the shuffle buffer; 0 or None for no shuffling.
        repeat: repeat the data forever (new crops each time) or make a single pass.
        seed: int for reproducible batches, or None.
        min_size: drop images whose shorter side is below this many pixels (None: keep all).

    Returns:
        Dataset of float32 ``[batch_size, patch_size, patch_size, 3]`` batches, values in
        0..255 (pixel values, not rescaled).
    """
    import tensorflow as tf

    _check_positive(patch_size=patch_size, batch_size=batch_size)
    seed = secrets.randbits(31) if seed is None else int(seed)
    images = image_stream(dataset)
    if min_size is not None:
        images = images.filter(lambda image: tf.reduce_min(tf.shape(image)[:2]) >= min_size)
    if repeat:
        images = images.repeat()
    patches = images.enumerate().map(
        lambda index, image: _make_patch(image, patch_size, augment, tf.stack([seed, index])),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if shuffle_buffer:
        patches = patches.shuffle(shuffle_buffer, seed=seed)
    return patches.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def image_stream(dataset):
    """``dataset`` as a dataset of uint8 ``[H, W, 3]`` tensors (``"image"`` taken from dicts)."""
    import tensorflow as tf

    spec = dataset.element_spec
    if isinstance(spec, dict):
        if "image" not in spec:
            raise DatasetError(f"patch_pipeline: dataset elements have no 'image' key "
                               f"(keys: {', '.join(spec)})")
        dataset, spec = dataset.map(lambda example: example["image"]), spec["image"]
    if not isinstance(spec, tf.TensorSpec) or spec.dtype != tf.uint8 or spec.shape.rank != 3:
        raise DatasetError(f"patch_pipeline: wants uint8 [H, W, C] images, got {spec}")
    if spec.shape[-1] == 1:
        return dataset.map(tf.image.grayscale_to_rgb)
    if spec.shape[-1] not in (3, None):
        raise DatasetError(f"patch_pipeline: wants 1 or 3 channels, got {spec.shape[-1]}")
    return dataset


def _make_patch(image, patch_size, augment, seed):
    """float32 ``[patch_size, patch_size, 3]`` in 0..255 from one uint8 image; ``seed`` [2]."""
    import tensorflow as tf

    crop_seed, augment_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    patch = random_crop(image, patch_size, crop_seed)
    if augment:
        patch = random_symmetry(patch, augment_seed)
    return tf.cast(tf.ensure_shape(patch, [patch_size, patch_size, 3]), tf.float32)


def random_crop(image, size, seed):
    """A ``[size, size, C]`` window of ``image`` ([H, W, C]) at a random place, sides shorter
    than ``size`` mirror-extended around the image (see module docstring); ``seed`` [2]."""
    import tensorflow as tf

    row_seed, col_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    shape = tf.shape(image)
    rows = _window_indices(shape[0], size, row_seed)
    cols = _window_indices(shape[1], size, col_seed)
    return tf.gather(tf.gather(image, rows, axis=0), cols, axis=1)


def _window_indices(length, size, seed):
    """``size`` int32 indices into an axis of ``length``: a random window, or, when
    ``length < size``, the axis at a random offset with mirror reflection around it."""
    import tensorflow as tf

    slack = length - size
    start = tf.random.stateless_uniform([], seed, minval=tf.minimum(slack, 0),
                                        maxval=tf.maximum(slack, 0) + 1, dtype=tf.int32)
    position = tf.math.floormod(tf.range(size) + start, 2 * length)
    return tf.where(position < length, position, 2 * length - 1 - position)


def random_symmetry(patch, seed):
    """``patch`` ([S, S, C]) under one of the 8 symmetries of the square; ``seed`` [2]."""
    import tensorflow as tf

    choice = tf.random.stateless_uniform([], seed, minval=0, maxval=8, dtype=tf.int32)
    turned = tf.image.rot90(patch, k=choice % 4)
    return tf.cond(choice >= 4, lambda: tf.reverse(turned, axis=[1]), lambda: turned)


def _check_positive(**values):
    for name, value in values.items():
        if not isinstance(value, numbers.Integral) or value < 1:
            raise DatasetError(f"patch_pipeline: {name} must be a positive integer, not {value}")

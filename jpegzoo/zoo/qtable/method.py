"""``jpegzoo encode --method qtable``: learned quantization tables written as baseline JPEG.

Operating points (all measured on the decoded file, MS-SSIM on RGB as
:func:`jpegzoo.metrics.ms_ssim` computes it):

* ``target_msssim`` (``--target-msssim T``): the smallest file the search finds whose
  MS-SSIM is at least ``T``: bisection over the generator's ``lambda``, and beyond the
  trained range over a scale of its tables. The floor always holds on the returned file
  (or a ValueError says it cannot be reached).
* ``lam`` (``--lambda L``): the generator's tables for trade-off ``L`` (no search).
* ``quality`` alone: the MS-SSIM that libjpeg-turbo's tables at that IJG quality give on
  this image (4:2:0 or the subsampling asked for) becomes the floor -- "as good as
  ``-q Q``, in fewer bytes". Images under :data:`~jpegzoo.metrics.MS_SSIM_MIN_SIZE` px a
  side (where MS-SSIM is undefined) get the IJG tables at that quality.

``rdo=True`` (``--rdo``) chooses the levels with the mutated JPEG encoder's rate-distortion
search instead of rounding them (exact rate, SSIM-weighted error; a few seconds per
megapixel), after a short search for the slightly finer tables that keep the floor.

``per_image=True`` runs the per-image optimizer (:mod:`.optimizer`, about 100x slower)
from the generator's tables at the lambda the search chose, then searches a scale of its
tables for the floor. Huffman tables are optimized by default: the rate model the tables
were learned with is that of an optimized scan.
"""

import functools

import numpy as np

LAMBDA_STEPS = 7
SCALE_STEPS = 7
SCALE_RANGE = (1 / 64, 64.0)
RDO_STEPS = 4


@functools.lru_cache(maxsize=1)
def load_generator():
    """The shipped ``qtable_generator`` and a compiled forward pass for one image."""
    import tensorflow as tf

    from jpegzoo import zoo

    model = zoo.load("qtable_generator")

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8),
                                  tf.TensorSpec([1, 1], tf.float32)])
    def forward(image, lam):
        return model({"image": image, "lam": lam})["tables"]

    return model, forward


def rgb_view(image):
    """uint8 ``[H, W, 3]`` of an RGB or grey image (the generator looks at RGB)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    grey = image.reshape(image.shape[0], image.shape[1])
    return np.repeat(grey[..., None], 3, axis=2)


def generator_tables(image, lam):
    """Float tables ``[2, 64]`` from the shipped generator for trade-off ``lam``."""
    _, forward = load_generator()
    tables = forward(rgb_view(image)[None], np.array([[lam]], np.float32))
    return np.asarray(tables)[0]


def integer(tables, scale=1.0):
    """``tables * scale`` rounded to integers in 1..255 (int32 ``[2, 64]``)."""
    return np.clip(np.floor(np.asarray(tables) * scale + 0.5), 1, 255).astype(np.int32)


class FloorSearch:
    """Encodes with given tables and keeps the smallest file whose MS-SSIM meets a floor.

    ``write(int tables [2, 64]) -> bytes`` makes the file (plain rounding or RDO levels).
    """

    def __init__(self, image, floor, write):
        self.image, self.floor, self.write = image, float(floor), write
        self.best = None
        self.attempts = 0

    def attempt(self, tables):
        """Encode with int ``tables``; True if the decoded file meets the floor."""
        from jpegzoo import metrics
        from jpegzoo.reference_codecs import decode_jpeg

        data = self.write(tables)
        self.attempts += 1
        score = metrics.ms_ssim(self.image, decode_jpeg(data))
        if score < self.floor:
            return False
        if self.best is None or len(data) < len(self.best):
            self.best = data
        return True

    def bisect(self, make_tables, low, high, steps):
        """Bisection on a parameter where ``low`` is coarse (may fail) and ``high`` fine;
        returns the coarsest passing value found (None if none passed)."""
        passing = None
        for _ in range(steps):
            middle = 0.5 * (low + high)
            if self.attempt(make_tables(middle)):
                passing, high = middle, middle
            else:
                low = middle
        return passing


def plain_writer(image, subsampling="420", optimize=True, restart_interval=0):
    """``write(tables) -> bytes``: the reference writer, levels rounded (libjpeg's rule)."""
    from jpegzoo.export.baseline import encode

    def write(tables):
        return encode(image, qtables=tables, subsampling=subsampling, optimize=optimize,
                      restart_interval=restart_interval)

    return write


def rdo_writer(image, subsampling="420", optimize=True, restart_interval=0):
    """``write(tables) -> bytes`` choosing levels with the mutated JPEG encoder's
    rate-distortion search (exact rate, SSIM-weighted error; trade-off ``mu`` of its
    calibration, mutation set of the nearest IJG quality)."""
    from jpegzoo.layers.standard import STD_LUMINANCE_QTABLE
    from jpegzoo.zoo.mutated_jpeg import operating_points
    from jpegzoo.zoo.mutated_jpeg.method import load_codec

    codec = load_codec()

    def write(tables):
        scale = 100.0 * float(np.mean(tables[0])) / float(np.mean(STD_LUMINANCE_QTABLE))
        lam = operating_points.lambda_for(tables, codec.points["mu"])
        return codec.encoder_for(scale).encode(image, tables, lam, subsampling, optimize,
                                               restart_interval)

    return write


def search_generator(image, floor, write):
    """(bytes, lambda) of the smallest file found from the generator's tables meeting
    MS-SSIM ``floor`` (see the module docstring); ``write`` makes a file from tables."""
    from jpegzoo.zoo.qtable.generator import LAMBDA_RANGE

    search = FloorSearch(image, floor, write)
    low, high = np.log(LAMBDA_RANGE)

    def tables_at(log_lam):
        return generator_tables(image, float(np.exp(log_lam)))

    if not search.attempt(integer(tables_at(high))):  # finer than the trained range
        _scale_search(search, tables_at(high), fine=True)
        return search.best, LAMBDA_RANGE[1]
    if search.attempt(integer(tables_at(low))):  # coarser than the trained range
        _scale_search(search, tables_at(low), fine=False)
        return search.best, LAMBDA_RANGE[0]
    log_lam = search.bisect(lambda v: integer(tables_at(v)), low, high, LAMBDA_STEPS)
    return search.best, float(np.exp(high if log_lam is None else log_lam))


def _scale_search(search, tables, fine):
    """Scale ``tables`` down (``fine``) or up until the floor is met at the coarsest scale;
    ValueError if even all-ones tables miss it."""
    low, high = (0.0, np.log(SCALE_RANGE[0])) if fine else (np.log(SCALE_RANGE[1]), 0.0)
    found = search.bisect(lambda v: integer(tables, np.exp(v)), low, high, SCALE_STEPS)
    if found is None and fine and not search.attempt(np.ones((2, 64), np.int32)):
        raise ValueError(f"MS-SSIM {search.floor} is not reachable for this image even with "
                         f"all quantization steps 1")


def search_scale(image, tables, floor, write, coarse=1.5, fine=1 / 1.5, steps=SCALE_STEPS):
    """Smallest file meeting the floor from ``tables * s``, bisection on ``s`` from
    ``coarse`` to ``fine``, widening to the full scale range if none passes."""
    search = FloorSearch(image, floor, write)
    found = search.bisect(lambda v: integer(tables, np.exp(v)), np.log(coarse), np.log(fine),
                          steps)
    if found is None:
        _scale_search(search, tables, fine=True)
    return search.best


def reference_msssim(image, quality, subsampling):
    """MS-SSIM of libjpeg's tables at IJG ``quality`` on this image (our writer is
    coefficient-exact with libjpeg-turbo)."""
    from jpegzoo import metrics
    from jpegzoo.export.baseline import encode
    from jpegzoo.reference_codecs import decode_jpeg

    return metrics.ms_ssim(image, decode_jpeg(encode(image, quality=quality,
                                                     subsampling=subsampling)))


def encode(image, quality=75, subsampling="420", optimize=True, restart_interval=0, lam=None,
           target_msssim=None, per_image=False, rdo=False):
    """Encode uint8 ``[H, W, 3]`` / ``[H, W]`` pixels with learned tables (module docstring)."""
    from jpegzoo import metrics
    from jpegzoo.export.baseline import validate_pixels

    image = validate_pixels(image)
    image = image[..., 0] if image.shape[2] == 1 else image
    options = dict(subsampling=subsampling, optimize=optimize,
                   restart_interval=restart_interval)
    write = (rdo_writer if rdo else plain_writer)(image, **options)
    if lam is not None and target_msssim is not None:
        raise ValueError("give either a lambda or a target MS-SSIM, not both")
    small = min(image.shape[:2]) < metrics.MS_SSIM_MIN_SIZE
    if target_msssim is not None:
        _check_target(target_msssim, small, image.shape)
    if lam is not None:
        if not lam > 0:
            raise ValueError(f"lambda must be positive, got {lam}")
        tables = generator_tables(image, lam)
        if per_image:
            tables = _optimized(image, lam, tables, subsampling)
        return write(integer(tables))
    if target_msssim is None:
        if small:
            return write(quality_tables(quality))
        target_msssim = reference_msssim(image, quality, subsampling)
    plain = plain_writer(image, **options)
    data, chosen = search_generator(image, target_msssim, plain)
    tables = generator_tables(image, chosen)
    if per_image:
        tables = _optimized(image, chosen, tables, subsampling)
        data = min(data, search_scale(image, tables, target_msssim, plain), key=len)
    if rdo:  # levels chosen for rate and distortion need slightly finer steps
        data = min(data, search_scale(image, tables, target_msssim, write, coarse=1.1,
                                      fine=0.7, steps=RDO_STEPS), key=len)
    return data


def quality_tables(quality):
    from jpegzoo.layers.standard import quality_to_qtables

    return quality_to_qtables(quality)


def _check_target(target, small, shape):
    from jpegzoo import metrics

    if not 0.0 < target < 1.0:
        raise ValueError(f"target MS-SSIM must lie strictly between 0 and 1, got {target}")
    if small:
        raise ValueError(f"--target-msssim needs an image of at least "
                         f"{metrics.MS_SSIM_MIN_SIZE} px a side (MS-SSIM's five scales); "
                         f"this one is {shape[1]}x{shape[0]}")


def _optimized(image, lam, init, subsampling):
    from jpegzoo.zoo.qtable.optimizer import optimize_tables

    if image.ndim != 3 or min(image.shape[:2]) < 161:
        raise ValueError("the per-image optimizer needs an RGB image of at least 161 px a side")
    return optimize_tables(image, lam, subsampling, init=init).tables

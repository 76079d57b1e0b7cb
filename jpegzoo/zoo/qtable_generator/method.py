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

import numpy as np

from jpegzoo import metrics
from jpegzoo.imageio import decode_jpeg
from jpegzoo.jpeg import baseline
from jpegzoo.layers.numerics.standard import STD_LUMINANCE_QTABLE, quality_to_qtables
from jpegzoo.metrics import MS_SSIM_MIN_SIZE
from jpegzoo.zoo.mutated_jpeg import operating_points
from jpegzoo.zoo.mutated_jpeg.method import load_codec
from jpegzoo.zoo.qtable_generator.floor_search import search_generator, search_scale
from jpegzoo.zoo.qtable_generator.inference import image_tables, integer
from jpegzoo.zoo.qtable_generator.optimizer import optimize_tables

RDO_STEPS = 4


def plain_writer(image, subsampling="420", optimize=True, restart_interval=0):
    """``write(tables) -> bytes``: the reference writer, levels rounded (libjpeg's rule)."""

    def write(tables):
        return baseline.encode(image, qtables=tables, subsampling=subsampling,
                               optimize=optimize, restart_interval=restart_interval)

    return write


def rdo_writer(image, subsampling="420", optimize=True, restart_interval=0):
    """``write(tables) -> bytes`` choosing levels with the mutated JPEG encoder's
    rate-distortion search (exact rate, SSIM-weighted error; trade-off ``mu`` of its
    calibration, mutation set of the nearest IJG quality)."""

    codec = load_codec()

    def write(tables):
        scale = 100.0 * float(np.mean(tables[0])) / float(np.mean(STD_LUMINANCE_QTABLE))
        lam = operating_points.lambda_for(tables, codec.points["mu"])
        return codec.encoder_for(scale).encode(image, tables, lam, subsampling, optimize,
                                               restart_interval)

    return write


def reference_msssim(image, quality, subsampling):
    """MS-SSIM of libjpeg's tables at IJG ``quality`` on this image (our writer is
    coefficient-exact with libjpeg-turbo)."""

    return metrics.ms_ssim(image, decode_jpeg(baseline.encode(image, quality=quality,
                                                     subsampling=subsampling)))


def encode(image, quality=75, subsampling="420", optimize=True, restart_interval=0, lam=None,
           target_msssim=None, per_image=False, rdo=False, generator=None):
    """Encode uint8 ``[H, W, 3]`` / ``[H, W]`` pixels with learned tables (module docstring);
    ``generator``: the table generator (default: the shipped one)."""

    image = baseline.validate_pixels(image)
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
        tables = image_tables(image, generator)(lam)
        if per_image:
            tables = _optimized(image, lam, tables, subsampling)
        return write(integer(tables))
    if target_msssim is None:
        if small:
            return write(quality_tables(quality))
        target_msssim = reference_msssim(image, quality, subsampling)
    plain = plain_writer(image, **options)
    tables_for = image_tables(image, generator)  # the generator's one pass over the pixels
    data, chosen = search_generator(image, target_msssim, plain, tables_for)
    tables = tables_for(chosen)
    if per_image:
        tables = _optimized(image, chosen, tables, subsampling)
        data = min(data, search_scale(image, tables, target_msssim, plain), key=len)
    if rdo:  # levels chosen for rate and distortion need slightly finer steps
        data = min(data, search_scale(image, tables, target_msssim, write, coarse=1.1,
                                      fine=0.7, steps=RDO_STEPS,
                                      task="MS-SSIM search (RDO levels)"), key=len)
    return data


def quality_tables(quality):

    return quality_to_qtables(quality)


def _check_target(target, small, shape):

    if not 0.0 < target < 1.0:
        raise ValueError(f"target MS-SSIM must lie strictly between 0 and 1, got {target}")
    if small:
        raise ValueError(f"--target-msssim needs an image of at least "
                         f"{metrics.MS_SSIM_MIN_SIZE} px a side (MS-SSIM's five scales); "
                         f"this one is {shape[1]}x{shape[0]}")


def _optimized(image, lam, init, subsampling):

    if image.ndim != 3 or min(image.shape[:2]) < MS_SSIM_MIN_SIZE:
        raise ValueError(f"the per-image optimizer needs an RGB image of at least "
                         f"{MS_SSIM_MIN_SIZE} px a side")
    return optimize_tables(image, lam, subsampling, init=init).tables

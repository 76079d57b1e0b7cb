"""``encode()``: the mutated encoder as a jpegzoo method (``jpegzoo encode --method mutated``).

Three ways to set the operating point:

* ``quality`` alone: match standard JPEG's SSIM at that IJG quality with fewer bits (the
  calibrated table scale and ``mu`` of :mod:`.operating_points`);
* ``lam`` (``--lambda``): plain IJG tables at ``quality`` and this ``mu`` (larger stays
  closer to rounding; ``lambda = mu / (3 * mean luma step^2)``);
* ``target_ssim`` (``--target-ssim``): the coarsest table scale (bisection, calibrated
  ``mu``) whose decoded SSIM on this image reaches the target.
"""

import functools

import numpy as np

from jpegzoo import metrics
from jpegzoo.imageio import decode_jpeg
from jpegzoo.layers.numerics.standard import quality_scaling
from jpegzoo.progress import tracked
from jpegzoo.zoo.mutated_jpeg import mutation_sets, operating_points
from jpegzoo.zoo.mutated_jpeg.encoder import MutatedEncoder

#: Table scales (percent) the SSIM search may use: IJG quality ~100 .. 1.
SCALE_RANGE = (1.0, 5000.0)
SEARCH_STEPS = 9


class MutatedJpeg:
    """The mutated JPEG codec: mutation sets plus operating points.

    Args:
        sets: ``{(quality, component): (vectors, wins)}`` (:func:`.mutation_sets.load`);
            empty: the untrained single-step set.
        points: operating points (:func:`.operating_points.load`).
        anchor: what the mutations are applied around (:class:`MutatedEncoder`):
            ``"trellis"`` or ``"rounding"``.
    """

    def __init__(self, sets=None, points=None, anchor="trellis"):
        self.sets = {} if sets is None else sets
        self.points = operating_points.load() if points is None else points
        self.anchor = anchor

    def encoder_for(self, scale, rate="exact", top_k=None, trellis_depth=3,
                    distortion="ssim"):
        """A :class:`MutatedEncoder` with the mutation set nearest the table scale."""
        quality = operating_points.nominal_quality(scale)
        return MutatedEncoder(mutation_sets.for_quality(self.sets, quality), top_k=top_k,
                              trellis_depth=trellis_depth, rate=rate, distortion=distortion,
                              anchor=self.anchor)

    def encode_at_scale(self, image, scale, mu, subsampling="420", optimize=False,
                        restart_interval=0, rate="exact"):
        """JPEG bytes with IJG tables scaled by ``scale`` percent and trade-off ``mu``."""
        tables = operating_points.tables_for_scale(scale)
        return self.encoder_for(scale, rate).encode(
            image, tables, operating_points.lambda_for(tables, mu), subsampling, optimize,
            restart_interval)

    def encode(self, image, quality=75, subsampling="420", optimize=False,
               restart_interval=0, lam=None, target_ssim=None, rate="exact"):
        """Encode uint8 ``[H, W, 3]`` / ``[H, W]`` pixels to baseline JPEG bytes (see the
        module docstring for ``quality``, ``lam`` and ``target_ssim``; ``rate`` 'exact'
        or 'cnn')."""

        options = dict(subsampling=subsampling, optimize=optimize,
                       restart_interval=restart_interval, rate=rate)
        if lam is not None and target_ssim is not None:
            raise ValueError("give either a lambda or a target SSIM, not both")
        if target_ssim is not None:
            return self._search_ssim(image, float(target_ssim), options)
        if lam is not None:
            if not lam > 0:
                raise ValueError(f"lambda must be positive, got {lam}")
            return self.encode_at_scale(image, float(quality_scaling(quality)), float(lam),
                                        **options)
        scale = operating_points.scale_for(quality, subsampling, self.points)
        return self.encode_at_scale(image, scale, self.points["mu"], **options)

    #: IJG qualities 1..100, as for libjpeg (no levels of its own).
    quality_levels = None

    def compress(self, image, quality=75, subsampling="420", optimize=False,
                 restart_interval=0, lam=None, target_ssim=None, rate="exact"):
        """The codec protocol's name for :meth:`encode`: baseline JPEG bytes."""
        return self.encode(image, quality, subsampling, optimize, restart_interval, lam,
                           target_ssim, rate)

    def decompress(self, data):
        """uint8 pixels of a JPEG file, decoded as its users' decoders do (Pillow)."""

        return decode_jpeg(data)

    def _search_ssim(self, image, target, options):
        """Bisection over log table scale for the coarsest tables reaching ``target``."""

        if not 0.0 < target < 1.0:
            raise ValueError(f"target SSIM must lie strictly between 0 and 1, got {target}")

        def attempt(log_scale):
            data = self.encode_at_scale(image, float(np.exp(log_scale)), self.points["mu"],
                                        **options)
            return data, metrics.ssim(image, decode_jpeg(data))

        low, high = np.log(SCALE_RANGE[0]), np.log(SCALE_RANGE[1])  # fine .. coarse
        best, finest_score = None, None
        for _ in tracked(range(SEARCH_STEPS), "SSIM search"):
            middle = 0.5 * (low + high)
            data, score = attempt(middle)
            if score >= target:
                best, low = data, middle
            else:
                high = middle
        if best is None:
            best, finest_score = attempt(low)
            if finest_score < target:
                raise ValueError(f"target SSIM {target} is not reachable for this image "
                                 f"(the finest tables give {finest_score:.5f})")
        return best


def build_codec():
    """The untrained codec: single-step mutations, uncalibrated operating points."""
    return MutatedJpeg({}, {"mu": operating_points.DEFAULT_MU, "scales": {}})


@functools.lru_cache(maxsize=1)
def load_codec():
    """The codec with the mutation sets and operating points shipped in the package."""
    return MutatedJpeg(mutation_sets.load(), operating_points.load())

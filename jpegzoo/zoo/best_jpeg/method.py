"""``zoo.load("best_jpeg")`` / ``jpegzoo encode --method best``: standard JPEG files, as small
as jpegzoo can make them for a quality the user names.

Operating point, one of:

* ``quality`` Q (default 75): the tune's score that libjpeg-turbo (IJG tables at Q,
  4:2:0) reaches on this image, in as few bytes as the search finds (near Q100, where
  libjpeg's tables are all ones, the score may be out of reach: then the finest file the
  search made);
* ``target_psnr`` / ``target_ssim`` / ``target_msssim`` / ``target_ssimulacra2``: that
  score of the decoded file (dB; 0..1; 0..1; SSIMULACRA2 points); without ``tune``, the
  target's metric is the tune;
* ``lam``: the trade-off ``mu`` itself (bits per unit of the tune's weighted squared
  error of 8-bit samples; larger: better and larger files), no search.

Targets are checked on the decoded file (Pillow), never estimated. See :mod:`.encoder`
for the encoder, :mod:`.search` for the searches and :mod:`.tunes` for the tunes.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from jpegzoo import metrics
from jpegzoo.imageio import decode_jpeg
from jpegzoo.jpeg import baseline
from jpegzoo.jpeg.writer import write_jpeg
from jpegzoo.layers.numerics.standard import quality_scaling
from jpegzoo.zoo.best_jpeg import search, tunes
from jpegzoo.zoo.best_jpeg.encoder import Image

SUBSAMPLINGS = ("auto", "444", "420")
DEFAULT_TUNE = "ssim"
#: Images of this many pixels or more are searched on a sample first (``_from_sample``).
SAMPLE_ABOVE = 4_000_000


def initial_mu(quality):
    """First ``mu`` tried for IJG quality ``quality``: ``mu`` grows about as the
    -1.25th power of libjpeg's table scale (fitted on training photos; the search
    corrects it)."""
    scale = max(float(quality_scaling(quality)), 1.0)  # quality 100: scale 0, tables of 1s
    return 0.0084 * (50.0 / scale) ** 1.25


class BestJpeg:
    """The ``best`` encoder (no trained weights: its tunes are data in :mod:`.tunes`)."""

    quality_levels = None  # IJG qualities 1..100

    def decompress(self, data):
        """uint8 pixels of a JPEG file, decoded by Pillow (as any viewer would)."""
        return decode_jpeg(data)

    def compress(self, image, quality=75, tune=None, subsampling="auto", lam=None,
                 target_psnr=None, target_ssim=None, target_msssim=None,
                 target_ssimulacra2=None, progressive=None, restart_interval=0):
        """JPEG bytes of uint8 ``[H, W, 3]`` RGB or ``[H, W]`` / ``[H, W, 1]`` grey pixels.

        Args:
            quality: IJG quality 1..100 whose libjpeg-turbo score to reach (see the
                module docstring); ignored with ``lam`` or a target.
            tune: ``"psnr"``, ``"ssim"``, ``"ms-ssim"`` or ``"ssimulacra2"`` (default:
                the target's metric, else ``ssim``); it sets the error the encoder
                minimizes, a target's metric is checked whatever the tune.
            subsampling: ``"auto"`` (per image, see :mod:`.search`), ``"444"`` or
                ``"420"``; grey images have none.
            lam: the trade-off ``mu`` (> 0), instead of a quality.
            target_*: a score the decoded file must reach, instead of a quality.
            progressive: progressive JPEG with searched scans (default) or, False,
                baseline with optimal Huffman tables (the same pixels).
            restart_interval: MCUs per restart interval (0: none).
        """
        pixels = baseline.validate_pixels(image)
        if subsampling not in SUBSAMPLINGS:
            raise ValueError(f"the best method's subsampling is one of "
                             f"{', '.join(SUBSAMPLINGS)}; got {subsampling!r}")
        point = operating_point(quality, tune, lam, target_psnr=target_psnr,
                                target_ssim=target_ssim, target_msssim=target_msssim,
                                target_ssimulacra2=target_ssimulacra2)
        chosen = self.choose(Image(pixels, point.tune), point, subsampling, restart_interval)
        return write_jpeg(chosen.levels, optimize=True, restart_interval=restart_interval,
                          progressive="search" if progressive in (None, True) else False)

    def choose(self, prepared, point, subsampling, restart_interval=0):
        """The :class:`~.encoder.Trial` of ``prepared`` (an :class:`~.encoder.Image`) at
        :class:`OperatingPoint` ``point``."""
        if point.lam is not None:
            return self._at_mu(prepared, point.lam, subsampling, restart_interval)
        quality = 75 if point.target is not None else point.quality
        mu0 = initial_mu(quality) * math.exp(prepared.tune.mu_offset)
        if point.target is not None:
            target = point.target
        else:
            target = self.reference_score(prepared, point.quality)
        sample = prepared.sample() if prepared.pixels.shape[0] * prepared.pixels.shape[1] \
            >= SAMPLE_ABOVE else None
        if sample is not None:
            try:
                return self._from_sample(prepared, sample, point, float(target),
                                         subsampling, restart_interval)
            except ValueError:
                pass  # out of reach from there: the search on the whole image decides
        return self._at_target(prepared, float(target), subsampling, mu0, restart_interval,
                               best_effort=point.target is None)

    def _from_sample(self, prepared, sample, point, target, subsampling, restart_interval):
        """A large image's trial: the search (subsampling choice included) runs on
        ``sample`` (:meth:`~.encoder.Image.sample`; for ``-q``, against libjpeg's score
        on the sample), then on the whole image, in the subsampling found and from the
        ``mu`` found, to ``target``: every result is still checked on the whole file."""
        guess = self.choose(sample, point, subsampling, restart_interval)
        return search.search_target(prepared, target, guess.subsampling, guess.mu,
                                    restart_interval, best_effort=point.target is None)

    @staticmethod
    def reference_score(prepared, quality):
        """The tune's score of libjpeg-turbo's 4:2:0 file at IJG ``quality``."""
        data = baseline.encode(prepared.pixels, int(quality), subsampling="420")
        return prepared.score(prepared.decoded(data))

    @staticmethod
    def _at_target(prepared, target, subsampling, mu0, restart_interval, best_effort=False):
        first = subsampling if subsampling in ("444", "422") else "420"
        trials = []
        try:
            chosen = search.search_target(prepared, target, first, mu0, restart_interval,
                                          trials, best_effort)
        except ValueError:
            if subsampling != "auto" or prepared.grey:
                raise
            # out of 4:2:0's reach (chroma detail it cannot hold): 4:4:4 alone may reach it
            return search.search_target(prepared, target, "444", trials[-1].mu,
                                        restart_interval)
        if subsampling != "auto" or prepared.grey or not _may_gain_from_444(prepared, chosen):
            return chosen
        other = prepared.trial(chosen.mu, "444", restart_interval)
        slope = search.slope_per_log_size(trials, prepared.tune)
        goal = prepared.tune.linear(target)
        if slope is None or search.predicted_size(other, goal, slope,
                                                  prepared.tune) >= chosen.size:
            return chosen
        try:
            alternative = search.search_target(prepared, target, "444", other.mu,
                                               restart_interval, [other])
        except ValueError:
            return chosen
        # a file that reaches the target first, then the smaller
        return min((chosen, alternative), key=lambda t: (
            prepared.tune.linear(t.score) < goal, t.size))

    @staticmethod
    def _at_mu(prepared, mu, subsampling, restart_interval):
        if subsampling != "auto" or prepared.grey:
            return prepared.trial(mu, subsampling, restart_interval)
        # at a fixed trade-off, the subsampling with the lower bits + mu * squared error
        candidates = [prepared.trial(mu, s, restart_interval) for s in ("420", "444")]
        return min(candidates, key=lambda t: _lagrangian(prepared, t))


@dataclass(frozen=True)
class OperatingPoint:
    """What the user asked for: the tune (whose metric checks the file), and one of a
    fixed trade-off ``lam``, a ``target`` score, or the IJG ``quality`` whose
    libjpeg-turbo score is the target."""

    tune: tunes.Tune
    lam: float | None = None
    target: float | None = None
    quality: int | None = None


def operating_point(quality=75, tune=None, lam=None, **targets) -> OperatingPoint:
    """Check and resolve the options of :meth:`BestJpeg.compress` (``targets``: the
    ``target_*`` keywords, None when not given); ValueError in one line."""
    targets = {k: v for k, v in targets.items() if v is not None}
    unknown = set(targets) - set(tunes.TARGET_METRICS)
    if unknown:
        raise ValueError(f"unknown targets {sorted(unknown)}")
    if len(targets) + (lam is not None) > 1:
        raise ValueError("give at most one of a lambda and a target")
    if tune is None:
        tune = tunes.TARGET_TUNES[next(iter(targets))] if targets else DEFAULT_TUNE
    chosen = tunes.get(tune)
    if lam is not None:
        if not lam > 0:
            raise ValueError(f"lambda must be positive, got {lam}")
        return OperatingPoint(chosen, lam=float(lam))
    if targets:
        (name, target), = targets.items()
        _check_target(name, target)
        # the tune weighs the error; the target's metric checks the file
        return OperatingPoint(replace(chosen, metric=tunes.TARGET_METRICS[name]),
                              target=float(target))
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"quality must be an IJG quality 1..100, got {quality}")
    return OperatingPoint(chosen, quality=int(quality))


def _may_gain_from_444(prepared, trial):
    """Whether 4:4:4 is worth a trial beside 4:2:0 ``trial``: the error 4:2:0 adds by
    itself is at least the tune's share of the file's error (otherwise chroma resolution
    is not what limits this file)."""
    error = metrics.mse(prepared.pixels, prepared.decoded(trial.data))
    return error == 0 or \
        prepared.chroma_downsampling_error() >= prepared.tune.min_chroma_share * error


def _lagrangian(prepared, trial):
    error = prepared.decoded(trial.data).astype(np.float64) - prepared.pixels
    return 8.0 * trial.size + trial.mu * float(np.sum(error * error))


def _check_target(name, target):
    limits = {"target_psnr": (0.0, math.inf), "target_ssim": (0.0, 1.0),
              "target_msssim": (0.0, 1.0), "target_ssimulacra2": (-math.inf, 100.0)}
    low, high = limits[name]
    if not (math.isfinite(target) and low < target <= high):
        raise ValueError(f"{name.replace('_', '-')} must lie in ({low:g}, {high:g}], got "
                         f"{target}")


def build_codec():
    return BestJpeg()


def load_codec():
    return BestJpeg()

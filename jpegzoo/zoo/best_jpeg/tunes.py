"""What ``--tune`` changes: the distortion the tables and the trellis minimize, and the
metric that quality targets are checked with.

Every tune shares one rate-distortion core (:mod:`jpegzoo.zoo.best_jpeg.encoder`): bits +
``mu`` x a weighted squared error of the decoded pixels. A tune sets the weights:

* components: the squared error of the R, G, B pixels
  (:func:`jpegzoo.jpeg.trellis.rgb_error_gains`), chroma times ``chroma_weight``;
* blocks: SSIM's sensitivity, ``1 / (2 sigma^2 + C2)`` around each pixel, raised to
  ``ssim_strength`` (:func:`jpegzoo.jpeg.trellis.ssim_block_weights`; 0: none) -- errors in
  flat areas cost more, as SSIM-type metrics see them;
* frequencies: ``(1 + (u^2 + v^2) / f0^2)^-exponent`` for DCT frequency ``(u, v)`` (0: none)
  -- the multi-scale and perceptual metrics forgive high-frequency error more than
  squared error does.

The weights of each tune were chosen on training photos (never Kodak or the validation
photos): BD-rate of the tuned metric against mozjpeg 4:2:0 over 6 photos of
``../shared/data/train`` and ``train-extra`` (``benchmarks/best/tune.py``).
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from jpegzoo import metrics


@dataclass(frozen=True)
class Tune:
    """One ``--tune`` setting.

    Attributes:
        name: its name on the command line.
        metric: the score targets are checked with: ``"psnr"`` (dB), ``"ssim"``,
            ``"ms_ssim"`` (0..1) or ``"ssimulacra2"`` (up to 100); higher is better.
        ssim_strength: exponent of the SSIM block weights (0: none).
        frequency_exponent, frequency_scale: the frequency weighting above (exponent 0:
            none).
        chroma_weight: extra weight of chroma error.
        mu_offset: ``log mu`` the tune needs beyond the PSNR tune's for the score
            libjpeg reaches at a quality (the searches' first guess; fitted on training
            photos: ``benchmarks/best/fit_search.py``).
        slope: typical gain of the score (on :meth:`linear`'s scale) per unit of
            ``log mu`` (the searches' first step).
        min_chroma_share: ``auto`` subsampling tries 4:4:4 only when 4:2:0's own error
            (:meth:`~jpegzoo.zoo.best_jpeg.encoder.Image.chroma_downsampling_error`) is at
            least this share of the 4:2:0 file's error: below it 4:4:4 never won on the
            training photos (``benchmarks/best/subsampling.py``; MS-SSIM: 0, it gains
            from 4:4:4 even where 4:2:0's own error is small).
    """

    name: str
    metric: str
    ssim_strength: float = 0.0
    frequency_exponent: float = 0.0
    frequency_scale: float = 1.0
    chroma_weight: float = 1.0
    mu_offset: float = 0.0
    slope: float = 2.5
    min_chroma_share: float = 0.3

    def frequency_weights(self):
        """float64 ``[64]`` natural-order weights of the coefficients' errors, or None."""
        if self.frequency_exponent == 0:
            return None
        u = np.arange(8.0)
        radius2 = (u[:, None] ** 2 + u[None, :] ** 2).reshape(64)
        return (1.0 + radius2 / self.frequency_scale**2) ** -self.frequency_exponent

    def frequency_tuple(self):
        """:meth:`frequency_weights` as a tuple (for
        :class:`~jpegzoo.jpeg.trellis.TrellisOptions`)."""
        weights = self.frequency_weights()
        return None if weights is None else tuple(float(w) for w in weights)

    def scorer(self, reference):
        """The tune's metric against ``reference`` (uint8) as a function of a decoded image
        of its shape (:func:`jpegzoo.metrics.scorer`: the reference prepared once)."""
        return metrics.scorer(self.metric, reference)

    @property
    def tolerance(self) -> float:
        """How far above a target a search may stop, on the :meth:`linear` scale."""
        return TOLERANCES[self.metric]

    def linear(self, score: float) -> float:
        """``score`` on the scale searches interpolate on, where it grows about linearly
        with ``log mu``: dB for SSIM-type metrics (:func:`jpegzoo.metrics.ssim_db`), the
        distance to 100 in dB for SSIMULACRA2 (``-10 log10((100 - s) / 100)``: its gain
        per unit of ``log mu`` falls from about 30 points near 0 to 2 near 90, about in
        proportion to ``100 - s``), PSNR itself."""
        if self.metric in ("ssim", "ms_ssim"):
            return float(metrics.ssim_db(min(score, 1.0 - 1e-12)))
        if self.metric == "ssimulacra2":
            return -10.0 * math.log10(max(100.0 - score, 1e-9) / 100.0)
        return float(score)


#: Per metric, how far above a target a search may stop, in dB on :meth:`Tune.linear`'s
#: scale (a fixed cost in bytes). Measured on 24 encodings of 6 training photos at Q 30-90
#: (``benchmarks/best/README.md``): SSIM's 0.06 dB against 0.03: 0.41 fewer trials per
#: image for 0.26 % more bytes; SSIMULACRA2's 0.08 dB (0.24 points at a score of 70)
#: against the former 0.3 points on the points scale: 1.13 fewer trials for 0.47 % more
#: bytes.
TOLERANCES = {"psnr": 0.03, "ssim": 0.06, "ms_ssim": 0.06, "ssimulacra2": 0.08}

TUNES = {
    "psnr": Tune("psnr", "psnr", mu_offset=0.1, slope=2.5, min_chroma_share=0.15),
    "ssim": Tune("ssim", "ssim", ssim_strength=0.5, mu_offset=1.0, slope=2.2),
    "ms-ssim": Tune("ms-ssim", "ms_ssim", ssim_strength=0.5, frequency_exponent=1.0,
                    frequency_scale=2.0, mu_offset=1.9, slope=2.2, min_chroma_share=0.0),
    "ssimulacra2": Tune("ssimulacra2", "ssimulacra2", ssim_strength=0.5,
                        frequency_exponent=1.0, frequency_scale=2.0, mu_offset=2.2,
                        slope=1.3),
}

#: The tune each ``target_*`` option implies when no tune is given.
TARGET_TUNES = {"target_psnr": "psnr", "target_ssim": "ssim", "target_msssim": "ms-ssim",
                "target_ssimulacra2": "ssimulacra2"}
#: The metric each ``target_*`` option names.
TARGET_METRICS = {"target_psnr": "psnr", "target_ssim": "ssim", "target_msssim": "ms_ssim",
                  "target_ssimulacra2": "ssimulacra2"}


#: Smallest side each metric measures (below it, scores are PSNR: :func:`measurable`).
MIN_SIDES = {"psnr": 1, "ssim": 11, "ms_ssim": metrics.MS_SSIM_MIN_SIZE, "ssimulacra2": 8}


def measurable(tune, shape) -> Tune:
    """``tune``, scoring with PSNR when an image of ``shape`` is too small for its metric
    (SSIM's window is 11 pixels, MS-SSIM's pyramid needs more)."""
    if min(shape[:2]) < MIN_SIDES[tune.metric]:
        return replace(tune, metric="psnr")
    return tune


def get(name) -> Tune:
    """The :class:`Tune` called ``name``; ValueError naming the known ones otherwise."""
    if name not in TUNES:
        raise ValueError(f"unknown tune {name!r}; use one of {', '.join(TUNES)}")
    return TUNES[name]

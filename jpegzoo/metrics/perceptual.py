"""Perceptual full-reference metrics: SSIMULACRA2 and Butteraugli.

* :func:`ssimulacra2`: a numba port of the ``ssimulacra2`` registry package (0.3.0, a
  Python rendering of libjxl's ``tools/ssimulacra2.cc``): sRGB -> linear RGB -> positive
  XYB, six scales of 2x2 box downsampling (in linear RGB), at each scale and XYB channel
  the mean and 4-norm of an SSIM error map and of two edge maps (ringing/blocking and lost
  detail), 108 weighted features mapped to a score. It reproduces the package's score
  (``tests/test_metrics_perceptual.py`` holds it to 1e-8; 3e-12 at most on 4 Kodak
  images x 3 qualities) about 4x faster (1.2 s against 5.0 s per Kodak image, measured
  side by side on a loaded 2-core machine); :func:`ssimulacra2_package` calls the
  package itself. Like the package, it blurs with an
  11-tap Gaussian (zero beyond the left and right edges, mirrored beyond the top and
  bottom) where libjxl uses a recursive Gaussian, so scores can differ slightly from
  libjxl's ``ssimulacra2`` tool.
* :func:`butteraugli`: the max-norm distance of Debian's ``butteraugli`` command
  (``apt-get install butteraugli``).

Scores: SSIMULACRA2 is at most 100 (identical images), about 90 "visually lossless", 70
"high quality", 50 "medium", and can go negative; Butteraugli is a distance (0 for
identical images, below about 1 "good").
"""

from __future__ import annotations

import numpy as np

# Opsin absorbance of libjxl's opsin_params.h, as the ssimulacra2 package writes it.
_M02, _M00 = 0.078, 0.30
_M12, _M10 = 0.078, 0.23
_M20, _M21 = 0.24342268924547819, 0.20476744424496821
_OPSIN_MATRIX = np.array([[_M00, 1.0 - _M02 - _M00, _M02],
                          [_M10, 1.0 - _M12 - _M10, _M12],
                          [_M20, _M21, 1.0 - _M20 - _M21]])
_OPSIN_BIAS = np.full(3, 0.0037930732552754493)
_SCALES = 6
_MIN_SIDE = 8

# The 108 feature weights of libjxl's tools/ssimulacra2.cc (BSD-3-Clause), ordered by XYB
# channel, then scale, then norm (mean, 4-norm), then map (SSIM error, artifact, lost
# detail).
_WEIGHTS = np.array([
    0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0, 0.0,
    0.0004371155730107379, 0.0, 1.1041726426657346, 0.00066284834129271,
    0.00015231632783718752, 0.0, 0.0016406437456599754, 0.0, 1.8422455520539298,
    11.441172603757666, 0.0, 0.0007989109436015163, 0.000176816438078653, 0.0,
    1.8787594979546387, 10.94906990605142, 0.0, 0.0007289346991508072, 0.9677937080626833,
    0.0, 0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053,
    0.0004550992113792063, 0.0, 0.0, 0.0013648766163243398, 0.0, 0.0, 0.0, 0.0, 0.0,
    7.466890328078848, 0.0, 17.445833984131262, 0.0006235601634041466, 0.0, 0.0,
    6.683678146179332, 0.00037724407979611296, 1.027889937768264, 225.20515300849274, 0.0,
    0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
    176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757,
    0.0004485436923833408, 0.0, 0.0, 0.0, 34.77906344483772, 44.835625328877896, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0008680556573291698, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0005313191874358747, 0.0, 0.00016533814161379112, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0004179171803251336, 0.0017290828234722833, 0.0, 0.0020827005846636437, 0.0, 0.0,
    8.826982764996862, 23.19243343998926, 0.0, 95.1080498811086, 0.9863978034400682,
    0.9834382792465353, 0.0012286405048278493, 171.2667255897307, 0.9807858872435379, 0.0,
    0.0, 0.0, 0.0005130064588990679, 0.0, 0.00010854057858411537])


def _srgb_to_linear_table() -> np.ndarray:
    """Linear light of each 8-bit sRGB code: float64 [256] (the package's formula)."""
    v = np.arange(256, dtype=np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


_LINEAR = _srgb_to_linear_table()


def _rgb8(image, name: str) -> np.ndarray:
    """uint8 [H, W, 3] of an RGB or grey ([H, W], [H, W, 1]) uint8 image."""
    x = np.asarray(image)
    if x.dtype != np.uint8:
        raise ValueError(f"{name}: expected uint8 sRGB pixels, got dtype {x.dtype}")
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=2)
    if x.ndim != 3 or x.shape[2] != 3:
        raise ValueError(f"{name}: expected an RGB image [H, W, 3] or a grey one [H, W], "
                         f"got shape {x.shape}")
    return x


def _checked_pair(reference, distorted) -> tuple[np.ndarray, np.ndarray]:
    a = _rgb8(reference, "reference")
    b = _rgb8(distorted, "distorted")
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")
    if min(a.shape[:2]) < _MIN_SIDE:
        raise ValueError(f"SSIMULACRA2 needs images at least {_MIN_SIDE}x{_MIN_SIDE} pixels, "
                         f"got {a.shape[0]}x{a.shape[1]}")
    return a, b


def ssimulacra2(reference, distorted) -> float:
    """SSIMULACRA2 score of ``distorted`` against ``reference`` (higher is better, 100 for
    identical images).

    Args:
        reference, distorted: uint8 sRGB images of one shape, [H, W, 3] or grey [H, W] /
            [H, W, 1] (taken as R = G = B), at least 8 px a side. Not symmetric: the first
            is the original.

    Returns:
        The score as a python float.

    Raises:
        ValueError: for other dtypes or shapes, differing shapes, or sides under 8 px.
    """
    a, b = _checked_pair(reference, distorted)
    return Ssimulacra2Reference(a)(b)


class Ssimulacra2Reference:
    """A reference image prepared for SSIMULACRA2: its positive-XYB planes at each scale and
    their local means of ``x`` and ``x*x``; calling it scores a distorted image, equal to
    :func:`ssimulacra2` (which is one such call), with the reference's share of the work
    done once.

    Args:
        reference: as :func:`ssimulacra2`'s.

    Memory: about 9 x 8 bytes per pixel (three planes and two moments each, x 4/3 for the
    pyramid).
    """

    def __init__(self, reference):
        from jpegzoo.metrics import kernels  # lazy: numba

        a = _rgb8(reference, "reference")
        if min(a.shape[:2]) < _MIN_SIDE:
            raise ValueError(f"SSIMULACRA2 needs images at least {_MIN_SIDE}x{_MIN_SIDE} "
                             f"pixels, got {a.shape[0]}x{a.shape[1]}")
        self.shape = a.shape
        self._taps = _gaussian_taps()
        self._levels = []  # per scale: (XYB planes [3, H, W], their moments)
        for linear in _linear_pyramid(a):
            xyb = kernels.positive_xyb(linear, _OPSIN_MATRIX, _OPSIN_BIAS)
            self._levels.append((xyb, [kernels.reference_moments(plane, self._taps, True)
                                       for plane in xyb]))

    def __call__(self, distorted) -> float:
        """SSIMULACRA2 score of ``distorted`` (same shape as the reference)."""
        from jpegzoo.metrics import kernels

        b = _rgb8(distorted, "distorted")
        if b.shape != self.shape:
            raise ValueError(f"image shapes differ: {self.shape} vs {b.shape}")
        features = np.zeros((3, len(self._levels), 6))  # (ssim, artifact, lost) x 2 norms
        for scale, (linear, (x, moments)) in enumerate(zip(_linear_pyramid(b), self._levels)):
            y = kernels.positive_xyb(linear, _OPSIN_MATRIX, _OPSIN_BIAS)
            for c in range(3):
                features[c, scale] = kernels.ssimulacra2_plane(x[c], moments[c], y[c],
                                                               self._taps)
        return _score(features)


def _linear_pyramid(image):
    """Linear-light planes [3, H, W] of uint8 sRGB ``image`` at each scale SSIMULACRA2
    measures: up to six, each a 2x2 box downsampling of the last, while 8 px a side or
    more."""
    from jpegzoo.metrics import kernels

    linear = _LINEAR[image.transpose(2, 0, 1)]  # a lookup makes contiguous [3, H, W]
    for scale in range(_SCALES):
        if scale:
            linear = kernels.halve(linear)
        if min(linear.shape[1:]) < _MIN_SIDE:
            return
        yield linear


def _gaussian_taps() -> np.ndarray:
    from jpegzoo.metrics.structural import _gaussian_taps as taps  # sigma 1.5, 11 taps

    return taps()


def _score(features: np.ndarray) -> float:
    """The package's (and libjxl's) mapping of features [3, scales, 6] to the score. With
    fewer than six scales (images under 256 px a side) the weights are taken in order, as
    libjxl does."""
    # Per (channel, scale): (mean, 4-norm) x (ssim, artifact, lost) in the weights' order.
    ordered = features[..., [0, 2, 4, 1, 3, 5]].ravel()
    total = float(np.dot(_WEIGHTS[:ordered.size], np.abs(ordered))) * 0.9562382616834844
    total = (2.326765642916932 * total - 0.020884521182843837 * total * total
             + 6.248496625763138e-05 * total * total * total)
    return 100.0 - 10.0 * total ** 0.6276336467831387 if total > 0 else 100.0


def ssimulacra2_package(reference, distorted) -> float:
    """SSIMULACRA2 by the ``ssimulacra2`` registry package itself (numpy/scipy, about 4x
    slower than :func:`ssimulacra2`, which is checked against it). Arguments as
    :func:`ssimulacra2`.

    Raises:
        ValueError: as :func:`ssimulacra2`, or when the package is not installed.
    """
    import io

    from PIL import Image

    try:
        from ssimulacra2 import compute_ssimulacra2
    except ImportError:
        raise ValueError("SSIMULACRA2 by its reference package needs ssimulacra2: "
                         "pip install 'jpegzoo[metrics]'") from None
    streams = []
    for image in _checked_pair(reference, distorted):
        stream = io.BytesIO()
        Image.fromarray(image).save(stream, "PNG", compress_level=0)
        stream.seek(0)
        streams.append(stream)
    return float(compute_ssimulacra2(*streams))


def butteraugli(reference, distorted) -> float:
    """Butteraugli distance (max-norm) of ``distorted`` against ``reference``, by the
    ``butteraugli`` command (Debian/Ubuntu: ``apt-get install butteraugli``).

    Args:
        reference, distorted: uint8 sRGB images of one shape, [H, W, 3] or grey [H, W] /
            [H, W, 1], at least 8 px a side.

    Returns:
        The distance as a python float (0 for identical images; below about 1: no visible
        difference).

    Raises:
        ValueError: for bad images (as :func:`ssimulacra2`), when the command is missing,
            or when it fails.
    """
    import os
    import shutil
    import subprocess
    import tempfile

    from PIL import Image

    command = shutil.which("butteraugli")
    if command is None:
        raise ValueError("Butteraugli needs the butteraugli command: apt-get install "
                         "butteraugli (Debian/Ubuntu), or build it from "
                         "https://github.com/google/butteraugli")
    with tempfile.TemporaryDirectory() as folder:
        paths = [os.path.join(folder, f"{name}.png") for name in ("reference", "distorted")]
        for path, image in zip(paths, _checked_pair(reference, distorted)):
            Image.fromarray(image).save(path, compress_level=1)
        result = subprocess.run([command, *paths], capture_output=True, text=True)
    try:
        return float(result.stdout.split()[0])
    except (IndexError, ValueError):
        raise ValueError(f"butteraugli failed (exit {result.returncode}): "
                         f"{(result.stderr or result.stdout).strip()[:200]}") from None

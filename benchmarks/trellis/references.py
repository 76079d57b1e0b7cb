"""The encoders and the quality measures of the trellis benchmark (see run.py).

* ``mozjpeg_baseline``: mozjpeg 4.0.3 (jpeglib's build) with the IJG tables, trellis
  quantization of AC and DC and its other defaults. jpeglib cannot switch mozjpeg's
  progressive scan script off (``-PROGRESSIVE_MODE`` only clears a flag that mozjpeg
  recomputes from the script), so its levels are read back (``jpeglib.read_dct``) and
  written as one baseline scan with optimal Huffman tables by jpegzoo's writer -- the same
  levels, and so the same pixels, in the file format the trellis writes.
* ``mozjpeg_cjpeg``: ``cjpeg -quality Q`` (mozjpeg's own tables, progressive, 4:2:0); timed
  as the speed reference.
* ``fast_ssim``: single-scale SSIM as :func:`jpegzoo.metrics.ssim` (TensorFlow) computes it,
  in float64 numpy (Gaussian 11 x 11, sigma 1.5, valid borders, mean over channels):
  TensorFlow takes about 5 s per Kodak image on this CPU; run.py checks the agreement.
"""

import os
import tempfile

import numpy as np
from scipy.ndimage import correlate1d

from jpegzoo.jpeg.baseline import fill_dummy_blocks
from jpegzoo.jpeg.coefficients import empty_layout, real_grid
from jpegzoo.jpeg.writer import write_jpeg
from jpegzoo.layers.numerics.standard import quality_to_qtables
from jpegzoo.reference_codecs import mozjpeg_cjpeg_encode, mozjpeg_encode


def mozjpeg_levels(image, quality, subsampling):
    """(levels as a JpegLevels, mozjpeg's own file bytes) of mozjpeg's trellis at IJG
    ``quality``."""
    import jpeglib

    data = mozjpeg_encode(image, quality, subsampling)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.jpg")
        with open(path, "wb") as handle:
            handle.write(data)
        dct = jpeglib.read_dct(path)
        planes = [dct.Y] + ([dct.Cb, dct.Cr] if dct.has_chrominance else [])
    layout = empty_layout(image, quality_to_qtables(quality), subsampling)
    for index, (comp, plane) in enumerate(zip(layout.components, planes)):
        rows, cols = real_grid(layout, index)
        comp.levels[:rows, :cols] = plane.reshape(*plane.shape[:2], 64)[:rows, :cols]
        if len(planes) > 1:
            fill_dummy_blocks(layout, index)  # as mozjpeg (libjpeg) codes the MCU padding
    return layout, data


def mozjpeg_baseline(image, quality, subsampling):
    layout, _ = mozjpeg_levels(image, quality, subsampling)
    return write_jpeg(layout, optimize=True)


def mozjpeg_cjpeg(image, quality, subsampling):
    return mozjpeg_cjpeg_encode(image, quality)


def _gaussian(size=11, sigma=1.5):
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-x**2 / (2 * sigma**2))
    return g / g.sum()


def fast_ssim(a, b, max_val=255.0):
    """SSIM of two images ``[H, W, C]`` (or ``[H, W]``), as tf.image.ssim computes it."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    g = _gaussian()
    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2

    def blur(x):
        x = correlate1d(correlate1d(x, g, axis=0, mode="constant"), g, axis=1,
                        mode="constant")
        return x[5:-5, 5:-5]

    mu_a, mu_b = blur(a), blur(b)
    saa = blur(a * a) - mu_a**2
    sbb = blur(b * b) - mu_b**2
    sab = blur(a * b) - mu_a * mu_b
    luminance = (2 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
    structure = (2 * sab + c2) / (saa + sbb + c2)
    return float((luminance * structure).mean())

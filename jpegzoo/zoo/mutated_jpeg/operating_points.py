"""Operating points: which tables and lambda the mutated encoder uses for a quality.

``quality`` means "match standard JPEG at this IJG quality": the mutated encoder keeps
SSIM at the level libjpeg reaches at ``quality`` while spending fewer bits. Mutations only
ever add error to plain rounding, so matching SSIM needs slightly finer tables than
``quality``'s; calibration (:mod:`.calibration`) found, per subsampling and quality on
training photos, the coarsest IJG table scale whose mean SSIM with the mutated encoder is
still at least the standard encoder's. Between calibrated qualities the scale is
interpolated (geometrically); without calibration data the plain IJG scale is used.

Lambda is given as ``mu``: ``lambda = mu / (3 * mean luma step^2)`` (bits per unit of
SSIM-weighted squared RGB error), which keeps one ``mu`` meaningful at every quality.
"""

import json
from importlib.resources import files

import numpy as np

from jpegzoo.layers.numerics.standard import (
    STD_CHROMINANCE_QTABLE,
    STD_LUMINANCE_QTABLE,
    quality_scaling,
    scale_qtable,
)

#: mu used when no calibration is shipped (the calibration records the one it chose).
DEFAULT_MU = 320.0


def packaged_path():
    return files("jpegzoo.zoo.mutated_jpeg") / "data" / "operating_points.json"


def load(path=None):
    """``{"mu": float, "scales": {"444": {quality: scale}, "420": {...}}}``."""
    source = packaged_path() if path is None else path
    if path is None and not source.is_file():
        return {"mu": DEFAULT_MU, "scales": {}}
    with open(str(source)) as handle:
        data = json.load(handle)
    scales = {sub: {int(q): float(s) for q, s in table.items()}
              for sub, table in data.get("scales", {}).items()}
    return {"mu": float(data.get("mu", DEFAULT_MU)), "scales": scales}


def save(path, mu, scales, notes=None):
    data = {"mu": mu, "scales": {sub: {str(q): s for q, s in sorted(t.items())}
                                 for sub, t in scales.items()}}
    if notes:
        data["notes"] = notes
    with open(path, "w") as handle:
        json.dump(data, handle, indent=1)
        handle.write("\n")


def tables_for_scale(scale):
    """IJG tables (int32 ``[2, 64]``, natural order) scaled by ``scale`` percent (any
    positive real: finer steps than the integer qualities allow)."""
    return np.stack([scale_qtable(STD_LUMINANCE_QTABLE, scale),
                     scale_qtable(STD_CHROMINANCE_QTABLE, scale)])


def scale_for(quality, subsampling, points):
    """Calibrated table scale (percent) for ``quality`` (plain IJG scaling if uncalibrated)."""
    table = points["scales"].get(str(subsampling).replace(":", ""), {})
    if not table:
        return float(quality_scaling(quality))
    qualities = np.array(sorted(table))
    ratios = np.array([table[q] / quality_scaling(q) for q in qualities])
    ratio = np.exp(np.interp(quality, qualities, np.log(ratios)))
    return float(quality_scaling(quality) * ratio)


def nominal_quality(scale):
    """The (real-valued) IJG quality whose scaling equals ``scale`` percent."""
    return 5000.0 / scale if scale > 100 else (200.0 - scale) / 2.0


def lambda_for(tables, mu):
    """``mu / (3 * mean luma step^2)``."""
    return float(mu) / (3.0 * float(np.mean(tables[0])) ** 2)

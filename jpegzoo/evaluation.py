"""Rate-distortion evaluation of registered methods over a set of images.

``evaluate`` encodes every image at every quality with every method, decodes the result
the way a user would and measures it (:func:`measure`); ``mean_curves`` averages the
points of each (method, quality) over the images (the usual way RD curves are reported on
Kodak); ``write_report`` writes a CSV of every point, a markdown summary with BD-rates
against an anchor method, and the rate-distortion plot.

Units: rate in bits per pixel (bpp), PSNR in dB (RGB over all channels, and luma Y), SSIM
and MS-SSIM unitless (their curves also in dB, ``-10 log10(1 - q)``), SSIMULACRA2 a score
(100 = identical), Butteraugli a distance, BD-rate in percent of the anchor's rate.
"""

import csv
import math
import os
from dataclasses import asdict, dataclass

import numpy as np

from jpegzoo import methods, metrics

#: Quality metrics :func:`measure` can add to PSNR and Y-PSNR: name -> (metric(reference,
#: decoded) -> float, smallest image side it accepts; smaller images get NaN).
QUALITY_METRICS = {
    "ssim": (metrics.ssim, 11),
    "ms_ssim": (metrics.ms_ssim, metrics.MS_SSIM_MIN_SIZE),
    "ssimulacra2": (metrics.ssimulacra2, 8),
    "butteraugli": (metrics.butteraugli, 8),  # a subprocess per image: not by default
}
#: What :func:`evaluate` measures unless told otherwise (Butteraugli needs its command).
DEFAULT_METRICS = ("ssim", "ms_ssim", "ssimulacra2")
#: Higher-is-better curve fields BD-rates are taken on, with their labels.
BD_FIELDS = {"psnr": "PSNR", "psnr_y": "Y-PSNR", "ssim_db": "SSIM in dB",
             "ms_ssim_db": "MS-SSIM in dB", "ssimulacra2": "SSIMULACRA2"}


@dataclass
class RDPoint:
    """One encoded image: which method and setting, its size and its quality (NaN for a
    metric that was not measured)."""

    image: str
    method: str
    quality: int
    num_bytes: int
    bpp: float
    psnr: float
    psnr_y: float
    ssim: float
    ms_ssim: float
    ssimulacra2: float
    butteraugli: float


def measure(reference, decoded, quality_metrics=DEFAULT_METRICS):
    """``{"psnr", "psnr_y", and each of quality_metrics: float}`` of a decoded image
    against its uint8 reference (same shape); NaN for a metric of :data:`QUALITY_METRICS`
    not asked for or for which the image is too small."""
    unknown = set(quality_metrics) - set(QUALITY_METRICS)
    if unknown:
        raise ValueError(f"unknown quality metrics {sorted(unknown)}; known: "
                         f"{sorted(QUALITY_METRICS)}")
    scores = {"psnr": metrics.psnr(reference, decoded),
              "psnr_y": metrics.psnr_y(reference, decoded)}
    side = min(np.shape(reference)[:2])
    for name, (metric, min_side) in QUALITY_METRICS.items():
        wanted = name in quality_metrics and side >= min_side
        scores[name] = metric(reference, decoded) if wanted else math.nan
    return scores


def evaluate(images, method_names, qualities, subsampling="420", optimize=True,
             quality_metrics=DEFAULT_METRICS, progress=True, output_folder=None):
    """Encode, decode and measure; returns a list of :class:`RDPoint`.

    Args:
        images: dict name -> uint8 ``[H, W, 3]`` or ``[H, W]`` array.
        method_names: registered method names (see :mod:`jpegzoo.methods`).
        qualities: IJG qualities to encode at (methods with their own quality levels,
            the learned codecs, use all of theirs instead).
        quality_metrics: names of :data:`QUALITY_METRICS` to measure besides PSNR.
        output_folder: if given, every encoded file is kept there as
            ``<image>_<method>_q<quality><suffix>``.
        progress: show a tqdm progress bar.
    """
    from tqdm.auto import tqdm

    chosen = [methods.get(name) for name in method_names]
    jobs = [(name, method, int(q)) for name in images for method in chosen
            for q in (method.qualities or qualities)]
    points = []
    for name, method, quality in tqdm(jobs, desc="encoding", unit="file", disable=not progress):
        image = images[name]
        data = method.load()(image, quality=quality, subsampling=subsampling,
                             optimize=optimize)
        if output_folder is not None:
            path = os.path.join(output_folder, f"{name}_{method.name}_q{quality}{method.suffix}")
            with open(path, "wb") as handle:
                handle.write(data)
        height, width = image.shape[:2]
        scores = measure(image, method.load_decoder()(data), quality_metrics)
        points.append(RDPoint(name, method.name, quality, len(data),
                              metrics.bpp(len(data), height, width), **scores))
    return points


def mean_curves(points, key="method"):
    """Average over images: dict ``key`` value (the method) -> dict of arrays sorted by
    quality: ``quality``, ``bpp``, every metric of :class:`RDPoint` (NaN where it was not
    measured), and ``ssim_db`` / ``ms_ssim_db`` (:func:`jpegzoo.metrics.ssim_db` of the
    mean SSIM / MS-SSIM).

    ``points``: :class:`RDPoint` objects or mappings with the same fields (CSV rows:
    numbers as strings are read as floats).
    """
    rows = [asdict(p) if isinstance(p, RDPoint) else dict(p) for p in points]
    fields = ("bpp", "psnr", "psnr_y", "ssim", "ms_ssim", "ssimulacra2", "butteraugli")
    curves = {}
    for group in dict.fromkeys(r[key] for r in rows):
        members = [r for r in rows if r[key] == group]
        qualities = sorted({int(r["quality"]) for r in members})
        curve = {"quality": np.array(qualities)}
        for field in fields:
            curve[field] = np.array([np.mean([float(r.get(field, "nan")) for r in members
                                              if int(r["quality"]) == q]) for q in qualities])
        for field in ("ssim", "ms_ssim"):  # the scale BD-rates of SSIM-type metrics use
            curve[f"{field}_db"] = np.array([metrics.ssim_db(v) if v <= 1 else math.nan
                                             for v in curve[field]])
        curves[group] = curve
    return curves


def bd_rates(curves, anchor, quality_field="psnr"):
    """BD-rate (percent, pchip) of each method against ``anchor``; NaN where undefined."""
    result = {}
    for method, curve in curves.items():
        if method == anchor:
            continue
        try:
            result[method] = metrics.bd_rate(curves[anchor]["bpp"], curves[anchor][quality_field],
                                             curve["bpp"], curve[quality_field])
        except ValueError:
            result[method] = float("nan")
    return result


def _measured(curves, field):
    return any(np.any(np.isfinite(c.get(field, [np.nan]))) for c in curves.values())


def summary_table(curves, anchor=None):
    """Markdown table: one row per (method, quality) with mean bpp and each measured
    quality metric, followed by BD-rates against ``anchor`` on :data:`BD_FIELDS`."""
    columns = [(f, label, digits) for f, label, digits in (
        ("psnr", "PSNR (dB)", 3), ("psnr_y", "Y-PSNR (dB)", 3), ("ssim", "SSIM", 5),
        ("ms_ssim", "MS-SSIM", 5), ("ssimulacra2", "SSIMULACRA2", 2),
        ("butteraugli", "Butteraugli", 3)) if _measured(curves, f)]
    lines = ["| method | quality | bpp | " + " | ".join(c[1] for c in columns) + " |",
             "|---|---:|---:|" + "---:|" * len(columns)]
    for method, curve in curves.items():
        for i, quality in enumerate(curve["quality"]):
            values = " | ".join(f"{curve[f][i]:.{d}f}" for f, _, d in columns)
            lines.append(f"| {method} | {quality} | {curve['bpp'][i]:.4f} | {values} |")
    if anchor in curves and len(curves) > 1:
        lines += ["", f"BD-rate against {anchor} (negative = fewer bits at equal quality):", ""]
        for field, label in BD_FIELDS.items():
            if not _measured(curves, field):
                continue
            for method, value in bd_rates(curves, anchor, field).items():
                shown = f"{value:+.2f} %" if np.isfinite(value) else "n/a (the curves do " \
                    "not overlap)"
                lines.append(f"- {method}: {shown} ({label})")
    return "\n".join(lines) + "\n"


def plot_rd(curves, path, title="Rate-distortion"):
    """Write a PNG plot of mean PSNR (dB) against bpp for each method."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    for method, curve in curves.items():
        axis.plot(curve["bpp"], curve["psnr"], marker="o", markersize=3, label=method)
    axis.set_xlabel("rate (bits per pixel)")
    axis.set_ylabel("PSNR (dB, RGB)")
    axis.set_title(title)
    axis.grid(True, alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_report(points, folder, anchor=None, title="Rate-distortion"):
    """Write ``rd_points.csv``, ``rd_summary.md`` and ``rd_curve.png`` into ``folder``;
    returns the summary text."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "rd_points.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(asdict(points[0])))
        writer.writeheader()
        writer.writerows(asdict(p) for p in points)
    curves = mean_curves(points)
    summary = summary_table(curves, anchor)
    with open(os.path.join(folder, "rd_summary.md"), "w") as handle:
        handle.write(f"# {title}\n\n{summary}")
    plot_rd(curves, os.path.join(folder, "rd_curve.png"), title)
    return summary


def run_per_image(paths, out_dir, measure, fields, processes=1):
    """Run ``measure(path) -> list of row dicts`` for every image, resumably: each image's
    rows go to ``out_dir/images/<name>.csv`` (written atomically; an image whose CSV exists
    is skipped), and all rows, in image order, to ``out_dir/points.csv``. ``processes`` > 1
    runs images in a spawned pool (``measure`` must then be a module-level function).
    Returns the rows."""
    from tqdm import tqdm

    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    jobs = [(path, out_dir, measure, fields) for path in paths]
    if processes > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            done = list(tqdm(pool.imap_unordered(_image_csv, jobs), total=len(jobs)))
    else:
        done = [_image_csv(job) for job in tqdm(jobs)]
    rows = []
    for path in sorted(done):
        with open(path) as handle:
            rows += list(csv.DictReader(handle))
    _write_csv(os.path.join(out_dir, "points.csv"), rows, fields)
    return rows


def _image_csv(job):
    path, out_dir, measure, fields = job
    name = os.path.splitext(os.path.basename(path))[0]
    target = os.path.join(out_dir, "images", f"{name}.csv")
    if not os.path.exists(target):
        temporary = target + ".tmp"
        _write_csv(temporary, measure(path), fields)
        os.replace(temporary, target)
    return target


def _write_csv(path, rows, fields):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(rows)

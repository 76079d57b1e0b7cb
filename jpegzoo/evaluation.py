"""Rate-distortion evaluation of registered methods over a set of images.

``evaluate`` encodes every image at every quality with every method, decodes the result
the way a user would and measures it; ``mean_curves`` averages the points of each
(method, quality) over the images (the usual way RD curves are reported on Kodak);
``write_report`` writes a CSV of every point, a markdown summary with BD-rates against an
anchor method, and the rate-distortion plot.

Units: rate in bits per pixel (bpp), PSNR in dB (RGB over all channels, and luma Y),
MS-SSIM unitless, BD-rate in percent of the anchor's rate.
"""

import csv
import os
from dataclasses import asdict, dataclass

import numpy as np

from jpegzoo import methods, metrics


@dataclass
class RDPoint:
    """One encoded image: which method and setting, its size and its quality."""

    image: str
    method: str
    quality: int
    num_bytes: int
    bpp: float
    psnr: float
    psnr_y: float
    ms_ssim: float


def evaluate(images, method_names, qualities, subsampling="420", optimize=True,
             with_ms_ssim=True, progress=True, output_folder=None):
    """Encode, decode and measure; returns a list of :class:`RDPoint`.

    Args:
        images: dict name -> uint8 ``[H, W, 3]`` or ``[H, W]`` array.
        method_names: registered method names (see :mod:`jpegzoo.methods`).
        qualities: IJG qualities to encode at (methods with their own quality levels,
            the learned codecs, use all of theirs instead).
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
        points.append(_measure(name, method, quality, image, data, with_ms_ssim))
    return points


def _measure(name, method, quality, image, data, with_ms_ssim):
    decoded = method.load_decoder()(data)
    height, width = image.shape[:2]
    score = float("nan")
    if with_ms_ssim and min(height, width) >= metrics.MS_SSIM_MIN_SIZE:
        score = metrics.ms_ssim(image, decoded)
    return RDPoint(name, method.name, quality, len(data), metrics.bpp(len(data), height, width),
                   metrics.psnr(image, decoded), metrics.psnr_y(image, decoded), score)


def mean_curves(points):
    """Average over images: dict method -> dict of arrays (quality, bpp, psnr, psnr_y,
    ms_ssim, and ms_ssim_db = -10 log10(1 - ms_ssim)), sorted by quality."""
    curves = {}
    for method in dict.fromkeys(p.method for p in points):
        rows = [p for p in points if p.method == method]
        qualities = sorted({p.quality for p in rows})
        curve = {"quality": np.array(qualities)}
        for field in ("bpp", "psnr", "psnr_y", "ms_ssim"):
            curve[field] = np.array([np.mean([getattr(p, field) for p in rows
                                              if p.quality == q]) for q in qualities])
        with np.errstate(divide="ignore"):  # MS-SSIM in dB, the scale BD-rates interpolate
            curve["ms_ssim_db"] = -10.0 * np.log10(1.0 - curve["ms_ssim"])
        curves[method] = curve
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


def summary_table(curves, anchor=None):
    """Markdown table: one row per (method, quality) with mean bpp, PSNR, Y-PSNR, MS-SSIM,
    followed by BD-rates against ``anchor``."""
    lines = ["| method | quality | bpp | PSNR (dB) | Y-PSNR (dB) | MS-SSIM |",
             "|---|---:|---:|---:|---:|---:|"]
    for method, curve in curves.items():
        for i, quality in enumerate(curve["quality"]):
            lines.append(f"| {method} | {quality} | {curve['bpp'][i]:.4f} | "
                         f"{curve['psnr'][i]:.3f} | {curve['psnr_y'][i]:.3f} | "
                         f"{curve['ms_ssim'][i]:.5f} |")
    if anchor in curves and len(curves) > 1:
        lines += ["", f"BD-rate against {anchor} (negative = fewer bits at equal quality):", ""]
        for field, label in (("psnr", "PSNR"), ("psnr_y", "Y-PSNR"),
                             ("ms_ssim_db", "MS-SSIM in dB")):
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

"""Tables and plots from ``out/points.csv`` (written by run.py): the paper-style Table 1,
BD-rates (PSNR and SSIM) and rate-distortion plots.

    .venv/bin/python benchmarks/mutated_jpeg/summarize.py [out/points.csv] [out]
"""

import csv
import os
import sys

import numpy as np

#: Savings over standard JPEG at about equal SSIM reported by the paper (4:4:4), issue #5.
PAPER_SAVINGS = {10: 2.8, 20: 4.7, 30: 6.2, 40: 6.4, 50: 6.9, 60: 8.4, 70: 8.8, 80: 11.0,
                 90: 11.3}
METHODS = ("standard", "standard_opt", "mutated", "mutated_opt", "mozjpeg")


def mean_curves(rows):
    """{(method, subsampling): array [Q, 4] of quality, mean bpp, mean PSNR, mean SSIM}."""
    curves = {}
    keys = sorted({(r["method"], r["subsampling"]) for r in rows})
    for method, sub in keys:
        mine = [r for r in rows if r["method"] == method and r["subsampling"] == sub]
        qualities = sorted({int(r["quality"]) for r in mine})
        curves[(method, sub)] = np.array([
            [q] + [np.mean([float(r[f]) for r in mine if int(r["quality"]) == q])
                   for f in ("bpp", "psnr", "ssim")] for q in qualities])
    return curves


def equal_ssim_bpp(curve, ssim):
    """bpp of a mean curve at ``ssim`` (log-bpp interpolated; NaN outside the curve)."""
    if not curve[0, 3] <= ssim <= curve[-1, 3]:
        return float("nan")
    return float(np.exp(np.interp(ssim, curve[:, 3], np.log(curve[:, 1]))))


def table1(curves, sub):
    lines = ["| Q | standard bpp | SSIM | mutated bpp | SSIM | saving | at equal SSIM | "
             "optimized bpp | SSIM | mutated+opt bpp | SSIM | saving vs optimized | "
             "at equal SSIM vs optimized | paper (vs standard) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    std, mut = curves[("standard", sub)], curves[("mutated", sub)]
    opt, mopt = curves[("standard_opt", sub)], curves[("mutated_opt", sub)]
    for i, q in enumerate(std[:, 0].astype(int)):
        saving = 100 * (1 - mut[i, 1] / std[i, 1])
        saving_opt = 100 * (1 - mopt[i, 1] / opt[i, 1])
        equal = 100 * (1 - equal_ssim_bpp(mopt, opt[i, 3]) / opt[i, 1])
        equal_std = 100 * (1 - equal_ssim_bpp(mut, std[i, 3]) / std[i, 1])
        paper = f"{PAPER_SAVINGS[q]:.1f} %" if q in PAPER_SAVINGS and sub == "444" else "-"
        lines.append(f"| {q} | {std[i, 1]:.3f} | {std[i, 3]:.4f} | {mut[i, 1]:.3f} | "
                     f"{mut[i, 3]:.4f} | {saving:.1f} % | {equal_std:.1f} % | {opt[i, 1]:.3f} | "
                     f"{opt[i, 3]:.4f} | "
                     f"{mopt[i, 1]:.3f} | {mopt[i, 3]:.4f} | {saving_opt:.1f} % | "
                     f"{equal:.1f} % | {paper} |")
    return "\n".join(lines)


def bd_table(curves, sub, anchors=("standard", "standard_opt", "mozjpeg")):
    from jpegzoo.metrics import bd_rate

    lines = ["| method | " + " | ".join(f"vs {a}: PSNR | vs {a}: SSIM" for a in anchors) + " |",
             "|---|" + "---|---|" * len(anchors)]
    for method in METHODS:
        cells = []
        for anchor in anchors:
            a, m = curves[(anchor, sub)], curves[(method, sub)]
            cells += [f"{bd_rate(a[:, 1], a[:, col], m[:, 1], m[:, col]):+.2f} %"
                      for col in (2, 3)]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def timing(rows):
    lines = ["| method | subsampling | mean s/image at Q80 | max s |", "|---|---|---|---|"]
    for method in METHODS:
        for sub in ("444", "420"):
            t = [float(r["seconds"]) for r in rows if r["method"] == method
                 and r["subsampling"] == sub and int(r["quality"]) == 80]
            lines.append(f"| {method} | {sub} | {np.mean(t):.3f} | {np.max(t):.3f} |")
    return "\n".join(lines)


def plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(12, 9))
    for row, sub in enumerate(("444", "420")):
        for col, (index, label) in enumerate(((3, "SSIM"), (2, "PSNR (dB)"))):
            ax = axes[row, col]
            for method in METHODS:
                c = curves[(method, sub)]
                ax.plot(c[:, 1], c[:, index], marker=".", label=method)
            ax.set_xlabel("bits per pixel")
            ax.set_ylabel(label)
            ax.set_title(f"Kodak mean, {sub}")
            ax.grid(alpha=0.3)
            ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def summarize(points, out):
    with open(points) as handle:
        rows = list(csv.DictReader(handle))
    curves = mean_curves(rows)
    parts = ["# Mutated JPEG on Kodak (24 images)", ""]
    for sub in ("444", "420"):
        parts += [f"## Table 1 form, {sub}", "", table1(curves, sub), "",
                  f"## BD-rate, {sub} (negative = fewer bits at equal quality)", "",
                  bd_table(curves, sub), ""]
    parts += ["## Encode time in run.py (two processes sharing the 2-core CPU)", "",
              timing(rows), ""]
    with open(os.path.join(out, "results.md"), "w") as handle:
        handle.write("\n".join(parts))
    plot(curves, os.path.join(out, "rd_curves.png"))
    print("\n".join(parts))


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    summarize(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "out", "points.csv"),
              sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "out"))

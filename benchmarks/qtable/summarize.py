"""Tables and plots from ``out/points.csv`` (written by run.py): BD-rates (MS-SSIM, SSIM)
against libjpeg-turbo 4:2:0, mozjpeg and jpegli, the MS-SSIM >= 0.98 floor table and the
generator against the per-image optimizer.

    .venv/bin/python benchmarks/qtable/summarize.py [out/points.csv] [results]

Quality for BD-rates is in dB, ``-10 log10(1 - q)`` for q = MS-SSIM or SSIM, the usual
way to make these near-1 scores interpolable. Two figures per pair: BD-rate of the mean
curves (bpp and quality averaged over the 24 images at each setting), and the mean of the
24 per-image BD-rates.
"""

import csv
import os
import sys

import numpy as np

CURVES = ("qtable", "qtable_lambda", "qtable_lambda_rdo", "libjpeg_turbo", "libjpeg_turbo_opt",
          "mozjpeg", "jpegli")
ANCHORS = ("libjpeg_turbo", "libjpeg_turbo_opt", "mozjpeg", "jpegli")
TESTS = ("qtable", "qtable_lambda", "qtable_lambda_rdo")
FLOOR = 0.98


def decibels(score):
    """SSIM-type scores in dB (jpegzoo.metrics.ssim_db)."""
    from jpegzoo.metrics import ssim_db

    return ssim_db(score)


def curve(rows, method, image=None):
    """[settings, 3] array of bpp, MS-SSIM, SSIM (averaged over images if ``image`` is
    None), sorted by bpp."""
    mine = [r for r in rows if r["method"] == method and image in (None, r["image"])]
    settings = sorted({float(r["setting"]) for r in mine})
    points = np.array([[np.mean([float(r[f]) for r in mine if float(r["setting"]) == s])
                        for f in ("bpp", "ms_ssim", "ssim")] for s in settings])
    return points[np.argsort(points[:, 0])]


def bd(anchor, test, column):
    from jpegzoo.metrics import bd_rate

    try:
        return bd_rate(anchor[:, 0], decibels(anchor[:, column]), test[:, 0],
                       decibels(test[:, column]))
    except ValueError:
        return float("nan")


def bd_table(rows):
    images = sorted({r["image"] for r in rows})
    lines = ["| test | anchor | BD-rate MS-SSIM (mean curve) | per-image mean | "
             "BD-rate SSIM (mean curve) | per-image mean |", "|---|---|---:|---:|---:|---:|"]
    for test in [t for t in TESTS if any(r["method"] == t for r in rows)]:
        for anchor in ANCHORS:
            cells = []
            for column in (1, 2):
                whole = bd(curve(rows, anchor), curve(rows, test), column)
                each = [bd(curve(rows, anchor, i), curve(rows, test, i), column) for i in images]
                cells += [f"{whole:+.2f} %", f"{np.nanmean(each):+.2f} %"]
            lines.append(f"| {test} | {anchor} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mean_table(rows):
    lines = ["| method | setting | bpp | MS-SSIM | SSIM | PSNR (dB) | encode s (mean) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for method in CURVES:
        mine = [r for r in rows if r["method"] == method]
        for setting in sorted({float(r["setting"]) for r in mine}):
            at = [r for r in mine if float(r["setting"]) == setting]
            mean = {f: np.mean([float(r[f]) for r in at])
                    for f in ("bpp", "ms_ssim", "ssim", "psnr", "seconds")}
            lines.append(f"| {method} | {setting:g} | {mean['bpp']:.4f} | {mean['ms_ssim']:.5f} | "
                         f"{mean['ssim']:.5f} | {mean['psnr']:.3f} | {mean['seconds']:.3f} |")
    return "\n".join(lines)


def floor_table(rows):
    images = sorted({r["image"] for r in rows})
    by = {(r["image"], r["method"]): r for r in rows if r["method"].startswith("floor_")}
    methods = [m for m in ("floor_libjpeg_turbo", "floor_libjpeg_turbo_opt", "floor_mozjpeg",
                           "floor_jpegli", "floor_qtable", "floor_qtable_per_image",
                           "floor_qtable_rdo") if any(k[1] == m for k in by)]
    lines = ["| image | " + " | ".join(m[6:] + " bytes" for m in methods) + " |",
             "|---|" + "---:|" * len(methods)]
    for image in images:
        cells = []
        for m in methods:
            r = by.get((image, m))
            cells.append("-" if r is None else
                         f"{int(r['bytes'])} ({float(r['ms_ssim']):.4f})")
        lines.append(f"| {image} | " + " | ".join(cells) + " |")
    summary = []
    for m in methods:
        got = [by[(i, m)] for i in images if (i, m) in by]
        met = sum(float(r["ms_ssim"]) >= FLOOR for r in got)
        total = sum(int(r["bytes"]) for r in got)
        summary.append(f"- {m[6:]}: floor met on {met}/{len(images)} images, "
                       f"{total} bytes in all, min MS-SSIM "
                       f"{min(float(r['ms_ssim']) for r in got):.5f}")
    for anchor in ("floor_libjpeg_turbo", "floor_libjpeg_turbo_opt", "floor_mozjpeg",
                   "floor_jpegli"):
        for test in [m for m in methods if m.startswith("floor_qtable")]:
            savings = [100 * (1 - int(by[(i, test)]["bytes"]) / int(by[(i, anchor)]["bytes"]))
                       for i in images if (i, test) in by and (i, anchor) in by]
            summary.append(f"- {test[6:]} against the smallest {anchor[6:]} file meeting the "
                           f"floor: mean saving {np.mean(savings):.2f} % (min "
                           f"{np.min(savings):.2f} %, max {np.max(savings):.2f} %)")
    return "\n".join(lines), "\n".join(summary)


def generator_vs_optimizer(rows):
    images = sorted({r["image"] for r in rows})
    by = {(r["image"], r["method"]): r for r in rows}
    size = [int(by[(i, "floor_qtable")]["bytes"]) / int(by[(i, "floor_qtable_per_image")]["bytes"])
            for i in images]
    tables = [float(by[(i, "floor_qtable_per_image")]["table_seconds"])
              / float(by[(i, "floor_qtable")]["table_seconds"]) for i in images]
    total = [float(by[(i, "floor_qtable_per_image")]["seconds"])
             / float(by[(i, "floor_qtable")]["seconds"]) for i in images]
    gen_s = np.mean([float(by[(i, "floor_qtable")]["table_seconds"]) for i in images])
    opt_s = np.mean([float(by[(i, "floor_qtable_per_image")]["table_seconds"]) for i in images])
    return (f"- generator file / per-image optimizer file at MS-SSIM >= {FLOOR}: mean "
            f"{100 * (np.mean(size) - 1):+.2f} % (range {100 * (min(size) - 1):+.2f} .. "
            f"{100 * (max(size) - 1):+.2f} %)\n"
            f"- seconds to make the tables: generator {gen_s:.3f} s (one forward pass), "
            f"optimizer {opt_s:.1f} s; ratio mean {np.mean(tables):.0f}x\n"
            f"- end to end including each one's floor search (encode + decode + MS-SSIM per "
            f"attempt): ratio mean {np.mean(total):.1f}x")


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8), dpi=110)
    for method in [m for m in CURVES if any(r["method"] == m for r in rows)]:
        points = curve(rows, method)
        for axis, column, label in ((axes[0], 1, "MS-SSIM"), (axes[1], 2, "SSIM")):
            axis.plot(points[:, 0], decibels(points[:, column]), marker="o", markersize=3,
                      label=method)
            axis.set_xlabel("bpp (mean over Kodak)")
            axis.set_ylabel(f"{label} (dB, -10 log10(1 - q))")
            axis.grid(True, alpha=0.3)
    axes[0].legend()
    axes[0].set_xlim(0, 3)
    axes[1].set_xlim(0, 3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "out", "points.csv")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "results")
    with open(source) as handle:
        rows = list(csv.DictReader(handle))
    os.makedirs(out, exist_ok=True)
    floors, floor_summary = floor_table(rows)
    text = "\n\n".join([
        "# Learned quantization tables on Kodak (24 images, 4:2:0)",
        "Commands: `.venv/bin/python benchmarks/qtable/run.py --processes 2` then "
        "`.venv/bin/python benchmarks/qtable/summarize.py`.",
        "## BD-rate (negative: fewer bits at equal quality; quality in dB)", bd_table(rows),
        f"## MS-SSIM >= {FLOOR}: smallest file per codec (bytes, MS-SSIM)", floor_summary,
        "## Generator against the per-image optimizer", generator_vs_optimizer(rows),
        "## Mean curves", mean_table(rows), "## Floor, per image", floors])
    with open(os.path.join(out, "results.md"), "w") as handle:
        handle.write(text + "\n")
    plot(rows, os.path.join(out, "rd_curves.png"))
    print(text)


if __name__ == "__main__":
    main()

"""Tables from ``out/points.csv`` (written by run.py): BD-rates against mozjpeg's trellis
(mean curves and per image) and encode times against ``cjpeg``.

    .venv/bin/python benchmarks/trellis/summarize.py [out/points.csv] [out]
"""

import csv
import os
import sys

import numpy as np

METHODS = ("trellis_mozjpeg", "trellis_psnr", "trellis_ssim", "libjpeg_opt", "mozjpeg")
ANCHOR = "mozjpeg"
SETS = ("kodak", "validation")
SUBSAMPLINGS = ("420", "444")
METRICS = {"psnr": "PSNR", "ssim": "SSIM"}


def _select(rows, **keys):
    return [r for r in rows if all(r[k] == str(v) for k, v in keys.items())]


def curve(rows):
    """float ``[Q, 3]``: per quality (ascending) the mean bpp, PSNR and SSIM of ``rows``."""
    qualities = sorted({int(r["quality"]) for r in rows})
    return np.array([[np.mean([float(r[f]) for r in rows if int(r["quality"]) == q])
                      for f in ("bpp", "psnr", "ssim")] for q in qualities])


def _bd(anchor, test, metric):
    from jpegzoo.metrics import bd_rate

    col = 1 if metric == "psnr" else 2
    return bd_rate(anchor[:, 0], anchor[:, col], test[:, 0], test[:, col])


def bd_table(rows, image_set):
    """BD-rates of the mean curves against mozjpeg, per subsampling and metric."""
    head = "| method | " + " | ".join(f"{s} {m}" for s in SUBSAMPLINGS
                                    for m in METRICS.values()) + " |"
    lines = [head, "|---|" + "---|" * (len(SUBSAMPLINGS) * len(METRICS))]
    for method in METHODS:
        cells = []
        for sub in SUBSAMPLINGS:
            anchor = curve(_select(rows, set=image_set, method=ANCHOR, subsampling=sub))
            test = curve(_select(rows, set=image_set, method=method, subsampling=sub))
            cells += [f"{_bd(anchor, test, m):+.2f} %" for m in METRICS]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_image_table(rows, image_set):
    """Per-image BD-rates against mozjpeg: mean, worst, and how many images lose."""
    lines = ["| method | subsampling | metric | mean | best | worst | images worse than "
             "mozjpeg |", "|---|---|---|---|---|---|---|"]
    images = sorted({r["image"] for r in rows if r["set"] == image_set})
    for method in ("trellis_mozjpeg", "trellis_psnr", "trellis_ssim"):
        for sub in SUBSAMPLINGS:
            for metric, label in METRICS.items():
                values = np.array([_bd(
                    curve(_select(rows, image=i, method=ANCHOR, subsampling=sub)),
                    curve(_select(rows, image=i, method=method, subsampling=sub)), metric)
                    for i in images])
                lines.append(f"| {method} | {sub} | {label} | {values.mean():+.2f} % | "
                             f"{values.min():+.2f} % | {values.max():+.2f} % | "
                             f"{int((values > 0).sum())} / {values.size} |")
    return "\n".join(lines)


def operating_points(rows, image_set, sub="420"):
    """Mean bpp / PSNR / SSIM per quality of each method."""
    methods = METHODS + ("mozjpeg_cjpeg",)
    lines = ["| Q | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    curves = {m: curve(_select(rows, set=image_set, method=m, subsampling=sub))
              for m in methods}
    qualities = sorted({int(r["quality"]) for r in rows})
    for i, q in enumerate(qualities):
        lines.append(f"| {q} | " + " | ".join(
            f"{c[i, 0]:.3f} / {c[i, 1]:.2f} / {c[i, 2]:.4f}" for c in curves.values()) + " |")
    return "\n".join(lines)


def timing(rows, field):
    """Mean encode seconds (``field``) per image over qualities, and the ratio of the
    slowest trellis preset to cjpeg (over the set, and for the worst image)."""
    methods = ("mozjpeg_cjpeg",) + METHODS
    presets = ("trellis_mozjpeg", "trellis_psnr", "trellis_ssim")
    lines = ["| set | subsampling | " + " | ".join(methods) + " | slowest trellis / cjpeg "
             "(set mean; worst image) |", "|---|---|" + "---|" * (len(methods) + 1)]
    for image_set in SETS:
        for sub in SUBSAMPLINGS:
            mine = _select(rows, set=image_set, subsampling=sub)

            def mean(method, **keys):
                return np.mean([float(r[field]) for r in _select(mine, method=method, **keys)])

            seconds = {m: mean(m) for m in methods}
            worst = max(mean(m, image=i) / mean("mozjpeg_cjpeg", image=i)
                        for i in {r["image"] for r in mine} for m in presets)
            ratio = max(seconds[m] for m in presets) / seconds["mozjpeg_cjpeg"]
            lines.append(f"| {image_set} | {sub} | " + " | ".join(
                f"{seconds[m]:.3f}" for m in methods) + f" | {ratio:.2f}; {worst:.2f} |")
    return "\n".join(lines)


def summarize(points, out):
    with open(points) as handle:
        rows = list(csv.DictReader(handle))
    parts = ["# Trellis quantization against mozjpeg's (IJG tables, baseline, optimal "
             "Huffman tables)", ""]
    for image_set in SETS:
        count = len({r["image"] for r in rows if r["set"] == image_set})
        parts += [f"## {image_set} ({count} images): BD-rate against mozjpeg, mean curves "
                  "(negative = fewer bits at equal quality)", "", bd_table(rows, image_set),
                  "", f"## {image_set}: BD-rate per image against mozjpeg", "",
                  per_image_table(rows, image_set), "",
                  f"## {image_set}: operating points, 4:2:0 (mean bpp / PSNR dB / SSIM)",
                  "", operating_points(rows, image_set), ""]
    parts += ["## Encode CPU seconds per image (mean over qualities), same run", "",
              timing(rows, "cpu_seconds"), "",
              "## Encode wall-clock seconds per image (mean over qualities), same run", "",
              timing(rows, "seconds"), ""]
    text = "\n".join(parts)
    with open(os.path.join(out, "results.md"), "w") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    summarize(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "out", "points.csv"),
              sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "out"))

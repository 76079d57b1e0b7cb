"""Tables and plot from ``out/points.csv`` (written by run.py): mean rate-distortion points,
BD-rates (PSNR, MS-SSIM in dB) against libjpeg-turbo 4:2:0, jpegli and compressive_ae,
the published Balle 2017 / 2018 factorized figures for Kodak beside ours, gan_ae against
compressive_ae level by level (same files: PSNR, MS-SSIM, detail ratio), the progressive
codec's ladder, and encode/decode times.

    .venv/bin/python benchmarks/learned_codecs/summarize.py [out/points.csv] [results] [TITLE]

Two BD-rate figures per pair: of the mean curves (bpp and quality averaged over the 24
images at each setting: how Kodak results are published, so the only way to compare with
the published curves) and the mean of the per-image BD-rates (in brackets: over how many
images the two curves overlap; "n/a" where they never do). MS-SSIM enters BD-rates in
dB, ``-10 log10(1 - MS-SSIM)``. BD-rates use pchip over the overlapping quality range.
"""

import csv
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OURS = ("cae", "dct_ae", "gan", "rnn")
JPEG = ("libjpeg_turbo_opt", "libjpeg_turbo", "jpegli")
ANCHORS = ("libjpeg_turbo_opt", "jpegli", "cae")
PUBLISHED_FILE = os.path.join(HERE, "published_kodak.json")


def decibels(score):
    """SSIM-type scores in dB (jpegzoo.metrics.ssim_db)."""
    from jpegzoo.metrics import ssim_db

    return ssim_db(score)


def curve(rows, method, image=None):
    """{bpp, psnr, ms_ssim_db} arrays (averaged over images unless ``image``), by bpp."""
    mine = [r for r in rows if r["method"] == method and image in (None, r["image"])]
    settings = sorted({float(r["setting"]) for r in mine})
    at = [[r for r in mine if float(r["setting"]) == s] for s in settings]
    points = {field: np.array([np.mean([float(r[field]) for r in group]) for group in at])
              for field in ("bpp", "psnr", "ms_ssim")}
    points["ms_ssim_db"] = decibels(points["ms_ssim"])
    order = np.argsort(points["bpp"])
    return {field: values[order] for field, values in points.items()}


def published():
    """{label: curve} of the published Kodak figures (see published_kodak.json)."""
    with open(PUBLISHED_FILE) as handle:
        entries = json.load(handle)
    curves = {}
    for key, entry in entries.items():
        if key.startswith("_"):
            continue
        points = {"bpp": np.array(entry["bpp"], float), "psnr": np.array(entry["psnr"], float)}
        if entry.get("ms_ssim"):
            points["ms_ssim_db"] = decibels(entry["ms_ssim"])
        order = np.argsort(points["bpp"])
        curves[key] = {field: values[order] for field, values in points.items()}
    return curves


def bd(anchor, test, field):
    from jpegzoo.metrics import bd_rate

    if field not in anchor or field not in test:
        return float("nan")
    try:
        return bd_rate(anchor["bpp"], anchor[field], test["bpp"], test[field])
    except ValueError:
        return float("nan")


def _percent(value):
    return f"{value:+.1f} %" if np.isfinite(value) else "n/a (no overlap)"


def bd_table(rows, others):
    images = sorted({r["image"] for r in rows})
    lines = ["| test | anchor | BD-rate PSNR (mean curve) | per-image mean | "
             "BD-rate MS-SSIM dB (mean curve) | per-image mean |",
             "|---|---|---:|---:|---:|---:|"]
    tests = [m for m in OURS if any(r["method"] == m for r in rows)]
    for test in tests + list(others):
        for anchor in (a for a in ANCHORS if a != test and any(r["method"] == a for r in rows)):
            cells = []
            for field in ("psnr", "ms_ssim_db"):
                mean_curve = others.get(test) or curve(rows, test)
                cells.append(_percent(bd(curve(rows, anchor), mean_curve, field)))
                if test in others:
                    cells.append("-")
                else:
                    each = [bd(curve(rows, anchor, i), curve(rows, test, i), field)
                            for i in images]
                    finite = [value for value in each if np.isfinite(value)]
                    cells.append(f"{np.mean(finite):+.1f} % ({len(finite)})" if finite
                                 else "n/a")
            lines.append(f"| {test} | {anchor} | " + " | ".join(cells) + " |")
    for test in tests:
        for label, reference in others.items():
            cells = [_percent(bd(reference, curve(rows, test), f))
                     for f in ("psnr", "ms_ssim_db")]
            lines.append(f"| {test} | {label} (published) | {cells[0]} | - | {cells[1]} | - |")
    return "\n".join(lines)


def mean_table(rows):
    lines = ["| method | setting | bpp | PSNR (dB) | Y-PSNR (dB) | MS-SSIM | detail | "
             "encode s | decode s |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for method in OURS + JPEG:
        mine = [r for r in rows if r["method"] == method]
        for setting in sorted({float(r["setting"]) for r in mine}):
            at = [r for r in mine if float(r["setting"]) == setting]
            mean = {f: np.mean([float(r[f]) for r in at]) for f in FIELDS_MEAN}
            lines.append(f"| {method} | {setting:g} | {mean['bpp']:.4f} | {mean['psnr']:.3f} | "
                         f"{mean['psnr_y']:.3f} | {mean['ms_ssim']:.5f} | "
                         f"{mean['detail']:.3f} | "
                         f"{mean['encode_seconds']:.3f} | {mean['decode_seconds']:.3f} |")
    return "\n".join(lines)


FIELDS_MEAN = ("bpp", "psnr", "psnr_y", "ms_ssim", "detail", "encode_seconds",
               "decode_seconds")


def adversarial_table(rows):
    """gan against cae at each level: the same files, two decoders."""
    lines = ["| level | bpp (both) | PSNR cae | PSNR gan | MS-SSIM cae | MS-SSIM gan | "
             "detail cae | detail gan | images where gan has more detail |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    levels = sorted({r["setting"] for r in rows if r["method"] == "gan"}, key=float)
    for level in levels:
        pair = {m: {r["image"]: r for r in rows if r["method"] == m and r["setting"] == level}
                for m in ("cae", "gan")}
        images = sorted(set(pair["cae"]) & set(pair["gan"]))
        if not images:
            continue
        mean = {(m, f): np.mean([float(pair[m][i][f]) for i in images])
                for m in pair for f in ("bpp", "psnr", "ms_ssim", "detail")}
        sharper = sum(float(pair["gan"][i]["detail"]) > float(pair["cae"][i]["detail"])
                      for i in images)
        lines.append(f"| {level} | {mean['gan', 'bpp']:.4f} | {mean['cae', 'psnr']:.2f} | "
                     f"{mean['gan', 'psnr']:.2f} | {mean['cae', 'ms_ssim']:.4f} | "
                     f"{mean['gan', 'ms_ssim']:.4f} | {mean['cae', 'detail']:.3f} | "
                     f"{mean['gan', 'detail']:.3f} | {sharper} / {len(images)} |")
    return "\n".join(lines)


def time_table(rows):
    lines = ["| method | encode s per image (mean, min-max over levels) | decode s per image |",
             "|---|---:|---:|"]
    for method in OURS + JPEG:
        mine = [r for r in rows if r["method"] == method]
        if not mine:
            continue
        cells = []
        for field in ("encode_seconds", "decode_seconds"):
            by_setting = [np.mean([float(r[field]) for r in mine if r["setting"] == s])
                          for s in sorted({r["setting"] for r in mine})]
            cells.append(f"{np.mean(by_setting):.3f} ({min(by_setting):.3f}-"
                         f"{max(by_setting):.3f})")
        lines.append(f"| {method} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def estimate_table(rows):
    """How close the priors' bit estimates are to the range coder's payloads."""
    lines = ["| method | files | payload / estimate - 1: mean | min | max |",
             "|---|---:|---:|---:|---:|"]
    for method in OURS:
        mine = [r for r in rows if r["method"] == method and r.get("payload_bits")]
        if mine:
            errors = [100.0 * (float(r["payload_bits"]) / float(r["estimated_bits"]) - 1.0)
                      for r in mine]
            lines.append(f"| {method} | {len(mine)} | {np.mean(errors):+.3f} % | "
                         f"{min(errors):+.3f} % | {max(errors):+.3f} % |")
    return "\n".join(lines)


def plot(rows, others, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(13, 5))
    for field, axis, label in (("psnr", axes[0], "PSNR (dB, RGB)"),
                               ("ms_ssim_db", axes[1], "MS-SSIM (dB)")):
        for method in OURS + JPEG:
            if any(r["method"] == method for r in rows):
                points = curve(rows, method)
                axis.plot(points["bpp"], points[field], "o-", ms=3, label=method)
        for name, points in others.items():
            if field in points:
                axis.plot(points["bpp"], points[field], "s--", ms=3, label=f"{name} (published)")
        axis.set_xlabel("bits per pixel")
        axis.set_ylabel(label)
        axis.set_xlim(0, 2.5)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"{title}: mean curves, real file bytes")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "out", "points.csv")
    results = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "results")
    sys.path.insert(0, os.path.join(HERE, "..", ".."))
    with open(source) as handle:
        rows = list(csv.DictReader(handle))
    os.makedirs(results, exist_ok=True)
    images = len({r["image"] for r in rows})
    title = sys.argv[3] if len(sys.argv) > 3 else f"Kodak ({images} images)"
    others = published() if title.startswith("Kodak") else {}  # Kodak figures only
    text = "\n\n".join([
        f"# Learned codecs on {title}, {len(rows)} files",
        "## BD-rate (negative = fewer bytes at equal quality)", bd_table(rows, others),
        "## Time per image (this machine's CPU)", time_table(rows),
        "## Range-coded payload against the prior's estimate", estimate_table(rows),
        "## gan_ae against compressive_ae (same files, adversarially fine-tuned decoder; "
        "detail = high-frequency energy against the original's, 1 = as much as the "
        "original)", adversarial_table(rows),
        "## Mean rate-distortion points", mean_table(rows)]) + "\n"
    with open(os.path.join(results, "results.md"), "w") as handle:
        handle.write(text)
    plot(rows, others, os.path.join(results, "rd_curves.png"), title)
    with open(source) as handle, open(os.path.join(results, "points.csv"), "w") as out:
        out.write(handle.read())
    print(text)


if __name__ == "__main__":
    main()

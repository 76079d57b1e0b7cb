"""Tables from ``out/points.csv`` (written by run.py): bits per pixel of every lossless
codec on Kodak (mean over images and total bytes), times, and the per-image figures.

    .venv/bin/python benchmarks/lossless/summarize.py [out/points.csv] [results]
"""

import csv
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ("lossless_predictor", "jpeg_xl_lossless", "webp_lossless", "jpeg2000_reversible",
         "png_optimize", "jpeg_ls")


def codecs_in(rows):
    present = {r["codec"] for r in rows}
    return [c for c in ORDER if c in present] + sorted(present - set(ORDER))


def summary_table(rows):
    lines = ["| codec | images | bpp (mean over images) | bpp (total bytes) | vs PNG | "
             "encode s | decode s |", "|---|---:|---:|---:|---:|---:|---:|"]
    png = [r for r in rows if r["codec"] == "png_optimize"]
    png_bytes = sum(int(r["bytes"]) for r in png)
    for codec in codecs_in(rows):
        mine = [r for r in rows if r["codec"] == codec]
        total = sum(int(r["bytes"]) for r in mine)
        pixels = sum(8 * int(r["bytes"]) / float(r["bpp"]) for r in mine)
        versus = f"{100 * (total / png_bytes - 1):+.1f} %" if png_bytes and \
            len(png) == len(mine) else "-"
        lines.append(f"| {codec} | {len(mine)} | {np.mean([float(r['bpp']) for r in mine]):.3f} "
                     f"| {8 * total / pixels:.3f} | {versus} | "
                     f"{np.mean([float(r['encode_seconds']) for r in mine]):.3f} | "
                     f"{np.mean([float(r['decode_seconds']) for r in mine]):.3f} |")
    return "\n".join(lines)


def per_image_table(rows):
    codecs = codecs_in(rows)
    lines = ["| image | " + " | ".join(codecs) + " |", "|---|" + "---:|" * len(codecs)]
    for image in sorted({r["image"] for r in rows}):
        cells = {r["codec"]: float(r["bpp"]) for r in rows if r["image"] == image}
        best = min(cells.values())
        lines.append(f"| {image} | " + " | ".join(
            (f"**{cells[c]:.3f}**" if cells[c] == best else f"{cells[c]:.3f}")
            if c in cells else "-" for c in codecs) + " |")
    return "\n".join(lines)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "out", "points.csv")
    results = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "results")
    with open(source) as handle:
        rows = list(csv.DictReader(handle))
    images = len({r["image"] for r in rows})
    text = "\n\n".join([
        f"# Lossless coding on Kodak ({images} images, RGB, 24 bits per pixel raw)",
        "Every file decoded and checked equal to its input by run.py.",
        "## Bits per pixel (lower is better)", summary_table(rows),
        "## Per image (bpp; best in bold)", per_image_table(rows)]) + "\n"
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "results.md"), "w") as handle:
        handle.write(text)
    with open(source) as handle, open(os.path.join(results, "points.csv"), "w") as out:
        out.write(handle.read())
    print(text)


if __name__ == "__main__":
    main()

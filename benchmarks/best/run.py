"""Benchmark: ``--method best`` at each tune against the JPEG anchors (mozjpeg 4:2:0 and
4:4:4 as cjpeg runs it, jpegli, libjpeg-turbo) on Kodak and the validation photos.

Each tune is encoded with ``-q Q`` (the tune's score of libjpeg-turbo at Q, in fewer
bytes), decoded by Pillow and measured on every metric (PSNR, SSIM, MS-SSIM, SSIMULACRA2),
so one run gives the matching-tune BD-rates and the cross table (tuned for one metric,
measured on all). The anchors' rows are benchmarks/anchors/results/anchors.csv.

    .venv/bin/python benchmarks/best/run.py [--processes 2] [--limit N]   # measure + tables
    .venv/bin/python benchmarks/best/run.py --tables                       # tables only
"""

import argparse
import csv
import functools
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "anchors"))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import anchors  # noqa: E402

TUNES = ("psnr", "ssim", "ms-ssim", "ssimulacra2")
#: The metric (a BD field of anchors.BD_METRICS) each tune is held to.
TUNE_FIELD = {"psnr": "psnr", "ssim": "ssim_db", "ms-ssim": "ms_ssim_db",
              "ssimulacra2": "ssimulacra2"}
QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
RESULTS = os.path.join(HERE, "results")


def encode_best(image, quality, tune):
    from jpegzoo import zoo

    return zoo.load("best_jpeg").compress(image, quality, tune=tune)


def encoders():
    return {f"best_{tune}": functools.partial(encode_best, tune=tune) for tune in TUNES}


def tables(rows):
    """Markdown: per set, each tune against each anchor on its own metric, and the cross
    table against mozjpeg 4:2:0 and jpegli."""
    anchor_rows = anchors.read_rows()
    measured = {(r["set"], r["image"]) for r in rows}
    anchor_rows = [r for r in anchor_rows if (r["set"], r["image"]) in measured]
    names = list(encoders())
    lines = []
    for set_name in dict.fromkeys(r["set"] for r in rows):
        bd = anchors.bd_rates(anchor_rows + rows, names, list(anchors.ANCHORS), set_name)
        images = len({r["image"] for r in rows if r["set"] == set_name})
        lines += [f"### {set_name} ({images} images): each tune on its own metric", "",
                  "| tune (metric) | " + " | ".join(anchors.ANCHORS) + " |",
                  "|---|" + "---:|" * len(anchors.ANCHORS)]
        for tune in TUNES:
            field = TUNE_FIELD[tune]
            cells = [_percent(bd[f"best_{tune}"][a][field]) for a in anchors.ANCHORS]
            lines.append(f"| {tune} ({anchors.BD_METRICS[field]}) | " + " | ".join(cells)
                         + " |")
        for anchor in ("mozjpeg_420", "jpegli"):
            lines += ["", f"### {set_name}: cross table against {anchor} (tuned for the "
                          f"row, measured on the column)", "",
                      "| tune | " + " | ".join(anchors.BD_METRICS.values()) + " |",
                      "|---|" + "---:|" * len(anchors.BD_METRICS)]
            for tune in TUNES:
                cells = [_percent(bd[f"best_{tune}"][anchor][f]) for f in anchors.BD_METRICS]
                lines.append(f"| {tune} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _percent(value):
    return f"{value:+.2f} %" if math.isfinite(value) else "n/a"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "out"),
                        help="per-image CSVs (resumable)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--limit", type=int, help="the first N images of each set only")
    parser.add_argument("--tables", action="store_true",
                        help="only print the tables of results/points.csv")
    args = parser.parse_args(argv)
    points = os.path.join(RESULTS, "points.csv")
    if args.tables:
        with open(points, newline="") as handle:
            rows = list(csv.DictReader(handle))
    else:
        sets = {k: v[:args.limit] for k, v in anchors.image_sets().items()}
        rows = anchors.measure_sets(encoders(), QUALITIES, args.out, sets, args.processes)
        os.makedirs(RESULTS, exist_ok=True)
        with open(points, "w", newline="") as handle:
            writer = csv.DictWriter(handle, anchors.FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    text = tables(rows)
    print(text)
    if not args.tables:
        with open(os.path.join(RESULTS, "results.md"), "w") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()

"""Benchmark: jpegzoo's reference baseline-JPEG writer against Pillow (libjpeg-turbo).

For every Kodak image, IJG quality, subsampling and Huffman mode, encode with
``jpegzoo.export.encode`` and with Pillow using the same quantization tables, subsampling
and ``optimize`` setting; compare file sizes and PSNR (both decoded by Pillow), and time
both encoders. Then time the exact bit counter on all blocks of the set.

    .venv/bin/python benchmarks/baseline_writer/run.py [--kodak DIR] [--out DIR]

Writes ``results.md`` (the tables the README quotes) and ``points.csv`` to ``--out``
(default: benchmarks/baseline_writer/out).
"""

import argparse
import csv
import os
import platform
import time

import numpy as np
from tqdm import tqdm

from jpegzoo.export import encode, image_to_levels
from jpegzoo.export.jpeg_structure import coded_levels, scan_order
from jpegzoo.imageio import read_image
from jpegzoo.layers.bit_counter import block_bits, dc_predictors
from jpegzoo.layers.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.layers.standard import ZIGZAG
from jpegzoo.metrics import psnr
from jpegzoo.reference_codecs import decode_jpeg, pillow_encode

HERE = os.path.dirname(os.path.abspath(__file__))
QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
SUBSAMPLINGS = ("444", "422", "420")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--qualities", default=",".join(map(str, QUALITIES)))
    args = parser.parse_args()
    qualities = [int(q) for q in args.qualities.split(",")]
    images = load_kodak(args.kodak)
    os.makedirs(args.out, exist_ok=True)
    encode(images[0], quality=75)  # compile the analysis graph before timing
    rows = compare_with_pillow(images, qualities)
    write_csv(rows, os.path.join(args.out, "points.csv"))
    counter = time_bit_counter(images, (10, 50, 75, 95))
    report = render(rows, counter, len(images))
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write(report)
    print(report)


def load_kodak(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    if len(names) != 24:
        raise SystemExit(f"expected the 24 Kodak PNGs in {folder}, found {len(names)}")
    return [read_image(os.path.join(folder, n)) for n in names]


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def compare_with_pillow(images, qualities):
    jobs = [(i, q, s, o) for i in range(len(images)) for q in qualities
            for s in SUBSAMPLINGS for o in (False, True)]
    rows = []
    for index, quality, subsampling, optimize in tqdm(jobs, desc="kodak", unit="encode"):
        image = images[index]
        options = dict(quality=quality, subsampling=subsampling, optimize=optimize)
        ours, ours_s = _timed(encode, image, **options)
        ref, ref_s = _timed(pillow_encode, image, **options)
        rows.append(dict(image=index + 1, quality=quality, subsampling=subsampling,
                         optimize=optimize, pixels=image.shape[0] * image.shape[1],
                         ours_bytes=len(ours), pillow_bytes=len(ref),
                         ours_psnr=psnr(image, decode_jpeg(ours)),
                         pillow_psnr=psnr(image, decode_jpeg(ref)),
                         ours_seconds=ours_s, pillow_seconds=ref_s))
    return rows


def write_csv(rows, path):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def scan_blocks(levels):
    """Zigzag blocks, DC predictors and table ids of an image's single scan."""
    order = scan_order(levels)
    zz = np.empty((order.component.size, 64), dtype=np.int64)
    predictors = np.empty(order.component.size, dtype=np.int64)
    for index in range(len(levels.components)):
        where = np.nonzero(order.component == index)[0]
        zz[where] = coded_levels(levels, index)[order.flat_index[where]][:, ZIGZAG]
        predictors[where] = dc_predictors(zz[where, 0])
    table_ids = np.array([c.table_class for c in levels.components])[order.component]
    return zz, predictors, table_ids


def time_bit_counter(images, qualities, repeats=5):
    """Blocks per second of ``block_bits`` on all blocks of the set (4:2:0), per quality."""
    result = {}
    for quality in qualities:
        parts = [scan_blocks(image_to_levels(image, quality=quality, subsampling="420"))
                 for image in images]
        zz, predictors, ids = (np.concatenate(p) for p in zip(*parts))
        best = min(_timed(block_bits, zz, predictors, list(STD_DC_TABLES),
                          list(STD_AC_TABLES), ids)[1] for _ in range(repeats))
        result[quality] = (zz.shape[0], zz.shape[0] / best)
    return result


def render(rows, counter, num_images):
    lines = [f"Kodak ({num_images} images), {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} CPUs; both files decoded by Pillow for PSNR (RGB).", "",
             "| subsampling | optimize | quality | bytes ours/Pillow (mean) | worst image "
             "| PSNR ours-Pillow dB (mean) | worst |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for subsampling in SUBSAMPLINGS:
        for optimize in (False, True):
            for quality in sorted({r["quality"] for r in rows}):
                sel = [r for r in rows if r["subsampling"] == subsampling
                       and r["optimize"] == optimize and r["quality"] == quality]
                ratio = np.array([r["ours_bytes"] / r["pillow_bytes"] for r in sel]) - 1
                dpsnr = np.array([r["ours_psnr"] - r["pillow_psnr"] for r in sel])
                lines.append(f"| {subsampling} | {optimize} | {quality} | "
                             f"{100 * ratio.mean():+.2f} % | "
                             f"{100 * ratio[np.argmax(np.abs(ratio))]:+.2f} % | "
                             f"{dpsnr.mean():+.4f} | {dpsnr[np.argmax(np.abs(dpsnr))]:+.4f} |")
    ratio = np.array([r["ours_bytes"] / r["pillow_bytes"] for r in rows]) - 1
    dpsnr = np.array([r["ours_psnr"] - r["pillow_psnr"] for r in rows])
    pixels = sum(r["pixels"] for r in rows)
    ours_s = sum(r["ours_seconds"] for r in rows)
    pillow_s = sum(r["pillow_seconds"] for r in rows)
    lines += ["", f"All {len(rows)} encodes: bytes ratio - 1 in "
                  f"[{100 * ratio.min():+.2f} %, {100 * ratio.max():+.2f} %], "
                  f"PSNR difference in [{dpsnr.min():+.4f}, {dpsnr.max():+.4f}] dB.", "",
              "| encoder | throughput (megapixels/s, all settings) |", "|---|---:|",
              f"| jpegzoo `encode` (pixels -> bytes) | {pixels / ours_s / 1e6:.2f} |",
              f"| Pillow / libjpeg-turbo | {pixels / pillow_s / 1e6:.2f} |", "",
              "Throughput of jpegzoo per setting (megapixels/s):", "",
              "| quality | " + " | ".join(f"{s} / opt={o}" for s in SUBSAMPLINGS
                                          for o in (False, True)) + " |",
              "|---:|" + "---:|" * 6]
    for quality in sorted({r["quality"] for r in rows}):
        cells = []
        for subsampling in SUBSAMPLINGS:
            for optimize in (False, True):
                sel = [r for r in rows if r["quality"] == quality
                       and r["subsampling"] == subsampling and r["optimize"] == optimize]
                seconds = sum(r["ours_seconds"] for r in sel)
                cells.append(f"{sum(r['pixels'] for r in sel) / seconds / 1e6:.2f}")
        lines.append(f"| {quality} | " + " | ".join(cells) + " |")
    lines += ["", "| bit counter, 4:2:0 blocks of all images at quality | blocks | "
                  "blocks/s (best of 5) |", "|---:|---:|---:|"]
    for quality, (blocks, rate) in counter.items():
        lines.append(f"| {quality} | {blocks} | {rate / 1e6:.2f} M |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

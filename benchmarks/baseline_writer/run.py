"""Benchmark: jpegzoo's reference baseline-JPEG writer against Pillow (libjpeg-turbo).

For every Kodak image, IJG quality, subsampling and Huffman mode, encode with
``jpegzoo.jpeg.encode`` -- with its default libjpeg-exact integer DCT ("islow") and with
the float DCT the models train with -- and with Pillow using the same quantization tables,
subsampling and ``optimize`` setting; compare file bytes and PSNR (all decoded by Pillow),
and time the encoders. Then time both encoders side by side on mosaics of Kodak images of
0.4, 1.2 and 12 megapixels (best of several runs, alternating), and the exact bit counter
on all blocks of the set. All times are CPU seconds of this process.

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

from jpegzoo.imageio import decode_jpeg, read_image
from jpegzoo.jpeg import encode, image_to_levels
from jpegzoo.jpeg.writer import scan_blocks
from jpegzoo.layers.numerics.bit_counter import block_bits
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.metrics import psnr
from jpegzoo.reference_codecs import pillow_encode

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
    for dct_method in ("islow", "float"):  # load (or compile) the kernels before timing
        encode(images[0], dct_method=dct_method)
        encode(images[0], dct_method=dct_method, optimize=True)
    rows = compare_with_pillow(images, qualities)
    write_csv(rows, os.path.join(args.out, "points.csv"))
    sizes = time_sizes(images)
    counter = time_bit_counter(images, (10, 50, 75, 95))
    report = render(rows, counter, len(images)) + render_sizes(sizes)
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write(report)
    print(report)


def load_kodak(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    if len(names) != 24:
        raise SystemExit(f"expected the 24 Kodak PNGs in {folder}, found {len(names)}")
    return [read_image(os.path.join(folder, n)) for n in names]


def _timed(function, *args, **kwargs):
    """(result, CPU seconds of this process): on a shared machine, unlike wall time, it
    does not count other processes' turns (the encoders run on one thread)."""
    start = time.process_time()
    result = function(*args, **kwargs)
    return result, time.process_time() - start


def compare_with_pillow(images, qualities):
    jobs = [(i, q, s, o) for i in range(len(images)) for q in qualities
            for s in SUBSAMPLINGS for o in (False, True)]
    rows = []
    for index, quality, subsampling, optimize in tqdm(jobs, desc="kodak", unit="image"):
        image = images[index]
        options = dict(quality=quality, subsampling=subsampling, optimize=optimize)
        ours, ours_s = _timed(encode, image, **options)
        ours_float, float_s = _timed(encode, image, dct_method="float", **options)
        ref, ref_s = _timed(pillow_encode, image, **options)
        rows.append(dict(image=index + 1, quality=quality, subsampling=subsampling,
                         optimize=optimize, pixels=image.shape[0] * image.shape[1],
                         identical=ours == ref, ours_bytes=len(ours),
                         float_bytes=len(ours_float), pillow_bytes=len(ref),
                         ours_psnr=psnr(image, decode_jpeg(ours)),
                         float_psnr=psnr(image, decode_jpeg(ours_float)),
                         pillow_psnr=psnr(image, decode_jpeg(ref)),
                         ours_seconds=ours_s, float_seconds=float_s, pillow_seconds=ref_s))
    return rows


#: (name, mosaic rows, mosaic columns, crop height): about 0.4, 1.2 and 12 megapixels.
SIZES = (("0.4 MP", 1, 1, 512), ("1.2 MP", 2, 2, 768), ("12 MP", 6, 5, 3072))
#: (subsampling, optimize, quality) settings timed at every size.
SIZE_SETTINGS = (("420", False, 75), ("420", True, 75), ("444", False, 75),
                 ("444", True, 95))


def mosaic(images, rows, cols, height):
    """Kodak images (portrait ones turned) tiled ``rows`` x ``cols``, cut to ``height``."""
    landscape = [im if im.shape[0] < im.shape[1] else np.rot90(im) for im in images]
    tiles = [[landscape[(r * cols + c) % len(landscape)] for c in range(cols)]
             for r in range(rows)]
    return np.ascontiguousarray(
        np.concatenate([np.concatenate(row, 1) for row in tiles], 0)[:height])


def time_sizes(images):
    """Per size and setting: (pixels, best CPU seconds of jpegzoo, of Pillow, identical)."""
    results = []
    for name, rows, cols, height in SIZES:
        image = mosaic(images, rows, cols, height)
        repeats = 3 if image.size > 10**7 else 7
        for subsampling, optimize, quality in SIZE_SETTINGS:
            options = dict(quality=quality, subsampling=subsampling, optimize=optimize)
            ours, theirs = [], []
            for _ in range(repeats):  # alternating, so both see the same machine load
                ours_bytes, seconds = _timed(encode, image, **options)
                ours.append(seconds)
                pillow_bytes, seconds = _timed(pillow_encode, image, **options)
                theirs.append(seconds)
            results.append(dict(size=name, pixels=image.shape[0] * image.shape[1],
                                shape=image.shape[:2], subsampling=subsampling,
                                optimize=optimize, quality=quality, ours=min(ours),
                                pillow=min(theirs), identical=ours_bytes == pillow_bytes))
    return results


def write_csv(rows, path):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def time_bit_counter(images, qualities, repeats=5):
    """Blocks per second of ``block_bits`` on all blocks of the set (4:2:0), per quality."""
    result = {}
    for quality in qualities:
        parts = [scan_blocks(image_to_levels(image, quality=quality, subsampling="420"))
                 for image in images]
        zz, predictors, ids = (np.concatenate([getattr(p, field) for p in parts])
                               for field in ("zigzag", "dc_predictors", "table_ids"))
        best = min(_timed(block_bits, zz, predictors, list(STD_DC_TABLES),
                          list(STD_AC_TABLES), ids)[1] for _ in range(repeats))
        result[quality] = (zz.shape[0], zz.shape[0] / best)
    return result


def _differences(rows, variant):
    ratio = np.array([r[f"{variant}_bytes"] / r["pillow_bytes"] for r in rows]) - 1
    dpsnr = np.array([r[f"{variant}_psnr"] - r["pillow_psnr"] for r in rows])
    return ratio, dpsnr


def _worst(values):
    return values[np.argmax(np.abs(values))]


def _select(rows, **where):
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def _throughput(rows, variant):
    return sum(r["pixels"] for r in rows) / sum(r[f"{variant}_seconds"] for r in rows) / 1e6


def render(rows, counter, num_images):
    qualities = sorted({r["quality"] for r in rows})
    lines = [f"Kodak ({num_images} images), {platform.machine()}, {os.cpu_count()} CPUs; "
             "all files decoded by Pillow for PSNR (RGB). `islow` = jpegzoo's default "
             "(libjpeg-exact integer DCT), `float` = the float DCT the models train with.", "",
             "| subsampling | optimize | quality | islow: identical files | float: bytes "
             "vs Pillow, mean | worst image | float: PSNR diff dB, mean | worst |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for subsampling in SUBSAMPLINGS:
        for optimize in (False, True):
            for quality in qualities:
                sel = _select(rows, subsampling=subsampling, optimize=optimize,
                              quality=quality)
                ratio, dpsnr = _differences(sel, "float")
                lines.append(f"| {subsampling} | {optimize} | {quality} | "
                             f"{sum(r['identical'] for r in sel)}/{len(sel)} | "
                             f"{100 * ratio.mean():+.2f} % | {100 * _worst(ratio):+.2f} % | "
                             f"{dpsnr.mean():+.4f} | {_worst(dpsnr):+.4f} |")
    lines.append("")
    for variant in ("ours", "float"):
        ratio, dpsnr = _differences(rows, variant)
        name = "islow (default)" if variant == "ours" else "float"
        lines.append(f"- {name}, all {len(rows)} encodes: bytes vs Pillow in "
                     f"[{100 * ratio.min():+.2f} %, {100 * ratio.max():+.2f} %], PSNR difference "
                     f"in [{dpsnr.min():+.4f}, {dpsnr.max():+.4f}] dB"
                     + (f", {sum(r['identical'] for r in rows)} byte-identical files"
                        if variant == "ours" else ""))
    lines += ["", "Encode throughput, pixels -> bytes (megapixels per CPU second, all "
              "settings):", "",
              "| encoder | MP/s |", "|---|---:|",
              f"| jpegzoo `encode` (islow, default) | {_throughput(rows, 'ours'):.2f} |",
              f"| jpegzoo `encode` (float DCT) | {_throughput(rows, 'float'):.2f} |",
              f"| Pillow / libjpeg-turbo | {_throughput(rows, 'pillow'):.2f} |", "",
              "jpegzoo `encode` (islow) throughput per setting (megapixels per CPU "
              "second):", "",
              "| quality | " + " | ".join(f"{s} / opt={o}" for s in SUBSAMPLINGS
                                          for o in (False, True)) + " |",
              "|---:|" + "---:|" * 6]
    for quality in qualities:
        cells = [_select(rows, quality=quality, subsampling=s, optimize=o)
                 for s in SUBSAMPLINGS for o in (False, True)]
        cells = [f"{_throughput(cell, 'ours'):.2f}" for cell in cells]
        lines.append(f"| {quality} | " + " | ".join(cells) + " |")
    lines += ["", "| bit counter: 4:2:0 blocks of all images at quality | blocks | "
                  "blocks per CPU second (best of 5) |", "|---:|---:|---:|"]
    for quality, (blocks, rate) in counter.items():
        lines.append(f"| {quality} | {blocks} | {rate / 1e6:.2f} M |")
    return "\n".join(lines) + "\n"


def render_sizes(results):
    lines = ["", "Encode throughput by image size: mosaics of Kodak images, pixels -> bytes, "
             "megapixels per CPU second (best of 3-7 runs, jpegzoo and Pillow "
             "alternating); ratio = jpegzoo's throughput / Pillow's.", "",
             "| size | pixels | subsampling | optimize | quality | jpegzoo MP/s | "
             "Pillow MP/s | ratio | identical |", "|---|---:|---|---|---:|---:|---:|---:|---|"]
    for r in results:
        mp = r["pixels"] / 1e6
        lines.append(f"| {r['size']} ({r['shape'][1]}x{r['shape'][0]}) | {r['pixels']:,} | "
                     f"{r['subsampling']} | {r['optimize']} | {r['quality']} | "
                     f"{mp / r['ours']:.1f} | {mp / r['pillow']:.1f} | "
                     f"{r['pillow'] / r['ours']:.2f} | {r['identical']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

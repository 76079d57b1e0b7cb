"""Benchmark: the mutated JPEG encoder on Kodak against libjpeg-turbo (Pillow) and mozjpeg.

For each of the 24 Kodak images and IJG qualities 10..90 and 95 it encodes with

* ``standard``: Pillow/libjpeg-turbo, Annex K Huffman tables;
* ``standard_opt``: Pillow with ``optimize=True`` (optimal Huffman tables);
* ``mutated`` / ``mutated_opt``: jpegzoo's mutated encoder at its calibrated operating point
  for the quality (match the standard SSIM), Annex K / optimized tables;
* ``mozjpeg``: mozjpeg 4.0.3 (jpeglib), IJG tables, trellis quantization, optimized tables;

at 4:4:4 (the paper's setting) and 4:2:0, decodes every file with Pillow and records bytes,
bpp, PSNR (RGB), SSIM and encode seconds in ``out/points.csv`` (one CSV per image in
``out/images/``: a rerun skips finished images). ``summarize`` then writes the paper-style
Table 1, BD-rates and the RD plots.

    .venv/bin/python benchmarks/mutated_jpeg/run.py [--kodak DIR] [--processes 2]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
FIELDS = ["image", "method", "subsampling", "quality", "bytes", "bpp", "psnr", "ssim",
          "seconds"]


def _encoders():
    from jpegzoo import zoo
    from jpegzoo.reference_codecs import mozjpeg_encode, pillow_encode

    encode = zoo.load("mutated_jpeg").compress
    return {
        "standard": lambda im, q, s: pillow_encode(im, q, s, optimize=False),
        "standard_opt": lambda im, q, s: pillow_encode(im, q, s, optimize=True),
        "mutated": lambda im, q, s: encode(im, q, s, optimize=False),
        "mutated_opt": lambda im, q, s: encode(im, q, s, optimize=True),
        "mozjpeg": lambda im, q, s: mozjpeg_encode(im, q, s),
    }


def measure_image(path):
    """Encode one image with every method/subsampling/quality; returns its rows."""
    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg, read_image

    name = os.path.splitext(os.path.basename(path))[0]
    image = read_image(path)
    rows = []
    for method, encoder in _encoders().items():
        for subsampling in ("444", "420"):
            for quality in QUALITIES:
                start = time.perf_counter()
                data = encoder(image, quality, subsampling)
                seconds = time.perf_counter() - start
                decoded = decode_jpeg(data)
                rows.append({"image": name, "method": method, "subsampling": subsampling,
                             "quality": quality, "bytes": len(data),
                             "bpp": metrics.bpp(len(data), *image.shape[:2]),
                             "psnr": metrics.psnr(image, decoded),
                             "ssim": metrics.ssim(image, decoded), "seconds": seconds})
    return rows


def main():
    from jpegzoo.evaluation import run_per_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    paths = sorted(os.path.join(args.kodak, n) for n in os.listdir(args.kodak)
                   if n.endswith(".png"))
    run_per_image(paths, args.out, measure_image, FIELDS, args.processes)
    sys.path.insert(0, HERE)
    from summarize import summarize

    summarize(os.path.join(args.out, "points.csv"), args.out)


if __name__ == "__main__":
    main()

"""Benchmark: jpegzoo's trellis quantization against mozjpeg's, with identical tables.

For each of the 24 Kodak images and the 4 validation photos of the training folder (the
split of ``jpegzoo.datasets.photo_crops.load_photos``), IJG qualities 30..95, 4:2:0 and
4:4:4, it encodes with

* ``mozjpeg``: mozjpeg 4.0.3's trellis (IJG tables, AC and DC trellis, its defaults),
  written as one baseline scan with optimal Huffman tables (references.py says why);
* ``trellis_mozjpeg``, ``trellis_psnr``, ``trellis_ssim``: jpegzoo.jpeg.trellis with its
  presets (baseline, optimal Huffman tables);
* ``libjpeg_opt``: libjpeg-turbo (Pillow) rounding with optimal Huffman tables, for scale;
* ``mozjpeg_cjpeg``: ``cjpeg -quality Q`` defaults (mozjpeg's own tables, progressive):
  the speed reference;

decodes every file with Pillow and records bytes, bpp, PSNR (RGB), SSIM (RGB, see
references.fast_ssim) and encode seconds (wall clock and CPU time of the process: the
machine is shared, so CPU time is the steadier measure) in ``out/points.csv`` (one CSV per image in
``out/images/``: a rerun skips finished images); ``summarize.py`` writes the tables.

    .venv/bin/python benchmarks/trellis/run.py [--processes 2] [--kodak DIR] [--train DIR]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
QUALITIES = (30, 40, 50, 60, 70, 80, 90, 95)
SUBSAMPLINGS = ("420", "444")
FIELDS = ["image", "set", "method", "subsampling", "quality", "bytes", "bpp", "psnr", "ssim",
          "seconds", "cpu_seconds"]


def encoders():
    """{method: encode(image, quality, subsampling) -> bytes}."""
    from references import mozjpeg_baseline, mozjpeg_cjpeg

    from jpegzoo.jpeg import trellis
    from jpegzoo.layers.numerics.standard import quality_to_qtables
    from jpegzoo.reference_codecs import pillow_encode

    def ours(preset):
        options = trellis.PRESETS[preset]
        return lambda im, q, s: trellis.encode(im, quality_to_qtables(q), s, options)

    return {"mozjpeg": mozjpeg_baseline,
            "trellis_mozjpeg": ours("mozjpeg"),
            "trellis_psnr": ours("psnr"),
            "trellis_ssim": ours("ssim"),
            "libjpeg_opt": lambda im, q, s: pillow_encode(im, q, s, optimize=True),
            "mozjpeg_cjpeg": mozjpeg_cjpeg}


def _warm_up(methods):
    """Load every encoder's compiled code before anything is timed."""
    import numpy as np

    image = np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    for encode in methods.values():
        for subsampling in SUBSAMPLINGS:
            encode(image, 75, subsampling)


def measure_image(path):
    """Encode one image with every method, subsampling and quality; returns its rows."""
    sys.path.insert(0, HERE)
    from references import fast_ssim

    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg, read_image

    name = os.path.splitext(os.path.basename(path))[0]
    image = read_image(path)
    methods = encoders()
    _warm_up(methods)
    rows = []
    for subsampling in SUBSAMPLINGS:
        for quality in QUALITIES:
            for method, encode in methods.items():
                start, cpu = time.perf_counter(), time.process_time()
                data = encode(image, quality, subsampling)
                seconds = time.perf_counter() - start
                cpu_seconds = time.process_time() - cpu
                decoded = decode_jpeg(data)
                rows.append({"image": name, "set": "kodak" if name.startswith("kodim")
                             else "validation", "method": method,
                             "subsampling": subsampling, "quality": quality,
                             "bytes": len(data), "bpp": metrics.bpp(len(data), *image.shape[:2]),
                             "psnr": metrics.psnr(image, decoded),
                             "ssim": fast_ssim(image, decoded), "seconds": seconds,
                             "cpu_seconds": cpu_seconds})
    return rows


def image_paths(kodak, train):
    """The Kodak PNGs and the validation photos of ``train``."""
    from jpegzoo.datasets.folder_split import list_images, partition

    paths = sorted(os.path.join(kodak, n) for n in os.listdir(kodak) if n.endswith(".png"))
    validation = partition(list_images(train), 0.1)["validation"]
    return paths + [os.path.join(train, n) for n in validation]


def check_ssim(path):
    """Largest |fast_ssim - jpegzoo.metrics.ssim| over a few files of one image."""
    from references import fast_ssim, mozjpeg_baseline

    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg, read_image

    image = read_image(path)
    gaps = []
    for quality in (30, 95):
        decoded = decode_jpeg(mozjpeg_baseline(image, quality, "420"))
        gaps.append(abs(fast_ssim(image, decoded) - metrics.ssim(image, decoded)))
    return max(gaps)


def main():
    sys.path.insert(0, HERE)
    from jpegzoo.evaluation import run_per_image

    data = os.path.join(ROOT, "..", "shared", "data")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(data, "kodak"))
    parser.add_argument("--train", default=os.path.join(data, "train"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--check-ssim", action="store_true",
                        help="compare fast_ssim with jpegzoo.metrics.ssim (TensorFlow) first")
    args = parser.parse_args()
    paths = image_paths(args.kodak, args.train)
    if args.check_ssim:
        print(f"max |fast_ssim - metrics.ssim| on {os.path.basename(paths[0])}: "
              f"{check_ssim(paths[0]):.2e}")
    run_per_image(paths, args.out, measure_image, FIELDS, args.processes)
    from summarize import summarize

    summarize(os.path.join(args.out, "points.csv"), args.out)


if __name__ == "__main__":
    main()

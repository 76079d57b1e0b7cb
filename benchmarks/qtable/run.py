"""Benchmark: learned quantization tables on Kodak against libjpeg-turbo, mozjpeg and jpegli.

For each Kodak image it records, for every file it writes (all decoded by Pillow): bytes,
bpp, MS-SSIM and SSIM (RGB, :mod:`jpegzoo.metrics`), PSNR and encode seconds, in
``out/images/<name>.csv`` (a rerun skips finished images), for

* ``libjpeg_turbo`` / ``libjpeg_turbo_opt``: Pillow, 4:2:0, IJG tables, Annex K / optimized
  Huffman tables, qualities 10..95;
* ``mozjpeg``: mozjpeg 4.0.3 as ``cjpeg -quality Q`` (its tables, trellis, progressive);
* ``jpegli``: pyjpegli at its defaults for Q;
* ``qtable``: ``jpegzoo encode --method qtable -q Q`` (the generator's tables, searched to
  reach libjpeg-turbo's MS-SSIM at Q on that image; optimized Huffman, 4:2:0);
* ``qtable_lambda``: the generator's tables at fixed lambdas, no search;
* ``qtable_lambda_rdo``: the same tables, levels chosen by the mutated encoder's
  rate-distortion search (``--rdo``);
* the MS-SSIM >= 0.98 floor (``floor`` rows): the smallest libjpeg-turbo (both Huffman
  modes), mozjpeg and jpegli file over all qualities 1..100 meeting it, the generator with
  its search (``qtable``), and the per-image optimizer started from the generator's tables
  at the lambda the search found, then its own scale search (``qtable_per_image``), with
  the seconds spent making tables (``table_seconds``) and in total; and ``--rdo`` with its
  search (``qtable_rdo``).

    .venv/bin/python benchmarks/qtable/run.py [--kodak DIR] [--processes 2] [--out DIR]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
LAMBDAS = (1.0, 2.5, 6.0, 15.0, 40.0, 100.0, 250.0, 1000.0)
FLOOR = 0.98
FIELDS = ["image", "method", "setting", "bytes", "bpp", "ms_ssim", "ssim", "psnr", "seconds",
          "table_seconds"]


def reference_encoders():
    from jpegzoo.reference_codecs import jpegli_encode, mozjpeg_cjpeg_encode, pillow_encode

    return {
        "libjpeg_turbo": lambda im, q: pillow_encode(im, q, "420", optimize=False),
        "libjpeg_turbo_opt": lambda im, q: pillow_encode(im, q, "420", optimize=True),
        "mozjpeg": mozjpeg_cjpeg_encode,
        "jpegli": jpegli_encode,
    }


class Recorder:
    """Measures files and collects the rows of one image."""

    def __init__(self, name, image):
        self.name, self.image, self.rows = name, image, []

    def measure(self, method, setting, data, seconds, table_seconds=""):
        from jpegzoo import metrics
        from jpegzoo.imageio import decode_jpeg

        decoded = decode_jpeg(data)
        row = {"image": self.name, "method": method, "setting": setting, "bytes": len(data),
               "bpp": metrics.bpp(len(data), *self.image.shape[:2]),
               "ms_ssim": metrics.ms_ssim(self.image, decoded),
               "ssim": metrics.ssim(self.image, decoded),
               "psnr": metrics.psnr(self.image, decoded), "seconds": seconds,
               "table_seconds": table_seconds}
        self.rows.append(row)
        return row


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def smallest_meeting_floor(image, encoder, floor):
    """(bytes, quality) of the smallest file over qualities 1..100 whose MS-SSIM meets
    ``floor``: bisection for the lowest passing quality, then the qualities just below it
    are tried as well (MS-SSIM is not strictly monotone in quality)."""
    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg

    cache = {}

    def passes(q):
        if q not in cache:
            data = encoder(image, q)
            cache[q] = (data, metrics.ms_ssim(image, decode_jpeg(data)) >= floor)
        return cache[q][1]

    low, high = 1, 100
    if not passes(high):
        return None, None
    while low < high:
        middle = (low + high) // 2
        if passes(middle):
            high = middle
        else:
            low = middle + 1
    for q in range(max(1, high - 3), high):
        passes(q)
    best = min((q for q, (_, ok) in cache.items() if ok), key=lambda q: len(cache[q][0]))
    return cache[best][0], best


def run_curves(recorder):
    from jpegzoo.zoo.qtable_generator import method
    from jpegzoo.zoo.qtable_generator.inference import generator_tables

    image = recorder.image
    for name, encoder in reference_encoders().items():
        for quality in QUALITIES:
            data, seconds = timed(encoder, image, quality)
            recorder.measure(name, quality, data, seconds)
    for quality in QUALITIES:
        data, seconds = timed(method.encode, image, quality=quality)
        recorder.measure("qtable", quality, data, seconds)
    for lam in LAMBDAS:
        tables, table_seconds = timed(generator_tables, image, lam)
        data, seconds = timed(method.encode, image, lam=lam)
        recorder.measure("qtable_lambda", lam, data, seconds, table_seconds)
        data, seconds = timed(method.encode, image, lam=lam, rdo=True)
        recorder.measure("qtable_lambda_rdo", lam, data, seconds, table_seconds)


def run_floor(recorder):
    from jpegzoo.zoo.qtable_generator import method
    from jpegzoo.zoo.qtable_generator.floor_search import search_generator, search_scale
    from jpegzoo.zoo.qtable_generator.inference import generator_tables
    from jpegzoo.zoo.qtable_generator.optimizer import optimize_tables

    image = recorder.image
    for name, encoder in reference_encoders().items():
        (data, quality), seconds = timed(smallest_meeting_floor, image, encoder, FLOOR)
        if data is not None:
            recorder.measure(f"floor_{name}", quality, data, seconds)
    write = method.plain_writer(image)
    (data, lam), seconds = timed(search_generator, image, FLOOR, write)
    _, table_seconds = timed(generator_tables, image, lam)
    recorder.measure("floor_qtable", lam, data, seconds, table_seconds)
    start = time.perf_counter()
    init = generator_tables(image, lam)
    optimized, table_seconds = timed(optimize_tables, image, lam, "420", init=init)
    data = search_scale(image, optimized.tables, FLOOR, write)
    recorder.measure("floor_qtable_per_image", lam, data, time.perf_counter() - start,
                     table_seconds)
    data, seconds = timed(method.encode, image, target_msssim=FLOOR, rdo=True)
    recorder.measure("floor_qtable_rdo", lam, data, seconds)


def measure_image(path):
    """Every row of one Kodak image (curves, then floors)."""
    from jpegzoo.imageio import read_image

    recorder = Recorder(os.path.splitext(os.path.basename(path))[0], read_image(path))
    run_curves(recorder)
    run_floor(recorder)
    return recorder.rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="first N images only")
    args = parser.parse_args()
    from jpegzoo.evaluation import run_per_image

    paths = sorted(os.path.join(args.kodak, f) for f in os.listdir(args.kodak)
                   if f.endswith(".png"))[:args.limit]
    rows = run_per_image(paths, args.out, measure_image, FIELDS, args.processes)
    print(f"{len(rows)} rows -> {args.out}/points.csv", file=sys.stderr)


if __name__ == "__main__":
    main()

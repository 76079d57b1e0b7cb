"""Benchmark: encode time of ``--method best`` against mozjpeg (cjpeg's defaults, 4:2:0), side
by side in one process, at 0.4 MP (Kodak images) and 12 MP (a mosaic of Kodak images).

Both run on one thread; times are CPU seconds of this process (unlike wall time, other
processes' turns on the shared machine do not count), the best of ``--repeats`` runs
(one at 12 MP) alternating the two encoders. Each tune encodes with ``-q Q`` (its search included);
mozjpeg encodes at the same Q.

    .venv/bin/python benchmarks/best/speed.py [--quality 75] [--repeats 3]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "baseline_writer"))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

from run import load_kodak, mosaic  # noqa: E402  (benchmarks/baseline_writer/run.py)

KODAK = os.path.join(HERE, "..", "..", "..", "shared", "data", "kodak")
TUNES = ("psnr", "ssim", "ms-ssim", "ssimulacra2")


def cpu_seconds(function, *args, **kwargs):
    start = time.process_time()
    result = function(*args, **kwargs)
    return result, time.process_time() - start


def measure(images, quality, repeats):
    from jpegzoo import zoo
    from jpegzoo.reference_codecs import mozjpeg_cjpeg_encode

    best = zoo.load("best_jpeg")
    rows = []
    for size, group in images.items():
        for tune in TUNES:
            ours, theirs, ours_bytes, their_bytes = 0.0, 0.0, 0, 0
            for image in group:
                times = {"best": [], "mozjpeg": []}
                for _ in range(1 if image.size > 10**7 else repeats):  # 12 MP: once
                    data, seconds = cpu_seconds(best.compress, image, quality, tune=tune)
                    times["best"].append(seconds)
                    reference, seconds = cpu_seconds(mozjpeg_cjpeg_encode, image, quality)
                    times["mozjpeg"].append(seconds)
                ours += min(times["best"])
                theirs += min(times["mozjpeg"])
                ours_bytes += len(data)
                their_bytes += len(reference)
            rows.append((size, tune, len(group), ours / len(group), theirs / len(group),
                         ours / theirs, ours_bytes / their_bytes))
            print(_row(rows[-1]), flush=True)
    return rows


def _row(row):
    size, tune, count, ours, theirs, ratio, bytes_ratio = row
    return (f"| {size} | {tune} | {count} | {ours:.3f} | {theirs:.3f} | {ratio:.1f}x | "
            f"{bytes_ratio:.3f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quality", type=int, default=75)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kodak", default=KODAK)
    args = parser.parse_args()
    kodak = load_kodak(args.kodak)
    images = {"0.4 MP (kodim01-04)": kodak[:4],
              "12 MP (6x5 mosaic)": [mosaic(kodak, 6, 5, 3072)]}
    print(f"-q {args.quality}, CPU seconds per image, best of {args.repeats}\n")
    print("| size | tune | images | best s | mozjpeg s | time ratio | bytes best/mozjpeg |")
    print("|---|---|---:|---:|---:|---:|---:|")
    measure(images, args.quality, args.repeats)


if __name__ == "__main__":
    main()

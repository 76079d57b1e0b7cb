"""Benchmark: ``--method best`` against Guetzli at equal Butteraugli, on 4 images.

Guetzli (pyguetzli) encodes each image at its quality ``--guetzli-quality`` (default 90);
its file's Butteraugli distance (max-norm, Debian's ``butteraugli``) is the bar. ``best``
(tune ``ssimulacra2``, the perceptual tune) is then searched by bisection on ``--lambda``
for its smallest file whose Butteraugli distance is at most Guetzli's; bytes and CPU
seconds of both are reported (best's time is one encode at the found lambda, plus, in a
separate column, the whole bisection a user without a Butteraugli target would not run).

    .venv/bin/python benchmarks/best/guetzli.py [--images kodim01,kodim05,...]
"""

import argparse
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

KODAK = os.path.join(HERE, "..", "..", "..", "shared", "data", "kodak")
IMAGES = ("kodim01", "kodim05", "kodim14", "kodim23")
STEPS = 12


def cpu(function, *args, **kwargs):
    start = time.process_time()
    result = function(*args, **kwargs)
    return result, time.process_time() - start


def distance(image, data):
    from jpegzoo.imageio import decode_jpeg
    from jpegzoo.metrics import butteraugli

    return butteraugli(image, decode_jpeg(data))


def best_at_distance(image, bar):
    """(bytes, lambda, search CPU s) of best's smallest file found within ``bar``."""
    from jpegzoo import zoo

    codec = zoo.load("best_jpeg")
    low, high = math.log(1e-4), math.log(10.0)  # log lambda: too coarse / fine enough
    found, spent = None, 0.0
    for _ in range(STEPS):
        middle = (low + high) / 2
        data, seconds = cpu(codec.compress, image, tune="ssimulacra2", lam=math.exp(middle))
        spent += seconds
        if distance(image, data) <= bar:
            high, found = middle, (data, math.exp(middle))
        else:
            low = middle
    return found, spent


def main():
    from jpegzoo import zoo
    from jpegzoo.imageio import read_image
    from jpegzoo.reference_codecs import guetzli_encode

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", default=",".join(IMAGES))
    parser.add_argument("--guetzli-quality", type=int, default=90)
    args = parser.parse_args()
    print("| image | Guetzli bytes | Butteraugli | best bytes | best / Guetzli | Guetzli CPU s "
          "| best CPU s (one encode) | time ratio | best search CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    total = [0, 0, 0.0, 0.0]
    for name in args.images.split(","):
        image = read_image(os.path.join(KODAK, name + ".png"))
        reference, guetzli_seconds = cpu(guetzli_encode, image, args.guetzli_quality)
        bar = distance(image, reference)
        found, spent = best_at_distance(image, bar)
        if found is None:
            print(f"| {name} | {len(reference)} | {bar:.3f} | not reached | | | | | |")
            continue
        data, lam = found
        _, seconds = cpu(zoo.load("best_jpeg").compress, image, tune="ssimulacra2", lam=lam)
        total = [total[0] + len(reference), total[1] + len(data),
                 total[2] + guetzli_seconds, total[3] + seconds]
        print(f"| {name} | {len(reference)} | {bar:.3f} | {len(data)} | "
              f"{len(data) / len(reference):.3f} | {guetzli_seconds:.1f} | {seconds:.2f} | "
              f"{guetzli_seconds / seconds:.0f}x | {spent:.1f} |", flush=True)
    print(f"| all | {total[0]} | | {total[1]} | {total[1] / max(total[0], 1):.3f} | "
          f"{total[2]:.1f} | {total[3]:.2f} | {total[2] / max(total[3], 1e-9):.0f}x | |")


if __name__ == "__main__":
    main()

"""How the searches of ``--method best`` start: per tune, the ``log mu`` offset from the PSNR
fit (:func:`jpegzoo.zoo.best_jpeg.method.initial_mu`) at which ``-q Q`` lands, and the
typical gain of the score per unit of ``log mu`` -- the ``mu_offset`` and ``slope`` of
:mod:`jpegzoo.zoo.best_jpeg.tunes`. Measured on 768x512 crops of 4 training photos (never
Kodak or the validation photos), at Q 20, 50, 75 and 90, 4:2:0.

    .venv/bin/python benchmarks/best/fit_search.py [--tunes psnr,ssim,ms-ssim,ssimulacra2]
"""

import argparse
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")
PHOTOS = ["train/wiki001", "train/wiki010", "train/wiki020", "train-extra/sipi_misc_4.2.05"]
QUALITIES = (20, 50, 75, 90)


def main():
    from jpegzoo.imageio import read_image
    from jpegzoo.zoo.best_jpeg import search, tunes
    from jpegzoo.zoo.best_jpeg.encoder import Image
    from jpegzoo.zoo.best_jpeg.method import BestJpeg, initial_mu

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tunes", default=",".join(tunes.TUNES))
    args = parser.parse_args()
    images = [read_image(os.path.join(DATA, p + ".png"))[:512, :768] for p in PHOTOS]
    print("| tune | " + " | ".join(f"offset at Q{q}" for q in QUALITIES)
          + " | mean offset | median slope |")
    print("|---|" + "---:|" * (len(QUALITIES) + 2))
    for name in args.tunes.split(","):
        tune = replace_start(tunes.get(name))
        offsets, slopes = {q: [] for q in QUALITIES}, []
        for quality in QUALITIES:
            for image in images:
                prepared = Image(image, tune)
                target = BestJpeg.reference_score(prepared, quality)
                log = []
                found = search.search_target(prepared, target, "420", initial_mu(quality), 0,
                                             log)
                offsets[quality].append(math.log(found.mu / initial_mu(quality)))
                points = sorted((math.log(t.mu), tune.linear(t.score)) for t in log)
                if len(points) > 1:
                    slopes.append((points[-1][1] - points[0][1])
                                  / (points[-1][0] - points[0][0]))
        cells = [f"{np.mean(offsets[q]):.2f}" for q in QUALITIES]
        every = [o for q in QUALITIES for o in offsets[q]]
        print(f"| {name} | " + " | ".join(cells)
              + f" | {np.mean(every):.2f} | {np.median(slopes):.2f} |", flush=True)


def replace_start(tune):
    """``tune`` with the neutral first guess (no offset), so the fit does not see itself."""
    from dataclasses import replace

    return replace(tune, mu_offset=0.0, slope=2.5)


if __name__ == "__main__":
    main()

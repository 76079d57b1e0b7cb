"""How ``--subsampling auto`` decides whether to try 4:4:4 (``Tune.min_chroma_share``).

For 17 training photos (every 4th of ``../shared/data/train``'s training split, every 8th
of ``train-extra``'s; 768x512 crops; never Kodak or the validation photos) at Q 30, 50,
75, 90 and 95, each tune's ``-q Q`` file with ``auto`` (4:4:4 probed every time) and, where
4:4:4 won, with 4:2:0; the share ``r`` = (the error 4:2:0 adds by itself: libjpeg-turbo's
Q100 files at 4:2:0 and 4:4:4, MSE difference) / (the 4:2:0 file's MSE). A tune's
threshold is set below the smallest ``r`` at which 4:4:4 won, so that skipping the 4:4:4
trial under it loses no win on these photos.

    .venv/bin/python benchmarks/best/subsampling.py [--tunes psnr,ssim,ms-ssim,ssimulacra2]
"""

import argparse
import os
import sys
from dataclasses import replace

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")
QUALITIES = (30, 50, 75, 90, 95)


def photos():
    from jpegzoo.datasets.folder_split import split_of
    from jpegzoo.imageio import read_image

    chosen = []
    for folder, step in (("train", 4), ("train-extra", 8)):
        names = sorted(n for n in os.listdir(os.path.join(DATA, folder))
                       if n.endswith(".png") and split_of(n, 0.1) == "train")
        chosen += [os.path.join(DATA, folder, n) for n in names[::step]]
    images = [read_image(p)[:512, :768] for p in chosen]
    return [i for i in images if i.ndim == 3]


def main():
    from jpegzoo import metrics
    from jpegzoo.zoo.best_jpeg import tunes
    from jpegzoo.zoo.best_jpeg.encoder import Image
    from jpegzoo.zoo.best_jpeg.method import BestJpeg, operating_point

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tunes", default=",".join(tunes.TUNES))
    args = parser.parse_args()
    images = photos()
    best = BestJpeg()
    print("| tune | files | 4:4:4 won | smallest r where 4:4:4 won | r < 0.15 | r < 0.3 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in args.tunes.split(","):
        shares, wins = [], []
        for quality in QUALITIES:
            for image in images:
                point = operating_point(quality, name)
                point = replace(point, tune=replace(point.tune, min_chroma_share=0.0))
                prepared = Image(image, point.tune)
                won = best.choose(prepared, point, "auto").subsampling == "444"
                at_420 = best.choose(Image(image, point.tune), point, "420")
                error = metrics.mse(image, prepared.decoded(at_420.data))
                shares.append(prepared.chroma_downsampling_error() / error)
                wins.append(won)
        shares, wins = np.array(shares), np.array(wins)
        smallest = shares[wins].min() if wins.any() else float("nan")
        cells = [f"{(shares < t).sum()} skipped, {(wins & (shares < t)).sum()} wins lost"
                 for t in (0.15, 0.3)]
        print(f"| {name} | {len(shares)} | {wins.sum()} | {smallest:.3f} | "
              + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()

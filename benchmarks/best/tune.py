"""How the tunes of ``--method best`` were chosen: BD-rates against mozjpeg 4:2:0 (cjpeg's
defaults) on 6 training photos (never Kodak or the validation photos), for candidate
distortion weights, at fixed trade-offs ``mu`` (``--lambda``, no target search).

    .venv/bin/python benchmarks/best/tune.py                 # every variant below
    .venv/bin/python benchmarks/best/tune.py --variants ssim,f12

Each variant is a :class:`jpegzoo.zoo.best_jpeg.tunes.Tune` (SSIM block-weight strength,
frequency falloff exponent / scale) at a chroma subsampling; each is measured on PSNR,
SSIM (dB), MS-SSIM (dB) and SSIMULACRA2, per image, and the per-image BD-rates averaged.
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")
#: Training photos (the ``train`` part of each folder's split).
PHOTOS = ["train/wiki001", "train/wiki006", "train/wiki010", "train/wiki020",
          "train-extra/sipi_aerials_2.1.05", "train-extra/sipi_misc_4.2.05"]
MUS = (0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064)
MOZJPEG_QUALITIES = (20, 30, 40, 50, 60, 70, 80, 90, 95)
FIELDS = ("psnr", "ssim_db", "ms_ssim_db", "ssimulacra2")


def variants():
    from jpegzoo.zoo.best_jpeg.tunes import Tune

    def falloff(exponent, scale):
        return Tune("f", "psnr", ssim_strength=0.5, frequency_exponent=exponent,
                    frequency_scale=scale)

    return {"psnr": (Tune("psnr", "psnr"), "420"), "psnr444": (Tune("psnr", "psnr"), "444"),
            "ssim": (Tune("ssim", "ssim", ssim_strength=0.5), "420"),
            "f13": (falloff(1, 3), "420"), "f23": (falloff(2, 3), "420"),
            "f12": (falloff(1, 2), "420"), "f24": (falloff(2, 4), "420")}


def scores(image, data):
    from jpegzoo import evaluation
    from jpegzoo.imageio import decode_jpeg
    from jpegzoo.metrics import ssim_db

    s = evaluation.measure(image, decode_jpeg(data))
    return {"bpp": len(data) * 8 / image.shape[0] / image.shape[1], "psnr": s["psnr"],
            "ssim_db": ssim_db(s["ssim"]), "ms_ssim_db": ssim_db(s["ms_ssim"]),
            "ssimulacra2": s["ssimulacra2"]}


def bd_rates(reference, test):
    from jpegzoo.metrics import bd_rate

    out = {}
    for field in FIELDS:
        try:
            out[field] = bd_rate([r["bpp"] for r in reference], [r[field] for r in reference],
                                 [r["bpp"] for r in test], [r[field] for r in test])
        except ValueError:
            out[field] = float("nan")
    return out


def main():
    from jpegzoo.imageio import read_image
    from jpegzoo.jpeg.writer import write_jpeg
    from jpegzoo.reference_codecs import mozjpeg_cjpeg_encode
    from jpegzoo.zoo.best_jpeg.encoder import Image

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default=",".join(variants()))
    args = parser.parse_args()
    chosen = {k: variants()[k] for k in args.variants.split(",")}
    photos = {p: read_image(os.path.join(DATA, p + ".png")) for p in PHOTOS}
    anchors = {p: [scores(im, mozjpeg_cjpeg_encode(im, q, "420")) for q in MOZJPEG_QUALITIES]
               for p, im in photos.items()}
    print("| variant | " + " | ".join(FIELDS) + " | CPU s per encode |")
    print("|---|" + "---:|" * (len(FIELDS) + 1))
    for name, (tune, subsampling) in chosen.items():
        per_image, seconds = [], 0.0
        for path, image in photos.items():
            prepared = Image(image, tune)
            curve = []
            for mu in MUS:
                start = time.process_time()
                trial = prepared.trial(mu, subsampling)
                data = write_jpeg(trial.levels, optimize=True, progressive="search")
                seconds += time.process_time() - start
                curve.append(scores(image, data))
            per_image.append(bd_rates(anchors[path], curve))
        cells = [f"{np.nanmean([b[f] for b in per_image]):+.2f} %" for f in FIELDS]
        print(f"| {name} | " + " | ".join(cells)
              + f" | {seconds / len(photos) / len(MUS):.2f} |", flush=True)


if __name__ == "__main__":
    main()

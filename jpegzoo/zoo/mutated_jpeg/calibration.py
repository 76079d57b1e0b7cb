"""Calibrating the operating points: ``mu`` and the table scale per quality.

Run ``python -m jpegzoo.zoo.mutated_jpeg.calibration --images DIR --work DIR`` (resumable;
jobs run in parallel). On calibration photos (training photos, never Kodak), centre-cropped
to 768x512:

1. ``mu``: for each candidate ``mu`` the mutated encoder's BD-rate against standard JPEG
   (SSIM, 4:4:4, Annex K tables) over qualities 20..90 at plain IJG tables; the lowest wins.
2. per subsampling and quality ``Q``: the target is the standard encoder's mean SSIM at
   ``Q``; bisection over the table scale (between 0.4x and 1.6x ``Q``'s IJG scale) finds
   the coarsest tables whose mean SSIM with the mutated encoder reaches the target.

Writes ``operating_points.json`` (see :mod:`.operating_points`).
"""

import argparse
import glob
import json
import os

import numpy as np

from jpegzoo import metrics
from jpegzoo.imageio import decode_jpeg, read_image
from jpegzoo.layers.numerics.standard import quality_scaling
from jpegzoo.metrics import bd_rate
from jpegzoo.zoo.mutated_jpeg import operating_points
from jpegzoo.zoo.mutated_jpeg.method import load_codec

QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
MU_CANDIDATES = (160.0, 320.0, 640.0)
MU_QUALITIES = (20, 40, 60, 80, 90)
CROP = (512, 768)
BISECTION_STEPS = 6
#: Table scales searched, relative to the quality's IJG scale (finer .. coarser).
SCALE_BOUNDS = (0.4, 1.6)


def calibration_images(folder, count=6):
    """Every k-th photo of ``folder`` (sorted), centre-cropped to 768x512."""

    paths = sorted(glob.glob(os.path.join(folder, "*.png")))
    chosen = paths[::max(1, len(paths) // count)][:count]
    images = []
    for path in chosen:
        pixels = read_image(path)
        top = max(0, (pixels.shape[0] - CROP[0]) // 2)
        left = max(0, (pixels.shape[1] - CROP[1]) // 2)
        images.append(np.ascontiguousarray(pixels[top:top + CROP[0], left:left + CROP[1]]))
    return images


def _measure(images, encode):
    """Mean bpp and mean SSIM of ``encode(image) -> bytes`` over the images."""

    rates, scores = [], []
    for image in images:
        data = encode(image)
        rates.append(metrics.bpp(len(data), *image.shape[:2]))
        scores.append(metrics.ssim(image, decode_jpeg(data)))
    return float(np.mean(rates)), float(np.mean(scores))


def _standard(images, quality, subsampling):
    from jpegzoo.reference_codecs import pillow_encode

    return _measure(images, lambda im: pillow_encode(im, quality, subsampling))


def _mutated(images, scale, mu, subsampling):

    codec = load_codec()
    return _measure(images, lambda im: codec.encode_at_scale(im, scale, mu, subsampling))


def mu_job(images, mu):
    """BD-rate (SSIM, %) of the mutated encoder at ``mu`` against standard JPEG, 4:4:4."""

    standard = np.array([_standard(images, q, "444") for q in MU_QUALITIES])
    mutated = np.array([_mutated(images, float(quality_scaling(q)), mu, "444")
                        for q in MU_QUALITIES])
    return float(bd_rate(standard[:, 0], standard[:, 1], mutated[:, 0], mutated[:, 1]))


def scale_job(images, quality, subsampling, mu):
    """Coarsest table scale whose mean SSIM reaches standard JPEG's at ``quality``."""

    target = _standard(images, quality, subsampling)[1]
    nominal = float(quality_scaling(quality))
    low, high = np.log(SCALE_BOUNDS[0] * nominal), np.log(SCALE_BOUNDS[1] * nominal)
    best = SCALE_BOUNDS[0] * nominal  # fine .. coarse
    for _ in range(BISECTION_STEPS):
        middle = 0.5 * (low + high)
        if _mutated(images, float(np.exp(middle)), mu, subsampling)[1] >= target:
            best, low = float(np.exp(middle)), middle
        else:
            high = middle
    return {"scale": best, "target_ssim": target}


def _run(job):
    kind, key, folder, work, mu = job
    path = os.path.join(work, f"{kind}_{key}.json")
    if os.path.exists(path):
        with open(path) as handle:
            return json.load(handle)
    images = calibration_images(folder)
    if kind == "mu":
        result = {"mu": mu, "bd_rate_ssim": mu_job(images, mu)}
    else:
        subsampling, quality = key.split("_q")
        result = {"subsampling": subsampling, "quality": int(quality),
                  **scale_job(images, int(quality), subsampling, mu)}
    with open(path + ".tmp", "w") as handle:
        json.dump(result, handle)
    os.replace(path + ".tmp", path)
    return result


def calibrate(folder, work, output, processes=2, progress=True):
    from multiprocessing import get_context

    from tqdm.auto import tqdm

    os.makedirs(work, exist_ok=True)
    with get_context("spawn").Pool(processes) as pool:
        jobs = [("mu", f"{mu:g}", folder, work, mu) for mu in MU_CANDIDATES]
        trials = list(tqdm(pool.imap(_run, jobs), total=len(jobs), desc="calibrating mu",
                           disable=not progress))
        mu = min(trials, key=lambda t: t["bd_rate_ssim"])["mu"]
        jobs = [("scale", f"{sub}_q{q}", folder, work, mu) for sub in ("444", "420")
                for q in QUALITIES]
        points = list(tqdm(pool.imap_unordered(_run, jobs), total=len(jobs),
                           desc="calibrating scales", disable=not progress))
    scales = {sub: {p["quality"]: p["scale"] for p in points if p["subsampling"] == sub}
              for sub in ("444", "420")}
    notes = {"mu_trials": trials, "targets": sorted(
        (p["subsampling"], p["quality"], p["target_ssim"]) for p in points)}
    operating_points.save(output, mu, scales, notes)
    return mu, scales


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    mu, scales = calibrate(args.images, args.work, args.output, args.processes)
    print(f"mu {mu}; scales {scales}")


if __name__ == "__main__":
    main()

"""Benchmark: mutated_jpeg with the trellis as its search, against its rounding-anchored
search, the trellis presets and mozjpeg's trellis (a few Kodak images; the mutated encoder
takes seconds per image).

Every method writes baseline files with optimal Huffman tables: ``mutated_trellis`` and
``mutated_rounding`` are ``zoo.load("mutated_jpeg")`` (shipped mutation sets and operating
points, ``optimize=True``) with ``anchor="trellis"`` / ``"rounding"``; ``mozjpeg``,
``trellis_psnr`` and ``trellis_ssim`` as in run.py. Rows go to ``out/mutated/points.csv``;
the BD-rates (mean curves) are printed and written to ``out/mutated/results.md``.

    .venv/bin/python benchmarks/trellis/mutated.py [--images kodim01,kodim05,...]
        [--qualities 30,50,70,90] [--subsamplings 420,444] [--processes 2]
"""

import argparse
import csv
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ["image", "method", "subsampling", "quality", "bytes", "bpp", "psnr", "ssim",
          "seconds", "cpu_seconds"]
ANCHOR = "mozjpeg"
METHODS = ("mutated_trellis", "mutated_rounding", "trellis_psnr", "trellis_ssim", "mozjpeg")


def encoders():
    from references import mozjpeg_baseline

    from jpegzoo.jpeg import trellis
    from jpegzoo.layers.numerics.standard import quality_to_qtables
    from jpegzoo.zoo.mutated_jpeg import mutation_sets, operating_points
    from jpegzoo.zoo.mutated_jpeg.method import MutatedJpeg

    sets, points = mutation_sets.load(), operating_points.load()

    def mutated(anchor):
        codec = MutatedJpeg(sets, points, anchor=anchor)
        return lambda im, q, s: codec.encode(im, q, s, optimize=True)

    def ours(preset):
        return lambda im, q, s: trellis.encode(im, quality_to_qtables(q), s,
                                               trellis.PRESETS[preset])

    return {"mutated_trellis": mutated("trellis"), "mutated_rounding": mutated("rounding"),
            "trellis_psnr": ours("psnr"), "trellis_ssim": ours("ssim"),
            "mozjpeg": mozjpeg_baseline}


def measure_image(job):
    """Rows of one image (``job``: path, qualities, subsamplings)."""
    path, qualities, subsamplings = job
    sys.path.insert(0, HERE)
    from references import fast_ssim

    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg, read_image

    image = read_image(path)
    methods = encoders()
    for encode in methods.values():  # compile / load everything before timing
        encode(image[:32, :32], 75, "420")
    rows = []
    for sub in subsamplings:
        for quality in qualities:
            for method, encode in methods.items():
                start, cpu = time.perf_counter(), time.process_time()
                data = encode(image, quality, sub)
                seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
                decoded = decode_jpeg(data)
                rows.append({"image": os.path.basename(path)[:-4], "method": method,
                             "subsampling": sub, "quality": quality, "bytes": len(data),
                             "bpp": metrics.bpp(len(data), *image.shape[:2]),
                             "psnr": metrics.psnr(image, decoded),
                             "ssim": fast_ssim(image, decoded), "seconds": seconds,
                             "cpu_seconds": cpu_seconds})
    return rows


def summarize(rows, subsamplings):
    from summarize import _bd, _select, curve

    lines = ["| method | " + " | ".join(f"{s} {m} vs {a}" for s in subsamplings
                                        for a in (ANCHOR, "mutated_rounding")
                                        for m in ("PSNR", "SSIM")) + " | CPU s/image |",
             "|---|" + "---|" * (4 * len(subsamplings) + 1)]
    for method in METHODS:
        cells = []
        for sub in subsamplings:
            test = curve(_select(rows, method=method, subsampling=sub))
            for anchor in (ANCHOR, "mutated_rounding"):
                reference = curve(_select(rows, method=anchor, subsampling=sub))
                cells += [f"{_bd(reference, test, m):+.2f} %" for m in ("psnr", "ssim")]
        cpu = np.mean([float(r["cpu_seconds"]) for r in _select(rows, method=method)])
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {cpu:.2f} |")
    return "\n".join(lines)


def main():
    sys.path.insert(0, HERE)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data = os.path.join(HERE, "..", "..", "..", "shared", "data", "kodak")
    parser.add_argument("--kodak", default=data)
    parser.add_argument("--images", default="kodim01,kodim05,kodim13,kodim23")
    parser.add_argument("--qualities", default="30,50,70,90")
    parser.add_argument("--subsamplings", default="420,444")
    parser.add_argument("--out", default=os.path.join(HERE, "out", "mutated"))
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    qualities = [int(q) for q in args.qualities.split(",")]
    subsamplings = args.subsamplings.split(",")
    jobs = [(os.path.join(args.kodak, f"{name}.png"), qualities, subsamplings)
            for name in args.images.split(",")]
    if args.processes > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
            results = pool.map(measure_image, jobs)
    else:
        results = [measure_image(job) for job in jobs]
    rows = [{k: str(v) for k, v in row.items()} for part in results for row in part]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "points.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    text = (f"BD-rates of the mean curves over {len(jobs)} Kodak images, qualities "
            f"{args.qualities} (negative = fewer bits at equal quality)\n\n"
            + summarize(rows, subsamplings) + "\n")
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    main()

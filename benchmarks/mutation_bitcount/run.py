"""Benchmark: the ``mutation_bitcount`` model against the exact bit counter on Kodak.

Held-out images: the 24 Kodak images (never used in training). For IJG qualities
10..90 (4:4:4, libjpeg-exact DCT) we sample blocks of every image, plus one mutated copy
of each (as a mutating encoder would try), and report the model's mean absolute error in
bits per component next to the paper's figures (Hamidi-Rad, quoted in issue #4: 2,240,065
parameters, MAE 0.369 bits luma / 0.028 chroma at Q80). Then blocks per second of the
model (Keras predict, CPU) and of the exact counter on the same blocks.

    .venv/bin/python benchmarks/mutation_bitcount/run.py [--kodak DIR] [--weights FILE]
"""

import argparse
import os
import platform
import time

import numpy as np

from jpegzoo import zoo
from jpegzoo.datasets.jpeg_blocks import exact_bits, image_blocks, mutate
from jpegzoo.imageio import read_image

HERE = os.path.dirname(os.path.abspath(__file__))
QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90)
PAPER = {"parameters": 2240065, "mae_luma_q80": 0.369, "mae_chroma_q80": 0.028}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--weights", help="weights file (default: the shipped ones)")
    parser.add_argument("--blocks-per-image", type=int, default=1500)
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parser.parse_args()
    model = zoo.build("mutation_bitcount") if args.weights else zoo.load("mutation_bitcount")
    if args.weights:
        model.load_weights(args.weights)
    images = [read_image(os.path.join(args.kodak, n)) for n in sorted(os.listdir(args.kodak))
              if n.endswith(".png")]
    rng = np.random.default_rng(0)
    rows, everything = [], []
    for quality in QUALITIES:
        blocks, component, mutated = _sample(images, quality, args.blocks_per_image, rng)
        truth = exact_bits(blocks, component)
        predicted = model.predict({"coefficients": blocks, "component": component},
                                  batch_size=8192, verbose=0)["bits"]
        error = np.abs(predicted - truth)
        rows.append((quality, *[_mae(error, component == c, mutated == m)
                                for c in (0, 1) for m in (0, 1)],
                     truth[component == 0].mean(), truth[component == 1].mean()))
        everything.append((blocks, component))
    speed = _speed(model, *everything[len(everything) // 2])
    report = _render(rows, model.count_params(), speed, len(images))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write(report)
    print(report)


def _sample(images, quality, per_image, rng):
    parts = []
    for image in images:
        blocks, component = image_blocks(image, quality)
        keep = rng.choice(blocks.shape[0], min(per_image, blocks.shape[0]), replace=False)
        parts.append((blocks[keep], component[keep], np.zeros(keep.size, np.int32)))
        parts.append((mutate(blocks[keep], rng), component[keep], np.ones(keep.size, np.int32)))
    return tuple(np.concatenate(p) for p in zip(*parts))


def _mae(error, *masks):
    mask = np.logical_and.reduce(masks)
    return float(error[mask].mean())


def _speed(model, blocks, component, repeats=3):
    inputs = {"coefficients": blocks, "component": component}
    model.predict(inputs, batch_size=8192, verbose=0)
    model_s = min(_seconds(lambda: model.predict(inputs, batch_size=8192, verbose=0))
                  for _ in range(repeats))
    counter_s = min(_seconds(lambda: exact_bits(blocks, component)) for _ in range(repeats))
    return blocks.shape[0] / model_s, blocks.shape[0] / counter_s


def _seconds(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _render(rows, parameters, speed, num_images):
    lines = [f"Kodak ({num_images} images, held out), 4:4:4, Annex K tables; MAE in bits per "
             f"block; {platform.machine()}, {os.cpu_count()} CPUs.", "",
             "| quality | luma MAE | luma MAE (mutated) | chroma MAE | chroma MAE (mutated) "
             "| mean luma bits | mean chroma bits |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for quality, l0, l1, c0, c1, mean_l, mean_c in rows:
        lines.append(f"| {quality} | {l0:.3f} | {l1:.3f} | {c0:.4f} | {c1:.4f} | "
                     f"{mean_l:.1f} | {mean_c:.1f} |")
    lines += ["", f"Paper (Hamidi-Rad, as quoted in issue #4), Q80: luma MAE "
                  f"{PAPER['mae_luma_q80']}, chroma MAE {PAPER['mae_chroma_q80']}, "
                  f"{PAPER['parameters']:,} parameters.",
              f"This model: {parameters:,} parameters "
              f"({100 * parameters / PAPER['parameters']:.1f} % of the paper's).", "",
              "| bit counting on CPU | blocks/s |", "|---|---:|",
              f"| mutation_bitcount (Keras predict, batch 8192) | {speed[0]:,.0f} |",
              f"| exact counter (`block_bits`, numpy) | {speed[1]:,.0f} |"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

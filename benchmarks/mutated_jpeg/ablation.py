"""Ablation: which candidates and which rate/distortion measures earn the savings.

At plain IJG tables (Q 20, 40, 60, 80, 90; 4:4:4; Annex K tables) and the calibrated ``mu``,
on Kodak images (default: every 4th), the BD-rate against standard JPEG (Pillow) of:

* ``trellis only``: no mutations, only dropping the last 1..3 non-zero AC levels (the
  candidates of mozjpeg-style trellis zeroing);
* ``single steps + trellis``: the untrained set (one level towards zero at each position);
* ``mined``: the shipped mined sets alone; ``mined + trellis``: the default encoder;
* ``mined + trellis, plain SSE``: without the SSIM weighting of the pixel error.

Then the CNN rate option against the exact counter on the bundled 256x256 sample crops
(Q50 and Q80): file size, SSIM and time; and the encode time per 768x512 image at Q80.

    .venv/bin/python benchmarks/mutated_jpeg/ablation.py [--kodak DIR]
"""

import argparse
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
QUALITIES = (20, 40, 60, 80, 90)


def _variants(codec):
    from jpegzoo.zoo.mutated_jpeg import MutatedEncoder, mutation_sets

    none = {"luma": np.zeros((0, 64), np.int8), "chroma": np.zeros((0, 64), np.int8)}
    mined = lambda q: mutation_sets.for_quality(codec.sets, q)  # noqa: E731
    return {
        "trellis only": lambda q: MutatedEncoder(none, trellis_depth=3),
        "single steps + trellis": lambda q: MutatedEncoder(mutation_sets.single_steps(),
                                                           trellis_depth=3),
        "mined": lambda q: MutatedEncoder(mined(q), trellis_depth=0),
        "mined + trellis (default)": lambda q: MutatedEncoder(mined(q), trellis_depth=3),
        "mined + trellis, plain SSE": lambda q: MutatedEncoder(mined(q), trellis_depth=3,
                                                               distortion="sse"),
    }


def _point(image, data):
    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg

    decoded = decode_jpeg(data)
    return (metrics.bpp(len(data), *image.shape[:2]), metrics.psnr(image, decoded),
            metrics.ssim(image, decoded))


def ablation(images, codec):
    from jpegzoo.layers.numerics.standard import quality_to_qtables
    from jpegzoo.metrics import bd_rate
    from jpegzoo.reference_codecs import pillow_encode
    from jpegzoo.zoo.mutated_jpeg.operating_points import lambda_for

    standard = np.mean([[_point(im, pillow_encode(im, q, "444")) for q in QUALITIES]
                        for im in images], axis=0)
    lines = ["| candidates | BD-rate PSNR | BD-rate SSIM | mean s/image |", "|---|---|---|---|"]
    for name, make in _variants(codec).items():
        points, seconds = [], []
        for image in images:
            row = []
            for q in QUALITIES:
                tables = quality_to_qtables(q)
                start = time.perf_counter()
                data = make(q).encode(image, tables, lambda_for(tables, codec.points["mu"]),
                                      "444")
                seconds.append(time.perf_counter() - start)
                row.append(_point(image, data))
            points.append(row)
        mean = np.mean(points, axis=0)
        cells = [bd_rate(standard[:, 0], standard[:, k], mean[:, 0], mean[:, k]) for k in (1, 2)]
        lines.append(f"| {name} | {cells[0]:+.2f} % | {cells[1]:+.2f} % | "
                     f"{np.mean(seconds):.2f} |")
    return "\n".join(lines)


def rate_model(codec, samples):
    from jpegzoo.imageio import read_image

    lines = ["| image | Q | exact: bytes | SSIM | s | CNN: bytes | SSIM | s |",
             "|---|---|---|---|---|---|---|---|"]
    for path in samples:
        image = read_image(path)
        for q in (50, 80):
            cells = []
            for rate in ("exact", "cnn"):
                start = time.perf_counter()
                data = codec.encode(image, q, "444", rate=rate)
                seconds = time.perf_counter() - start
                bpp, _, ssim = _point(image, data)
                cells += [f"{len(data)}", f"{ssim:.4f}", f"{seconds:.2f}"]
            lines.append(f"| {os.path.basename(path)} | {q} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def timing(images, codec):
    """Seconds per image of ``codec.encode`` at Q80 (one process, nothing else running)."""
    lines = ["| subsampling | optimize | mean s | max s |", "|---|---|---|---|"]
    for subsampling in ("444", "420"):
        for optimize in (False, True):
            seconds = []
            for image in images:
                start = time.perf_counter()
                codec.encode(image, 80, subsampling, optimize)
                seconds.append(time.perf_counter() - start)
            lines.append(f"| {subsampling} | {optimize} | {np.mean(seconds):.2f} | "
                         f"{np.max(seconds):.2f} |")
    return "\n".join(lines)


def main():
    from jpegzoo.imageio import read_image
    from jpegzoo.zoo.mutated_jpeg.method import load_codec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parser.parse_args()
    codec = load_codec()
    names = sorted(n for n in os.listdir(args.kodak) if n.endswith(".png"))[::args.every]
    images = [read_image(os.path.join(args.kodak, n)) for n in names]
    samples_dir = os.path.join(HERE, "..", "..", "jpegzoo", "data", "samples")
    samples = sorted(os.path.join(samples_dir, n) for n in os.listdir(samples_dir)
                     if n.endswith(".png"))
    text = "\n".join([f"## Ablation on Kodak {', '.join(names)} (4:4:4, Annex K, mu "
                      f"{codec.points['mu']:g})", "", ablation(images, codec), "",
                      "## Rate from the CNN vs the exact counter (4:4:4, Annex K)", "",
                      rate_model(codec, samples), "",
                      "## Encode time at Q80, 768x512 (one process)", "",
                      timing(images, codec), ""])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "ablation.md"), "w") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    main()

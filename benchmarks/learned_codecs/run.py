"""Benchmark: the learned codecs (``compressive_ae``, ``dct_block_ae``, ``gan_ae``,
``recurrent_residual_ae``) on Kodak (or any folder of PNGs, e.g. held-out photos) against
libjpeg-turbo and jpegli, in real file bytes.

For each image it records, for every file it writes: bytes, bpp, PSNR (RGB) and Y-PSNR in
dB, MS-SSIM, the detail ratio (:func:`jpegzoo.metrics.detail_ratio`: high-frequency
energy against the original's, a blur measure), encode and decode seconds, in
``out/images/<name>.csv`` (a rerun skips finished images), for

* ``cae`` / ``dct_ae`` / ``gan``: ``jpegzoo encode --method cae|dct_ae|gan -q K`` for every quality
  level K; the ``.jzc`` bytes are decoded by ``jpegzoo decode``'s function (the model is
  loaded once per process; encode = pad + analysis + rounding + range coding + container;
  decode = container + range decoding + synthesis); every decoded image is checked equal
  to the model's own reconstruction of its latents (bit-exact decoding), and the range
  coder's payload is recorded beside the prior's estimate of the latents' bits;
* ``rnn``: the quality ladder from one file: ``jpegzoo encode --method rnn`` (8
  iterations) once, then for K = 1..8 the file truncated to K iterations
  (:func:`~jpegzoo.zoo.recurrent_residual_ae.truncate`: bytes = what a progressive
  transmission would have sent), decoded and checked equal to decoding the first K
  iterations of the full file; the encode time is the full file's;
* ``libjpeg_turbo_opt``: Pillow (libjpeg-turbo), 4:2:0, IJG tables, optimized Huffman;
* ``libjpeg_turbo``: the same with Pillow's default (Annex K) Huffman tables;
* ``jpegli``: pyjpegli at its defaults for Q;

JPEG files are decoded by Pillow; JPEG qualities 10..95 (the usual range; below 10 JPEG
breaks down and BD-rates against it would flatter any codec).

    .venv/bin/python benchmarks/learned_codecs/run.py [--images DIR] [--out DIR] [--processes N]
    .venv/bin/python benchmarks/learned_codecs/run.py --images ../shared/data/train \
        --held-out --out benchmarks/learned_codecs/out_held_out
    .venv/bin/python benchmarks/learned_codecs/summarize.py
"""

import argparse
import functools
import glob
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
JPEG_QUALITIES = (10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95)
LEARNED = {"cae": "compressive_ae", "dct_ae": "dct_block_ae", "gan": "gan_ae"}
FIELDS = ["image", "method", "setting", "bytes", "bpp", "psnr", "psnr_y", "ms_ssim",
          "detail", "encode_seconds", "decode_seconds", "payload_bits", "estimated_bits"]


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def row(name, image, method, setting, data, decoded, encode_seconds, decode_seconds):
    from jpegzoo import metrics

    height, width = image.shape[:2]
    return {"image": name, "method": method, "setting": setting, "bytes": len(data),
            "bpp": f"{metrics.bpp(len(data), height, width):.5f}",
            "psnr": f"{metrics.psnr(image, decoded):.4f}",
            "psnr_y": f"{metrics.psnr_y(image, decoded):.4f}",
            "ms_ssim": f"{metrics.ms_ssim(image, decoded):.6f}",
            "detail": f"{metrics.detail_ratio(image, decoded):.4f}",
            "encode_seconds": f"{encode_seconds:.4f}", "decode_seconds": f"{decode_seconds:.4f}"}


def learned_rows(name, image):
    from jpegzoo.jzc import read_jzc
    from jpegzoo.zoo import learned_codec
    from jpegzoo.zoo.codec import trained

    rows = []
    for method, model_name in LEARNED.items():
        model = trained(model_name)
        model.decompress(model.compress(image[:32, :32], 1))  # warm
        for level in model.quality_levels:
            data, encode_seconds = timed(model.compress, image, level)
            decoded, decode_seconds = timed(model.decompress, data)
            latents = learned_codec.quantized_latents(model, image, level)
            own = learned_codec.to_uint8(model.reconstruct(latents, level))[0]
            if not np.array_equal(decoded, own[:image.shape[0], :image.shape[1]]):
                raise AssertionError(f"{name} {method} level {level}: decoded image differs "
                                     f"from the model's reconstruction")
            rows.append({**row(name, image, method, level, data, decoded, encode_seconds,
                               decode_seconds),
                         "payload_bits": 8 * len(read_jzc(data).streams[0].data),
                         "estimated_bits": "%.1f" % float(model.priors[level - 1].bits(
                             latents.astype(np.float32))[0])})
    return rows


def rnn_rows(name, image):
    """The progressive codec's ladder, every rung cut from one 8-iteration file."""
    from jpegzoo.zoo import recurrent_residual_ae
    from jpegzoo.zoo.codec import trained

    model = trained("recurrent_residual_ae")
    model.decompress(model.compress(image[:32, :32], 1))  # warm
    full, encode_seconds = timed(model.compress, image)
    rows = []
    for iterations in range(1, recurrent_residual_ae.MAX_ITERATIONS + 1):
        data = recurrent_residual_ae.truncate(full, iterations)
        decoded, decode_seconds = timed(model.decompress, data)
        if not np.array_equal(decoded, model.decompress(full, iterations)):
            raise AssertionError(f"{name} rnn: the truncated file decodes differently from "
                                 f"the first {iterations} iterations of the full file")
        rows.append(row(name, image, "rnn", iterations, data, decoded, encode_seconds,
                        decode_seconds))
    return rows


def jpeg_rows(name, image):
    from jpegzoo.imageio import decode_jpeg
    from jpegzoo.reference_codecs import jpegli_encode, pillow_encode

    encoders = {
        "libjpeg_turbo_opt": lambda im, q: pillow_encode(im, q, "420", optimize=True),
        "libjpeg_turbo": lambda im, q: pillow_encode(im, q, "420", optimize=False),
        "jpegli": jpegli_encode,
    }
    rows = []
    for method, encoder in encoders.items():
        for quality in JPEG_QUALITIES:
            data, encode_seconds = timed(encoder, image, quality)
            decoded, decode_seconds = timed(decode_jpeg, data)
            rows.append(row(name, image, method, quality, data, decoded, encode_seconds,
                            decode_seconds))
    return rows


PARTS = {"learned": learned_rows, "rnn": rnn_rows, "jpeg": jpeg_rows}


def measure(path, parts=tuple(PARTS)):
    from jpegzoo.imageio import read_image

    name = os.path.splitext(os.path.basename(path))[0]
    image = read_image(path)
    return [row for part in parts for row in PARTS[part](name, image)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", "--kodak",
                        default=os.path.join(HERE, "..", "..", "..", "shared", "data", "kodak"),
                        help="folder of PNG images (default: ../shared/data/kodak)")
    parser.add_argument("--held-out", action="store_true",
                        help="only the images jpegzoo's trainers hold out for validation "
                             "(the folder split by name hash, as in jpegzoo.datasets)")
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--limit", type=int, help="first N images only")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="which rows to measure (default: all of learned,rnn,jpeg)")
    parser.add_argument("--processes", type=int, default=1,
                        help="images in parallel (timings are then per busy core)")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(HERE, "..", ".."))
    from jpegzoo.evaluation import run_per_image

    paths = sorted(glob.glob(os.path.join(args.images, "*.png")))
    if args.held_out:
        from jpegzoo.datasets.folder_split import list_images, partition

        held_out = partition(list_images(args.images), 0.1)["validation"]
        paths = [os.path.join(args.images, str(path)) for path in sorted(held_out)]
    paths = paths[:args.limit]
    if not paths:
        raise SystemExit(f"no PNG images in {args.images}")
    parts = tuple(part for part in args.parts.split(",") if part)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts {sorted(unknown)}; parts: {', '.join(PARTS)}")
    rows = run_per_image(paths, args.out, functools.partial(measure, parts=parts), FIELDS,
                         args.processes)
    print(f"{len(rows)} files measured; {os.path.join(args.out, 'points.csv')}")


if __name__ == "__main__":
    main()

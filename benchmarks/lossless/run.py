"""Benchmark: the learned lossless coder (``lossless_predictor``) on Kodak against PNG,
JPEG-LS, lossless WebP, JPEG XL and JPEG 2000 (reversible), in real file bytes.

Every file is decoded and checked equal to the input. Per image and codec:
bytes, bpp (bits per RGB pixel), encode and decode seconds, in ``out/images/<name>.csv``
(a rerun skips finished images). Needs the ``imagecodecs`` package for JPEG-LS, JPEG XL
and JPEG 2000.

    .venv/bin/python benchmarks/lossless/run.py [--kodak DIR] [--out DIR]
    .venv/bin/python benchmarks/lossless/summarize.py
"""

import argparse
import glob
import io
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ["image", "codec", "bytes", "bpp", "encode_seconds", "decode_seconds"]


def png(image):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def png_decode(data):
    from PIL import Image

    with Image.open(io.BytesIO(data)) as decoded:
        return np.asarray(decoded.convert("RGB"))


def codecs():
    """{name: (encode, decode)}."""
    import imagecodecs

    from jpegzoo.zoo.codec import trained

    lossless = trained("lossless_predictor")
    return {
        "lossless_predictor": (lossless.compress, lossless.decompress),
        "png_optimize": (png, png_decode),
        "jpeg_ls": (imagecodecs.jpegls_encode, imagecodecs.jpegls_decode),
        "webp_lossless": (lambda im: imagecodecs.webp_encode(im, lossless=True, level=100,
                                                            method=6),
                          imagecodecs.webp_decode),
        "jpeg_xl_lossless": (lambda im: imagecodecs.jpegxl_encode(im, lossless=True, effort=7),
                             imagecodecs.jpegxl_decode),
        "jpeg2000_reversible": (lambda im: imagecodecs.jpeg2k_encode(im, reversible=True,
                                                                    level=0),
                                imagecodecs.jpeg2k_decode),
    }


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def measure(path):
    from jpegzoo.imageio import read_image

    name = os.path.splitext(os.path.basename(path))[0]
    image = read_image(path)
    rows = []
    for codec, (encode, decode) in codecs().items():
        data, encode_seconds = timed(encode, image)
        decoded, decode_seconds = timed(decode, data)
        if not np.array_equal(np.asarray(decoded), image):
            raise AssertionError(f"{name}: {codec} did not decode to the input")
        rows.append({"image": name, "codec": codec, "bytes": len(data),
                     "bpp": f"{8 * len(data) / (image.shape[0] * image.shape[1]):.4f}",
                     "encode_seconds": f"{encode_seconds:.3f}",
                     "decode_seconds": f"{decode_seconds:.3f}"})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(HERE, "..", ".."))
    from jpegzoo.evaluation import run_per_image

    paths = sorted(glob.glob(os.path.join(args.kodak, "*.png")))[:args.limit]
    rows = run_per_image(paths, args.out, measure, FIELDS)
    print(f"{len(rows)} files; {os.path.join(args.out, 'points.csv')}")


if __name__ == "__main__":
    main()

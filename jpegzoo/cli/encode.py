"""``jpegzoo encode IN OUT``: compress one image with a registered method."""

import argparse

from jpegzoo import methods
from jpegzoo.cli.arguments import bounded_int, positive_float
from jpegzoo.imageio import apply_orientation, check_output, read_image, write_atomic
from jpegzoo.jpeg.metadata import COPY_CHOICES, read_metadata, with_metadata
from jpegzoo.metrics import bpp
from jpegzoo.tensorflow_runtime import start_tensorflow

#: Largest input ``jpegzoo encode`` takes unless ``--max-pixels`` says otherwise.
DEFAULT_MAX_PIXELS = 100_000_000


def add_parser(commands):
    parser = commands.add_parser(
        "encode", help="compress an image file (PNG, JPEG, ...) to OUT",
        description="Compress IN to OUT. RGB and grey inputs are used as is; palette and "
                    "YCbCr inputs are converted to RGB; alpha, 16-bit and CMYK inputs are "
                    "refused. OUT is written atomically and never over IN.")
    parser.add_argument("input", metavar="IN")
    parser.add_argument("output", metavar="OUT")
    parser.add_argument("--quality", "-q", type=bounded_int("quality", 1, 100), default=None,
                        help="IJG quality 1..100 (default 75); learned codecs (cae, dct_ae): "
                             "quality level 1..6 (default 4)")
    parser.add_argument("--subsampling", choices=("444", "422", "420"), default="420",
                        help="chroma subsampling (default 420; ignored for grey)")
    parser.add_argument("--optimize", action=argparse.BooleanOptionalAction, default=None,
                        help="optimal Huffman tables for this image (default: the method's "
                             "own; on for qtable, off for the others, as in libjpeg)")
    parser.add_argument("--progressive", action=argparse.BooleanOptionalAction, default=None,
                        help="JPEG methods: write progressive JPEG, the scans searched for "
                             "the smallest file (as mozjpeg does); the same levels, hence "
                             "the same pixels, as the baseline file (default: baseline)")
    parser.add_argument("--restart-interval", default=0, metavar="MCUS",
                        type=bounded_int("restart interval", 0, 65535, "MCUs"),
                        help="restart marker every MCUS MCUs (default 0: none)")
    parser.add_argument("--method", default="baseline", metavar="NAME",
                        help=f"encoding method: {', '.join(methods.names())} (default baseline)")
    parser.add_argument("--lambda", dest="lam", type=positive_float("--lambda"), metavar="L",
                        help="mutated: rate-distortion trade-off at plain quality tables "
                             "(larger = closer to rounding; default: calibrated to match "
                             "libjpeg's SSIM at --quality); qtable: the generator's "
                             "trade-off bpp + L * (1 - MS-SSIM) (larger = higher quality)")
    parser.add_argument("--target-ssim", type=positive_float("--target-ssim"), metavar="SSIM",
                        help="mutated: the smallest file whose SSIM reaches this value")
    parser.add_argument("--target-msssim", type=positive_float("--target-msssim"), metavar="T",
                        help="qtable: the smallest file found whose decoded MS-SSIM is at "
                             "least T (default: the MS-SSIM libjpeg reaches at --quality)")
    parser.add_argument("--per-image", action="store_true", default=None,
                        help="qtable: optimize the tables for this image by gradient "
                             "descent (about 100x slower than the generator)")
    parser.add_argument("--rdo", action="store_true", default=None,
                        help="qtable: choose levels by rate-distortion search (the mutated "
                             "encoder) instead of rounding: smaller files, seconds per image")
    parser.add_argument("--rate", choices=("exact", "cnn"),
                        help="mutated: rate from the exact bit counter (default) or the "
                             "mutation_bitcount CNN")
    parser.add_argument("--max-pixels", type=bounded_int("--max-pixels", 1, 2**32),
                        default=DEFAULT_MAX_PIXELS, metavar="N",
                        help="refuse larger inputs before any work (default "
                             f"{DEFAULT_MAX_PIXELS:,}: about 100 megapixels)")
    parser.add_argument("--copy", choices=COPY_CHOICES, default="all",
                        help="metadata of IN kept in JPEG outputs, as jpegtran's -copy: all "
                             "(EXIF with its orientation, ICC profile, XMP, comment; the "
                             "default), icc (the colour profile only) or none. .jzc files "
                             "keep none; an EXIF orientation is applied to their pixels")
    parser.add_argument("--strip", action="store_true",
                        help="keep no metadata (the same as --copy none)")
    parser.set_defaults(run=run)


def _method_options(args, method):
    """The method-specific options given on the command line (ValueError if the method
    does not take them)."""
    flags = {"lam": "--lambda", "target_ssim": "--target-ssim", "rate": "--rate",
             "target_msssim": "--target-msssim", "per_image": "--per-image", "rdo": "--rdo"}
    given = {name: getattr(args, name) for name in flags if getattr(args, name) is not None}
    for name in given:
        if name not in method.options:
            raise ValueError(f"{flags[name]} does not apply to method {method.name!r}")
    return given


def run(args):
    method = methods.get(args.method)
    options = _method_options(args, method)
    image = read_image(args.input, max_pixels=args.max_pixels)
    metadata = read_metadata(args.input).selected("none" if args.strip else args.copy)
    notes = []
    if method.suffix != ".jpg" and metadata.orientation != 1:
        # .jzc files carry no EXIF: code the image the way viewers show it
        image = apply_orientation(image, metadata.orientation)
        notes.append(f"EXIF orientation {metadata.orientation} applied")
    # refuse a bad output path before loading the encoder (TensorFlow) and encoding
    check_output(args.output, inputs=[args.input])
    if method.needs_tensorflow:
        start_tensorflow()
    encoder = method.load()
    if args.optimize is not None:
        options["optimize"] = args.optimize
    if args.progressive:
        options["progressive"] = "search"
    if args.quality is not None:
        options["quality"] = args.quality
    data = encoder(image, subsampling=args.subsampling, restart_interval=args.restart_interval,
                   **options)
    if method.suffix == ".jpg" and args.progressive:
        notes.append("progressive")
    if method.suffix == ".jpg" and metadata:
        data = with_metadata(data, metadata)
        notes.append("metadata kept: " + ", ".join(
            kind for kind in ("exif", "icc", "xmp", "comment")
            if getattr(metadata, kind) is not None))
    write_atomic(args.output, data, inputs=[args.input])
    height, width = image.shape[:2]
    quality = "default" if args.quality is None else args.quality
    print(f"{args.output}: {width}x{height}, {len(data)} bytes, "
          f"{bpp(len(data), height, width):.3f} bpp ({method.name}, q={quality})"
          + "".join(f"; {note}" for note in notes))

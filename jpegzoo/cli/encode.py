"""``jpegzoo encode IN OUT``: compress one image with a registered method."""

from jpegzoo import methods
from jpegzoo.cli.arguments import bounded_int
from jpegzoo.imageio import check_output, read_image, write_atomic
from jpegzoo.metrics import bpp


def add_parser(commands):
    parser = commands.add_parser(
        "encode", help="compress an image file (PNG, JPEG, ...) to OUT",
        description="Compress IN to OUT. RGB and grey inputs are used as is; palette and "
                    "YCbCr inputs are converted to RGB; alpha, 16-bit and CMYK inputs are "
                    "refused. OUT is written atomically and never over IN.")
    parser.add_argument("input", metavar="IN")
    parser.add_argument("output", metavar="OUT")
    parser.add_argument("--quality", "-q", type=bounded_int("quality", 1, 100), default=75,
                        help="IJG quality 1..100 (default 75)")
    parser.add_argument("--subsampling", choices=("444", "422", "420"), default="420",
                        help="chroma subsampling (default 420; ignored for grey)")
    parser.add_argument("--optimize", action="store_true",
                        help="optimal Huffman tables for this image")
    parser.add_argument("--restart-interval", default=0, metavar="MCUS",
                        type=bounded_int("restart interval", 0, 65535, "MCUs"),
                        help="restart marker every MCUS MCUs (default 0: none)")
    parser.add_argument("--method", default="baseline", metavar="NAME",
                        help=f"encoding method: {', '.join(methods.names())} (default baseline)")
    parser.set_defaults(run=run)


def run(args):
    method = methods.get(args.method)
    image = read_image(args.input)
    # refuse a bad output path before loading the encoder (TensorFlow) and encoding
    check_output(args.output, inputs=[args.input])
    encoder = method.load()
    data = encoder(image, quality=args.quality, subsampling=args.subsampling,
                   optimize=args.optimize, restart_interval=args.restart_interval)
    write_atomic(args.output, data, inputs=[args.input])
    height, width = image.shape[:2]
    print(f"{args.output}: {width}x{height}, {len(data)} bytes, "
          f"{bpp(len(data), height, width):.3f} bpp ({method.name}, q={args.quality})")

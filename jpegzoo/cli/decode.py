"""``jpegzoo decode IN.jzc OUT.png``: decode a learned codec's file to an image file (PNG,
or another format Pillow writes, chosen by OUT's ending)."""

import os

from jpegzoo.cli import progress
from jpegzoo.cli.arguments import MAX_INPUT_BYTES, bounded_int, read_input
from jpegzoo.jzc import DEFAULT_MAX_PIXELS, MAX_DIMENSION

#: Input bytes ``decode`` allows per pixel of ``--max-pixels`` (beyond MAX_INPUT_BYTES):
#: more than any codec spends (the lossless coder at most about 9).
BYTES_PER_PIXEL = 16

#: OUT's ending -> (Pillow format, save options). Lossless formats keep the decoded pixels
#: exactly; JPEG is written by Pillow at quality 95, 4:4:4.
OUTPUT_FORMATS = {
    ".png": ("PNG", {}), ".bmp": ("BMP", {}), ".tif": ("TIFF", {}), ".tiff": ("TIFF", {}),
    ".ppm": ("PPM", {}), ".webp": ("WEBP", {"lossless": True}),
    ".jpg": ("JPEG", {"quality": 95, "subsampling": 0}),
    ".jpeg": ("JPEG", {"quality": 95, "subsampling": 0}),
}


def add_parser(commands):
    parser = commands.add_parser(
        "decode", help="decode a .jzc file (learned codecs) to an image file (PNG, ...)",
        description="Decode IN, a .jzc file written by a learned codec (jpegzoo encode "
                    "--method cae|dct_ae|gan|hyperprior|rnn|lossless), with the zoo model "
                    "the file names, and write the image to OUT (atomically, never over "
                    "IN) in the format OUT's ending names: "
                    f"{', '.join(OUTPUT_FORMATS)} (PNG, BMP, TIFF, PPM and lossless WebP "
                    "keep the decoded pixels exactly; JPEG is written at quality 95, 4:4:4). "
                    "Corrupt, truncated or unknown files and models this jpegzoo does not "
                    "have are refused, as are images over --max-pixels, before any work.")
    parser.add_argument("input", metavar="IN")
    parser.add_argument("output", metavar="OUT")
    parser.add_argument("--iterations", metavar="K", type=bounded_int(
        "--iterations", 1, 2 ** 31, allowed="a positive integer"),
        help="progressive files (--method rnn): decode only the first K iterations (a "
             "coarser image from the same file)")
    parser.add_argument("--max-pixels", type=bounded_int(
        "--max-pixels", 0, MAX_DIMENSION ** 2,
        allowed=f"a number of pixels in 1..{MAX_DIMENSION ** 2}, or 0 for no limit"),
        default=DEFAULT_MAX_PIXELS, metavar="N",
        help=f"refuse files of images larger than N pixels (width x height), before "
             f"decoding: decoding takes memory in proportion (about 0.8 GB per megapixel for "
             f"cae/gan); default {DEFAULT_MAX_PIXELS:,}; 0: no limit. Input files over "
             f"{MAX_INPUT_BYTES // 2 ** 20} MiB or {BYTES_PER_PIXEL} bytes per allowed "
             f"pixel are refused too")
    progress.add_arguments(parser)
    parser.set_defaults(run=run)


def output_format(path):
    """(Pillow format, save options) for the file name ``path``; ValueError for endings
    :data:`OUTPUT_FORMATS` lacks."""
    ending = os.path.splitext(path)[1].lower()
    if ending not in OUTPUT_FORMATS:
        raise ValueError(f"{path}: decode writes {', '.join(OUTPUT_FORMATS)} files; name "
                         f"the output *.png, say")
    return OUTPUT_FORMATS[ending]


def run(args):
    from jpegzoo.imageio import check_output, write_atomic

    image_format = output_format(args.output)
    max_pixels = args.max_pixels or None
    limit = None if max_pixels is None else max(MAX_INPUT_BYTES, BYTES_PER_PIXEL * max_pixels)
    data = read_input(args.input, limit)
    check_output(args.output, inputs=[args.input])
    options = {} if args.iterations is None else {"iterations": args.iterations}
    try:
        with progress.bars(progress.enabled(args)):
            image = _decode(data, max_pixels, options)
    except ValueError as error:
        raise ValueError(f"{args.input}: {error}") from None
    write_atomic(args.output, _encoded(image, *image_format), inputs=[args.input])
    print(f"{args.output}: {image.shape[1]}x{image.shape[0]} from {len(data)} bytes")


def _decode(data, max_pixels, options):
    """The image of ``.jzc`` bytes; everything the header alone tells is checked before
    TensorFlow starts."""
    from jpegzoo.zoo.codec import check_jzc, decompress_jzc

    check_jzc(data, max_pixels, **options)
    from jpegzoo.tensorflow_runtime import start_tensorflow

    start_tensorflow()
    return decompress_jzc(data, max_pixels=max_pixels, **options)


def _encoded(image, image_format, options):
    """The bytes of ``image`` (uint8 ``[H, W, 3]``) as an ``image_format`` file."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=image_format, **options)
    return buffer.getvalue()

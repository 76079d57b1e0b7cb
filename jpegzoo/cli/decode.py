"""``jpegzoo decode IN.jzc OUT.png``: decode a learned codec's file to PNG."""

from jpegzoo.cli.arguments import MAX_INPUT_BYTES, bounded_int, read_input
from jpegzoo.jzc import DEFAULT_MAX_PIXELS, MAX_DIMENSION

#: Input bytes ``decode`` allows per pixel of ``--max-pixels`` (beyond MAX_INPUT_BYTES):
#: more than any codec spends (the lossless coder at most about 9).
BYTES_PER_PIXEL = 16


def add_parser(commands):
    parser = commands.add_parser(
        "decode", help="decode a .jzc file (learned codecs) to a PNG image",
        description="Decode IN, a .jzc file written by a learned codec (jpegzoo encode "
                    "--method cae|dct_ae|gan|rnn|lossless), with the zoo model the file "
                    "names, and write the image to OUT as PNG (atomically, never over IN). "
                    "Corrupt, truncated or unknown files and models this jpegzoo does not "
                    "have are refused, as are images over --max-pixels, before any work.")
    parser.add_argument("input", metavar="IN")
    parser.add_argument("output", metavar="OUT")
    parser.add_argument("--iterations", type=int, metavar="K",
                        help="progressive files (--method rnn): decode only the first K "
                             "iterations (a coarser image from the same file)")
    parser.add_argument("--max-pixels", type=bounded_int(
        "--max-pixels", 0, MAX_DIMENSION ** 2,
        allowed=f"a number of pixels in 1..{MAX_DIMENSION ** 2}, or 0 for no limit"),
        default=DEFAULT_MAX_PIXELS, metavar="N",
        help=f"refuse files of images larger than N pixels (width x height), before "
             f"decoding: decoding takes memory in proportion (about 0.8 GB per megapixel for "
             f"cae/gan); default {DEFAULT_MAX_PIXELS:,}; 0: no limit. Input files over "
             f"{MAX_INPUT_BYTES // 2 ** 20} MiB or {BYTES_PER_PIXEL} bytes per allowed "
             f"pixel are refused too")
    parser.set_defaults(run=run)


def run(args):
    import io

    from PIL import Image

    from jpegzoo.imageio import check_output, write_atomic

    max_pixels = args.max_pixels or None
    limit = None if max_pixels is None else max(MAX_INPUT_BYTES, BYTES_PER_PIXEL * max_pixels)
    data = read_input(args.input, limit)
    check_output(args.output, inputs=[args.input])
    from jpegzoo.tensorflow_runtime import start_tensorflow
    from jpegzoo.zoo.codec import decompress_jzc

    start_tensorflow()
    options = {} if args.iterations is None else {"iterations": args.iterations}
    image = decompress_jzc(data, max_pixels=max_pixels, **options)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    write_atomic(args.output, buffer.getvalue(), inputs=[args.input])
    print(f"{args.output}: {image.shape[1]}x{image.shape[0]} from {len(data)} bytes")

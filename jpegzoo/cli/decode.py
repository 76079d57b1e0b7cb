"""``jpegzoo decode IN.jzc OUT.png``: decode a learned codec's file to PNG."""


def add_parser(commands):
    parser = commands.add_parser(
        "decode", help="decode a .jzc file (learned codecs) to a PNG image",
        description="Decode IN, a .jzc file written by a learned codec (jpegzoo encode "
                    "--method cae|dct_ae|gan|rnn|lossless), with the zoo model the file "
                    "names, and write the image to OUT as PNG (atomically, never over IN). "
                    "Corrupt, truncated or unknown files and models this jpegzoo does not "
                    "have are refused.")
    parser.add_argument("input", metavar="IN")
    parser.add_argument("output", metavar="OUT")
    parser.add_argument("--iterations", type=int, metavar="K",
                        help="progressive files (--method rnn): decode only the first K "
                             "iterations (a coarser image from the same file)")
    parser.set_defaults(run=run)


def run(args):
    import io

    from PIL import Image

    from jpegzoo.imageio import check_output, write_atomic

    with open(args.input, "rb") as handle:
        data = handle.read()
    check_output(args.output, inputs=[args.input])
    from jpegzoo.tensorflow_runtime import start_tensorflow
    from jpegzoo.zoo.codec import decompress_jzc

    start_tensorflow()
    options = {} if args.iterations is None else {"iterations": args.iterations}
    image = decompress_jzc(data, **options)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    write_atomic(args.output, buffer.getvalue(), inputs=[args.input])
    print(f"{args.output}: {image.shape[1]}x{image.shape[0]} from {len(data)} bytes")

"""``jpegzoo optimize IN OUT``: re-code a JPEG file losslessly into fewer bytes -- the same
DCT levels (hence the same pixels) with optimized Huffman tables and the progressive scans
the search finds smallest (:func:`jpegzoo.jpeg.optimize.optimize_jpeg`); or, with
``-q``/``--target-*``, re-quantize it in the DCT domain to the smallest file found that
reaches the target against the decoded input
(:func:`jpegzoo.zoo.best_jpeg.recompress.recompress_jpeg`). OUT is never larger than IN
(IN's bytes are written when nothing is gained), is written atomically and never over IN.
"""

from jpegzoo.cli import arguments
from jpegzoo.cli.arguments import bounded_int, read_input
from jpegzoo.imageio import check_output, write_atomic
from jpegzoo.jpeg.metadata import COPY_CHOICES
from jpegzoo.jpeg.optimize import optimize_jpeg


def add_parser(commands):
    parser = commands.add_parser(
        "optimize", help="re-code a JPEG file losslessly into fewer bytes (same pixels)",
        description="Re-code IN (a baseline, extended or progressive 8-bit Huffman JPEG) "
                    "with the same DCT levels -- hence the same decoded pixels -- into "
                    "the smallest of an optimized baseline and a scan-searched "
                    "progressive file. OUT is never larger than IN: when nothing is "
                    "gained, IN's bytes are written. Arithmetic-coded, lossless, "
                    "12-bit, CMYK and RGB-coded files are refused.")
    parser.add_argument("input", metavar="IN")
    parser.add_argument("output", metavar="OUT")
    parser.add_argument("--copy", choices=COPY_CHOICES, default="all",
                        help="metadata of IN kept, as jpegtran's -copy: all (EXIF with its "
                             "orientation, ICC profile, XMP, comment; the default), icc "
                             "(the colour profile only) or none")
    parser.add_argument("--strip", action="store_true",
                        help="keep no metadata (the same as --copy none)")
    parser.add_argument("--restart-interval", default=0, metavar="MCUS",
                        type=bounded_int("restart interval", 0, 65535, "MCUs"),
                        help="restart marker every MCUS MCUs of each scan (default 0: none, "
                             "as jpegtran)")
    lossy = parser.add_argument_group(
        "lossy (re-quantize in the DCT domain; scores against the decoded input)")
    targets = lossy.add_mutually_exclusive_group()
    targets.add_argument("--quality", "-q", type=bounded_int("--quality", 1, 100),
                         metavar="Q", help="the score libjpeg-turbo reaches re-encoding IN "
                                           "at IJG quality Q, in fewer bytes")
    for metric, (flag, meta, what) in TARGETS.items():
        targets.add_argument(flag, dest=metric, type=float, metavar=meta,
                             help=f"the smallest file found whose {what} against IN "
                                  f"reaches {meta}")
    lossy.add_argument("--tune", choices=("psnr", "ssim", "ms-ssim", "ssimulacra2"),
                       help="the error the tables and levels minimize (default: the "
                            "target's metric, else ssim)")
    parser.set_defaults(run=run)


#: The lossy targets: keyword -> (flag, metavar, what it measures).
TARGETS = {"target_psnr": ("--target-psnr", "DB", "PSNR (dB)"),
           "target_ssim": ("--target-ssim", "S", "SSIM"),
           "target_msssim": ("--target-msssim", "S", "MS-SSIM"),
           "target_ssimulacra2": ("--target-ssimulacra2", "S", "SSIMULACRA2 score")}


def run(args):
    data = read_input(args.input, arguments.MAX_INPUT_BYTES)
    check_output(args.output, inputs=[args.input])
    targets = {k: getattr(args, k) for k in TARGETS if getattr(args, k) is not None}
    lossy = bool(targets) or args.quality is not None
    if args.tune is not None and not lossy:
        raise ValueError("--tune applies to lossy re-compression: give -q Q or a --target-*")
    copy = "none" if args.strip else args.copy
    try:
        if lossy:
            from jpegzoo.zoo.best_jpeg.recompress import recompress_jpeg

            result = recompress_jpeg(data, quality=args.quality or 75, tune=args.tune,
                                     copy=copy, restart_interval=args.restart_interval,
                                     **targets)
        else:
            result = optimize_jpeg(data, copy=copy, restart_interval=args.restart_interval)
    except ValueError as error:
        raise ValueError(f"{args.input}: {error}") from None
    except MemoryError:
        raise ValueError(f"{args.input}: not enough memory to re-code it") from None
    write_atomic(args.output, result.data, inputs=[args.input])
    if result.mode == "input":
        print(f"{args.output}: {result.input_bytes} bytes, a copy of {args.input}: "
              f"re-coding gained nothing (best {result.recoded_bytes} bytes)")
        return
    saved = result.input_bytes - len(result.data)
    if result.mode == "requantized":
        what = f"{result.metric} {result.score:.4f} against IN"
    else:
        what = f"{result.num_scans} scan(s), same pixels"
    print(f"{args.output}: {result.input_bytes} -> {len(result.data)} bytes "
          f"(-{saved} bytes, -{100 * saved / result.input_bytes:.2f} %), {result.mode}, "
          + what)

"""``jpegzoo optimize IN OUT``: re-code a JPEG file losslessly into fewer bytes -- the same
DCT levels (hence the same pixels) with optimized Huffman tables and the progressive scans
the search finds smallest (:func:`jpegzoo.jpeg.optimize.optimize_jpeg`); or, with
``-q``/``--target-*``, re-quantize it in the DCT domain to the smallest file found that
reaches the target against the decoded input
(:func:`jpegzoo.zoo.best_jpeg.recompress.recompress_jpeg`). OUT is never larger than IN
(IN's bytes are written when nothing is gained), is written atomically and never over IN.
"""

from dataclasses import dataclass

from jpegzoo.cli import arguments, batch, progress
from jpegzoo.cli.arguments import bounded_int, read_input
from jpegzoo.jpeg.metadata import COPY_CHOICES
from jpegzoo.jpeg.optimize import optimize_jpeg, read_recodable

USAGE = ("jpegzoo optimize [options] IN OUT\n"
         "       jpegzoo optimize [options] IN [IN ...] --out-dir DIR [-r] [-j N] [--force] "
         "[--summary CSV] [--metrics]")
#: The files ``optimize`` takes from folders and globs.
JPEG_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".jfif")


def add_parser(commands):
    parser = commands.add_parser(
        "optimize", usage=USAGE,
        help="re-code a JPEG file losslessly into fewer bytes (same pixels), or lossily to "
             "a target; many files with --out-dir",
        description="Re-code IN (a baseline, extended or progressive 8-bit Huffman JPEG) "
                    "with the same DCT levels -- hence the same decoded pixels -- into "
                    "the smallest of an optimized baseline and a scan-searched "
                    "progressive file. OUT is never larger than IN: when nothing is "
                    "gained, IN's bytes are written. Arithmetic-coded, lossless, "
                    "12-bit, CMYK and RGB-coded files are refused.")
    parser.add_argument("paths", nargs="+", metavar="IN",
                        help="the input JPEG and OUT; with --out-dir, the inputs (files, "
                             "folders, globs)")
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
    progress.add_arguments(parser)
    batch.add_arguments(parser)
    parser.set_defaults(run=run)


#: The lossy targets: keyword -> (flag, metavar, what it measures).
TARGETS = {"target_psnr": ("--target-psnr", "DB", "PSNR (dB)"),
           "target_ssim": ("--target-ssim", "S", "SSIM"),
           "target_msssim": ("--target-msssim", "S", "MS-SSIM"),
           "target_ssimulacra2": ("--target-ssimulacra2", "S", "SSIMULACRA2 score")}


def run(args):
    targets = {k: getattr(args, k) for k in TARGETS if getattr(args, k) is not None}
    lossy = bool(targets) or args.quality is not None
    if args.tune is not None and not lossy:
        raise ValueError("--tune applies to lossy re-compression: give -q Q or a --target-*")
    options = dict(targets, quality=args.quality, tune=args.tune) if lossy else {}
    task = OptimizeTask(options, "none" if args.strip else args.copy, args.restart_interval)
    if args.out_dir is not None:
        return batch.run(args, task)
    batch.check_single(args)
    if len(args.paths) != 2:
        raise ValueError("give IN OUT for one file, or the inputs (files, folders, globs) "
                         "and --out-dir DIR")
    source, output = args.paths
    picture, data = batch.one_file(task, source, output, progress.enabled(args))
    print(f"{output}: " + task.describe(picture, data))


@dataclass(frozen=True)
class OptimizeTask:
    """Re-coding one JPEG file (a :class:`jpegzoo.cli.batch.Task`): losslessly, or with
    ``options`` (``quality``, ``tune``, ``target_*``) lossily."""

    options: dict
    copy: str = "all"
    restart_interval: int = 0
    suffix: str = ".jpg"
    input_suffixes: tuple = JPEG_SUFFIXES

    def prepare(self):
        """Nothing to load (no TensorFlow, no weights)."""

    def read(self, source):
        from jpegzoo.imageio import decode_jpeg

        data = read_input(source, arguments.MAX_INPUT_BYTES)
        try:
            parsed = read_recodable(data)  # what cannot be re-coded is refused first
            pixels = decode_jpeg(data)
        except (ValueError, OSError) as error:
            raise ValueError(f"{source}: {error}") from None
        return batch.Picture(pixels, {"data": data, "source": source, "parsed": parsed})

    def write(self, picture):
        data, source = picture.context["data"], picture.context["source"]
        parsed = picture.context.pop("parsed")  # its levels are re-coded in place: once
        try:
            if self.options:
                from jpegzoo.zoo.best_jpeg.recompress import recompress_jpeg

                options = dict(self.options, quality=self.options.get("quality") or 75)
                result = recompress_jpeg(data, copy=self.copy,
                                         restart_interval=self.restart_interval,
                                         parsed=parsed, **options)
            else:
                result = optimize_jpeg(data, copy=self.copy,
                                       restart_interval=self.restart_interval, parsed=parsed)
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
        except MemoryError:
            raise ValueError(f"{source}: not enough memory to re-code it") from None
        picture.context["result"] = result
        return result.data

    def decode(self, data):
        from jpegzoo.imageio import decode_jpeg

        return decode_jpeg(data)

    @staticmethod
    def describe(picture, data):
        """One line on what became of the file."""
        result = picture.context["result"]
        source = picture.context["source"]
        if result.mode == "input":
            return (f"{result.input_bytes} bytes, a copy of {source}: re-coding gained "
                    f"nothing (best {result.recoded_bytes} bytes)")
        saved = result.input_bytes - len(data)
        if result.mode == "requantized":
            what = f"{result.metric} {result.score:.4f} against IN"
        else:
            what = f"{result.num_scans} scan(s), same pixels"
        return (f"{result.input_bytes} -> {len(data)} bytes (-{saved} bytes, "
                f"-{100 * saved / result.input_bytes:.2f} %), {result.mode}, " + what)

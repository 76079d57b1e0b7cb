"""``jpegzoo encode IN OUT`` (one image) and ``jpegzoo encode IN [IN ...] --out-dir DIR``
(many: :mod:`jpegzoo.cli.batch`): compress images with a registered method.

Which options apply to which method is one table, the methods' own data
(:attr:`jpegzoo.methods.Method.accepted_options`, :attr:`~jpegzoo.methods.Method.quality`):
an option a method does not take is refused with one line, and each option's ``--help``
names the methods it applies to. Every check that needs no model (options, paths, the
input image) runs before TensorFlow or a model loads.
"""

import argparse
import os
from dataclasses import dataclass

from jpegzoo import methods
from jpegzoo.cli import batch, progress
from jpegzoo.cli.arguments import bounded_int, integer, positive_float
from jpegzoo.jpeg.metadata import COPY_CHOICES

#: Largest input ``jpegzoo encode`` takes unless ``--max-pixels`` says otherwise.
DEFAULT_MAX_PIXELS = 100_000_000

USAGE = ("jpegzoo encode [options] IN OUT\n"
         "       jpegzoo encode [options] IN [IN ...] --out-dir DIR [-r] [-j N] [--force] "
         "[--summary CSV] [--metrics]")


def add_parser(commands):
    parser = commands.add_parser(
        "encode", usage=USAGE, help="compress an image file (PNG, JPEG, ...) to OUT, or many "
                                    "files to --out-dir",
        description="Compress IN to OUT, or every IN (files, folders, globs) to --out-dir. "
                    "RGB and grey inputs are used as is; palette and YCbCr inputs are "
                    "converted to RGB; alpha, 16-bit and CMYK inputs are refused. Outputs "
                    "are written atomically and never over an input; OUT must end as the "
                    "method's files do (.jpg or .jpeg for JPEG methods, .jzc for learned "
                    "codecs).")
    parser.add_argument("paths", nargs="+", metavar="IN",
                        help="the input image and OUT; with --out-dir, the inputs")
    parser.add_argument("--method", default="best", metavar="NAME",
                        help=f"encoding method: {', '.join(methods.names())} (default "
                             f"best: the smallest standard JPEGs; baseline: libjpeg-turbo's "
                             f"bytes; `jpegzoo methods` describes them)")
    parser.add_argument("--quality", "-q", type=integer("--quality"), metavar="Q",
                        help=_quality_help())
    flags = _add_method_options(parser)
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
    progress.add_arguments(parser)
    batch.add_arguments(parser)
    parser.set_defaults(run=run, method_flags=flags)


def _quality_help():
    """``--quality``'s help: each scale with the methods on it (from the methods' data)."""
    scales = {}
    for name in methods.names():
        scales.setdefault(str(methods.get(name).quality), []).append(name)
    return ("the method's quality, higher for larger files of better images: "
            + "; ".join(f"{scale} for {', '.join(names)}" for scale, names in scales.items())
            + ". mutated and qtable: as good as libjpeg at that IJG quality, in fewer bytes")


def _add_method_options(parser):
    """The options only some methods take; returns ``{dest: flag}``. Each help ends with
    the methods that take the option (:func:`jpegzoo.methods.accepting`)."""
    jpeg = parser.add_argument_group("JPEG options")
    targets = parser.add_mutually_exclusive_group()
    options = [
        (jpeg, ["--subsampling"], dict(choices=("444", "422", "420", "auto"),
                                       help="chroma subsampling (default 420, best: auto, "
                                            "chosen per image; 422 not for best; grey "
                                            "images have none)")),
        (jpeg, ["--optimize"], dict(action=argparse.BooleanOptionalAction,
                                    help="optimal Huffman tables for this image (default: "
                                         "the method's own; on for qtable, off for the "
                                         "others, as in libjpeg)")),
        (jpeg, ["--progressive"], dict(action=argparse.BooleanOptionalAction,
                                       help="write progressive JPEG, the scans searched for "
                                            "the smallest file (as mozjpeg does); the same "
                                            "levels, hence the same pixels, as the baseline "
                                            "file (default: baseline)")),
        (jpeg, ["--restart-interval"], dict(type=bounded_int("--restart-interval", 0, 65535,
                                                             "MCUs"), metavar="MCUS",
                                            help="restart marker every MCUS MCUs (default "
                                                 "0: none)")),
        (targets, ["--lambda"], dict(dest="lam", type=positive_float("--lambda"), metavar="L",
                                     help="mutated: rate-distortion trade-off at plain "
                                          "quality tables (larger = closer to rounding; "
                                          "default: calibrated to match libjpeg's SSIM at "
                                          "--quality); qtable: the generator's trade-off "
                                          "bpp + L * (1 - MS-SSIM) (larger = higher quality); "
                                          "best: the trade-off itself, bits per unit of the "
                                          "tune's weighted squared error (larger = higher "
                                          "quality; no search)")),
        (targets, ["--target-psnr"], dict(type=positive_float("--target-psnr"),
                                          metavar="DB",
                                          help="the smallest file found whose decoded PSNR "
                                               "(RGB, dB) reaches DB")),
        (targets, ["--target-ssim"], dict(type=positive_float("--target-ssim"),
                                          metavar="SSIM",
                                          help="the smallest file whose SSIM reaches SSIM")),
        (targets, ["--target-msssim"], dict(type=positive_float("--target-msssim"),
                                            metavar="T",
                                            help="the smallest file found whose decoded "
                                                 "MS-SSIM is at least T (default: the "
                                                 "MS-SSIM libjpeg reaches at --quality)")),
        (targets, ["--target-ssimulacra2"], dict(type=float, metavar="S",
                                                 help="the smallest file found whose "
                                                      "decoded SSIMULACRA2 score reaches S "
                                                      "(up to 100)")),
        (parser, ["--tune"], dict(choices=("psnr", "ssim", "ms-ssim", "ssimulacra2"),
                                  help="the metric the encoder minimizes bits for and "
                                       "checks --quality with (default: the target's "
                                       "metric, else ssim)")),
        (parser, ["--per-image"], dict(action="store_true", default=None,
                                       help="optimize the tables for this image by gradient "
                                            "descent (about 100x slower than the generator)")),
        (parser, ["--rdo"], dict(action="store_true", default=None,
                                 help="choose levels by rate-distortion search (the mutated "
                                      "encoder) instead of rounding: smaller files, minutes "
                                      "per megapixel")),
        (parser, ["--rate"], dict(choices=("exact", "cnn"),
                                  help="rate from the exact bit counter (default) or the "
                                       "mutation_bitcount CNN")),
    ]
    flags = {}
    for group, names, keywords in options:
        action = group.add_argument(*names, **keywords)
        takers = methods.accepting(action.dest)
        action.help += f" [{', '.join(takers)}]"
        flags[action.dest] = "/".join(action.option_strings)
    return flags


def encoder_options(args, method):
    """The encoder's keyword options from the command line (``quality`` and those given);
    ValueError (one line) for options ``method`` does not take, a quality off its scale,
    and a quality next to an option that replaces it."""
    given = {dest: getattr(args, dest) for dest in args.method_flags
             if getattr(args, dest) is not None}
    for dest in given:
        if dest not in method.accepted_options:
            raise ValueError(f"{args.method_flags[dest]} does not apply to method "
                             f"{method.name!r}" + _takes(method, args.method_flags))
    if args.quality is not None:
        replaced = [args.method_flags[d] for d in method.replaces_quality if d in given]
        if replaced:
            raise ValueError(f"--quality does not apply with {replaced[0]} (it sets the "
                             f"operating point of method {method.name!r})")
        given["quality"] = method.quality.check(args.quality, method.name)
    return given


def _takes(method, flags):
    own = [flags[d] for d in method.accepted_options if d in flags]
    return f" (it takes --quality{''.join(', ' + f for f in own)})"


def run(args):
    method = methods.get(args.method)
    task = EncodeTask(method.name, encoder_options(args, method),
                      "none" if args.strip else args.copy, args.max_pixels)
    if args.out_dir is not None:
        return batch.run(args, task)
    batch.check_single(args)
    return encode_one(task, *_one_input_one_output(args.paths), progress.enabled(args))


def _one_input_one_output(paths):
    if os.path.isdir(paths[0]):
        raise ValueError(f"{paths[0]}: is a directory; to encode the images in it, give "
                         "--out-dir DIR")
    if len(paths) != 2:
        raise ValueError("give IN OUT for one image, or the inputs (files, folders, globs) "
                         "and --out-dir DIR")
    return paths


def check_suffix(path, method):
    """ValueError unless the file name ``path`` ends as ``method``'s outputs do."""
    if os.path.splitext(path)[1].lower() not in method.output_suffixes:
        raise ValueError(f"{path}: method {method.name!r} writes {method.suffix} files; name "
                         f"the output {' or '.join('*' + s for s in method.output_suffixes)}")


def encode_one(task, source, output, show_progress=False):
    """Encode ``source`` to ``output`` and print one line about it; every check that needs
    no model comes first."""
    from jpegzoo.metrics import bpp

    method = methods.get(task.method)
    picture, data = batch.one_file(task, source, output, show_progress,
                                   check=lambda: check_suffix(output, method))
    height, width = picture.pixels.shape[:2]
    print(f"{output}: {width}x{height}, {len(data)} bytes, "
          f"{bpp(len(data), height, width):.3f} bpp ({method.name}, {task.setting()})"
          + "".join(f"; {note}" for note in picture.notes))


@dataclass(frozen=True)
class EncodeTask:
    """Encoding one image file with a method (a :class:`jpegzoo.cli.batch.Task`).

    Attributes:
        method: the method's name.
        options: the encoder's keyword options (:func:`encoder_options`).
        copy: the metadata JPEG outputs keep (``--copy``: all, icc, none).
        max_pixels: the largest input, in pixels.
    """

    method: str
    options: dict
    copy: str = "all"
    max_pixels: int = DEFAULT_MAX_PIXELS

    @property
    def suffix(self):
        return methods.get(self.method).suffix

    def setting(self):
        """The operating point in words: ``q=75`` (the default when none is given) or the
        options that replace the quality."""
        method = methods.get(self.method)
        replacing = [f"{d}={self.options[d]}" for d in method.replaces_quality
                     if d in self.options]
        return ", ".join(replacing) or f"q={self.options.get('quality', method.quality.default)}"

    def prepare(self):
        """Start TensorFlow if the method needs it and load its model (once per process)."""
        method = methods.get(self.method)
        if method.needs_tensorflow:
            from jpegzoo.tensorflow_runtime import start_tensorflow

            start_tensorflow()
        if method.codec is not None:
            from jpegzoo.zoo.codec import trained

            trained(method.codec)

    def read(self, source):
        """The image to code and its metadata; .jzc outputs keep none, so an EXIF
        orientation is applied to their pixels."""
        from jpegzoo.imageio import apply_orientation, read_image
        from jpegzoo.jpeg.metadata import read_metadata

        image = read_image(source, max_pixels=self.max_pixels)
        metadata = read_metadata(source).selected(self.copy)
        notes = []
        if self.suffix != ".jpg":
            if metadata.orientation != 1:
                image = apply_orientation(image, metadata.orientation)
                notes.append(f"EXIF orientation {metadata.orientation} applied")
            metadata = None
        elif metadata:
            notes.append("metadata kept: " + ", ".join(
                kind for kind in ("exif", "icc", "xmp", "comment")
                if getattr(metadata, kind) is not None))
        return batch.Picture(image, metadata, notes)

    def write(self, picture):
        from jpegzoo.jpeg.metadata import with_metadata

        data = methods.get(self.method).load()(picture.pixels, **self.options)
        return with_metadata(data, picture.context) if picture.context else data

    def decode(self, data):
        return methods.get(self.method).load_decoder()(data)

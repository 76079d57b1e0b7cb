"""``jpegzoo bulk INPUT_PATTERN OUTPUT_PREFIX``: ``encode`` (any method) or ``optimize`` over
every file a pattern matches, as an Apache Beam pipeline (:mod:`jpegzoo.pipelines.bulk`).

The per-file work is the task ``jpegzoo encode --out-dir`` / ``jpegzoo optimize --out-dir``
runs, so outputs hold the same bytes. Beam's own options follow ``--``; without them the
pipeline runs on the DirectRunner in ``-j N`` processes.
"""

import logging
import sys

from jpegzoo import methods
from jpegzoo.cli import batch, encode, optimize
from jpegzoo.cli.arguments import bounded_int, integer
from jpegzoo.jpeg.metadata import COPY_CHOICES

USAGE = ("jpegzoo bulk INPUT_PATTERN OUTPUT_PREFIX [--method NAME|optimize] [options] "
         "[-j N] [-- BEAM_OPTIONS]")
OPTIMIZE = "optimize"
#: The encode options ``--method optimize`` takes (the lossy re-compression's).
OPTIMIZE_OPTIONS = ("tune", "target_psnr", "target_ssim", "target_msssim",
                    "target_ssimulacra2", "restart_interval")


def add_parser(commands):
    parser = commands.add_parser(
        "bulk", usage=USAGE,
        help="encode or optimize every file a pattern matches, as an Apache Beam pipeline "
             "(needs jpegzoo[beam])",
        description="Run encode (any --method) or optimize (--method optimize: re-code "
                    "JPEGs, losslessly, or lossily with -q or a --target-*) over every "
                    "file INPUT_PATTERN matches (local paths, or gs:// and s3:// with "
                    "Beam's extras; a folder means every file under it), writing "
                    "OUTPUT_PREFIX/<path relative to the pattern's root> with the "
                    "method's suffix -- the bytes the command line writes -- plus "
                    "OUTPUT_PREFIX/manifest.csv (a row per file) and failed.csv (the "
                    "files that failed, with the reason). Outputs that exist are complete "
                    "and skipped, so a rerun resumes. Options after -- go to Beam, e.g. "
                    "-- --runner DataflowRunner --project P --region R --temp_location "
                    "gs://B/tmp.")
    parser.add_argument("pattern", metavar="INPUT_PATTERN")
    parser.add_argument("prefix", metavar="OUTPUT_PREFIX")
    parser.add_argument("--method", default="best", metavar="NAME",
                        help=f"an encoding method ({', '.join(methods.names())}; default "
                             f"best) or {OPTIMIZE} (re-code JPEG files)")
    parser.add_argument("--quality", "-q", type=integer("--quality"), metavar="Q",
                        help="the method's quality (see jpegzoo encode --help; optimize: "
                             "IJG 1..100, lossy)")
    flags = encode._add_method_options(parser)
    parser.add_argument("--max-pixels", type=bounded_int("--max-pixels", 1, 2**32),
                        default=encode.DEFAULT_MAX_PIXELS, metavar="N",
                        help="refuse larger inputs (default about 100 megapixels)")
    parser.add_argument("--copy", choices=COPY_CHOICES, default="all",
                        help="metadata kept in JPEG outputs (default all)")
    parser.add_argument("--strip", action="store_true", help="keep no metadata")
    parser.add_argument("-j", "--jobs", type=bounded_int("--jobs", 1, 256), default=1,
                        metavar="N", help="DirectRunner worker processes (default 1; "
                                          "ignored with another --runner)")
    parser.add_argument("--force", action="store_true",
                        help="replace outputs that exist (default: skip them)")
    parser.add_argument("beam_options", nargs="*", metavar="BEAM_OPTIONS",
                        help="after --: Apache Beam pipeline options")
    parser.set_defaults(run=run, method_flags=flags)


def task_of(args):
    """The per-file task of the command line (the one encode/optimize run); ValueError
    (one line) for options that do not apply."""
    copy = "none" if args.strip else args.copy
    if args.method != OPTIMIZE:
        method = methods.get(args.method)
        return encode.EncodeTask(method.name, encode.encoder_options(args, method), copy,
                                 args.max_pixels)
    given = {dest: getattr(args, dest) for dest in args.method_flags
             if getattr(args, dest) is not None}
    for dest in given:
        if dest not in OPTIMIZE_OPTIONS:
            raise ValueError(f"{args.method_flags[dest]} does not apply to --method "
                             f"{OPTIMIZE}")
    restart = given.pop("restart_interval", 0)
    lossy = args.quality is not None or any(d.startswith("target_") for d in given)
    if "tune" in given and not lossy:
        raise ValueError("--tune applies to lossy re-compression: give -q Q or a --target-*")
    if args.quality is not None and not 1 <= args.quality <= 100:
        raise ValueError(f"--quality for --method {OPTIMIZE} is an IJG quality 1..100, got "
                         f"{args.quality}")
    options = dict(given, quality=args.quality) if lossy else {}
    return optimize.OptimizeTask(options, copy, restart)


def run(args):
    task = task_of(args)
    beam, options = beam_modules(), beam_options(args.beam_options, args.jobs)
    from jpegzoo.pipelines import bulk

    pattern, layout = bulk.resolve(args.pattern, args.prefix, task.suffix)
    suffixes = getattr(task, "input_suffixes", None) or batch.IMAGE_SUFFIXES
    pipeline = beam.Pipeline(options=options)
    bulk.build(pipeline, pattern, layout, task, suffixes, args.force)
    result = pipeline.run()
    result.wait_until_finish()
    values = bulk.counters(result)
    if not any(values[f"files_{status}"] for status in ("written", "skipped", "failed")):
        raise ValueError(f"{args.pattern}: no input file matches (the method takes "
                         f"{', '.join(suffixes)})")
    return _report(values, layout.prefix)


def beam_modules():
    """``apache_beam``, imported without its warning that Google Cloud's optional clients
    are missing (the local runner needs none); ValueError (one line) without the extra."""
    logging.getLogger().addFilter(
        lambda record: "apitools not found" not in record.getMessage())
    try:
        import apache_beam
    except ImportError:
        raise ValueError("this needs Apache Beam: pip install 'jpegzoo[beam]'") from None
    return apache_beam


def beam_options(given, jobs):
    """Beam's ``PipelineOptions``: the user's, and the DirectRunner with ``jobs``
    processes unless a runner is given."""
    from apache_beam.options.pipeline_options import PipelineOptions

    options = list(given)
    if not any(o == "--runner" or o.startswith("--runner=") for o in options):
        options += ["--runner=DirectRunner", f"--direct_num_workers={jobs}",
                    "--direct_running_mode=" + ("multi_processing" if jobs > 1
                                                else "in_memory")]
    if not any(o.startswith("--default_sdk_harness_log_level") for o in options):
        # the local workers' start-up chatter (dozens of INFO and WARNING lines) stays out
        options.append("--default_sdk_harness_log_level=ERROR")
    return PipelineOptions(options)


def _report(values, prefix):
    saved = values["bytes_in"] - values["bytes_out"]
    share = f" (-{100 * saved / values['bytes_in']:.1f} %)" if values["bytes_in"] else ""
    print(f"{values['files_written']} written, {values['files_skipped']} skipped, "
          f"{values['files_failed']} failed; {values['bytes_in']:,} -> "
          f"{values['bytes_out']:,} bytes{share}; manifest: {prefix}/manifest.csv")
    if values["files_failed"]:
        print(f"jpegzoo: {values['files_failed']} file(s) failed: see {prefix}/failed.csv",
              file=sys.stderr)
        return 1
    return 0

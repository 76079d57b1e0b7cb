"""The ``jpegzoo`` command line: ``encode``, ``decode``, ``info``, ``optimize``, ``demo``,
``methods``, ``train``, ``mine-mutations`` and ``export``.

Errors in the user's input end with one line on stderr (``jpegzoo: error: ...``) and exit
status 2; nothing else in jpegzoo imports this package. TensorFlow is imported only by the
commands that need it.
"""

import argparse
import sys
import warnings

from jpegzoo import __version__

EXIT_USAGE = 2


def build_parser():
    from jpegzoo.cli import decode, demo, encode, export, info, methods, mine, optimize, train

    parser = argparse.ArgumentParser(
        prog="jpegzoo", description="Machine-learned image compression around JPEG.")
    parser.add_argument("--version", action="version", version=f"jpegzoo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (encode, decode, info, optimize, demo, methods, train, mine, export):
        module.add_parser(commands)
    return parser


def main(argv=None):
    """Entry point of the ``jpegzoo`` console script; returns the exit status."""
    warnings.showwarning = _show_warning
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors: argparse has printed
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    try:
        return args.run(args) or 0
    except (ValueError, OSError) as error:
        print(f"jpegzoo: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jpegzoo: interrupted", file=sys.stderr)
        return 130


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line each: ``jpegzoo: warning: ...``."""
    print(f"jpegzoo: warning: {_one_line(message)}", file=sys.stderr)


def _one_line(error):
    text = str(error).strip() or type(error).__name__
    if isinstance(error, OSError) and error.filename and error.strerror:
        text = f"{error.filename}: {error.strerror}"
    return " ".join(text.split())

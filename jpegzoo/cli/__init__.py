"""The ``jpegzoo`` command line: ``encode``, ``decode``, ``info``, ``optimize``, ``bulk``,
``demo``, ``methods``, ``train``, ``mine-mutations`` and ``export``.

Errors in the user's input end with one line on stderr (``jpegzoo: error: ...``) and exit
status 2 -- usage errors that argparse finds included, running out of memory too; an
interrupt (Ctrl-C) ends with ``jpegzoo: interrupted`` and status 130. Nothing else in
jpegzoo imports this package. TensorFlow is imported only by the commands that need it,
after every check that needs no model.
"""

import argparse
import sys
import warnings

from jpegzoo import __version__

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(ValueError):
    """A command line argparse refuses (its message is one line)."""


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, ``jpegzoo: error: ...`` (raised as
    :class:`UsageError`, not printed with the usage block)."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser():
    from jpegzoo.cli import (
        bulk,
        decode,
        demo,
        encode,
        export,
        info,
        methods,
        mine,
        optimize,
        train,
    )

    parser = Parser(prog="jpegzoo",
                    description="Machine-learned image compression around JPEG.")
    parser.add_argument("--version", action="version", version=f"jpegzoo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (encode, decode, info, optimize, bulk, demo, methods, train, mine, export):
        module.add_parser(commands)
    return parser


def main(argv=None):
    """Entry point of the ``jpegzoo`` console script; returns the exit status."""
    warnings.showwarning = _show_warning
    try:
        args = build_parser().parse_args(argv)
        return args.run(args) or 0
    except SystemExit as exit_:  # --help, --version
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    except (ValueError, OSError) as error:
        return _fail(one_line(error))
    except MemoryError:
        return _fail("not enough memory for this input (try a smaller image or fewer "
                     "--jobs)")
    except KeyboardInterrupt:
        print("jpegzoo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _fail(message):
    print(f"jpegzoo: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line each: ``jpegzoo: warning: ...``."""
    print(f"jpegzoo: warning: {one_line(message)}", file=sys.stderr)


def one_line(error):
    """``error``'s message on one line (an OSError's as ``FILE: reason``)."""
    text = str(error).strip() or type(error).__name__
    if isinstance(error, OSError) and error.filename and error.strerror:
        text = f"{error.filename}: {error.strerror}"
    return " ".join(text.split())

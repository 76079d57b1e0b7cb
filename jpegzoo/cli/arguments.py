"""Argument types shared by the commands: integers in a range, positive numbers, IJG
quality lists, with one-line errors."""

import argparse
import os
import stat

#: Largest input file ``jpegzoo info`` reads, and the least ``jpegzoo decode`` allows
#: (bytes).
MAX_INPUT_BYTES = 256 * 2 ** 20


def bounded_int(what, low, high, unit="", allowed=None):
    """An argparse ``type`` accepting integers in ``low..high``; ``what`` names them in
    errors, ``allowed`` replaces the "in low..high unit" wording."""
    allowed = allowed or f"in {low}..{high}" + (f" {unit}" if unit else "")

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be {allowed}, got {value}")
        return value

    return parse


def integer(what):
    """An argparse ``type`` accepting any integer (its range is checked later, where it
    depends on other options); ``what`` names it in errors."""
    def parse(text):
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer, got {text!r}") from None

    return parse


def ijg_qualities(text):
    """Sorted distinct IJG qualities (1..100) of a comma-separated list (``--qualities``);
    ValueError with a one-line message otherwise."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--qualities must be comma-separated integers, got {text!r}") from None
    if not values or any(not 1 <= v <= 100 for v in values):
        raise ValueError(f"--qualities must lie in 1..100, got {text!r}")
    return sorted(set(values))


def positive_float(what, zero=False):
    """An argparse ``type`` accepting finite numbers above 0 (or from 0, with ``zero``)."""
    import math

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
            raise argparse.ArgumentTypeError(
                f"{what} must be {'at least 0' if zero else 'a positive number'}, got {text}")
        return value

    return parse


def read_input(path, limit=MAX_INPUT_BYTES):
    """The bytes of the input file ``path``, read with a bound: ValueError (one line) for
    anything but a regular file or a pipe (a device such as ``/dev/zero`` never ends) and
    for more than ``limit`` bytes (None: no limit) -- a regular file by its size, before
    reading; a pipe after reading at most ``limit + 1`` bytes."""
    with open(path, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not (stat.S_ISREG(status.st_mode) or stat.S_ISFIFO(status.st_mode)):
            raise ValueError(f"{path}: not a regular file (nor a pipe)")
        too_big = (f"{path}: larger than the input limit of {limit:,} bytes"
                   if limit is not None else "")
        if limit is not None and stat.S_ISREG(status.st_mode) and status.st_size > limit:
            raise ValueError(too_big)
        data = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise ValueError(too_big)
    return data

"""Argument types shared by the commands: integers in a range, positive numbers, IJG
quality lists, with one-line errors."""

import argparse


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
                f"{what} must be {'at least 0' if zero else 'above 0'}, got {text}")
        return value

    return parse

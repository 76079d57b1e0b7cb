"""Argument types shared by the commands, with one-line errors."""

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

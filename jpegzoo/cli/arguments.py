"""Argument types shared by the commands: integers in a range, with one-line errors."""

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

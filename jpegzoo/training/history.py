"""``history.csv`` of a resumable training run: one row per validation, appended."""

import csv
from pathlib import Path


def read_history(path):
    """The rows of ``path`` as dicts of strings ([] when it does not exist yet)."""
    if not Path(path).is_file():
        return []
    with open(path) as handle:
        return list(csv.DictReader(handle))


def append_history(path, row):
    """Append ``row`` (a dict) to ``path``, writing the header first if the file is new."""
    new = not Path(path).is_file()
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)

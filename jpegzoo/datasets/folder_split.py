"""Which images a folder holds, and which split each one belongs to.

Listing: recursive (sub-folders included, symlinked folders not followed), files whose
extension is one of :data:`IMAGE_EXTENSIONS` (any letter case); names starting with ``.``
(hidden files and folders such as ``.ipynb_checkpoints``) are skipped. Paths are relative
to the folder, with ``/`` separators, sorted.

Split: a file is in ``validation`` when the SHA-256 of its relative path, read as a number
in [0, 1), is below ``validation_fraction``. The test depends on nothing but that name, so
adding, removing or editing other files never moves a file between splits.
"""

import hashlib
import os

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm")
SPLITS = ("train", "validation")


def list_images(folder):
    """Sorted relative paths (str, ``/``-separated) of the image files under ``folder``."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in files:
            if not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS):
                relative = os.path.relpath(os.path.join(root, name), folder)
                found.append(relative.replace(os.sep, "/"))
    return sorted(found)


def split_of(relative_path, validation_fraction):
    """``"validation"`` or ``"train"`` for one relative path; ``validation_fraction`` in [0, 1]."""
    digest = hashlib.sha256(relative_path.encode("utf-8")).digest()
    position = int.from_bytes(digest[:8], "big") / 2.0**64
    return "validation" if position < validation_fraction else "train"


def partition(relative_paths, validation_fraction):
    """``{"train": [...], "validation": [...]}`` (order kept) for a list of relative paths."""
    parts = {name: [] for name in SPLITS}
    for path in relative_paths:
        parts[split_of(path, validation_fraction)].append(path)
    return parts


def fingerprint(folder, relative_paths):
    """Hex SHA-256 of the paths, sizes and modification times: it changes with the files."""
    digest = hashlib.sha256()
    for path in relative_paths:
        stat = os.stat(os.path.join(folder, path))
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8"))
    return digest.hexdigest()

"""Mutation sets: the mined, sign-normalized mutation vectors per quality and component.

Stored in one ``.npz`` inside the package (``data/mutation_sets.npz``) with, per mined
quality ``Q`` and component (``luma``/``chroma``), ``q{Q}_{component}`` int8 ``[K, 64]``
(zigzag, best first) and ``q{Q}_{component}_wins`` int64 ``[K]`` (how often each won in the
filtering pass). An encoder at a quality without its own set uses the nearest mined one.
"""

from importlib.resources import files

import numpy as np

COMPONENTS = ("luma", "chroma")


def single_steps():
    """The untrained set: one level towards zero at each position, and DC +-1."""
    steps = np.zeros((65, 64), dtype=np.int8)
    steps[np.arange(64), np.arange(64)] = -1
    steps[64, 0] = 1
    return {component: steps for component in COMPONENTS}


def packaged_path():
    return files("jpegzoo.zoo.mutated_jpeg") / "data" / "mutation_sets.npz"


def save(path, sets, wins):
    """Write ``sets[(quality, component)] -> int8 [K, 64]`` with their win counts."""
    arrays = {}
    for (quality, component), vectors in sets.items():
        arrays[f"q{quality}_{component}"] = np.asarray(vectors, np.int8)
        arrays[f"q{quality}_{component}_wins"] = np.asarray(wins[(quality, component)],
                                                             np.int64)
    np.savez_compressed(path, **arrays)


def load(path=None):
    """``{(quality, component): (int8 [K, 64], int64 [K] wins)}`` from ``path`` (default:
    the packaged sets; empty if the package has none)."""
    source = packaged_path() if path is None else path
    if path is None and not source.is_file():
        return {}
    with np.load(str(source)) as data:
        out = {}
        for key in data.files:
            if key.endswith("_wins"):
                continue
            quality, component = key[1:].split("_", 1)
            out[(int(quality), component)] = (data[key], data[f"{key}_wins"])
        return out


def for_quality(sets, quality):
    """``{"luma": vectors, "chroma": vectors}`` of the mined quality nearest ``quality``
    (the single-step set if nothing is mined)."""
    qualities = sorted({q for q, _ in sets})
    if not qualities:
        return single_steps()
    nearest = min(qualities, key=lambda q: (abs(q - quality), q))
    return {component: sets[(nearest, component)][0] for component in COMPONENTS}

"""Searches that make an MS-SSIM floor hold on the decoded file.

Every attempt writes a real file (plain rounding or RDO levels), decodes it with Pillow and
measures MS-SSIM (:func:`jpegzoo.metrics.ms_ssim`); the smallest passing file is kept. Each
attempt is reported to :mod:`jpegzoo.progress` (total unknown: searches stop early).
"""

import numpy as np

from jpegzoo.progress import report
from jpegzoo.zoo.qtable_generator.inference import image_tables, integer

LAMBDA_STEPS = 7
SCALE_STEPS = 7
SCALE_RANGE = (1 / 64, 64.0)


class FloorSearch:
    """Encodes with given tables and keeps the smallest file whose MS-SSIM meets a floor.

    ``write(int tables [2, 64]) -> bytes`` makes the file (plain rounding or RDO levels);
    ``task`` names the search in progress reports.
    """

    def __init__(self, image, floor, write, task="MS-SSIM search"):
        self.image, self.floor, self.write, self.task = image, float(floor), write, task
        self.best = None
        self.attempts = 0

    def attempt(self, tables):
        """Encode with int ``tables``; True if the decoded file meets the floor."""
        from jpegzoo import metrics
        from jpegzoo.imageio import decode_jpeg

        data = self.write(tables)
        self.attempts += 1
        score = metrics.ms_ssim(self.image, decode_jpeg(data))
        report(self.task, self.attempts)
        if score < self.floor:
            return False
        if self.best is None or len(data) < len(self.best):
            self.best = data
        return True

    def bisect(self, make_tables, low, high, steps):
        """Bisection on a parameter where ``low`` is coarse (may fail) and ``high`` fine;
        returns the coarsest passing value found (None if none passed)."""
        passing = None
        for _ in range(steps):
            middle = 0.5 * (low + high)
            if self.attempt(make_tables(middle)):
                passing, high = middle, middle
            else:
                low = middle
        return passing


def search_generator(image, floor, write, tables_for=None):
    """(bytes, lambda) of the smallest file found from the generator's tables meeting
    MS-SSIM ``floor`` (see the module docstring); ``write`` makes a file from tables;
    ``tables_for(lam) -> float [2, 64]``: the generator's tables of this image
    (:func:`~.inference.image_tables`; default: the shipped generator's)."""
    from jpegzoo.zoo.qtable_generator.generator import LAMBDA_RANGE

    search = FloorSearch(image, floor, write, "MS-SSIM search (generator)")
    low, high = np.log(LAMBDA_RANGE)
    tables_for = image_tables(image) if tables_for is None else tables_for

    def tables_at(log_lam):
        return tables_for(float(np.exp(log_lam)))

    finest, coarsest = tables_at(high), tables_at(low)
    if not search.attempt(integer(finest)):  # finer than the trained range
        _scale_search(search, finest, fine=True)
        return search.best, LAMBDA_RANGE[1]
    if search.attempt(integer(coarsest)):  # coarser than the trained range
        _scale_search(search, coarsest, fine=False)
        return search.best, LAMBDA_RANGE[0]
    log_lam = search.bisect(lambda v: integer(tables_at(v)), low, high, LAMBDA_STEPS)
    return search.best, float(np.exp(high if log_lam is None else log_lam))


def _scale_search(search, tables, fine):
    """Scale ``tables`` down (``fine``) or up until the floor is met at the coarsest scale;
    ValueError if even all-ones tables miss it."""
    low, high = (0.0, np.log(SCALE_RANGE[0])) if fine else (np.log(SCALE_RANGE[1]), 0.0)
    found = search.bisect(lambda v: integer(tables, np.exp(v)), low, high, SCALE_STEPS)
    if found is None and fine and not search.attempt(np.ones((2, 64), np.int32)):
        raise ValueError(f"MS-SSIM {search.floor} is not reachable for this image even with "
                         f"all quantization steps 1")


def search_scale(image, tables, floor, write, coarse=1.5, fine=1 / 1.5, steps=SCALE_STEPS,
                 task="MS-SSIM search (table scale)"):
    """Smallest file meeting the floor from ``tables * s``, bisection on ``s`` from
    ``coarse`` to ``fine``, widening to the full scale range if none passes."""
    search = FloorSearch(image, floor, write, task)
    found = search.bisect(lambda v: integer(tables, np.exp(v)), np.log(coarse), np.log(fine),
                          steps)
    if found is None:
        _scale_search(search, tables, fine=True)
    return search.best

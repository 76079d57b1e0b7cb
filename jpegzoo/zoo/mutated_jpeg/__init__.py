"""Mutated JPEG (Hamidi-Rad): smaller standard JPEGs by choosing, per block, the cheapest of
rounding and its mined mutations. See :mod:`.encoder` for the method and its departures from
the paper, :mod:`.mining` for how the mutation sets are mined, :mod:`.operating_points` for
what ``quality`` means, and :mod:`.method` for the codec (``zoo.load("mutated_jpeg")``).
"""

from jpegzoo.zoo.mutated_jpeg.encoder import ChoiceStats, MutatedEncoder
from jpegzoo.zoo.mutated_jpeg.method import MutatedJpeg

__all__ = ["ChoiceStats", "MutatedEncoder", "MutatedJpeg"]

"""The ``best`` JPEG encoder: per-image rate-distortion quantization tables (RD-OPT), trellis
levels at the same trade-off, searched progressive scans, per-image chroma subsampling and
a search for the quality the user names. See :mod:`.method` (``zoo.load("best_jpeg")``),
:mod:`.encoder`, :mod:`.search` and :mod:`.tunes`.
"""

from jpegzoo.zoo.best_jpeg.method import BestJpeg

__all__ = ["BestJpeg"]

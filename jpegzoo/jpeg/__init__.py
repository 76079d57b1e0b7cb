"""The JPEG codec: the baseline encoder (``encode``: pixels -> JFIF bytes, bit-exact with
libjpeg-turbo), the writer of quantized levels (``write_jpeg``: baseline, or progressive
with ``progressive=True`` / ``"search"``), the parser of baseline and progressive files
(``read_jpeg``, ``read_header``), lossless re-coding of JPEG files (``optimize_jpeg``) and
the coefficient-level file description (``JpegLevels``).

numpy only at import, and no TensorFlow at all: the encoder's forward transform and Huffman
coder, the progressive scans' coding and the reader's scan decoding are numba kernels,
loaded by the first use.
"""

from jpegzoo.jpeg.baseline import encode, image_to_levels
from jpegzoo.jpeg.optimize import optimize_jpeg
from jpegzoo.jpeg.reader import read_header, read_jpeg
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels
from jpegzoo.jpeg.writer import encode_scan, write_jpeg

__all__ = ["ComponentLevels", "JpegLevels", "encode", "encode_scan", "image_to_levels",
           "optimize_jpeg", "read_header", "read_jpeg", "write_jpeg"]

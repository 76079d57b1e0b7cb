"""The JPEG codec: the baseline encoder (``encode``: pixels -> JFIF bytes, bit-exact with
libjpeg-turbo), the writer of quantized levels (``write_jpeg``), the parser (``read_jpeg``,
``read_header``) and the coefficient-level file description (``JpegLevels``).

numpy only at import, and no TensorFlow at all: the encoder's forward transform and Huffman
coder and the reader's scan decoding are numba kernels, loaded by the first encode or
decode.
"""

from jpegzoo.jpeg.baseline import encode, image_to_levels
from jpegzoo.jpeg.reader import read_header, read_jpeg
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels
from jpegzoo.jpeg.writer import encode_scan, write_jpeg

__all__ = ["ComponentLevels", "JpegLevels", "encode", "encode_scan", "image_to_levels",
           "read_header", "read_jpeg", "write_jpeg"]

"""Writing models' outputs: the reference baseline-JPEG writer and parser, and (later)
SavedModel export for TF Serving."""

from jpegzoo.export.baseline import encode, image_to_levels
from jpegzoo.export.jpeg_structure import ComponentLevels, JpegLevels
from jpegzoo.export.jpeg_writer import encode_scan, write_jpeg

__all__ = ["ComponentLevels", "JpegLevels", "encode", "encode_scan", "image_to_levels",
           "write_jpeg"]

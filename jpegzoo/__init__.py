"""jpegzoo: a TensorFlow/Keras model zoo for machine-learned image compression, centred on JPEG.

Subpackages: :mod:`jpegzoo.layers` (JPEG layers and exact numerics), :mod:`jpegzoo.zoo`
(models by name), :mod:`jpegzoo.datasets` (input pipelines), :mod:`jpegzoo.export`
(baseline-JPEG writer/reader, SavedModel export).
"""

import os

# TensorFlow prints start-up banners on stderr; keep the library quiet unless asked.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

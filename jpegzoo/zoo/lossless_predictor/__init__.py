"""``lossless_predictor``: a learned lossless image coder.

The model is in :mod:`jpegzoo.zoo.lossless_predictor.model`;
``card.md`` and the shipped weights sit beside it."""

from jpegzoo.zoo.lossless_predictor.model import (
    LosslessPredictor,
    build_lossless_predictor,
)

__all__ = [
    "LosslessPredictor",
    "build_lossless_predictor",
]

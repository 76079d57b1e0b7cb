"""``compressive_ae``: a learned image codec with a factorized prior.

The model is in :mod:`jpegzoo.zoo.compressive_ae.model`;
``card.md`` and the shipped weights sit beside it."""

from jpegzoo.zoo.compressive_ae.model import (
    LAMBDAS,
    CompressiveAutoencoder,
    build_compressive_ae,
)

__all__ = [
    "CompressiveAutoencoder",
    "LAMBDAS",
    "build_compressive_ae",
]

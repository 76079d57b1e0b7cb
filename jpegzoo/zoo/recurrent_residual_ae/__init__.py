"""``recurrent_residual_ae``: a progressive learned codec.

The model is in :mod:`jpegzoo.zoo.recurrent_residual_ae.model`;
``card.md`` and the shipped weights sit beside it."""

from jpegzoo.zoo.recurrent_residual_ae.model import (
    MAX_ITERATIONS,
    STRIDE,
    RecurrentResidualAutoencoder,
    build_recurrent_residual_ae,
    truncate,
)

__all__ = [
    "MAX_ITERATIONS",
    "RecurrentResidualAutoencoder",
    "STRIDE",
    "build_recurrent_residual_ae",
    "truncate",
]

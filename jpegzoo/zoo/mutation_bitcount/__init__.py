"""``mutation_bitcount``: predict the entropy-coded bits of quantized 8x8 JPEG blocks.

The model is in :mod:`jpegzoo.zoo.mutation_bitcount.model`;
``card.md`` and the shipped weights sit beside it."""

from jpegzoo.zoo.mutation_bitcount.model import (
    build_mutation_bitcount,
)

__all__ = [
    "build_mutation_bitcount",
]

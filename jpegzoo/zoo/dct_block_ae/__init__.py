"""``dct_block_ae``: a learned codec over JPEG's 8x8 DCT blocks.

The model is in :mod:`jpegzoo.zoo.dct_block_ae.model`;
``card.md`` and the shipped weights sit beside it."""

from jpegzoo.zoo.dct_block_ae.model import (
    DctBlockAutoencoder,
    build_dct_block_ae,
)

__all__ = [
    "DctBlockAutoencoder",
    "build_dct_block_ae",
]

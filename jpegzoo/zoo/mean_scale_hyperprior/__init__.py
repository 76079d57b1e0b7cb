"""``mean_scale_hyperprior``: a learned codec with a mean-and-scale Gaussian hyperprior.

The model is in :mod:`jpegzoo.zoo.mean_scale_hyperprior.model`;
``card.md`` and the shipped weights sit beside it."""

from jpegzoo.zoo.mean_scale_hyperprior.model import (
    MeanScaleHyperprior,
    build_mean_scale_hyperprior,
    init_from_compressive_ae,
)

__all__ = [
    "MeanScaleHyperprior",
    "build_mean_scale_hyperprior",
    "init_from_compressive_ae",
]

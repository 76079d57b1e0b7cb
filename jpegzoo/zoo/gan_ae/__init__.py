"""``gan_ae``: a learned codec trained with an adversarial loss (training:
:mod:`jpegzoo.training.gan_ae`).

The model is in :mod:`jpegzoo.zoo.gan_ae.model`;
``card.md`` and the shipped weights sit beside it."""

from jpegzoo.zoo.gan_ae.model import (
    PatchCritic,
    build_critic,
    build_gan_ae,
    critic_hinge_loss,
    decoder_variables,
    generator_hinge_loss,
)

__all__ = [
    "PatchCritic",
    "build_critic",
    "build_gan_ae",
    "critic_hinge_loss",
    "decoder_variables",
    "generator_hinge_loss",
]

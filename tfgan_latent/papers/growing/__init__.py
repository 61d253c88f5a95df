"""Sandström 2019, "Latent Space Growing of Generative Adversarial Networks" (MSc thesis).

Registers ``mlp_growing`` (the Swiss-roll MLP GAN of §7.1, grown 1 -> 2 as in §6.1 or
trained from scratch); the growing layers live in ``tfgan_latent.layers``.
"""
from tfgan_latent.papers.growing import registration  # noqa: F401  (registers the models)
from tfgan_latent.papers.growing.config import MLPGrowingConfig
from tfgan_latent.papers.growing.mlp import (
    MLPGrowingGAN, swiss_roll_discriminator, swiss_roll_generator,
)

__all__ = [
    "MLPGrowingConfig", "MLPGrowingGAN", "swiss_roll_discriminator", "swiss_roll_generator",
]

"""Jung 2017, "Learning to Avoid Errors in GANs by Manipulating Input Spaces" (LIS).

Registers ``glis``, ``r_iterative`` and ``r_separate``; the layers live in
``tfgan_latent.layers`` (TPReLU, weight norm, LIS modules).
"""
from tfgan_latent.papers.lis import registration  # noqa: F401  (registers the models)
from tfgan_latent.papers.lis.losses import lis_similarity_loss, similarity
from tfgan_latent.papers.lis.models import GLIS, LISGenerator, RefinedGenerator, RIterative, RSeparate
from tfgan_latent.papers.lis.nets import wn_discriminator, wn_generator, wn_mlp, wn_reverser

__all__ = [
    "GLIS", "LISGenerator", "RefinedGenerator", "RIterative", "RSeparate",
    "lis_similarity_loss", "similarity",
    "wn_generator", "wn_discriminator", "wn_reverser", "wn_mlp",
]

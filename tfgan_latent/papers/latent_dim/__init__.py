"""The latent-dimension study (ICLR 2020 submission, seed 004): WGAN-GP and an autoencoder of
the same architecture across dim(z) (``--model=wgan_gp_resize`` / ``--model=ae``); the inversion
is shared (``tfgan_latent.inversion``)."""
from tfgan_latent.papers.latent_dim import registration  # noqa: F401
from tfgan_latent.papers.latent_dim.config import LatentAEConfig, ResizeWGANGPConfig
from tfgan_latent.papers.latent_dim.nets import resize_critic, resize_generator

__all__ = ["LatentAEConfig", "ResizeWGANGPConfig", "resize_critic", "resize_generator"]

"""One sub-package per paper; importing this registers their models."""
from tfgan_latent.papers import began_cs, growing, latent_dim, lis, rfgan  # noqa: F401

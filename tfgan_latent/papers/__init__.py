"""One sub-package per paper; importing this registers their models."""
from tfgan_latent.papers import lis  # noqa: F401

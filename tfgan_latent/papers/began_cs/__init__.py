"""BEGAN-CS (Chang et al., ECCV 2018): BEGAN's autoencoder discriminator with the latent
constraint α·‖z − Enc(G(z))‖ on D, and the one-shot inverse z* = Enc(x).

``--model=began`` (α = 0) and ``--model=began_cs`` (α = 0.1); ``tfgan-latent invert`` writes the
one-shot and z*-search grids. The autoencoder discriminator is shared
(``tfgan_latent.models.autoencoder.AutoencoderDiscriminator``), as is the z*-search
(``tfgan_latent.inversion``).
"""
from tfgan_latent.papers.began_cs import registration  # noqa: F401
from tfgan_latent.papers.began_cs.analysis import latent_pca
from tfgan_latent.papers.began_cs.config import BEGANConfig, BEGANCSConfig
from tfgan_latent.papers.began_cs.models import BEGAN
from tfgan_latent.papers.began_cs.nets import began_decoder, began_encoder

__all__ = ["BEGAN", "BEGANConfig", "BEGANCSConfig", "began_decoder", "began_encoder",
           "latent_pca"]

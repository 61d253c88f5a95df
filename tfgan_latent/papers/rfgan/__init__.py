"""RFGAN (Bang & Shim, ICML 2018): denoising-AE pre-training (``--model=dae``) and frozen
representative features in any discriminator (``--rf --encoder_from=DIR`` on dcgan, lsgan,
dragan, wgan_gp). The discriminator wrapper is shared:
``tfgan_latent.models.feature_discriminator``; the autoencoder base: ``models.autoencoder``.
"""
from tfgan_latent.papers.rfgan import registration  # noqa: F401
from tfgan_latent.papers.rfgan.config import DAEConfig
from tfgan_latent.papers.rfgan.nets import dae_decoder, dae_encoder

__all__ = ["DAEConfig", "dae_decoder", "dae_encoder"]

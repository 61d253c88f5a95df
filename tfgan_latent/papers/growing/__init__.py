"""Sandström 2019, "Latent Space Growing of Generative Adversarial Networks" (MSc thesis).

Registers ``mlp_growing`` (the Swiss-roll MLP GAN of §7.1, grown 1 -> 2 as in §6.1 or
trained from scratch) and the CNN models ``bgan``, ``bggan``, ``cggan``, ``lggan``,
``clggan`` (§6.2; one runner stage per cycle). The growing layers live in
``tfgan_latent.layers``; per-cycle architectures in ``cnn``, the per-cycle trainer in
``models``, latent walks and variability scores in ``walks``.

Where the thesis text and the authors' TF1 code (eriksandstroem/Latent-Space-Growing-of-
GANs) differ or one of them is silent (CNN models; the Swiss roll's are in ``mlp``):

* Thesis over code: He init with the usual fan-in k²·C_in (the code uses the feature
  map's spatial size); z normalised per sample (§7.2.3; the code divides the whole batch
  matrix, ``--latent_normalization=batch``); τ in cgGAN (§6.2.6; the code's cgGAN has it
  off, ``--cggan_tau=false``) with the stddev filter of ``d3`` kept; every new kernel and
  bias entry × β (the code exempts a few new-input weights of ``last`` layers; the
  endpoints β = 0 / 1 are the same); fixed epochs 4, 8, 8, ... (§7.2.3) rather than
  "until convergence" (§6.2.2).
* Code where the thesis is silent or garbled: LeakyReLU computed as ``max(x, 0.2x)``
  (gradient 1 at 0); the G fade blends before tanh (Fig. 6 is missing); the same z for the
  D and the G step; new Adam optimizers per cycle; new kernel blocks drawn He-normal and
  new biases 0; the bgGAN / cgGAN real-image fade in cycle 1 too; Eq. 15 read as
  (1−τ)·mean(old-channel σ) + τ·mean(new-channel σ) over the whole minibatch.
* Neither: real images are box-downsampled (the code resizes with PIL, bilinear), so
  repeated halving equals one direct downsampling; α, β, τ are exact linear functions of
  the step (the code accumulates ``0.25 / batch_idxs``); the minibatch stddev is per
  replica under ``tf.distribute`` (ProGAN computes it per GPU).
"""
from tfgan_latent.papers.growing import registration  # noqa: F401  (registers the models)
from tfgan_latent.papers.growing.config import GrowingCNNConfig, MLPGrowingConfig
from tfgan_latent.papers.growing.mlp import (
    MLPGrowingGAN, swiss_roll_discriminator, swiss_roll_generator,
)
from tfgan_latent.papers.growing.models import GrowingGAN, cycle_schedule

__all__ = [
    "GrowingCNNConfig", "GrowingGAN", "MLPGrowingConfig", "MLPGrowingGAN", "cycle_schedule",
    "swiss_roll_discriminator", "swiss_roll_generator",
]

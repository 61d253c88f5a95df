"""Registers ``wgan_gp_resize`` (WGAN-GP on the App. Table 1 nets) and ``ae`` (the autoencoder
whose decoder is that generator and whose encoder has the critic's architecture, Eq. 3)."""
import keras

from tfgan_latent import data
from tfgan_latent.models import variants
from tfgan_latent.models.autoencoder import Autoencoder
from tfgan_latent.papers.latent_dim import config as ld_config
from tfgan_latent.papers.latent_dim import nets
from tfgan_latent.train import registry


def _image_nets(run_cfg, cfg, outputs):
    if data.dataset_kind(run_cfg.dataset) != "images":
        raise ValueError(f"--model={run_cfg.model} needs an image data set, got "
                         f"--dataset={run_cfg.dataset}.")
    channels = data.dataset_channels(run_cfg.dataset)
    generator = nets.resize_generator(cfg.latent_dim, run_cfg.image_size, channels, cfg.width,
                                      cfg.kernel_size, cfg.dense_norm,
                                      name="generator" if outputs == 1 else "decoder")
    critic = nets.resize_critic(run_cfg.image_size, channels, cfg.width, outputs,
                                cfg.kernel_size, cfg.leaky_slope,
                                name="critic" if outputs == 1 else "encoder")
    return generator, critic


def _adam(lr, cfg):
    return keras.optimizers.Adam(lr, beta_1=cfg.beta_1, beta_2=cfg.beta_2,
                                 epsilon=cfg.adam_epsilon)


def build_wgan_gp(run_cfg, cfg):
    generator, critic = _image_nets(run_cfg, cfg, 1)
    gan = variants.WGANGP(generator, critic, latent_dim=cfg.latent_dim, d_steps=cfg.d_steps,
                          latent_distribution=cfg.latent_distribution, gp_weight=cfg.gp_weight,
                          ema_decay=cfg.ema_decay, seed=run_cfg.seed)
    gan.compile(g_optimizer=_adam(cfg.g_lr, cfg), d_optimizer=_adam(cfg.d_lr, cfg),
                steps_per_execution=run_cfg.execution_steps)
    return gan


def build_ae(run_cfg, cfg):
    decoder, encoder = _image_nets(run_cfg, cfg, cfg.latent_dim)
    model = Autoencoder(encoder, decoder, loss="l2", noise="none", seed=run_cfg.seed, name="ae")
    model.compile(optimizer=_adam(cfg.lr, cfg), steps_per_execution=run_cfg.execution_steps)
    return model


registry.register_model("wgan_gp_resize", ld_config.ResizeWGANGPConfig, build_wgan_gp,
                        "WGAN-GP on the latent-dimension study's resize-conv nets (App. Table 1)")
registry.register_model("ae", ld_config.LatentAEConfig, build_ae,
                        "autoencoder: encoder = the study's critic, decoder = its generator (Eq. 3)")

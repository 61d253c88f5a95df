"""Registers ``mlp_growing``: the Swiss-roll MLP GAN of Sandström 2019, §7.1."""
import keras

from tfgan_latent.papers.growing.config import MLPGrowingConfig
from tfgan_latent.papers.growing.mlp import (
    MLPGrowingGAN, swiss_roll_discriminator, swiss_roll_generator,
)
from tfgan_latent.train import registry


def rmsprop(cfg):
    """Keras RMSprop with the config's lr / rho / epsilon (no momentum, not centred)."""
    return keras.optimizers.RMSprop(cfg.lr, rho=cfg.rho, epsilon=cfg.epsilon)


def build_mlp_growing(run_cfg, cfg):
    if run_cfg.dataset != "swiss_roll":
        raise ValueError(
            f"--model=mlp_growing trains on --dataset=swiss_roll (Sandström 2019, §7.1), "
            f"got --dataset={run_cfg.dataset!r}."
        )
    if cfg.latent_distribution not in ("uniform", "normal"):
        raise ValueError(f"--latent_distribution must be 'uniform' or 'normal', got "
                         f"{cfg.latent_distribution!r}.")
    growth_step = cfg.growth_step(run_cfg.steps)
    generator = swiss_roll_generator(
        cfg.latent_dim, cfg.start_latent_dim if cfg.grow else None, cfg.mlp_units, cfg.mlp_layers)
    discriminator = swiss_roll_discriminator(cfg.mlp_units, cfg.mlp_layers)
    gan = MLPGrowingGAN(
        generator, discriminator, growth_step=growth_step, d_updates=cfg.d_updates,
        g_updates=cfg.g_updates, latent_dim=cfg.latent_dim,
        latent_distribution=cfg.latent_distribution, seed=run_cfg.seed,
    )
    gan.compile(g_optimizer=rmsprop(cfg), d_optimizer=rmsprop(cfg),
                steps_per_execution=run_cfg.steps_per_execution)
    return gan


registry.register_model(
    "mlp_growing", MLPGrowingConfig, build_mlp_growing,
    "Swiss-roll MLP GAN, latent grown 1 -> 2 or from scratch (Sandström 2019, §6.1, §7.1)")

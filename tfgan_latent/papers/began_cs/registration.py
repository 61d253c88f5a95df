"""Registers ``began`` (α = 0) and ``began_cs`` (α = 0.1): one model, one builder."""
import keras

from tfgan_latent import data
from tfgan_latent.optimizers import StepDecay
from tfgan_latent.papers.began_cs import checkpoint_map
from tfgan_latent.papers.began_cs import config as began_config
from tfgan_latent.papers.began_cs import nets
from tfgan_latent.papers.began_cs.models import BEGAN
from tfgan_latent.train import importer, presets, registry


def _adam(lr, cfg):
    if cfg.lr_decay_every:
        lr = StepDecay(lr, cfg.lr_decay_every, 0.5, cfg.lr_decay_floor)
    return keras.optimizers.Adam(lr, beta_1=cfg.beta_1, beta_2=cfg.beta_2,
                                 epsilon=cfg.adam_epsilon)


def build_began(run_cfg, cfg):
    """BEGAN / BEGAN-CS with the nets and the paper's settings for the run's data."""
    kind = data.dataset_kind(run_cfg.dataset)
    cfg = cfg.resolved(kind)
    channels = data.dataset_channels(run_cfg.dataset) if kind == "images" else None
    generator, discriminator = nets.build_nets(kind, cfg, run_cfg.image_size, channels)
    model = BEGAN(generator, discriminator, latent_dim=cfg.latent_dim, gamma=cfg.gamma,
                  lambda_k=cfg.lambda_k, alpha=cfg.alpha, k_init=cfg.k_init, k_from=cfg.k_from,
                  recon_norm=cfg.recon_norm, constraint_norm=cfg.constraint_norm,
                  latent_distribution=cfg.latent_distribution, reuse_latents=cfg.reuse_latents,
                  ema_decay=cfg.ema_decay, seed=run_cfg.seed, name=run_cfg.model)
    model.compile(g_optimizer=_adam(cfg.g_lr, cfg), d_optimizer=_adam(cfg.d_lr, cfg),
                  steps_per_execution=run_cfg.execution_steps)
    return model


registry.register_model("began", began_config.BEGANConfig, build_began,
                        "BEGAN (Berthelot et al. 2017) as BEGAN-CS trains it (alpha = 0)",
                        crop="began_cs")
registry.register_model("began_cs", began_config.BEGANCSConfig, build_began,
                        "BEGAN-CS (Chang et al. 2018): BEGAN + latent constraint, one-shot Enc(x)",
                        crop="began_cs")

# The authors' code for images (chang810249/BEGAN-CS BEGAN_CS.py, train.sh; the paper's text is
# silent or looser on each: parity/README.md's BEGAN-CS table). Our image defaults already are
# these values; the preset pins them. Their code has no 2-D toy: points keep §4.6 (no preset).
# parity/began_cs.py's fixtures prove the step (tests/test_parity_began_cs.py).
_CODE = {"recon_norm": "l2_batch", "constraint_norm": "l1_mean", "k_from": "post_update",
         "reuse_latents": True, "variant": "began_cs", "latent_dim": 64, "width": 128,
         "gamma": 0.5, "lambda_k": 1e-3, "g_lr": 1e-4, "d_lr": 1e-4, "beta_1": 0.9,
         "beta_2": 0.999, "adam_epsilon": 1e-8, "lr_decay_every": 0, "k_init": 0.0}
for _model, _alpha in (("began", 0.0), ("began_cs", 0.1)):
    presets.register_preset(_model, "authors_code", {**_CODE, "alpha": _alpha}, kind="images",
                            source="chang810249/BEGAN-CS @a4ff342 BEGAN_CS.py, train.sh")
    # `tfgan-latent import`: their TF1 Saver checkpoint (nets, k, both Adam states and steps)
    importer.register_map(_model, importer.ImportMap(
        "tf1", checkpoint_map.import_entries, checkpoint_map.to_ours,
        source="chang810249/BEGAN-CS @a4ff342 BEGAN_CS.py Saver checkpoints",
        ignore=checkpoint_map.is_ignored, step=checkpoint_map.import_step,
        hint="--width (their hidden_num), --latent_dim (z_dim), --image_size=64, "
             "--variant=began_cs"))

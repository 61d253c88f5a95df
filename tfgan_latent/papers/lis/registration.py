"""Registers ``glis``, ``r_iterative`` and ``r_separate`` with the trainer."""
from pathlib import Path

import keras
import tensorflow as tf

from tfgan_latent import data
from tfgan_latent.optimizers import TorchRMSprop
from tfgan_latent.papers.lis import checkpoint_map
from tfgan_latent.papers.lis import config as lis_config
from tfgan_latent.papers.lis import nets
from tfgan_latent.papers.lis.models import GLIS, LISGenerator, RIterative, RSeparate
from tfgan_latent.train import importer, presets, registry
from tfgan_latent.train.config import read_run_folder


def rmsprop(cfg, model, updates_per_batch=1, run_cfg=None, scale=1.0):
    """TorchRMSprop with the config's (preset) learning rate and optional single drop.

    The drop happens after ``lr_drop_step`` batches; an optimizer applied
    ``updates_per_batch`` times per batch (R-iterative) counts its steps accordingly. With
    ``run_cfg``, the preset of its data set and image size (``config.DATA_LR_PRESETS``).
    ``scale`` multiplies both rates (D's ``--d_lr_scale``).
    """
    data_key = (run_cfg.dataset, run_cfg.image_size) if run_cfg is not None else (None, None)
    lr, drop, after = cfg.schedule(model, *data_key)
    lr, after = lr * scale, after * scale
    if drop > 0 and after != lr:
        lr = keras.optimizers.schedules.PiecewiseConstantDecay(
            [drop * updates_per_batch - 1], [lr, after])
    return TorchRMSprop(lr, rho=cfg.rho, epsilon=cfg.epsilon)


def d_lr_scale(cfg):
    if not cfg.d_lr_scale > 0:
        raise ValueError(f"--d_lr_scale must be > 0, got {cfg.d_lr_scale!r}.")
    return cfg.d_lr_scale


def mbstd_group_size(cfg, run_cfg):
    g = cfg.mbstd_group_size
    if isinstance(g, bool) or not isinstance(g, int) or g < 0:
        raise ValueError(f"--mbstd_group_size must be an int >= 0, got {g!r}.")
    if g and run_cfg.batch_size % min(g, run_cfg.batch_size):
        raise ValueError(f"--mbstd_group_size={g} must divide --batch_size="
                         f"{run_cfg.batch_size}.")
    return g


def build_nets(run_cfg, cfg):
    """App. J generator and discriminator, or WN+TPReLU MLPs for 2-D data."""
    if data.dataset_kind(run_cfg.dataset) == "points":
        if cfg.g_upsampling != "transposed":
            raise ValueError(f"--g_upsampling applies to image nets; --dataset="
                             f"{run_cfg.dataset} trains MLPs (got {cfg.g_upsampling!r}).")
        if cfg.coord_conv or cfg.mbstd_group_size:
            raise ValueError(f"--coord_conv and --mbstd_group_size apply to image nets; "
                             f"--dataset={run_cfg.dataset} trains MLPs.")
        return (nets.wn_mlp(cfg.latent_dim, 2, cfg.mlp_units, cfg.mlp_layers, 0.01, name="generator"),
                nets.wn_mlp(2, 1, cfg.mlp_units, cfg.mlp_layers, name="discriminator"))
    channels = data.dataset_channels(run_cfg.dataset)
    return (nets.wn_generator(cfg.latent_dim, run_cfg.image_size, channels, cfg.nfeature, cfg.nlayer,
                              upsampling=cfg.g_upsampling, coord_conv=cfg.coord_conv),
            nets.wn_discriminator(run_cfg.image_size, channels, cfg.nfeature, cfg.nlayer,
                                  coord_conv=cfg.coord_conv,
                                  mbstd_group_size=mbstd_group_size(cfg, run_cfg)))


def build_reverser(run_cfg, latent_dim, nfeature, nlayer, dropout, mlp_units=128, mlp_layers=3):
    if data.dataset_kind(run_cfg.dataset) == "points":
        return nets.wn_mlp(2, latent_dim, mlp_units, mlp_layers, name="reverser")
    channels = data.dataset_channels(run_cfg.dataset)
    return nets.wn_reverser(latent_dim, run_cfg.image_size, channels, nfeature, nlayer, dropout)


def build_glis(run_cfg, cfg):
    g, d = build_nets(run_cfg, cfg)
    g = LISGenerator(g, cfg.lis_modules, early_stop=cfg.early_stop, seed=run_cfg.seed + 1,
                     hidden_units=cfg.lis_hidden or None, name="lis_generator")
    gan = GLIS(g, d, lambda_r=cfg.lambda_r, latent_dim=cfg.latent_dim, ema_decay=cfg.ema_decay,
               seed=run_cfg.seed)
    gan.compile(g_optimizer=rmsprop(cfg, "glis", run_cfg=run_cfg),
                d_optimizer=rmsprop(cfg, "glis", run_cfg=run_cfg, scale=d_lr_scale(cfg)),
                steps_per_execution=run_cfg.execution_steps)
    return gan


def build_r_iterative(run_cfg, cfg):
    g, d = build_nets(run_cfg, cfg)
    r = build_reverser(run_cfg, cfg.latent_dim, cfg.r_nfeature, cfg.nlayer, cfg.r_dropout,
                       cfg.mlp_units, cfg.mlp_layers)
    n = cfg.r_iterations
    gan = RIterative(g, d, r, iterations=n, lambda_r=cfg.lambda_r, latent_dim=cfg.latent_dim,
                     ema_decay=cfg.ema_decay, seed=run_cfg.seed)
    gan.compile(g_optimizer=rmsprop(cfg, "r_iterative", n + 1),
                d_optimizer=rmsprop(cfg, "r_iterative", n + 1, scale=d_lr_scale(cfg)),
                r_optimizer=rmsprop(cfg, "r_iterative", n),
                steps_per_execution=run_cfg.execution_steps)
    return gan


def load_finished_run(directory, run_cfg):
    """The GAN of a finished run folder, restored from its latest checkpoint (in scope).

    A run that kept a generator weight average (``--ema_decay``) comes back with the average
    in G (what its previews, scores and export showed), as ``evaluate --run`` loads it.
    """
    directory = Path(directory)
    stored, src_run = read_run_folder(directory)
    for name in ("dataset", "image_size"):
        if getattr(src_run, name) != getattr(run_cfg, name):
            raise ValueError(f"--{name}={getattr(run_cfg, name)!r} differs from the --from_run "
                             f"run's {getattr(src_run, name)!r}; use the same value.")
    if src_run.model == "r_separate":
        raise ValueError("--from_run must be a GAN run, not another r_separate run.")
    spec = registry.get_model_spec(src_run.model)
    src = spec.build(src_run, spec.config_cls(**stored["model"]))
    latest = tf.train.latest_checkpoint(str(directory / "checkpoints"))
    if latest is None:
        raise ValueError(f"--from_run={directory}: no checkpoint in {directory / 'checkpoints'}.")
    tf.train.Checkpoint(generator=src.generator, discriminator=src.discriminator) \
        .restore(latest).expect_partial()
    if src.generator_average:  # must be restored: else it holds G's initial weights
        average = {str(i): v for i, v in enumerate(src.generator_average)}
        tf.train.Checkpoint(generator_average=average).restore(latest) \
            .assert_existing_objects_matched().expect_partial()
        src.swap_average()
    return src, stored["model"]


def build_r_separate(run_cfg, cfg):
    if not cfg.from_run:
        raise ValueError("--model=r_separate needs --from_run=DIR, the folder of a finished run "
                         "whose generator the reverser learns to invert.")
    src, src_model = load_finished_run(cfg.from_run, run_cfg)
    r = build_reverser(run_cfg, src.latent_dim, cfg.r_nfeature, src_model.get("nlayer", 0),
                       cfg.r_dropout, cfg.r_mlp_units, cfg.r_mlp_layers)
    gan = RSeparate(src.generator, src.discriminator, r, latent_dim=src.latent_dim,
                    latent_distribution=src.latent_distribution, seed=run_cfg.seed)
    gan.compile(r_optimizer=rmsprop(cfg, "r_separate"),
                steps_per_execution=run_cfg.execution_steps)
    return gan


registry.register_model("glis", lis_config.GLISConfig, build_glis,
                        "G-LIS: LIS modules + similarity loss (Jung 2017 §2.3)",
                        crop="lis", flip=True)
registry.register_model("r_iterative", lis_config.RIterativeConfig, build_r_iterative,
                        "R-iterative: G, D and reverser on z -> x -> R chains (Jung 2017 §2.2)",
                        crop="lis", flip=True)
registry.register_model("r_separate", lis_config.RSeparateConfig, build_r_separate,
                        "R-separate: reverser on a finished generator, G(R(G(z))) (Jung 2017 §2.1)",
                        crop="lis", flip=True)

# The authors' README commands train at other rates than §3's text (research/lis.md §1.9).
for _model in ("glis", "r_iterative", "r_separate"):
    presets.register_preset(_model, "authors_code", {"lr_preset": "code"},
                            source="aleju/gan-error-avoidance README commands (research/lis.md §1.9); "
                                   "the rest of the code is the default, step for step "
                                   "(tests/test_parity_lis.py)")

# `tfgan-latent import`: the authors' state_dict files (<prefix>_gen.pt, _dis.pt, _r.pt). An
# r_separate run takes G and D from --from_run, so only R's file is imported for it.
_IMPORT_ROLES = {"glis": ("gen", "dis"), "r_iterative": ("gen", "dis", "r"), "r_separate": ("r",)}


def _optimizer_states(model):
    """torch RMSprop's ``square_avg`` (<prefix>_<role>_opt.pt) is TorchRMSprop's velocity."""
    slots = {"square_avg": lambda optimizer, variable: optimizer.velocity(variable)}
    return {role: (getattr(model, name, None), slots) for role, name in
            (("gen", "g_optimizer"), ("dis", "d_optimizer"), ("r", "r_optimizer"))}


for _model, _roles in _IMPORT_ROLES.items():
    importer.register_map(_model, importer.ImportMap(
        "torch",
        lambda model, roles=_roles: {role: names for role, names
                                     in checkpoint_map.model_entries(model).items() if role in roles},
        checkpoint_map.to_ours,
        source="aleju/gan-error-avoidance @4aa0076 common/model.py state_dicts",
        optimizers=_optimizer_states))

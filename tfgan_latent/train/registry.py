"""Model registry: name → (config dataclass with paper defaults, builder).

Paper packages add their models with ``register_model``; the CLI exposes every field of
every registered config dataclass as an absl flag.
"""
import dataclasses
from typing import Callable

import keras

from tfgan_latent import data
from tfgan_latent.models import feature_discriminator, nets, variants
from tfgan_latent.train import presets


@dataclasses.dataclass(frozen=True)
class GANConfig:
    """Shared net and optimizer settings; defaults are DCGAN's (Radford et al. 2016 §4)."""

    latent_dim: int = 100  # Radford et al. 2016 §4: 100-d z
    latent_distribution: str = "uniform"  # Radford et al. 2016 Fig. 1: uniform z
    width: int = 64  # base channels of the DCGAN nets (64 in Radford et al. 2016 Fig. 1)
    normalization: str = "batch"  # D normalization (Radford et al. 2016 §3)
    mlp_units: int = 128  # 2-D data MLPs: units per hidden layer (Metz et al. 2016 toy: 128)
    mlp_layers: int = 3  # 2-D data MLPs: hidden layers
    g_lr: float = 2e-4  # Radford et al. 2016 §4
    d_lr: float = 2e-4  # Radford et al. 2016 §4 (both nets)
    beta_1: float = 0.5  # Radford et al. 2016 §4
    beta_2: float = 0.999  # Adam default (Kingma & Ba 2015)
    adam_epsilon: float = 1e-8  # TF1 / PyTorch Adam (every reference code); Keras's is 1e-7
    d_steps: int = 1  # Goodfellow et al. 2014 Alg. 1, k = 1
    g_steps: int = 1  # Goodfellow et al. 2014 Alg. 1: one G step per k D steps
    reuse_latents: bool = False  # G steps reuse the D step's z (carpedm20 DCGAN code; RFGAN §4.2)
    # Generator weight average (models.gan.GAN): 0 off, as in every paper ported here.
    ema_decay: float = 0.0
    kernel_size: int = 4  # DCGAN conv kernels (dcgan.torch: 4; carpedm20/DCGAN-tensorflow: 5)
    weight_init: str = "normal"  # N(0, 0.02) (Radford et al. 2016 §4) | glorot (RFGAN 2018 code)
    g_top_width: int = 0  # G's 4×4 channels; 0: width·2^(n−1) (RFGAN 2018 code, 64 px: 1024)
    # Not in the papers (the demo's nets; nets.dcgan_generator): transposed | nearest
    # (upsample + conv, Odena et al. 2016), and CoordConv channels in G and D (Liu et al. 2018).
    g_upsampling: str = "transposed"
    coord_conv: bool = False  # CoordConv channels (Liu et al. 2018): off, as in the papers
    # RFGAN (Bang & Shim 2018 §3.1): frozen encoder features concatenated into D.
    rf: bool = False  # wrap D in a RepresentativeFeatureDiscriminator
    encoder_from: str = ""  # a finished `--model=dae` run folder, or a .keras feature extractor
    rf_feature_layer: str = ""  # "": the dae run's recorded layer (its last conv block)
    rf_merge: str = "auto"  # auto | channel (authors' code) | flatten
    rf_head_init: str = "normal"  # RF head kernel: normal N(0, 0.02) | glorot (authors' linear op)
    # The RFGAN authors' TF1 code (parity/README.md, RFGAN; its --preset=authors_code): the conv
    # op adds its bias twice (D's convs), batch norm averages the unbiased batch variance.
    conv_bias_twice: bool = False
    bn_moving_variance: str = "biased"  # biased (Keras) | unbiased (TF1 contrib/tf_slim)
    g_project_bias: bool = False  # G's dense projection has a bias (carpedm20 and authors' linear)


@dataclasses.dataclass(frozen=True)
class LSGANConfig(GANConfig):
    lsgan_a: float = 0.0  # Mao et al. 2017 Eq. 2 with 0-1 coding (§3.2.3)
    lsgan_b: float = 1.0  # Mao et al. 2017 Eq. 2, 0-1 coding: the real label b
    lsgan_c: float = 1.0  # Mao et al. 2017 Eq. 2, 0-1 coding: the value c G wants for fakes


@dataclasses.dataclass(frozen=True)
class DRAGANConfig(GANConfig):
    gp_weight: float = 10.0  # Kodali et al. 2017: λ = 10
    perturbation_scale: float = 0.5  # DRAGAN authors' code: 0.5·std(x)·U[0, 1)
    perturbation: str = "uniform"  # authors' code U[0, 1) | gaussian (the paper's N(0, cI))
    g_lr: float = 1e-4  # DRAGAN authors' Adam(1e-4, 0.5, 0.9) (research/rfgan.md §1.5)
    d_lr: float = 1e-4  # DRAGAN authors' Adam(1e-4, 0.5, 0.9)
    beta_2: float = 0.9  # DRAGAN authors' Adam(1e-4, 0.5, 0.9)


@dataclasses.dataclass(frozen=True)
class WGANGPConfig(GANConfig):
    latent_dim: int = 128  # Gulrajani et al. 2017, App. (DCGAN-style CIFAR nets: 128-d z)
    latent_distribution: str = "normal"  # Gulrajani et al. 2017 code (gan_cifar.py): N(0, I)
    normalization: str = "layer"  # Gulrajani et al. 2017 §4: no batch norm in the critic
    gp_weight: float = 10.0  # Gulrajani et al. 2017 Alg. 1: λ = 10
    d_steps: int = 5  # Alg. 1: n_critic = 5
    g_lr: float = 1e-4  # Alg. 1: α = 1e-4, β1 = 0, β2 = 0.9
    d_lr: float = 1e-4  # Alg. 1: α = 1e-4
    beta_1: float = 0.0  # Alg. 1: β1 = 0
    beta_2: float = 0.9  # Alg. 1: β2 = 0.9


@dataclasses.dataclass(frozen=True)
class Stage:
    """One ``fit`` of a staged run (a growing model's cycle): nets fixed within it.

    ``build(prev)`` returns the compiled GAN of this stage (called inside the strategy
    scope); ``prev`` is the previous stage's trained GAN to grow from, or None when a
    checkpoint of this stage will be restored into it. Training stops at ``end_step``
    (global step) and moves on to the next stage; checkpoints go to
    ``checkpoints/<name>/`` (a single unnamed stage uses ``checkpoints/``).
    """

    name: str
    end_step: int
    build: Callable


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    name: str
    config_cls: type
    build: Callable  # (run_cfg, model_cfg) -> compiled GAN (called inside the strategy scope)
    description: str = ""
    stages: Callable = None  # (run_cfg, model_cfg) -> [Stage]; None: one stage of `build`
    resume_fixed: Callable = lambda model_cfg: ()  # run fields a resume may not change
    # Data defaults of the model's paper (``--crop=auto`` / ``--flip=auto``): its crop name
    # (used where the data set has a crop of that name, e.g. celeb_a "lis", cifar10 "lis") and
    # whether its code flips images left-right on the paper's data sets (``FLIP_DATASETS``).
    crop: str = "rfgan"
    flip: bool = False


# Image sets on which a paper that flips (LIS: "random horizontal flip always", research/lis.md
# §1.9) flips with --flip=auto; the embedded shapes and digits are never flipped by default.
FLIP_DATASETS = ("celeb_a", "cifar10", "lsun/bedroom")


MODELS = {}


def register_model(name, config_cls, build, description="", stages=None, resume_fixed=None,
                   crop="rfgan", flip=False):
    if name in MODELS:
        raise ValueError(f"model {name!r} is already registered")
    extra = {"resume_fixed": resume_fixed} if resume_fixed is not None else {}
    MODELS[name] = ModelSpec(name, config_cls, build, description, stages, crop=crop, flip=flip,
                             **extra)


def data_defaults(model, dataset):
    """``(crop, flip)`` of ``--crop=auto`` / ``--flip=auto`` for ``model`` on ``dataset``: the
    model's paper crop where the data set has one of that name, else "none"; "on" where the
    model's code flips and the data set is one of ``FLIP_DATASETS``, else "off"."""
    spec = get_model_spec(model)
    crop = spec.crop if spec.crop in data.crop_names(dataset) else "none"
    return crop, "on" if spec.flip and dataset in FLIP_DATASETS else "off"


def model_stages(run_cfg, model_cfg):
    """The run's stages: the model's own plan, or one stage of ``build`` up to ``--steps``."""
    spec = get_model_spec(run_cfg.model)
    if spec.stages is not None:
        return spec.stages(run_cfg, model_cfg)
    return [Stage("", run_cfg.steps, lambda prev: spec.build(run_cfg, model_cfg))]


def get_model_spec(name):
    _load_paper_models()
    if name not in MODELS:
        raise ValueError(f"--model must be one of {sorted(MODELS)}, got {name!r}.")
    return MODELS[name]


def _load_paper_models():
    """Paper packages register their models on import; then the CPU presets of all models."""
    import tfgan_latent.papers  # noqa: F401
    import tfgan_latent.train.cpu_presets  # noqa: F401


def build_nets(run_cfg, cfg):
    """Generator and discriminator for the dataset: MLPs for 2-D points, DCGAN nets for images."""
    if cfg.g_upsampling not in nets.UPSAMPLINGS:
        raise ValueError(f"--g_upsampling must be one of {nets.UPSAMPLINGS}, "
                         f"got {cfg.g_upsampling!r}.")
    if data.dataset_kind(run_cfg.dataset) == "points":
        if cfg.coord_conv or cfg.g_upsampling != "transposed":
            raise ValueError(f"--coord_conv and --g_upsampling apply to image nets; "
                             f"{run_cfg.dataset} is a 2-D data set (MLP nets).")
        hidden = (cfg.mlp_units,) * cfg.mlp_layers
        return (nets.mlp_generator(cfg.latent_dim, 2, hidden),
                nets.mlp_discriminator(2, hidden))
    channels = data.dataset_channels(run_cfg.dataset)
    return (nets.dcgan_generator(cfg.latent_dim, run_cfg.image_size, channels, cfg.width,
                                 cfg.kernel_size, top_width=cfg.g_top_width,
                                 weight_init=cfg.weight_init, upsampling=cfg.g_upsampling,
                                 coord_conv=cfg.coord_conv,
                                 bn_moving_variance=cfg.bn_moving_variance,
                                 project_bias=cfg.g_project_bias),
            nets.dcgan_discriminator(run_cfg.image_size, channels, cfg.width, cfg.normalization,
                                     cfg.kernel_size, cfg.weight_init,
                                     coord_conv=cfg.coord_conv,
                                     conv_bias_twice=cfg.conv_bias_twice,
                                     bn_moving_variance=cfg.bn_moving_variance))


def rf_discriminator(discriminator, cfg):
    """``discriminator``'s trunk joined with the frozen encoder of ``--encoder_from`` (RFGAN)."""
    if not cfg.encoder_from:
        raise ValueError("--rf needs --encoder_from=DIR: the folder of a finished `--model=dae` "
                         "run (or a .keras feature extractor).")
    extractor = feature_discriminator.load_feature_extractor(cfg.encoder_from, cfg.rf_feature_layer)
    try:
        return feature_discriminator.RepresentativeFeatureDiscriminator(
            nets.discriminator_trunk(discriminator), extractor, merge=cfg.rf_merge,
            head_init=cfg.rf_head_init, name="rf_discriminator")
    except ValueError as e:
        raise ValueError(f"--rf with --encoder_from={cfg.encoder_from}: {e}") from None


def adam(lr, cfg):
    return keras.optimizers.Adam(lr, beta_1=cfg.beta_1, beta_2=cfg.beta_2, epsilon=cfg.adam_epsilon)


def compile_gan(gan, run_cfg, cfg):
    gan.compile(
        g_optimizer=adam(cfg.g_lr, cfg),
        d_optimizer=adam(cfg.d_lr, cfg),
        steps_per_execution=run_cfg.execution_steps,
    )
    return gan


def _common(run_cfg, cfg):
    return dict(
        latent_dim=cfg.latent_dim, d_steps=cfg.d_steps, g_steps=cfg.g_steps,
        latent_distribution=cfg.latent_distribution, reuse_latents=cfg.reuse_latents,
        ema_decay=cfg.ema_decay, seed=run_cfg.seed,
    )


def _builder(cls, extra=lambda cfg: {}):
    def build(run_cfg, cfg):
        g, d = build_nets(run_cfg, cfg)
        if cfg.rf:
            d = rf_discriminator(d, cfg)
        return compile_gan(cls(g, d, **_common(run_cfg, cfg), **extra(cfg)), run_cfg, cfg)
    return build


register_model("dcgan", GANConfig, _builder(variants.DCGAN),
               "non-saturating GAN (Goodfellow et al. 2014) with DCGAN nets")
register_model("lsgan", LSGANConfig, _builder(
    variants.LSGAN, lambda c: dict(a=c.lsgan_a, b=c.lsgan_b, c=c.lsgan_c)),
    "least-squares GAN (Mao et al. 2017)")
register_model("dragan", DRAGANConfig, _builder(
    variants.DRAGAN, lambda c: dict(gp_weight=c.gp_weight, perturbation_scale=c.perturbation_scale,
                                    perturbation=c.perturbation)),
    "DCGAN + DRAGAN penalty (Kodali et al. 2017)")
register_model("wgan_gp", WGANGPConfig, _builder(
    variants.WGANGP, lambda c: dict(gp_weight=c.gp_weight)),
    "WGAN-GP (Gulrajani et al. 2017)")

# The RFGAN authors' 2018 code trains these families with other nets and batch than the
# carpedm20 reference code that RFGAN §4 cites (research/rfgan.md §1.5, §4.8), a conv op that
# adds its bias twice, TF1's unbiased moving variance and a Xavier RF head (ops.py); the
# fixtures of parity/rfgan.py prove the match (tests/test_parity_rfgan.py, parity/README.md).
# Its only training loop (RFGAN.py train, DCGAN-RF) runs 1 D and ge_iter = 2 G updates on one
# feed (one z), as carpedm20's does.
for _model in ("dcgan", "lsgan", "dragan", "wgan_gp"):
    presets.register_preset(_model, "authors_code", {
        "latent_dim": 128, "batch_size": 128, "g_top_width": 1024, "weight_init": "glorot",
        "kernel_size": 5, "conv_bias_twice": True, "bn_moving_variance": "unbiased",
        "rf_head_init": "glorot", "g_project_bias": True,
        **({"g_steps": 2, "reuse_latents": True} if _model == "dcgan" else {})},
        source="QuickSolverKyle/Tensorflow-MyGANs RFGAN.py, ops.py (research/rfgan.md §1.5; "
               "parity/README.md)")

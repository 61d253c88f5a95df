"""Config of BEGAN and BEGAN-CS (``--model=began`` / ``began_cs``): paper and code defaults.

Sources (``research/began_cs.md``): [P] Chang et al. 2018 (BEGAN-CS); [C] the authors' TF1 code
chang810249/BEGAN-CS (``BEGAN_CS.py``, ``train.sh``); [BP] Berthelot et al. 2017 (BEGAN);
[B] carpedm20/BEGAN-tensorflow. Settings whose paper value differs between the image
experiments (CelebA, [P] §4 + [C]) and the 25-Gaussians toy ([P] §4.6) default to 0 (−1 for
``beta_1``), meaning "the paper's value for this data": ``resolved(kind)`` fills them in.
"""
import dataclasses

VARIANTS = ("began_cs", "began")
K_FROM = ("post_update", "pre_update")
# (images, points): [P] §4 + [C] for CelebA images; [P] §4.6 for the 2-D toy.
DATA_DEFAULTS = {
    "latent_dim": (64, 32),  # [C] z_dim 64 (N_z = N_h); [P] §4.6 N_z = 32
    "gamma": (0.5, 25.0),  # [C] l.51; [P] §4.6 "γ = 25" as printed (§3 says γ ∈ [0, 1])
    "lambda_k": (1e-3, 1e-4),  # [C] lamda = 0.001; [P] §4.6 λ = 1e-4
    "g_lr": (1e-4, 5e-4),  # [C] train.sh g_lr 1e-4; [P] §4.6 lr_g 5e-4
    "beta_1": (0.9, 0.5),  # [C] TF AdamOptimizer defaults; [P] §4.6 β = (0.5, 0.999)
}


@dataclasses.dataclass(frozen=True)
class BEGANConfig:
    """BEGAN as BEGAN-CS uses it ([P] Eq. 1-3): α = 0. ``BEGANCSConfig`` sets α = 0.1."""

    latent_dim: int = 0  # 0: 64 for images, 32 for 2-D points (DATA_DEFAULTS)
    latent_distribution: str = "uniform"  # [C]/[B]/[BP]: z ~ U(-1, 1)
    width: int = 128  # [C] hidden_num n = 128 (filters n, 2n, 3n, ...)
    variant: str = "began_cs"  # began_cs: [C]'s nets | began: [B]'s (research §1.5)
    mlp_units: int = 128  # [P] §4.6: 2-layer feed-forward nets of 128 ReLU units
    mlp_layers: int = 2  # [P] §4.6: 2-layer feed-forward nets (2-D points)
    gamma: float = 0.0  # 0: 0.5 images, 25 points (diversity ratio γ, [BP] §3.3)
    lambda_k: float = 0.0  # 0: 1e-3 images, 1e-4 points (k's learning rate)
    k_init: float = 0.0  # [C] k = tf.Variable(0.); [BP] k_0 = 0
    k_from: str = "post_update"  # [C]: k from losses recomputed after both updates | pre_update ([B])
    alpha: float = 0.0  # BEGAN: no latent constraint
    recon_norm: str = "l2_batch"  # [C] sqrt(2 l2_loss(D(X) − X)) / batch | l1_mean ([B], [BP] η=1)
    constraint_norm: str = "l1_mean"  # [C] reduce_mean(abs(Enc(G(z)) − z)) | l2 (ε 1e-10 in √)
    reuse_latents: bool = True  # [C] one batch_z for the D step, the G step and k
    g_lr: float = 0.0  # 0: 1e-4 images ([C] train.sh), 5e-4 points ([P] §4.6)
    d_lr: float = 1e-4  # [C] train.sh; [P] §4.6 lr_d 1e-4
    beta_1: float = -1.0  # -1: 0.9 images ([C] TF defaults), 0.5 points ([P] §4.6)
    beta_2: float = 0.999  # TF Adam default; [P] §4.6
    adam_epsilon: float = 1e-8  # TF1 AdamOptimizer default
    lr_decay_every: int = 0  # 0: none ([P] §4 "does not adopt" it); [B]: ×0.5 every 100k steps
    lr_decay_floor: float = 2e-5  # [B] lr_lower_boundary
    # Generator weight average (models.gan.GAN): 0 off, as in [P], [C], [BP] and [B].
    ema_decay: float = 0.0

    def resolved(self, kind):
        """A copy with the data-dependent 0 / −1 defaults filled in for ``kind``."""
        index = 0 if kind == "images" else 1
        unset = {"latent_dim": 0, "gamma": 0.0, "lambda_k": 0.0, "g_lr": 0.0, "beta_1": -1.0}
        values = {name: DATA_DEFAULTS[name][index] for name, sentinel in unset.items()
                  if getattr(self, name) == sentinel}
        cfg = dataclasses.replace(self, **values)
        cfg.validate()
        return cfg

    def validate(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"--variant must be one of {VARIANTS}, got {self.variant!r}.")
        if self.k_from not in K_FROM:
            raise ValueError(f"--k_from must be one of {K_FROM}, got {self.k_from!r}.")
        if not 0.0 <= self.k_init <= 1.0:
            raise ValueError(f"--k_init must be in [0, 1], got {self.k_init!r}.")
        for name in ("gamma", "lambda_k", "g_lr", "d_lr", "adam_epsilon", "lr_decay_floor"):
            if not getattr(self, name) > 0:
                raise ValueError(f"--{name} must be > 0, got {getattr(self, name)!r}.")
        if self.alpha < 0:
            raise ValueError(f"--alpha must be >= 0, got {self.alpha!r}.")
        if self.lr_decay_every < 0:
            raise ValueError(f"--lr_decay_every must be >= 0, got {self.lr_decay_every!r}.")


@dataclasses.dataclass(frozen=True)
class BEGANCSConfig(BEGANConfig):
    alpha: float = 0.1  # [P] §4 and §4.6; [C] self.alpha = 0.1

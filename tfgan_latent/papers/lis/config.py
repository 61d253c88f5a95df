"""Config dataclasses of the LIS paper's models, with defaults from Jung 2017 and its code.

Learning-rate presets (research/lis.md §1.9): the paper's text and the authors' README
disagree; ``--lr_preset=paper`` uses the text, ``--lr_preset=code`` the README commands
(``--preset=authors_code`` selects the latter with the other code settings). Both are for
CelebA at 80 px (and any other data); where the paper trains other data at its own rate,
``DATA_LR_PRESETS`` takes over for that data set and resolution. ``--lr``, ``--lr_drop_step``
and ``--lr_after_drop`` override single values.
"""
import dataclasses

# (learning rate, batches before the drop (0: no drop), learning rate after the drop)
LR_PRESETS = {
    "glis": {
        "paper": (5e-4, 100_000, 1e-4),  # §3.3: 100k batches at 5e-4, then 1e-4 (CelebA 80)
        "code": (2e-5, 0, 2e-5),  # README G-LIS command: 300k batches at 2e-5
    },
    "r_iterative": {
        "paper": (5e-4, 100_000, 1e-4),  # §3.2: 100k at 5e-4, then 30k at 1e-4
        "code": (5e-5, 0, 5e-5),  # README R-iterative command: 300k at 5e-5
    },
    "r_separate": {
        # The paper gives no learning rate for R (§3.1 shows 2.5k batches); both
        # presets use the README's 5e-5 (2,500 iterations).
        "paper": (5e-5, 0, 5e-5),
        "code": (5e-5, 0, 5e-5),
    },
}


# G-LIS runs on other data (§3.3, Figs. 14-19; research/lis.md §1.9), keyed by (data set, image
# size); the README gives no other rate for them, so both presets use these. The paper's 102
# flowers (80 px: 500k @ 2e-5 + 100k @ 1e-5), 10k cats (64 px: 700k @ 2e-5) and LSUN churches
# (80 px: 500k @ 2e-5) are not data sets of this library.
DATA_LR_PRESETS = {
    "glis": {
        ("celeb_a", 160): (2e-5, 400_000, 1e-5),  # Fig. 14: 400k @ 2e-5, then 170k @ 1e-5
        ("cifar10", 32): (2e-5, 0, 2e-5),  # Fig. 19: 1M batches @ 2e-5
    },
}


@dataclasses.dataclass(frozen=True)
class LISOptimizerConfig:
    """RMSprop for every net (§3; code: alpha 0.9, eps 1e-6, PyTorch epsilon placement)."""

    lr_preset: str = "paper"  # "paper" (text) or "code" (README); see LR_PRESETS
    lr: float = 0.0  # 0: the preset's learning rate
    lr_drop_step: int = -1  # batches before the drop; -1: the preset's, 0: no drop
    lr_after_drop: float = 0.0  # 0: the preset's
    rho: float = 0.9  # code g_lis/main.py: RMSprop alpha=0.9
    epsilon: float = 1e-6  # code: eps=1e-6, added outside the sqrt (TorchRMSprop)

    def schedule(self, model, dataset=None, image_size=None):
        """(lr, drop step, lr after) with the preset filled in (``DATA_LR_PRESETS`` for the
        data set and size where the paper has one); validates the preset."""
        presets = LR_PRESETS[model]
        if self.lr_preset not in presets:
            raise ValueError(f"--lr_preset must be one of {sorted(presets)}, "
                             f"got {self.lr_preset!r}.")
        lr, drop, after = DATA_LR_PRESETS.get(model, {}).get(
            (dataset, image_size), presets[self.lr_preset])
        return (self.lr or lr, drop if self.lr_drop_step < 0 else self.lr_drop_step,
                self.lr_after_drop or after)


@dataclasses.dataclass(frozen=True)
class LISNetConfig(LISOptimizerConfig):
    """App. J nets (images) or their WN+TPReLU MLP counterparts (2-D toy data)."""

    latent_dim: int = 256  # §3: z ~ N(0, I), N_z = 256
    nfeature: int = 64  # App. J Table 1-2: D starts at 64 filters, G ends at 64
    nlayer: int = 0  # 0: the code's rule (halvings while size >= 8: 80 -> 4)
    # App. J Table 1: 4x4/2 transposed convs; "nearest": ×2 + 3x3 conv (not the paper's;
    # nets.wn_generator), for the CPU preset search on shapes
    g_upsampling: str = "transposed"
    # Not the paper's: CoordConv channels in G's stages and D's input (nets.wn_generator)
    coord_conv: bool = False
    # Not the paper's (§3 trains D and G at one rate): D's learning rates (before and after
    # the drop) are G's times this, for the CPU preset search
    d_lr_scale: float = 1.0
    # Not the paper's: ProGAN's minibatch-stddev map before D's score conv, in strided groups
    # of this size (nets.wn_discriminator); 0 off (App. J Table 2)
    mbstd_group_size: int = 0
    mlp_units: int = 128  # toy MLPs only (no paper value)
    mlp_layers: int = 3
    # Generator weight average (models.gan.GAN): 0 off, as in Jung 2017 and its code.
    ema_decay: float = 0.0


@dataclasses.dataclass(frozen=True)
class GLISConfig(LISNetConfig):
    lis_modules: int = 3  # code default --r_iterations 3; the paper compares 0, 1, 3
    lambda_r: float = 0.9  # §2.3, code --lambda_r
    early_stop: bool = True  # §2.3: random early stop in training
    lis_hidden: int = 0  # LIS module width; 0: N_z (App. J Table 1: "2x256 neurons")


@dataclasses.dataclass(frozen=True)
class RIterativeConfig(LISNetConfig):
    r_iterations: int = 3  # §3.2: N_R = 3
    lambda_r: float = 0.9  # §3.2
    r_nfeature: int = 32  # App. J Table 3: R starts at 32 filters
    r_dropout: float = 0.0  # no dropout stated for R-iterative


@dataclasses.dataclass(frozen=True)
class RSeparateConfig(LISOptimizerConfig):
    from_run: str = ""  # folder of the finished run whose generator R inverts (required)
    r_nfeature: int = 32  # App. J Table 3
    r_dropout: float = 0.1  # §3.1: "10% spatial dropout" (Fig. 8 uses none)
    r_mlp_units: int = 128  # toy data only
    r_mlp_layers: int = 3

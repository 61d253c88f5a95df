"""Config of the latent-dimension study's models (``--model=wgan_gp_resize``, ``--model=ae``).

Sources: the paper (ICLR 2020 submission "Impact of the latent space on the ability of GANs to
fit the distribution", ``shared/papers/004_*``) as ``research/latent_dim.md`` reconstructs its
garbled text: App. Table 1 nets (5×5 convs, nearest-neighbour resize in G, Glorot init), §5.1
WGAN-GP settings, Eq. 3 autoencoder.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class ResizeNetsConfig:
    latent_dim: int = 100  # swept (§5: 10 … 5000); 100 is one of the paper's values
    width: int = 128  # channels at the finest resolution (App. Table 1: 128 @64 px, 2048 @4)
    kernel_size: int = 5  # App.: every conv is 5×5
    leaky_slope: float = 0.2  # critic LReLU slope: not given (research §4.8: a port choice)
    dense_norm: str = "channel"  # G's first BN per channel after the reshape (a choice) | unit


@dataclasses.dataclass(frozen=True)
class ResizeWGANGPConfig(ResizeNetsConfig):
    latent_distribution: str = "normal"  # §4.2: the projection is derived from N(0, I)
    gp_weight: float = 10.0  # WGAN-GP λ (§2; Gulrajani et al. Alg. 1)
    d_steps: int = 5  # n_critic (§5.1)
    g_lr: float = 1e-4  # §5.1: Adam lr 1e-4, β1 = 0 ("β1 = 0." garbled), β2 = 0.9
    d_lr: float = 1e-4
    beta_1: float = 0.0
    beta_2: float = 0.9
    adam_epsilon: float = 1e-8  # TF1 Adam default
    # Generator weight average (models.gan.GAN): 0 off; the paper (§5.1) names none.
    ema_decay: float = 0.0


@dataclasses.dataclass(frozen=True)
class LatentAEConfig(ResizeNetsConfig):
    lr: float = 1e-3  # §5.1: Adam with default hyperparameters
    beta_1: float = 0.9
    beta_2: float = 0.999
    adam_epsilon: float = 1e-8

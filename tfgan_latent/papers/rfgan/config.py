"""Config of RFGAN's denoising autoencoder (``--model=dae``), defaults from the paper and code.

Decoder layouts, ``--dae_layout`` (research/rfgan.md §1.2-1.3, §4.8): ``paper`` = an encoder equal to D's trunk and a
decoder shaped like G (§3.1: "share the same architecture as" D and G), tanh output;
``authors_code`` = the released RFGAN.py decoder (1×1 conv entry to 4·width channels, deconvs,
linear output). Both put the authors' 1×1 bottleneck conv (8 channels) after the trunk, and
both take the representative feature from the trunk's last conv block (before the bottleneck).
"""
import dataclasses

DAE_LAYOUTS = ("paper", "authors_code")
NOISE_CHOICES = ("auto", "salt_pepper", "masking", "gaussian", "authors_sp_quirk", "none")


@dataclasses.dataclass(frozen=True)
class DAEConfig:
    dae_layout: str = "paper"  # paper | authors_code (decoder layout and init, module docstring)
    width: int = 64  # authors' `depth` = 64 = D's base width (carpedm20 df_dim 64)
    kernel_size: int = 5  # 5×5 convs in the authors' code and in carpedm20/DCGAN-tensorflow
    code_channels: int = 8  # authors' `patch_depth` n = 8: a 1×1 conv to 4×4×8 = 128-d code
    loss: str = "l1"  # authors' code: ae_loss = l1_loss(De, inputs) (mean |·|)
    noise: str = "auto"  # auto: salt_pepper for images, gaussian for 2-D points
    noise_amount: float = 0.25  # authors' noisy('s&p', img, 0.25)
    salt_vs_pepper: float = 0.5  # authors' s_vs_p = 0.5
    toy_noise_std: float = 0.1  # 2-D points, gaussian noise σ (research/rfgan.md §1.2: assumed)
    lr: float = 2e-4  # authors' code: Adam(learning_rate 2e-4, beta1 0.5)
    beta_1: float = 0.5
    beta_2: float = 0.999
    adam_epsilon: float = 1e-8  # TF1 Adam default (Keras: 1e-7)
    mlp_units: int = 128  # 2-D data: the GAN MLPs' width (registry GANConfig)
    mlp_layers: int = 3
    code_dim: int = 8  # 2-D data: size of the MLP code
    # The authors' TF1 code (parity/README.md, RFGAN; set by --preset=authors_code): its conv op
    # adds the bias twice (ops.py conv2d), its batch norm averages the unbiased batch variance.
    # The paper states neither; the defaults are a plain conv and Keras's biased variance.
    conv_bias_twice: bool = False
    bn_moving_variance: str = "biased"  # biased (Keras) | unbiased (TF1 contrib/tf_slim)

    def resolved_noise(self, kind):
        """(noise, amount) for data of ``kind`` ("images" or "points")."""
        if self.noise not in NOISE_CHOICES:
            raise ValueError(f"--noise must be one of {NOISE_CHOICES}, got {self.noise!r}.")
        if self.noise == "auto":
            return ("salt_pepper", self.noise_amount) if kind == "images" else (
                "gaussian", self.toy_noise_std)
        if self.noise == "gaussian" and kind == "points":
            return "gaussian", self.toy_noise_std
        return self.noise, self.noise_amount

"""Registers ``dae``: RFGAN's denoising autoencoder, pre-trained before ``--rf`` GAN runs."""
import keras

from tfgan_latent import data
from tfgan_latent.models.autoencoder import Autoencoder
from tfgan_latent.papers.rfgan import config as rfgan_config
from tfgan_latent.papers.rfgan import nets
from tfgan_latent.train import presets, registry


def build_dae(run_cfg, cfg):
    """The denoising AE of §3.1 for the run's data, compiled with the authors' Adam."""
    if cfg.dae_layout not in rfgan_config.DAE_LAYOUTS:
        raise ValueError(f"--dae_layout must be one of {rfgan_config.DAE_LAYOUTS}, "
                         f"got {cfg.dae_layout!r}.")
    if run_cfg.eval_every:
        raise ValueError("--eval_every does not apply to --model=dae (it scores generators); "
                         "its log shows the reconstruction loss.")
    kind = data.dataset_kind(run_cfg.dataset)
    if kind == "points":
        encoder = nets.dae_mlp_encoder(cfg.mlp_units, cfg.mlp_layers, cfg.code_dim)
        decoder = nets.dae_mlp_decoder(cfg.mlp_units, cfg.mlp_layers, cfg.code_dim)
    else:
        channels = data.dataset_channels(run_cfg.dataset)
        conventions = dict(conv_bias_twice=cfg.conv_bias_twice,
                           bn_moving_variance=cfg.bn_moving_variance)
        encoder = nets.dae_encoder(run_cfg.image_size, channels, cfg.width, cfg.kernel_size,
                                   cfg.code_channels, cfg.dae_layout, **conventions)
        decoder = nets.dae_decoder(run_cfg.image_size, channels, cfg.width, cfg.kernel_size,
                                   cfg.code_channels, cfg.dae_layout, **conventions)
    noise, amount = cfg.resolved_noise(kind)
    model = Autoencoder(encoder, decoder, loss=cfg.loss, noise=noise, noise_amount=amount,
                        salt_vs_pepper=cfg.salt_vs_pepper, feature_layer=nets.FEATURE_LAYER,
                        seed=run_cfg.seed, name="dae")
    model.compile(optimizer=keras.optimizers.Adam(cfg.lr, beta_1=cfg.beta_1, beta_2=cfg.beta_2,
                                                  epsilon=cfg.adam_epsilon),
                  steps_per_execution=run_cfg.execution_steps)
    return model


registry.register_model("dae", rfgan_config.DAEConfig, build_dae,
                        "denoising autoencoder whose encoder --rf GANs load (Bang & Shim 2018 §3.1)")

# The released RFGAN.py decoder (1x1 conv entry, deconvs, linear output, Xavier init), its conv
# op that adds the bias twice (ops.py conv2d) and TF1's unbiased moving variance (ops.py bn:
# contrib batch_norm); parity/rfgan.py's fixtures prove the match (tests/test_parity_rfgan.py).
presets.register_preset("dae", "authors_code", {
    "dae_layout": "authors_code", "conv_bias_twice": True, "bn_moving_variance": "unbiased",
    "noise": "authors_sp_quirk"},
    source="QuickSolverKyle/Tensorflow-MyGANs RFGAN.py, ops.py (research/rfgan.md §4.8; "
           "parity/README.md)")

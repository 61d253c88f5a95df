"""The latent-dimension study's nets (App. Table 1, as research/latent_dim.md §1.2 resolves it).

Generator: Dense → 4×4×(w·S/4) with BN + ReLU, then per ×2 stage a nearest-neighbour resize and
a 5×5 conv + BN + ReLU halving the channels down to w at S px, then a 5×5 conv to the image
channels with tanh (§5: resize-convolutions instead of transposed convolutions). At 64 px and
w = 128: 2048 @4, 1024 @8, 512 @16, 256 @32, 128 @64 (CelebA); at 32 px: 1024 @4 … 128 @32 (the
CIFAR variant "removed one of the up and down layers and started with 1024 feature maps").
BN after the Dense is per channel, after the reshape (research §4.8: a port choice).

Critic (and the AE's encoder, §6 "the same architecture"): per stage a stride-2 5×5 conv and a
stride-1 5×5 conv, LeakyReLU (slope not given: 0.2), channels 2w at S/2 doubling to w·S/4 at 4×4,
no normalisation (WGAN-GP), then Dense(outputs) linear: 1 for the critic, d for the encoder.
Glorot-uniform weights (Table 1 caption), zero biases.
"""
import math

import keras
from keras import layers

from tfgan_latent.layers.fused_batch_norm import FusedBatchNormalization

_SIZES = (16, 32, 64, 128)


def _stages(image_size):
    if image_size not in _SIZES:
        raise ValueError(f"`image_size` must be one of {_SIZES}, got {image_size!r}.")
    return int(math.log2(image_size)) - 2  # ×2 stages between 4×4 and the image


DENSE_NORMS = ("channel", "unit")


def resize_generator(latent_dim, image_size=64, channels=3, width=128, kernel_size=5,
                     dense_norm="channel", name="generator"):
    """z [B, d] → images [B, S, S, C] in (−1, 1).

    ``dense_norm``: BN of the Dense output per channel after the reshape (default) or per unit
    before it (the counts in research/latent_dim.md §1.2 assume this one).
    """
    if dense_norm not in DENSE_NORMS:
        raise ValueError(f"`dense_norm` must be one of {DENSE_NORMS}, got {dense_norm!r}.")
    n = _stages(image_size)
    top = width * 2 ** n
    x = z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(4 * 4 * top, name="dense")(x)
    if dense_norm == "unit":
        x = FusedBatchNormalization(name="dense_bn")(x)
    x = layers.Reshape((4, 4, top))(x)
    if dense_norm == "channel":
        x = FusedBatchNormalization(name="dense_bn")(x)
    x = layers.ReLU()(x)
    for i in range(n):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"resize{i}")(x)
        x = layers.Conv2D(top // 2 ** (i + 1), kernel_size, padding="same", name=f"conv{i}")(x)
        x = FusedBatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU()(x)
    out = layers.Conv2D(channels, kernel_size, padding="same", activation="tanh", name="output")(x)
    return keras.Model(z, out, name=name)


def resize_critic(image_size=64, channels=3, width=128, outputs=1, kernel_size=5,
                  leaky_slope=0.2, name="critic"):
    """Images [B, S, S, C] → [B, outputs] (linear): the WGAN-GP critic or the AE's encoder."""
    n = _stages(image_size)
    x = images = keras.Input((image_size, image_size, channels), name="images")
    for i in range(n):
        filters = 2 * width * 2 ** i
        x = layers.Conv2D(filters, kernel_size, strides=2, padding="same", name=f"sconv{i}")(x)
        x = layers.LeakyReLU(leaky_slope)(x)
        x = layers.Conv2D(filters, kernel_size, padding="same", name=f"conv{i}")(x)
        x = layers.LeakyReLU(leaky_slope)(x)
    x = layers.Flatten()(x)
    out = layers.Dense(outputs, name="output")(x)
    return keras.Model(images, out, name=name)

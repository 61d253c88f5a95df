"""BEGAN / BEGAN-CS networks: the autoencoder discriminator's encoder and decoder, the generator.

Images ([C] ``BEGAN_CS.py``; research/began_cs.md §1.5): 3×3 convs, SAME padding, ELU, Xavier
weights and zero biases (slim defaults), ``repeat = log2(size) − 2`` blocks so the bottleneck is
always 8×8 (4 at 64 px, 3 at 32 px, 2 at 16 px), linear code and linear image output (samples
are clipped to [−1, 1] only when shown, as in [C]).

* ``variant="began_cs"`` (the released BEGAN-CS nets): encoder conv n, then per block i
  (c = n(i+1)): conv c, conv c + n (c in the last block), and a stride-2 conv except in the
  last block; flatten, Dense(latent_dim). Decoder/G: Dense(8·8·n), then per block conv n,
  conv n and, before each ×2 nearest upsampling, a 1×1 conv to 2n; a final conv to the image
  channels. 64 px, n = 128, N_z = 64: D = 18,371,267 and G = 2,258,051 parameters.
* ``variant="began"`` (carpedm20/BEGAN-tensorflow, the reference BEGAN code): per encoder block
  conv c, conv c, stride-2 conv c; no 1×1 conv in the decoder/G. 64 px: D = 13,405,379,
  G = 1,716,611.

2-D points ([P] §4.6): "G and D are each 2-layer feed-forward networks, 128 units, ReLU",
weights U[−√(9/n), √(9/n)] (n: fan-in); read as G z→128→128→2, encoder 2→128→128→N_z and
decoder N_z→128→128→2, linear outputs (so Enc(G(z)) and z have one shape), zero biases (unstated).
"""
import math

import keras
from keras import layers

from tfgan_latent.models.autoencoder import AutoencoderDiscriminator
from tfgan_latent.papers.began_cs.config import VARIANTS

_SIZES = (16, 32, 64, 128)


def _repeat(image_size):
    if image_size not in _SIZES:
        raise ValueError(f"`image_size` must be one of {_SIZES} for the BEGAN nets, got "
                         f"{image_size!r}.")
    return int(math.log2(image_size)) - 2  # [B]/[C]: bottleneck at 8×8


def _conv(filters, kernel=3, strides=1, activation="elu", name=None):
    return layers.Conv2D(filters, kernel, strides, padding="same", activation=activation,
                         kernel_initializer="glorot_uniform", name=name)


def _input(shape, name):
    """A model input in the policy's variable dtype (float32; float64 under a float64 policy, so
    that a functional model does not cast float64 inputs down to the default float32)."""
    return keras.Input(shape, dtype=keras.config.dtype_policy().variable_dtype, name=name)


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"`variant` must be one of {VARIANTS}, got {variant!r}.")


def began_encoder(image_size, channels=3, width=128, latent_dim=64, variant="began_cs",
                  name="encoder"):
    """Images [B, S, S, C] → code [B, latent_dim] (linear)."""
    _check_variant(variant)
    repeat = _repeat(image_size)
    x = inputs = _input((image_size, image_size, channels), "images")
    x = _conv(width, name="conv0")(x)
    for i in range(repeat):
        c = width * (i + 1)
        last = i == repeat - 1
        c2 = c if (last or variant == "began") else c + width
        x = _conv(c, name=f"block{i}_conv1")(x)
        x = _conv(c2, name=f"block{i}_conv2")(x)
        if not last:
            x = _conv(c2, strides=2, name=f"block{i}_down")(x)
    x = layers.Flatten()(x)
    code = layers.Dense(latent_dim, kernel_initializer="glorot_uniform", name="code")(x)
    return keras.Model(inputs, code, name=name)


def began_decoder(latent_dim, image_size, channels=3, width=128, variant="began_cs",
                  name="decoder"):
    """z [B, latent_dim] → images [B, S, S, C] (linear); the generator has this shape too."""
    _check_variant(variant)
    repeat = _repeat(image_size)
    x = inputs = _input((latent_dim,), "z")
    x = layers.Dense(8 * 8 * width, kernel_initializer="glorot_uniform", name="dense")(x)
    x = layers.Reshape((8, 8, width))(x)
    for i in range(repeat):
        x = _conv(width, name=f"block{i}_conv1")(x)
        x = _conv(width, name=f"block{i}_conv2")(x)
        if i < repeat - 1:
            if variant == "began_cs":
                x = _conv(2 * width, kernel=1, name=f"block{i}_expand")(x)
            x = layers.UpSampling2D(2, interpolation="nearest", name=f"block{i}_up")(x)
    out = _conv(channels, activation=None, name="output")(x)
    return keras.Model(inputs, out, name=name)


def toy_initializer():
    """U[−√(9/fan_in), √(9/fan_in)] ([P] §4.6): variance 3/fan_in."""
    return keras.initializers.VarianceScaling(3.0, mode="fan_in", distribution="uniform")


def _mlp(input_dim, output_dim, units, hidden_layers, name, input_name):
    x = inputs = _input((input_dim,), input_name)
    for i in range(hidden_layers):
        x = layers.Dense(units, activation="relu", kernel_initializer=toy_initializer(),
                         name=f"dense{i}")(x)
    out = layers.Dense(output_dim, kernel_initializer=toy_initializer(), name="output")(x)
    return keras.Model(inputs, out, name=name)


def toy_generator(latent_dim=32, units=128, hidden_layers=2):
    return _mlp(latent_dim, 2, units, hidden_layers, "generator", "z")


def toy_encoder(latent_dim=32, units=128, hidden_layers=2):
    return _mlp(2, latent_dim, units, hidden_layers, "encoder", "points")


def toy_decoder(latent_dim=32, units=128, hidden_layers=2):
    return _mlp(latent_dim, 2, units, hidden_layers, "decoder", "z")


def build_nets(kind, cfg, image_size=64, channels=3):
    """(generator, AutoencoderDiscriminator) for ``kind`` ("images" or "points") and ``cfg``."""
    if kind == "points":
        args = (cfg.latent_dim, cfg.mlp_units, cfg.mlp_layers)
        return toy_generator(*args), AutoencoderDiscriminator(
            toy_encoder(*args), toy_decoder(*args), name="discriminator")
    generator = began_decoder(cfg.latent_dim, image_size, channels, cfg.width, cfg.variant,
                              name="generator")
    encoder = began_encoder(image_size, channels, cfg.width, cfg.latent_dim, cfg.variant)
    decoder = began_decoder(cfg.latent_dim, image_size, channels, cfg.width, cfg.variant)
    return generator, AutoencoderDiscriminator(encoder, decoder, name="discriminator")

"""Shared network builders: DCGAN conv nets for images, MLPs for 2-D data.

DCGAN nets follow Radford et al. 2016 §3 ("architecture guidelines"): strided
(transposed) convolutions, batch norm in G (and in D unless a gradient penalty is used,
Gulrajani et al. 2017 §4 "no critic batch normalization"), ReLU in G, LeakyReLU(0.2) in D,
tanh output, N(0, 0.02) weight init.
"""
import math

import keras
from keras import layers

from tfgan_latent.checks import positive_int, positive_ints
from tfgan_latent.layers.tf1_ops import Conv2DBiasTwice, ExactLeakyReLU
from tfgan_latent.layers.coord_channels import AddCoordChannels
from tfgan_latent.layers.fused_batch_norm import MOVING_VARIANCES, FusedBatchNormalization

_SIZES = (16, 32, 64, 128, 256)
NORMALIZATIONS = ("batch", "layer", "none")


def _check_image_size(image_size, owner):
    if image_size not in _SIZES:
        raise ValueError(
            f"`image_size` must be one of {_SIZES} for the {owner} nets, got {image_size!r}."
        )
    return int(math.log2(image_size)) - 2  # number of ×2 stages from 4×4


INITS = ("normal", "glorot")
UPSAMPLINGS = ("transposed", "nearest")


def initializer(kind, arg="weight_init"):
    """``normal``: N(0, 0.02) (Radford et al. 2016 §4); ``glorot``: Xavier uniform (TF1's
    ``xavier_initializer``, the RFGAN authors' 2018 code). ``arg`` names the setting in errors."""
    if kind == "normal":
        return keras.initializers.RandomNormal(0.0, 0.02)
    if kind == "glorot":
        return keras.initializers.GlorotUniform()
    raise ValueError(f"`{arg}` must be one of {INITS}, got {kind!r}.")



def output_dtype():
    """The dtype of a net's last layer: float32 under a mixed policy (outputs and losses stay
    float32), else the policy's own (float64 nets stay float64, e.g. the parity tests)."""
    compute = keras.config.dtype_policy().compute_dtype
    return "float32" if compute in ("float16", "bfloat16") else None


def conv_layer(bias_twice):
    """``Conv2D``, or ``Conv2DBiasTwice`` (the RFGAN authors' conv op adds its bias twice)."""
    return Conv2DBiasTwice if bias_twice else layers.Conv2D


def batch_norm(name, moving_variance="biased"):
    """The DCGAN nets' batch norm: momentum 0.9, ε 1e-5 (carpedm20/DCGAN-tensorflow ``ops.py``);
    ``moving_variance``: ``biased`` (Keras) or ``unbiased`` (TF1 contrib/tf_slim batch norm)."""
    if moving_variance not in MOVING_VARIANCES:
        raise ValueError(f"`bn_moving_variance` must be one of {MOVING_VARIANCES}, "
                         f"got {moving_variance!r}.")
    # Per-replica batch statistics under a strategy (Keras's synchronized=True hit a
    # collective-ordering error with MirroredStrategy on TF 2.21 CPU in our tests).
    # The fused training pass (tfgan_latent.layers.fused_batch_norm): same math and
    # variables as Keras's layer, one kernel instead of a dozen elementwise ops.
    return FusedBatchNormalization(momentum=0.9, epsilon=1e-5, moving_variance=moving_variance,
                                   name=name)


def _norm(kind, name, moving_variance="biased"):
    if kind == "batch":
        return batch_norm(name, moving_variance)
    if kind == "layer":
        return layers.LayerNormalization(name=name)
    return None


def dcgan_generator(latent_dim, image_size, channels=3, width=64, kernel_size=4,
                    output_activation="tanh", top_width=0, weight_init="normal", name="generator",
                    upsampling="transposed", coord_conv=False, bn_moving_variance="biased",
                    project_bias=False):
    """z [B, latent_dim] → images [B, S, S, channels] in (-1, 1).

    Dense to 4×4×(width·2^(n-1)), then n ConvT(``kernel_size``, stride 2) stages halving the
    width, the last one to ``channels`` with tanh (Radford et al. 2016, Fig. 1; 4×4 kernels as
    in dcgan.torch, 5×5 in the TF reference code carpedm20/DCGAN-tensorflow that RFGAN uses).
    ``output_activation=None``: a linear output (RFGAN's released autoencoder decoder).
    ``top_width``: channels of the 4×4 map (0: width·2^(n−1); the RFGAN authors' 64 px G uses
    1024 = 16·width); ``weight_init``: ``normal`` (N(0, 0.02)) or ``glorot``;
    ``bn_moving_variance``: ``biased`` (Keras) or ``unbiased`` (TF1 batch norm, the RFGAN
    authors' code; ``FusedBatchNormalization``); ``project_bias``: the dense projection has a
    bias (one per unit of the 4×4 map, so batch norm cancels only its per-channel mean), as in
    carpedm20/DCGAN-tensorflow's and the RFGAN authors' ``linear``.

    Not from the papers ported here (the demo's choice, experiments/results/demo/):
    ``upsampling="nearest"``: each stage is a nearest-neighbour ×2 upsampling and a 3×3
    convolution of stride 1 (odd, so that it stays centred on the upsampled grid;
    ``kernel_size`` is then unused) instead of the transposed convolution (Odena et al. 2016,
    "Deconvolution and checkerboard artifacts", Distill); ``coord_conv``: two coordinate
    channels (``AddCoordChannels``; CoordConv, Liu et al. 2018 §3) enter every stage.
    """
    for arg, v in (("latent_dim", latent_dim), ("channels", channels), ("width", width),
                   ("kernel_size", kernel_size)):
        positive_int(arg, v)
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"`upsampling` must be one of {UPSAMPLINGS}, got {upsampling!r}.")
    stages = _check_image_size(image_size, "DCGAN")
    init = initializer(weight_init)
    z = keras.Input((latent_dim,), name="z")
    top = top_width or width * 2 ** (stages - 1)
    x = layers.Dense(4 * 4 * top, use_bias=project_bias, kernel_initializer=init,
                     name="project")(z)
    x = layers.Reshape((4, 4, top))(x)
    x = _norm("batch", "project_bn", bn_moving_variance)(x)
    x = layers.ReLU()(x)

    def stage(x, filters, name, use_bias):
        if coord_conv:
            x = AddCoordChannels(name=f"{name}_coords")(x)
        if upsampling == "nearest":
            x = layers.UpSampling2D(2, name=f"{name}_up")(x)
            return layers.Conv2D(filters, 3, padding="same", use_bias=use_bias,
                                 kernel_initializer=init, name=name)(x)
        return layers.Conv2DTranspose(filters, kernel_size, strides=2, padding="same",
                                      use_bias=use_bias, kernel_initializer=init, name=name)(x)

    for i in range(stages - 1):
        x = stage(x, top // 2 ** (i + 1), f"deconv{i}", False)
        x = _norm("batch", f"deconv{i}_bn", bn_moving_variance)(x)
        x = layers.ReLU()(x)
    x = stage(x, channels, "to_image", True)
    out = layers.Activation(output_activation or "linear", dtype=output_dtype())(x)
    return keras.Model(z, out, name=name)


def dcgan_discriminator(image_size, channels=3, width=64, normalization="batch", kernel_size=4,
                        weight_init="normal", name="discriminator", coord_conv=False,
                        conv_bias_twice=False, bn_moving_variance="biased"):
    """images [B, S, S, C] → raw scores [B, 1] (logits; no sigmoid).

    Conv(``kernel_size``, stride 2) stages doubling the width down to 4×4, no norm on the
    first (Radford et al. 2016 §3), then a dense output. ``discriminator_trunk`` cuts the
    dense output off (RFGAN's "last conv block" features). ``coord_conv``: two coordinate
    channels (``AddCoordChannels``) appended to the images (CoordConv, Liu et al. 2018 §6).
    ``conv_bias_twice``: every conv adds its bias twice (``Conv2DBiasTwice``, the RFGAN
    authors' ``conv2d``); ``bn_moving_variance``: as in ``dcgan_generator``.
    """
    positive_int("channels", channels)
    positive_int("width", width)
    positive_int("kernel_size", kernel_size)
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"`normalization` must be one of {NORMALIZATIONS}, got {normalization!r}.")
    stages = _check_image_size(image_size, "DCGAN")
    init = initializer(weight_init)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = AddCoordChannels(name="coords")(x_in) if coord_conv else x_in
    for i in range(stages):
        x = conv_layer(conv_bias_twice)(
            width * 2**i, kernel_size, strides=2, padding="same", kernel_initializer=init,
            name=f"conv{i}",
        )(x)
        norm = _norm(normalization, f"conv{i}_norm", bn_moving_variance) if i > 0 else None
        if norm is not None:
            x = norm(x)
        x = ExactLeakyReLU(0.2, name=f"conv{i}_act")(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1, kernel_initializer=init, dtype=output_dtype(), name="score")(x)
    return keras.Model(x_in, out, name=name)


def mlp_generator(latent_dim, output_dim=2, hidden=(128, 128, 128), activation="relu", name="generator"):
    """z → points: Dense layers with ``activation``, linear output."""
    positive_int("latent_dim", latent_dim)
    positive_int("output_dim", output_dim)
    hidden = positive_ints("hidden", hidden)
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i, units in enumerate(hidden):
        x = layers.Dense(units, activation=activation, name=f"dense{i}")(x)
    out = layers.Dense(output_dim, name="points")(x)
    return keras.Model(z, out, name=name)


def mlp_discriminator(input_dim=2, hidden=(128, 128, 128), activation="leaky_relu", name="discriminator"):
    """points → raw scores [B, 1]."""
    positive_int("input_dim", input_dim)
    hidden = positive_ints("hidden", hidden)
    x_in = keras.Input((input_dim,), name="points")
    x = x_in
    for i, units in enumerate(hidden):
        x = layers.Dense(units, activation=activation, name=f"dense{i}")(x)
    out = layers.Dense(1, name="score")(x)
    return keras.Model(x_in, out, name=name)


def discriminator_trunk(discriminator, name=None):
    """The features ``discriminator`` feeds its final dense layer: a functional sub-model.

    For the DCGAN nets the last conv block's activation map ([B, 4, 4, C]), for the MLPs the
    last hidden layer: everything up to the final ``Dense`` and a ``Flatten`` before it
    (RFGAN §3.1, Fig. 1: h = vec(D_L(x))). The sub-model shares the discriminator's layers.
    """
    if not isinstance(discriminator, keras.Model) or not hasattr(discriminator, "inputs"):
        raise ValueError(f"`discriminator` must be a functional keras.Model, got "
                         f"{type(discriminator).__name__}.")
    stack = list(discriminator.layers)
    if not stack or not isinstance(stack[-1], layers.Dense):
        raise ValueError(f"discriminator {discriminator.name!r} does not end in a Dense layer; "
                         "pass its feature trunk yourself.")
    cut = -2
    if isinstance(stack[cut], layers.Flatten):
        cut -= 1
    if isinstance(stack[cut], layers.InputLayer):
        raise ValueError(f"discriminator {discriminator.name!r} has no layers before its output.")
    return keras.Model(discriminator.inputs, stack[cut].output,
                       name=name or f"{discriminator.name}_trunk")

"""The denoising autoencoder's nets: encoder = the discriminator's trunk + a 1×1 bottleneck,
decoder = generator-shaped (``paper``) or the released code's layout (``authors_code``).

Reference: Bang & Shim 2018, §3.1 (the AE's encoder and decoder "share the same architecture"
as D and G; the representative feature is the encoder's last conv layer, Fig. 1) and §4 (a
denoising AE, pre-trained on P_data and then fixed); the released ``models/RFGAN.py``
(``encoder``: 5×5/2 convs 64-128-256-512 with BN from the second, LeakyReLU 0.2, then a 1×1
conv to ``patch_depth`` = 8; ``decoder``: 1×1 conv to 256 + BN + ReLU, 5×5/2 deconvs
256-128-64 + BN + ReLU, a linear deconv to 3 channels; Xavier init), research/rfgan.md §1.2.

The encoder reuses ``nets.dcgan_discriminator`` (images) / ``nets.mlp_discriminator`` (2-D
points) so its last conv block has exactly the shape of the GAN discriminator's trunk with
the same width and kernel size, which the channel-wise RF merge needs (authors' code:
``tf.concat([D_conv4, E_conv4], axis=3)``).
"""
import math

import keras
from keras import layers

from tfgan_latent.models import nets

FEATURE_LAYER = "representative_feature"


def layout_init(layout):
    """The weight initializer of a DAE layout: N(0, 0.02) (paper, carpedm20) or Xavier (authors)."""
    return "glorot" if layout == "authors_code" else "normal"


def dae_encoder(image_size, channels, width=64, kernel_size=5, code_channels=8, layout="paper",
                conv_bias_twice=False, bn_moving_variance="biased"):
    """images → code [B, 4, 4, code_channels]; layer ``representative_feature`` = the trunk's
    last conv block (conv → BN → LeakyReLU(0.2), authors' ``en_conv4``).

    ``conv_bias_twice``: every conv adds its bias twice (the authors' ``conv2d`` op; it matters
    for ``en_conv1`` and the bottleneck ``en_conv5``, and for the moving means of the others);
    ``bn_moving_variance``: ``biased`` (Keras) or ``unbiased`` (the authors' TF1 batch norm).
    """
    init = layout_init(layout)
    trunk = nets.discriminator_trunk(nets.dcgan_discriminator(
        image_size, channels, width, "batch", kernel_size, init,
        conv_bias_twice=conv_bias_twice, bn_moving_variance=bn_moving_variance),
        name="encoder_trunk")
    x_in = keras.Input((image_size, image_size, channels), name="images")
    h = layers.Identity(name=FEATURE_LAYER)(trunk(x_in))
    code = nets.conv_layer(conv_bias_twice)(
        code_channels, 1, kernel_initializer=nets.initializer(init), name="bottleneck")(h)
    return keras.Model(x_in, code, name="encoder")


def dae_decoder(image_size, channels, width=64, kernel_size=5, code_channels=8, layout="paper",
                conv_bias_twice=False, bn_moving_variance="biased"):
    """code [B, 4, 4, code_channels] → images.

    ``paper``: flatten, then the DCGAN generator net (dense to 4×4, deconvs, tanh).
    ``authors_code``: 1×1 conv to width·2^(n−2) → BN → ReLU, n deconvs (each BN → ReLU but the
    last) halving the width down to ``width``, linear output (RFGAN.py ``decoder``).
    ``conv_bias_twice`` (the entry conv, ``authors_code``) and ``bn_moving_variance``: as in
    ``dae_encoder``.
    """
    code = keras.Input((4, 4, code_channels), name="code")
    if layout == "paper":
        g = nets.dcgan_generator(16 * code_channels, image_size, channels, width, kernel_size,
                                 weight_init=layout_init(layout), name="decoder_net",
                                 bn_moving_variance=bn_moving_variance)
        return keras.Model(code, g(layers.Flatten()(code)), name="decoder")
    if layout != "authors_code":
        raise ValueError(f"--dae_layout must be 'paper' or 'authors_code', got {layout!r}.")
    stages = int(math.log2(image_size)) - 2
    top = width * 2 ** max(stages - 2, 0)
    init = lambda: nets.initializer(layout_init(layout))
    x = nets.conv_layer(conv_bias_twice)(top, 1, kernel_initializer=init(), name="entry")(code)
    x = layers.ReLU()(nets.batch_norm("entry_bn", bn_moving_variance)(x))
    for i in range(stages - 1):
        x = layers.Conv2DTranspose(max(top // 2**i, width), kernel_size, strides=2, padding="same",
                                   kernel_initializer=init(), name=f"deconv{i}")(x)
        x = nets.batch_norm(f"deconv{i}_bn", bn_moving_variance)(x)
        x = layers.ReLU()(x)
    out = layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                                 kernel_initializer=init(), dtype=nets.output_dtype(), name="to_image")(x)
    return keras.Model(code, out, name="decoder")


def dae_mlp_encoder(units=128, layers_count=3, code_dim=8, input_dim=2):
    """points → code; ``representative_feature`` = the last hidden layer of D's MLP trunk."""
    trunk = nets.discriminator_trunk(nets.mlp_discriminator(
        input_dim, (units,) * layers_count), name="encoder_trunk")
    x_in = keras.Input((input_dim,), name="points")
    h = layers.Identity(name=FEATURE_LAYER)(trunk(x_in))
    return keras.Model(x_in, layers.Dense(code_dim, name="bottleneck")(h), name="encoder")


def dae_mlp_decoder(units=128, layers_count=3, code_dim=8, output_dim=2):
    """code → points: the generator MLP shape (ReLU hidden layers, linear output)."""
    return nets.mlp_generator(code_dim, output_dim, (units,) * layers_count, name="decoder")

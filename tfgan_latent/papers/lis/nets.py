"""App. J networks of Jung 2017: weight-normalized TPReLU generator, discriminator, reverser.

Hidden layers are strict weight norm ("WN": no scale, no bias) followed by a per-channel
TPReLU; the last layer of each net is "affine WN" (learned scale and bias). All convs are
4x4, stride 2, padding "same" (PyTorch padding 1 for even sizes). Depth follows the
authors' rule: ``nlayer`` = number of halvings of the image size while it is >= 8
(80 -> 4, 64 -> 4, 32 -> 3, 160 -> 5). Layer details: research/lis.md §1.8.

Image coding: the paper's G ends in a sigmoid and its D reads images in [0, 1]. The
library's images are in [-1, 1], so G maps its sigmoid output by ``2 s - 1`` and D's
first op maps back by ``(x + 1) / 2``. Both are fixed and parameter-free, so the nets
are the paper's up to this change of pixel coding. D returns logits; the sigmoid lives
in the loss (``BCE(sigmoid(l), y)``, the same function, computed stably).
"""
import keras
from keras import layers

from tfgan_latent.layers import TPReLU, WeightNormConv2D, WeightNormConv2DTranspose, WeightNormDense
from tfgan_latent.layers.coord_channels import AddCoordChannels
from tfgan_latent.layers.minibatch_stddev import MinibatchStddev
from tfgan_latent.models.nets import UPSAMPLINGS


def output_dtype():
    """dtype of the nets' last layers: float32 under float32 and mixed policies (outputs
    leave the net in float32), float64 under a float64 policy (parity tests)."""
    return "float64" if keras.config.dtype_policy().compute_dtype == "float64" else "float32"


def default_nlayer(image_size):
    """Halvings of ``image_size`` while it is >= 8 (authors' ``g_lis/main.py``)."""
    n, s = 0, image_size
    while s >= 8:
        s //= 2
        n += 1
    return n


def _geometry(image_size, nlayer, owner):
    if not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"{owner}: `image_size` must be an int >= 8, got {image_size!r}.")
    nlayer = nlayer or default_nlayer(image_size)
    if image_size % 2**nlayer:
        raise ValueError(
            f"{owner}: `image_size`={image_size} must be divisible by 2**nlayer={2**nlayer}."
        )
    return nlayer, image_size // 2**nlayer


def _strict(layer_cls, *args, **kwargs):
    return layer_cls(*args, scale=False, use_bias=False, **kwargs)


def wn_generator(latent_dim=256, image_size=80, channels=3, nfeature=64, nlayer=0, name="generator",
                 upsampling="transposed", coord_conv=False):
    """z [B, latent_dim] -> images [B, S, S, channels] in (-1, 1) (App. J Table 1 without LIS).

    WN dense ``latent_dim -> s0*s0*f`` (raw-kernel init factor 0.01), reshape, TPReLU per
    channel, then ``nlayer - 1`` WN 4x4/2 transposed convs halving the channels (each +
    TPReLU), an affine-WN transposed conv to ``channels`` and a sigmoid, where
    ``f = nfeature * 2**(nlayer - 1)`` and ``s0 = image_size / 2**nlayer``. 80x80:
    256 -> (5, 5, 512) -> 256 -> 128 -> 64 -> 3, 6,034,310 parameters.

    Not from the paper: ``upsampling="nearest"`` makes each of those stages a nearest ×2
    upsampling and a WN 3x3 conv of stride 1 (same widths, same WN / affine-WN, same
    TPReLU), as ``models.nets.dcgan_generator`` offers DCGAN (the demo's finding against
    transposed-conv specks on ``shapes``); the CPU preset search uses it. Also not from the
    paper: ``coord_conv=True`` appends two coordinate channels (``AddCoordChannels``;
    CoordConv, Liu et al. 2018 §3) to the input of every stage, as the DCGAN demo's nets do.

    Reference: Jung 2017, App. J Table 1; authors' ``common/model.py`` (generator).
    """
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"wn_generator: `upsampling` must be one of {UPSAMPLINGS}, "
                         f"got {upsampling!r}.")
    nlayer, s0 = _geometry(image_size, nlayer, "wn_generator")
    top = nfeature * 2 ** (nlayer - 1)

    def stage(x, filters, name, strict):
        make = _strict if strict else (lambda cls, *a, **k: cls(*a, **k))
        if coord_conv:
            x = AddCoordChannels(name=f"{name}_coords")(x)
        if upsampling == "nearest":
            x = layers.UpSampling2D(2, name=f"{name}_up")(x)
            return make(WeightNormConv2D, filters, 3, padding="same", name=name)(x)
        return make(WeightNormConv2DTranspose, filters, 4, strides=2, padding="same",
                    name=name)(x)

    z = keras.Input((latent_dim,), name="z")
    x = _strict(WeightNormDense, s0 * s0 * top, kernel_init_factor=0.01, name="project")(z)
    x = layers.Reshape((s0, s0, top))(x)
    x = TPReLU(name="project_act")(x)
    for i in range(1, nlayer):
        x = stage(x, top // 2**i, f"deconv{i}", strict=True)
        x = TPReLU(name=f"deconv{i}_act")(x)
    x = stage(x, channels, "to_image", strict=False)
    x = layers.Activation("sigmoid", dtype=output_dtype())(x)
    out = layers.Rescaling(2.0, offset=-1.0, name="to_pm1")(x)
    return keras.Model(z, out, name=name)


def _conv_encoder(x, widths, dropout, name):
    for i, width in enumerate(widths):
        x = _strict(WeightNormConv2D, width, 4, strides=2, padding="same", name=f"{name}conv{i}")(x)
        if dropout and i > 0:  # App. J Table 3 / code: after convs 2..n, before TPReLU
            x = layers.SpatialDropout2D(dropout, name=f"{name}dropout{i}")(x)
        x = TPReLU(name=f"{name}conv{i}_act")(x)
    return x


def wn_discriminator(image_size=80, channels=3, nfeature=64, nlayer=0, name="discriminator",
                     coord_conv=False, mbstd_group_size=0):
    """images [B, S, S, C] in [-1, 1] -> logits [B, 1] (App. J Table 2).

    ``nlayer`` WN 4x4/2 convs with ``nfeature * 2**i`` filters (each + TPReLU), then an
    affine-WN conv with one filter whose kernel covers the remaining ``s0 x s0`` map.
    80x80: 64, 128, 256, 512, then 5x5 -> 1; 2,770,306 parameters. Not from the paper:
    ``coord_conv=True`` appends two coordinate channels (``AddCoordChannels``; CoordConv,
    Liu et al. 2018 §6) to the [0, 1] image before the first conv. Also not from the paper:
    ``mbstd_group_size=G`` (> 0) appends ProGAN's minibatch standard deviation map
    (``MinibatchStddev``, strided groups of G, the plain statistic; Karras et al. 2018 §3)
    to the last conv's features, before the score conv: App. J's D sees one sample at a
    time, this gives it a statistic of the batch.

    Reference: Jung 2017, App. J Table 2; authors' ``common/model.py`` (discriminator).
    """
    nlayer, s0 = _geometry(image_size, nlayer, "wn_discriminator")
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = layers.Rescaling(0.5, offset=0.5, name="to_01")(x_in)
    if coord_conv:
        x = AddCoordChannels(name="coords")(x)
    x = _conv_encoder(x, [nfeature * 2**i for i in range(nlayer)], 0.0, "")
    if mbstd_group_size:
        x = MinibatchStddev(use_tau=False, group_size=mbstd_group_size, name="mbstd")(x)
    x = WeightNormConv2D(1, s0, padding="valid", name="score_conv")(x)
    out = layers.Reshape((1,), dtype=output_dtype(), name="score")(x)
    return keras.Model(x_in, out, name=name)


def wn_reverser(latent_dim=256, image_size=80, channels=3, nfeature=32, nlayer=0, dropout=0.0,
                name="reverser"):
    """images [B, S, S, C] in [-1, 1] -> z [B, latent_dim] (App. J Table 3).

    Like the discriminator with ``nfeature`` = 32 (the code builds R with half of D's 64),
    optional spatial dropout after convs 2..n, and a final affine-WN ``s0 x s0`` conv to
    ``latent_dim`` with no activation. 80x80: 2,329,536 parameters.

    Reference: Jung 2017, §2.1, App. J Table 3 ("10% spatial dropout" in §3.1); authors'
    ``common/model.py`` (reverser).
    """
    nlayer, s0 = _geometry(image_size, nlayer, "wn_reverser")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"`dropout` must be in [0, 1), got {dropout!r}.")
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = layers.Rescaling(0.5, offset=0.5, name="to_01")(x_in)
    x = _conv_encoder(x, [nfeature * 2**i for i in range(nlayer)], dropout, "")
    x = WeightNormConv2D(latent_dim, s0, padding="valid", name="latent_conv")(x)
    out = layers.Reshape((latent_dim,), dtype=output_dtype(), name="latent")(x)
    return keras.Model(x_in, out, name=name)


def wn_mlp(input_dim, output_dim, units=128, num_layers=3, first_init_factor=1.0, name="mlp"):
    """WN + TPReLU MLP for 2-D toy data: ``num_layers`` strict-WN dense layers, affine-WN output.

    The toy counterpart of the App. J nets (same layer types; no paper table exists
    for toy data). ``first_init_factor`` = 0.01 reproduces the generator's first dense.
    """
    x_in = keras.Input((input_dim,), name="inputs")
    x = x_in
    for i in range(num_layers):
        x = _strict(WeightNormDense, units, kernel_init_factor=first_init_factor if i == 0 else 1.0,
                    name=f"dense{i}")(x)
        x = TPReLU(name=f"dense{i}_act")(x)
    out = WeightNormDense(output_dim, dtype=output_dtype(), name="out")(x)
    return keras.Model(x_in, out, name=name)

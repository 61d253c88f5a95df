"""The five CNN models of the growing thesis: per-cycle architectures and their nets.

Every model ends at the bGAN architecture (Tables 2-3): G = g1 (z -> 4x4xW4, a bias-free
dense + per-channel bias), g2 (3x3 conv at 4x4), then per resolution s = 8..S an
upsample and two 3x3 convs, a 1x1 toRGB and tanh; D = 1x1 fromRGB, per resolution
s = S..8 two 3x3 convs (w -> w -> w(s/2)) and a 2x2 average pool, then at 4x4 the
minibatch-stddev map, a 3x3 conv (d3), a 4x4 valid conv (d2) and a dense (d1). Widths
are ``w(s) = top * 4 / s`` (thesis: top 256, S 128 -> 256, 128, ..., 8), LeakyReLU(0.2)
everywhere except G's tanh output and D's linear output (§6.2.8).

Per cycle k = 1..K (K = log2(S / 4) + 1; thesis K = 6) with ``z_k = latent_dim / 2^(K-k)``
and ``r_k = 4 * 2^(k-1)``:

* ``bgan``  (§6.2.1): the final architecture throughout (one cycle).
* ``bggan`` (§6.2.2): final architecture; g1 takes the first ``z_k`` latents.
* ``cggan`` (§6.2.3, Tables 4-5): every width clipped at ``z_k``: ``min(z_k, w(s))``.
* ``lggan`` (§6.2.4, Tables 6-9): layers grow: resolution ``r_k``, widths ``w(s)``.
* ``clggan`` (§6.2.5, Tables 10-15): layers and channels: resolution ``r_k``, widths
  ``w(s) * z_k / latent_dim`` (thesis: z_k at 4x4 halving to 8 at r_k).

Weights are He normal, untruncated (§6.2.8; growing.md A8), biases zero; ``weight_init=
"authors"`` draws them as the authors' ``ops.py`` does instead (``authors_kernel_initializer``).
The minibatch stddev runs over the whole minibatch (§6.2.6); ``group_size=4`` is the
authors' bGAN / lgGAN code (ProGAN's groups). The layers are
the β-faded ones of ``tfgan_latent.layers`` so a grown cycle can start exactly where the
previous one ended (β = 0) and fade its new channels in; at β = 1 they are plain layers.
"""
import dataclasses
import math

import keras
from keras import layers

from tfgan_latent.layers import (
    AlphaFade,
    BetaFadedConv2D,
    BetaFadedDense,
    BetaFadedLatentProjection,
    MinibatchStddev,
)

MODELS = ("bgan", "bggan", "cggan", "lggan", "clggan")
LAYER_GROWING = ("lggan", "clggan")  # models whose resolution grows (α-faded layers)
TAU_MODELS = ("cggan", "clggan")  # τ-smoothed minibatch stddev (§6.2.6; growing.md A12)
WEIGHT_INITS = ("he", "authors")
BETA_SCOPES = ("all", "authors")
# The authors' code computes the minibatch stddev over ProGAN's groups of 4 in these models
# (celebA/bGAN/code/ops.py:73-87 via model.py:154; lgGAN/code/ops.py:73-87 via
# model_exact_pro.py:195), over the whole minibatch in bgGAN / cgGAN / clgGAN; the thesis
# text over the minibatch (§6.2.6, Fig. 3).
AUTHORS_GROUP_SIZE = {"bgan": 4, "lggan": 4}


def authors_kernel_initializer(input_channels, input_size=None):
    """``N(0, 2 / (C·H·W))`` of the **input map** ``[H, W, C]`` (``input_size`` = H = W), as the
    authors' ``ops.py::conv2d`` draws a conv kernel (whatever its k x k; growing.md A8), or
    ``N(0, 2 / C)`` with ``input_size=None``: their ``conv4x4`` (g1, ``C`` = its output
    channels) and ``dense`` (``C`` = its inputs). Untruncated; biases stay zero."""
    fan = input_channels * (input_size or 1) ** 2
    return keras.initializers.RandomNormal(0.0, math.sqrt(2.0 / fan))


def _initializer(weight_init, input_channels, input_size=None):
    if weight_init not in WEIGHT_INITS:
        raise ValueError(f"`weight_init` must be one of {WEIGHT_INITS}, got {weight_init!r}.")
    if weight_init == "he":
        return None  # the β-faded layers' default: He normal, untruncated (§6.2.8)
    return authors_kernel_initializer(input_channels, input_size)


def output_dtype():
    """The dtype of the nets' last layer: float32 (the loss's precision) under a float32 or
    mixed policy, the policy's own under a float64 one (the parity tests run in float64)."""
    variable_dtype = keras.config.dtype_policy().variable_dtype
    return "float64" if variable_dtype == "float64" else "float32"


@dataclasses.dataclass(frozen=True)
class CycleArch:
    """One cycle's architecture: latent size, resolution and width per resolution."""

    model: str
    cycle: int  # 1-based
    latent_dim: int  # z_k fed to g1
    resolution: int  # resolution the nets run at
    widths: tuple  # ((s, w(s)) for s = 4, 8, ..., resolution)

    def width(self, s):
        return dict(self.widths)[s]

    @property
    def resolutions(self):
        return tuple(s for s, _ in self.widths)


def num_cycles(image_size):
    k = math.log2(image_size / 4)
    if image_size < 8 or k != int(k):
        raise ValueError(f"`image_size` must be 4 * 2^n with n >= 1 (8, 16, ..., 128), got {image_size!r}.")
    return int(k) + 1


def growth_plan(model, image_size=128, latent_dim=256, top=256, extra_cycles=0):
    """The ``CycleArch`` of every cycle of ``model`` (Tables 2-15).

    Args:
        model: one of ``MODELS``.
        image_size: final resolution S (thesis 128).
        latent_dim: final latent size (thesis 256).
        top: G's / D's width at 4x4 in the final architecture (thesis 256).
        extra_cycles: latent-only cycles beyond the resolution's count (bgGAN / cgGAN grown on
            past their first plan: z doubles once more at the same resolution; ``grow``).
    """
    if model not in MODELS:
        raise ValueError(f"`model` must be one of {MODELS}, got {model!r}.")
    if not isinstance(extra_cycles, int) or extra_cycles < 0 or (
            extra_cycles and model not in ("bggan", "cggan")):
        raise ValueError(f"`extra_cycles` must be 0, or an int >= 0 for bggan / cggan (their "
                         f"nets run at the final resolution), got {extra_cycles!r} for {model}.")
    cycles = num_cycles(image_size) + extra_cycles
    if top * 4 % image_size:
        raise ValueError(f"`top`={top} must make top * 4 / image_size an integer (image_size={image_size}).")
    if latent_dim % 2 ** (cycles - 1):
        raise ValueError(f"`latent_dim`={latent_dim} must be divisible by 2^(cycles-1)={2 ** (cycles - 1)}.")
    plan = []
    for k in range(1, (1 if model == "bgan" else cycles) + 1):
        z_k = latent_dim // 2 ** (cycles - k)
        res = 4 * 2 ** (k - 1) if model in LAYER_GROWING else image_size
        widths = []
        for i in range(int(math.log2(res // 4)) + 1):
            s = 4 * 2**i
            w = top * 4 // s
            if model == "cggan":
                w = min(z_k, w)
            elif model == "clggan":
                if (w * z_k) % latent_dim:
                    raise ValueError(f"clggan widths must be integers: top={top}, latent_dim={latent_dim}.")
                w = w * z_k // latent_dim
            widths.append((s, w))
        latent = latent_dim if model in ("bgan", "lggan") else z_k
        plan.append(CycleArch(model, k, latent, res, tuple(widths)))
    return plan


def proportion_warnings(plan):
    """Where a growth plan departs from the thesis's proportions (width at 4x4 = dim z = 256):
    a clgGAN whose first cycle is narrower at 4x4 than its z_1 (Table 10: 8 channels for
    z_1 = 8), or a cgGAN growth that adds no channels at 4x4 (Tables 6-9: every growth widens
    it to z_k). Both come from ``top != latent_dim``; returns one message per departure."""
    model, messages = plan[0].model, []
    latent_dim = plan[-1].latent_dim
    top = plan[-1].width(4)
    if model == "clggan" and plan[0].width(4) < plan[0].latent_dim:
        messages.append(
            f"clggan: the first cycle is {plan[0].width(4)} channels wide at 4x4, narrower than its "
            f"z_1 = {plan[0].latent_dim} (thesis Table 10: as wide as z_1), because --top={top} "
            f"is below --latent_dim={latent_dim}; set --top={latent_dim} to keep the proportions.")
    if model == "cggan":
        flat = [arch.cycle for prev, arch in zip(plan, plan[1:]) if arch.width(4) <= prev.width(4)]
        if flat:
            messages.append(
                f"cggan: the growth into cycle(s) {flat} adds no channels at 4x4 (widths "
                f"{[a.width(4) for a in plan]}; thesis Tables 6-9: every growth widens it to z_k), "
                f"because --top={top} is below --latent_dim={latent_dim}; set --top={latent_dim} "
                "to keep the proportions.")
    return messages


@keras.saving.register_keras_serializable(package="tfgan_latent")
class MaxLeakyReLU(layers.Layer):
    """``max(x, c * x)``: LeakyReLU as the authors' ``ops.py::lrelu`` computes it (§6.2.8, c = 0.2).

    Same values as ``keras.layers.LeakyReLU(c)`` (whose default c is 0.3); at ``x = 0``,
    where a new channel sits at β = 0, the gradient is 1 (the ``maximum``'s first
    branch) instead of c. It also keeps TF's grappler from fusing the activation into
    the preceding bias add, a fusion that fails under the gradient penalty's double
    backprop (a "remapper failed" error log with oneDNN on).
    """

    def __init__(self, negative_slope=0.2, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)
        if not 0.0 <= self.negative_slope <= 1.0:
            raise ValueError(f"`negative_slope` must be in [0, 1], got {negative_slope!r}.")

    def call(self, inputs):
        return keras.ops.maximum(inputs, self.negative_slope * inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


def _lrelu(name):
    return MaxLeakyReLU(0.2, name=name)  # §6.2.8: c = 0.2


def _grown(old, new):
    """``old`` if the size changed at this growth (so the layer fades it in), else None."""
    return old if old is not None and old != new else None


def _conv(filters, kernel, old_in, old_out, beta, name, padding="same", trailing=0, init=None,
          raw_from=None):
    return BetaFadedConv2D(filters, kernel, padding=padding, old_input_dim=old_in,
                           old_output_dim=old_out, old_trailing_inputs=trailing,
                           initial_beta=beta, kernel_initializer=init, raw_outputs_from=raw_from,
                           name=name)


def build_generator(arch, prev=None, name="generator", weight_init="he", beta_scope="all"):
    """G of cycle ``arch``; with ``prev`` (the previous cycle) it is the grown, fading G.

    ``weight_init``: ``"he"`` (§6.2.8) or ``"authors"`` (``authors_kernel_initializer``).
    ``beta_scope``: ``"all"`` (§6.2.7: every new weight is ×β) or ``"authors"`` (their
    clgGAN code: ``model.py`` builds the old toRGB with ``last=True``, so its outputs 1 and 2
    read the new input channels unscaled during the fade, growing.md A10; and ``ops.py::
    conv4x4`` slices g1's ``C`` biases at ``16·C // 2``, so g1's new biases are never ×β).

    With ``prev``, layers whose channels grew are β-faded (β starts at 0) and, for the
    layer-growing models, the new resolution's output is α-blended before tanh with the
    previous toRGB applied to the upsampled previous features (§6.2.7, code
    ``model.py``). Without ``prev``: the stable-phase net (β = 1, no blend).
    """
    if beta_scope not in BETA_SCOPES:
        raise ValueError(f"`beta_scope` must be one of {BETA_SCOPES}, got {beta_scope!r}.")
    beta = 0.0 if prev is not None else 1.0
    init = lambda channels, size=None: _initializer(weight_init, channels, size)

    def old(s):
        return prev.width(s) if prev is not None and s in prev.resolutions else None

    z = keras.Input((arch.latent_dim,), dtype=output_dtype(), name="z")
    w4 = arch.width(4)
    x = BetaFadedLatentProjection(
        w4, 4, old_input_dim=_grown(prev and prev.latent_dim, arch.latent_dim),
        old_output_dim=_grown(old(4), w4), initial_beta=beta, raw_bias=beta_scope == "authors",
        kernel_initializer=init(w4), name="g1")(z)  # code conv4x4: N(0, 2 / C_out)
    x = _lrelu("g1_act")(x)
    x = _conv(w4, 3, _grown(old(4), w4), _grown(old(4), w4), beta, "g2", init=init(w4, 4))(x)
    h = _lrelu("g2_act")(x)
    h_prev = h
    for s in arch.resolutions[1:]:
        w_in, w = arch.width(s // 2), arch.width(s)
        is_old = old(s) is not None
        h_prev = h
        h = layers.UpSampling2D(2, interpolation="nearest", name=f"up{s}")(h)
        h = _conv(w, 3, _grown(old(s // 2), w_in) if is_old else None,
                  _grown(old(s), w) if is_old else None, beta, f"conv{s}a", init=init(w_in, s))(h)
        h = _lrelu(f"conv{s}a_act")(h)
        h = _conv(w, 3, _grown(old(s), w) if is_old else None,
                  _grown(old(s), w) if is_old else None, beta, f"conv{s}b", init=init(w, s))(h)
        h = _lrelu(f"conv{s}b_act")(h)
    res = arch.resolution
    rgb = _conv(3, 1, _grown(old(res), arch.width(res)), None, beta, "to_rgb",
                init=init(arch.width(res), res))(h)
    if prev is not None and res > prev.resolution:  # α fade of the new resolution
        p = prev.resolution
        up = layers.UpSampling2D(2, interpolation="nearest", name="up_old")(h_prev)
        old_rgb = _conv(3, 1, _grown(prev.width(p), arch.width(p)), None, beta, "to_rgb_old",
                        init=init(arch.width(p), res),
                        raw_from=3 // 2 if beta_scope == "authors" else None)(up)
        rgb = AlphaFade(name="fade")([old_rgb, rgb])
    out = layers.Activation("tanh", dtype=output_dtype(), name="images")(rgb)
    return keras.Model(z, out, name=name)


def build_discriminator(arch, prev=None, name="discriminator", tau=None, weight_init="he",
                        group_size=None):
    """D of cycle ``arch``; with ``prev`` the grown, fading D (β, α, τ start at 0).

    ``tau``: use the τ-smoothed minibatch stddev; default ``arch.model in TAU_MODELS``
    (clgGAN, and cgGAN per §6.2.6; ``tau=False`` for cgGAN is the authors' cgGAN
    ``main.py``, ``useTau = n.n.n.n.n.n``, growing.md A12). ``weight_init``: ``"he"`` or
    ``"authors"``. ``group_size``: ``None`` (the whole minibatch, §6.2.6) or ProGAN's
    group size (``AUTHORS_GROUP_SIZE``: the authors' bGAN / lgGAN use 4).
    """
    beta = 0.0 if prev is not None else 1.0
    init = lambda channels, size=None: _initializer(weight_init, channels, size)

    def old(s):
        return prev.width(s) if prev is not None and s in prev.resolutions else None

    res = arch.resolution
    x_in = keras.Input((res, res, 3), dtype=output_dtype(), name="images")
    w = arch.width(res)
    new_layer = prev is not None and res > prev.resolution
    h = _conv(w, 1, None, None if new_layer else _grown(old(res), w), beta, "from_rgb",
              init=init(3, res))(x_in)
    h = _lrelu("from_rgb_act")(h)
    for s in reversed(arch.resolutions[1:]):
        w, w_out = arch.width(s), arch.width(s // 2)
        is_old = old(s) is not None
        h = _conv(w, 3, _grown(old(s), w) if is_old else None,
                  _grown(old(s), w) if is_old else None, beta, f"conv{s}a", init=init(w, s))(h)
        h = _lrelu(f"conv{s}a_act")(h)
        h = _conv(w_out, 3, _grown(old(s), w) if is_old else None,
                  _grown(old(s // 2), w_out) if is_old else None, beta, f"conv{s}b",
                  init=init(w, s))(h)
        h = _lrelu(f"conv{s}b_act")(h)
        h = layers.AveragePooling2D(2, name=f"down{s}")(h)
        if new_layer and s == res:  # α fade: old fromRGB on the pooled input
            p = prev.resolution
            pooled = layers.AveragePooling2D(2, name="down_input")(x_in)
            old_h = _conv(arch.width(p), 1, None, _grown(prev.width(p), arch.width(p)), beta,
                          "from_rgb_old", init=init(3, p))(pooled)
            old_h = _lrelu("from_rgb_old_act")(old_h)
            h = AlphaFade(name="fade")([old_h, h])
    w4 = arch.width(4)
    grown4 = _grown(old(4), w4)
    # τ fades the statistic over D's grown 4x4 channels; where they did not grow (cgGAN
    # once the clip at `top` is reached) the plain statistic is kept.
    tau = arch.model in TAU_MODELS if tau is None else bool(tau)
    use_tau = tau and (prev is None or grown4 is not None)
    h = MinibatchStddev(use_tau=use_tau, initial_tau=0.0 if prev is not None else 0.5,
                        old_channels=grown4 if use_tau else None, group_size=group_size,
                        name="minibatch_stddev")(h)
    h = _conv(w4, 3, grown4, grown4, beta, "d3", trailing=1 if grown4 else 0,
              init=init(w4 + 1, 4))(h)
    h = _lrelu("d3_act")(h)
    h = _conv(w4, 4, grown4, grown4, beta, "d2", padding="valid", init=init(w4, 4))(h)
    h = _lrelu("d2_act")(h)
    h = layers.Flatten(name="flatten")(h)
    out = BetaFadedDense(1, old_input_dim=grown4, initial_beta=beta, dtype=output_dtype(),
                         kernel_initializer=init(w4), name="d1")(h)
    return keras.Model(x_in, out, name=name)


def transfer_weights(new_model, old_model):
    """Copies ``old_model``'s weights into the grown ``new_model`` (§6.2.7; code ``subGAN.load``).

    Layers with the same name take the old weights in their leading block
    (``grow_from``: new entries freshly drawn, faded by β). For the layer-growing
    models the fade-only ``to_rgb_old`` / ``from_rgb_old`` take the previous
    ``to_rgb`` / ``from_rgb``, and the new resolution's layers keep their fresh draws.
    """
    old_layers = {layer.name: layer for layer in old_model.layers}
    fading = any(layer.name in ("to_rgb_old", "from_rgb_old") for layer in new_model.layers)
    for layer in new_model.layers:
        if not hasattr(layer, "grow_from"):
            continue
        source = layer.name
        if fading:
            if source in ("to_rgb", "from_rgb"):
                continue  # a new layer at the new resolution
            source = {"to_rgb_old": "to_rgb", "from_rgb_old": "from_rgb"}.get(source, source)
        if source in old_layers:
            layer.grow_from(old_layers[source])

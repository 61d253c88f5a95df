"""Names and layouts of the LIS authors' PyTorch checkpoints next to our variables.

The authors' code (aleju/gan-error-avoidance, ``common/model.py``) saves each net's
``state_dict`` (``g_lis/main.py`` ``save_state``: ``<prefix>_gen.pt``, ``<prefix>_dis.pt``;
R-iterative and ``train_r.py`` also ``<prefix>_r.pt``). This module maps those names to the
variables of our nets (``papers/lis/nets.py``) and converts the layouts both ways, with numpy
only (``tfgan-latent import`` and the parity tests use it; neither needs torch):

* WN ``Linear`` weight ``(out, in)`` -> our kernel ``(in, out)`` (transpose);
* G's first ``Linear`` (``initial_linear.0`` / ``initial.linear``): its outputs are viewed as
  ``(C, H, W)`` (NCHW, ``View(f, h, w)``), ours are reshaped to ``(H, W, C)``: the output
  units are permuted, then transposed;
* ``Conv2d`` weight ``(out, in, kh, kw)`` -> ``(kh, kw, in, out)``; ``ConvTranspose2d``
  weight ``(in, out, kh, kw)`` -> ``(kh, kw, out, in)`` (the same axis transpose; no spatial
  flip: both frameworks' transposed convolutions are the gradient of their convolution);
* affine WN ``scale`` / ``bias`` ``(1, C, 1, 1)`` -> our ``g`` / ``bias`` ``(C,)``;
* TPReLU ``weight`` (slope) -> ``alpha``, ``bias`` (threshold) -> ``threshold``.

Module names (``common/model.py``): G-LIS's ``GeneratorLearnedInputSpace`` has
``lis_layers.<i>.lis.<i>-1.linear``, ``...-1.act``, ``...-2.linear``, ``initial_linear.{0,2}``
and ``conv_layers.<j>``; the plain ``build_generator`` (R-iterative) has ``initial.linear``,
``initial.tprelu``, ``level.<L>.conv`` / ``.tprelu`` (``L`` counting down to the image
layer ``level.0``); ``build_discriminator`` and ``build_reverser`` have ``level.<i>.conv``,
``level.<i>.tprelu`` and ``final.conv``.
"""
import dataclasses
import re

import numpy as np

# roles: the authors' checkpoint files (``<prefix>_<role>.pt``)
ROLES = ("gen", "dis", "r")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One of the authors' tensors: our variable, the layout kind, the (H, W, C) of a projection."""

    variable: object
    kind: str  # linear | project | conv | vector
    grid: tuple = ()


def to_ours(entry, array):
    """The authors' array in our variable's layout."""
    a = np.asarray(array)
    if entry.kind == "linear":
        return a.T
    if entry.kind == "project":
        h, w, c = entry.grid
        return a.reshape(c, h, w, -1).transpose(3, 1, 2, 0).reshape(a.shape[1], h * w * c)
    if entry.kind == "conv":
        return a.transpose(2, 3, 1, 0)
    return a.reshape(-1)


def to_theirs(entry, array, their_shape):
    """Our array in the authors' layout (``their_shape``: the tensor's shape in their net)."""
    a = np.asarray(array)
    if entry.kind == "linear":
        return a.T
    if entry.kind == "project":
        h, w, c = entry.grid
        return a.reshape(-1, h, w, c).transpose(3, 1, 2, 0).reshape(h * w * c, a.shape[0])
    if entry.kind == "conv":
        return a.transpose(3, 2, 0, 1)
    return a.reshape(their_shape)


def their_shape(entry):
    """The shape the authors' tensor has for our variable."""
    shape = tuple(entry.variable.shape)
    if entry.kind in ("linear", "project"):
        return shape[::-1]
    if entry.kind == "conv":
        return (shape[3], shape[2], shape[0], shape[1])
    return None  # vectors: (C,), (1, C) or (1, C, 1, 1) depending on the layer


def _layers(model, pattern):
    """``[(index, layer)]`` of a functional model's layers whose name matches ``pattern``."""
    found = []
    for layer in model.layers:
        match = re.fullmatch(pattern, layer.name)
        if match:
            found.append((int(match.group(1)), layer))
    return sorted(found, key=lambda t: t[0])


def _affine(prefix, layer):
    return {f"{prefix}.weight": Entry(layer.kernel, "conv"),
            f"{prefix}.scale": Entry(layer.g, "vector"),
            f"{prefix}.bias": Entry(layer.bias, "vector")}


def _tprelu(prefix, layer):
    return {f"{prefix}.weight": Entry(layer.alpha, "vector"),
            f"{prefix}.bias": Entry(layer.threshold, "vector")}


def _check_image_net(model, what):
    if not any(layer.name == "project" or layer.name.startswith("conv") for layer in model.layers):
        raise ValueError(f"the authors' code has no {what} for 2-D point data (their nets are "
                         "the App. J image nets); import needs an image run.")


def generator_entries(generator, lis_chain=None):
    """``{their name: Entry}`` of a generator: ``GeneratorLearnedInputSpace``'s names when
    ``lis_chain`` is given (G-LIS, any N including 0), else ``build_generator``'s."""
    _check_image_net(generator, "generator")
    project = generator.get_layer("project")
    reshape = [layer for layer in generator.layers if layer.name.startswith("reshape")][0]
    grid = tuple(reshape.target_shape)
    deconvs = _layers(generator, r"deconv(\d+)")
    nlayer = len(deconvs) + 1
    out = {}
    if lis_chain is not None:
        for i, module in enumerate(lis_chain.lis_modules):
            base = f"lis_layers.{i}.lis.{i}"
            out[f"{base}-1.linear.weight"] = Entry(module.dense_1.kernel, "linear")
            out.update(_tprelu(f"{base}-1.act", module.tprelu))
            out[f"{base}-2.linear.weight"] = Entry(module.dense_2.kernel, "linear")
        out["initial_linear.0.weight"] = Entry(project.kernel, "project", grid)
        out.update(_tprelu("initial_linear.2", generator.get_layer("project_act")))
        for j, (i, layer) in enumerate(deconvs):
            out[f"conv_layers.{2 * j}.weight"] = Entry(layer.kernel, "conv")
            out.update(_tprelu(f"conv_layers.{2 * j + 1}", generator.get_layer(f"deconv{i}_act")))
        out.update(_affine(f"conv_layers.{2 * len(deconvs)}", generator.get_layer("to_image")))
        return out
    out["initial.linear.weight"] = Entry(project.kernel, "project", grid)
    out.update(_tprelu("initial.tprelu", generator.get_layer("project_act")))
    for i, layer in deconvs:  # our deconv1 is their level nlayer-1
        level = nlayer - i
        out[f"level.{level}.conv.weight"] = Entry(layer.kernel, "conv")
        out.update(_tprelu(f"level.{level}.tprelu", generator.get_layer(f"deconv{i}_act")))
    out.update(_affine("level.0.conv", generator.get_layer("to_image")))
    return out


def encoder_entries(net, final):
    """``{their name: Entry}`` of ``build_discriminator`` (``final="score_conv"``) or
    ``build_reverser`` (``final="latent_conv"``)."""
    _check_image_net(net, "discriminator or reverser")
    out = {}
    for i, layer in _layers(net, r"conv(\d+)"):
        out[f"level.{i}.conv.weight"] = Entry(layer.kernel, "conv")
        out.update(_tprelu(f"level.{i}.tprelu", net.get_layer(f"conv{i}_act")))
    out.update(_affine("final.conv", net.get_layer(final)))
    return out


def model_entries(model):
    """``{role: {their name: Entry}}`` of our G-LIS, R-iterative or R-separate model (roles:
    the authors' ``<prefix>_gen.pt``, ``_dis.pt``, ``_r.pt``)."""
    from tfgan_latent.papers.lis.models import LISGenerator  # late: models imports keras nets

    gen = model.generator
    if isinstance(gen, LISGenerator):
        roles = {"gen": generator_entries(gen.generator, gen.lis_chain)}
    else:
        roles = {"gen": generator_entries(gen)}
    roles["dis"] = encoder_entries(model.discriminator, "score_conv")
    if getattr(model, "reverser", None) is not None:
        roles["r"] = encoder_entries(model.reverser, "latent_conv")
    return roles

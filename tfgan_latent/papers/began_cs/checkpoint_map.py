"""Names of the BEGAN-CS authors' TF1 checkpoints next to our variables.

Reference: Chang et al. 2018 §3, Fig. 1 (the generator and autoencoder discriminator mapped here).

The authors' code (chang810249/BEGAN-CS @a4ff342, ``BEGAN_CS.py``) builds its nets with
``tf.contrib.slim`` and saves every global variable with a ``tf.train.Saver`` (``save``:
``<checkpoint_dir>/BEGAN_CS_celebA_<batch>_<z_dim>/BEGAN_CS/BEGAN_CS.model-<counter>``). Slim
names each layer ``Conv``, ``Conv_1``, ... and ``fully_connected`` inside the scopes
``generator/g_block_<i>``, ``discriminator/d_encoder/D_enc_<i>`` and
``discriminator/d_decoder/D_dec_<i>``. The layouts need no conversion: slim's conv kernel is
``(kh, kw, in, out)`` and its dense kernel ``(in, out)``, as Keras's; their reshapes
(``[-1, 8, 8, n]`` after the dense layers, ``[-1, 8·8·c]`` before the code) are row-major over
NHWC, as ``keras.layers.Reshape`` / ``Flatten``. The parity fixtures
(``tests/fixtures/parity/began_cs/``) prove the map: the authors' graph and ours agree to
≤ 1e-10 on every forward output and to ≤ 1e-8 after training steps in float64.

Our names (``our_path``): ``generator/<layer>/<kernel|bias>``, ``encoder/...``, ``decoder/...``
(the layers of ``papers/began_cs/nets.py``) and ``k``. Besides the nets and k their
checkpoints hold each optimizer's Adam slots (``<variable>/Adam``: m, ``<variable>/Adam_1``:
v), its ``beta1_power`` / ``beta2_power`` (β^t; the D optimizer's are created first, the G
optimizer's get ``_1``) and the learning rates ``d_lr`` / ``g_lr`` (``optimizer_name``).
"""
import dataclasses
import re

import numpy as np

_BLOCK_CONVS = {"": "conv1", "_1": "conv2"}  # then _2: expand (G/Dec) or down (Enc)
_KIND = {"weights": "kernel", "biases": "bias"}
K_NAME = "Variable"  # their k = tf.Variable(0., trainable=False): the graph's first unnamed Variable
_RULES = (
    (r"generator/fully_connected", lambda m: "generator/dense"),
    (r"generator/g_block_(\d+)/Conv(_1|_2)?", lambda m: f"generator/block{m[1]}_" + _conv(m[2], "expand")),
    (r"generator/Conv", lambda m: "generator/output"),
    (r"discriminator/d_encoder/Conv", lambda m: "encoder/conv0"),
    (r"discriminator/d_encoder/D_enc_(\d+)/Conv(_1|_2)?",
     lambda m: f"encoder/block{m[1]}_" + _conv(m[2], "down")),
    (r"discriminator/fully_connected", lambda m: "encoder/code"),
    (r"discriminator/d_decoder/fully_connected", lambda m: "decoder/dense"),
    (r"discriminator/d_decoder/D_dec_(\d+)/Conv(_1|_2)?",
     lambda m: f"decoder/block{m[1]}_" + _conv(m[2], "expand")),
    (r"discriminator/Conv", lambda m: "decoder/output"),
)
OPTIMIZERS = {"discriminator": ("d_lr", "beta1_power", "beta2_power"),
              "generator": ("g_lr", "beta1_power_1", "beta2_power_1")}


def _conv(suffix, third):
    return _BLOCK_CONVS.get(suffix or "", third)


def our_path(their_name):
    """Our variable path of one of their net variables or k; None for anything else."""
    if their_name == K_NAME:
        return "k"
    layer, _, kind = their_name.rpartition("/")
    if kind not in _KIND:
        return None
    for pattern, name in _RULES:
        match = re.fullmatch(pattern, layer)
        if match:
            return f"{name(match)}/{_KIND[kind]}"
    return None


def their_name(path):
    """The inverse of ``our_path`` (their name of our variable path)."""
    if path == "k":
        return K_NAME
    net, layer, kind = path.split("/")
    kind = {v: k for k, v in _KIND.items()}[kind]
    fixed = {("generator", "dense"): "generator/fully_connected",
             ("generator", "output"): "generator/Conv",
             ("encoder", "conv0"): "discriminator/d_encoder/Conv",
             ("encoder", "code"): "discriminator/fully_connected",
             ("decoder", "dense"): "discriminator/d_decoder/fully_connected",
             ("decoder", "output"): "discriminator/Conv"}
    if (net, layer) in fixed:
        return f"{fixed[net, layer]}/{kind}"
    match = re.fullmatch(r"block(\d+)_(conv1|conv2|expand|down)", layer)
    if not match:
        raise ValueError(f"{path!r} is not a BEGAN-CS variable path.")
    scope = {"generator": "generator/g_block_", "encoder": "discriminator/d_encoder/D_enc_",
             "decoder": "discriminator/d_decoder/D_dec_"}[net]
    conv = {"conv1": "Conv", "conv2": "Conv_1"}.get(match[2], "Conv_2")
    return f"{scope}{match[1]}/{conv}/{kind}"


def optimizer_name(their_name):
    """``(net, slot)`` of one of their optimizer variables: slot ``"m"``/``"v"`` with ``net`` the
    variable's path, or ``"lr"``/``"beta1_power"``/``"beta2_power"`` with ``net`` the optimizer's
    ("discriminator" or "generator"); None for anything else."""
    for net, names in OPTIMIZERS.items():
        for slot, name in zip(("lr", "beta1_power", "beta2_power"), names):
            if their_name == name:
                return net, slot
    base, _, slot = their_name.rpartition("/")
    if slot in ("Adam", "Adam_1") and our_path(base) not in (None, "k"):
        return our_path(base), "m" if slot == "Adam" else "v"
    return None


def model_variables(model):
    """``{our path: variable}`` of a BEGAN model's nets and k (image nets only)."""
    nets = {"generator": model.generator, "encoder": model.discriminator.encoder,
            "decoder": model.discriminator.decoder}
    if len(model.generator.outputs[0].shape) != 4:
        raise ValueError("the authors' BEGAN-CS code has only the image nets (64 px CelebA); "
                         "a 2-D point model has no checkpoint of theirs to import.")
    out = {}
    for net_name, net in nets.items():
        for layer in net.layers:
            for weight in layer.weights:
                out[f"{net_name}/{layer.name}/{weight.name}"] = weight
    out["k"] = model.k
    return out


def checkpoint_entries(model):
    """``{their name: our variable}`` of a BEGAN model: what their checkpoint must hold."""
    return {their_name(path): var for path, var in model_variables(model).items()}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One of their tensors for ``train.importer``: our variable (a weight, k, an Adam slot or
    an optimizer's ``iterations``), and for β1^t the β1 that gives the step count."""

    variable: object
    path: str = ""
    optimizer: str = ""
    beta: float = 0.0


def import_entries(model):
    """``{"": {their name: Entry}}`` for ``train.importer`` (one TF1 checkpoint): the nets, k,
    and both optimizers' Adam slots and steps (resume continues their run exactly)."""
    entries = {name: Entry(var, our_path(name)) for name, var in checkpoint_entries(model).items()}
    for net, optimizer, variables in (
            ("discriminator", model.d_optimizer, model.discriminator_variables),
            ("generator", model.g_optimizer, model.generator_variables)):
        mine = {id(v) for v in variables}
        for name, entry in list(entries.items()):
            if id(entry.variable) in mine:
                index = optimizer._get_variable_index(entry.variable)
                entries[f"{name}/Adam"] = Entry(optimizer._momentums[index], entry.path, net)
                entries[f"{name}/Adam_1"] = Entry(optimizer._velocities[index], entry.path, net)
        entries[OPTIMIZERS[net][1]] = Entry(optimizer.iterations, f"{net} Adam step", net,
                                            float(optimizer.beta_1))
    return {"": entries}


def to_ours(entry, array):
    """Their array in our layout: the same (slim's and Keras's layouts agree); β1^(t+1) → t."""
    if entry.beta:
        from tfgan_latent.train.importer import adam_steps

        return np.asarray(adam_steps(array, entry.beta), np.int64)
    return np.asarray(array)


def is_ignored(their_name, model=None):
    """Their learning rates (ours come from the flags) and β2^t (implied by β1^t's step)."""
    return their_name in {n for names in OPTIMIZERS.values() for n in (names[0], names[2])}


def import_step(model, arrays, saver_step):
    """The run's step: their D optimizer's Adam steps (their ``Saver`` counter starts at 1)."""
    name = OPTIMIZERS["discriminator"][1]
    if name not in arrays:
        raise ValueError(f"the checkpoint has no {name} (their D's Adam step): not a Saver "
                         "checkpoint of BEGAN_CS.py")
    from tfgan_latent.train.importer import adam_steps

    return adam_steps(arrays[name], float(model.d_optimizer.beta_1))

"""Names and values of the RFGAN authors' TF1 checkpoints next to our variables.

Reference: Bang & Shim 2018 §3.1, Fig. 1 (the DAE, G and RF discriminator mapped here).

The authors' code (QuickSolverKyle/Tensorflow-MyGANs @1f05665, ``models/RFGAN.py`` with
``ops.py``) saves every global variable with a ``tf.train.Saver``
(``<checkpoint_dir>/RFGAN_init_depth_<depth>/RFGAN/RFGAN.model-<counter>``). Its scopes:
``generator/ge_fc_0`` (``Matrix``, ``bias``), ``generator/ge_bn<i>``, ``generator/ge_dc<i>``
(``w``, ``biases``); ``discriminator/disc_conv<i>``, ``disc_bn<i>``, ``disc_out_logit``;
``encoder/en_conv<i>``, ``en_bn<i>``; ``decoder/de_dc<i>``, ``de_bn<i>``; batch norms hold
``beta``, ``gamma``, ``moving_mean``, ``moving_variance``. Layouts need no transpose (TF1's
conv kernel ``(kh, kw, in, out)``, its transposed-conv kernel ``(kh, kw, out, in)`` and its
matrix ``(in, out)`` are Keras's; its reshapes are row-major NHWC, as ``Reshape``/``Flatten``).

Values that change (``to_ours`` / ``to_theirs``):

* their transposed convs before a batch norm in G (``ge_dc1..3``) have biases, ours none: batch
  norm in training mode cancels a per-channel bias, and our moving mean is theirs − b;
* their ``conv2d`` adds its bias twice (``ops.py``): into nets built with ``conv_bias_twice``
  (the ``authors_code`` preset) a bias maps as it is, into plain convs as 2b (the same
  function; under Adam not the same training dynamics);
* their G projection ``ge_fc_0`` has a bias per unit, which only ``g_project_bias`` nets hold.

Our paths: ``<net>/<layer>/<weight>`` with net ``generator``, ``discriminator`` (an RF D's
trunk layers and its head ``score``), ``encoder`` (the DAE's, frozen inside an RF D) and
``decoder``. The parity fixtures (``tests/fixtures/parity/rfgan/``) prove the map.
Optimizer variables: ``<their variable>/Adam`` (m), ``/Adam_1`` (v); the three optimizers'
``beta1_power``/``beta2_power`` get no suffix (autoencoder, built first), ``_1`` (generator),
``_2`` (discriminator).
"""
import re

import numpy as np

BN_WEIGHTS = ("gamma", "beta", "moving_mean", "moving_variance")
_KIND = {"w": "kernel", "biases": "bias", "Matrix": "kernel", "bias": "bias",
         **{k: k for k in BN_WEIGHTS}}
_STAGES = 4  # the authors' nets are 64 px only: four stride-2 stages

# their layer scope -> our layer path (our layer "" = no variable of ours: absorbed)
LAYERS = {"generator/ge_fc_0": "generator/project", "generator/ge_bn0": "generator/project_bn",
          "generator/ge_dc4": "generator/to_image", "discriminator/disc_out_logit":
          "discriminator/score", "encoder/en_conv5": "encoder/bottleneck",
          "decoder/de_dc0": "decoder/entry", "decoder/de_bn0": "decoder/entry_bn",
          "decoder/de_dc4": "decoder/to_image"}
for _i in range(1, _STAGES):
    LAYERS[f"generator/ge_dc{_i}"] = f"generator/deconv{_i - 1}"
    LAYERS[f"generator/ge_bn{_i}"] = f"generator/deconv{_i - 1}_bn"
    LAYERS[f"decoder/de_dc{_i}"] = f"decoder/deconv{_i - 1}"
    LAYERS[f"decoder/de_bn{_i}"] = f"decoder/deconv{_i - 1}_bn"
for _i in range(1, _STAGES + 1):
    LAYERS[f"discriminator/disc_conv{_i}"] = f"discriminator/conv{_i - 1}"
    LAYERS[f"encoder/en_conv{_i}"] = f"encoder/conv{_i - 1}"
    if _i > 1:
        LAYERS[f"discriminator/disc_bn{_i}"] = f"discriminator/conv{_i - 1}_norm"
        LAYERS[f"encoder/en_bn{_i}"] = f"encoder/conv{_i - 1}_norm"
_OURS = {v: k for k, v in LAYERS.items()}
# their ops.conv2d layers (bias added twice)
CONV2D = tuple(k for k in LAYERS if re.search(r"/(disc_conv|en_conv)\d$|/de_dc0$", k))
# their G deconvs whose bias feeds a batch norm (we have no bias there): scope -> its BN
G_BIASES_BEFORE_BN = {f"generator/ge_dc{i}": f"generator/ge_bn{i}" for i in range(1, _STAGES)}
OPTIMIZERS = {"autoencoder": ("beta1_power", "beta2_power"),
              "generator": ("beta1_power_1", "beta2_power_1"),
              "discriminator": ("beta1_power_2", "beta2_power_2")}


def our_path(their_name):
    """Our variable path of one of their net variables; None for a G bias before batch norm
    (absorbed into the moving mean) and for anything else."""
    scope, _, kind = their_name.rpartition("/")
    if scope in G_BIASES_BEFORE_BN and kind == "biases":
        return None
    if scope not in LAYERS or kind not in _KIND:
        return None
    return f"{LAYERS[scope]}/{_KIND[kind]}"


def their_name(path):
    """The inverse of ``our_path``."""
    layer, _, weight = path.rpartition("/")
    if layer not in _OURS:
        raise ValueError(f"{path!r} is not a variable of the RFGAN authors' nets.")
    scope = _OURS[layer]
    if weight in BN_WEIGHTS:
        return f"{scope}/{weight}"
    dense = scope.endswith(("ge_fc_0", "disc_out_logit"))
    return f"{scope}/" + {("kernel", True): "Matrix", ("bias", True): "bias",
                          ("kernel", False): "w", ("bias", False): "biases"}[weight, dense]


def to_ours(theirs, conv_bias_twice=True):
    """``{our path: array}`` from ``{their name: array}`` of their net variables.

    Args:
        theirs: their variables (names as in their checkpoint); others are ignored.
        conv_bias_twice: whether our convs add their bias twice (else their b maps to 2b).
    """
    ours = {}
    for name, value in theirs.items():
        path = our_path(name)
        if path is None:
            continue
        value = np.asarray(value)
        scope, _, kind = name.rpartition("/")
        if kind == "biases" and scope in CONV2D and not conv_bias_twice:
            value = 2 * value
        if kind == "moving_mean":
            for conv, bn in G_BIASES_BEFORE_BN.items():
                if bn == scope:
                    value = value - np.asarray(theirs[f"{conv}/biases"])
        ours[path] = value
    return ours


def to_theirs(ours, conv_bias_twice=True, g_biases=None):
    """``{their name: array}`` from ``{our path: array}`` (the inverse of ``to_ours``).

    Args:
        g_biases: their G deconv biases before batch norm (``{their name: array}``; default
            zeros): we have none, so they are a free choice that shifts their moving means.
    """
    g_biases = dict(g_biases or {})
    theirs = {}
    for path, value in ours.items():
        name = their_name(path)
        value = np.asarray(value)
        scope, _, kind = name.rpartition("/")
        if kind == "biases" and scope in CONV2D and not conv_bias_twice:
            value = value / 2
        theirs[name] = value
    for conv, bn in G_BIASES_BEFORE_BN.items():
        if f"{bn}/moving_mean" in theirs:
            b = np.asarray(g_biases.get(f"{conv}/biases",
                                        np.zeros_like(theirs[f"{bn}/moving_mean"])))
            theirs[f"{conv}/biases"] = b
            theirs[f"{bn}/moving_mean"] = theirs[f"{bn}/moving_mean"] + b
    return theirs


def optimizer_name(name):
    """``(our path, "m" | "v")`` of an Adam slot, ``(optimizer, "beta1_power" | "beta2_power")``
    of an accumulator (optimizer: ``autoencoder``, ``generator``, ``discriminator``); None else."""
    for optimizer, names in OPTIMIZERS.items():
        for slot, n in zip(("beta1_power", "beta2_power"), names):
            if name == n:
                return optimizer, slot
    base, _, slot = name.rpartition("/")
    if slot in ("Adam", "Adam_1") and our_path(base) is not None:
        return our_path(base), "m" if slot == "Adam" else "v"
    return None


def net_paths(nets):
    """``{our path: variable}`` of ``{net name: keras.Model}`` (net names as in the paths; for
    an RF discriminator pass its ``trunk`` as ``discriminator`` and add its head ``score``)."""
    out = {}
    for net_name, net in nets.items():
        for layer in net._flatten_layers(include_self=False, recursive=True):
            if hasattr(layer, "layers"):
                continue  # a nested model: its layers are listed themselves
            for weight in layer.weights:
                out[f"{net_name}/{layer.name}/{weight.name}"] = weight
    return out

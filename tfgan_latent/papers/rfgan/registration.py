"""Registers ``dae``: RFGAN's denoising autoencoder, pre-trained before ``--rf`` GAN runs, and
the import of the authors' checkpoints into ``dae`` and ``dcgan`` runs."""
import dataclasses

import keras
import numpy as np

from tfgan_latent import data
from tfgan_latent.layers.tf1_ops import Conv2DBiasTwice
from tfgan_latent.models.autoencoder import Autoencoder
from tfgan_latent.models.feature_discriminator import RepresentativeFeatureDiscriminator
from tfgan_latent.papers.rfgan import checkpoint_map
from tfgan_latent.papers.rfgan import config as rfgan_config
from tfgan_latent.papers.rfgan import nets
from tfgan_latent.train import importer, presets, registry


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

# `tfgan-latent import`: a Saver checkpoint of the authors' RFGAN.py (every global variable: G,
# the RF D, the encoder and the decoder with their Adam slots) into a `dae` run (encoder and
# decoder; its encoder.keras is what `--rf --encoder_from` reads) or a `dcgan --rf` run (G, the
# RF D and D's frozen encoder: its layers up to the representative feature). The names and
# values are papers/rfgan/checkpoint_map.py's; here they meet our built models.


@dataclasses.dataclass(frozen=True)
class Entry:
    """One tensor of theirs: ``variable`` ours (None: their G deconv bias before batch norm,
    folded into our moving mean), ``path`` our checkpoint_map path (the variable's, for an Adam
    slot too), ``twice`` whether our conv adds its bias twice, ``needs`` the other tensors its
    value takes, ``beta`` an optimizer's β1 for a ``beta1_power`` (its step count),
    ``optimizer`` which of their optimizers' state it is (``imported.json``)."""

    variable: object
    path: str
    twice: bool = True
    needs: tuple = ()
    shape: tuple = ()
    beta: float = 0.0
    optimizer: str = ""


def _paths(nets):
    """``{our path: (variable, layer)}`` of ``{net name: keras.Model}`` (checkpoint_map paths)."""
    out = {}
    for net_name, net in nets.items():
        for layer in net._flatten_layers(include_self=False, recursive=True):
            if not hasattr(layer, "layers"):  # a nested model's layers are listed themselves
                out.update({f"{net_name}/{layer.name}/{w.name}": (w, layer) for w in layer.weights})
    return out


def _nets(model):
    """``(paths, {their beta1_power name: (optimizer, our variables)})`` of a dae or GAN."""
    if isinstance(model, Autoencoder):
        paths = _paths({"encoder": model.encoder, "decoder": model.decoder})
        return paths, {"beta1_power": (model.optimizer, model.trainable_variables)}
    d = model.discriminator
    if isinstance(d, RepresentativeFeatureDiscriminator):
        paths = _paths({"generator": model.generator, "discriminator": d.trunk,
                        "encoder": d.feature_extractor})
        paths.update({"discriminator/score/kernel": (d.head.kernel, d.head),
                      "discriminator/score/bias": (d.head.bias, d.head)})
    else:
        paths = _paths({"generator": model.generator, "discriminator": d})
    return paths, {"beta1_power_1": (model.g_optimizer, model.generator_variables),
                   "beta1_power_2": (model.d_optimizer, model.discriminator_variables)}


def _has_name(path):
    try:
        return bool(checkpoint_map.their_name(path))
    except ValueError:
        return False


def import_entries(model):
    """``{"": {their name: Entry}}``: every variable of ours, the G biases their batch norms
    need, and Adam's state (slots and step) where it carries over exactly (every conv of ours
    that their ``conv2d`` feeds adds its bias twice; Adam's state of b says nothing of 2b)."""
    paths, optimizers = _nets(model)
    unmapped = [p for p in paths if not _has_name(p)]
    if unmapped:
        raise ValueError(f"our variables {', '.join(unmapped)} have no tensor in the RFGAN "
                         "authors' nets (their layout: --preset=authors_code)")
    entries = {}
    for path, (variable, layer) in paths.items():
        name = checkpoint_map.their_name(path)
        bn = {b: c for c, b in checkpoint_map.G_BIASES_BEFORE_BN.items()}.get(name.rpartition("/")[0])
        needs = (f"{bn}/biases",) if bn and name.endswith("/moving_mean") else ()
        entries[name] = Entry(variable, path, isinstance(layer, Conv2DBiasTwice), needs)
        if needs:
            entries[needs[0]] = Entry(None, f"{path} (their bias, folded in)",
                                      shape=tuple(variable.shape))
    exact = all(e.twice for n, e in entries.items()
                if n.rpartition("/")[0] in checkpoint_map.CONV2D and n.endswith("/biases"))
    if exact:
        for power, (optimizer, variables) in optimizers.items():
            label = next(k for k, v in checkpoint_map.OPTIMIZERS.items() if power in v)
            mine = {id(v) for v in variables}
            for name, e in list(entries.items()):
                if e.variable is None or id(e.variable) not in mine:
                    continue
                index = optimizer._get_variable_index(e.variable)
                entries[f"{name}/Adam"] = dataclasses.replace(
                    e, variable=optimizer._momentums[index], optimizer=label)
                entries[f"{name}/Adam_1"] = dataclasses.replace(
                    e, variable=optimizer._velocities[index], optimizer=label)
            entries[power] = Entry(optimizer.iterations, f"{power} (Adam's step)",
                                   beta=float(optimizer.beta_1), optimizer=label)
            entries[power.replace("beta1", "beta2")] = Entry(None, f"{power} (its β2 twin)")
    return {"": entries}


def import_to_ours(entry, array, *needed):
    if entry.beta:
        return np.asarray(importer.adam_steps(array, entry.beta), np.int64)
    if entry.variable is None:
        return np.asarray(array)
    name = checkpoint_map.their_name(entry.path)
    theirs = {name: array, **dict(zip(entry.needs, needed))}
    return checkpoint_map.to_ours(theirs, conv_bias_twice=entry.twice)[entry.path]


def import_ignored(name, model):
    """Tensors of their graph a model has no place for: the nets it does not hold (a dae: G and
    D; a GAN: the decoder, the encoder's bottleneck, the whole encoder without --rf), the
    optimizer state of those (and all of it when it does not carry over), and the plain D the
    parity harness builds beside their graph in a ``dcgan`` scope (parity/rfgan.py)."""
    entries = import_entries(model)[""]
    if name in entries:
        return False
    base, _, slot = name.rpartition("/")
    if slot in ("Adam", "Adam_1"):
        return base in entries or import_ignored(base, model)
    if name in {p for pair in checkpoint_map.OPTIMIZERS.values() for p in pair}:
        return True
    top = name.split("/")[0]
    held = {path.split("/")[0] for path in _nets(model)[0]}
    return (top == "dcgan" or top not in held
            or (top == "encoder" and "decoder" not in held and name.startswith("encoder/en_conv5/")))


def import_step(model, arrays, saver_step):
    """The run's step: their D's Adam steps (a GAN: one step = 1 D and g_steps G updates), the
    AE's for a dae; the Saver's counter says other things (RFGAN.py counts from 1)."""
    power = "beta1_power" if isinstance(model, Autoencoder) else "beta1_power_2"
    optimizer = model.optimizer if isinstance(model, Autoencoder) else model.d_optimizer
    if power not in arrays:
        raise ValueError(f"the checkpoint has no {power} (their Adam's step): not a Saver "
                         "checkpoint of RFGAN.py")
    return importer.adam_steps(arrays[power], float(optimizer.beta_1))


_IMPORT = dict(entries=import_entries, to_ours=import_to_ours, ignore=import_ignored,
               step=import_step, source="QuickSolverKyle/Tensorflow-MyGANs @1f05665 "
               "models/RFGAN.py Saver checkpoints",
               hint="--preset=authors_code, --width, --latent_dim, --g_top_width, --image_size=64")
importer.register_map("dae", importer.ImportMap("tf1", run_files=True, **_IMPORT))
importer.register_map("dcgan", importer.ImportMap("tf1", **_IMPORT))

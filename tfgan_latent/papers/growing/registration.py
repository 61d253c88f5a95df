"""Registers ``mlp_growing`` (§7.1) and the five CNN models ``bgan`` .. ``clggan`` (§6.2).

A CNN model is a staged run: one runner stage per cycle, each a ``GrowingGAN`` on that
cycle's nets grown from the previous cycle's trained ones, with new optimizers. ``bgan`` and
``clggan`` also import the authors' cycle-1 checkpoints (``tfgan-latent import``).
"""
import dataclasses
import warnings

import keras

from tfgan_latent import data, optimizers
from tfgan_latent.papers.growing import checkpoint_map, cnn
from tfgan_latent.papers.growing.config import GrowingCNNConfig, MLPGrowingConfig
from tfgan_latent.papers.growing.models import CycleSteps, GrowingGAN, cycle_schedule
from tfgan_latent.papers.growing.mlp import (
    MLPGrowingGAN, swiss_roll_discriminator, swiss_roll_generator,
)
from tfgan_latent.train import importer, presets, registry


def rmsprop(cfg):
    """RMSprop with the config's lr / rho / epsilon (no momentum, not centred): Keras's, or
    TF1's accumulator start with ``--rmsprop_initial_accumulator`` > 0."""
    if cfg.rmsprop_initial_accumulator:
        return optimizers.TF1RMSprop(cfg.lr, rho=cfg.rho, epsilon=cfg.epsilon,
                                     initial_accumulator=cfg.rmsprop_initial_accumulator)
    return keras.optimizers.RMSprop(cfg.lr, rho=cfg.rho, epsilon=cfg.epsilon)


def build_mlp_growing(run_cfg, cfg):
    cfg.validate()
    if run_cfg.dataset != "swiss_roll":
        raise ValueError(
            f"--model=mlp_growing trains on --dataset=swiss_roll (Sandström 2019, §7.1), "
            f"got --dataset={run_cfg.dataset!r}."
        )
    if cfg.latent_distribution not in ("uniform", "normal"):
        raise ValueError(f"--latent_distribution must be 'uniform' or 'normal', got "
                         f"{cfg.latent_distribution!r}.")
    growth_step = cfg.growth_step(run_cfg.steps)
    generator = swiss_roll_generator(
        cfg.latent_dim, cfg.start_latent_dim if cfg.grow else None, cfg.mlp_units, cfg.mlp_layers)
    discriminator = swiss_roll_discriminator(cfg.mlp_units, cfg.mlp_layers)
    gan = MLPGrowingGAN(
        generator, discriminator, growth_step=growth_step, d_updates=cfg.d_updates,
        g_updates=cfg.g_updates, latent_dim=cfg.latent_dim,
        latent_distribution=cfg.latent_distribution, ema_decay=cfg.ema_decay, seed=run_cfg.seed,
    )
    gan.compile(g_optimizer=rmsprop(cfg), d_optimizer=rmsprop(cfg),
                steps_per_execution=run_cfg.execution_steps)
    return gan


registry.register_model(
    "mlp_growing", MLPGrowingConfig, build_mlp_growing,
    "Swiss-roll MLP GAN, latent grown 1 -> 2 or from scratch (Sandström 2019, §6.1, §7.1)")


def adam(cfg):
    """Adam(1e-4, β = (0, 0.99), ε = 1e-8), new for every cycle (§7.2.3; code ``subGAN.train``)."""
    return keras.optimizers.Adam(cfg.lr, beta_1=cfg.beta_1, beta_2=cfg.beta_2,
                                 epsilon=cfg.epsilon)


def planned_steps(model, num_cycles, run_cfg, cfg):
    """The ``CycleSteps`` of every cycle: the thesis's epoch ratio over ``--steps`` (or
    ``--schedule_steps``); for a grown-on run, the finished run's schedule of the earlier
    cycles over ``grown_from_steps``, then one grown cycle up to the end, fading over the
    thesis's share of it (``fade_epochs / grown_cycle_epochs``, ending at least a step early)."""
    total = cfg.schedule_total(run_cfg.steps)
    epochs = (cfg.first_cycle_epochs, cfg.grown_cycle_epochs, cfg.fade_epochs)
    if not cfg.grown_from_steps:
        return cycle_schedule(model, num_cycles, total, *epochs)
    start = cfg.grown_from_steps
    if total < start + 2:
        raise ValueError(f"--steps={total} must exceed the grown-from run's {start} steps by at "
                         "least 2 (the new cycle's fade must end before it does).")
    fade = min(total - start - 1, max(1, round((total - start) * min(
        cfg.fade_epochs, cfg.grown_cycle_epochs) / cfg.grown_cycle_epochs)))
    return (cycle_schedule(model, num_cycles - 1, start, *epochs)
            + [CycleSteps(start, total, fade)])


def cycle_stages(model):
    """``(run_cfg, cfg) -> [Stage]``: one stage per cycle of ``model`` (Tables 2-15)."""

    def stages(run_cfg, cfg):
        if data.dataset_kind(run_cfg.dataset) != "images" or data.dataset_channels(run_cfg.dataset) != 3:
            raise ValueError(f"--model={model} trains on RGB images (shapes, celeb_a, cifar10, "
                             f"...), got --dataset={run_cfg.dataset!r}.")
        if cfg.weight_init not in cnn.WEIGHT_INITS:
            raise ValueError(f"--weight_init must be one of {cnn.WEIGHT_INITS}, got "
                             f"{cfg.weight_init!r}.")
        if isinstance(cfg.mbstd_group_size, bool) or not isinstance(cfg.mbstd_group_size, int) \
                or cfg.mbstd_group_size < 0:
            raise ValueError(f"--mbstd_group_size must be an int >= 0 (0: the whole minibatch), "
                             f"got {cfg.mbstd_group_size!r}.")
        plan = cnn.growth_plan(model, run_cfg.image_size, cfg.latent_dim, cfg.top, cfg.extra_cycles)
        for message in cnn.proportion_warnings(plan):
            warnings.warn(message, UserWarning, stacklevel=2)
        steps = planned_steps(model, len(plan), run_cfg, cfg)

        def build(k):
            arch, prev_arch, when = plan[k], plan[k - 1] if k else None, steps[k]

            def build_cycle(prev):
                g = cnn.build_generator(arch, prev_arch, weight_init=cfg.weight_init,
                                        beta_scope=cfg.beta_scope)
                d = cnn.build_discriminator(arch, prev_arch,
                                            tau=None if model != "cggan" else cfg.cggan_tau,
                                            weight_init=cfg.weight_init,
                                            group_size=cfg.mbstd_group_size or None)
                if prev is not None:
                    cnn.transfer_weights(g, prev.generator)
                    cnn.transfer_weights(d, prev.discriminator)
                gan = GrowingGAN(g, d, arch=arch, image_size=run_cfg.image_size,
                                 cycle_start=when.start, fade_steps=when.fade,
                                 tau_end=cfg.tau_end, latent_normalization=cfg.latent_normalization,
                                 latent_batch_size=run_cfg.batch_size,
                                 latent_dim=cfg.latent_dim, gp_weight=cfg.gp_weight,
                                 ema_decay=cfg.ema_decay, seed=run_cfg.seed)
                if prev is not None:
                    gan.grow_average_from(prev)  # the average runs on across the growth
                gan.compile(g_optimizer=adam(cfg), d_optimizer=adam(cfg),
                            steps_per_execution=run_cfg.execution_steps)
                return gan
            return build_cycle

        return [registry.Stage(f"cycle_{k + 1}", steps[k].end, build(k)) for k in range(len(plan))]
    return stages


def _first_cycle(model):
    stages = cycle_stages(model)
    return lambda run_cfg, cfg: stages(run_cfg, cfg)[0].build(None)


_CNN_DESCRIPTIONS = {
    "bgan": "growing thesis baseline: final architecture, z 256, no growth (§6.2.1)",
    "bggan": "growing latent only: g1's latent rows grow 8 -> 256, β-faded (§6.2.2)",
    "cggan": "growing channels: every width clipped at z, z 8 -> 256 (§6.2.3)",
    "lggan": "growing layers (ProGAN-style) at z 256, 4 -> 128 px (§6.2.4)",
    "clggan": "growing layers and channels with z (§6.2.5)",
}
for _name in cnn.MODELS:
    registry.register_model(
        _name, GrowingCNNConfig, _first_cycle(_name), _CNN_DESCRIPTIONS[_name],
        stages=cycle_stages(_name),
        resume_fixed=lambda cfg: () if cfg.schedule_steps else ("steps",), crop="growing")

# The authors' code where it differs from the thesis text (parity/README.md, growing table;
# tests/test_parity_growing.py replays their bGAN / clgGAN steps with these settings).
_CODE = "eriksandstroem/Latent-Space-Growing-of-GANs @08b12dc, celebA/<model>/code"
for _name in cnn.MODELS:
    _values = {"weight_init": "authors",  # ops.py::conv2d N(0, 2/(C·H·W)) (A8)
               "latent_normalization": "batch"}  # subGAN.train: batch_z /= its norm (A2)
    if _name in cnn.AUTHORS_GROUP_SIZE:  # ops.py:73-87, ProGAN's groups of 4
        _values["mbstd_group_size"] = cnn.AUTHORS_GROUP_SIZE[_name]
    if _name == "cggan":  # cgGAN main.py: useTau = n.n.n.n.n.n (A12)
        _values["cggan_tau"] = False
    if _name == "clggan":  # clgGAN model.py: the old toRGB's conv2d(..., last=True) (A10)
        _values["beta_scope"] = "authors"
    if _name == "lggan":  # lgGAN subGAN.py:535: alpha += 1/(3·batch_idxs), a 3-epoch fade
        _values["fade_epochs"] = 3
    presets.register_preset(_name, "authors_code", _values, source=_CODE)
presets.register_preset(
    "mlp_growing", "authors_code", {"rmsprop_initial_accumulator": 1.0},
    source="eriksandstroem/Latent-Space-Growing-of-GANs @08b12dc, Swiss_roll/gan/gan.py "
           "(tf.train.RMSPropOptimizer: accumulator starts at 1; growing.md A6)")

# `tfgan-latent import`: a Saver checkpoint of the authors' first cycle (bGAN: the only one;
# clgGAN: cycle 1) into the first stage of a run. Their Saver is made before their optimizers
# (subGAN.build_model), so it holds the nets only: Adam starts fresh, as it does in their
# every cycle. Names: papers/growing/checkpoint_map.py (layouts equal Keras's).


@dataclasses.dataclass(frozen=True)
class _Entry:
    variable: object


def import_entries(gan):
    """``{"": {their name: entry}}`` of the first cycle's nets; every trainable variable of
    ours must have a name of theirs (else the error names ours)."""
    nets = {"generator": gan.generator, "discriminator": gan.discriminator}
    entries = {name: _Entry(getattr(nets[name.split("/")[0]].get_layer(layer), weight))
               for name, (layer, weight) in checkpoint_map.tf1_name_map(gan.arch).items()}
    mapped = {id(e.variable) for e in entries.values()}
    left = [v.path for net in nets.values() for v in net.trainable_weights if id(v) not in mapped]
    if left:
        raise ValueError(f"our variables {', '.join(left)} have no tensor in the authors' "
                         f"{gan.arch.model} checkpoint map")
    return {"": entries}


def import_step(gan, arrays, saver_step):
    """Their subGAN.train saves ``model-<counter>`` after its step ``counter`` (counted from 0,
    ``if np.mod(counter, 5000) == 0: self.save(counter)`` before ``counter += 1``): the weights
    after counter + 1 steps."""
    return saver_step + 1


for _name in checkpoint_map.MAPPED_MODELS:
    importer.register_map(_name, importer.ImportMap(
        "tf1", import_entries, lambda entry, array: array,
        source=f"eriksandstroem/Latent-Space-Growing-of-GANs @08b12dc, celebA/"
               f"{dict(bgan='bGAN', clggan='clgGAN')[_name]}/code Saver checkpoints (cycle 1)",
        ignore=lambda name, model: checkpoint_map.is_optimizer_state(name), step=import_step,
        hint="--preset=authors_code, --latent_dim, --top, --image_size"))

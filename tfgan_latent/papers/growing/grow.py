"""Grow a finished CNN run on by one cycle (Sandström 2019 §6: a trained net grows continuously).

``grow(from_run, out, steps)`` continues a finished ``bggan`` / ``cggan`` / ``lggan`` /
``clggan`` run into one more cycle, as the thesis grows from one cycle to the next:

* lgGAN: the resolution doubles (a new α-faded layer; z stays);
* clgGAN: resolution and z double, and the width at 4×4 with them (``top``), so the earlier
  cycles keep their architecture exactly (widths ``top·4/s · z_k / latent_dim``);
* bgGAN / cgGAN (nets at the final resolution from cycle 1): z doubles at the same resolution
  (one latent-only cycle, ``extra_cycles``); cgGAN's widths are capped by ``top``, so this
  growth adds latent rows but no 4×4 channels (``cnn.proportion_warnings`` says so).

The new run's folder holds the finished run's last checkpoint as the end of its earlier cycles
(same weights, optimizer states, step, z stream and cycle schedule), written with the new
run's settings; ``runner.train`` then grows the next cycle from it with the usual β / α / τ
fades, so the grown generator at the start of the new cycle computes the finished one's images
(on the first ``latent_dim`` coordinates of z; tested). The new run resumes like any run.

Not in the thesis: its runs grow within one planned size (128 px, z 256). Growing z past the
trained size changes the latents' scale: z is normalised over the larger size, so the old
coordinates carry about 1/√2 of the length they had (the new cycle's fade adapts to it).
"""
import dataclasses
from pathlib import Path

import keras
import tensorflow as tf

from tfgan_latent.papers.growing import cnn
from tfgan_latent.train import registry, runner
from tfgan_latent.train.checkpoints import Checkpointer
from tfgan_latent.train.config import read_run_folder

GROWABLE = ("bggan", "cggan", "lggan", "clggan")


def next_sizes(model, run_cfg, model_cfg):
    """``(image_size, latent_dim, top, extra_cycles)`` of ``model`` one cycle on."""
    s, d, top, extra = run_cfg.image_size, model_cfg.latent_dim, model_cfg.top, model_cfg.extra_cycles
    if model == "lggan":
        return 2 * s, d, top, extra
    if model == "clggan":
        return 2 * s, 2 * d, 2 * top, extra
    return s, 2 * d, top, extra + 1  # bggan, cggan


def grown_configs(from_run, out, steps, export_dir=""):
    """The finished run's ``(run_cfg, model_cfg)`` and the grown run's, checked."""
    stored, old_run = read_run_folder(from_run, expected="the folder of a finished growing run")
    old_run = old_run.resolved()
    if old_run.model not in GROWABLE:
        raise ValueError(f"--from_run={from_run} is a --model={old_run.model} run; `grow` continues "
                         f"{', '.join(GROWABLE)} runs (bgan has no cycles).")
    spec = registry.get_model_spec(old_run.model)
    old_cfg = spec.config_cls(**stored["model"])
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"--steps must be an integer >= 2 (the new cycle's steps), got {steps!r}.")
    if old_run.steps_per_execution and steps % old_run.steps_per_execution:
        raise ValueError(f"--steps={steps} must be a multiple of the run's --steps_per_execution="
                         f"{old_run.steps_per_execution}.")
    done = old_cfg.schedule_total(old_run.steps)
    size, latent, top, extra = next_sizes(old_run.model, old_run, old_cfg)
    new_cfg = dataclasses.replace(old_cfg, latent_dim=latent, top=top, extra_cycles=extra,
                                  grown_from_steps=done, schedule_steps=0)
    new_run = dataclasses.replace(old_run, image_size=size, steps=done + steps, out=str(out),
                                  export_dir=export_dir).resolved()  # "": the new run's own base
    old_plan = cnn.growth_plan(old_run.model, old_run.image_size, old_cfg.latent_dim, old_cfg.top,
                               old_cfg.extra_cycles)
    new_plan = cnn.growth_plan(new_run.model, size, latent, top, extra)
    if new_plan[:-1] != old_plan:  # next_sizes keeps them; a guard against a future change
        raise ValueError(f"--from_run={from_run}: growing it would change its earlier cycles' "
                         "architectures.")
    return old_run, old_cfg, new_run, new_cfg


def grow(from_run, out, steps, export_dir="", verbose=None):
    """Grows the finished run in ``from_run`` by one cycle of ``steps`` steps into ``out``.

    Returns ``runner.train``'s result dict of the grown run. A rerun with the same arguments
    resumes it (or finds it finished).
    """
    old_run, old_cfg, new_run, new_cfg = grown_configs(from_run, out, steps, export_dir)
    if verbose is not None:
        new_run = dataclasses.replace(new_run, verbose=verbose)
    ckpt_dir = Path(out) / "checkpoints"
    stages = registry.model_stages(new_run, new_cfg)
    dirs = runner.stage_dirs(ckpt_dir, stages)
    if not any(d.exists() and any(d.iterdir()) for d in dirs):
        _seed_checkpoint(old_run, old_cfg, new_run, new_cfg, stages, dirs)
    return runner.train(new_run, new_cfg)


def _seed_checkpoint(old_run, old_cfg, new_run, new_cfg, stages, dirs):
    """The finished run's last checkpoint, restored into the grown plan's last earlier cycle
    and saved in the new run's folder with the new run's settings."""
    old_stages = registry.model_stages(old_run, old_cfg)
    old_dirs = runner.stage_dirs(Path(old_run.out) / "checkpoints", old_stages)
    latest = tf.train.latest_checkpoint(str(old_dirs[-1]))
    if latest is None or not latest.endswith(f"-{new_cfg.grown_from_steps}"):
        raise ValueError(f"--from_run={old_run.out} has not finished its last cycle (its newest "
                         f"checkpoint is {latest}; expected step {new_cfg.grown_from_steps}): "
                         "train it to the end first.")
    keras.utils.set_random_seed(new_run.seed)
    gan = stages[-2].build(None)
    planned = [int(v) for v in gan.schedule.numpy()]  # [cycle, start, fade] the new plan gives
    # Every value of the checkpoint is restored, its stored run settings (Checkpointer's
    # "settings", absent from runs written before they were stored) into a throwaway variable:
    # the grown run saves its own below. (Leaving them out made TF warn "Value in checkpoint
    # could not be found in the restored object: (root).settings".)
    items = gan.checkpoint_items()
    if tf.train.load_checkpoint(latest).has_tensor(Checkpointer.SETTINGS_KEY):
        items["settings"] = tf.Variable("", dtype=tf.string, trainable=False)
    tf.train.Checkpoint(**items).restore(latest).assert_consumed()
    if [int(v) for v in gan.schedule.numpy()] != planned:
        raise ValueError(f"--from_run={old_run.out}: its last cycle's schedule "
                         f"{gan.schedule.numpy().tolist()} differs from the one the grown run "
                         f"plans for it, {planned}.")
    fixed = registry.get_model_spec(new_run.model).resume_fixed(new_cfg)
    Checkpointer(gan, dirs[-2], new_run.keep_checkpoints,
                 **runner.checkpoint_settings(new_run, new_cfg, fixed)).save(new_cfg.grown_from_steps)


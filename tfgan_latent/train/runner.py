"""``train``: flags → config → registry builds data + model → ``fit`` with callbacks → export."""
import contextlib
import dataclasses
import json
import math
import os
import re
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import data
from tfgan_latent.train import callbacks as cb
from tfgan_latent.train import config as config_lib
from tfgan_latent.train import registry, samples, strategy as strategy_lib
from tfgan_latent.train.checkpoints import (Checkpointer, RunLock, SettingsMismatchError,
                                           StorageError, last_good_checkpoint, storage_errors)


def _segments(start, total, every):
    """(first step, steps, steps per epoch) pieces so every epoch ends on a multiple of ``every``."""
    segs, s = [], start
    if s % every and s < total:
        n = min(every - s % every, total - s)
        segs.append((s, n, n))
        s += n
    full = (total - s) // every
    if full:
        segs.append((s, full * every, every))
        s += full * every
    if s < total:
        segs.append((s, total - s, total - s))
    return segs


# Largest automatic steps_per_execution per data kind: a 2-D step takes about a millisecond, so
# the per-call overhead of `fit` (callbacks, the host loop) is a large share of it; an image step
# takes tens of milliseconds and more, where 10 already makes that share small.
AUTO_EXECUTION_CAP = {"points": 25, "images": 10}


def auto_steps_per_execution(run_cfg, stage_ends=(), resume_steps=()):
    """``--steps_per_execution=0``'s choice: the largest k <= ``AUTO_EXECUTION_CAP`` that divides
    ``--steps``, ``--log_every``, every stage end before ``--steps`` and every step a run may
    resume from (its checkpoints), so every ``fit`` epoch (a log interval, cut at stage ends) is
    a whole number of compiled calls. Logs, samples, evaluations, checkpoints and the NaN guard
    all act at log steps, so they are unchanged, and the trajectory is the same bitwise. Under a
    strategy: 1 (the multi-step function is not tested there)."""
    if run_cfg.distribute != "none":
        return 1
    common = math.gcd(run_cfg.steps, run_cfg.log_every,
                      *(e for e in stage_ends if e < run_cfg.steps), *resume_steps)
    cap = AUTO_EXECUTION_CAP[data.dataset_kind(run_cfg.dataset)]
    return max(k for k in range(1, cap + 1) if common % k == 0)


def resolve_steps_per_execution(run_cfg, model_cfg, ckpt_dir):
    """``run_cfg`` with an automatic (0) ``steps_per_execution`` replaced by its choice."""
    if run_cfg.steps_per_execution:
        return run_cfg
    ends = [stage.end_step for stage in registry.model_stages(run_cfg, model_cfg)]
    saved = [int(m.group(1)) for p in Path(ckpt_dir).rglob("ckpt-*.index")
             if (m := re.fullmatch(r"ckpt-(\d+)\.index", p.name))]
    return dataclasses.replace(
        run_cfg, steps_per_execution=auto_steps_per_execution(run_cfg, ends, saved))


def resolve_model_config(run_cfg, overrides=None):
    """The model's config dataclass with its paper defaults and ``overrides`` applied."""
    spec = registry.get_model_spec(run_cfg.model)
    overrides = dict(overrides or {})
    names = {f.name for f in dataclasses.fields(spec.config_cls)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(
            f"{', '.join('--' + u for u in unknown)} {'does' if len(unknown) == 1 else 'do'} not "
            f"apply to --model={run_cfg.model}; "
            f"its settings are {sorted(names)}."
        )
    cfg = dataclasses.replace(spec.config_cls(), **overrides)
    config_lib.check_common_ranges(cfg, spec.config_cls())
    return cfg


def build_model(run_cfg, model_cfg):
    return registry.get_model_spec(run_cfg.model).build(run_cfg, model_cfg)


def stage_dirs(ckpt_dir, stages):
    """Checkpoint folder of every stage (``ckpt_dir`` itself for one unnamed stage)."""
    ckpt_dir = Path(ckpt_dir)
    if len(stages) == 1 and not stages[0].name:
        return [ckpt_dir]
    return [ckpt_dir / stage.name for stage in stages]


def checkpoint_settings(run_cfg, model_cfg, fixed=()):
    """Keyword arguments of ``Checkpointer``: the settings saved in every checkpoint and the
    check that refuses to resume a checkpoint trained with other ones."""
    def check(stored, path):
        diffs = config_lib.settings_differences(stored, run_cfg, model_cfg, fixed)
        if diffs:
            raise SettingsMismatchError(
                f"checkpoint {path} was trained with different settings ({'; '.join(diffs)}); "
                "resuming would mix them. Use another --out or the original flags.")
    settings = config_lib.to_json(run_cfg, model_cfg)
    settings["run"] = {k: v for k, v in settings["run"].items()
                       if k not in config_lib.RESUMABLE_FIELDS or k in fixed}
    return {"settings": json.dumps(settings, sort_keys=True), "check_settings": check}


def restore_latest(run_cfg, model_cfg, ckpt_dir, strategy=None, keep=3):
    """Builds the newest stage that has a checkpoint (else stage 0) and restores it.

    Returns ``(stages, stage index, gan, checkpointer, restored path or None)``. A run
    that resumes at a stage start rebuilds and restores the previous stage, so the next
    stage's fresh weights are drawn from the same global RNG state as in a direct run.
    """
    stages = registry.model_stages(run_cfg, model_cfg)
    dirs = stage_dirs(ckpt_dir, stages)
    index = max((i for i, d in enumerate(dirs) if d.exists() and any(d.iterdir())), default=0)
    keras.utils.set_random_seed(run_cfg.seed)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        gan = stages[index].build(None)
    fixed = registry.get_model_spec(run_cfg.model).resume_fixed(model_cfg)
    checkpointer = Checkpointer(gan, dirs[index], keep,
                                **checkpoint_settings(run_cfg, model_cfg, fixed))
    return stages, index, gan, checkpointer, checkpointer.restore_latest()


def activation_floats(model):
    """Floats one example's forward pass stores: the sum of every layer's output size (a lower
    bound for nets whose layers nest or are called twice, whose inner outputs are not counted)."""
    total = 0
    for layer in getattr(model, "layers", []):
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):  # subclassed or multiply-called layers
            continue
        total += int(np.prod([d or 1 for d in shape[1:]]))
    return total


def available_memory():
    """Bytes of host memory available now (Linux ``MemAvailable``), or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# Bytes per stored activation float in one training step: float32 (4) × ~6 copies (D sees a
# real and a fake batch; forward and backward of the D and the G update; penalties add a second
# backward). A rough, deliberately conservative-by-count estimate, used only to refuse batches
# that cannot fit (training would swap or be killed) with a number instead of a hang.
_BYTES_PER_ACTIVATION = 4 * 6


def check_batch_memory(gan, batch_size, available=None):
    """Raises, naming --batch_size and the estimate, when one step's activations cannot fit in
    the host memory available (checked on CPU-only machines, where the host memory is what
    runs out); returns the estimate in bytes (None when nothing could be counted)."""
    per_example = sum(activation_floats(getattr(gan, k, None))
                      for k in ("generator", "discriminator"))
    if not per_example:
        return None
    need = _BYTES_PER_ACTIVATION * per_example * batch_size * getattr(gan, "d_steps", 1)
    available = available_memory() if available is None else available
    if available and need > available and not tf.config.list_physical_devices("GPU"):
        raise ValueError(
            f"--batch_size={batch_size} needs about {need / 2**30:.1f} GiB for one training "
            f"step's activations (estimate: {per_example:,} floats per example), more than the "
            f"{available / 2**30:.1f} GiB of memory available; use a smaller --batch_size.")
    return need


def train(run_cfg, model_cfg=None):
    """Trains (or resumes) the run described by ``run_cfg``; returns a dict of result paths."""
    run_cfg = run_cfg.resolved()
    if run_cfg.dataset not in data.DATASETS:
        raise ValueError(f"--dataset must be one of {sorted(data.DATASETS)}, got {run_cfg.dataset!r}.")
    model_cfg = model_cfg or resolve_model_config(run_cfg)
    index, chief = strategy_lib.worker_index() if run_cfg.distribute == "multiworker" else (0, True)
    out = Path(run_cfg.out) if chief else Path(run_cfg.out) / f"worker_{index}"
    for flag, path in (("out", run_cfg.out), ("export_dir", run_cfg.export_base())):
        check_folder(flag, path)
    if run_cfg.deterministic:
        tf.config.experimental.enable_op_determinism()
    with RunLock(out), precision_policy(run_cfg.precision):
        try:
            return _train_locked(run_cfg, model_cfg, out, chief)
        except StorageError as e:
            last = last_good_checkpoint(out / "checkpoints")
            raise StorageError(
                f"{e} Training stopped; "
                + (f"the last good checkpoint, {last}, is intact: rerun the same command to "
                   "resume from it once the problem is fixed." if last else
                   "no checkpoint was written yet.")) from None


@contextlib.contextmanager
def precision_policy(precision):
    """Keras's global dtype policy while a run builds and trains its nets (``--precision``):
    ``bf16`` = ``mixed_bfloat16`` (bf16 compute, float32 variables, so checkpoints stay float32;
    the nets' output layers and the losses stay float32). The previous policy is restored."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(config_lib.PRECISIONS[precision])
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def check_folder(flag, path):
    """Raises, naming ``--flag``, unless ``path`` is (or can be made) a writable folder: checked
    before any training, so a bad --out or --export_dir wastes no work."""
    path = Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"--{flag}={path} needs a folder, but {existing} is a file.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--{flag}={path}: {existing} is not writable.")


def _grow(stage, gan, strategy):
    """The next stage's GAN grown from ``gan``; it continues the step and the z stream."""
    with strategy.scope():
        grown = stage.build(gan)
        grown.step.assign(gan.step)
        grown.seed_generator.state.assign(gan.seed_generator.state)
    return grown


def _train_locked(run_cfg, model_cfg, out, chief):
    strategy = strategy_lib.make_strategy(run_cfg.distribute, run_cfg.cpu_devices)
    replicas = strategy.num_replicas_in_sync
    if run_cfg.batch_size % replicas:
        raise ValueError(
            f"--batch_size={run_cfg.batch_size} must be divisible by the {replicas} replicas."
        )
    ckpt_dir, config_path = out / "checkpoints", out / "config.json"
    run_cfg = resolve_steps_per_execution(run_cfg, model_cfg, ckpt_dir)
    fixed = registry.get_model_spec(run_cfg.model).resume_fixed(model_cfg)
    if config_path.exists() and ckpt_dir.exists() and any(ckpt_dir.iterdir()):
        config_lib.check_resume_compatible(config_path, run_cfg, model_cfg, fixed)

    stages, index, gan, checkpointer, restored = restore_latest(
        run_cfg, model_cfg, ckpt_dir, strategy, run_cfg.keep_checkpoints)
    dirs = stage_dirs(ckpt_dir, stages)
    check_batch_memory(gan, run_cfg.batch_size)
    if run_cfg.eval_every and not hasattr(gan, "output_generator"):  # refused before training
        raise ValueError(f"--eval_every={run_cfg.eval_every}: a --model={run_cfg.model} run has "
                         "no generator to evaluate (its log holds the reconstruction loss); "
                         "pass --eval_every=0.")
    with storage_errors("the run settings", config_path):
        config_lib.write_config(config_path, run_cfg, model_cfg)
    start = int(gan.step.numpy())
    if restored and run_cfg.verbose:
        print(f"resuming from {restored} (step {start})", flush=True)

    kind = data.dataset_kind(run_cfg.dataset)
    sample_dir = out / "samples"
    sample_dir.mkdir(parents=True, exist_ok=True)
    n_preview = 64 if kind == "images" else 2000
    real_examples = lambda n: fixed_real_examples(run_cfg, n)
    fixed_inputs = gan.preview_inputs(n_preview, run_cfg.seed, real_examples)
    with storage_errors("the preview latents", sample_dir / "fixed_z.npy"):
        np.save(sample_dir / "fixed_z.npy", fixed_inputs)
    real_points = real_examples(n_preview) if kind == "points" else None

    def write_samples(step):  # `gan` is the current stage's model (its weight average, if any)
        with gan.averaged():
            fake = gan.preview(fixed_inputs)
        path = sample_dir / f"step_{step:07d}.png"
        if kind == "points":
            samples.save_scatter(fake, path, real=real_points, title=f"{run_cfg.model} step {step}")
        else:
            samples.save_image_grid(fake, path)
        return path

    if chief and restored:
        with storage_errors("the rewound training log in", out):
            cb.rewind_metrics(out / "metrics.jsonl", start)
            cb.rewind_tensorboard(out / "tensorboard", start)
    guard, evaluation = cb.NanGuard(), None
    periodic = cb.PeriodicCheckpoint(checkpointer, run_cfg.checkpoint_every, guard)
    callbacks = [guard]
    if chief:
        callbacks += [
            cb.MetricsLogger(out / "metrics.jsonl", out / "tensorboard", guard, run_cfg.steps,
                             verbose=run_cfg.verbose == 2),
            cb.SampleWriter(write_samples, run_cfg.sample_every, guard, sample_dir),
        ]
        if run_cfg.eval_every:
            evaluation = cb.PeriodicEvaluation(
                lambda: evaluate_outputs(gan, run_cfg, real_examples), run_cfg.eval_every, guard,
                out / "metrics.jsonl", out / "tensorboard", out / "eval_metrics.png",
                verbose=run_cfg.verbose == 2)
            callbacks.append(evaluation)
    callbacks.append(periodic)  # last: a step's lines are written before its checkpoint
    last_good = checkpointer.latest
    while True:
        last_stage = index == len(stages) - 1
        stop = run_cfg.steps if last_stage else min(stages[index].end_step, run_cfg.steps)
        now = int(gan.step.numpy())
        for first, n, per_epoch in _segments(now, stop, run_cfg.log_every):
            ds = _dataset(run_cfg, run_cfg.batch_size * gan.d_steps, first)
            gan.fit(ds, steps_per_epoch=per_epoch, epochs=n // per_epoch, callbacks=callbacks,
                    verbose=1 if run_cfg.verbose == 1 else 0, shuffle=False)
            if guard.failure:
                break
        last_good = checkpointer.latest or last_good
        if guard.failure or last_stage or stop >= run_cfg.steps:
            break
        if checkpointer.latest is None or not checkpointer.latest.endswith(f"-{stop}"):
            checkpointer.save(stop)  # the stage's end: a resume grows from here
        index += 1
        gan = _grow(stages[index], gan, strategy)
        checkpointer = Checkpointer(gan, dirs[index], run_cfg.keep_checkpoints,
                                    **checkpoint_settings(run_cfg, model_cfg, fixed))
        periodic.checkpointer = checkpointer
        if run_cfg.verbose:
            print(f"step {stop}: stage {stages[index].name} starts", flush=True)

    if guard.failure:
        key, value, step = guard.failure
        raise cb.NonFiniteLossError(
            f"{key} became {value} at step {step}; training stopped. The last good checkpoint "
            f"is {last_good or 'none (no checkpoint was written yet)'}."
        )
    end = int(gan.step.numpy())
    if checkpointer.latest is None or not checkpointer.latest.endswith(f"-{end}"):
        checkpointer.save(end)
    result = {"out": str(out), "step": end, "checkpoint": checkpointer.latest}
    if chief and evaluation is not None and evaluation.last and evaluation.last["step"] == end:
        result["eval"] = {k.split("/", 1)[1]: v for k, v in evaluation.last.items() if k != "step"}
    if chief:
        with storage_errors("the final samples in", sample_dir):
            result["samples"] = str(write_samples(end))
        output = "points" if kind == "points" else "images"
        base = run_cfg.export_base(gan.export_kind)
        previous = _finished_export(out / "result.json", result, base, run_cfg.reexport)
        with storage_errors(f"the exported {gan.export_kind} in", base), gan.averaged():
            result["export"] = previous or str(gan.export_to(base, output,
                                                             export_metadata(run_cfg, gan)))
        result["export_kind"] = gan.export_kind
        # The model's own files (LIS's module grids) show the weight average too, if kept.
        with storage_errors("the run's result files in", out), gan.averaged():
            result.update(gan.write_run_files(out))
            (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _finished_export(result_path, result, base, reexport=False):
    """The export of an earlier finish of this run at the same checkpoint, if it is complete and
    in ``base`` (a rerun of a finished run then adds no duplicate version; ``--reexport``
    exports again on purpose); else None."""
    from tfgan_latent.train import export

    if reexport or not result_path.exists():
        return None
    try:
        previous = json.loads(result_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # unreadable: export again, result.json is rewritten below
    path = Path(previous.get("export") or "")
    if (previous.get("checkpoint") == result["checkpoint"] and export.is_complete_export(path)
            and path.parent.resolve() == Path(base).resolve()):
        return str(path)
    return None


def evaluate_outputs(gan, run_cfg, real_examples=None):
    """``evaluate``'s metrics of ``gan`` on ``--eval_samples`` fixed latents of the run's seed,
    plus the model's own ``evaluation_extras(real, seed)`` (e.g. BEGAN-CS's latent statistics)
    on as many fixed real examples when it has them."""
    from tfgan_latent.train import evaluate  # evaluate imports this module

    source = evaluate.gan_source(gan, run_cfg)
    with gan.averaged():  # what the previews and the export show
        x = source.generate(run_cfg.eval_samples, run_cfg.seed)
        scores = evaluate.score(x, run_cfg.dataset, seed=run_cfg.seed,
                                toy_params=source.toy_params)
        if real_examples is not None and hasattr(gan, "evaluation_extras"):
            scores.update(gan.evaluation_extras(real_examples(run_cfg.eval_samples),
                                                run_cfg.seed))
    return scores


def export_metadata(run_cfg, gan):
    """What ``evaluate``/``sample --saved_model`` need to know about an export, and the run
    folder that made it."""
    return {"model": run_cfg.model, "dataset": run_cfg.dataset, "image_size": run_cfg.image_size,
            "run": os.path.abspath(run_cfg.out),
            "latent_dim": gan.latent_dim, "latent_prior": gan.latent_prior,
            "latent_prior_args": gan.latent_prior_args, "toy_params": run_cfg.toy_params(),
            "step": int(gan.step.numpy())}


def fixed_real_examples(run_cfg, n):
    """``n`` real examples of the run's data, fixed by its seed (+ 1): what previews of real
    data, in-run scores and ``evaluate --run`` compare with."""
    return next(iter(_dataset(run_cfg, n, 0, seed=run_cfg.seed + 1, flip=False))).numpy()


def _dataset(run_cfg, batch_size, start_step, seed=None, flip=None):
    """The run's data stream (``--flip``, resolved, unless ``flip`` says otherwise: the fixed
    real examples of previews and scores are the data set's own images, unflipped)."""
    run_cfg = run_cfg.data_resolved()  # --crop / --flip "auto": the model's paper settings
    return data.make_dataset(
        run_cfg.dataset, batch_size=batch_size, seed=run_cfg.seed if seed is None else seed,
        start_step=start_step, image_size=run_cfg.image_size, data_dir=run_cfg.data_dir or None,
        download=run_cfg.download, crop=run_cfg.crop, num_images=run_cfg.num_images,
        toy_params=run_cfg.toy_params(), flip=run_cfg.flip == "on" if flip is None else flip,
    )

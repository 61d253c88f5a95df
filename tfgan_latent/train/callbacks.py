"""Training callbacks: NaN guard, metrics log (JSONL + TensorBoard), checkpoints, samples,
periodic evaluation.

Keras "epochs" are log intervals here: the trackers are means over one interval, and
``gan.step`` (a model variable) is the global step, so everything is keyed by step.
"""
import json
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from tfgan_latent.train.checkpoints import storage_errors


# TF 2.21 ships tf.summary.write but not tf.summary.scalar (that needs the tensorboard
# package); this metadata is what TensorBoard's scalar plugin reads.
_SCALAR_METADATA = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
)


def _step(model):
    return int(model.step.numpy())


class NonFiniteLossError(RuntimeError):
    pass


class NanGuard(keras.callbacks.Callback):
    """Stops training after a log interval in which a tracked value became NaN/Inf.

    The model records the first bad (step, tracker) in-graph (``GAN.nonfinite``), so this
    reads one variable per interval instead of syncing every step. Must come first in the
    callback list: the checkpoint and sample callbacks skip once ``failure`` is set.
    """

    def __init__(self):
        super().__init__()
        self.failure = None

    def on_epoch_end(self, epoch, logs=None):
        step, index = (int(v) for v in self.model.nonfinite.numpy())
        if step >= 0 and self.failure is None:
            key = list(self.model.trackers)[index]
            value = float(np.asarray((logs or {}).get(key, np.nan)).reshape(-1)[0])
            self.failure = (key, value if not math.isfinite(value) else float("nan"), step)
            self.model.stop_training = True


def rewind_metrics(path, step):
    """Drops the records of ``path`` (metrics.jsonl) after ``step``, the step a resumed run
    restarts from, so an interrupted-then-resumed run's log equals an uninterrupted run's line
    for line (the loggers run before the checkpoint, so the restored step's lines are there)."""
    path = Path(path)
    if not path.exists():
        return
    kept = []
    for line in path.read_text().splitlines():
        try:
            if json.loads(line)["step"] > step:
                continue
        except (ValueError, KeyError, TypeError):
            pass  # not ours to judge: keep it
        kept.append(line)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in kept))
    tmp.replace(path)


def rewind_tensorboard(tb_dir, step):
    """Drops the events after ``step`` from the TensorBoard event files under ``tb_dir`` (the
    resume counterpart of ``rewind_metrics``): each file is a TFRecord file of ``Event`` protos,
    rewritten with the events at or before ``step`` (a record cut short by a kill ends the read)."""
    from tensorflow.core.util import event_pb2

    for path in sorted(Path(tb_dir).rglob("events.out.tfevents.*")) if Path(tb_dir).exists() else ():
        kept, dropped = [], 0
        try:
            for record in tf.data.TFRecordDataset(str(path)):
                raw = record.numpy()
                if event_pb2.Event.FromString(raw).step > step:
                    dropped += 1
                else:
                    kept.append(raw)
        except (tf.errors.DataLossError, tf.errors.OutOfRangeError):
            dropped += 1  # a truncated last record: the run was killed while writing it
        if not dropped:
            continue
        tmp = path.with_name(path.name + ".tmp")
        with tf.io.TFRecordWriter(str(tmp)) as writer:
            for raw in kept:
                writer.write(raw)
        tmp.replace(path)


class MetricsLogger(keras.callbacks.Callback):
    """Appends ``{"step", <every tracker>, "steps_per_sec"}`` to metrics.jsonl and TensorBoard."""

    def __init__(self, path, tb_dir, guard, total_steps, verbose=True):
        super().__init__()
        self.path, self.tb_dir = Path(path), tb_dir
        self.writer = tf.summary.create_file_writer(str(tb_dir))
        self.guard, self.total, self.verbose = guard, total_steps, verbose
        self._t0 = self._s0 = None

    def on_epoch_begin(self, epoch, logs=None):
        self._t0, self._s0 = time.perf_counter(), _step(self.model)

    def on_epoch_end(self, epoch, logs=None):
        step = _step(self.model)
        record = {"step": step}
        for key, value in (logs or {}).items():
            record[key] = float(np.asarray(value).reshape(-1)[0])
        if self._t0 is not None and step > self._s0:
            record["steps_per_sec"] = (step - self._s0) / (time.perf_counter() - self._t0)
        with storage_errors("the training log", self.path):
            with self.path.open("a") as f:
                f.write(json.dumps({k: (v if math.isfinite(v) else str(v))
                                    for k, v in record.items()}) + "\n")
        with storage_errors("TensorBoard summaries in", self.tb_dir):
            with self.writer.as_default(step=step):
                for key, value in record.items():
                    if key != "step" and math.isfinite(value):
                        tf.summary.write(key, tf.constant(value, tf.float32),
                                         metadata=_SCALAR_METADATA)
            self.writer.flush()
        if self.verbose:
            shown = " ".join(f"{k}={v:.4g}" for k, v in record.items() if k != "step")
            print(f"step {step}/{self.total} {shown}{eta_text(record, self.total)}", flush=True)


def eta_text(record, total):
    """`` eta=1h02m`` / `` eta=4m05s``: the remaining steps at this log interval's rate
    (training only: evaluations and checkpoints between intervals are not in the rate)."""
    rate = record.get("steps_per_sec", 0.0)
    left = total - record["step"]
    if not rate > 0 or left <= 0:
        return ""
    seconds = int(round(left / rate))
    hours, rest = divmod(seconds, 3600)
    return f" eta={hours}h{rest // 60:02d}m" if hours else f" eta={rest // 60}m{rest % 60:02d}s"


class PeriodicCheckpoint(keras.callbacks.Callback):
    """Saves every ``every`` steps (at log-interval ends), never after a non-finite loss."""

    def __init__(self, checkpointer, every, guard):
        super().__init__()
        self.checkpointer, self.every, self.guard = checkpointer, every, guard
        self.last_saved = None

    def on_epoch_end(self, epoch, logs=None):
        if self.guard.failure is not None:
            return
        step = _step(self.model)
        if step % self.every == 0:
            self.checkpointer.save(step)
            self.last_saved = step


class SampleWriter(keras.callbacks.Callback):
    """Writes ``samples/step_<7-digit step>.png`` from a fixed z every ``every`` steps."""

    def __init__(self, write_fn, every, guard, folder="samples/"):
        super().__init__()
        self.write_fn, self.every, self.guard, self.folder = write_fn, every, guard, folder

    def on_epoch_end(self, epoch, logs=None):
        step = _step(self.model)
        if self.guard.failure is None and step % self.every == 0:
            with storage_errors(f"the step-{step} samples in", self.folder):
                self.write_fn(step)


class PeriodicEvaluation(keras.callbacks.Callback):
    """Every ``every`` steps: ``evaluate_fn()`` → ``{"step", "eval/<metric>"}`` in metrics.jsonl.

    The same values go to TensorBoard (``eval/<metric>``) and ``plot_path`` is redrawn with
    every evaluation so far (the records of metrics.jsonl, so a resumed run keeps its past).
    Only scalar metrics are logged. Runs at log-interval ends only: no per-step host work.
    """

    def __init__(self, evaluate_fn, every, guard, path, tb_dir, plot_path, verbose=True):
        super().__init__()
        self.evaluate_fn, self.every, self.guard = evaluate_fn, every, guard
        self.path, self.plot_path, self.verbose = Path(path), Path(plot_path), verbose
        self.writer = tf.summary.create_file_writer(str(tb_dir))
        self.last = None

    def on_epoch_end(self, epoch, logs=None):
        step = _step(self.model)
        if self.guard.failure is not None or step % self.every:
            return
        values = {k: v for k, v in self.evaluate_fn().items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool)
                  and math.isfinite(v) and k not in _CONSTANT_KEYS}
        record = {"step": step, **{f"eval/{k}": v for k, v in values.items()}}
        with storage_errors("the evaluation log", self.path):
            with self.path.open("a") as f:
                f.write(json.dumps(record) + "\n")
            with self.writer.as_default(step=step):
                for key, value in values.items():
                    tf.summary.write(f"eval/{key}", tf.constant(value, tf.float32),
                                     metadata=_SCALAR_METADATA)
            self.writer.flush()
            plot_eval_history(self.path, self.plot_path)
        self.last = record
        if self.verbose:
            shown = " ".join(f"{k}={v:.4g}" for k, v in values.items())
            print(f"step {step} eval: {shown}", flush=True)


_CONSTANT_KEYS = ("num_samples", "num_images", "manifold_threshold", "num_modes")
PLOTTED = ("on_manifold_percent", "modes", "mode_kl", "fid", "kid", "ms_ssim", "precision",
           "recall", "fid_inception", "inception_score", "hq_percent")


def eval_records(metrics_path):
    """The eval records of metrics.jsonl by step, the last one per step (a resumed run may
    score a step again)."""
    records = [json.loads(line) for line in Path(metrics_path).read_text().splitlines()
               if line.strip()]
    by_step = {r["step"]: r for r in records if any(k.startswith("eval/") for k in r)}
    return [by_step[step] for step in sorted(by_step)]


def plot_eval_history(metrics_path, plot_path):
    """One panel per evaluated metric over steps, from the eval records of metrics.jsonl."""
    from tfgan_latent.train.samples import plt

    records = eval_records(metrics_path)
    keys = [k for k in PLOTTED if any(f"eval/{k}" in r for r in records)]
    if not keys:
        return None
    cols = min(3, len(keys))
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        pts = [(r["step"], r[f"eval/{key}"]) for r in records if f"eval/{key}" in r]
        ax.plot(*zip(*pts), marker="o")
        ax.set_title(key)
        ax.set_xlabel("step")
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(plot_path)
    plt.close(fig)
    return plot_path

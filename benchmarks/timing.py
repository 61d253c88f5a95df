"""Shared timing loop of the benchmarks: models timed side by side, interleaved.

Run the benchmarks as scripts (``python benchmarks/NAME.py``); this folder is then on
``sys.path``.
"""
import time

import numpy as np

from absl import flags


def define_flags(steps, reps):
    flags.DEFINE_integer("steps", steps, "steps per timed repetition")
    flags.DEFINE_integer("reps", reps, "timed repetitions per model (after one warm-up)")


def interleaved_step_times(models, data, steps, reps):
    """``{key: [seconds per step, one per repetition]}`` for ``{key: compiled model}``.

    ``data``: one dataset for every model, or ``{key: dataset}`` (a model may appear under
    several keys, e.g. fed by different pipelines).

    Each model's compiled train step is called ``steps`` times per repetition on its own
    iterator over ``data`` (no ``fit`` setup, callbacks or iterator creation in the timed
    window; the last step's logs are read back, so the time covers the work). Repetitions
    alternate between the models, so slow drifts of the machine hit all models alike;
    repetition 0 (tracing) is not timed.
    """
    runs = {}
    for key, model in models.items():
        model.make_train_function()  # what fit calls per step (Keras 3: returns an Optional)
        runs[key] = (model.train_function, iter(data[key] if isinstance(data, dict) else data))
    times = {key: [] for key in models}
    for rep in range(reps + 1):
        for key, (step, iterator) in runs.items():
            start = time.perf_counter()
            for _ in range(steps):
                logs = step(iterator)
            logs = logs.get_value() if hasattr(logs, "get_value") else logs
            _ = [np.asarray(v) for v in logs.values()]
            if rep:
                times[key].append((time.perf_counter() - start) / steps)
    return times


def machine():
    """One line naming the CPU, its core count and the TensorFlow build (print it with results)."""
    import os
    import platform

    import tensorflow as tf

    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")
    return (f"{cpu}, {os.cpu_count()} cores, TensorFlow {tf.__version__}, "
            f"TF_ENABLE_ONEDNN_OPTS={onednn}")

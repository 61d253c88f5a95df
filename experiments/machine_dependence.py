"""Same seed, same flags, other CPU code path: the demo's trajectory is machine dependent.

Runs ``tfgan-latent demo --steps=N --seed=0`` in fresh processes under TensorFlow's CPU kernel
choices a machine may give (oneDNN on with this CPU's widest vector ISA, oneDNN on limited to
AVX2 as on an AVX2-only CPU, oneDNN off), then compares the final generators: the largest
weight difference and the largest pixel difference of their samples on the same fixed z. Any
difference grows along a GAN's trajectory, so a seed's scores hold on the machine that made
them only (README, "Seeds and times are the machine's").

    python experiments/machine_dependence.py --steps=1000

Output: ``experiments/results/hardening/machine_dependence.txt`` (with the CPU it ran on).
"""
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from absl import app, flags

flags.DEFINE_integer("steps", 1000, "demo steps per run")
flags.DEFINE_string("out", "experiments/results/hardening/machine_dependence.txt", "report")
FLAGS = flags.FLAGS

KERNELS = {"oneDNN on (this CPU's ISA)": {"TF_ENABLE_ONEDNN_OPTS": "1"},
           "oneDNN on, AVX2 only": {"TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_MAX_CPU_ISA": "AVX2"},
           "oneDNN off": {"TF_ENABLE_ONEDNN_OPTS": "0"}}


def cpu_line():
    flags_line = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not flags_line:
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                have = set(line.split(":", 1)[1].split())
                flags_line = " ".join(f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile")
                                      if f in have)
                break
        return f"{name}; {flags_line}; {os.cpu_count()} cores"
    except (OSError, UnboundLocalError):
        return platform.processor() or "unknown CPU"


def main(_):
    import tensorflow as tf

    z = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")  # the demo's dim(z)
    rows, samples, weights = [], {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, env in KERNELS.items():
            out, export = Path(tmp) / f"run{len(rows)}", Path(tmp) / f"exp{len(rows)}"
            done = subprocess.run(
                [sys.executable, "-m", "tfgan_latent", "demo", f"--steps={FLAGS.steps}",
                 "--seed=0", f"--out={out}", f"--export_dir={export}", "--verbose=0"],
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env}, capture_output=True,
                text=True)
            if done.returncode:
                raise SystemExit(f"{name}: {done.stderr[-2000:]}")
            served = tf.saved_model.load(str(export / "1")).signatures["serving_default"]
            samples[name] = served(z=tf.constant(z))["images"].numpy()
            reader = tf.train.load_checkpoint(str(out / "checkpoints"))
            weights[name] = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()
                             if k.startswith("generator/")}
            rows.append(name)
    first = rows[0]
    lines = [f"`tfgan-latent demo --steps={FLAGS.steps} --seed=0` under three kernel choices; "
             f"CPU: {cpu_line()}; TensorFlow {tf.__version__}",
             f"compared with '{first}':", ""]
    for name in rows[1:]:
        dw = max(float(np.max(np.abs(weights[name][k] - weights[first][k])))
                 for k in weights[first])
        dx = float(np.max(np.abs(samples[name] - samples[first])))
        mean_dx = float(np.mean(np.abs(samples[name] - samples[first])))
        lines.append(f"{name:28s} max |Δ generator variable| {dw:.3g}; samples of 64 fixed z: "
                     f"max |Δ pixel| {dx:.3g}, mean {mean_dx:.3g} (pixels in [-1, 1])")
    report = "\n".join(lines) + "\n"
    Path(FLAGS.out).parent.mkdir(parents=True, exist_ok=True)
    Path(FLAGS.out).write_text(report)
    print(report)


if __name__ == "__main__":
    app.run(main)

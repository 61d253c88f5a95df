"""``invert`` on an export before/after the start option: the paper's z₀ = 0 against the default.

Runs the ``invert`` command (``tfgan-latent invert --saved_model=DIR``) twice on the same
held-out images, with ``--search_start=zero`` (the latent-dimension paper's Fig. 2 start, the
only behaviour before the option existed) and with the default ``--search_start=auto`` (z₀ = 0
unless the error's gradient vanishes there, then the best of ``--search_k`` draws from the
prior; ``tfgan_latent.inversion``). Reports per start the mean / median per-image MSE on
[−1, 1] images, the number of distinct z (exactly, and after rounding to 3 decimals), the
largest |z| component, how many images stalled at z = 0 and the seconds per image. Writes
``OUT/invert_start.md`` and ``OUT/invert_start.json``; the grids stay in ``OUT/<start>/``.

    python experiments/invert_start.py --saved_model=/tmp/demo_export/1 \
        --out=experiments/results/latent_dim/invert_start
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import timing  # noqa: E402

flags.DEFINE_string("saved_model", None, "the export (version folder) to invert")
flags.DEFINE_string("out", "experiments/results/latent_dim/invert_start", "result folder")
flags.DEFINE_integer("num", 16, "held-out images")
flags.DEFINE_integer("search_steps", 10_000, "projected-Adam steps")
flags.DEFINE_string("note", "", "how the export was made (printed with the results)")
FLAGS = flags.FLAGS


def run_invert(start, out):
    command = [sys.executable, "-m", "tfgan_latent", "invert", f"--saved_model={FLAGS.saved_model}",
               f"--out={out}", f"--num={FLAGS.num}", f"--search_steps={FLAGS.search_steps}",
               f"--search_start={start}"]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    result = json.loads((Path(out) / "inversion.json").read_text())
    z = np.load(Path(out) / "z_search.npy")
    warned = [line for line in done.stderr.splitlines() if "vanishes at z = 0" in line]
    return {"start": start, "command": " ".join(command[1:]),
            "mse_mean": result["search"]["mse_mean"],
            "mse_median": result["search"]["mse_median"],
            "distinct_z": int(len(np.unique(z, axis=0))),
            "distinct_z_3dp": int(len(np.unique(np.round(z, 3), axis=0))),
            "max_abs_z": float(np.abs(z).max()),
            "stalled_at_zero": result["search"]["stalled_at_zero"],
            "starts_used": result["search"]["starts_used"],
            "seconds_per_image": result["search"]["seconds_per_image"],
            "wall_seconds": time.perf_counter() - began, "warning": warned[:1]}


def main(_):
    if not FLAGS.saved_model:
        raise app.UsageError("pass --saved_model=DIR (an export's version folder).")
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [run_invert(start, out / start) for start in ("zero", "auto")]
    lines = [f"# `invert` on {FLAGS.saved_model}: zero start (before) vs the default (after)", "",
             f"Machine: {timing.machine()}", f"Export: {FLAGS.note or FLAGS.saved_model}",
             f"{FLAGS.num} held-out images, {FLAGS.search_steps} projected-Adam steps.", "",
             "| --search_start | MSE mean | MSE median | distinct z | distinct z (3 dp) | "
             "max abs z | stalled at 0 | starts used | s / image |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['start']} | {r['mse_mean']:.5f} | {r['mse_median']:.5f} | "
                     f"{r['distinct_z']} | {r['distinct_z_3dp']} | {r['max_abs_z']:.4f} | "
                     f"{r['stalled_at_zero']} | {r['starts_used']} | "
                     f"{r['seconds_per_image']:.2f} |")
    lines += ["", "Warning logged by the default:", ""] + [f"    {w}" for r in rows
                                                          for w in r["warning"]]
    text = "\n".join(lines) + "\n"
    (out / "invert_start.md").write_text(text)
    (out / "invert_start.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    app.run(main)

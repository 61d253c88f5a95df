"""`tfgan-latent evaluate` on one short run of each image model family (the JSON contract).

Trains dcgan, wgan_gp, glis (LIS, one module) and clggan (latent-space growing) on 32×32
``shapes`` for ``--steps`` steps each with small nets, then runs ``evaluate --run`` on each (and
on the dcgan export with ``--saved_model``) and stores the JSON objects. These are plumbing
runs, far too short for good images: they show what each family's evaluation reports, not how
good the family is.

    python experiments/evaluate_families.py --steps=400

Output: ``experiments/results/evaluation/families.json``; run folders under ``runs/`` there.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from absl import app, flags

flags.DEFINE_integer("steps", 400, "training steps per run")
flags.DEFINE_integer("num_samples", 2000, "evaluate --num_samples")
flags.DEFINE_string("out", "experiments/results/evaluation", "results folder")
FLAGS = flags.FLAGS

FAMILIES = {
    "dcgan": ["--model=dcgan", "--width=16", "--g_steps=2"],
    "wgan_gp": ["--model=wgan_gp", "--width=16"],
    "glis": ["--model=glis", "--lis_modules=1", "--nfeature=16"],
    "clggan": ["--model=clggan", "--latent_dim=64", "--top=32", "--batch_size=16"],
}


def cli(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-m", "tfgan_latent", *args], capture_output=True,
                          text=True, env=env)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def main(argv):
    del argv
    out = Path(FLAGS.out)
    runs = out / "runs"
    results = {}
    for name, extra in FAMILIES.items():
        run, export = runs / name, runs / f"{name}_export"
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(export, ignore_errors=True)
        cli("train", "--dataset=shapes", "--image_size=32", f"--steps={FLAGS.steps}",
            "--log_every=100", "--sample_every=100", "--checkpoint_every=100", "--verbose=0",
            f"--out={run}", f"--export_dir={export}", *extra)
        ev = cli("evaluate", f"--run={run}", f"--num_samples={FLAGS.num_samples}")
        results[name] = {"flags": extra, "evaluate": json.loads(ev.strip().splitlines()[-1])}
        print(name, json.dumps(results[name]["evaluate"], sort_keys=True), flush=True)
        if name == "dcgan":
            ev = cli("evaluate", f"--saved_model={export / '1'}",
                     f"--num_samples={FLAGS.num_samples}")
            results["dcgan_saved_model"] = {"evaluate": json.loads(ev.strip().splitlines()[-1])}
    out.mkdir(parents=True, exist_ok=True)
    (out / "families.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    app.run(main)

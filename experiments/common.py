"""Helpers the experiment scripts share: one training run with its metrics, curves, tables."""
import json
import time
from pathlib import Path

import numpy as np

from tfgan_latent.train import runner
from tfgan_latent.train.config import RunConfig


def train_run(root, name, model, dataset, seed, steps, eval_every, eval_samples, overrides,
              **run_args):
    """Trains ``root/runs/<name>_seed<seed>``; returns (result, metrics.jsonl records, seconds)."""
    out = Path(root) / "runs" / f"{name}_seed{seed}"
    log = eval_every if eval_every else steps
    run = RunConfig(model=model, dataset=dataset, steps=steps, seed=seed, out=str(out),
                    export_dir=str(out / "export"), log_every=log, sample_every=steps,
                    checkpoint_every=steps, eval_every=eval_every, eval_samples=eval_samples,
                    steps_per_execution=10 if log % 10 == 0 else 1, verbose=0, **run_args)
    start = time.perf_counter()
    result = runner.train(run, runner.resolve_model_config(run, overrides))
    seconds = time.perf_counter() - start
    return result, read_records(out), seconds


def read_records(run_dir):
    return [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]


def curve(records, key):
    """[(step, value)] of the evaluation metric ``key``."""
    return [(r["step"], r[f"eval/{key}"]) for r in records if f"eval/{key}" in r]


def summary_table(rows, keys):
    """Per configuration: mean ± std over seeds and the per-seed values, for each key."""
    lines = ["| config | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for config in dict.fromkeys(r["config"] for r in rows):
        sel = [r for r in rows if r["config"] == config]
        cells = []
        for key in keys:
            values = np.array([r[key] for r in sel], dtype=float)
            seeds = ", ".join(f"{v:.3g}" for v in values)
            cells.append(f"{values.mean():.3g} ± {values.std():.2g} ({seeds})")
        lines.append(f"| {config} | " + " | ".join(cells) + " |")
    return "\n".join(lines)

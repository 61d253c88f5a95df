"""Scores the final generators of ``shapes`` runs with both shapes manifold decisions.

Before: ``decision="mse"`` (the residual alone, the score before issue 29); after: ``"visual"``
(the residual, sharp edges, no hole or speck, a palette colour; the library default). Each run's
generator (its weight average, as ``evaluate --run`` uses) draws ``--num_samples`` images from
the fixed latents of the run's seed (the demo's own end-of-training evaluation: 2,000 of them),
which are fitted once and scored both ways.

    python experiments/rescore_shapes_manifold.py --tag=demo29 \\
        --runs=experiments/results/demo/runs/demo29_seed0,experiments/results/demo/runs/demo29_seed1

Output: ``experiments/results/demo/<tag>_rescored.json`` and ``.md`` (with the CPU).
"""
import json
import os
import platform
import time
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401
import numpy as np

from tfgan_latent.metrics import shapes_manifold
from tfgan_latent.train import evaluate

flags.DEFINE_list("runs", [], "run folders to score")
flags.DEFINE_string("tag", "demo29", "name of the output files")
flags.DEFINE_integer("num_samples", 2000, "samples per run (the demo evaluates 2,000)")
flags.DEFINE_string("out", "experiments/results/demo", "results folder")
FLAGS = flags.FLAGS

KEYS = ("on_manifold_percent", "modes", "mode_kl", "w1_x", "w1_y", "w1_size")
CHECKS = ("soft_edges_percent", "spots_percent", "off_colour_percent")


def cpu_model():
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    return next((line.split(":", 1)[1].strip() for line in lines
                 if line.startswith("model name")), platform.machine())


def _stats(values):
    values = np.asarray([v for v in values if v is not None], np.float64)
    if not len(values):
        return None
    spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return {"mean": float(values.mean()), "std": spread, "min": float(values.min()),
            "max": float(values.max())}


def main(argv):
    del argv
    if not FLAGS.runs:
        raise SystemExit("--runs: name at least one run folder.")
    rows = []
    for run in FLAGS.runs:
        t0 = time.time()
        source = evaluate.run_source(run)
        images = source.generate(FLAGS.num_samples, source.seed or 0)
        fit = shapes_manifold.fit_shapes(images)
        _, reference = shapes_manifold.reference_set(images.shape[1])
        row = {"run": run, "seed": source.seed, "step": source.step}
        for decision, label in (("mse", "before"), ("visual", "after")):
            score = shapes_manifold.shapes_manifold_score(images, fitted=fit, reference=reference,
                                                          decision=decision)
            row[label] = {k: score[k] for k in KEYS}
            if decision == "visual":
                row[label].update({k: score[k] for k in CHECKS})
        row["seconds"] = round(time.time() - t0, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    summary = {label: {k: _stats([r[label][k] for r in rows]) for k in ("on_manifold_percent", "modes")}
               for label in ("before", "after")}
    report = {"tag": FLAGS.tag, "cpu": cpu_model(), "cores": os.cpu_count(),
              "num_samples": FLAGS.num_samples, "rows": rows, "summary": summary}
    out = Path(FLAGS.out)
    (out / f"{FLAGS.tag}_rescored.json").write_text(json.dumps(report, indent=2) + "\n")
    fmt = lambda v, f: "–" if v is None else format(v, f)
    lines = [f"# The shapes manifold score before and after issue 29's visual checks ({FLAGS.tag})",
             "", f"`python experiments/rescore_shapes_manifold.py --tag={FLAGS.tag} "
             f"--runs={','.join(FLAGS.runs)}`; {report['cpu']}, {report['cores']} cores; "
             f"{FLAGS.num_samples} samples per run from the latents of its seed.", "",
             "| seed | step | on-manifold % before | after | modes before | after | mode KL after | "
             "soft edges % | spots % | off colour % |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        b, a = r["before"], r["after"]
        lines.append(f"| {r['seed']} | {r['step']} | {b['on_manifold_percent']:.2f} | "
                     f"{a['on_manifold_percent']:.2f} | {b['modes']} | {a['modes']} | "
                     f"{fmt(a['mode_kl'], '.3f')} | {a['soft_edges_percent']:.1f} | "
                     f"{a['spots_percent']:.1f} | {a['off_colour_percent']:.1f} |")
    lines.append("")
    for label in ("before", "after"):
        for key, stats in summary[label].items():
            if stats:
                lines.append(f"- {label}, {key}: mean {stats['mean']:.2f}, sample std "
                             f"{stats['std']:.2f}, range [{stats['min']:.2f}, {stats['max']:.2f}] "
                             f"over {len(rows)} runs")
    (out / f"{FLAGS.tag}_rescored.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    app.run(main)

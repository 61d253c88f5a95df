"""Learning curves of single-seed demo probes: the offline scores at each `--eval_every` step.

Each probe is one `tfgan-latent demo` run with extra flags and `--eval_every=1000
--eval_samples=1000`, run pinned to one core (two probes side by side on the two cores, so
their steps/s are not the demo's 2-core speed). This prints, per probe, on-manifold % / modes /
FID (shapes features) at every evaluated step, from the `metrics.jsonl` copied into the probe
folder:

    python experiments/demo_probe_curves.py --dir=experiments/results/demo/probes/curves
"""
import json
import re
from pathlib import Path

import numpy as np

from absl import app, flags

flags.DEFINE_string("dir", "experiments/results/demo/probes/curves", "folder of <tag>.jsonl")
flags.DEFINE_list("summary_steps", ["1000", "5000"], "steps of the multi-seed summaries")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    folder = Path(FLAGS.dir)
    runs = {path: [json.loads(line) for line in path.read_text().splitlines()]
            for path in sorted(folder.glob("*.jsonl"))}
    is_eval = lambda r: any(k.endswith("on_manifold_percent") for k in r)
    steps = sorted({r["step"] for rows in runs.values() for r in rows if is_eval(r)})
    print("| probe | flags | " + " | ".join(f"step {s}" for s in steps) + " | steps/s (1 core) |")
    print("|---|---|" + "---|" * (len(steps) + 1))
    groups = {}
    for path, rows in runs.items():
        flags_used = (folder / f"{path.stem}.flags").read_text().strip()
        evals = {r["step"]: r for r in rows if is_eval(r)}
        cells = []
        for step in steps:
            r = evals.get(step)
            if r is None:
                cells.append("")
                continue
            pick = lambda suffix: next(v for k, v in r.items() if k.endswith(suffix))
            cells.append(f"{pick('on_manifold_percent'):.1f} / {pick('modes')} / {pick('fid'):.2f}")
            key = re.sub(r" ?--seed=\d+", "", flags_used)
            groups.setdefault(key, {}).setdefault(step, []).append(
                (pick("on_manifold_percent"), pick("modes"), pick("fid")))
        speeds = [r["steps_per_sec"] for r in rows if "steps_per_sec" in r]
        print(f"| {path.stem} | `{flags_used}` | " + " | ".join(cells)
              + f" | {speeds[-1]:.1f} |")
    for step in map(int, FLAGS.summary_steps):
        print(f"\nAt step {step:,}, settings run with more than one seed (mean ± sample std, "
              "then each seed):")
        for key, by_step in groups.items():
            vals = by_step.get(step, [])
            if len(vals) < 2:
                continue
            cols = np.array(vals, dtype=float).T
            parts = [f"{name} {c.mean():.2f} ± {c.std(ddof=1):.2f} "
                     f"({', '.join(f'{v:g}' for v in c)})"
                     for name, c in zip(("on-manifold %", "modes", "FID"), cols)]
            print(f"- `{key}`, {len(vals)} seeds: " + "; ".join(parts))

if __name__ == "__main__":
    app.run(main)

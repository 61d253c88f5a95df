"""The weight-averaged generator of a run against its live one: the same latents, the run's
evaluation (on ``shapes``: on-manifold %, modes, and the visual decision's reasons).

    python experiments/average_vs_live.py \
        --run=experiments/results/presets/runs/shapes32/dcgan/demo20_seed0

Appends one line per run to ``--out`` (``average_vs_live.jsonl``) and rewrites the ``.md`` next to
it. Used by issue 31's search notes (is a longer average worth trying?).
"""
import json
import time
from pathlib import Path

import numpy as np
from absl import app, flags

flags.DEFINE_string("run", None, "a training run folder whose model keeps a weight average")
flags.DEFINE_integer("num", 1000, "samples scored per generator")
flags.DEFINE_integer("seed", 7, "seed of the latents")
flags.DEFINE_string("out", "experiments/results/presets/average_vs_live.jsonl", "results file")
flags.mark_flag_as_required("run")
FLAGS = flags.FLAGS
KEYS = ("on_manifold_percent", "modes", "spots_percent", "off_colour_percent",
        "soft_edges_percent")


def main(_):
    from cli_runs import cpu_line
    from tfgan_latent.train import evaluate as ev

    run_cfg, _, gan = ev.load_run(FLAGS.run)  # loads with the average in place
    if not gan.average_pairs():
        raise SystemExit(f"--run={FLAGS.run}: its model keeps no weight average")
    z = gan.fixed_latents(FLAGS.num, FLAGS.seed)
    row = {"run": FLAGS.run, "step": int(gan.step.numpy()), "num": FLAGS.num,
           "seed": FLAGS.seed, "cpu": cpu_line(), "date": time.strftime("%Y-%m-%d %H:%M")}
    for name in ("average", "live"):
        x = np.concatenate([np.asarray(gan.output_generator(z[i:i + 250], training=False))
                            for i in range(0, len(z), 250)])
        scores = ev.score(x, run_cfg.dataset)
        row[name] = {k: scores[k] for k in KEYS if k in scores}
        gan.swap_average()  # average -> live
    out = Path(FLAGS.out)
    with open(out, "a") as f:
        f.write(json.dumps(row, sort_keys=True) + "\n")
    rows = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
    lines = ["# Averaged vs live generator (`python experiments/average_vs_live.py --run=...`)", "",
             "| run | step | z | generator | " + " | ".join(KEYS) + " | CPU |",
             "|---" * (5 + len(KEYS)) + "|"]
    for r in rows:
        for name in ("average", "live"):
            lines.append(f"| {r['run']} | {r['step']} | {r['num']} (seed {r['seed']}) | {name} | "
                         + " | ".join(f"{r[name].get(k, '–'):g}" for k in KEYS)
                         + f" | {r['cpu']} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)

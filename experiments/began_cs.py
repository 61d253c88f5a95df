"""Evidence for BEGAN-CS (Chang et al. 2018): does the latent constraint keep BEGAN's modes?

Part ``toy`` ([P] §4.6, Fig. 7): ``grid25`` with the VEEGAN/PacGAN protocol (25 Gaussians on
{−4, −2, 0, 2, 4}², σ 0.05; modes and high-quality % of 2,500 samples within 3σ), BEGAN vs
BEGAN-CS with the paper's toy settings (2×128 ReLU MLPs, U[−√(9/n), √(9/n)] init, N_z 32,
γ = 25 *as printed* (§3 says γ ∈ [0, 1]; research/began_cs.md §4.5), λ_k 1e-4, α 0.1, Adam
lr_d 1e-4, lr_g 5e-4, β (0.5, 0.999)). Unstated and ours: batch 64, ``--toy_steps`` steps,
evaluation every ``--toy_eval_every`` steps (modes over training: does BEGAN lose modes late?).

Part ``shapes``: ``shapes`` at ``--image_size`` (32 by default), BEGAN vs BEGAN-CS, the released BEGAN-CS nets at width
``--width`` (the paper's n = 128 is far beyond 2 CPU cores), the paper's CelebA settings
otherwise (γ 0.5, λ_k 1e-3, Adam 1e-4, N_z 64); the evaluation issue's manifold score and modes,
plus |Enc(G(z)) − z| and the latent variance ratio over training.

Every run is reported, collapsed or not.

    python experiments/began_cs.py --part=toy --seeds=5
    python experiments/began_cs.py --part=shapes --seeds=3
"""
import json
import time
from pathlib import Path

from absl import app, flags

import common

flags.DEFINE_enum("part", "toy", ["toy", "shapes"], "which experiment")
flags.DEFINE_integer("seeds", 5, "seeds per configuration")
flags.DEFINE_integer("first_seed", 0, "first seed")
flags.DEFINE_integer("toy_steps", 20000, "grid25 steps")
flags.DEFINE_integer("toy_eval_every", 2000, "grid25 evaluation period")
flags.DEFINE_integer("toy_batch", 64, "grid25 batch size (the paper gives none)")
flags.DEFINE_float("toy_gamma", 0.0, "grid25 γ; 0: the paper's 25 as printed (a sensitivity run "
                   "with 0.25, the value a dropped '0.' would give, writes toy_gamma0.25.*)")
flags.DEFINE_integer("shapes_steps", 2000, "shapes steps")
flags.DEFINE_integer("shapes_eval_every", 500, "shapes evaluation period")
flags.DEFINE_integer("width", 16, "shapes nets' base width n")
flags.DEFINE_integer("image_size", 32, "shapes image size (16, 32 or 64)")
flags.DEFINE_float("shapes_lr", 0.0, "shapes Adam step size of G and D; 0: the paper's 1e-4 (at 1e-4 "
                   "a 1,500-step 16 px run had not left noise: a short-run choice of ours)")
flags.DEFINE_string("out", "experiments/results/began_cs", "output folder")
flags.DEFINE_string("collect_log", "", "instead of training: the tables from the JSON rows an "
                    "interrupted invocation printed to this log, with their run folders' curves")
FLAGS = flags.FLAGS

CONFIGS = (("BEGAN", "began"), ("BEGAN-CS", "began_cs"))
TOY_CURVES = ("modes", "hq_percent", "enc_g_error", "latent_var_ratio")
SHAPES_CURVES = ("on_manifold_percent", "modes", "enc_g_error", "latent_var_ratio")


def _row(config, seed, records, seconds, keys, curves):
    last = [r for r in records if f"eval/{keys[0]}" in r][-1]
    logs = [r for r in records if "k" in r]
    row = {"config": config, "seed": seed, "step": last["step"], "seconds": round(seconds, 1),
           "final_k": logs[-1]["k"], "final_convergence": logs[-1]["convergence"],
           "curve": {k: common.curve(records, k) for k in curves}}
    for key in keys:
        row[key] = last[f"eval/{key}"]
    modes = row["curve"]["modes"]
    peak_step, peak = max(modes, key=lambda sv: sv[1])
    row.update(peak_modes=peak, peak_step=peak_step, modes_lost_after_peak=peak - modes[-1][1])
    return row


def _toy_tag():
    return f"toy_gamma{FLAGS.toy_gamma:g}" if FLAGS.toy_gamma else "toy"


def _tag():
    """Run-folder and result-file prefix: the toy's γ, the shapes image size."""
    return _toy_tag() if FLAGS.part == "toy" else f"shapes{FLAGS.image_size}"


def _compare(tag, dataset, steps, eval_every, eval_samples, overrides, keys, curves, **run_args):
    """BEGAN and BEGAN-CS on every seed; one row per run, printed as it finishes."""
    rows = []
    for seed in range(FLAGS.first_seed, FLAGS.first_seed + FLAGS.seeds):
        for config, model in CONFIGS:
            _, records, seconds = common.train_run(FLAGS.out, f"{tag}_{model}", model, dataset,
                                                   seed, steps, eval_every, eval_samples,
                                                   overrides, **run_args)
            rows.append(_row(config, seed, records, seconds, keys, curves))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "curve"}), flush=True)
    return rows


def toy():
    return _compare(_toy_tag(), "grid25", FLAGS.toy_steps, FLAGS.toy_eval_every, 2500,
                    {"gamma": FLAGS.toy_gamma} if FLAGS.toy_gamma else {},
                    ("modes", "hq_percent", "enc_g_error", "latent_var_ratio"), TOY_CURVES,
                    batch_size=FLAGS.toy_batch)


def shapes():
    return _compare(_tag(), "shapes", FLAGS.shapes_steps, FLAGS.shapes_eval_every, 1000,
                    dict({"width": FLAGS.width},
                         **({"g_lr": FLAGS.shapes_lr, "d_lr": FLAGS.shapes_lr} if FLAGS.shapes_lr
                            else {})),
                    ("on_manifold_percent", "modes", "fid", "enc_g_error", "latent_var_ratio"),
                    SHAPES_CURVES, batch_size=64, image_size=FLAGS.image_size)


def collect(log_path):
    """Rows of the finished runs of an interrupted invocation (the unfinished ones are absent)."""
    rows = []
    tag = _tag()
    curves = TOY_CURVES if FLAGS.part == "toy" else SHAPES_CURVES
    for line in Path(log_path).read_text().splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            model = dict(CONFIGS)[row["config"]]
            records = common.read_records(Path(FLAGS.out) / "runs" / f"{tag}_{model}_seed{row['seed']}")
            row["curve"] = {k: common.curve(records, k) for k in curves}
            rows.append(row)
    return rows


def main(_):
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M")
    if FLAGS.part == "toy":
        rows = collect(FLAGS.collect_log) if FLAGS.collect_log else toy()
        keys = ("modes", "hq_percent", "enc_g_error", "peak_modes", "modes_lost_after_peak",
                "final_k", "seconds")
        args = f"--toy_steps={FLAGS.toy_steps} --toy_eval_every={FLAGS.toy_eval_every}"
        if FLAGS.toy_gamma:
            args += f" --toy_gamma={FLAGS.toy_gamma:g}"
    else:
        rows = collect(FLAGS.collect_log) if FLAGS.collect_log else shapes()
        keys = ("on_manifold_percent", "modes", "fid", "enc_g_error", "latent_var_ratio",
                "peak_modes", "modes_lost_after_peak", "final_k", "seconds")
        args = (f"--shapes_steps={FLAGS.shapes_steps} --shapes_eval_every="
                f"{FLAGS.shapes_eval_every} --width={FLAGS.width} --image_size={FLAGS.image_size}"
                + (f" --shapes_lr={FLAGS.shapes_lr:g}" if FLAGS.shapes_lr else ""))
    name = _tag()
    table = common.summary_table(rows, keys)
    (out / f"{name}.json").write_text(json.dumps(rows, indent=1) + "\n")
    partial = (f" Collected from the log of an interrupted invocation: only the {len(rows)} runs "
               "that finished are listed." if FLAGS.collect_log else "")
    header = (f"# BEGAN vs BEGAN-CS, {FLAGS.part} ({started}; `python experiments/began_cs.py "
              f"--part={FLAGS.part} --seeds={FLAGS.seeds} {args}`)\n\nmean ± std over seeds "
              f"(per-seed values in brackets, seeds {FLAGS.first_seed}.."
              f"{FLAGS.first_seed + FLAGS.seeds - 1}); every evaluation's values in "
              f"{name}.json (`curve`).{partial}\n\n")
    (out / f"{name}.md").write_text(header + table + "\n")
    print(table)


if __name__ == "__main__":
    app.run(main)

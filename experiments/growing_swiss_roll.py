"""Sandström 2019 §7.1 on a 2-core CPU: Swiss-roll MLP GAN grown 1 -> 2 vs from scratch.

Settings (all ``--model=mlp_growing --dataset=swiss_roll --batch_size=128``, RMSprop,
10 D + 10 G updates per minibatch, research/growing.md §1.12):

* ``grown``: latent 1 -> 2 at half of the iterations, lr 1e-3 (thesis Fig. 9);
* ``scratch``: latent 2 from the start, lr 1e-3 (Fig. 8);
* ``scratch_lr5``: latent 2 from the start, lr 5 (Fig. 7, "too high"; the authors' code
  ignores --lr, A4), for the first ``--high_lr_seeds`` seeds.
* ``scratch_lr5_tf1``: the same with TF1's RMSprop accumulator start of 1
  (``--rmsprop_initial_accumulator=1``; the authors' TF1 code), for as many seeds.

Per run, on 20,000 fixed z ~ U(-1, 1)^2 and on a 101 x 101 latent grid: the axis-alignment
ratio R = E||dG/dz1|| / E||dG/dz2|| (>> 1: the roll runs along z1, Fig. 9b; ~1:
diagonal, Fig. 8b), the mean distance of G(z) to the noiseless roll, and the Spearman
correlations of the roll parameter t of G(z) with z1 and z2. Grown runs are also scored
just before the growth (1-d latent). Writes ``results.md``, ``results.json`` and the
Fig. 7-9 style PNGs to ``--out``; run folders go to ``--out/runs/it<iterations>``
(git-ignored).

    python experiments/growing_swiss_roll.py --seeds=5 --iterations=6000

6,000 iterations (40% of the thesis's 15,000) keep the whole script under 15 minutes on a
shared 2-core CPU (about 120-200 iterations/s, each 20 updates).
"""
import json
import math
import time
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401
import numpy as np
import tensorflow as tf

from tfgan_latent import data
from tfgan_latent.papers.growing import evaluation
from tfgan_latent.train import callbacks as cb
from tfgan_latent.train import runner
from tfgan_latent.train.config import RunConfig

flags.DEFINE_integer("seeds", 5, "seeds of the grown and from-scratch settings")
flags.DEFINE_integer("high_lr_seeds", 1, "seeds of the lr-5 from-scratch setting (Fig. 7)")
flags.DEFINE_integer("iterations", 6000,
                     "minibatches per run (thesis: 15,000; growth at half); a multiple of 20")
flags.DEFINE_float("lr", 1e-3, "RMSprop learning rate of the grown and scratch runs (§7.1)")
flags.DEFINE_float("high_lr", 5.0, "learning rate of the Fig. 7 run")
flags.DEFINE_integer("steps_per_execution", 100, "minibatches per compiled call")
flags.DEFINE_integer("eval_points", 20000, "fixed z for the distance and correlations")
flags.DEFINE_string("out", "experiments/results/growing_swiss_roll", "output folder")
FLAGS = flags.FLAGS

SETTINGS = {  # name -> (model overrides, learning-rate flag)
    "grown": ({"grow": True}, "lr"),
    "scratch": ({"grow": False}, "lr"),
    "scratch_lr5": ({"grow": False}, "high_lr"),
    # The same with TF1's RMSprop accumulator start (1), as the authors' code trains.
    "scratch_lr5_tf1": ({"grow": False, "rmsprop_initial_accumulator": 1.0}, "high_lr"),
}


def run_config(name, seed):
    n = FLAGS.iterations
    # One folder per run length: a rerun with the same flags finds its finished runs (and
    # only re-scores them); another --iterations never resumes a run of a different plan.
    out = Path(FLAGS.out) / "runs" / f"it{n}" / f"{name}_seed{seed}"
    return RunConfig(model="mlp_growing", dataset="swiss_roll", steps=n, batch_size=128,
                     seed=seed, out=str(out), export_dir=str(out / "export"),
                     log_every=n // 20, sample_every=n, checkpoint_every=n // 2,
                     steps_per_execution=math.gcd(FLAGS.steps_per_execution, n // 20), verbose=0)


def restore(run, cfg, checkpoint):
    gan = runner.build_model(run, cfg)
    tf.train.Checkpoint(**gan.checkpoint_items()).restore(checkpoint).expect_partial()
    return gan


def scores(gan, z, grid):
    """The per-run numbers (see the module docstring)."""
    points = gan.generator(tf.constant(z), training=False).numpy()
    t, dist = evaluation.roll_projection(points)
    finite = bool(np.all(np.isfinite(points)))
    return {
        "axis_ratio": evaluation.axis_alignment_ratio(gan.generator, grid) if finite else None,
        "roll_distance": float(np.mean(dist)) if finite else None,
        "rho_t_z1": abs(evaluation.spearman(t, z[:, 0])) if finite else None,
        "rho_t_z2": abs(evaluation.spearman(t, z[:, 1])) if finite else None,
        "d_fake": float(np.mean(tf.sigmoid(gan.discriminator(points)).numpy())) if finite else None,
    }


def train_and_score(name, seed, z, grid, real):
    overrides, lr_flag = SETTINGS[name]
    run = run_config(name, seed)
    cfg = runner.resolve_model_config(run, {**overrides, "lr": getattr(FLAGS, lr_flag)})
    start = time.time()
    row = {"setting": name, "seed": seed, "lr": cfg.lr}
    try:
        res = runner.train(run, cfg)
        checkpoint, row["diverged_at"] = res["checkpoint"], None
    except cb.NonFiniteLossError as e:  # the NaN guard stops the run; score the last good state
        checkpoint = tf.train.latest_checkpoint(str(Path(run.out) / "checkpoints"))
        row["diverged_at"] = str(e).split(". ")[0]
    row["train_seconds"] = round(time.time() - start, 1)
    metrics = [json.loads(line) for line in
               (Path(run.out) / "metrics.jsonl").read_text().splitlines()]
    rates = [m["steps_per_sec"] for m in metrics[1:] if "steps_per_sec" in m]
    row["steps_per_sec"] = round(float(np.median(rates)), 1) if rates else None
    figures = {}
    if checkpoint is None:
        return row, figures
    gan = restore(run, cfg, checkpoint)
    row["step"] = int(gan.step.numpy())
    row.update(scores(gan, z, grid))
    if seed == 0:
        fig = {"grown": "fig9", "scratch": "fig8", "scratch_lr5": "fig7",
               "scratch_lr5_tf1": "fig7"}[name]
        path = Path(FLAGS.out) / f"{fig}_{name}_seed{seed}.png"
        figures[name] = evaluation.save_swiss_roll_figure(
            gan.generator, gan.discriminator, path, real=real,
            title=f"{name}, lr {cfg.lr:g}, seed {seed}, {row['step']} iterations")
    if name == "grown":  # the 1-d generator just before the growth
        pre = Path(run.out) / "checkpoints" / f"ckpt-{FLAGS.iterations // 2}"
        if Path(str(pre) + ".index").exists():
            pre_gan = restore(run, cfg, str(pre))
            points = pre_gan.generator(tf.constant(z), training=False).numpy()
            t, dist = evaluation.roll_projection(points)
            row["pre_growth_roll_distance"] = float(np.mean(dist))
            row["pre_growth_rho_t_z1"] = abs(evaluation.spearman(t, z[:, 0]))
            if seed == 0:
                path = Path(FLAGS.out) / f"fig9_grown_seed{seed}_before_growth.png"
                figures["grown_before_growth"] = evaluation.save_swiss_roll_figure(
                    pre_gan.generator, pre_gan.discriminator, path, real=real,
                    title=f"grown, seed {seed}, step {FLAGS.iterations // 2} (before growth)")
    row["_gan"] = gan
    return row, figures


def latent_t_figure(rows, path):
    """Latent square coloured by the roll parameter t of G(z): grown vs scratch per seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    z = evaluation.dense_latent_grid(0.02)
    names = [n for n in ("grown", "scratch") if any(r["setting"] == n for r in rows)]
    seeds = sorted({r["seed"] for r in rows if r["setting"] in names})
    fig, axes = plt.subplots(len(names), len(seeds), figsize=(2.6 * len(seeds), 2.8 * len(names)),
                             squeeze=False)
    for i, name in enumerate(names):
        for j, seed in enumerate(seeds):
            ax = axes[i][j]
            row = next(r for r in rows if r["setting"] == name and r["seed"] == seed)
            t, _ = evaluation.roll_projection(row["_gan"].generator(tf.constant(z)).numpy())
            ax.scatter(z[:, 0], z[:, 1], c=t, s=2, marker="s", cmap="viridis", rasterized=True)
            ax.set_title(f"{name} s{seed}: R={row['axis_ratio']:.2f}", fontsize=8)
            ax.set_xticks([-1, 0, 1])
            ax.set_yticks([-1, 0, 1])
            ax.set_aspect("equal")
    fig.suptitle("latent square coloured by the roll parameter t of G(z) (x: z1, y: z2)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def fmt(value, spec=".3f"):
    if value is None:
        return "–"
    return format(value, spec) if abs(value) < 1e4 else format(value, ".3g")


def table(rows, real_distance):
    lines = ["| setting | seed | lr | R = E‖∂G/∂z₁‖/E‖∂G/∂z₂‖ | mean dist. to roll | |ρ(t, z₁)| "
             "| |ρ(t, z₂)| | mean σ(D(G(z))) | before growth: dist. / |ρ(t, z₁)| | note |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pre = (f"{fmt(r['pre_growth_roll_distance'])} / {fmt(r['pre_growth_rho_t_z1'])}"
               if "pre_growth_roll_distance" in r else "–")
        note = r["diverged_at"] or ""
        lines.append(f"| {r['setting']} | {r['seed']} | {r['lr']:g} | {fmt(r.get('axis_ratio'), '.2f')} "
                     f"| {fmt(r.get('roll_distance'))} | {fmt(r.get('rho_t_z1'))} "
                     f"| {fmt(r.get('rho_t_z2'))} | {fmt(r.get('d_fake'))} | {pre} | {note} |")
    lines += ["", "| setting | seeds | R: median [min, max] | R > 1 (z₁ leads) "
              "| max(R, 1/R): median (1 = diagonal) | mean dist. to roll: mean ± std "
              "| |ρ(t, z₁)| mean | |ρ(t, z₂)| mean |", "|---|---|---|---|---|---|---|---|"]
    for name in SETTINGS:
        group = [r for r in rows if r["setting"] == name and r.get("axis_ratio") is not None]
        if not group:
            continue
        ratio = np.array([r["axis_ratio"] for r in group])
        dist = np.array([r["roll_distance"] for r in group])
        lines.append(
            f"| {name} | {len(group)} | {np.median(ratio):.2f} [{ratio.min():.2f}, {ratio.max():.2f}] "
            f"| {int(np.sum(ratio > 1))}/{len(group)} "
            f"| {np.median(np.maximum(ratio, 1 / ratio)):.2f} | {dist.mean():.3g} ± {dist.std():.3g} | {np.mean([r['rho_t_z1'] for r in group]):.3f} "
            f"| {np.mean([r['rho_t_z2'] for r in group]):.3f} |")
    lines += ["", f"Real data (noise 0.5) mean distance to the noiseless roll: {real_distance:.3f}."]
    return "\n".join(lines)


def main(_):
    if FLAGS.iterations % 20:
        raise ValueError(f"--iterations must be a multiple of 20, got {FLAGS.iterations}.")
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    z = np.random.default_rng(2019).uniform(-1, 1, (FLAGS.eval_points, 2)).astype("float32")
    grid = evaluation.latent_grid(101)
    real = data.sample_swiss_roll(256, seed=7)
    real_distance = evaluation.mean_roll_distance(data.sample_swiss_roll(FLAGS.eval_points, seed=8))
    rows, figures = [], {}
    plan = [(n, s) for s in range(FLAGS.seeds) for n in ("grown", "scratch")]
    plan += [(name, s) for name in ("scratch_lr5", "scratch_lr5_tf1")
             for s in range(FLAGS.high_lr_seeds)]
    for name, seed in plan:
        row, figs = train_and_score(name, seed, z, grid, real)
        rows.append(row)
        figures.update({f"{k}_seed{seed}": str(v) for k, v in figs.items()})
        print(f"{name} seed {seed}: R={fmt(row.get('axis_ratio'), '.2f')} "
              f"dist={fmt(row.get('roll_distance'))} {row['train_seconds']} s "
              f"({row['steps_per_sec']} it/s)", flush=True)
    figures["latent_t_all_seeds"] = str(latent_t_figure(rows, out / "latent_t_all_seeds.png"))
    for row in rows:
        row.pop("_gan", None)
    text = table(rows, real_distance)
    wall = round(time.time() - start, 1)
    summary = {"iterations": FLAGS.iterations, "growth_step": FLAGS.iterations // 2,
               "batch_size": 128, "updates_per_iteration": "10 D + 10 G", "lr": FLAGS.lr,
               "high_lr": FLAGS.high_lr, "seeds": FLAGS.seeds, "wall_seconds": wall,
               "real_roll_distance": real_distance, "rows": rows, "figures": figures}
    (out / "results.json").write_text(json.dumps(summary, indent=1) + "\n")
    header = (f"# Swiss-roll MLP growing (Sandström 2019 §7.1)\n\n{FLAGS.iterations} iterations "
              f"per run (thesis: 15,000), growth 1 -> 2 at {FLAGS.iterations // 2}, batch 128, "
              f"10 D + 10 G RMSprop updates per iteration; wall time {wall:.0f} s.\n\n"
              "    python experiments/growing_swiss_roll.py "
              f"--seeds={FLAGS.seeds} --iterations={FLAGS.iterations}\n\n")
    (out / "results.md").write_text(header + text + "\n\nFigures: "
                                    + ", ".join(Path(p).name for p in figures.values()) + "\n")
    print(text)
    print(f"wall time {wall:.0f} s")


if __name__ == "__main__":
    app.run(main)

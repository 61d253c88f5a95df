"""Evidence for LIS (Jung 2017) on toy data: does G-LIS steer z away from broken outputs?

Part 1, ``ring8`` (8 Gaussians, std 0.1, radius 2) with small WN+TPReLU MLPs, for
several seeds: N=0 (plain), N=3 with lambda_R=0.9 and N=3 with lambda_R=0 (the paper's
ablation, App. C). After training, for each module count k=0..N (inference, first k
modules), on 20k fresh z: off-mode ("broken") sample % (farther than 3 std from every
mode), modes covered (VEEGAN definition), mean ||z'_k - z||^2 and mean D(G(z'_k)).
Writes a table (markdown + JSON) and, per seed, a PNG: samples for k=0 and k=N, and a
quiver plot of z -> z'_N coloured by whether G(z) is off-mode.

Part 2 (``--shapes_steps`` > 0): the embedded ``shapes`` set at 32x32, N in {0, 1}:
D(G(z'_k)) and sample grids.

    python experiments/lis_toy.py --seeds=3 --steps=4000 --out=experiments/results/lis
"""
import dataclasses
import json
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import data
from tfgan_latent.metrics import modes as modes_lib
from tfgan_latent.train import runner, samples
from tfgan_latent.train.config import RunConfig

flags.DEFINE_integer("seeds", 3, "seeds per setting")
flags.DEFINE_integer("steps", 4000, "training batches per ring8 run")
flags.DEFINE_integer("batch_size", 256, "ring8 batch (research/lis.md §2: 256)")
flags.DEFINE_integer("latent_dim", 2, "N_z for ring8 (2 makes z -> z' plottable)")
flags.DEFINE_integer("lis_hidden", 32, "LIS module width for ring8")
flags.DEFINE_float("lr", 2e-4, "RMSprop learning rate (ring8)")
flags.DEFINE_integer("shapes_steps", 0, "steps of the 32x32 shapes runs (0: skip part 2)")
flags.DEFINE_string("out", "experiments/results/lis", "output folder")
FLAGS = flags.FLAGS

SETTINGS = (("N=0", 0, 0.9), ("N=3, lambda=0.9", 3, 0.9), ("N=3, lambda=0", 3, 0.0))


def train(name, seed, dataset, steps, batch, overrides, image_size=32):
    out = Path(FLAGS.out) / "runs" / f"{name}_seed{seed}"
    run = RunConfig(model="glis", dataset=dataset, steps=steps, batch_size=batch, seed=seed,
                    out=str(out), export_dir=str(out / "export"), image_size=image_size,
                    log_every=steps // 4, sample_every=steps, checkpoint_every=steps, verbose=0,
                    steps_per_execution=10)
    cfg = runner.resolve_model_config(run, overrides)
    res = runner.train(run, cfg)
    gan = runner.build_model(run, cfg)
    tf.train.Checkpoint(**gan.checkpoint_items()).restore(res["checkpoint"]).expect_partial()
    return gan


def per_module(gan, z):
    """For k = 0..N: samples G(z'_k), mean ||z'_k - z||^2, mean D(G(z'_k)) (all modules in eval)."""
    rows = []
    for k in range(gan.generator.num_modules + 1):
        out = gan.generator.lis_forward(z, training=False, num_active=k)
        x = out["samples"].numpy()
        d = keras.ops.sigmoid(gan.discriminator(out["samples"], training=False)).numpy()
        rows.append({"k": k, "samples": x,
                     "dz2": float(np.mean(np.sum((out["latent"].numpy() - z) ** 2, axis=1))),
                     "d_fake": float(np.mean(d))})
    return rows


def ring8(table, figures):
    centres, std = data.toy_modes("ring8")
    z = np.random.default_rng(12345).normal(size=(20000, FLAGS.latent_dim)).astype("float32")
    for seed in range(FLAGS.seeds):
        runs = {}
        for name, n, lam in SETTINGS:
            gan = train(name.replace(", ", "_").replace("=", ""), seed, "ring8", FLAGS.steps,
                        FLAGS.batch_size, dict(latent_dim=FLAGS.latent_dim, lis_modules=n,
                                               lambda_r=lam, lis_hidden=FLAGS.lis_hidden,
                                               lr=FLAGS.lr, lr_drop_step=0))
            for row in per_module(gan, z):
                cov = modes_lib.mode_coverage(row.pop("samples"), centres, std)
                row.update(setting=name, seed=seed, off_mode=100.0 - cov["hq_percent"],
                           modes=cov["modes"])
                table.append(row)
            runs[name] = gan
        figures.append(plot_seed(runs, z[:2000], centres, std, seed))


def plot_seed(runs, z, centres, std, seed):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(runs), 3, figsize=(12, 4 * len(runs)))
    for row, (name, gan) in zip(axes, runs.items()):
        n = gan.generator.num_modules
        first = gan.generator.lis_forward(z, num_active=0)
        last = gan.generator.lis_forward(z, num_active=n)
        x0, xn = first["samples"].numpy(), last["samples"].numpy()
        dist = np.min(np.linalg.norm(x0[:, None] - centres[None], axis=-1), axis=1)
        broken = dist > 3 * std
        for ax, x, title in ((row[0], x0, f"{name}: G(z)"), (row[1], xn, f"{name}: G(z'_{n})")):
            ax.scatter(centres[:, 0], centres[:, 1], c="k", marker="x")
            ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.4)
            ax.set_title(title)
            ax.set_aspect("equal")
        zn = last["latent"].numpy()
        q = row[2]
        q.quiver(z[:400, 0], z[:400, 1], zn[:400, 0] - z[:400, 0], zn[:400, 1] - z[:400, 1],
                 np.where(broken[:400], 1.0, 0.0), cmap="coolwarm", angles="xy",
                 scale_units="xy", scale=1, width=0.003)
        q.set_title(f"z -> z'_{n} (red: G(z) off-mode)")
        q.set_aspect("equal")
    path = Path(FLAGS.out) / f"ring8_seed{seed}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return str(path)


def shapes(table, figures):
    z = np.random.default_rng(7).normal(size=(64, 256)).astype("float32")
    for n in (0, 1):
        gan = train(f"shapes_N{n}", 0, "shapes", FLAGS.shapes_steps, 32,
                    dict(lis_modules=n, nfeature=32, lr=2e-4, lr_drop_step=0))
        for row in per_module(gan, z):
            path = Path(FLAGS.out) / f"shapes_N{n}_k{row['k']}.png"
            samples.save_image_grid(row.pop("samples"), path)
            figures.append(str(path))
            row.update(setting=f"shapes N={n}", seed=0)
            table.append(row)


def main(_):
    Path(FLAGS.out).mkdir(parents=True, exist_ok=True)
    table, figures = [], []
    ring8(table, figures)
    if FLAGS.shapes_steps:
        shapes(table, figures)
    (Path(FLAGS.out) / "results.json").write_text(json.dumps(table, indent=1))
    lines = ["| setting | seed | k | off-mode % | modes | mean ‖z'_k−z‖² | mean D(G(z'_k)) |",
             "|---|---|---|---|---|---|---|"]
    for r in table:
        off = f"{r['off_mode']:.1f}" if "off_mode" in r else "–"
        lines.append(f"| {r['setting']} | {r['seed']} | {r['k']} | {off} | {r.get('modes', '–')} "
                     f"| {r['dz2']:.3f} | {r['d_fake']:.3f} |")
    text = "\n".join(lines)
    (Path(FLAGS.out) / "results.md").write_text(text + "\n\nfigures: " + ", ".join(figures) + "\n")
    print(text)
    print("figures:", *figures, sep="\n  ")


if __name__ == "__main__":
    app.run(main)

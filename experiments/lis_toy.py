"""Evidence for LIS (Jung 2017) on toy data: does G-LIS steer z away from broken outputs?

Part 1, ``ring8`` (8 Gaussians, std 0.1, radius 2) with small WN+TPReLU MLPs, for
several seeds: N=0 (plain), N=3 with lambda_R=0.9 and N=3 with lambda_R=0 (the paper's
ablation, App. C). After training, for each module count k=0..N (inference, first k
modules), on 20k fresh z: off-mode ("broken") sample % (farther than 3 std from every
mode), modes covered (VEEGAN definition), mean ||z'_k - z||^2 and mean D(G(z'_k)).
Writes a table (markdown + JSON) and, per seed, a PNG: samples for k=0 and k=N, and a
quiver plot of z -> z'_N coloured by whether G(z) is off-mode.

Part 2, ``shapes`` (the embedded set at 32x32, App. J WN+TPReLU nets, nfeature 32): the App. I
/ Figs. 6, 11-13 claim measured on images. For each setting (``--shapes_settings``, default N=0,
N=1 and N=3 with lambda_R=0.9) and seed, the "k of N" images G(z'_k), k = 0..N, of 2000 fixed
latents are scored with ``evaluate``'s shapes metrics: the broken share is 100 - on-manifold %
(images no shape/colour/place/size renders within the threshold that >= 99 % of real images
pass), plus modes (of 18) and the shapes-feature FID; and the per-module diagnostics of
``GLIS.module_diagnostics`` (mean ||z'_k - z||^2, mean D(G(z'_k))). Writes ``shapes.md`` /
``shapes.json`` and each run's ``lis_modules.png`` as ``shapes_<setting>_seed<s>.png``.

    python experiments/lis_toy.py --parts=ring8 --seeds=3 --steps=4000
    python experiments/lis_toy.py --parts=shapes --seeds=3 --shapes_steps=4000
"""
import json
import shutil
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
flags.DEFINE_list("parts", ["ring8", "shapes"], "which parts to run: ring8, shapes")
flags.DEFINE_integer("shapes_steps", 4000, "steps of the 32x32 shapes runs (batch 32)")
flags.DEFINE_list("shapes_settings", ["0:0.9", "1:0.9", "3:0.9"],
                  "shapes settings as N:lambda_R (N LIS modules)")
flags.DEFINE_float("shapes_lr", 2e-4, "RMSprop learning rate of the shapes runs (constant)")
flags.DEFINE_integer("shapes_samples", 2000, "fixed latents scored per k")
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


def shapes():
    """Part 2: per setting, seed and k, the broken share of G(z'_k) and the module numbers."""
    from tfgan_latent.train import evaluate

    out = Path(FLAGS.out)
    path = out / "shapes.json"
    rows = json.loads(path.read_text()) if path.exists() else []
    done = {(r["setting"], r["seed"]) for r in rows}
    for seed in range(FLAGS.seeds):
        for setting in FLAGS.shapes_settings:
            n, lam = int(setting.split(":")[0]), float(setting.split(":")[1])
            name = f"N={n}, lambda={lam:g}"
            if (name, seed) in done:
                continue
            tag = f"shapes_N{n}_lambda{lam:g}"
            gan = train(tag, seed, "shapes", FLAGS.shapes_steps, 32,
                        dict(lis_modules=n, lambda_r=lam, nfeature=32, lr=FLAGS.shapes_lr,
                             lr_drop_step=0))
            shutil.copy(out / "runs" / f"{tag}_seed{seed}" / "lis_modules.png",
                        out / f"{tag}_seed{seed}.png")
            z = gan.fixed_latents(FLAGS.shapes_samples, 7)
            stats = gan.module_diagnostics(z)
            for k, x in enumerate(gan.module_samples(z)):
                s = evaluate.score(x, "shapes", seed=seed)
                rows.append({"setting": name, "seed": seed, "k": k, "N": n,
                             "broken_percent": 100.0 - s["on_manifold_percent"],
                             "modes": s["modes"], "fid": s["fid"],
                             "dz2": stats[f"lis_dz2_{k}"], "d_fake": stats[f"lis_d_fake_{k}"]})
                print(rows[-1], flush=True)
            path.write_text(json.dumps(rows, indent=1) + "\n")
            write_shapes_report(rows)


def write_shapes_report(rows):
    lines = [f"# LIS on shapes 32x32: broken share per module count k (App. I, Figs. 6, 11-13)", "",
             f"Command: `python experiments/lis_toy.py --parts=shapes --seeds={FLAGS.seeds} "
             f"--shapes_steps={FLAGS.shapes_steps} --shapes_settings={','.join(FLAGS.shapes_settings)} "
             f"--shapes_lr={FLAGS.shapes_lr:g} --out={FLAGS.out}` "
             f"(batch 32, RMSprop {FLAGS.shapes_lr:g} constant, App. J nets at 32 px, nfeature 32, "
             f"N_z 256; {FLAGS.shapes_samples} fixed latents per k). Broken % = 100 − evaluate's "
             "on-manifold % (its threshold passes ≥ 99 % of real images).", "",
             "## Every run", "",
             "| setting | seed | k of N | broken % | modes | FID (shapes) | mean ‖z'_k−z‖² | mean D(G(z'_k)) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['seed']} | {r['k']} of {r['N']} | {r['broken_percent']:.1f} "
                     f"| {r['modes']} | {r['fid']:.2f} | {r['dz2']:.3f} | {r['d_fake']:.3f} |")
    lines += ["", "## Mean ± std over seeds (every seed counted)", "",
              "| setting | k of N | seeds | broken % | modes | FID (shapes) |", "|---|---|---|---|---|---|"]
    for key in dict.fromkeys((r["setting"], r["k"], r["N"]) for r in rows):
        group = [r for r in rows if (r["setting"], r["k"], r["N"]) == key]
        cell = lambda f: (f"{np.mean([r[f] for r in group]):.1f} ± "
                          f"{np.std([r[f] for r in group], ddof=1) if len(group) > 1 else 0:.1f}")
        lines.append(f"| {key[0]} | {key[1]} of {key[2]} | {len(group)} | {cell('broken_percent')} "
                     f"| {cell('modes')} | {cell('fid')} |")
    (Path(FLAGS.out) / "shapes.md").write_text("\n".join(lines) + "\n")


def main(_):
    Path(FLAGS.out).mkdir(parents=True, exist_ok=True)
    if "shapes" in FLAGS.parts:
        shapes()
    if "ring8" not in FLAGS.parts:
        return
    table, figures = [], []
    ring8(table, figures)
    (Path(FLAGS.out) / "results.json").write_text(json.dumps(table, indent=1))
    lines = ["| setting | seed | k | off-mode % | modes | mean ‖z'_k−z‖² | mean D(G(z'_k)) |",
             "|---|---|---|---|---|---|---|"]
    for r in table:
        lines.append(f"| {r['setting']} | {r['seed']} | {r['k']} | {r['off_mode']:.1f} | {r['modes']} "
                     f"| {r['dz2']:.3f} | {r['d_fake']:.3f} |")
    text = "\n".join(lines)
    (Path(FLAGS.out) / "results.md").write_text(text + "\n\nfigures: " + ", ".join(figures) + "\n")
    print(text)
    print("figures:", *figures, sep="\n  ")


if __name__ == "__main__":
    app.run(main)

"""Evidence for the latent-dimension study: the offline sweep on ``shapes``.

Trains the WGAN-GP and the same-architecture AE at each dim(z), below and above the 5 factors
that render ``shapes`` (3 continuous: x, y, size; 2 discrete: shape, colour), inverts the five
image sets and writes ``curves.csv``, ``curves.png`` and the reconstruction grids into
``--out`` (runs under ``--out/runs``, git-ignored), plus ``table.md``: per image set and dim the
GAN's and the AE's mean ± std per-pixel MSE and whether the AE lower-bounds the GAN. The paper's
80,000 / 80,000 / 10,000 steps are GPU-days; ``--steps`` and ``--search_steps`` are CPU-sized.

    python experiments/latent_dim.py --dims=1,2,4,8,16,32 --steps=2000 --search_steps=1000
"""
import shutil
import time
from pathlib import Path

from absl import app, flags

from tfgan_latent.train.config import RunConfig
from tfgan_latent.train.sweep import sweep

flags.DEFINE_list("dims", ["1", "2", "4", "8", "16", "32"], "dim(z) values")
flags.DEFINE_list("models", ["wgan_gp_resize", "ae"], "models to train and invert (a partial "
                  "invocation may run a subset; the table lists the dims where both are done)")
flags.DEFINE_integer("steps", 2000, "training steps of every model (WGAN-GP: generator steps)")
flags.DEFINE_integer("search_steps", 1000, "projected-Adam steps per inversion")
flags.DEFINE_integer("num", 64, "images per image set")
flags.DEFINE_integer("width", 16, "nets' finest-level width (the paper: 128)")
flags.DEFINE_integer("image_size", 32, "shapes image size")
flags.DEFINE_integer("seed", 0, "seed")
flags.DEFINE_integer("batch_size", 64, "batch size of every model")
flags.DEFINE_float("lr", 0.0, "WGAN-GP's Adam rate for G and the critic (0: the paper's 1e-4); the "
                   "AE keeps the paper's Adam defaults")
flags.DEFINE_float("ema_decay", 0.0, "WGAN-GP's generator weight average (0: off, the paper)")
flags.DEFINE_integer("eval_every", 0, "evaluate the runs every this many steps (0: never); on "
                     "shapes the GAN's on-manifold % and modes")
flags.DEFINE_integer("steps_per_execution", 1, "train steps per compiled call")
flags.DEFINE_string("out", "experiments/results/latent_dim", "output folder")
FLAGS = flags.FLAGS
_CHANGED = ("seed", "batch_size", "lr", "ema_decay", "eval_every", "steps_per_execution", "num")


def main(_):
    out = Path(FLAGS.out)
    started = time.strftime("%Y-%m-%d %H:%M")
    period = FLAGS.eval_every or FLAGS.steps // 4  # evaluations come at log steps
    run = RunConfig(dataset="shapes", image_size=FLAGS.image_size, steps=FLAGS.steps,
                    batch_size=FLAGS.batch_size, seed=FLAGS.seed, out=str(out / "runs"),
                    log_every=period, sample_every=FLAGS.steps, checkpoint_every=period,
                    eval_every=FLAGS.eval_every,
                    steps_per_execution=FLAGS.steps_per_execution, verbose=0)
    gan = {"g_lr": FLAGS.lr, "d_lr": FLAGS.lr} if FLAGS.lr else {}
    if FLAGS.ema_decay:
        gan["ema_decay"] = FLAGS.ema_decay
    rows = sweep(run, {"width": FLAGS.width, **gan}, dims=FLAGS.dims, models=FLAGS.models,
                 num=FLAGS.num, search_steps=FLAGS.search_steps)
    for name in ("curves.csv", "curves.png", "recon_ae.png", "recon_wgan_gp_resize.png"):
        if (out / "runs" / name).exists():
            shutil.copy(out / "runs" / name, out / name)
    lines = [f"# Latent-dimension sweep on shapes ({started}; `python experiments/latent_dim.py "
             f"--dims={','.join(FLAGS.dims)} --steps={FLAGS.steps} --search_steps="
             f"{FLAGS.search_steps} --width={FLAGS.width} --image_size={FLAGS.image_size}"
             f"{''.join(f' --{k}={getattr(FLAGS, k)}' for k in _CHANGED if FLAGS[k].present)}`)",
             "", "per-pixel MSE on [−1, 1] images, mean ± std over the set's images (one seed)", "",
             "| set | dim | WGAN-GP (inversion) | AE (encoder) | AE ≤ GAN | zero image |",
             "|---|---|---|---|---|---|"]
    key = {(r["model"], r["image_set"], r["dim_z"]): r for r in rows}
    for name in dict.fromkeys(r["image_set"] for r in rows):
        for dim in sorted({r["dim_z"] for r in rows}):
            g, a = key.get(("wgan_gp_resize", name, dim)), key.get(("ae", name, dim))
            if g and a:
                lines.append(f"| {name} | {dim} | {g['mse_mean']:.4f} ± {g['mse_std']:.4f} | "
                             f"{a['mse_mean']:.4f} ± {a['mse_std']:.4f} | "
                             f"{'yes' if a['mse_mean'] <= g['mse_mean'] else 'no'} | "
                             f"{g['zero_baseline']:.3f} |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)

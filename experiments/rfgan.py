"""Evidence for RFGAN (Bang & Shim 2018): does a frozen denoising-AE encoder in D help?

Part ``toy`` (the paper's §4.1 / Fig. 3 story): ``ring8`` (radius 2, σ 0.1), DCGAN vs
DCGAN-RF and WGAN-GP vs WGAN-GP-RF, several seeds; modes and high-quality % (VEEGAN
protocol, 2,500 samples) every ``--toy_eval_every`` steps. Per seed one denoising AE
(``--model=dae``, Gaussian noise σ 0.1) is pre-trained and frozen for both RF runs. The paper
gives no toy settings (research/rfgan.md §1.3): MLPs 2×128, z 256-d N(0, I), batch 512 as in
Metz et al.'s toy, but Adam lr 1e-3 (``--toy_lr``; at 1e-4 no model fitted ring8 within 5,000
steps in a trial) and short runs (2,000 DCGAN steps, 1,000 WGAN-GP steps × 5 critic steps).

Part ``shapes``: 32×32 ``shapes``, the 8 configurations {DCGAN, LSGAN, DRAGAN, WGAN-GP} ×
{plain, RF}, several seeds; the evaluation issue's manifold score, modes, FID on the shapes
features and MS-SSIM (the paper's Table 1 measure; lower = more diverse) over training.
Per seed one DAE (salt-and-pepper 0.25, L1, the ``paper`` preset) serves all four RF runs.

Schedules follow research/rfgan.md §1.5: DCGAN, LSGAN and DRAGAN 1 D + 2 G updates per
batch reusing z, Adam(2e-4, 0.5); WGAN-GP 5 critic updates per G update, Adam(1e-4, 0.5,
0.9), no normalization in the critic (gan_cifar.py); λ = 10; Adam ε 1e-8. RF and plain runs
of a pair differ only in ``--rf``. Every run is reported, collapsed or not.

    python experiments/rfgan.py --part=toy --seeds=5
    python experiments/rfgan.py --part=shapes --seeds=3
"""
import json
import time
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401

import common

flags.DEFINE_enum("part", "toy", ["toy", "shapes"], "which experiment")
flags.DEFINE_integer("seeds", 5, "seeds per configuration")
flags.DEFINE_integer("first_seed", 0, "first seed")
flags.DEFINE_integer("toy_steps", 2000, "ring8 DCGAN steps (batches)")
flags.DEFINE_integer("toy_wgan_steps", 1000, "ring8 WGAN-GP generator steps (x5 critic)")
flags.DEFINE_integer("toy_eval_every", 250, "ring8 evaluation period")
flags.DEFINE_integer("toy_dae_steps", 2000, "ring8 DAE pre-training steps")
flags.DEFINE_float("toy_lr", 1e-3, "ring8 Adam learning rate of G, D and the DAE (our choice: the "
                   "paper gives none; at 1e-4 nothing fits ring8 within a few thousand steps)")
flags.DEFINE_integer("shapes_steps", 1500, "shapes steps of the DCGAN, LSGAN, DRAGAN runs")
flags.DEFINE_integer("shapes_wgan_steps", 500, "shapes WGAN-GP generator steps (x5 critic)")
flags.DEFINE_integer("shapes_eval_every", 500, "shapes evaluation period (DCGAN family)")
flags.DEFINE_integer("shapes_dae_steps", 800, "shapes DAE steps (~10 epochs of 5,000 images)")
flags.DEFINE_integer("width", 16, "shapes nets' base width")
flags.DEFINE_string("out", "experiments/results/rfgan", "output folder")
flags.DEFINE_string("collect_log", "", "instead of training: build the tables from the JSON rows "
                    "an interrupted invocation printed to this log and its run folders' curves")
FLAGS = flags.FLAGS

SCHEDULES = {
    "dcgan": dict(g_steps=2, reuse_latents=True, g_lr=2e-4, d_lr=2e-4, beta_1=0.5),
    "lsgan": dict(g_steps=2, reuse_latents=True, g_lr=2e-4, d_lr=2e-4, beta_1=0.5),
    "dragan": dict(g_steps=2, reuse_latents=True, g_lr=2e-4, d_lr=2e-4, beta_1=0.5,
                   beta_2=0.999, gp_weight=10.0),
    "wgan_gp": dict(d_steps=5, g_lr=1e-4, d_lr=1e-4, beta_1=0.5, beta_2=0.9, gp_weight=10.0,
                    normalization="none"),
}


def _run(name, model, dataset, seed, steps, eval_every, eval_samples, overrides, **run_args):
    return common.train_run(FLAGS.out, name, model, dataset, seed, steps, eval_every,
                            eval_samples, overrides, **run_args)


_curve = common.curve


def toy():
    rows = []
    for seed in range(FLAGS.first_seed, FLAGS.first_seed + FLAGS.seeds):
        mlp = dict(mlp_units=128, mlp_layers=2)
        dae, *_ = _run("toy_dae", "dae", "ring8", seed, FLAGS.toy_dae_steps, 0, 1000,
                       dict(mlp, noise="gaussian", toy_noise_std=0.1, lr=FLAGS.toy_lr),
                       batch_size=512)
        for model in ("dcgan", "wgan_gp"):
            for rf in (False, True):
                overrides = dict(SCHEDULES[model], **mlp, latent_dim=256,
                                 latent_distribution="normal", g_lr=FLAGS.toy_lr,
                                 d_lr=FLAGS.toy_lr)
                overrides.pop("normalization", None)
                if rf:
                    overrides.update(rf=True, encoder_from=dae["out"])
                name = f"toy_{model}{'_rf' if rf else ''}"
                steps = FLAGS.toy_wgan_steps if model == "wgan_gp" else FLAGS.toy_steps
                _, records, seconds = _run(name, model, "ring8", seed, steps,
                                           FLAGS.toy_eval_every, 2500, overrides, batch_size=512)
                modes, hq = _curve(records, "modes"), _curve(records, "hq_percent")
                rows.append({"config": f"{model}{'-RF' if rf else ''}", "seed": seed,
                             "modes": modes[-1][1], "hq_percent": hq[-1][1],
                             "modes_curve": modes, "hq_curve": hq, "seconds": round(seconds, 1),
                             "final_d_loss": [r for r in records if "d_loss" in r][-1]["d_loss"]})
                print(json.dumps({k: v for k, v in rows[-1].items() if "curve" not in k}),
                      flush=True)
    return rows


def shapes():
    rows = []
    for seed in range(FLAGS.first_seed, FLAGS.first_seed + FLAGS.seeds):
        dae, dae_records, _ = _run("shapes_dae", "dae", "shapes", seed, FLAGS.shapes_dae_steps, 0,
                                   1000, dict(width=FLAGS.width), batch_size=64, image_size=32)
        for model in ("dcgan", "lsgan", "dragan", "wgan_gp"):
            for rf in (False, True):
                overrides = dict(SCHEDULES[model], width=FLAGS.width, kernel_size=5)
                if rf:
                    overrides.update(rf=True, encoder_from=dae["out"])
                wgan = model == "wgan_gp"
                steps = FLAGS.shapes_wgan_steps if wgan else FLAGS.shapes_steps
                every = steps // 2 if wgan else FLAGS.shapes_eval_every
                name = f"shapes_{model}{'_rf' if rf else ''}"
                _, records, seconds = _run(name, model, "shapes", seed, steps, every, 1000,
                                           overrides, batch_size=64, image_size=32)
                last = [r for r in records if "eval/on_manifold_percent" in r][-1]
                row = {"config": f"{model}{'-RF' if rf else ''}", "seed": seed,
                       "step": last["step"], "seconds": round(seconds, 1),
                       "dae_l1": dae_records[-1]["loss"], "final_d_loss": [r for r in records if "d_loss" in r][-1]["d_loss"],
                       "curve": {k: _curve(records, k) for k in
                                 ("on_manifold_percent", "modes", "fid", "ms_ssim")}}
                for key in ("on_manifold_percent", "modes", "fid", "ms_ssim",
                            "precision", "recall"):
                    row[key] = last[f"eval/{key}"]
                rows.append(row)
                print(json.dumps({k: v for k, v in row.items() if k != "curve"}), flush=True)
    return rows


def collect(log_path):
    """Rows of the finished runs of an interrupted invocation: its printed rows + their curves."""
    rows = []
    for line in Path(log_path).read_text().splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        name = row["config"].lower().replace("-rf", "_rf")
        records = [json.loads(l) for l in (Path(FLAGS.out) / "runs" / f"{FLAGS.part}_{name}_seed"
                                           f"{row['seed']}" / "metrics.jsonl").read_text().splitlines()]
        if FLAGS.part == "toy":
            row.update(modes_curve=_curve(records, "modes"), hq_curve=_curve(records, "hq_percent"))
        else:
            row["curve"] = {k: _curve(records, k) for k in
                            ("on_manifold_percent", "modes", "fid", "ms_ssim")}
        rows.append(row)
    return rows


_summary = common.summary_table


def main(_):
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M")
    if FLAGS.collect_log:
        rows = collect(FLAGS.collect_log)
    else:
        rows = toy() if FLAGS.part == "toy" else shapes()
    if FLAGS.part == "toy":
        table = _summary(rows, ("modes", "hq_percent", "seconds"))
    else:
        table = _summary(rows, ("on_manifold_percent", "modes", "fid", "ms_ssim", "seconds"))
    (out / f"{FLAGS.part}.json").write_text(json.dumps(rows, indent=1) + "\n")
    steps = (f"--toy_steps={FLAGS.toy_steps} --toy_wgan_steps={FLAGS.toy_wgan_steps} "
             f"--toy_lr={FLAGS.toy_lr}" if FLAGS.part == "toy" else
             f"--shapes_steps={FLAGS.shapes_steps} --shapes_wgan_steps={FLAGS.shapes_wgan_steps} "
             f"--shapes_eval_every={FLAGS.shapes_eval_every} --width={FLAGS.width}")
    header = (f"# RFGAN {FLAGS.part} ({started}; `python experiments/rfgan.py --part={FLAGS.part} "
              f"--seeds={FLAGS.seeds} {steps}`)\n\nmean ± std over seeds (per-seed values in brackets, "
              f"seeds {FLAGS.first_seed}..{FLAGS.first_seed + FLAGS.seeds - 1}); curves in "
              f"{FLAGS.part}.json.\n\n")
    (out / f"{FLAGS.part}.md").write_text(header + table + "\n")
    print(table)


if __name__ == "__main__":
    app.run(main)

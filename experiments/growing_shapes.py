"""Sandström 2019 §7.2 on a 2-core CPU: is the latent space of a grown model ordered by saliency?

Trains the CNN models on the embedded ``shapes`` set at 32x32 (``--latent_dim=64
--top=32``: four cycles, z 8 -> 16 -> 32 -> 64, the thesis's 6-cycle scheme at a quarter
of the width and latent size) with the thesis's WGAN-GP settings (Adam 1e-4, β = (0,
0.99), ε = 1e-8, batch 16, λ = 10, epochs 4 / 8 / 8 / 8 scaled to ``--steps``), then
scores every run on the latent walks of §7.2 in numbers instead of pictures:

* group variability (§9's proposed metric): per latent group (the dims each cycle added,
  thesis groups 1-8, 9-16, 17-32, ... scaled: [0, 8), [8, 16), [16, 32), [32, 64)), the
  mean per-pixel std of 64 images whose latents differ only in that group; averaged
  over ``--references`` reference latents;
* per-dimension variability: E_z ||G(z + d e_i) - G(z - d e_i)|| / 2d per coordinate i,
  its mean per group, and the Spearman correlation of variability with the index i
  (negative: earlier coordinates matter more, the thesis's claim for grown models);

* image quality per cycle (``--quality_samples`` images, ``evaluate``'s shapes metrics):
  every cycle's final checkpoint (its fade done) is scored at the cycle's content
  resolution when the shapes estimator has one for it (16 and 32 px; a 32-px output whose
  content is 16 px, bgGAN's and cgGAN's cycle 3, is box-downsampled to 16 first; box-
  downsampled real 32-px shapes score 98.1 % on the 16-px manifold, real 16-px renders
  100 %); the final model at 32 and at 16 px (downsampled), so bGAN, which has one cycle,
  is compared at both;

and writes the group walks (one row per group, the reference and 4 group resamples)
and coordinate walks as PNGs. The thesis's claim (Figs. 10-19): bGAN's variability grows
with the *number* of dims varied (group [32, 64) > [0, 8)); clgGAN's early groups vary
more than the late ones.

    python experiments/growing_shapes.py --seeds=3 --steps=3000

Run folders go to ``--out/runs`` (git-ignored); ``results.md`` / ``results.json`` and the
PNGs to ``--out``.
"""
import json
import time
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401
import numpy as np

from tfgan_latent.papers.growing import walks
from tfgan_latent.train import evaluate, registry, runner
from tfgan_latent.train.checkpoints import Checkpointer
from tfgan_latent.train.config import RunConfig

flags.DEFINE_list("models", ["bgan", "bggan", "cggan", "lggan", "clggan"], "growing-thesis models to train")
flags.DEFINE_integer("seeds", 3, "seeds per model")
flags.DEFINE_integer("steps", 3000, "minibatches per run (batch 16; a multiple of 20)")
flags.DEFINE_integer("image_size", 32, "final resolution")
flags.DEFINE_integer("latent_dim", 64, "final latent size")
flags.DEFINE_integer("top", 32, "width at 4x4 in the final architecture")
flags.DEFINE_integer("references", 8, "reference latents for the group variability")
flags.DEFINE_integer("quality_samples", 1000, "generated images per quality score")
flags.DEFINE_list("quality_keys", ["on_manifold_percent", "modes", "mode_kl", "fid"],
                  "evaluate's shapes metrics to tabulate")
flags.DEFINE_integer("steps_per_execution", 10, "minibatches per compiled call")
flags.DEFINE_string("out", "experiments/results/growing_shapes", "output folder")
FLAGS = flags.FLAGS


def groups(latent_dim, cycles):
    """The dims each cycle adds: [0, z_1), [z_1, z_2), ... (thesis §7.2.1 at 256: 1-8, 9-16, ...)."""
    sizes = [latent_dim // 2 ** (cycles - k) for k in range(1, cycles + 1)]
    return [(0, sizes[0])] + list(zip(sizes[:-1], sizes[1:]))


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def train(model, seed):
    out = Path(FLAGS.out) / "runs" / f"{model}_seed{seed}"
    run = RunConfig(model=model, dataset="shapes", steps=FLAGS.steps, batch_size=16, seed=seed,
                    image_size=FLAGS.image_size, log_every=FLAGS.steps // 20, sample_every=FLAGS.steps,
                    checkpoint_every=FLAGS.steps, steps_per_execution=FLAGS.steps_per_execution,
                    out=str(out), export_dir=str(out / "export"), verbose=0)
    cfg = runner.resolve_model_config(run, {"latent_dim": FLAGS.latent_dim, "top": FLAGS.top})
    start = time.perf_counter()
    runner.train(run, cfg)
    seconds = time.perf_counter() - start
    *_, gan, _, restored = runner.restore_latest(run.resolved(), cfg, out / "checkpoints")
    return gan, seconds, run.resolved(), cfg


def downsample(x, size):
    """Box average of [N, S, S, C] images to ``size`` px (S a multiple of ``size``)."""
    f = x.shape[1] // size
    return x.reshape(x.shape[0], size, f, size, f, x.shape[-1]).mean(axis=(2, 4))


def quality(gan, run):
    """``evaluate``'s shapes metrics of ``gan`` (its output generator) at the scored sizes its
    content resolution allows: {"16": {...}, "32": {...}} (a size missing: not scorable)."""
    x = evaluate.gan_source(gan, run).generate(FLAGS.quality_samples, run.seed)
    content = x.shape[1] if run.model == "bgan" else 4 * 2 ** (gan.arch.cycle - 1)
    scores = {}
    for size in (16, 32):
        if size <= min(content, x.shape[1]):
            s = evaluate.score(downsample(x, size), "shapes", seed=run.seed)
            scores[str(size)] = {k: float("nan") if s[k] is None else float(s[k])  # None: no image on the manifold
                                 for k in FLAGS.quality_keys}
    return scores


def quality_per_cycle(run, cfg):
    """``quality`` of every stage's last checkpoint (stage 0 .. last), by cycle."""
    stages = registry.model_stages(run, cfg)
    dirs = runner.stage_dirs(Path(run.out) / "checkpoints", stages)
    fixed = registry.get_model_spec(run.model).resume_fixed(cfg)
    rows = []
    for stage, folder in zip(stages, dirs):
        gan = stage.build(None)
        Checkpointer(gan, folder, 3, **runner.checkpoint_settings(run, cfg, fixed)).restore_latest()
        rows.append({"cycle": getattr(getattr(gan, "arch", None), "cycle", 1),
                     "step": int(gan.step.numpy()), **quality(gan, run)})
    return rows


def score(gan, model, seed):
    g = gan.serving_generator()
    cycles = int(np.log2(FLAGS.image_size // 4)) + 1
    groups_ = groups(FLAGS.latent_dim, cycles)
    latents = walks.latent_settings(gan)  # the run's own normalisation of z
    refs = walks.unit_latents(FLAGS.references, FLAGS.latent_dim, seed=547 + seed, **latents)
    group_var = np.mean([walks.group_variability(g, r, groups_, n=64, seed=i, **latents)
                         for i, r in enumerate(refs)], axis=0)
    dim_var = walks.dimension_variability(
        g, walks.unit_latents(64, FLAGS.latent_dim, seed=11, **latents))
    per_group = [float(dim_var[a:b].mean()) for a, b in groups_]
    out = Path(FLAGS.out)
    rows = [walks.group_walk(refs[0], grp, num_points=5, steps=1, seed=3, **latents)[0]
            for grp in groups_]
    walks.save_walk_grid(g, np.stack(rows), out / f"{model}_seed{seed}_group_walks.png")
    coords = [0, 1, 4, FLAGS.latent_dim // 3, FLAGS.latent_dim - 2]
    rows = [walks.coordinate_walk(refs[0], i, steps=8) for i in coords]
    walks.save_walk_grid(g, np.stack(rows), out / f"{model}_seed{seed}_coordinate_walks.png")
    return {
        "groups": [list(x) for x in groups_],
        "group_variability": [float(v) for v in group_var],
        "dimension_variability_per_group": per_group,
        "dimension_variability": [float(v) for v in dim_var],
        "spearman_index_vs_variability": spearman(np.arange(len(dim_var)), dim_var),
        "first_over_last_group_per_dim": per_group[0] / per_group[-1],
    }


def write_report(results):
    out = Path(FLAGS.out)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    first = next(iter(results.values()))
    names = [f"[{a}, {b})" for a, b in first["groups"]]
    lines = [
        "# Growing thesis §7.2 on shapes 32x32: latent saliency order and image quality, bGAN vs grown models",
        "",
        f"Command: `python experiments/growing_shapes.py --models={','.join(FLAGS.models)} "
        f"--seeds={FLAGS.seeds} --steps={FLAGS.steps} --latent_dim={FLAGS.latent_dim} "
        f"--top={FLAGS.top} --out={FLAGS.out}` (batch 16, image {FLAGS.image_size}). "
        "Train seconds were measured next to other jobs on a 2-core machine: not a speed "
        "comparison (benchmarks/growing_cycle_speed.py is).",
        "",
        "## Group variability (§9 metric: mean per-pixel std over 64 images varying only the group; "
        f"mean over {FLAGS.references} references)",
        "",
        "| run | " + " | ".join(names) + " | train s |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for key, r in results.items():
        lines.append(f"| {key} | " + " | ".join(f"{v:.4f}" for v in r["group_variability"])
                     + f" | {r['seconds']:.0f} |")
    lines += ["", "## Per-dimension variability (E||G(z+d e_i) - G(z-d e_i)|| / 2d), mean per group",
              "", "| run | " + " | ".join(names) + " | first/last | Spearman(i, var) |",
              "|---|" + "---|" * (len(names) + 2)]
    for key, r in results.items():
        lines.append(f"| {key} | " + " | ".join(f"{v:.3f}" for v in r["dimension_variability_per_group"])
                     + f" | {r['first_over_last_group_per_dim']:.2f} | "
                     f"{r['spearman_index_vs_variability']:+.2f} |")
    lines += order_summary(results)
    lines += quality_report(results)
    lines += ["", "PNGs: `<run>_group_walks.png` (one row per group: the reference and 4 "
              "resamples of the group) and `<run>_coordinate_walks.png` (rows: coordinates "
              "0, 1, 4, d/3, d-2 swept over [-0.125, 0.125]).", ""]
    (out / "results.md").write_text("\n".join(lines))


# Failed runs, listed and not counted: every group variability (per-pixel std) below COLLAPSED
# (about one image for every z: such runs measured 0.005-0.012, all others >= 0.079 in their
# largest group), or a final shapes FID at 32 px above DIVERGED (degenerate images: such runs
# measured 582-714, all others <= 132).
COLLAPSED = 0.03
DIVERGED = 300.0


def failed(r):
    return (max(r["group_variability"]) < COLLAPSED
            or r.get("quality", [{}])[-1].get("32", {}).get("fid", 0.0) > DIVERGED)


def order_summary(results):
    """Per model: §7.2's ordering numbers of every seed, collapsed seeds named, not counted."""
    lines = ["", f"## §7.2 order per model (failed seeds, listed and not counted: group variability "
             f"below {COLLAPSED} in every group, i.e. one image for every z, or a final shapes FID "
             f"at 32 px above {DIVERGED:g})", "",
             "| model | failed | Spearman(i, var) | first/last group, per dim | "
             "first/last group, §9 metric |", "|---|---|---|---|---|"]
    for model in dict.fromkeys(k.rsplit("_seed", 1)[0] for k in results):
        runs = {k: r for k, r in results.items() if k.rsplit("_seed", 1)[0] == model}
        ok = {k: r for k, r in runs.items() if not failed(r)}
        gone = [k.rsplit("_seed", 1)[1] for k in runs if k not in ok] or ["none"]
        fmt = lambda xs, f: ", ".join(f.format(x) for x in xs)
        lines.append(
            f"| {model} | seed {', '.join(gone)} | "
            f"{fmt([r['spearman_index_vs_variability'] for r in ok.values()], '{:+.2f}')} | "
            f"{fmt([r['first_over_last_group_per_dim'] for r in ok.values()], '{:.2f}')} | "
            f"{fmt([r['group_variability'][0] / r['group_variability'][-1] for r in ok.values()], '{:.2f}')} |")
    return lines


def mean_std(values):
    values = np.asarray(values, float)
    if np.isnan(values).any():  # mode_kl of a seed with no image on the manifold
        return f"– ({int(np.isnan(values).sum())} of {len(values)} undefined)"
    return f"{values.mean():.2f} ± {values.std(ddof=1) if len(values) > 1 else 0:.2f}"


def quality_report(results):
    """Per run and cycle, then per model over seeds (final model): the image metrics."""
    keys = FLAGS.quality_keys
    head = [f"{k} @{size}" for size in ("16", "32") for k in keys]
    lines = ["", f"## Image quality per cycle ({FLAGS.quality_samples} samples, `evaluate`'s "
             "shapes metrics at 16 and 32 px; – : the cycle's content is below the size)", "",
             "| run | cycle | step | " + " | ".join(head) + " |", "|---|---|---|" + "---|" * len(head)]
    for key, r in results.items():
        for row in r.get("quality", []):
            cells = [f"{row[size][k]:.{0 if k == 'modes' else 2}f}" if size in row else "–"
                     for size in ("16", "32") for k in keys]
            lines.append(f"| {key} | {row['cycle']} | {row['step']} | " + " | ".join(cells) + " |")
    lines += ["", "## Final model per model, mean ± std over seeds (every seed counted)", "",
              "| model | seeds | " + " | ".join(head) + " | train s |", "|---|---|" + "---|" * (len(head) + 1)]
    for model in dict.fromkeys(k.rsplit("_seed", 1)[0] for k in results):
        runs = [r for k, r in results.items() if k.rsplit("_seed", 1)[0] == model and "quality" in r]
        if not runs:
            continue
        cells = [mean_std([r["quality"][-1][size][k] for r in runs]) for size in ("16", "32") for k in keys]
        lines.append(f"| {model} | {len(runs)} | " + " | ".join(cells)
                     + f" | {mean_std([r['seconds'] for r in runs])} |")
    return lines


def main(argv):
    del argv
    Path(FLAGS.out).mkdir(parents=True, exist_ok=True)
    path = Path(FLAGS.out) / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for seed in range(FLAGS.seeds):
        for model in FLAGS.models:
            key = f"{model}_seed{seed}"
            if key in results:
                continue
            gan, seconds, run, cfg = train(model, seed)
            results[key] = {**score(gan, model, seed), "seconds": seconds,
                            "quality": quality_per_cycle(run, cfg)}
            write_report(results)
            r = results[key]
            print(key, [round(v, 4) for v in r["group_variability"]],
                  round(r["spearman_index_vs_variability"], 2), f"{seconds:.0f}s", flush=True)


if __name__ == "__main__":
    app.run(main)

"""LIS App. I per module count k: the broken share of G(z'_k), k = 0..N, on the LIS image claim.

    python experiments/lis_per_k.py                      # every run of shapes_glis_n3 not yet done
    python experiments/lis_per_k.py --report             # only rewrites per_k.md

``claims.py --paper=lis --comparisons=shapes_glis_n3`` scores each G-LIS run at inference with
all N modules active (k = N). The paper's figures (Figs. 6, 11-13) show every k of one trained
chain: this script restores each recorded run's last checkpoint (its weight average, as
``evaluate --run`` does), draws the latents of its in-run evaluation (the run's seed, 1,000
samples) and scores ``G(z'_k)`` for k = 0..N with ``evaluate.score`` (broken % = 100 −
on-manifold %). At k = N this repeats the claim record's final score; the table says where it
does not. Writes ``per_k.jsonl`` (one row per run and k; a run already there is skipped) and
``per_k.md`` next to ``claims.md``.
"""
import json
import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent))
import claims  # noqa: E402  (defines --paper, --comparisons, --report, ...)
from cli_runs import cpu_line  # noqa: E402

flags.DEFINE_integer("num_samples", 1000, "latents per k (the in-run evaluation's count)")
FLAGS = flags.FLAGS
COMPARISON = "shapes_glis_n3"


def run_dir(root, comp, record):
    """The record's run folder: the claim's own, or the preset search's for a shared run."""
    if record.get("source") == "search":
        label, model, arm_flags = next(a for a in comp.arms if a[0] == record["arm"])
        return (Path("experiments/results/presets/runs") / f"{comp.dataset}32"
                / claims.search_arm(model, arm_flags) / f"{comp.search_candidate}_seed{record['seed']}")
    return claims.run_dir_of(root, comp, record["arm"], record["seed"])


def per_k(path, num_samples, step=None):
    """[(k, step, scores)] for k = 0..N of the run at ``path``, at checkpoint ``step`` where
    it is kept (a run's last evaluation can precede its final checkpoint: 9,996 vs 10,000)."""
    import tensorflow as tf

    from tfgan_latent.models.gan import prior_latents
    from tfgan_latent.train import evaluate

    run_cfg, _, gan = evaluate.load_run(path)
    ckpt = Path(path) / "checkpoints" / f"ckpt-{step}"
    if step is not None and int(gan.step.numpy()) != step and Path(f"{ckpt}.index").exists():
        gan.swap_average()  # back to the live weights, restore both, average in again
        tf.train.Checkpoint(**gan.checkpoint_items()).restore(str(ckpt)).expect_partial()
        gan.swap_average()
    z = prior_latents(gan.latent_prior, num_samples, gan.latent_dim, run_cfg.seed,
                      **gan.latent_prior_args)
    return [(k, int(gan.step.numpy()), evaluate.score(x, run_cfg.dataset, seed=run_cfg.seed))
            for k, x in enumerate(gan.module_samples(z))]


def write_report(root, rows):
    lines = ["# LIS App. I on shapes: broken % of G(z'_k) per module count k "
             "(`python experiments/lis_per_k.py`)", "",
             f"Runs of `claims.py --paper=lis --comparisons={COMPARISON}` (settings in "
             "`claims.md`), last checkpoint, weight average; the in-run evaluation's latents "
             "(the run's seed, 1,000 samples). Broken % = 100 − on-manifold %. `check`: the "
             "claim record's final on-manifold % (k = N must repeat it).", "",
             "| arm | seed | k | broken % | on-manifold % | modes | MS-SSIM | check |",
             "|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["arm"], r["seed"], r["k"])):
        lines.append(f"| {r['arm']} | {r['seed']} | {r['k']} | {r['broken_percent']:.1f} | "
                     f"{r['on_manifold_percent']:.1f} | {r['modes']} | {r['ms_ssim']:.3f} | "
                     f"{r.get('record_on_manifold_percent', '')} |")
    arms = sorted({(r["arm"], r["k"]) for r in rows})
    lines += ["", "Mean ± sample std over seeds (each seed in order):", "",
              "| arm | k | seeds | broken % | modes |", "|---|---|---|---|---|"]
    for arm, k in arms:
        rs = sorted((r for r in rows if r["arm"] == arm and r["k"] == k), key=lambda r: r["seed"])
        lines.append(f"| {arm} | {k} | {[r['seed'] for r in rs]} | "
                     f"{claims.fmt([round(r['broken_percent'], 1) for r in rs])} | "
                     f"{claims.fmt([r['modes'] for r in rs])} |")
    cpus = sorted({r["cpu"] for r in rows})
    lines += ["", f"CPU: {', '.join(cpus)}.", ""]
    (Path(root) / "per_k.md").write_text("\n".join(lines) + "\n")


def main(argv):
    del argv
    root = Path("experiments/results/lis/claims")
    path = root / "per_k.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()] \
        if path.exists() else []
    if not FLAGS.report:
        comp = next(c for c in claims.COMPARISONS["lis"] if c.name == COMPARISON)
        done = {(r["arm"], r["seed"]) for r in rows}
        for record in claims.read(root, "lis"):
            if record["comparison"] != COMPARISON or (record["arm"], record["seed"]) in done:
                continue
            folder = run_dir(root, comp, record)
            final = record["final"]
            for k, step, s in per_k(folder, FLAGS.num_samples, final.get("step")):
                row = {"arm": record["arm"], "seed": record["seed"], "k": k, "step": step,
                       "run": str(folder), "on_manifold_percent": s["on_manifold_percent"],
                       "broken_percent": 100.0 - s["on_manifold_percent"], "modes": s["modes"],
                       "ms_ssim": s.get("ms_ssim"), "cpu": cpu_line()}
                if step == final.get("step") and k == max(0, record["flags"].get("lis_modules", 0)):
                    row["record_on_manifold_percent"] = final.get("on_manifold_percent")
                rows.append(row)
                with open(path, "a") as f:
                    f.write(json.dumps(row, sort_keys=True) + "\n")
                print(row, flush=True)
    write_report(root, rows)


if __name__ == "__main__":
    app.run(main)

"""The papers' comparisons on the CPU presets, paired seeds (issue 31 §3): one command per paper.

    python experiments/claims.py --paper=rfgan --core=0          # runs what is missing, resumable
    python experiments/claims.py --paper=rfgan --report          # only rewrites the tables

Each comparison trains its arms through the library's CLI (``cli_runs``; one core per run with
``--core``) on the same seeds, every arm from the same preset (``--preset=cpu`` unless the
comparison names the paper's own setting), and writes ``experiments/results/<paper>/claims.jsonl``
(one record per run; a rerun skips recorded runs and an interrupted run resumes from its
checkpoint) and ``claims.md`` (every seed, mean ± std, the verdict).

Rules, fixed before any run (issue 31: "collapsed runs named and excluded only by a rule stated
beforehand"; "a claim is judged only against a baseline that trains"):

* **Collapsed run**: on the 2-D sets, ≤ 1 mode at the last evaluation; on ``shapes``, < 5 % on
  the manifold at the last evaluation. A collapsed run is named in the table and left out of the
  paired differences.
* **Baseline that trains**: the comparison is judged only if its first arm (the baseline) is not
  collapsed on at least 4 of 5 seeds; otherwise the verdict is "not testable here (baseline
  collapsed on k of n seeds)". A comparison whose claim is about the baseline's collapse (the
  paper's own toy setting of RFGAN §4, "where the plain GAN is expected to miss modes") says so
  (``collapse_is_claim``) and keeps every seed.
* **Verdict** on the comparison's metric (higher is better, or lower where marked), paired per
  seed over the kept seeds: "supported" if the mean paired difference favours the paper's arm
  and at least 4 of 5 kept pairs do (at least n − 1 when fewer are kept); "not supported"
  otherwise; "not testable here (ceiling)" when the baseline already has the metric's maximum on
  every kept seed (nothing left to improve).
"""
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runs import KIND, cli_args, cpu_line, curve_of, pretrain_dae, run_pinned  # noqa: E402

flags.DEFINE_string("paper", "rfgan", "rfgan | lis | began_cs | growing | latent_dim")
flags.DEFINE_list("comparisons", [], "comparison names (default: all of the paper's)")
flags.DEFINE_list("seeds", ["0", "1", "2", "3", "4"], "paired seeds")
flags.DEFINE_integer("core", -1, "pin each run to this CPU core (taskset); -1: no pinning")
flags.DEFINE_boolean("report", False, "only rewrite claims.md from claims.jsonl")
flags.DEFINE_boolean("dry_run", False, "print the commands, run nothing")
FLAGS = flags.FLAGS

EVALS = {"images": 6, "points": 10}
SAMPLES = {"images": 1000, "points": 2500}
MAXIMUM = {"modes": {"ring8": 8, "grid25": 25, "shapes": 18}, "on_manifold_percent": 100.0,
           "hq_percent": 100.0}


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One claim: arms (label, model, flags), the first the baseline; shared flags; the metric."""

    name: str
    claim: str
    dataset: str
    arms: tuple
    metric: str = "modes"
    lower_is_better: bool = False
    preset: str = "cpu"
    flags: dict = dataclasses.field(default_factory=dict)
    collapse_is_claim: bool = False


# RFGAN §4 (Bang & Shim 2018, Figs. 3-4): the RF discriminator keeps the modes the plain GAN
# misses on the 2-D mixtures; ±RF for DCGAN and LSGAN at the CPU preset, and at the paper's own
# toy setting (experiments/rfgan.py's: MLPs of 128 units, 2 layers, dim(z) 256, batch 512,
# lr 1e-3, 2,000 steps, the paper's schedules).
_TOY = {"mlp_units": 128, "mlp_layers": 2, "latent_dim": 256, "latent_distribution": "normal",
        "batch_size": 512, "g_lr": 1e-3, "d_lr": 1e-3, "steps": 2000}
_RF_CLAIM = "RFGAN §4: the RF discriminator covers more modes than the plain one"
COMPARISONS = {
    "rfgan": [
        *(Comparison(f"{data}_{m}_preset", _RF_CLAIM, data,
                     ((m.upper(), m, {}), (f"{m.upper()}-RF", m, {"rf": True})))
          for data in ("ring8", "grid25") for m in ("dcgan", "lsgan")),
        Comparison("ring8_dcgan_paper_toy", _RF_CLAIM + " (the paper's toy setting)", "ring8",
                   (("DCGAN", "dcgan", {}), ("DCGAN-RF", "dcgan", {"rf": True})),
                   preset="paper",
                   flags={**_TOY, "g_steps": 2, "reuse_latents": True, "beta_1": 0.5},
                   collapse_is_claim=True),
    ],
}


def run_dir_of(root, comp, label, seed):
    return Path(root) / "runs" / comp.name / f"{label}_seed{seed}"


def command(root, comp, model, arm_flags, seed, run_dir, encoder):
    kind = KIND[comp.dataset]
    values = {**comp.flags, **arm_flags}
    settings = {"model": model, "dataset": comp.dataset, "seed": seed, "preset": comp.preset,
                "out": str(run_dir), "export_dir": str(Path(run_dir) / "export"),
                "eval_samples": SAMPLES[kind], "verbose": 0, **values}
    if "steps" in values:  # else the preset's steps and evaluation period
        every = max(values["steps"] // EVALS[kind], 1)
        settings.update(log_every=every, eval_every=every, sample_every=every,
                        checkpoint_every=every)
    if kind == "images":
        settings["image_size"] = 32
    if arm_flags.get("rf"):
        settings["encoder_from"] = str(encoder)
    return cli_args(settings)


def collapsed(dataset, point):
    if not point:
        return True
    if KIND[dataset] == "points":
        return point.get("modes", 0) <= 1
    return point.get("on_manifold_percent", 0.0) < 5.0


def read(root):
    path = Path(root) / "claims.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []


def verdict(comp, records):
    seeds = sorted({r["seed"] for r in records})
    by = {(r["arm"], r["seed"]): r for r in records}
    base, arm = comp.arms[0][0], comp.arms[1][0]
    pairs = [s for s in seeds if (base, s) in by and (arm, s) in by]
    if not pairs:
        return "not run", []
    if not comp.collapse_is_claim:
        broken = [s for s in pairs if by[base, s]["collapsed"]]
        if len(pairs) - len(broken) < max(len(pairs) - 1, 1) or len(broken) > 1:
            return (f"not testable here (baseline collapsed on {len(broken)} of {len(pairs)} "
                    "seeds)"), []
        pairs = [s for s in pairs if not by[base, s]["collapsed"] and not by[arm, s]["collapsed"]]
    sign = -1.0 if comp.lower_is_better else 1.0
    diffs = [sign * (by[arm, s]["final"].get(comp.metric, 0) - by[base, s]["final"].get(comp.metric, 0))
             for s in pairs]
    top = MAXIMUM.get(comp.metric)
    top = top.get(comp.dataset) if isinstance(top, dict) else top
    if top is not None and all(by[base, s]["final"].get(comp.metric) == top for s in pairs):
        return "not testable here (ceiling: the baseline has the maximum on every kept seed)", diffs
    need = 4 if len(pairs) >= 5 else max(len(pairs) - 1, 1)
    ok = np.mean(diffs) > 0 and sum(d > 0 for d in diffs) >= need
    return ("supported" if ok else "not supported"), diffs


def fmt(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return (f"{np.mean(values):.3g} ± {np.std(values, ddof=1) if len(values) > 1 else 0:.2g} "
            f"({', '.join(f'{v:g}' for v in values)})")


def report(root, paper):
    records = read(root)
    lines = [f"# {paper}: the papers' comparisons on paired seeds (`experiments/claims.py "
             f"--paper={paper}`)", "", "Rules (collapse, baseline that trains, verdict) are "
             "fixed in `experiments/claims.py`'s docstring before the runs. Per arm: the last "
             "evaluation's metric, mean ± sample std (every seed in order); peak = best "
             "evaluation of the run, lost = peak − last; C = collapsed seeds.", ""]
    for comp in COMPARISONS[paper]:
        rows = [r for r in records if r["comparison"] == comp.name]
        if not rows:
            continue
        seeds = sorted({r["seed"] for r in rows})
        text, diffs = verdict(comp, rows)
        lines += [f"## {comp.name}: {comp.claim}", "",
                  f"{comp.dataset}, preset `{comp.preset}`"
                  + (f", flags `{' '.join(f'--{k}={v}' for k, v in comp.flags.items())}`"
                     if comp.flags else "") + f"; seeds {seeds}; metric `{comp.metric}`.", "",
                  "| arm | " + " | ".join(("modes", "HQ %", "on-manifold %", "MS-SSIM", "peak "
                                           + comp.metric, "lost after peak", "C", "CPU min"))
                  + " |", "|---" * 9 + "|"]
        for label, *_ in comp.arms:
            rs = sorted((r for r in rows if r["arm"] == label), key=lambda r: r["seed"])
            col = lambda k: fmt([r["final"].get(k) for r in rs])
            peaks = [max((p.get(comp.metric, 0) for p in r["curve"]), default=0) for r in rs]
            lost = [p - r["final"].get(comp.metric, 0) for p, r in zip(peaks, rs)]
            names = [str(r["seed"]) for r in rs if r["collapsed"]]
            lines.append(f"| {label} | {col('modes')} | {col('hq_percent')} | "
                         f"{col('on_manifold_percent')} | {col('ms_ssim')} | {fmt(peaks)} | "
                         f"{fmt(lost)} | {', '.join(names) or 'none'} | "
                         f"{fmt([round(r['cpu_s'] / 60, 1) for r in rs])} |")
        lines += ["", f"**Verdict: {text}**"
                  + (f" (paired differences {', '.join(f'{d:g}' for d in diffs)})" if diffs else ""),
                  "", f"CPU: {rows[0]['cpu']}.", ""]
    (Path(root) / "claims.md").write_text("\n".join(lines) + "\n")


def main(argv):
    del argv
    if FLAGS.paper not in COMPARISONS:
        raise SystemExit(f"--paper: one of {sorted(COMPARISONS)} (the others' comparisons wait "
                         f"for CPU presets that train), got {FLAGS.paper!r}.")
    root = Path("experiments/results") / FLAGS.paper / "claims"
    root.mkdir(parents=True, exist_ok=True)
    if FLAGS.report:
        report(root, FLAGS.paper)
        return
    comps = [c for c in COMPARISONS[FLAGS.paper]
             if not FLAGS.comparisons or c.name in FLAGS.comparisons]
    done = {(r["comparison"], r["arm"], r["seed"]) for r in read(root)}
    for seed in map(int, FLAGS.seeds):  # seed-major: every comparison gains pairs together
        for comp in comps:
            for label, model, arm_flags in comp.arms:
                if (comp.name, label, seed) in done:
                    continue
                run_dir = run_dir_of(root, comp, label, seed)
                encoder = None
                if arm_flags.get("rf"):
                    encoder = pretrain_dae(root, comp.dataset, 32, seed,
                                           comp.flags.get("width"), FLAGS.core, FLAGS.dry_run)
                args = command(root, comp, model, arm_flags, seed, run_dir, encoder)
                if FLAGS.dry_run:
                    print(" ".join(args))
                    continue
                run_dir.mkdir(parents=True, exist_ok=True)
                log = root / "logs" / f"{comp.name}__{label}_seed{seed}.log"
                rc, wall, cpu = run_pinned(args, FLAGS.core, log)
                curve = curve_of(run_dir)
                if rc != 0 and not curve:
                    print(f"{comp.name} {label} seed {seed}: rc {rc} before any evaluation; "
                          f"not recorded (see {log})", flush=True)
                    continue
                final = curve[-1] if curve else {}
                record = {"comparison": comp.name, "arm": label, "model": model,
                          "flags": {**comp.flags, **arm_flags}, "preset": comp.preset,
                          "dataset": comp.dataset, "seed": seed, "rc": rc, "curve": curve,
                          "final": final, "collapsed": collapsed(comp.dataset, final),
                          "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "core": FLAGS.core,
                          "cpu": cpu_line(), "date": time.strftime("%Y-%m-%d %H:%M")}
                with open(root / "claims.jsonl", "a") as f:
                    f.write(json.dumps(record, sort_keys=True) + "\n")
                print(f"{comp.name} {label} seed {seed}: rc {rc}, {wall:.0f} s, {final}",
                      flush=True)
                report(root, FLAGS.paper)
    report(root, FLAGS.paper)


if __name__ == "__main__":
    app.run(main)

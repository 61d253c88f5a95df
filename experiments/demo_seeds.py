"""The demo (`tfgan-latent demo`) over several seeds: training time and the offline scores.

Runs the demo command in fresh processes, one seed at a time (so the timing is of a quiet
machine, not of several runs sharing the cores), with its own defaults unless ``--flags`` adds
some (e.g. ``--flags=--width=32,--steps=2000`` for the earlier demo). For each seed it records
the training wall time (from the run's metrics log: the sum over log intervals of steps /
steps_per_sec), the end-to-end wall time of the command, and the scores the demo prints
(``eval`` at its last step: the shapes manifold score, shapes-feature FID/KID, MS-SSIM).

    python experiments/demo_seeds.py --seeds=0,1,2 --tag=demo
    python experiments/demo_seeds.py --seeds=0,1,2 --tag=old_demo \\
        --flags=--width=32,--g_steps=1,--steps=2000,--steps_per_execution=1

Output: ``experiments/results/demo/<tag>.json`` and ``<tag>.md``, the sample grid of each seed
(``<tag>_seed<S>.png``), and the run folders under ``experiments/results/demo/runs/`` (ignored).
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from absl import app, flags

flags.DEFINE_list("seeds", ["0", "1", "2"], "demo seeds")
flags.DEFINE_string("tag", "demo", "name of this set of runs")
flags.DEFINE_list("flags", [], "extra demo flags, e.g. --width=32,--steps=2000")
flags.DEFINE_string("out", "experiments/results/demo", "results folder")
flags.DEFINE_boolean("rewrite", False, "only rewrite <tag>.md/.json from the stored rows")
FLAGS = flags.FLAGS

KEYS = ("on_manifold_percent", "modes", "mode_kl", "fid", "kid", "precision", "recall",
        "ms_ssim", "w1_x", "w1_y", "w1_size")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv):
    del argv
    out = Path(FLAGS.out)
    if FLAGS.rewrite:  # only redo the report files from the stored rows
        write_report(out, json.loads((out / f"{FLAGS.tag}.json").read_text()))
        return
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    rows = []
    for seed in map(int, FLAGS.seeds):
        run = runs / f"{FLAGS.tag}_seed{seed}"
        shutil.rmtree(run, ignore_errors=True)
        export = runs / f"{FLAGS.tag}_seed{seed}_export"
        shutil.rmtree(export, ignore_errors=True)
        cmd = [sys.executable, "-m", "tfgan_latent", "demo", f"--seed={seed}", f"--out={run}",
               f"--export_dir={export}", "--verbose=0", *FLAGS.flags]
        t0 = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        wall = time.time() - t0
        if proc.returncode:
            raise SystemExit(f"seed {seed} failed:\n{proc.stdout}\n{proc.stderr}")
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        train_s, last = 0.0, 0
        for r in records:
            if "steps_per_sec" in r:
                train_s += (r["step"] - last) / r["steps_per_sec"]
                last = r["step"]
        result = json.loads((run / "result.json").read_text())
        scores = result.get("eval", {})
        row = {"seed": seed, "train_seconds": round(train_s, 1), "command_seconds": round(wall, 1),
               "steps": result["step"], **{k: scores.get(k) for k in KEYS}}
        rows.append(row)
        shutil.copy(result["samples"], out / f"{FLAGS.tag}_seed{seed}.png")
        print(json.dumps(row), flush=True)
    write_report(out, {"tag": FLAGS.tag, "flags": FLAGS.flags, "cpu": cpu_model(),
                       "cores": os.cpu_count(), "rows": rows})


def write_report(out, report):
    """``<tag>.json`` and ``<tag>.md`` (per-seed table, then mean/std/range over seeds)."""
    rows = report["rows"]
    tag, extra = report["tag"], report["flags"]
    seeds = ",".join(str(r["seed"]) for r in rows)
    lines = [f"# `tfgan-latent demo {' '.join(extra)}` ({tag})", "",
             f"`python experiments/demo_seeds.py --seeds={seeds} --tag={tag}"
             + (f" --flags={','.join(extra)}" if extra else "") + "`; "
             f"{report['cpu']}, {report['cores']} cores."
             + (f" Note: {report['note']}." if report.get("note") else ""), "",
             "| seed | training s | command s | on-manifold % | modes | mode KL | FID (shapes) | "
             "KID | recall | MS-SSIM |", "|---|---|---|---|---|---|---|---|---|---|"]
    fmt = lambda v, f: "–" if v is None else format(v, f)
    for r in rows:
        lines.append(f"| {r['seed']} | {r['train_seconds']} | {r['command_seconds']} | "
                     f"{fmt(r['on_manifold_percent'], '.1f')} | {fmt(r['modes'], '.0f')} | "
                     f"{fmt(r['mode_kl'], '.3f')} | {fmt(r['fid'], '.2f')} | {fmt(r['kid'], '.3f')} | "
                     f"{fmt(r['recall'], '.3f')} | {fmt(r['ms_ssim'], '.3f')} |")
    summary = {}
    for key in ("train_seconds", "command_seconds", "on_manifold_percent", "modes", "fid"):
        values = [r[key] for r in rows if r[key] is not None]
        if values:
            mean = sum(values) / len(values)
            spread = (sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1)) ** 0.5
            summary[key] = {"mean": mean, "std": spread, "min": min(values), "max": max(values)}
    report["summary"] = summary
    (out / f"{tag}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines.append("")
    lines += [f"- {k}: mean {v['mean']:.2f}, sample std {v['std']:.2f}, range "
              f"[{v['min']:.2f}, {v['max']:.2f}] over {len(rows)} seeds" for k, v in summary.items()]
    (out / f"{tag}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    app.run(main)

"""Re-scores the recorded runs of normal-prior models after the ``prior_latents`` fix.

From d8ce611 (2026-12-01) to the fix, ``prior_latents("normal", ...)`` returned N(0, I) rows
scaled to unit norm, so every in-run evaluation, sample grid and ``evaluate`` of a model whose
prior is N(0, I) (WGAN-GP, the latent-dimension study's nets, G-LIS / R-separate /
R-iterative, any ``--latent_distribution=normal``) fed its generator latents of norm 1 instead
of ~√dim(z). Training never used that function: the weights are right, their scores are not.

    python experiments/rescore_prior.py --records=experiments/results/presets/search.jsonl
    python experiments/rescore_prior.py --records=experiments/results/rfgan/claims/claims.jsonl

For each record of such a model whose run folder is still here, ``tfgan-latent evaluate --run``
scores the run's last checkpoint (the record's final step; its weight average where the run
kept one) on the record's number of samples, with the same latents the in-run score would now
draw (checked: on a uniform-prior run, ``evaluate --run`` repeats the in-run score exactly).
Appends ``{run, step, before, after}`` to ``experiments/results/prior_fix/rescore.jsonl``
(a run already there is skipped) and rewrites ``rescore.md``. The search and claim reports
take a rescored run's final score from there (``cli_runs.rescored``); the curves before the
final step cannot be rescored (only the last checkpoints are kept) and are marked.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runs import KIND, RESCORE, cpu_line, normal_prior  # noqa: E402

flags.DEFINE_string("records", "experiments/results/presets/search.jsonl", "a records file")
flags.DEFINE_integer("core", -1, "pin each evaluation to this core; -1: no pinning")
FLAGS = flags.FLAGS
SAMPLES = {"images": 1000, "points": 2500}


def run_dir_of(record, records_path):
    """The run folder a search or claims record names (their own layouts)."""
    root = Path(records_path).parent
    if "candidate" in record:  # preset_search.run_name
        size = "32" if KIND[record["dataset"]] == "images" else ""
        return root / "runs" / f"{record['dataset']}{size}" / record["arm"] / (
            f"{record['candidate']}_seed{record['seed']}")
    return root / "runs" / record["comparison"] / f"{record['arm']}_seed{record['seed']}"


def main(argv):
    del argv
    out = Path("experiments/results/prior_fix")
    out.mkdir(parents=True, exist_ok=True)
    done = {r["run"] for r in map(json.loads, RESCORE.read_text().splitlines())} \
        if RESCORE.exists() else set()
    records = [json.loads(x) for x in Path(FLAGS.records).read_text().splitlines() if x.strip()]
    for record in records:
        if record.get("source") == "search":
            continue  # a claims record copied from the search: rescored there
        run_dir = run_dir_of(record, FLAGS.records)
        if str(run_dir) in done or not (run_dir / "config.json").exists():
            continue
        if not normal_prior(json.loads((run_dir / "config.json").read_text())):
            continue
        args = [sys.executable, "-m", "tfgan_latent", "evaluate", f"--run={run_dir}",
                f"--num_samples={SAMPLES[KIND[record['dataset']]]}"]
        if FLAGS.core >= 0:
            args = ["taskset", "-c", str(FLAGS.core), *args]
        proc = subprocess.run(args, capture_output=True, text=True,
                              env={"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ})
        if proc.returncode != 0:
            print(f"{run_dir}: evaluate failed (rc {proc.returncode}): "
                  f"{proc.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        after = json.loads(proc.stdout.strip().splitlines()[-1])
        before = record["final"]
        if after["step"] != before.get("step"):
            print(f"{run_dir}: last checkpoint at step {after['step']}, record's final at "
                  f"{before.get('step')}: skipped", flush=True)
            continue
        keep = {k: after[k] for k in before if k in after and k != "step"}
        row = {"run": str(run_dir), "records": FLAGS.records, "step": after["step"],
               "before": before, "after": {"step": after["step"], **keep}, "cpu": cpu_line(),
               "date": time.strftime("%Y-%m-%d %H:%M")}
        with open(RESCORE, "a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
        done.add(str(run_dir))
        print(f"{run_dir}: {before} -> {row['after']}", flush=True)
    rows = [json.loads(x) for x in RESCORE.read_text().splitlines()] if RESCORE.exists() else []
    lines = ["# Normal-prior runs re-scored after the prior fix (`experiments/rescore_prior.py`)",
             "", "Final evaluation of each run before (unit-norm z: the bug) and after (N(0, I) "
             "z); the same checkpoint, samples and seed. See the script's docstring.", "",
             "| run | step | before | after |", "|---|---|---|---|"]
    for r in rows:
        fmt = lambda d: ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                  for k, v in sorted(d.items()) if k != "step")
        lines.append(f"| {r['run']} | {r['step']} | {fmt(r['before'])} | {fmt(r['after'])} |")
    (out / "rescore.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    app.run(main)

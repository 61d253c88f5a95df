"""Wall time of a CPU preset on this machine, side by side: all cores vs one pinned core (issue 31
§1: "within 15 minutes of training per run on a 2-core machine").

    python experiments/preset_timing.py --model=dcgan --dataset=shapes --rf \
        --encoder_from=experiments/results/presets/runs/shapes32/dae/width32_seed0

Runs the preset (``--preset=cpu``) for ``--steps`` steps twice in fresh processes, first on every
core (TensorFlow's default threads), then pinned to core 0 with one thread (as the search ran),
and extrapolates each to the preset's steps from the training rate the run logged after its
first log interval (tracing excluded) plus the measured cost of one evaluation times the preset's
number of evaluations. Run it on an otherwise idle machine; the result is appended to
``experiments/results/presets/timing.jsonl`` and ``timing.md`` with the CPU line.
"""
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runs import KIND, cli_args, cpu_line, run_pinned  # noqa: E402

flags.DEFINE_string("model", "dcgan", "registered model")
flags.DEFINE_string("dataset", "shapes", "data set of the preset")
flags.DEFINE_boolean("rf", False, "the RF arm (needs --encoder_from)")
flags.DEFINE_string("encoder_from", "", "a DAE run folder, for --rf")
flags.DEFINE_integer("steps", 1500, "steps timed per run (a tenth of a 15,000-step preset)")
flags.DEFINE_integer("preset_steps", 15000, "the preset's steps (extrapolated to)")
flags.DEFINE_integer("preset_evals", 10, "the preset's evaluations (one every tenth)")
flags.DEFINE_string("out", "experiments/results/presets", "results folder")
FLAGS = flags.FLAGS


def timed(core, work):
    """(wall s, training steps/s after the first log interval)."""
    run_dir = Path(tempfile.mkdtemp(dir=work))
    every = FLAGS.steps // 3
    settings = {"model": FLAGS.model, "dataset": FLAGS.dataset, "seed": 0, "preset": "cpu",
                "steps": FLAGS.steps, "log_every": every, "eval_every": FLAGS.steps,
                "sample_every": FLAGS.steps, "checkpoint_every": FLAGS.steps,
                "eval_samples": 1000, "out": str(run_dir), "export_dir": str(run_dir / "export"),
                "verbose": 0}
    if KIND[FLAGS.dataset] == "images":
        settings["image_size"] = 32
    if FLAGS.rf:
        settings.update(rf=True, encoder_from=FLAGS.encoder_from)
    log = Path(FLAGS.out) / "logs" / f"timing_{FLAGS.model}{'_rf' if FLAGS.rf else ''}.log"
    rc, wall, _ = run_pinned(cli_args(settings), core, log)
    if rc != 0:
        raise SystemExit(f"the timed run failed (rc {rc}); see {log}")
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    rates = [r["steps_per_sec"] for r in rows if "steps_per_sec" in r][1:]
    return wall, sum(rates) / len(rates)


def main(argv):
    del argv
    if FLAGS.rf and not FLAGS.encoder_from:
        raise SystemExit("--encoder_from: a DAE run folder is needed with --rf")
    work = Path(tempfile.mkdtemp(prefix="preset_timing_"))
    results = {}
    for label, core in (("all cores", -1), ("one pinned core", 0)):
        wall, rate = timed(core, work)
        train_min = FLAGS.preset_steps / rate / 60
        rest_s = max(wall - FLAGS.steps / rate, 0.0)  # start-up, tracing, one evaluation, export
        estimate = train_min + FLAGS.preset_evals * rest_s / 60  # an upper bound
        results[label] = {"wall_s": round(wall, 1), "steps_per_sec": round(rate, 2),
                          "train_min": round(train_min, 1),
                          "upper_bound_min": round(estimate, 1)}
        print(f"{label}: {wall:.0f} s for {FLAGS.steps} steps, {rate:.2f} steps/s -> "
              f"{train_min:.1f} min of training for {FLAGS.preset_steps} steps "
              f"(≤ {estimate:.1f} min with {FLAGS.preset_evals} evaluations)", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    record = {"model": FLAGS.model, "rf": FLAGS.rf, "dataset": FLAGS.dataset,
              "steps_timed": FLAGS.steps, "preset_steps": FLAGS.preset_steps,
              "results": results, "cpu": cpu_line(), "date": time.strftime("%Y-%m-%d %H:%M")}
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "timing.jsonl", "a") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")
    lines = ["# CPU preset wall time (`experiments/preset_timing.py`)", "",
             "Each row: the preset run for a tenth of its steps in a fresh process, on all cores "
             "and on one pinned core, one after the other on an otherwise idle machine; "
             "training minutes extrapolated from the logged rate after the first log interval; "
             "the upper bound adds the preset's evaluations, each charged with everything in "
             "the timed run that was not a training step (start-up, tracing, one evaluation, "
             "export).", "",
             "| model | data | threads | steps/s | training min (preset steps) | upper bound "
             "min | timed wall s | CPU | date |", "|---" * 9 + "|"]
    for line in (out / "timing.jsonl").read_text().splitlines():
        r = json.loads(line)
        for label, v in r["results"].items():
            lines.append(f"| {r['model']}{' --rf' if r['rf'] else ''} | {r['dataset']} | "
                         f"{label} | {v['steps_per_sec']} | {v['train_min']} "
                         f"({r['preset_steps']}) | {v['upper_bound_min']} | {v['wall_s']} | "
                         f"{r['cpu']} | {r['date']} |")
    (out / "timing.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    app.run(main)

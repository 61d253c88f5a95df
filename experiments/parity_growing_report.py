"""Growing parity (issue 30): max |ours - theirs| per fixture case, and the breaks the tests catch.

    .venv/bin/python experiments/parity_growing_report.py

Runs the replays of ``tests/test_parity_growing.py`` on the fixtures that ``python -m
parity.growing`` wrote from the authors' TF1 code (bGAN, clgGAN, lgGAN, the Swiss-roll MLP
from scratch and grown 1 -> 2), prints the largest differences they saw (the tests'
``MEASURED``), then runs them again with one convention broken at a time (monkeypatched here,
restored after each) and records whether the tests fail and with what message. Writes
``results.md`` / ``results.json`` to ``--out`` with the CPU, the command and the date.
"""
import contextlib
import datetime
import json
import platform
import subprocess
import sys
import time
import types
from pathlib import Path

from absl import app, flags

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from parity import fixtures  # noqa: E402
from tests import test_parity_growing as T  # noqa: E402
from tfgan_latent.papers.growing import mlp  # noqa: E402
from tfgan_latent.train import presets  # noqa: E402

flags.DEFINE_string("out", "experiments/results/parity_growing", "output folder")
FLAGS = flags.FLAGS

CASES = {  # case -> test function (its fixture passed where it takes one)
    "bgan": lambda: T.test_bgan_forward_and_steps(fixtures.read("growing", "bgan")),
    "clggan": lambda: T.test_clggan_cycles_transfer_fades_and_steps(
        fixtures.read("growing", "clggan")),
    "lggan": T.test_lggan_group_stddev_cycles_transfer_fade_and_steps,
    "swiss_roll": T.test_swiss_roll_mlp_forward_and_steps,
    "swiss_roll_grown": T.test_swiss_roll_mlp_grown_one_to_two,
}
OTHER_TESTS = {
    "swiss_roll init": T.test_swiss_roll_init_matches_their_draws,
}


@contextlib.contextmanager
def patched(obj, name, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def without_preset_value(model, key):
    """``presets.preset_values`` with ``key`` dropped from ``model``'s values."""
    real = presets.preset_values

    def values(m, name, kind):
        out = dict(real(m, name, kind))
        if m == model:
            out.pop(key, None)
        return out
    return patched(presets, "preset_values", values)


def dense_layers_with(**defaults):
    """``keras.layers`` as ``mlp.py`` sees it, its ``Dense`` with other default arguments."""
    namespace = types.SimpleNamespace(**{k: getattr(keras.layers, k) for k in dir(keras.layers)
                                         if not k.startswith("_")})
    namespace.Dense = lambda *args, **kwargs: keras.layers.Dense(*args, **{**defaults, **kwargs})
    return patched(mlp, "layers", namespace)


def new_row_glorot():
    """The grown G's new z_2 row drawn Glorot-uniform instead of 0 (§6.1: zero-initialised)."""
    real = mlp.BetaFadedDense

    class GlorotNewRows(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "kernel_initializer": "glorot_uniform"})

        def grow_from(self, old):  # the new rows keep the layer's (now Glorot) draws
            drawn = self.kernel.numpy()
            grown = super().grow_from(old)
            kernel = grown[0].copy()
            kernel[old[0].shape[0]:] = drawn[old[0].shape[0]:]
            self.kernel.assign(kernel)
            return [kernel] + list(grown[1:])
    return patched(mlp, "BetaFadedDense", GlorotNewRows)


def no_optimizer_reset():
    """Growth switches the new row on but keeps both RMSprop states (theirs are new)."""
    def grow(self):
        self.growing_layer.beta.assign(1.0)
    return patched(mlp.MLPGrowingGAN, "_grow", grow)


BREAKS = [  # (what is broken, the tests it should fail, the patch)
    ("lgGAN minibatch stddev over the whole batch (group of 4 -> 8 = batch): the lggan "
     "authors_code preset without mbstd_group_size", ["lggan"],
     lambda: without_preset_value("lggan", "mbstd_group_size")),
    ("Swiss-roll LeakyReLU slope 0.3 (Keras's default) instead of 0.2 (§7.1, tf.nn.leaky_relu)",
     ["swiss_roll", "swiss_roll_grown"], lambda: patched(mlp, "LEAKY_SLOPE", 0.3)),
    ("Swiss-roll RMSprop accumulator starts at 0 (Keras) instead of 1 (TF1): the mlp_growing "
     "authors_code preset without rmsprop_initial_accumulator",
     ["swiss_roll", "swiss_roll_grown"],
     lambda: without_preset_value("mlp_growing", "rmsprop_initial_accumulator")),
    ("Swiss-roll init He-normal instead of Glorot-uniform (their tf.layers.dense default)",
     ["swiss_roll init"], lambda: dense_layers_with(kernel_initializer="he_normal")),
    ("Swiss-roll init Glorot-normal instead of Glorot-uniform", ["swiss_roll init"],
     lambda: dense_layers_with(kernel_initializer="glorot_normal")),
    ("Swiss-roll growth: new z_2 row Glorot-uniform instead of 0 (§6.1)", ["swiss_roll_grown"],
     new_row_glorot),
    ("Swiss-roll growth: optimizers not reset (their restore_and_retrain.py builds new ones)",
     ["swiss_roll_grown"], no_optimizer_reset),
    ("Swiss-roll RMSprop lr / decay / ε exact in float64 (TF1 passes its Python floats through "
     "float32 tensors: lr 1e-3 -> 1.00000005e-3, decay 0.9 -> 0.89999998)",
     ["swiss_roll", "swiss_roll_grown"], lambda: patched(T, "tf1_constant", float)),
    ("Swiss-roll nets' inputs pinned to float32 under the float64 policy (mlp.py before this "
     "fix: keras.Input's default dtype)", ["swiss_roll", "swiss_roll_grown"],
     lambda: patched(mlp.cnn, "output_dtype", lambda: "float32")),
]


def run(name, fn):
    T.case(name)
    start = time.time()
    try:
        fn()
        return {"failed": False, "seconds": round(time.time() - start, 1)}
    except AssertionError as error:
        message = " ".join(str(error).split())[:300]
        seen = {k: v for k, v in T.MEASURED.get(name, {}).items() if v > 0}
        return {"failed": True, "message": message, "largest differences seen": seen,
                "seconds": round(time.time() - start, 1)}


def fmt(x):
    return f"{x:.1e}"


def main(argv):
    del argv
    out = ROOT / FLAGS.out
    out.mkdir(parents=True, exist_ok=True)
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True,
                         text=True).stdout.split(":", 1)[-1].strip()
    tests = {**CASES, **OTHER_TESTS}
    clean = {name: run(name, fn) for name, fn in tests.items()}
    measured = {k: dict(v) for k, v in T.MEASURED.items()}
    broken = []
    for what, names, patch in BREAKS:
        results = {}
        for name in names:
            T.MEASURED.clear()
            with patch():
                results[name] = run(name, tests[name])
        broken.append({"break": what, "results": results})
    sizes = {p.name: p.stat().st_size for p in sorted((fixtures.ROOT / "growing").glob("*.npz"))}
    record = {"cpu": cpu, "python": platform.python_version(),
              "command": "python " + " ".join(sys.argv),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "clean": clean, "measured": measured, "breaks": broken, "fixture_bytes": sizes}
    (out / "results.json").write_text(json.dumps(record, indent=1) + "\n")
    lines = ["# Growing parity: ours vs the authors' TF1 code (float64)", "",
             f"CPU: {cpu}; command: `{record['command']}`; date: {record['date']}.", "",
             "| case | test | " + " | ".join(["forward G", "forward D", "weights after cycle 1",
                                                "grown weights", "weights after the steps",
                                                "weights after cycle 2", "losses (relative)"])
             + " | seconds |", "|---" * 10 + "|"]
    for name, result in clean.items():
        m = measured.get(name, {})
        cells = [fmt(m[k]) if k in m else "–" for k in
                 ("forward G", "forward D", "weights after cycle 1", "grown weights",
                  "weights after the steps", "weights after cycle 2", "losses (relative)")]
        lines.append(f"| {name} | {'FAILED' if result['failed'] else 'passed'} | "
                     + " | ".join(cells) + f" | {result['seconds']} |")
    lines += ["", "## Breaks (one at a time, restored after)", "",
              "| break | test | result |", "|---|---|---|"]
    for item in broken:
        for name, result in item["results"].items():
            if result["failed"]:
                seen = ", ".join(f"{k} {fmt(v)}"
                                 for k, v in result["largest differences seen"].items())
                text = (f"**fails** ({result['message'].replace('|', '/') or 'assert'}); "
                        f"largest differences seen: {seen or '–'}")
            else:
                text = "passes (not caught)"
            lines.append(f"| {item['break']} | {name} | {text} |")
    lines += ["", "Fixture sizes: " + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in sizes.items())
              + f" (total {sum(sizes.values()) / 1e3:.0f} kB).", ""]
    (out / "results.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)

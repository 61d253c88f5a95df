"""Exports are atomic and never overwritten: a failed or killed export leaves no numbered
version, a version number another export holds is skipped, a rerun of a finished run adds no
duplicate version (``--reexport`` adds one on purpose)."""
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.train import export, runner
from tests import helpers

ROOT = Path(__file__).resolve().parents[1]


def _generator(seed=0):
    rng = np.random.default_rng(seed)
    g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    g.set_weights([rng.normal(size=(3, 2)).astype("float32"),
                   rng.normal(size=(2,)).astype("float32")])
    return g


def _entries(base):
    return sorted(p.name for p in Path(base).iterdir())


# A fresh process that writes part of an export, says so, and waits to be killed.
_KILLED_SCRIPT = """
import sys, time
from pathlib import Path
import keras
from tfgan_latent.train import export

def stuck(archive, path):
    (Path(path) / "variables").mkdir(parents=True)
    (Path(path) / "variables" / "variables.index").write_bytes(b"partial")
    Path(sys.argv[2]).write_text("written")
    time.sleep(600)

export.write_archive = stuck
g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
export.export_generator(g, 3, sys.argv[1], "points")
"""


class AtomicExportTest(tf.test.TestCase):

    def test_failed_write_leaves_nothing_and_killed_export_is_cleaned_up(self):
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "exp"
            def full_disk(archive, path):
                Path(path).mkdir()
                (Path(path) / "saved_model.pb").write_bytes(b"half")
                raise OSError(28, "No space left on device")

            with mock.patch.object(export, "write_archive", side_effect=full_disk):
                with self.assertRaisesRegex(OSError, "No space left"):
                    export.export_generator(_generator(), 3, base, "points")
            self.assertEqual(_entries(base), [])
            marker = Path(tmp) / "marker"
            proc = subprocess.Popen([sys.executable, "-c", _KILLED_SCRIPT, str(base), str(marker)],
                                    cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.time() + helpers.SUBPROCESS_LIMIT_S
            while not marker.exists():
                if proc.poll() is not None:
                    self.fail(f"the export subprocess ended: {proc.stderr.read().decode()}")
                self.assertLess(time.time(), deadline, "the export subprocess never started writing")
                time.sleep(0.2)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            proc.stderr.close()
            left = _entries(base)
            self.assertLen(left, 1)
            self.assertTrue(left[0].startswith(export.PARTIAL_PREFIX), left)  # no numbered folder
            g = _generator(1)
            path = export.export_generator(g, 3, base, "points")
            self.assertEqual(_entries(base), ["1"])  # the dead process's partial folder is gone
            z = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
            served = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))
            w, b = g.get_weights()
            self.assertAllClose(served["points"], z @ w + b, atol=1e-5)

    def test_a_taken_version_is_skipped_not_overwritten(self):
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "exp"
            first = export.export_generator(_generator(0), 3, base, "points")
            before = (first / "saved_model.pb").read_bytes()
            real = export.next_version_dir
            calls = []

            def stale(b):  # as if another run claimed "1" after this one looked
                calls.append(1)
                return Path(b) / "1" if len(calls) == 1 else real(b)

            with mock.patch.object(export, "next_version_dir", side_effect=stale):
                second = export.export_generator(_generator(1), 3, base, "points")
            self.assertEqual(second.name, "2")
            self.assertEqual(len(calls), 2)
            self.assertEqual((first / "saved_model.pb").read_bytes(), before)
            self.assertEqual(_entries(base), ["1", "2"])

    def test_two_processes_sharing_an_export_folder_get_two_versions(self):
        script = ("import sys, keras; from tfgan_latent.train import export; "
                  "g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]); "
                  "print(export.export_generator(g, 3, sys.argv[1], 'points'))")
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "shared"
            procs = [subprocess.Popen([sys.executable, "-c", script, str(base)], cwd=ROOT,
                                      env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2)]
            outs = [p.communicate(timeout=helpers.SUBPROCESS_LIMIT_S) for p in procs]
            for p, (stdout, stderr) in zip(procs, outs):
                self.assertEqual(p.returncode, 0, stderr)
            paths = sorted(stdout.strip().splitlines()[-1] for stdout, _ in outs)
            self.assertEqual([Path(p).name for p in paths], ["1", "2"])
            self.assertEqual(_entries(base), ["1", "2"])
            for p in paths:
                self.assertTrue(export.is_complete_export(p))

    def test_non_finite_or_misshapen_z_is_refused_inside_the_saved_model(self):
        with tempfile.TemporaryDirectory() as tmp:
            g = _generator(3)
            path = export.export_generator(g, 3, Path(tmp) / "exp", "points")
            serving = tf.saved_model.load(str(path)).signatures["serving_default"]
            z = np.ones((2, 3), "float32")
            w, b = g.get_weights()
            self.assertAllClose(serving(z=tf.constant(z))["points"], z @ w + b, atol=1e-5)
            for bad in (np.nan, np.inf):
                z[1, 2] = bad
                with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                            "`z` must hold finite values"):
                    serving(z=tf.constant(z))
            # The same refusal for a client in another process (saved_model_cli as a stand-in
            # for TF Serving, which cannot be installed here).
            cli_bin = Path(sys.executable).parent / "saved_model_cli"

            def serve(name, z):  # saved_model_cli run on z saved as name.npy
                np.save(Path(tmp) / f"{name}.npy", z)
                return subprocess.run([str(cli_bin), "run", "--dir", str(path), "--tag_set",
                                       "serve", "--signature_def", "serving_default",
                                       "--inputs", f"z={Path(tmp) / name}.npy"],
                                      capture_output=True, text=True, timeout=helpers.SUBPROCESS_LIMIT_S,
                                      env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})

            run = serve("nan", np.full((2, 3), np.nan, np.float32))
            self.assertNotEqual(run.returncode, 0)
            self.assertIn("`z` must hold finite values", run.stderr)
            # A z of the wrong width: saved_model_cli's session checks the declared shape before
            # the graph runs (TF Serving feeds the graph directly: the in-graph check above).
            run = serve("wide", np.ones((2, 4), np.float32))
            self.assertNotEqual(run.returncode, 0)
            self.assertIn("Cannot feed value of shape (2, 4) for Tensor serving_default_z:0, "
                          "which has shape (None, 3)", run.stderr)

    def test_export_dir_that_is_a_file_is_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "file"
            path.write_text("x")
            with self.assertRaisesRegex(ValueError, "--export_dir=.*not a folder"):
                export.export_generator(_generator(), 3, path, "points")


class RerunExportTest(tf.test.TestCase):

    def test_file_as_out_or_export_dir_is_refused_before_training(self):
        with tempfile.TemporaryDirectory() as tmp:
            blocker = Path(tmp) / "file"
            blocker.write_text("x")
            for flag, value in (("export_dir", blocker / "v"), ("out", blocker)):
                cfg = helpers.tiny_run(Path(tmp) / flag, model="dcgan", dataset="ring8", steps=2,
                                       **{flag: str(value)})
                with self.assertRaisesRegex(ValueError, f"--{flag}=.*is a file"):
                    runner.train(cfg, helpers.tiny_model_config(cfg))
            self.assertFalse((Path(tmp) / "export_dir" / "run").exists())  # nothing was trained

    def test_rerun_of_a_finished_run_keeps_its_export_unless_reexport(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, model="dcgan", dataset="ring8", steps=2)
            first = runner.train(cfg, helpers.tiny_model_config(cfg))
            again = runner.train(cfg, helpers.tiny_model_config(cfg))
            self.assertEqual(again["export"], first["export"])
            base = Path(first["export"]).parent
            self.assertEqual(_entries(base), ["1"])
            forced = dataclasses.replace(cfg, reexport=True)
            third = runner.train(forced, helpers.tiny_model_config(forced))
            self.assertEqual(Path(third["export"]).name, "2")
            longer = dataclasses.replace(cfg, steps=4)
            fourth = runner.train(longer, helpers.tiny_model_config(longer))
            self.assertEqual(Path(fourth["export"]).name, "3")  # a new checkpoint: a new version
            self.assertEqual(_entries(base), ["1", "2", "3"])


class DefaultExportBaseTest(tf.test.TestCase):
    """Without --export_dir a run exports under ``saved_models/<run folder name>`` (an
    autoencoder under ``..._autoencoder``): two runs never share a TF Serving base, successive
    exports of one run number its versions, and the message names what was exported."""

    def test_runs_export_under_their_own_folder_names(self):
        from tests.test_bad_inputs import run_cli  # `tfgan-latent ...` in this process

        tiny = ("--dataset=ring8 --steps=2 --batch_size=8 --log_every=1 --sample_every=2 "
                "--checkpoint_every=2 --mlp_units=16 --mlp_layers=2 --verbose=0")
        with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
            printed = {}
            # the demo and another run of the same model and data (the README's RF example)
            for name, model in (("demo", "dcgan"), ("rf_dcgan", "dcgan"), ("dae_toy", "dae")):
                code, printed[name] = run_cli(f"train --model={model} --out=runs/{name} {tiny}",
                                              tmp)
                self.assertEqual(code, 0, printed[name])
            self.assertEqual(sorted(os.listdir("saved_models")),
                             ["dae_toy_autoencoder", "demo", "rf_dcgan"])
            for name, base, kind in (("demo", "demo", "generator"),
                                     ("rf_dcgan", "rf_dcgan", "generator"),
                                     ("dae_toy", "dae_toy_autoencoder", "autoencoder")):
                version = Path("saved_models") / base / "1"
                self.assertIn(f"exported {kind}: {version}\n", printed[name])
                self.assertTrue(export.is_complete_export(version))
                self.assertEqual(export.read_metadata(version)["run"],
                                 os.path.abspath(Path("runs") / name))
            self.assertNotIn("generator", printed["dae_toy"])
            # successive exports of one run: its next versions
            code, again = run_cli(f"train --model=dcgan --out=runs/demo {tiny} --reexport", tmp)
            self.assertIn(f"exported generator: {Path('saved_models/demo/2')}\n", again)
            self.assertEqual(_entries("saved_models/demo"), ["1", "2"])
            # an explicit --export_dir is kept as given
            code, given = run_cli(f"train --model=dcgan --out=runs/other {tiny} "
                                  "--export_dir=served/shared", tmp)
            self.assertIn(f"exported generator: {Path('served/shared/1')}\n", given)
            self.assertFalse(Path("saved_models/other").exists())


if __name__ == "__main__":
    tf.test.main()

"""The command line in fresh processes: kill + resume, export for TF Serving, evaluate, errors,
and MultiWorkerMirroredStrategy with two worker processes on localhost."""
import contextlib
import dataclasses
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from tests import helpers

TOY = ["--model=wgan_gp", "--dataset=ring8", "--batch_size=32", "--mlp_units=16",
       "--mlp_layers=2", "--log_every=20", "--checkpoint_every=20", "--sample_every=200", "--verbose=0"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CliTest(tf.test.TestCase):

    def test_killed_run_resumes_to_the_uninterrupted_result(self):
        with tempfile.TemporaryDirectory() as tmp:
            args = ["train", *TOY, "--steps=600", f"--export_dir={tmp}/export"]
            proc = helpers.cli(*args, f"--out={tmp}/killed", wait=False)
            ckpt_dir = Path(tmp) / "killed" / "checkpoints"
            deadline = time.time() + helpers.SUBPROCESS_LIMIT_S
            while not (ckpt_dir / "ckpt-40.index").exists():
                self.assertIsNone(proc.poll(), "the run ended before it could be killed")
                self.assertLess(time.time(), deadline, "no checkpoint appeared")
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.assertEqual(proc.returncode, -signal.SIGKILL)
            self.assertTrue((Path(tmp) / "killed" / ".lock").exists())  # stale lock left behind
            self.assertFalse((ckpt_dir / "ckpt-600.index").exists())
            resumed = helpers.cli(*args, f"--out={tmp}/killed", "--verbose=2")
            self.assertEqual(resumed.returncode, 0, resumed.stdout + resumed.stderr)
            self.assertRegex(resumed.stdout, r"resuming from .*ckpt-\d+ \(step \d+\)")
            straight = helpers.cli(*args, f"--out={tmp}/straight")
            self.assertEqual(straight.returncode, 0, straight.stderr)
            helpers.assert_same_checkpoints(self, ckpt_dir / "ckpt-600",
                                            Path(tmp) / "straight" / "checkpoints" / "ckpt-600")

    def test_export_is_servable_and_evaluate_reports_modes(self):
        with tempfile.TemporaryDirectory() as tmp:
            res = helpers.cli("train", *TOY, "--steps=40", f"--out={tmp}/run",
                              f"--export_dir={tmp}/export")
            self.assertEqual(res.returncode, 0, res.stderr)
            export = Path(tmp) / "export" / "1"
            self.assertIn(f"exported generator: {export}", res.stdout)
            cli_bin = Path(sys.executable).parent / "saved_model_cli"
            show = subprocess.run([str(cli_bin), "show", "--dir", str(export), "--all"],
                                  capture_output=True, text=True)
            self.assertEqual(show.returncode, 0, show.stderr)
            sig = show.stdout.split("signature_def['serving_default']")[1]
            self.assertRegex(sig, r"inputs\['z'\] tensor_info:\s+dtype: DT_FLOAT\s+shape: \(-1, 128\)")
            self.assertRegex(sig, r"outputs\['points'\] tensor_info:\s+dtype: DT_FLOAT\s+shape: \(-1, 2\)")
            self.assertIn("tensorflow/serving/predict", sig)

            # The SavedModel (loaded here, a different process from the trainer) equals the
            # generator restored from the run's checkpoint.
            from tfgan_latent.train.evaluate import load_run
            _, _, gan = load_run(Path(tmp) / "run")
            z = np.random.default_rng(0).normal(size=(5, 128)).astype("float32")
            served = tf.saved_model.load(str(export)).signatures["serving_default"](z=tf.constant(z))
            self.assertAllClose(served["points"], gan.generate(z), atol=1e-6)
            with self.assertRaises((ValueError, TypeError, tf.errors.InvalidArgumentError)):
                tf.saved_model.load(str(export)).signatures["serving_default"](z=tf.zeros((2, 3)))

            ev = helpers.cli("evaluate", f"--run={tmp}/run", "--num_samples=500")
            self.assertEqual(ev.returncode, 0, ev.stderr)
            result = json.loads(ev.stdout.strip().splitlines()[-1])
            self.assertEqual(result["num_modes"], 8)
            self.assertTrue(0 <= result["modes"] <= 8 and 0.0 <= result["hq_percent"] <= 100.0)
            self.assertEqual(result["step"], 40)

    def test_demo_defaults_and_clear_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            demo = helpers.cli("demo", "--steps=2", "--log_every=1", "--sample_every=1",
                               "--checkpoint_every=1", f"--out={tmp}/demo", f"--export_dir={tmp}/exp")
            self.assertEqual(demo.returncode, 0, demo.stderr)
            config = json.loads((Path(tmp) / "demo" / "config.json").read_text())
            self.assertEqual((config["run"]["model"], config["run"]["dataset"],
                              config["run"]["image_size"], config["run"]["batch_size"],
                              config["model"]["width"], config["model"]["g_steps"],
                              config["model"]["latent_dim"], config["model"]["g_lr"],
                              config["model"]["d_lr"], config["model"]["g_upsampling"],
                              config["model"]["coord_conv"], config["model"]["ema_decay"]),
                             ("dcgan", "shapes", 32, 32, 32, 2, 8, 1e-3, 1e-3, "nearest", True,
                              0.999))
            # Automatic steps per execution: --steps=2 with --log_every=1 allows only 1.
            self.assertEqual(config["run"]["steps_per_execution"], 1)
            self.assertIn("samples: ", demo.stdout)
            scores = json.loads(demo.stdout.split("scores at step 2: ")[1].splitlines()[0])
            self.assertEqual(config["run"]["eval_samples"], 2000)  # the demo scores 2000 samples
            self.assertEqual(config["run"]["eval_every"], 2)  # ... of its final generator
            self.assertTrue(0 <= scores["on_manifold_percent"] <= 100 and 0 <= scores["modes"] <= 18)
            self.assertTrue((Path(tmp) / "exp" / "1" / "saved_model.pb").exists())
            bad = helpers.cli("train", "--model=nope", f"--out={tmp}/bad")
            self.assertEqual(bad.returncode, 2)
            self.assertIn("--model must be one of", bad.stderr)
            self.assertIn("'wgan_gp'", bad.stderr)
            self.assertNotIn("Traceback", bad.stderr)
            (Path(tmp) / "empty").mkdir()
            (Path(tmp) / "empty" / "config.json").write_text("{}")
            (Path(tmp) / "afile").write_text("x")
            for args, message in (
                    (("train", "--cpu_devices=abc"), "--cpu_devices must be an integer in [0, 64]"),
                    (("train", "--cpu_devices=100000"), "--cpu_devices must be an integer in"),
                    (("evaluate", f"--run={tmp}/empty"), "config.json is not a run's settings file"),
                    (("train", f"--export_dir={tmp}/afile", "--steps=2", f"--out={tmp}/x"),
                     "--export_dir=" + f"{tmp}/afile needs a folder")):
                bad = helpers.cli(*args)
                self.assertNotEqual(bad.returncode, 0, args)
                self.assertIn(message, bad.stderr, args)
                self.assertNotIn("Traceback", bad.stderr, args)
            self.assertFalse((Path(tmp) / "x" / "metrics.jsonl").exists())

    def test_multiworker_two_processes(self):
        with tempfile.TemporaryDirectory() as tmp:
            ports = [_free_port(), _free_port()]
            cluster = {"worker": [f"localhost:{p}" for p in ports]}
            procs = []
            for index in range(2):
                env = {"TF_CONFIG": json.dumps({"cluster": cluster,
                                                "task": {"type": "worker", "index": index}})}
                procs.append(helpers.cli("train", *TOY[:-4], "--log_every=2", "--checkpoint_every=2",
                                         "--sample_every=2", "--verbose=0", "--steps=4",
                                         "--batch_size=8", "--distribute=multiworker",
                                         f"--out={tmp}/run", f"--export_dir={tmp}/export",
                                         env=env, wait=False))
            outputs = [p.communicate(timeout=helpers.SUBPROCESS_LIMIT_S)[0] for p in procs]
            for p, out in zip(procs, outputs):
                self.assertEqual(p.returncode, 0, out)
            self.assertTrue((Path(tmp) / "export" / "1" / "saved_model.pb").exists())
            chief = Path(tmp) / "run" / "checkpoints" / "ckpt-4"
            worker = Path(tmp) / "run" / "worker_1" / "checkpoints" / "ckpt-4"
            helpers.assert_same_checkpoints(self, chief, worker)  # replicas stayed in sync
            records = (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()
            self.assertEqual([json.loads(r)["step"] for r in records], [2, 4])



@dataclasses.dataclass(frozen=True)
class _BaseSettings:
    """Fixture of ``HelpTest``: comments beside fields, read back from this source."""

    plain: int = 1  # plain's source
    # a block over the next field
    both: float = 2.0  # and its own line
    bare: str = "x"
    redeclared: str = "base"  # cites the base's value


@dataclasses.dataclass(frozen=True)
class _DerivedSettings(_BaseSettings):
    """``both`` again with the base's default and no comment (the base's comment stands);
    ``redeclared`` with another default and no comment (none: the base's cites its value)."""

    plain: int = 5  # the derived value's source
    both: float = 2.0
    redeclared: str = "derived"


class HelpTest(tf.test.TestCase):
    """Per-model help: each flag of one model with its default and the source comment beside
    its config field (``train --model=NAME --helpshort``, ``models --model=NAME``), run in this
    process."""

    def _run(self, *argv):
        from tfgan_latent.train import cli

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.run(["tfgan-latent", *argv])
                code = 0
            except SystemExit as e:
                code = e.code
        return code, out.getvalue(), err.getvalue()

    def test_comments_are_read_from_the_source(self):
        from tfgan_latent.train import settings_help

        self.assertEqual(settings_help.field_comments(_BaseSettings), {
            "plain": "plain's source", "both": "a block over the next field and its own line",
            "bare": "", "redeclared": "cites the base's value"})
        self.assertEqual(settings_help.field_comments(_DerivedSettings), {
            "plain": "the derived value's source",
            "both": "a block over the next field and its own line", "bare": "",
            "redeclared": ""})  # another default: the base's comment would cite another value
        self.assertEqual(settings_help.flags_table(_DerivedSettings), [
            "  --plain=5             the derived value's source",
            "  --both=2.0            a block over the next field and its own line",
            "  --bare=x              (no source comment)",
            "  --redeclared=derived  (no source comment)"])

    def test_train_helpshort_lists_one_models_flags(self):
        code, out, _ = self._run("train", "--model=wgan_gp", "--helpshort")
        self.assertEqual(code, 0)
        lines = out.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("--model=wgan_gp:"))
        rows = [line.split()[0] for line in lines[start + 2:]]
        from tfgan_latent.train import registry

        expected = [f"--{f.name}={helpers_flag(f.default)}" for f in
                    dataclasses.fields(registry.get_model_spec("wgan_gp").config_cls)]
        self.assertEqual(rows, expected)
        text = "\n".join(lines[start:])
        # WGAN-GP's own defaults with their citations; the base DCGAN's comment not on them
        self.assertRegex(text, r"--latent_dim=128 +Gulrajani et al. 2017, App.")
        self.assertRegex(text, r"--gp_weight=10.0 +Gulrajani et al. 2017 Alg. 1: λ = 10")
        self.assertRegex(text, r"--d_steps=5 +Alg. 1: n_critic = 5")
        self.assertNotRegex(text, r"--latent_dim=128 .*Radford")
        self.assertIn("--steps=2000", out)  # the run flags come first
        self.assertNotIn("--lsgan_a", out)  # another model's flag
        code, _, err = self._run("train", "--model=nope", "--helpshort")
        self.assertEqual(code, 2)
        self.assertIn("--model must be one of", err)

    def test_models_command_and_helpfull_texts(self):
        from absl import flags

        from tests.test_bad_inputs import run_cli

        code, out = run_cli("models --model=dragan", "")
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"--gp_weight=10.0 +Kodali et al. 2017: λ = 10")
        self.assertRegex(out, r"--g_lr=0.0001 +DRAGAN authors' Adam\(1e-4, 0.5, 0.9\)")
        self.assertNotIn("began_cs", out)  # one model only
        code, out = run_cli("models --model=nope", "")
        self.assertEqual(code, 2)
        self.assertIn("--model must be one of", out)
        # --helpfull: a model flag names the models that read it, not one text for all
        from tfgan_latent.train import cli, registry

        cli.define_flags()
        model_flags = {f.name for spec in registry.MODELS.values()
                       for f in dataclasses.fields(spec.config_cls)}
        texts = {name: flags.FLAGS[name].help for name in model_flags}
        self.assertIn("dragan", texts["perturbation"])
        self.assertIn("default 0.5: DRAGAN authors' code", texts["perturbation_scale"])
        self.assertIn("wgan_gp", texts["gp_weight"])
        self.assertGreater(len(set(texts.values())), len(texts) // 2)


def helpers_flag(value):
    """A default as a flag value (independent of ``settings_help.flag_value``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return value or '""'
    return repr(value) if not isinstance(value, tuple) else ",".join(map(str, value))


if __name__ == "__main__":
    tf.test.main()

"""Runs through ``train``: outputs, resume (bitwise), NaN guard, locks, corrupt checkpoints."""
import dataclasses
import json
import os
import signal
import tempfile
import time
from pathlib import Path
from unittest import mock

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_latent import data
from tfgan_latent.models.gan import GAN
from tfgan_latent.train import export, registry, runner, samples
from tfgan_latent.train.callbacks import NonFiniteLossError
from tfgan_latent.train.checkpoints import (CheckpointError, RunLock, RunLockedError,
                                           StorageError)
from tfgan_latent.train import config as config_lib
from tfgan_latent.train.config import RunConfig
from tests import helpers


class _NaNAfterStep5(GAN):
    """A GAN whose D loss turns NaN from step 5 on (to exercise the NaN guard)."""

    def discriminator_losses(self, real, z):
        logs = super().discriminator_losses(real, z)
        bad = keras.ops.where(self.step >= 5, np.nan, 1.0)
        logs["d_loss"] = logs["d_loss"] * bad
        return logs


registry.register_model("test_nan_after_5", registry.GANConfig, registry._builder(_NaNAfterStep5))


class SmokeGridTest(tf.test.TestCase, parameterized.TestCase):
    """Every registered foundation model trains on 2-D and image data and writes its outputs."""

    @parameterized.product(model=["dcgan", "lsgan", "dragan", "wgan_gp"],
                           dataset=["ring8", "shapes"])
    def test_fit_writes_outputs(self, model, dataset):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, model=model, dataset=dataset, steps=2)
            res = runner.train(cfg, helpers.tiny_model_config(cfg))
            out = Path(res["out"])
            records = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
            self.assertEqual([r["step"] for r in records], [2])
            for key in ("d_loss", "g_loss", "d_real", "d_fake"):
                self.assertTrue(np.isfinite(records[0][key]), key)
            if model in ("dragan", "wgan_gp"):
                self.assertIn("penalty", records[0])
            self.assertTrue((out / "samples" / "step_0000002.png").exists())
            stored = json.loads((out / "config.json").read_text())
            self.assertEqual(stored["run"]["model"], model)
            self.assertTrue(Path(res["export"]).name == "1")
            self.assertTrue(list((out / "tensorboard").glob("events.out.tfevents.*")))


class ResumeTest(tf.test.TestCase, parameterized.TestCase):

    @parameterized.parameters(("wgan_gp", "ring8"), ("dcgan", "shapes"))
    def test_interrupted_run_resumes_bitwise(self, model, dataset):
        with tempfile.TemporaryDirectory() as tmp:
            full = helpers.tiny_run(Path(tmp) / "a", model=model, dataset=dataset, steps=6)
            res_full = runner.train(full, helpers.tiny_model_config(full))
            part = helpers.tiny_run(Path(tmp) / "b", model=model, dataset=dataset, steps=4)
            runner.train(part, helpers.tiny_model_config(part))
            resumed = helpers.tiny_run(Path(tmp) / "b", model=model, dataset=dataset, steps=6)
            res_resumed = runner.train(resumed, helpers.tiny_model_config(resumed))
            self.assertEqual(Path(res_resumed["checkpoint"]).name, "ckpt-6")
            helpers.assert_same_checkpoints(self, res_full["checkpoint"], res_resumed["checkpoint"])
            steps = [json.loads(l)["step"] for l in
                     (Path(res_resumed["out"]) / "metrics.jsonl").read_text().splitlines()]
            self.assertEqual(steps, [2, 4, 6])

    def test_log_after_a_lost_checkpoint_is_rewound_on_resume(self):
        import shutil

        def records(res):
            lines = (Path(res["out"]) / "metrics.jsonl").read_text().splitlines()
            return [{k: v for k, v in json.loads(l).items() if k != "steps_per_sec"} for l in lines]

        def scalars(res):  # (tag, step, value) of every TensorBoard scalar but the timing
            from tensorflow.core.util import event_pb2

            found = []
            for path in sorted((Path(res["out"]) / "tensorboard").rglob("events.out.tfevents.*")):
                for record in tf.data.TFRecordDataset(str(path)):
                    event = event_pb2.Event.FromString(record.numpy())
                    for v in event.summary.value:
                        if v.tag != "steps_per_sec":
                            found.append((v.tag, event.step, tf.make_ndarray(v.tensor).item()))
            return sorted(found, key=lambda t: (t[1], t[0]))

        with tempfile.TemporaryDirectory() as tmp:
            full = helpers.tiny_run(Path(tmp) / "a", steps=6)
            res_full = runner.train(full, helpers.tiny_model_config(full))
            run = lambda steps: runner.train(*(lambda c: (c, helpers.tiny_model_config(c)))(
                helpers.tiny_run(Path(tmp) / "b", steps=steps)))
            run(2)
            ckpts = Path(tmp) / "b" / "run" / "checkpoints"
            shutil.copytree(ckpts, Path(tmp) / "ckpt2")
            run(4)  # logs step 4, then "dies" before its checkpoint lands:
            shutil.rmtree(ckpts)
            shutil.copytree(Path(tmp) / "ckpt2", ckpts)
            res = run(6)
            self.assertEqual([r["step"] for r in records(res)], [2, 4, 6])
            self.assertEqual(records(res), records(res_full))
            self.assertEqual(sorted({s for _, s, _ in scalars(res)}), [2, 4, 6])
            self.assertEqual(scalars(res), scalars(res_full))  # TensorBoard too

    def test_moved_run_folder_resumes_bitwise(self):
        with tempfile.TemporaryDirectory() as tmp:
            full = helpers.tiny_run(Path(tmp) / "a", steps=4)
            res_full = runner.train(full, helpers.tiny_model_config(full))
            part = helpers.tiny_run(Path(tmp) / "b", steps=2)
            runner.train(part, helpers.tiny_model_config(part))
            (Path(tmp) / "b" / "run").rename(Path(tmp) / "b" / "moved")
            moved = helpers.tiny_run(Path(tmp) / "b", steps=4, out=str(Path(tmp) / "b" / "moved"))
            res_moved = runner.train(moved, helpers.tiny_model_config(moved))
            self.assertEqual(Path(res_moved["checkpoint"]).name, "ckpt-4")
            helpers.assert_same_checkpoints(self, res_full["checkpoint"], res_moved["checkpoint"])

    def test_settings_live_in_the_checkpoint_too(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, steps=2)
            runner.train(cfg, helpers.tiny_model_config(cfg))
            (Path(tmp) / "run" / "config.json").unlink()
            longer = helpers.tiny_run(tmp, steps=4)
            with self.assertRaisesRegex(ValueError, r"checkpoint .*ckpt-2 was trained with "
                                                    r"different settings \(gp_weight: 10.0 -> 0.5"):
                runner.train(longer, helpers.tiny_model_config(longer, gp_weight=0.5))
            stored = json.loads((Path(tmp) / "run" / "config.json").read_text()
                                ) if (Path(tmp) / "run" / "config.json").exists() else None
            self.assertIsNone(stored)  # the refused run wrote nothing
            res = runner.train(longer, helpers.tiny_model_config(longer))  # same settings: resumes
            self.assertEqual(Path(res["checkpoint"]).name, "ckpt-4")

    def test_segments_end_on_log_steps(self):
        self.assertEqual(runner._segments(0, 10, 4), [(0, 8, 4), (8, 2, 2)])
        self.assertEqual(runner._segments(3, 10, 4), [(3, 1, 1), (4, 4, 4), (8, 2, 2)])
        self.assertEqual(runner._segments(10, 10, 4), [])

    def test_changed_settings_refuse_to_resume(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, steps=2)
            runner.train(cfg, helpers.tiny_model_config(cfg))
            with self.assertRaisesRegex(ValueError, "gp_weight: 10.0 -> 1.0"):
                runner.train(cfg, helpers.tiny_model_config(cfg, gp_weight=1.0))


class DataDefaultsTest(tf.test.TestCase):
    """--crop / --flip "auto": each model's paper data settings (registry.data_defaults)."""

    def test_auto_crop_and_flip_per_model_and_data(self):
        cases = {("glis", "celeb_a"): ("lis", "on"),  # LIS code: centre 160, flips always
                 ("r_iterative", "cifar10"): ("lis", "on"),  # README: centre 28 -> 32, flips
                 ("glis", "shapes"): ("none", "off"),  # the embedded set is never flipped
                 ("glis", "mnist"): ("none", "off"),
                 ("dcgan", "celeb_a"): ("rfgan", "off"),
                 ("dcgan", "cifar10"): ("none", "off"),
                 ("bgan", "celeb_a"): ("growing", "off"),  # thesis: centre 128, no flips
                 ("began_cs", "celeb_a"): ("began_cs", "off")}
        for (model, dataset), expect in cases.items():
            cfg = RunConfig(model=model, dataset=dataset).resolved()
            self.assertEqual((cfg.crop, cfg.flip), expect, (model, dataset))
        cfg = RunConfig(model="glis", dataset="celeb_a", crop="center108", flip="off").resolved()
        self.assertEqual((cfg.crop, cfg.flip), ("center108", "off"))  # explicit values stay
        with self.assertRaisesRegex(ValueError, r"--crop='rfgan' does not apply to --dataset=cifar10"):
            RunConfig(dataset="cifar10", crop="rfgan").resolved()
        with self.assertRaisesRegex(ValueError, r"--flip=on applies to image sets"):
            RunConfig(model="glis", dataset="ring8", flip="on").resolved()
        with self.assertRaisesRegex(ValueError, r"--flip must be one of"):
            RunConfig(flip="yes").resolved()

    def test_run_streams_flip_and_old_configs_resume(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="dcgan", dataset="shapes", flip="on", steps=2)
            flipped = next(iter(runner._dataset(run, 32, 0))).numpy()
            plain = next(iter(data.make_dataset("shapes", batch_size=32, seed=run.seed,
                                                image_size=16, num_images=64))).numpy()
            mirrored = [not np.array_equal(x, y) and np.array_equal(x[:, ::-1], y)
                        for x, y in zip(plain, flipped)]
            same = [np.array_equal(x, y) for x, y in zip(plain, flipped)]
            self.assertTrue(all(m or s for m, s in zip(mirrored, same)))
            self.assertGreater(sum(mirrored), 4)
            real = runner.fixed_real_examples(run, 8)  # previews / scores: the set's own images
            self.assertAllEqual(real, next(iter(data.make_dataset(
                "shapes", batch_size=8, seed=run.seed + 1, image_size=16, num_images=64))).numpy())
            # A run folder written before per-set crops stored crop="rfgan" for shapes: it had no
            # effect, so the same settings resume.
            run = helpers.tiny_run(tmp, model="dcgan", dataset="shapes", steps=2)
            cfg = helpers.tiny_model_config(run)
            res = runner.train(run, cfg)
            path = Path(res["out"]) / "config.json"
            stored = json.loads(path.read_text())
            self.assertEqual((stored["run"]["crop"], stored["run"]["flip"]), ("none", "off"))
            stored["run"]["crop"] = "rfgan"
            del stored["run"]["flip"]
            path.write_text(json.dumps(stored))
            runner.train(dataclasses.replace(run, steps=4), cfg)
            stored["run"]["crop"] = "rfgan"
            self.assertEqual(config_lib.settings_differences(
                stored, dataclasses.replace(run.resolved(), flip="on"), cfg), ["flip: 'off' -> 'on'"])


class PrecisionTest(tf.test.TestCase):

    def _resumed_run(self, tmp, precision):
        """A 4-step DCGAN run in ``precision`` and the same run stopped at 2 and resumed: the
        checkpoints must be bitwise equal; returns the resumed result and checkpoint values."""
        kw = dict(model="dcgan", dataset="shapes", precision=precision)
        full = helpers.tiny_run(Path(tmp) / "a", steps=4, **kw)
        res_full = runner.train(full, helpers.tiny_model_config(full))
        self.assertEqual(keras.config.dtype_policy().name, "float32")  # restored
        runner.train(*(lambda c: (c, helpers.tiny_model_config(c)))(
            helpers.tiny_run(Path(tmp) / "b", steps=2, **kw)))
        part = helpers.tiny_run(Path(tmp) / "b", steps=4, **kw)
        res = runner.train(part, helpers.tiny_model_config(part))
        helpers.assert_same_checkpoints(self, res_full["checkpoint"], res["checkpoint"])
        return res, helpers.checkpoint_values(res["checkpoint"])

    @helpers.skip_if_bf16_capped
    def test_bf16_run_trains_resumes_bitwise_and_exports_float32(self):
        with tempfile.TemporaryDirectory() as tmp:
            res, values = self._resumed_run(tmp, "bf16")
            floats = {v.dtype for v in values.values() if v.dtype.kind == "f"}
            self.assertEqual(floats, {np.dtype("float32")})  # variables stay float32
            # Computed in bf16: the same run in float32 ends elsewhere.
            f32 = helpers.tiny_run(Path(tmp) / "c", steps=4, model="dcgan", dataset="shapes")
            res32 = runner.train(f32, helpers.tiny_model_config(f32))
            a, b = (helpers.checkpoint_values(r["checkpoint"]) for r in (res, res32))
            key = next(k for k in a if k.startswith("g_optimizer/_trainable") and a[k].ndim == 4)
            self.assertGreater(np.abs(a[key] - b[key]).max(), 1e-5)
            self.assertLess(np.abs(a[key] - b[key]).max(), 1e-1)  # but nearby: same algorithm
            serving = tf.saved_model.load(res["export"]).signatures["serving_default"]
            out = serving(z=tf.zeros((2, serving.structured_input_signature[1]["z"].shape[-1])))
            self.assertEqual(out["images"].dtype, tf.float32)
            self.assertTrue(np.all(np.isfinite(out["images"].numpy())))
        with self.assertRaisesRegex(ValueError, r"--precision must be one of \('float32', "
                                                r"'bf16', 'fp16'\), got 'fp8'"):
            RunConfig(precision="fp8").resolved()

    def test_loss_scaling_vs_closed_form(self):
        """GAN.apply_gradients with a LossScaleOptimizer (SGD lr 0.1 / w) on a float16 Dense: the
        update equals the float32 one (-lr * dL/dW); a 1e-8-sized gradient, which float16 flushes
        to zero without the scale (smallest subnormal 6e-8), survives at S = 2^15; a
        non-finite gradient skips the step and halves S (Micikevicius et al. 2018)."""
        from tfgan_latent.models.gan import GAN

        gan = GAN.__new__(GAN)  # apply_gradients only needs the replica context
        x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
        for weight, scaled, scale in ((1.0, True, 16.0), (1e-8, True, 2.0**15), (1e-8, False, 0)):
            keras.config.set_dtype_policy("mixed_float16")
            try:
                layer = keras.layers.Dense(2, use_bias=True, bias_initializer="ones")
                layer.build((None, 3))
            finally:
                keras.config.set_dtype_policy("float32")
            opt = keras.optimizers.SGD(0.1 / weight)  # a step of 0.1 * x either way
            if scaled:
                opt = keras.optimizers.LossScaleOptimizer(opt, initial_scale=scale)
            opt.build(layer.trainable_variables)
            kernel = layer.kernel.numpy().copy()
            with tf.GradientTape() as tape:
                loss = weight * tf.reduce_sum(tf.cast(layer(x), tf.float32))
            GAN.apply_gradients(gan, tape, loss, layer.trainable_variables, opt)
            # dL/dW_ij = weight * sum_b x_bi; the step is -lr times that.
            expect = kernel - 0.1 * np.repeat(x.sum(axis=0)[:, None], 2, axis=1)
            if scaled:
                self.assertAllClose(layer.kernel.numpy() - kernel, expect - kernel, rtol=4e-3)
                self.assertNotAllEqual(layer.kernel.numpy(), kernel)
            else:  # float16's upstream gradient 1e-8 is 0: nothing moves
                self.assertAllEqual(layer.kernel.numpy(), kernel)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.cast(layer(x), tf.float32)) * np.float32(np.inf)
        opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=8.0)
        opt.build(layer.trainable_variables)
        before = layer.kernel.numpy().copy()
        GAN.apply_gradients(gan, tape, loss, layer.trainable_variables, opt)
        self.assertAllEqual(layer.kernel.numpy(), before)
        self.assertEqual(float(opt.dynamic_scale.numpy()), 4.0)

    def test_fp16_run_resumes_bitwise_with_its_loss_scale(self):
        with tempfile.TemporaryDirectory() as tmp:
            res, values = self._resumed_run(tmp, "fp16")
            scales = [k for k in values if "dynamic_scale" in k]
            self.assertLen(scales, 2)  # G's and D's loss scales are checkpointed
            self.assertEqual({v.dtype for v in values.values() if v.dtype.kind == "f"},
                             {np.dtype("float32")})
            serving = tf.saved_model.load(res["export"]).signatures["serving_default"]
            out = serving(z=tf.zeros((2, serving.structured_input_signature[1]["z"].shape[-1])))
            self.assertEqual(out["images"].dtype, tf.float32)
            self.assertTrue(np.all(np.isfinite(out["images"].numpy())))
            run = helpers.tiny_run(Path(tmp) / "c", model="r_iterative", dataset="ring8",
                                   precision="fp16")
            with self.assertRaisesRegex(ValueError, "--precision=fp16 is not supported here "
                                                    r"\(R-iterative"):
                runner.train(run, helpers.tiny_model_config(run))


class FailureTest(tf.test.TestCase):

    def test_nan_stops_with_step_and_keeps_last_good_checkpoint(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, model="test_nan_after_5", steps=20)
            with self.assertRaisesRegex(NonFiniteLossError, r"d_loss became nan at step 6.*ckpt-4"):
                runner.train(cfg, helpers.tiny_model_config(cfg))
            ckpts = sorted(p.name for p in (Path(tmp) / "run" / "checkpoints").glob("*.index"))
            self.assertEqual(ckpts, ["ckpt-2.index", "ckpt-4.index"])
            values = helpers.checkpoint_values(Path(tmp) / "run" / "checkpoints" / "ckpt-4")
            for key, value in values.items():
                if value.dtype.kind == "f":
                    self.assertTrue(np.all(np.isfinite(value)), key)

    def test_live_run_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, steps=2)
            with RunLock(Path(tmp) / "run"):
                with self.assertRaisesRegex(RunLockedError, "in use by a live run"):
                    runner.train(cfg, helpers.tiny_model_config(cfg))

    def test_a_refused_run_leaves_no_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            with RunLock(Path(tmp) / "new"):  # created here, nothing written: removed
                self.assertTrue((Path(tmp) / "new" / ".lock").exists())
            self.assertFalse((Path(tmp) / "new").exists())
            with RunLock(Path(tmp) / "used"):  # the run wrote something: kept
                (Path(tmp) / "used" / "config.json").write_text("{}")
            self.assertTrue((Path(tmp) / "used" / "config.json").exists())
            (Path(tmp) / "given").mkdir()  # the user's folder: kept, even empty
            with RunLock(Path(tmp) / "given"):
                pass
            self.assertTrue((Path(tmp) / "given").is_dir())

    def test_corrupt_checkpoint_is_an_error_not_a_fresh_start(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, steps=2)
            runner.train(cfg, helpers.tiny_model_config(cfg))
            data_file = next((Path(tmp) / "run" / "checkpoints").glob("ckpt-2.data-*"))
            data_file.write_bytes(data_file.read_bytes()[:20])
            with self.assertRaisesRegex(CheckpointError, "ckpt-2 is corrupt"):
                runner.train(cfg, helpers.tiny_model_config(cfg))
            (Path(tmp) / "run" / "checkpoints" / "checkpoint").unlink()
            with self.assertRaisesRegex(CheckpointError, "no readable 'checkpoint' index"):
                runner.train(cfg, helpers.tiny_model_config(cfg))

    def test_garbled_settings_or_index_file_is_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, steps=2)
            runner.train(cfg, helpers.tiny_model_config(cfg))
            run = Path(tmp) / "run"
            good = (run / "config.json").read_bytes()
            for garbage in (b"{not json", b"\xff\xfe\x00"):
                (run / "config.json").write_bytes(garbage)
                with self.assertRaisesRegex(ValueError, "config.json \\(the run's settings\\) is not"):
                    runner.train(cfg, helpers.tiny_model_config(cfg))
            (run / "config.json").write_bytes(good)
            (run / "checkpoints" / "checkpoint").write_bytes(b"\xff\xfe garbage")
            with self.assertRaisesRegex(CheckpointError, "checkpoints/checkpoint \\(the checkpoint "
                                                         "index\\) is garbled"):
                runner.train(cfg, helpers.tiny_model_config(cfg))

    def test_out_of_range_model_settings_name_the_flag(self):
        cfg = helpers.tiny_run("/tmp/unused", model="wgan_gp")
        for field, value, pattern in (("g_lr", -1.0, r"--g_lr must be a finite number > 0"),
                                      ("d_lr", float("nan"), r"--d_lr must be a finite number"),
                                      ("beta_1", 2.5, r"--beta_1 must be in \[0, 1\)"),
                                      ("mlp_layers", -1, r"--mlp_layers must be an integer in"),
                                      ("latent_dim", 100_000_000, r"--latent_dim must be an "
                                                                  r"integer in \[1, 65536\]"),
                                      ("gp_weight", -1.0, r"--gp_weight must be a finite number >= 0")):
            with self.subTest(field=field):
                with self.assertRaisesRegex(ValueError, pattern):
                    runner.resolve_model_config(cfg, {field: value})
        for field, value, pattern in (("verbose", 7, "--verbose must be 0, 1 or 2"),
                                      ("steps", 10**20, "--steps must be at most 1e9")):
            with self.subTest(field=field):
                with self.assertRaisesRegex(ValueError, pattern):
                    helpers.tiny_run("/tmp/unused", **{field: value}).resolved()

    def test_batch_that_cannot_fit_is_refused_with_the_estimate(self):
        from tfgan_latent.models import nets, variants

        g = nets.mlp_generator(2, hidden=(4,))      # z 2 + dense 4 + points 2 = 8 floats
        d = nets.mlp_discriminator(hidden=(4,))     # points 2 + dense 4 + score 1 = 7 floats
        gan = variants.WGANGP(g, d, latent_dim=2, d_steps=3)
        need = 4 * 6 * (8 + 7) * 10 * 3            # float32 × 6 copies × floats × batch × d_steps
        self.assertEqual(runner.check_batch_memory(gan, 10, available=need), need)
        with self.assertRaisesRegex(ValueError, r"--batch_size=10 needs about .* GiB .*15 floats "
                                                r"per example.*use a smaller --batch_size"):
            runner.check_batch_memory(gan, 10, available=need - 1)

    def test_bad_run_settings_name_the_flag(self):
        for field, value, pattern in (("steps", 0, "--steps must be a positive integer"),
                                      ("batch_size", -1, "--batch_size must be a positive"),
                                      ("distribute", "tpu", "--distribute must be one of"),
                                      ("eval_every", 75, "--eval_every=75 must be a multiple of --log_every=50"),
                                      ("eval_samples", 5, "--eval_samples must be an integer in"),
                                      ("steps_per_execution", 30,
                                       "--log_every=50 must be a multiple of --steps_per_execution=30"),
                                      ("steps_per_execution", -1, "--steps_per_execution must be a "
                                       r"non-negative integer \(0: automatic\), got -1")):
            with self.subTest(field=field):
                with self.assertRaisesRegex(ValueError, pattern):
                    RunConfig(**{field: value}).resolved()
        with tempfile.TemporaryDirectory() as tmp:
            for kwargs, pattern in (({"model": "nope"}, r"--model must be one of \[.*'dcgan'"),
                                    ({"dataset": "nope"}, r"--dataset must be one of \[.*'ring8'"),
                                    ({"dataset": "shapes", "image_size": 48}, "`image_size` must be one of")):
                with self.subTest(**kwargs), self.assertRaisesRegex(ValueError, pattern):
                    cfg = helpers.tiny_run(tmp, **kwargs)
                    runner.train(cfg, runner.resolve_model_config(cfg))
        with self.assertRaisesRegex(ValueError, "--lsgan_a do.* not apply to --model=dcgan"):
            runner.resolve_model_config(RunConfig(model="dcgan"), {"lsgan_a": 1.0})


_REAL_OPEN, _REAL_SAVE = Path.open, tf.train.CheckpointManager.save
_FULL = "No space left on device"


_DISK = {"full": False}


def _full_log(path, mode="r", *args, **kwargs):
    """Path.open that refuses appends to metrics.jsonl while the disk is "full"."""
    if path.name == "metrics.jsonl" and mode == "a" and _DISK["full"]:
        raise OSError(28, _FULL, str(path))
    return _REAL_OPEN(path, mode, *args, **kwargs)


class StorageFailureTest(tf.test.TestCase, parameterized.TestCase):
    """A write that fails mid-run (disk full) stops with the path and the last good checkpoint
    named, and the rerun, once space is back, ends where an uninterrupted run ends (bitwise)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tmp = tempfile.TemporaryDirectory()
        cfg = helpers.tiny_run(cls._tmp.name, steps=4)
        cls.uninterrupted = runner.train(cfg, helpers.tiny_model_config(cfg))["checkpoint"]

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()
        super().tearDownClass()

    @parameterized.named_parameters(
        # (what fails at step 4, the patch, the path named, the last good checkpoint)
        ("checkpoint", "checkpoint", r"step-4 checkpoint in .*run/checkpoints", "ckpt-2"),
        ("samples", "samples", r"step-4 samples in .*run/samples", "ckpt-2"),
        ("log", "log", r"training log .*run/metrics.jsonl", "ckpt-2"),
        ("export", "export", r"exported generator in .*export", "ckpt-4"),
    )
    def test_disk_full_mid_run(self, where, named, last_good):
        def checkpoint_save(manager, checkpoint_number=None, **kwargs):
            if checkpoint_number == 4:
                raise tf.errors.ResourceExhaustedError(None, None, f"{_FULL} (write ckpt-4)")
            return _REAL_SAVE(manager, checkpoint_number=checkpoint_number, **kwargs)

        def scatter(fake, path, **kwargs):
            if "step_0000004" in str(path):
                raise OSError(28, _FULL, str(path))
            return real_scatter(fake, path, **kwargs)

        def archive(archive, path):
            raise OSError(28, _FULL, str(path))

        real_scatter = samples.save_scatter
        patch = {
            "checkpoint": mock.patch.object(tf.train.CheckpointManager, "save", checkpoint_save),
            "samples": mock.patch.object(samples, "save_scatter", scatter),
            "log": mock.patch.object(Path, "open", _full_log),
            "export": mock.patch.object(export, "write_archive", archive),
        }[where]
        with tempfile.TemporaryDirectory() as tmp:
            cfg = helpers.tiny_run(tmp, steps=4)
            if where == "log":  # full from step 3 on: step 2's record is written
                runner.train(helpers.tiny_run(tmp, steps=2), helpers.tiny_model_config(cfg))
                _DISK["full"] = True
            try:
                with patch, self.assertRaises(StorageError) as caught:
                    runner.train(cfg, helpers.tiny_model_config(cfg))
            finally:
                _DISK["full"] = False
            message = str(caught.exception)
            self.assertRegex(message, f"could not write (the )?{named}: {_FULL}")
            self.assertRegex(message, f"the last good checkpoint, .*{last_good}, is intact: rerun")
            resumed = runner.train(cfg, helpers.tiny_model_config(cfg))  # space is back
            self.assertEqual(Path(resumed["checkpoint"]).name, "ckpt-4")
            helpers.assert_same_checkpoints(self, self.uninterrupted, resumed["checkpoint"])
            self.assertTrue(export.is_complete_export(Path(resumed["export"])))
            steps = [json.loads(line)["step"]
                     for line in (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()]
            self.assertEqual(steps, [2, 4])


if __name__ == "__main__":
    tf.test.main()


class AutoStepsPerExecutionTest(tf.test.TestCase):
    """``--steps_per_execution=0`` (the default) picks k per the rule; runs match k = 1 bitwise."""

    def test_choice_by_hand(self):
        cases = (  # (run settings, stage ends, checkpoint steps, expected k), gcds by hand
            (dict(dataset="ring8", steps=2000, log_every=50), (), (), 25),  # gcd 50, cap 25
            (dict(dataset="shapes", steps=2000, log_every=50), (), (), 10),  # cap 10
            (dict(dataset="ring8", steps=2000, log_every=40), (), (), 20),  # gcd 40: 20 <= 25
            (dict(dataset="ring8", steps=90, log_every=45), (), (), 15),  # gcd 45: 15
            (dict(dataset="ring8", steps=2000, log_every=50), (300,), (), 25),  # gcd 50
            (dict(dataset="ring8", steps=2000, log_every=50), (330,), (), 10),  # gcd 10
            (dict(dataset="ring8", steps=2000, log_every=50), (4000,), (), 25),  # end after steps
            (dict(dataset="ring8", steps=2000, log_every=50), (), (1000, 1030), 10),  # resume 1030
            (dict(dataset="shapes", steps=7, log_every=7), (), (), 7),
            (dict(dataset="shapes", steps=22, log_every=11), (), (), 1),  # 11 > cap, prime
            (dict(dataset="ring8", steps=2000, log_every=50, distribute="mirrored"), (), (), 1),
        )
        for settings, ends, saved, expected in cases:
            with self.subTest(**settings, ends=ends, saved=saved):
                run = RunConfig(**settings)
                self.assertEqual(runner.auto_steps_per_execution(run, ends, saved), expected)

    def _same_as_one_step_calls(self, make):
        """Trains ``make(tmp, steps_per_execution)`` with 0 and 1; returns the chosen k."""
        with tempfile.TemporaryDirectory() as tmp:
            results = {}
            for spe in (0, 1):
                run, model_cfg = make(Path(tmp) / str(spe), spe)
                results[spe] = runner.train(run, model_cfg)
            helpers.assert_same_checkpoints(self, results[0]["checkpoint"], results[1]["checkpoint"])
            logs = {spe: [{k: v for k, v in json.loads(l).items() if k != "steps_per_sec"} for l in
                          (Path(r["out"]) / "metrics.jsonl").read_text().splitlines()]
                    for spe, r in results.items()}
            self.assertEqual(logs[0], logs[1])
            stored = json.loads((Path(results[0]["out"]) / "config.json").read_text())
            return stored["run"]["steps_per_execution"], logs[0]

    def test_toy_run_uses_k_and_matches_bitwise(self):
        def make(tmp, spe):
            run = helpers.tiny_run(tmp, model="dcgan", steps=40, log_every=20, sample_every=20,
                                   checkpoint_every=20, steps_per_execution=spe)
            return run, helpers.tiny_model_config(run)

        k, logs = self._same_as_one_step_calls(make)
        self.assertEqual(k, 20)
        self.assertEqual([r["step"] for r in logs], [20, 40])

    def test_stage_end_off_the_log_grid_bounds_k(self):
        from tests.test_growing_train import growing_run  # clggan, 2 cycles at 8 px

        def make(tmp, spe):
            return growing_run(tmp, steps=24, log_every=6, checkpoint_every=6, sample_every=24,
                               steps_per_execution=spe)

        run, model_cfg = make("/unused", 0)
        ends = [s.end_step for s in registry.model_stages(run, model_cfg)]
        self.assertEqual(ends, [8, 24])  # the thesis's epochs 4/8 of 24 steps: cycle 1 ends at 8
        k, logs = self._same_as_one_step_calls(make)
        self.assertEqual(k, 2)  # gcd(24, 6, 8)
        self.assertEqual([r["step"] for r in logs], [6, 8, 12, 18, 24])

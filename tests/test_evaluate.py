"""``evaluate``, ``sample`` and ``--eval_every``: the image metrics of runs, exports and image
files, checked against closed cases (real shapes, a collapsed set) and against each other."""
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from tests import helpers
from tests.test_inception import _stand_in_params, build_stand_in_graph_def
from tfgan_latent import metrics
from tfgan_latent.data import make_shapes
from tfgan_latent.models.gan import prior_latents
from tfgan_latent.papers.growing import walks
from tfgan_latent.train import evaluate as evaluate_lib
from tfgan_latent.train import runner

HELD_OUT_SEED = 4711


class ImageMetricsTest(tf.test.TestCase):

    def test_real_collapsed_and_blurred_sets(self):
        real, _ = make_shapes(600, 16, HELD_OUT_SEED)
        got = metrics.image_metrics(real, dataset="shapes")
        self.assertEqual(got["on_manifold_percent"], 100.0)
        self.assertEqual(got["modes"], 18)
        self.assertLess(got["mode_kl"], 0.05)  # multinomial noise: E ≈ 17 / (2·600) = 0.014
        self.assertLess(max(got["w1_x"], got["w1_y"], got["w1_size"]), 0.02)
        self.assertGreater(got["precision"], 0.9)
        self.assertGreater(got["recall"], 0.9)

        collapsed = np.repeat(real[:1], 600, axis=0)
        bad = metrics.image_metrics(collapsed, dataset="shapes")
        self.assertEqual((bad["on_manifold_percent"], bad["modes"]), (100.0, 1))
        self.assertAllClose(bad["mode_kl"], math.log(18))  # all mass on one of 18 bins
        self.assertAllClose(bad["ms_ssim"], 1.0, atol=1e-6)
        self.assertLess(bad["recall"], 0.05)
        self.assertGreater(bad["fid"], 10 * got["fid"])

        blurred = tf.nn.avg_pool2d(real, 3, 1, "SAME").numpy()  # a 3×3 box blur
        soft = metrics.image_metrics(blurred, dataset="shapes")
        self.assertLess(soft["on_manifold_percent"], 90.0)  # lenient at 16 px (σ ≈ 0.8 px here)
        self.assertGreater(soft["fid"], 5 * got["fid"])

    def test_priors(self):
        rng_draw = np.random.default_rng(3 + 7919).standard_normal((10, 12))
        # N(0, I) as drawn: no row scaling (a unit-norm "normal" once put every evaluation of a
        # normal-prior model, e.g. WGAN-GP, at G of z near 0).
        self.assertAllClose(prior_latents("normal", 10, 12, 3), rng_draw, rtol=1e-6)
        z = prior_latents("normal", 2000, 64, 1)
        self.assertLess(abs(z.std() - 1.0), 0.02)
        self.assertLess(abs(np.linalg.norm(z, axis=1).mean() - 8.0), 0.1)  # ≈ √64
        z = prior_latents("unit_sphere", 10, 12, 3)
        self.assertAllClose(np.linalg.norm(z, axis=1), np.ones(10), rtol=1e-6)
        self.assertAllClose(z * np.linalg.norm(rng_draw, axis=1, keepdims=True), rtol=1e-5,
                            b=rng_draw)
        z = prior_latents("unit_sphere_batch", 10, 12, 3, batch_size=4)  # blocks 4, 4, 2
        for block in (z[:4], z[4:8], z[8:]):
            self.assertAllClose(np.linalg.norm(block), 1.0, rtol=1e-6)
        self.assertAllClose(np.linalg.norm(prior_latents("unit_sphere_batch", 10, 12, 3)), 1.0,
                            rtol=1e-6)
        # The growing sample grids keep their latents (walks.unit_latents, seed + 7919).
        self.assertAllEqual(prior_latents("unit_sphere", 7, 12, 3),
                            walks.unit_latents(7, 12, 3 + 7919, "per_sample"))
        z = prior_latents("uniform", 500, 4, 0)
        self.assertTrue(np.all(np.abs(z) <= 1.0) and abs(z.std() - 1 / np.sqrt(3)) < 0.03)

    def test_normal_prior_model_is_scored_on_its_prior(self):
        # Model level: a WGAN-GP (N(0, I) z, Gulrajani et al. 2017 code) built by the registry;
        # the z that in-run scores and `evaluate` feed its generator are the numpy draw itself.
        with tempfile.TemporaryDirectory() as tmp:
            run_cfg = helpers.tiny_run(tmp, model="wgan_gp", dataset="ring8")
            gan = runner.build_model(run_cfg, helpers.tiny_model_config(run_cfg))
        seen = []
        source = evaluate_lib.gan_source(gan, run_cfg)
        source._fn = lambda z: seen.append(np.asarray(z)) or np.zeros((len(z), 2), np.float32)
        source.generate(300, 5)
        z = np.concatenate(seen)
        want = np.random.default_rng(5 + 7919).standard_normal((300, gan.latent_dim))
        self.assertAllClose(z, want, rtol=1e-6)


class GrowingEvalTest(tf.test.TestCase):

    def test_eval_every_scores_every_cycle_at_full_size(self):
        from tests.test_growing_train import growing_run

        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = growing_run(tmp, "clggan", steps=9, image_size=16, eval_every=3,
                                   eval_samples=20, overrides={"latent_normalization": "batch"})
            result = runner.train(run, cfg)
            lines = (Path(run.out) / "metrics.jsonl").read_text().splitlines()
            records = [r for r in map(json.loads, lines) if "eval/on_manifold_percent" in r]
            self.assertEqual([r["step"] for r in records], [3, 6, 9])  # cycles of 4, 8, 16 px
            self.assertEqual(result["eval"]["on_manifold_percent"],
                             records[-1]["eval/on_manifold_percent"])
            got = evaluate_lib.evaluate(run.out, num_samples=20, seed=run.seed)
            self.assertAllClose(got["fid"], records[-1]["eval/fid"], rtol=1e-6)
            # §9's group variability, in the records and in `evaluate --run`, against numpy: the
            # run's own generator on latents drawn here with the run's normalisation (batch:
            # every 4-row block of a draw divided by its Frobenius norm), default_rng(547 + seed)
            # references, the group redrawn with default_rng(reference index).
            gan = evaluate_lib.load_run(Path(run.out))[2]
            d = gan.latent_dim
            unit = lambda rows: (rows.reshape(-1, 4, d) / np.sqrt(
                (rows.reshape(-1, 4, d) ** 2).sum(axis=(1, 2), keepdims=True))).reshape(-1, d)
            refs = unit(np.random.default_rng(547 + run.seed).standard_normal((4, d)))
            groups = [(a, min(b, d)) for a, b in ((0, 8), (8, 16), (16, 32)) if a < d]
            for a, b in groups:
                per_ref = []
                for r, ref in enumerate(refs):
                    z = np.repeat(ref[None], 64, axis=0)
                    z[:, a:b] = unit(np.random.default_rng(r).standard_normal((64, d)))[:, a:b]
                    out = gan.output_generator(z.astype("float32"), training=False).numpy()
                    per_ref.append(np.mean(np.sqrt(np.var(out.astype(np.float64), axis=0) + 1e-8)))
                key = f"group_variability_{a}_{b}"
                self.assertAllClose(got[key], np.mean(per_ref), rtol=1e-5, msg=key)
                self.assertAllClose(records[-1][f"eval/{key}"], got[key], rtol=1e-6, msg=key)


class ToyExportTest(tf.test.TestCase):

    def test_saved_model_keeps_the_toy_parameters(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="wgan_gp", dataset="ring8", steps=4, ring_radius=3.0)
            runner.train(run, helpers.tiny_model_config(run))
            a = evaluate_lib.evaluate(run.out, num_samples=300, seed=1)
            b = evaluate_lib.evaluate(saved_model=str(Path(run.export_dir) / "1"),
                                      num_samples=300, seed=1)
            for key in ("modes", "hq_percent", "sample_mean", "sample_std"):
                self.assertAllClose(a[key], b[key], atol=1e-5, msg=key)
            x = evaluate_lib.run_source(run.out).generate(300, 1).astype(np.float64)
            # High quality: within 3σ = 0.3 of one of the 8 means at radius 3 (VEEGAN §5.1).
            near = np.linalg.norm(x[:, None] - 3.0 * np.stack(
                [np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], 1), axis=2)
            self.assertAllClose(a["hq_percent"], 100 * np.mean(near.min(axis=1) <= 0.3))


class EvaluateRunTest(tf.test.TestCase):
    """One tiny DCGAN run on 16 px shapes with --eval_every, shared by the tests below."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tmp = tempfile.TemporaryDirectory()
        cls.tmp = Path(cls._tmp.name)
        cls.run_cfg = helpers.tiny_run(cls.tmp, model="dcgan", dataset="shapes", steps=40,
                                       log_every=10, sample_every=20, checkpoint_every=20,
                                       eval_every=20, eval_samples=60)
        runner.train(cls.run_cfg, helpers.tiny_model_config(cls.run_cfg))
        cls.run_dir = Path(cls.run_cfg.out)
        cls.export = Path(cls.run_cfg.export_dir) / "1"

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()
        super().tearDownClass()

    def _eval_records(self):
        lines = (self.run_dir / "metrics.jsonl").read_text().splitlines()
        return [r for r in map(json.loads, lines) if "eval/fid" in r]

    def test_eval_every_writes_records_plot_and_tensorboard(self):
        records = self._eval_records()
        self.assertEqual([r["step"] for r in records], [20, 40])
        for key in ("on_manifold_percent", "modes", "fid", "kid", "ms_ssim"):  # mode_kl: only when defined
            self.assertIn(f"eval/{key}", records[-1])
        self.assertGreater((self.run_dir / "eval_metrics.png").stat().st_size, 1000)
        tags = set()
        for event_file in (self.run_dir / "tensorboard").glob("events.*"):
            for event in tf.compat.v1.train.summary_iterator(str(event_file)):
                tags.update(v.tag for v in event.summary.value)
        self.assertIn("eval/fid", tags)
        self.assertIn("eval/on_manifold_percent", tags)

    def test_eval_record_equals_evaluate_of_the_checkpoint(self):
        got = evaluate_lib.evaluate(str(self.run_dir), num_samples=60, seed=self.run_cfg.seed)
        last = self._eval_records()[-1]
        for key in ("on_manifold_percent", "modes", "fid", "kid", "precision", "coverage"):
            self.assertAllClose(last[f"eval/{key}"], got[key], rtol=1e-6, atol=1e-9, msg=key)
        self.assertEqual((got["step"], got["dataset"], got["image_size"]), (40, "shapes", 16))

    def test_saved_model_scores_like_its_run_and_samples_alike(self):
        meta = json.loads((self.export / "assets.extra" / "tfgan_latent.json").read_text())
        self.assertEqual((meta["dataset"], meta["image_size"], meta["latent_prior"]),
                         ("shapes", 16, "uniform"))
        from_run = evaluate_lib.evaluate(str(self.run_dir), num_samples=60, seed=3)
        from_export = evaluate_lib.evaluate(saved_model=str(self.export), num_samples=60, seed=3)
        self.assertEqual(set(from_run) - {"run"}, set(from_export) - {"saved_model"})
        for key, value in from_run.items():
            if isinstance(value, str) or value is None:
                self.assertEqual(value, from_export.get(key, value), key)
            elif key not in ("run", "saved_model"):
                self.assertAllClose(value, from_export[key], rtol=1e-5, atol=1e-6, msg=key)
        a = evaluate_lib.sample(str(self.run_dir), num=10, out=self.tmp / "a.npy", seed=5)
        b = evaluate_lib.sample(saved_model=str(self.export), num=10, out=self.tmp / "b.npy", seed=5)
        self.assertEqual(np.load(a).shape, (10, 16, 16, 3))
        self.assertAllClose(np.load(a), np.load(b), atol=1e-5)
        png = evaluate_lib.sample(str(self.run_dir), num=10, out=self.tmp / "grid.png")
        self.assertGreater(png.stat().st_size, 200)

    def test_image_file_with_a_stand_in_inception_graph(self):
        images, _ = make_shapes(40, 16, HELD_OUT_SEED + 1)
        np.save(self.tmp / "real.npy", images)
        graph = self.tmp / "classify_image_graph_def.pb"
        graph.write_bytes(build_stand_in_graph_def(_stand_in_params()).SerializeToString())
        got = evaluate_lib.evaluate(images=str(self.tmp / "real.npy"), dataset="shapes",
                                    image_size=16, inception_graph=str(graph))
        self.assertEqual((got["on_manifold_percent"], got["num_samples"]), (100.0, 40))
        for key in ("fid_inception", "kid_inception", "inception_score", "fid", "ms_ssim"):
            self.assertTrue(math.isfinite(got[key]), key)
        self.assertGreaterEqual(got["inception_score"], 1.0)

    def test_bad_input_names_the_flag(self):
        np.save(self.tmp / "flat.npy", np.zeros((4, 16, 16)))
        np.save(self.tmp / "big.npy", np.full((4, 16, 16, 3), 255.0))
        cases = [
            (dict(images=str(self.tmp / "missing.npy"), dataset="shapes"), "--images="),
            (dict(images=str(self.tmp / "flat.npy"), dataset="shapes"), "--images must hold"),
            (dict(images=str(self.tmp / "big.npy"), dataset="shapes"), r"\[-1, 1\]"),
            (dict(run_dir=str(self.run_dir), extractors=["bogus"]), "--extractors"),
            (dict(run_dir=str(self.run_dir), num_samples=0), "--num_samples"),
            (dict(run_dir=str(self.run_dir), images=str(self.tmp / "flat.npy")), "exactly one"),
            (dict(saved_model=str(self.tmp)), "--saved_model="),
            (dict(run_dir=str(self.run_dir), inception_graph=str(self.tmp / "no.pb")), "--inception_graph="),
        ]
        for kwargs, message in cases:
            with self.assertRaisesRegex((ValueError, FileNotFoundError), message, msg=str(kwargs)):
                evaluate_lib.evaluate(**kwargs)
        with self.assertRaisesRegex(ValueError, "--out must end in .png or .npy"):
            evaluate_lib.sample(str(self.run_dir), out=self.tmp / "x.txt")

    def test_cli(self):
        out = self.tmp / "cli.png"
        ok = helpers.cli("sample", f"--run={self.run_dir}", "--num=4", f"--out={out}")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn(f"samples: {out}", ok.stdout)
        bad = helpers.cli("evaluate", f"--images={self.tmp / 'missing.npy'}", "--dataset=shapes")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--images=", bad.stderr)
        self.assertNotIn("Traceback", bad.stderr)


if __name__ == "__main__":
    tf.test.main()

"""Latent-dimension study: App. Table 1 nets (parameter counts computed here), image sets vs
numpy, a linear autoencoder reaching the PCA error, and the sweep's CSV schema and resume."""
import csv
import json
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.data import image_sets
from tfgan_latent.models.autoencoder import Autoencoder
from tfgan_latent.papers.latent_dim import nets
from tfgan_latent.train import sweep
from tests import helpers


class NetsTest(tf.test.TestCase):

    def test_parameter_counts_of_the_table_nets(self):
        c = lambda i, o, k=5: k * k * i * o + o  # conv with bias
        bn = lambda ch: 4 * ch  # γ, β, moving mean and variance
        for d in (10, 100):
            # 64 px: Dense → 4·4·2048 (BN per unit), then 1024, 512, 256, 128, conv → 3
            expected = (d * 32768 + 32768 + bn(32768) + c(2048, 1024) + bn(1024) + c(1024, 512)
                        + bn(512) + c(512, 256) + bn(256) + c(256, 128) + bn(128) + c(128, 3))
            got = nets.resize_generator(d, 64, dense_norm="unit").count_params()
            self.assertEqual(got, expected)
        self.assertEqual(nets.resize_generator(10, 64, dense_norm="unit").count_params(), 70_142_723)
        critic = (c(3, 256) + c(256, 256) + c(256, 512) + c(512, 512) + c(512, 1024)
                  + c(1024, 1024) + c(1024, 2048) + c(2048, 2048) + 4 * 4 * 2048 + 1)
        self.assertEqual(nets.resize_critic(64).count_params(), critic)
        encoder = nets.resize_critic(32, width=8, outputs=7)
        self.assertEqual(encoder.output.shape, (None, 7))
        g = nets.resize_generator(5, 32, width=8)
        self.assertEqual(g.output.shape, (None, 32, 32, 3))
        self.assertFalse(any("transpose" in type(l).__name__.lower() for l in g.layers))


class ImageSetsTest(tf.test.TestCase):

    def test_translate_against_numpy(self):
        x = np.random.default_rng(0).uniform(-1, 1, (2, 6, 5, 3)).astype("float32")
        right = image_sets.translate(x, 2)
        self.assertAllEqual(right[:, :, 2:], x[:, :, :3])
        self.assertAllEqual(right[:, :, :2], -np.ones((2, 6, 2, 3)))
        up = image_sets.translate(x, -1, axis=1, fill=0.5)
        self.assertAllEqual(up[:, :5], x[:, 1:])
        self.assertAllEqual(up[:, 5], np.full((2, 5, 3), 0.5))
        with self.assertRaisesRegex(ValueError, "`shift` must be smaller"):
            image_sets.translate(x, 5)

    def test_noise_gratings_and_held_out(self):
        noise = image_sets.uniform_noise(400, (8, 8, 3), seed=1)
        self.assertTrue(noise.min() >= -1 and noise.max() <= 1)
        self.assertAllClose(np.mean(noise ** 2), 1 / 3, atol=0.01)  # the zero image's MSE
        g = image_sets.gratings(5, 16, seed=2)
        self.assertEqual(g.shape, (5, 16, 16, 3))
        self.assertTrue(np.abs(g).max() <= 1)
        train = image_sets.training_images("shapes", 20, 16, seed=3, num_images=50)
        val = image_sets.held_out_images("shapes", 20, 16, seed=3)
        self.assertFalse(any(np.array_equal(v, t) for v in val for t in train))


class LinearAETest(tf.test.TestCase):

    def test_linear_autoencoder_reaches_the_pca_error(self):
        rng = np.random.default_rng(4)
        n, dim, k = 512, 12, 3
        x = (rng.normal(size=(n, dim)) * np.linspace(2.0, 0.1, dim)) @ np.linalg.qr(
            rng.normal(size=(dim, dim)))[0]
        x = (x - x.mean(0)).astype("float32")
        eig = np.sort(np.linalg.eigvalsh(np.cov(x.T, bias=True)))[::-1]
        pca_mse = eig[k:].sum() / dim  # per-element MSE of the best rank-k reconstruction
        keras.utils.set_random_seed(0)
        inp, code = keras.Input((dim,)), keras.Input((k,))
        encoder = keras.Model(inp, keras.layers.Dense(k)(inp))
        decoder = keras.Model(code, keras.layers.Dense(dim)(code))
        ae = Autoencoder(encoder, decoder, loss="l2", noise="none", seed=0)
        ae.compile(optimizer=keras.optimizers.Adam(0.01))
        ae.fit(tf.data.Dataset.from_tensors(x).repeat(), steps_per_epoch=1500, epochs=1, verbose=0)
        mse = float(np.mean((ae(x).numpy() - x) ** 2))
        self.assertLess(mse, pca_mse * 1.03)
        self.assertGreater(mse, pca_mse * 0.999)  # the PCA error is the optimum


class SweepTest(tf.test.TestCase):

    def test_csv_schema_and_resume(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, dataset="shapes", steps=2, out=str(Path(tmp) / "sweep"))
            kwargs = dict(dims=[1, 3], sets=("val", "noise"), num=4, search_steps=3)
            rows = sweep.sweep(run, {"width": 2}, **kwargs)
            with open(Path(tmp) / "sweep" / "curves.csv") as f:
                table = list(csv.DictReader(f))
            self.assertEqual(tuple(table[0]), sweep.CSV_FIELDS)
            self.assertLen(table, 2 * 2 * 2)  # models × dims × sets
            self.assertEqual({(r["model"], r["dim_z"]) for r in table},
                             {(m, str(d)) for m in sweep.SWEEP_MODELS for d in (1, 3)})
            noise = [r for r in rows if r["image_set"] == "noise"][0]
            self.assertAllClose(noise["zero_baseline"], 1 / 3, atol=0.05)
            cache = Path(tmp) / "sweep" / "ae_d3" / "errors.json"
            first = json.loads(cache.read_text())
            stamp = cache.stat().st_mtime_ns
            again = sweep.sweep(run, {"width": 2}, **kwargs)  # everything cached: nothing rerun
            self.assertEqual(cache.stat().st_mtime_ns, stamp)
            self.assertEqual(again, rows)
            self.assertEqual(json.loads(cache.read_text()), first)
            for name in ("curves.png", "recon_ae.png", "recon_wgan_gp_resize.png"):
                self.assertTrue((Path(tmp) / "sweep" / name).exists(), name)
            with self.assertRaisesRegex(ValueError, "--models must be among"):
                sweep.sweep(run, {}, dims=[1], models=("dcgan",))

"""Latent-dimension study: App. Table 1 nets (parameter counts computed here), image sets vs
numpy (held-out splits with split-labelled tfds mock data), the registered AE's Eq. 3 loss, a
linear autoencoder reaching the PCA error, and the sweep's CSV schema, resume and settings-keyed
cache."""
import csv
import json
import tempfile
from pathlib import Path

from unittest import mock

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfgan_latent import inversion
from tfgan_latent.data import image_sets
from tfgan_latent.data.shapes import make_shapes
from tfgan_latent.models.autoencoder import Autoencoder
from tfgan_latent.papers.latent_dim import nets
from tfgan_latent.train import runner, sweep
from tests import helpers


def _split_images(builder, split, *args, **kwargs):
    """tfds mock data whose pixel values name their split: train 10+i, validation 120+i,
    test 200+i for example i (the default mock gives every split the same images)."""
    base = {"train": 10, "validation": 120, "test": 200}[str(split)]
    shape = builder.info.features["image"].shape
    images = (base + np.arange(4)[:, None, None, None] + np.zeros((4,) + shape)).astype("uint8")
    return tf.data.Dataset.from_tensor_slices({"image": images})


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

    def test_shapes_val_is_a_fresh_render_that_never_repeats_a_training_image(self):
        n, size, seed, num_images = 40, 16, 3, 5000
        train = {image.tobytes() for image in make_shapes(num_images, size, seed)[0]}
        val = image_sets.held_out_images("shapes", n, size, seed, num_images=num_images)
        self.assertEqual(val.shape, (n, size, size, 3))
        self.assertFalse(any(v.tobytes() in train for v in val))
        # The documented draw: renders of n, 2n + 16, ... images with seed + 1,000,003, the
        # first n that are not training images. At 16 px a fresh render repeats training
        # images (this one 6 of its first 40), so the filter is what keeps them out.
        fresh = make_shapes(n, size, seed + 1_000_003)[0]
        repeats = sum(image.tobytes() in train for image in fresh)
        self.assertGreater(repeats, 0)
        draw = n
        while sum(image.tobytes() not in train for image in fresh) < n:
            draw = 2 * draw + 16
            fresh = make_shapes(draw, size, seed + 1_000_003)[0]
        expected = [image for image in fresh if image.tobytes() not in train][:n]
        self.assertAllEqual(val, np.stack(expected))

    def test_tfds_val_comes_from_the_held_out_split(self):
        data_dir = self.get_temp_dir()
        with tfds.testing.mock_data(num_examples=4, as_dataset_fn=_split_images):
            cifar = image_sets.held_out_images("cifar10", 3, 32, seed=0, data_dir=data_dir)
            celeb = image_sets.held_out_images("celeb_a", 2, 128, seed=0, data_dir=data_dir)
            train = image_sets.training_images("cifar10", 4, 32, seed=0, data_dir=data_dir)
            with self.assertRaisesRegex(ValueError, r"--num=5: the 'test' split of 'cifar10'"):
                image_sets.held_out_images("cifar10", 5, 32, seed=0, data_dir=data_dir)
        scale = lambda v: np.float32(v) / np.float32(127.5) - np.float32(1)
        # CIFAR-10: its test split (paper §5), in file order, values 200 + i.
        self.assertAllEqual(cifar, np.stack([np.full((32, 32, 3), scale(200 + i)) for i in range(3)]))
        # CelebA: its own validation partition, 120 + i, cropped as in training (a constant image
        # stays constant under the rows 50:178, columns 25:153 crop).
        self.assertAllEqual(celeb, np.stack([np.full((128, 128, 3), scale(120 + i)) for i in range(2)]))
        self.assertAllEqual(np.unique(train), [scale(v) for v in (10, 11, 12, 13)])  # train split


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


class RegisteredAETest(tf.test.TestCase):

    def test_registered_ae_trains_on_eq3_squared_error(self):
        """The ``ae`` model's training loss is Eq. 3's mean squared error ‖d(e(x)) − x‖²/D
        (numpy, from the same forward pass with batch statistics), not an L1 loss."""
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="ae", dataset="shapes")
            cfg = runner.resolve_model_config(run, {"width": 2, "latent_dim": 3})
            model = runner.build_model(run, cfg)
        for v in model.decoder.trainable_weights:  # non-zero biases and BN shifts
            v.assign(v + np.random.default_rng(8).normal(0, 0.1, v.shape).astype("float32"))
        x = np.random.default_rng(9).uniform(-0.6, 0.6, (8, 16, 16, 3)).astype("float32")
        recon = model.decoder(model.encoder(x, training=True), training=True).numpy()
        logs = model.train_step(tf.constant(x))
        diff = recon.astype(np.float64) - x
        self.assertAllClose(float(logs["loss"]), np.mean(diff ** 2), rtol=1e-5)
        self.assertGreater(np.mean(np.abs(diff)), 1.5 * np.mean(diff ** 2))  # L1 would differ


class SweepCacheTest(tf.test.TestCase):

    def test_cache_is_keyed_on_its_settings_and_the_search_projects_on_the_ball(self):
        built = []

        class Recording(inversion.Inverter):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                built.append(self)

        with tempfile.TemporaryDirectory() as tmp, mock.patch.object(sweep.inversion, "Inverter",
                                                                     Recording):
            out = Path(tmp) / "sweep"
            run = helpers.tiny_run(tmp, dataset="shapes", steps=2, out=str(out))
            base = dict(dims=[2], num=4, search_steps=3)

            def cache(model):
                return json.loads((out / f"{model}_d2" / "errors.json").read_text())["sets"]

            def mse(rows, model, name):
                (row,) = [r for r in rows if r["model"] == model and r["image_set"] == name]
                return row["mse_mean"]

            rows = sweep.sweep(run, {"width": 2}, sets=("val", "shifted"), shift=1, **base)
            with open(out / "curves.csv") as f:
                table = list(csv.DictReader(f))
            self.assertEqual(tuple(table[0]), sweep.CSV_FIELDS)
            self.assertEqual([(r["model"], r["dim_z"], r["image_set"]) for r in table],
                             [(m, "2", name) for m in sweep.SWEEP_MODELS
                              for name in ("val", "shifted")])
            for name in ("curves.png", "recon_ae.png", "recon_wgan_gp_resize.png"):
                self.assertTrue((out / name).exists(), name)
            stamp = (out / "ae_d2" / "errors.json").stat().st_mtime_ns
            again = sweep.sweep(run, {"width": 2}, sets=("val", "shifted"), shift=1, **base)
            self.assertEqual(again, rows)  # everything cached: nothing rerun
            self.assertEqual((out / "ae_d2" / "errors.json").stat().st_mtime_ns, stamp)
            # The GAN's search projects on the ball of Eq. 5 (r² = d + 3√(2d), numpy here).
            (inverter,) = built
            r = np.sqrt(2 + 3 * np.sqrt(4))
            self.assertEqual(inverter.projection, "ball")
            far = inverter(np.zeros((3, 16, 16, 3), "float32"), steps=1,
                           z0=np.full((3, 2), 10.0, "float32"))
            norms = np.linalg.norm(far.z, axis=1)  # projected to r, then one step of ≤ lr·√2
            self.assertTrue((norms <= r * (1 + 1e-6)).all() and (norms > r - 2e-3).all(), norms)
            first = {m: cache(m) for m in sweep.SWEEP_MODELS}

            # --shift changes only the shifted set, which is recomputed: the AE's new error is
            # d(e(x)) on the training images moved 3 px right (numpy translation, -1 fill).
            rows = sweep.sweep(run, {"width": 2}, sets=("val", "shifted"), shift=3, **base)
            from tfgan_latent.train.evaluate import load_run

            ae = load_run(out / "ae_d2")[2]
            x = make_shapes(run.num_images, 16, run.seed)[0][:4]
            moved = np.concatenate([-np.ones((4, 16, 3, 3), "float32"), x[:, :, :-3]], axis=2)
            expected = np.mean((ae(moved).numpy() - moved) ** 2, axis=(1, 2, 3))
            self.assertAllClose(mse(rows, "ae", "shifted"), expected.mean(), rtol=1e-5)
            for m in sweep.SWEEP_MODELS:
                self.assertEqual(cache(m)["val"], first[m]["val"])  # not recomputed
                self.assertEqual(cache(m)["shifted"]["settings"]["images"]["shift"], 3)
                self.assertNotEqual(cache(m)["shifted"]["errors"], first[m]["shifted"]["errors"])

            # Other image sets on the cached sweep: no KeyError, the cached ones are kept.
            rows = sweep.sweep(run, {"width": 2}, sets=("noise", "val"), shift=3, **base)
            self.assertEqual({r["image_set"] for r in rows}, {"noise", "val"})
            noise = [r for r in rows if r["image_set"] == "noise"][0]
            self.assertAllClose(noise["zero_baseline"], 1 / 3, atol=0.05)  # U[-1, 1]: 1/3
            self.assertEqual(set(cache("ae")), {"val", "shifted", "noise"})

            # The search settings key the GAN's errors only; --projection=none (App. Fig. 10).
            ae_stamp = (out / "ae_d2" / "errors.json").stat().st_mtime_ns
            sweep.sweep(run, {"width": 2}, sets=("val",), shift=3, projection="none",
                        **{**base, "search_steps": 4})
            gan = cache("wgan_gp_resize")["val"]["settings"]["method"]["inversion"]
            self.assertEqual((gan["steps"], gan["projection"]), (4, "none"))
            self.assertEqual(built[-1].projection, "none")
            self.assertEqual((out / "ae_d2" / "errors.json").stat().st_mtime_ns, ae_stamp)

            # An errors.json without settings (written before they were stored) is recomputed.
            path = out / "ae_d2" / "errors.json"
            path.write_text(json.dumps({"val": [0.0] * 4}))
            rows = sweep.sweep(run, {"width": 2}, sets=("val",), models=("ae",), **base)
            self.assertAllClose(mse(rows, "ae", "val"), np.mean(first["ae"]["val"]["errors"]))
            with self.assertRaisesRegex(ValueError, "--projection must be one of"):
                sweep.sweep(run, {}, dims=[2], projection="sphere")
            with self.assertRaisesRegex(ValueError, "--models must be among"):
                sweep.sweep(run, {}, dims=[1], models=("dcgan",))

    def test_eval_every_scores_the_gan_runs_and_the_ae_trains_without_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sweep"
            run = helpers.tiny_run(tmp, dataset="shapes", steps=2, eval_every=2, eval_samples=16,
                                   out=str(out))
            sweep.sweep(run, {"width": 2}, dims=[2], sets=("val",), num=4, search_steps=2)

            def lines(model):
                text = (out / f"{model}_d2" / "metrics.jsonl").read_text()
                return [json.loads(x) for x in text.splitlines()]

            scored = [r for r in lines("wgan_gp_resize") if "eval/on_manifold_percent" in r]
            self.assertEqual([r["step"] for r in scored], [2])
            self.assertFalse(any(k.startswith("eval/") for r in lines("ae") for k in r))
            # Trained on its own, the AE with --eval_every is refused before any step.
            ae_run = helpers.tiny_run(tmp, model="ae", dataset="shapes", steps=2, eval_every=2,
                                      out=str(Path(tmp) / "ae"))
            with self.assertRaisesRegex(ValueError, "--eval_every=2: a --model=ae run has no "
                                                    "generator to evaluate"):
                runner.train(ae_run, helpers.tiny_model_config(ae_run, width=2))
            self.assertFalse((Path(tmp) / "ae" / "checkpoints").exists()
                             and any((Path(tmp) / "ae" / "checkpoints").iterdir()))

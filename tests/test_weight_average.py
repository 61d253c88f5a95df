"""Generator weight averaging (``GAN(ema_decay=β)``, ``--ema_decay``): the average against a
numpy recursion, the swap, replicas, resume, and what previews, exports and ``evaluate`` use."""
import dataclasses
import tempfile
from pathlib import Path
from unittest import mock

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.models import variants
from tfgan_latent.train import config as config_lib
from tfgan_latent.train import evaluate, runner, samples
from tfgan_latent.train import strategy as strategy_lib
from tests import helpers


def _gan(ema_decay, cls=variants.DCGAN, **kwargs):
    """A dense G (3 → 4 → 2, ReLU) and D with random non-zero weights and biases."""
    rng = np.random.default_rng(7)
    g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                          keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    for v in g.weights + d.weights:
        v.assign(rng.normal(0.0, 0.5, v.shape).astype("float32"))
    return cls(g, d, latent_dim=3, seed=1, ema_decay=ema_decay, **kwargs)


def _numpy_generator(weights, z):
    k1, b1, k2, b2 = weights
    return np.maximum(z @ k1 + b1, 0.0) @ k2 + b2


class AverageTest(tf.test.TestCase):

    def test_average_follows_the_numpy_recursion_and_swaps_back_bitwise(self):
        beta = 0.6  # (1 + t)/(10 + t) < β for t ≤ 12, then β: both branches are exercised
        gan = _gan(beta)
        gan.compile(g_optimizer=keras.optimizers.Adam(0.05),
                    d_optimizer=keras.optimizers.Adam(0.05))
        real = np.random.default_rng(0).normal(1.0, 0.3, (4 * 20, 2)).astype("float32")
        average = [v.numpy().astype(np.float64) for v in gan.generator.trainable_variables]
        for t in range(1, 21):  # one fit step at a time, to read the live weights of each step
            gan.fit(real[4 * (t - 1):4 * t], batch_size=4, epochs=1, verbose=0, shuffle=False)
            live = [v.numpy().astype(np.float64) for v in gan.generator.trainable_variables]
            decay = min(beta, (1.0 + t) / (10.0 + t))
            average = [decay * a + (1.0 - decay) * w for a, w in zip(average, live)]
        self.assertEqual(int(gan.step.numpy()), 20)
        for got, want in zip(gan.generator_average, average):
            self.assertAllClose(got.numpy(), want, rtol=1e-5, atol=1e-6)
        self.assertNotAllClose(average[0], live[0], atol=1e-3)  # the average is not the live net

        z = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
        before = gan.generate(z).numpy()
        self.assertAllClose(before, _numpy_generator(live, z), rtol=1e-5, atol=1e-5)
        with gan.averaged():
            self.assertAllClose(gan.generate(z), _numpy_generator(average, z), rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(gan.generate(z).numpy(), before)  # live weights back, bitwise
        for v, w in zip(gan.generator.trainable_variables, live):
            np.testing.assert_array_equal(v.numpy(), w.astype(np.float32))

    def test_no_average_by_default(self):
        gan = _gan(0.0)
        gan.compile(g_optimizer="adam", d_optimizer="adam")
        self.assertEqual(gan.generator_average, [])
        self.assertNotIn("generator_average", gan.checkpoint_items())
        self.assertEqual(gan.get_config()["ema_decay"], 0.0)

    def test_keras_file_keeps_the_average(self):
        gan = _gan(0.9)
        gan.compile(g_optimizer=keras.optimizers.Adam(0.05),
                    d_optimizer=keras.optimizers.Adam(0.05))
        gan.fit(np.ones((8, 2), np.float32), batch_size=4, epochs=1, verbose=0)
        with tempfile.TemporaryDirectory() as tmp:
            gan.save(Path(tmp) / "gan.keras")
            loaded = keras.models.load_model(Path(tmp) / "gan.keras")
        self.assertEqual(loaded.ema_decay, 0.9)
        for a, b in zip(gan.generator_average, loaded.generator_average):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        self.assertNotAllClose(gan.generator_average[0].numpy(),
                               gan.generator.trainable_variables[0].numpy())

    def test_mirrored_average_equals_single_device(self):
        data = np.random.default_rng(0).normal(size=(16 * 3, 2)).astype("float32")
        averages = {}
        for name, strategy in (("none", tf.distribute.get_strategy()),
                               ("mirrored", strategy_lib.make_strategy("mirrored", 2))):
            with strategy.scope():
                gan = _gan(0.5, variants.WGANGP, gp_weight=1.0)
                gan.compile(g_optimizer=keras.optimizers.SGD(0.1),
                            d_optimizer=keras.optimizers.SGD(0.1))
            gan.fit(data, batch_size=16, epochs=1, verbose=0, shuffle=False)
            averages[name] = [v.numpy() for v in gan.generator_average]
            with gan.averaged():  # the swap works on mirrored variables too
                averages[name + "_swapped"] = [v.numpy() for v in gan.generator.trainable_variables]
        for a, b, c in zip(averages["none"], averages["mirrored"], averages["mirrored_swapped"]):
            self.assertAllClose(a, b, rtol=1e-5, atol=1e-6)
            np.testing.assert_array_equal(b, c)

    def test_bad_decay_is_named(self):
        for bad in (1.0, -0.1, "0.9"):
            with self.assertRaisesRegex(ValueError, r"`ema_decay` must be a number in \[0, 1\)"):
                _gan(bad)

        class OwnStep(variants.DCGAN):
            def train_step(self, data):
                return super().train_step(data)

        with self.assertRaisesRegex(ValueError, "`ema_decay` is not supported by OwnStep"):
            _gan(0.9, OwnStep)
        spec_defaults = runner.registry.get_model_spec("dcgan").config_cls()
        cfg = runner.registry.get_model_spec("dcgan").config_cls(ema_decay=1.5)
        with self.assertRaisesRegex(ValueError, r"--ema_decay must be in \[0, 1\), got 1.5"):
            config_lib.check_common_ranges(cfg, spec_defaults)


class TrainerTest(tf.test.TestCase):

    def test_resume_previews_scores_export_and_evaluate_use_the_average(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = lambda name, steps: helpers.tiny_run(Path(tmp) / name, model="dcgan",
                                                       dataset="shapes", steps=steps)
            model_cfg = lambda r: helpers.tiny_model_config(r, ema_decay=0.5, g_lr=5e-3)
            full = run("a", 6)
            res_full = runner.train(full, model_cfg(full))
            runner.train(run("b", 4), model_cfg(run("b", 4)))
            res_resumed = runner.train(run("b", 6), model_cfg(run("b", 6)))
            values = helpers.checkpoint_values(res_full["checkpoint"])
            averaged = sorted((k for k in values if k.startswith("generator_average/")),
                              key=lambda k: int(k.split("/")[1]))
            self.assertTrue(averaged)  # the average is in the checkpoint ...
            helpers.assert_same_checkpoints(self, res_full["checkpoint"], res_resumed["checkpoint"])

            # ... and is what the run shows: references are the live generator with the
            # checkpoint's average tensors assigned by hand (not through the library's swap).
            restore = lambda: runner.restore_latest(full, model_cfg(full),
                                                    Path(full.out) / "checkpoints")[2]
            gan = restore()
            self.assertEqual(len(averaged), len(gan.generator.trainable_variables))
            z = np.random.default_rng(2).uniform(-1, 1, (3, gan.latent_dim)).astype("float32")
            z_eval = gan.fixed_latents(6, full.seed)  # the latents the run's scores use
            fixed_z = np.load(Path(full.out) / "samples" / "fixed_z.npy")
            live = gan.generator(z, training=False).numpy()
            for key, v in zip(averaged, gan.generator.trainable_variables):
                v.assign(values[key])
            expected = gan.generator(z, training=False).numpy()
            self.assertGreater(np.abs(expected - live).max(), 1e-3)
            served = tf.saved_model.load(res_full["export"]).signatures["serving_default"]
            out = list(served(z=tf.constant(z)).values())[0].numpy()
            self.assertAllClose(out, expected, rtol=1e-5, atol=1e-5)
            # The last preview grid (same bytes as the grid of the average's samples) ...
            grid = Path(tmp) / "expected.png"
            samples.save_image_grid(gan.generator(fixed_z, training=False).numpy(), grid)
            final = Path(full.out) / "samples" / "step_0000006.png"
            self.assertEqual(final.read_bytes(), grid.read_bytes())
            # ... the in-run scores (the images handed to the scorer) ...
            scored = {}
            live_gan = restore()
            with mock.patch.object(evaluate, "score", lambda x, *a, **k: scored.setdefault("x", x)):
                runner.evaluate_outputs(live_gan, dataclasses.replace(full, eval_samples=6))
            self.assertAllClose(scored["x"], gan.generator(z_eval, training=False), atol=1e-5)
            self.assertAllClose(live_gan.generator(z, training=False), live, atol=0)  # swapped back
            # ... and `evaluate --run` / `invert --run`, which load the run with the average.
            _, _, loaded = evaluate.load_run(Path(full.out))
            self.assertAllClose(loaded.generator(z, training=False), expected, rtol=1e-5, atol=1e-5)


if __name__ == "__main__":
    tf.test.main()

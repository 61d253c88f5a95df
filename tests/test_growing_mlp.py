"""Swiss-roll MLP growing (Sandström 2019, §6.1, §7.1; research/growing.md §3.1 check 10).

References are numpy forward passes and RMSprop updates written here, and closed forms
(linear generators, points on / off the roll); never the code's own output.
"""
import json
import math
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_latent import data, optimizers
from tfgan_latent.layers import BetaFadedDense
from tfgan_latent.papers.growing import (
    MLPGrowingConfig, MLPGrowingGAN, swiss_roll_discriminator, swiss_roll_generator,
)
from tfgan_latent.papers.growing import evaluation
from tfgan_latent.papers.growing import registration
from tfgan_latent.papers.growing.registration import build_mlp_growing
from tfgan_latent.train import runner
from tests import helpers

TINY = dict(mlp_units=8, mlp_layers=2, d_updates=3, g_updates=2)


def growing_run(tmp, steps=6, overrides=None, **kwargs):
    run = helpers.tiny_run(tmp, model="mlp_growing", dataset="swiss_roll", steps=steps, **kwargs)
    return run, runner.resolve_model_config(run, {**TINY, **(overrides or {})})


def dense_weights(model):
    """[(kernel, bias)] of the Dense-like layers in order, with β applied to new rows."""
    out = []
    for layer in model.layers:
        if not hasattr(layer, "kernel"):
            continue
        kernel = np.array(layer.kernel.numpy(), dtype=np.float64)
        if isinstance(layer, BetaFadedDense) and layer.old_input_dim is not None:
            kernel[layer.old_input_dim:] *= float(layer.beta.numpy())
        out.append((kernel, np.array(layer.bias.numpy(), dtype=np.float64)))
    return out


def np_mlp(x, weights):
    """Dense + LeakyReLU(0.2) hidden layers, linear last layer (thesis §7.1)."""
    h = np.asarray(x, dtype=np.float64)
    for i, (k, b) in enumerate(weights):
        h = h @ k + b
        if i < len(weights) - 1:
            h = np.where(h > 0, h, 0.2 * h)
    return h


def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ------------------------------------------------------------------------ nets
class NetsTest(tf.test.TestCase):

    def test_architecture_init_and_forward(self):
        keras.utils.set_random_seed(3)
        g = swiss_roll_generator(2, start_latent_dim=1)
        d = swiss_roll_discriminator()
        hidden = 32 * 32 + 32
        # §7.1: 4 hidden Dense(32), linear outputs; + the non-trainable β of the grown layer.
        self.assertEqual(g.count_params(), (2 * 32 + 32) + 3 * hidden + (32 * 2 + 2) + 1)
        self.assertEqual(d.count_params(), (2 * 32 + 32) + 3 * hidden + (32 + 1))
        gw, dw = dense_weights(g), dense_weights(d)
        self.assertEqual([k.shape for k, _ in gw], [(2, 32), (32, 32), (32, 32), (32, 32), (32, 2)])
        self.assertEqual([k.shape for k, _ in dw], [(2, 32), (32, 32), (32, 32), (32, 32), (32, 1)])
        first = g.get_layer("h1")
        kernel = first.kernel.numpy()
        np.testing.assert_array_equal(kernel[1], 0.0)  # §6.1: the new row is zero
        # Glorot-uniform with the pre-growth fan-in (1 + 32) for the old row, (32 + 32) later.
        self.assertLessEqual(np.abs(kernel[0]).max(), math.sqrt(6 / 33))
        self.assertGreater(np.abs(kernel[0]).max(), math.sqrt(6 / 64))  # not the 2-input bound
        self.assertLessEqual(np.abs(dw[1][0]).max(), math.sqrt(6 / 64))
        for _, b in gw + dw:
            np.testing.assert_array_equal(b, 0.0)
        self.assertEqual(float(first.beta.numpy()), 0.0)
        z = np.random.default_rng(0).uniform(-1, 1, (7, 2)).astype("float32")
        self.assertAllClose(g(z), np_mlp(z, gw), atol=1e-5)
        self.assertAllClose(d(z), np_mlp(z, dw), atol=1e-5)
        plain = swiss_roll_generator(2)
        self.assertNotIsInstance(plain.get_layer("h1"), BetaFadedDense)
        with self.assertRaisesRegex(ValueError, "start_latent_dim"):
            swiss_roll_generator(2, start_latent_dim=2)


# ------------------------------------------------------------- update structure
class UpdateStructureTest(tf.test.TestCase, parameterized.TestCase):

    # start: RMSprop's mean-square accumulator at step 0 (0 Keras's; 1 TF1's, the authors' code;
    # 0.3 a value neither default hides), through the model's own optimizer builder.
    @parameterized.parameters(0.0, 1.0, 0.3)
    def test_ten_d_then_ten_g_updates_on_one_batch_and_z_vs_numpy(self, start):
        lr, rho, eps, batch = 0.01, 0.9, 1e-10, 16
        rng = np.random.default_rng(1)
        real = rng.normal(size=(batch, 2)).astype("float32")
        z = rng.uniform(-1, 1, (batch, 2)).astype("float32")
        g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        for v in g.weights + d.weights:  # non-zero biases too
            v.assign(rng.normal(0.0, 0.5, v.shape).astype("float32"))
        a0, b0 = (np.array(v, np.float64) for v in g.get_weights())
        w0, c0 = (np.array(v, np.float64) for v in d.get_weights())
        gan = MLPGrowingGAN(g, d, latent_dim=2, seed=0)
        cfg = MLPGrowingConfig(lr=lr, rho=rho, epsilon=eps, rmsprop_initial_accumulator=start)
        gan.compile(g_optimizer=registration.rmsprop(cfg), d_optimizer=registration.rmsprop(cfg))
        draws = tf.Variable(0)

        def sample_latent(n):  # the one z of the minibatch; counts the draws
            draws.assign_add(1)
            return tf.constant(z)

        gan.sample_latent = sample_latent
        gan.train_on_batch(real)
        self.assertEqual(int(draws.numpy()), 1)  # one z for all 20 updates

        def rms(theta, grad, v):
            v = rho * v + (1 - rho) * grad**2
            return theta - lr * grad / np.sqrt(v + eps), v

        # 10 D updates, all on `real` and on the fakes of the same z.
        fake = z @ a0 + b0
        w, c, vw, vc = w0, c0, np.full_like(w0, start), np.full_like(c0, start)
        for _ in range(10):
            lr_, lf = real @ w + c, fake @ w + c
            dr, df = -sigmoid(-lr_) / batch, sigmoid(lf) / batch
            gw, gc = real.T @ dr + fake.T @ df, dr.sum(0) + df.sum(0)
            w, vw = rms(w, gw, vw)
            c, vc = rms(c, gc, vc)
        # then 10 G updates on the same z against the updated D.
        a, b, va, vb = a0, b0, np.full_like(a0, start), np.full_like(b0, start)
        for _ in range(10):
            logits = (z @ a + b) @ w + c
            dfake = (-sigmoid(-logits) / batch) @ w.T
            a, va = rms(a, z.T @ dfake, va)
            b, vb = rms(b, dfake.sum(0), vb)
        self.assertAllClose(d.get_weights()[0], w, rtol=1e-4, atol=1e-5)
        self.assertAllClose(d.get_weights()[1], c, rtol=1e-4, atol=1e-5)
        self.assertAllClose(g.get_weights()[0], a, rtol=1e-4, atol=1e-5)
        self.assertAllClose(g.get_weights()[1], b, rtol=1e-4, atol=1e-5)
        self.assertEqual(int(gan.d_optimizer.iterations.numpy()), 10)
        self.assertEqual(int(gan.g_optimizer.iterations.numpy()), 10)
        self.assertEqual(int(gan.step.numpy()), 1)

    def test_bad_arguments(self):
        g, d = swiss_roll_generator(2, units=4, num_layers=1), swiss_roll_discriminator(4, 1)
        with self.assertRaisesRegex(ValueError, "growing generator"):
            MLPGrowingGAN(g, d, latent_dim=2, growth_step=3)
        with self.assertRaisesRegex(ValueError, "d_updates"):
            MLPGrowingGAN(g, d, latent_dim=2, d_steps=10)
        with self.assertRaisesRegex(ValueError, "grow_at"):
            MLPGrowingConfig(grow_at=2.5).growth_step(10)
        self.assertEqual(MLPGrowingConfig().growth_step(15000), 7500)  # §7.1: half and half
        self.assertEqual(MLPGrowingConfig(grow_at=3.0).growth_step(15000), 3)
        self.assertIsNone(MLPGrowingConfig(grow=False).growth_step(15000))
        with self.assertRaisesRegex(ValueError, "--rmsprop_initial_accumulator must be a finite "
                                                "number >= 0, got -1"):
            build_mlp_growing(helpers.tiny_run("/tmp/unused", model="mlp_growing",
                                               dataset="swiss_roll"),
                              MLPGrowingConfig(rmsprop_initial_accumulator=-1.0))
        with self.assertRaisesRegex(ValueError, "`initial_accumulator` must be a number >= 0"):
            optimizers.TF1RMSprop(initial_accumulator=-0.5)

    def test_tf1_rmsprop_round_trip(self):
        opt = optimizers.TF1RMSprop(0.5, rho=0.8, epsilon=1e-9, initial_accumulator=0.7)
        copy = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
        self.assertIsInstance(copy, optimizers.TF1RMSprop)
        self.assertEqual((copy.initial_accumulator, copy.rho, copy.epsilon), (0.7, 0.8, 1e-9))
        self.assertAllClose(float(copy.learning_rate), 0.5)

    def test_config_round_trip(self):
        keras.utils.set_random_seed(0)
        g, d = swiss_roll_generator(2, 1, 4, 1), swiss_roll_discriminator(4, 1)
        gan = MLPGrowingGAN(g, d, latent_dim=2, growth_step=7, d_updates=3, g_updates=4, seed=1)
        copy = MLPGrowingGAN.from_config(gan.get_config())
        self.assertEqual((int(copy.growth_step.numpy()), copy.d_updates, copy.g_updates,
                          copy.start_latent_dim, copy.latent_dim, copy.latent_distribution),
                         (7, 3, 4, 1, 2, "uniform"))
        self.assertIsInstance(copy.growing_layer, BetaFadedDense)
        used = keras.optimizers.RMSprop()
        used.build(d.trainable_variables)
        used.iterations.assign(1)
        with self.assertRaisesRegex(ValueError, "already been applied"):
            gan.compile(g_optimizer=keras.optimizers.RMSprop(), d_optimizer=used)


# ---------------------------------------------------------------------- growth
class GrowthTest(tf.test.TestCase):

    def _gan_and_data(self, tmp, growth_at=3):
        run, cfg = growing_run(tmp, steps=10, overrides={"grow_at": float(growth_at)})
        keras.utils.set_random_seed(0)
        gan = build_mlp_growing(run.resolved(), cfg)
        ds = data.make_dataset("swiss_roll", batch_size=run.batch_size, seed=0, start_step=0)
        return gan, ds

    def test_growth_keeps_g_and_d_and_resets_optimizers(self):
        with tempfile.TemporaryDirectory() as tmp:
            gan, ds = self._gan_and_data(tmp, growth_at=3)
            gan.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)
            layer = gan.generator.get_layer("h1")
            rng = np.random.default_rng(2)
            z1 = rng.uniform(-1, 1, (50, 1)).astype("float32")
            z2 = rng.uniform(-1, 1, (50, 1)).astype("float32")
            z = np.concatenate([z1, z2], axis=1)
            # Before growth: after 3 trained steps the new row is still exactly 0, z2 is unused.
            self.assertEqual(float(layer.beta.numpy()), 0.0)
            self.assertEqual(gan.active_latent_dim, 1)
            np.testing.assert_array_equal(layer.kernel.numpy()[1], 0.0)
            old = dense_weights(gan.generator)
            g_old = np_mlp(z1, [(old[0][0][:1], old[0][1])] + old[1:])  # the 1-d G
            self.assertAllClose(gan.generate(z), g_old, atol=1e-6)
            d_before = [w.copy() for w in gan.discriminator.get_weights()]
            self.assertEqual(int(gan.g_optimizer.iterations.numpy()), 3 * TINY["g_updates"])
            self.assertEqual(int(gan.d_optimizer.iterations.numpy()), 3 * TINY["d_updates"])
            saved = tf.train.Checkpoint(**gan.checkpoint_items()).write(str(Path(tmp) / "pre"))

            gan._maybe_grow()  # step == growth_step == 3: the in-step growth, eagerly
            self.assertEqual(float(layer.beta.numpy()), 1.0)
            self.assertEqual(gan.active_latent_dim, 2)
            np.testing.assert_array_equal(layer.kernel.numpy()[1], 0.0)
            for z2_value in (-1.0, -0.3, 0.0, 0.7, 1.0):
                zz = np.concatenate([z1, np.full_like(z1, z2_value)], axis=1)
                self.assertAllClose(gan.generate(zz), g_old, atol=1e-6)
            for a, b in zip(gan.discriminator.get_weights(), d_before):
                np.testing.assert_array_equal(a, b)  # D untouched (§6.1, A22)
            for opt in (gan.g_optimizer, gan.d_optimizer):  # fresh RMSprop: all zeros, lr kept
                self.assertEqual(int(opt.iterations.numpy()), 0)
                for v in opt.variables:
                    if "learning_rate" in v.path:
                        self.assertAllClose(v.numpy(), 1e-3)
                    else:
                        np.testing.assert_array_equal(v.numpy(), 0)

            # The same growth in-graph, through fit from the pre-growth state.
            tf.train.Checkpoint(**gan.checkpoint_items()).read(saved).assert_consumed()
            self.assertEqual(float(layer.beta.numpy()), 0.0)
            gan.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)
            self.assertEqual(int(gan.step.numpy()), 4)
            self.assertEqual(float(layer.beta.numpy()), 1.0)
            self.assertEqual(int(gan.g_optimizer.iterations.numpy()), TINY["g_updates"])
            self.assertEqual(int(gan.d_optimizer.iterations.numpy()), TINY["d_updates"])
            self.assertGreater(np.abs(layer.kernel.numpy()[1]).max(), 0.0)  # now it learns

    def test_growth_step_is_kept_by_the_checkpoint(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = growing_run(tmp, steps=4)  # grow_at = 0.5 -> step 2
            first = build_mlp_growing(run.resolved(), cfg)
            self.assertEqual(int(first.growth_step.numpy()), 2)
            path = tf.train.Checkpoint(**first.checkpoint_items()).write(str(Path(tmp) / "c"))
            run6, _ = growing_run(tmp, steps=6)  # a resume with --steps=6 would say 3
            second = build_mlp_growing(run6.resolved(), cfg)
            self.assertEqual(int(second.growth_step.numpy()), 3)
            tf.train.Checkpoint(**second.checkpoint_items()).read(path).assert_consumed()
            self.assertEqual(int(second.growth_step.numpy()), 2)


# ------------------------------------------------------------ through train()
class TrainingTest(tf.test.TestCase):

    def test_resume_across_growth_is_bitwise_and_export(self):
        with tempfile.TemporaryDirectory() as tmp:
            over = {"grow_at": 5.0}
            run, cfg = growing_run(Path(tmp) / "a", 6, over)
            full = runner.train(run, cfg)
            run, cfg = growing_run(Path(tmp) / "b", 4, over)
            runner.train(run, cfg)
            run, cfg = growing_run(Path(tmp) / "b", 6, over)
            resumed = runner.train(run, cfg)
            helpers.assert_same_checkpoints(self, full["checkpoint"], resumed["checkpoint"])
            values = helpers.checkpoint_values(resumed["checkpoint"])
            self.assertEqual(int(values["growth_step/.ATTRIBUTES/VARIABLE_VALUE"]), 5)
            betas = [v for k, v in values.items() if k.endswith("beta/.ATTRIBUTES/VARIABLE_VALUE")]
            self.assertEqual([float(b) for b in betas], [1.0])
            metrics = [json.loads(line) for line in
                       (Path(resumed["out"]) / "metrics.jsonl").read_text().splitlines()]
            self.assertEqual([m["latent_dims_used"] for m in metrics], [1.0, 1.0, 1.5])

            # serving_default: z [None, 2] -> points = the numpy G of the final weights.
            gan = runner.build_model(run, cfg)
            tf.train.Checkpoint(**gan.checkpoint_items()).restore(resumed["checkpoint"]) \
                .expect_partial()
            loaded = tf.saved_model.load(resumed["export"])
            spec = loaded.signatures["serving_default"].structured_input_signature[1]["z"]
            self.assertEqual(spec.shape.as_list(), [None, 2])
            z = np.random.default_rng(4).uniform(-1, 1, (5, 2)).astype("float32")
            points = loaded.signatures["serving_default"](z=tf.constant(z))["points"].numpy()
            self.assertAllClose(points, np_mlp(z, dense_weights(gan.generator)), atol=1e-5)
            self.assertGreater(np.abs(gan.generator.get_layer("h1").kernel.numpy()[1]).max(), 0)

    def test_evaluate_reports_the_axis_alignment(self):
        # `evaluate --run` and the --eval_every records carry E‖∂G/∂z_k‖ and their ratio; the
        # reference is a central difference of the run's generator on the same 101 × 101 grid.
        from tfgan_latent.train import evaluate

        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = growing_run(tmp, steps=6, eval_every=6, eval_samples=50)
            runner.train(run, cfg)
            got = evaluate.evaluate(run.out, num_samples=50)
            gan = evaluate.load_run(Path(run.out))[2]
            v = np.linspace(-1.0, 1.0, 101)
            z = np.stack(np.meshgrid(v, v, indexing="ij"), -1).reshape(-1, 2)
            h = 1e-3
            for k in range(2):
                step = np.zeros(2)
                step[k] = h
                diff = (gan.generator((z + step).astype("float32")).numpy().astype(np.float64)
                        - gan.generator((z - step).astype("float32")).numpy()) / (2 * h)
                self.assertAllClose(got[f"latent_sensitivity_z{k + 1}"],
                                    np.linalg.norm(diff, axis=1).mean(), rtol=2e-2)
            self.assertAllClose(got["axis_ratio"],
                                got["latent_sensitivity_z1"] / got["latent_sensitivity_z2"])
            records = [json.loads(line) for line in
                       (Path(run.out) / "metrics.jsonl").read_text().splitlines()]
            last = [r for r in records if "eval/axis_ratio" in r][-1]
            self.assertAllClose(last["eval/axis_ratio"], got["axis_ratio"], rtol=1e-6)

    def test_mirrored_matches_single_device(self):
        with tempfile.TemporaryDirectory() as tmp:
            last = {}
            for dist in ("none", "mirrored"):
                run, cfg = growing_run(Path(tmp) / dist, 4, {"grow_at": 2.0},
                                       distribute=dist, cpu_devices=2)
                res = runner.train(run, cfg)
                last[dist] = helpers.checkpoint_values(res["checkpoint"])
            for key, value in last["none"].items():
                self.assertAllClose(value, last["mirrored"][key], rtol=1e-4, atol=1e-5, msg=key)

    def test_needs_swiss_roll(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="mlp_growing", dataset="ring8", steps=2)
            with self.assertRaisesRegex(ValueError, "swiss_roll.*'ring8'"):
                runner.train(run, runner.resolve_model_config(run))


# ------------------------------------------------------------------ evaluation
class EvaluationTest(tf.test.TestCase):

    def test_axis_alignment_ratio_of_a_linear_generator(self):
        a = np.array([[3.0, 1.0], [4.0, -2.0]])  # G(z) = A z: column norms 5 and sqrt(5)
        g = lambda z: tf.matmul(z, tf.constant(a.T, tf.float32))
        self.assertAllClose(evaluation.axis_alignment_ratio(g, points_per_axis=11), 5 / math.sqrt(5))
        self.assertAllClose(evaluation.latent_sensitivities(g, points_per_axis=5), [5, math.sqrt(5)])
        flat = lambda z: tf.stack([z[:, 0], 2 * z[:, 0]], axis=1)  # ignores z2
        self.assertEqual(evaluation.axis_alignment_ratio(flat, points_per_axis=5), math.inf)

    def test_roll_distance(self):
        t = np.random.default_rng(5).uniform(1.5 * np.pi, 4.5 * np.pi, 300)
        on = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
        t_hat, dist = evaluation.roll_projection(on)
        self.assertLess(dist.max(), 1e-9)
        self.assertAllClose(t_hat, t, atol=1e-7)
        # Origin: |c(t)| = t, smallest at t = 1.5π.
        self.assertAllClose(evaluation.roll_projection([[0.0, 0.0]])[1], [1.5 * np.pi])
        # c(3π) = (-3π, 0), c'(3π) = (-1, -3π): 0.5 along the unit normal is 0.5 away.
        normal = np.array([3 * np.pi, -1.0]) / math.hypot(3 * np.pi, 1.0)
        p = np.array([-3 * np.pi, 0.0]) + 0.5 * normal
        t_p, d_p = evaluation.roll_projection(p[None])
        self.assertAllClose(d_p, [0.5], atol=1e-9)
        self.assertAllClose(t_p, [3 * np.pi], atol=1e-7)
        # Beyond the end c(4.5π) = (0, 4.5π): 1 above it.
        self.assertAllClose(evaluation.roll_projection([[0.0, 4.5 * np.pi + 1]])[1], [1.0])
        self.assertAllClose(evaluation.mean_roll_distance(np.stack([on[0], p])), 0.25, atol=1e-9)

    def test_spearman_and_figure(self):
        self.assertAllClose(evaluation.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]), 0.8)
        self.assertAllClose(evaluation.spearman([1, 2, 3], [9, 4, 1]), -1.0)
        self.assertEqual(evaluation.dense_latent_grid().shape, (40000, 2))  # code: 0.01 steps
        keras.utils.set_random_seed(0)
        g, d = swiss_roll_generator(2, 1, 4, 1), swiss_roll_discriminator(4, 1)
        with tempfile.TemporaryDirectory() as tmp:
            path = evaluation.save_swiss_roll_figure(g, d, Path(tmp) / "f.png", step=0.1,
                                                     real=np.zeros((3, 2)), title="t")
            self.assertGreater(path.stat().st_size, 1000)

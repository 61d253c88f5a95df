"""The shared GAN base: update schedule, loss wiring, replica maths, config, bad input."""
import json
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_latent.models import nets, variants
from tfgan_latent.models.gan import GAN
from tfgan_latent.train import runner
from tfgan_latent.train import strategy as strategy_lib
from tests import helpers


class CountingSGD(keras.optimizers.SGD):
    """Counts apply() calls (to check the D/G update schedule)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.calls = self.add_variable((), initializer="zeros", name="calls")

    def apply(self, grads, variables=None):
        self.calls.assign_add(1.0)
        return super().apply(grads, variables)


def _linear_gan(cls=GAN, latent_dim=3, **kwargs):
    g = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    return cls(g, d, latent_dim=latent_dim, seed=1, **kwargs)


class ScheduleTest(tf.test.TestCase, parameterized.TestCase):

    @parameterized.parameters((1, 1), (5, 1), (1, 2))
    def test_updates_per_batch(self, d_steps, g_steps):
        gan = _linear_gan(d_steps=d_steps, g_steps=g_steps)
        gan.compile(g_optimizer=CountingSGD(learning_rate=0.01),
                    d_optimizer=CountingSGD(learning_rate=0.01))
        real = np.random.default_rng(0).normal(size=(4 * d_steps * 3, 2)).astype("float32")
        gan.fit(real, batch_size=4 * d_steps, epochs=1, verbose=0, shuffle=False)
        self.assertEqual(float(gan.d_optimizer.calls.numpy()), 3 * d_steps)
        self.assertEqual(float(gan.g_optimizer.calls.numpy()), 3 * g_steps)
        self.assertEqual(int(gan.step.numpy()), 3)

    def test_d_steps_interleave_real_rows(self):
        gan = _linear_gan(d_steps=3)
        real = tf.reshape(tf.range(12, dtype=tf.float32), (6, 2))
        chunks = gan._split_real(real)
        rows = np.arange(12).reshape(6, 2)
        for i, chunk in enumerate(chunks):
            np.testing.assert_array_equal(chunk.numpy(), rows[i::3])


class LossWiringTest(tf.test.TestCase):
    """One D step with SGD on a linear D gives a closed-form update for each objective."""

    def _one_d_step(self, cls, **kwargs):
        gan = _linear_gan(cls, **kwargs)
        gan.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(1.0))
        real = tf.constant(np.random.default_rng(3).normal(size=(8, 2)), tf.float32)
        gan.seed_generator.state.assign([1, 0])
        z = gan.sample_latent(8)
        fake = gan.generator(z).numpy()
        w = gan.discriminator.layers[-1].kernel.numpy().copy()
        b = gan.discriminator.layers[-1].bias.numpy().copy()
        gan.seed_generator.state.assign([1, 0])
        logs = gan._update(lambda: gan.discriminator_losses(real, gan.sample_latent(8)),
                           "d_loss", gan.discriminator_variables, gan.d_optimizer)
        return gan, real.numpy(), fake, w, b, logs

    def test_wgan_d_gradient(self):
        # D(x) = w·x + b: ∂(mean D(fake) − mean D(real))/∂w = mean(fake) − mean(real).
        gan, real, fake, w, b, logs = self._one_d_step(variants.WGANGP, gp_weight=0.0)
        expected = w - (fake.mean(0) - real.mean(0))[:, None]
        self.assertAllClose(gan.discriminator.layers[-1].kernel.numpy(), expected, atol=1e-5)
        d = lambda x: x @ w + b
        self.assertAllClose(logs["d_loss"], d(fake).mean() - d(real).mean(), atol=1e-5)

    def test_lsgan_d_loss_value(self):
        gan, real, fake, w, b, logs = self._one_d_step(variants.LSGAN, a=-1.0, b=1.0, c=0.0)
        d = lambda x: x @ w + b
        expected = 0.5 * np.mean((d(real) - 1.0) ** 2) + 0.5 * np.mean((d(fake) + 1.0) ** 2)
        self.assertAllClose(logs["d_loss"], expected, atol=1e-5)

    def test_wgan_gp_penalty_closed_form_in_step(self):
        # Linear critic: the penalty is λ(‖w‖ − 1)² whatever the interpolation.
        gan, real, fake, w, b, logs = self._one_d_step(variants.WGANGP, gp_weight=10.0)
        self.assertAllClose(logs["penalty"], 10.0 * (np.linalg.norm(w) - 1.0) ** 2, rtol=1e-4)


class ReplicaTest(tf.test.TestCase):

    def test_mirrored_draws_are_slices_of_the_global_draw(self):
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        with strategy.scope():
            gan = _linear_gan()
        expected = keras.random.normal((8, 3), seed=keras.random.SeedGenerator(1)).numpy()
        per_replica = strategy.run(tf.function(lambda: gan.sample_latent(4)))
        parts = [t.numpy() for t in strategy.experimental_local_results(per_replica)]
        self.assertAllClose(np.concatenate(parts), expected)
        self.assertNotAllClose(parts[0], parts[1])

    def test_mirrored_sgd_update_equals_single_device(self):
        # SGD is not scale-invariant (Adam is), so a missing 1/num_replicas shows as 2x steps.
        data = np.random.default_rng(0).normal(size=(16 * 3, 2)).astype("float32")
        weights = {}
        for name, strategy in (("none", tf.distribute.get_strategy()),
                               ("mirrored", strategy_lib.make_strategy("mirrored", 2))):
            keras.utils.set_random_seed(0)
            with strategy.scope():
                gan = _linear_gan(variants.WGANGP, gp_weight=1.0)
                gan.compile(g_optimizer=keras.optimizers.SGD(0.1),
                            d_optimizer=keras.optimizers.SGD(0.1))
            gan.fit(data, batch_size=16, epochs=1, verbose=0, shuffle=False)
            weights[name] = [w.numpy() for w in gan.weights]
        for a, b in zip(weights["none"], weights["mirrored"]):
            self.assertAllClose(a, b, rtol=1e-5, atol=1e-6)

    def test_mirrored_training_matches_single_device(self):
        # Adam amplifies float round-off where a gradient is ~0 (its first steps are ~lr·sign(g)),
        # so conv nets (different oneDNN blockings per batch size) agree to ~1e-3, MLPs tightly.
        # No batch norm here: BN uses per-replica statistics, by design not equal to one device.
        for model, dataset, tol in (("wgan_gp", "ring8", 1e-4), ("wgan_gp", "shapes", 2e-2)):
            with self.subTest(dataset=dataset), tempfile.TemporaryDirectory() as tmp:
                last, ckpt = {}, {}
                for dist in ("none", "mirrored"):
                    cfg = helpers.tiny_run(Path(tmp) / dist, model=model, dataset=dataset,
                                           steps=4, distribute=dist, cpu_devices=2)
                    res = runner.train(cfg, helpers.tiny_model_config(cfg))
                    lines = (Path(res["out"]) / "metrics.jsonl").read_text().splitlines()
                    last[dist], ckpt[dist] = json.loads(lines[-1]), res["checkpoint"]
                for key in ("d_loss", "g_loss", "d_real", "d_fake", "penalty"):
                    self.assertAllClose(last["none"][key], last["mirrored"][key], rtol=tol, atol=tol)
                if dataset == "ring8":
                    helpers.assert_same_checkpoints(self, ckpt["none"], ckpt["mirrored"],
                                                    exact=False, rtol=1e-4, atol=1e-5)


class RegistrationTest(tf.test.TestCase):

    def test_base_and_variant_classes_resolve_to_themselves(self):
        """Saved .keras files name their classes: each must resolve back to itself."""
        from tfgan_latent.models.gan import TrainedModel

        for cls in (TrainedModel, GAN, variants.DCGAN, variants.WGANGP):
            name = keras.saving.get_registered_name(cls)
            self.assertEqual(name, f"tfgan_latent>{cls.__name__}")
            self.assertIs(keras.saving.get_registered_object(name), cls)


class InputAndConfigTest(tf.test.TestCase):

    def test_wrong_latent_shape_names_z(self):
        gan = _linear_gan()
        with self.assertRaisesRegex(ValueError, r"`z` must have shape \[batch, 3\]"):
            gan.generate(np.zeros((2, 4), np.float32))
        with self.assertRaisesRegex(ValueError, "`z`"):
            gan.generate(np.zeros((3,), np.float32))

    def test_constructor_validation(self):
        with self.assertRaisesRegex(ValueError, "`d_steps` must be a positive int"):
            _linear_gan(d_steps=0)
        with self.assertRaisesRegex(ValueError, "`latent_distribution`"):
            _linear_gan(latent_distribution="cauchy")

    def test_unsupported_image_size(self):
        with self.assertRaisesRegex(ValueError, r"`image_size` must be one of .*got 48"):
            nets.dcgan_generator(100, 48)

    def test_keras_file_round_trip(self):
        g = nets.dcgan_generator(8, 16, 3, width=4)
        d = nets.dcgan_discriminator(16, 3, width=4, normalization="layer")
        gan = variants.WGANGP(g, d, latent_dim=8, gp_weight=3.0, d_steps=2, seed=4)
        gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(2e-3))
        z = np.random.default_rng(0).normal(size=(2, 8)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "gan.keras"
            gan.save(path)
            loaded = keras.models.load_model(path)
        self.assertIsInstance(loaded, variants.WGANGP)
        self.assertEqual((loaded.gp_weight, loaded.d_steps, loaded.latent_dim), (3.0, 2, 8))
        self.assertAllClose(loaded.generate(z), gan.generate(z))
        self.assertAllClose(float(loaded.d_optimizer.learning_rate), 2e-3)


if __name__ == "__main__":
    tf.test.main()

"""The generator weight average (``--ema_decay``, ``models.gan.GAN``) in the paper models with
their own ``train_step``: G-LIS (the base step), R-iterative, BEGAN / BEGAN-CS, the Swiss-roll
MLP growing model, a growing CNN across a cycle's growth, and ``wgan_gp_resize``.

Each model is built through its registry builder from a config with ``ema_decay`` (the flag's
plumbing), its trainable weights and biases drawn at random, and trained a few single steps;
after every step the average is checked against a numpy recursion over the live weights read
after that step, ``a <- d a + (1 - d) w`` with ``d = min(β, (1 + t) / (10 + t))`` at step
``t = 1, 2, ...`` (the rule ``GAN``'s docstring states). ``ema_decay = 0`` must keep no average
and train the same live weights bit for bit.
"""
import json
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tests import helpers
from tfgan_latent.papers.growing import cnn
from tfgan_latent.papers.growing.models import GrowingGAN
from tfgan_latent.papers.lis import RSeparate
from tfgan_latent.papers.lis.registration import load_finished_run
from tfgan_latent.train import registry, runner

BETA = 0.5  # (1 + t) / (10 + t) < 0.5 for t <= 7: every step here uses the warm-up branch
MODELS = {  # model: (data set, run settings, model settings)
    "glis": ("ring8", {}, dict(latent_dim=3, mlp_units=8, mlp_layers=2, lis_modules=2, lr=1e-2)),
    "r_iterative": ("ring8", {}, dict(latent_dim=3, mlp_units=8, mlp_layers=2, r_iterations=1,
                                      lr=1e-2)),
    "began": ("ring8", {}, dict(latent_dim=3, mlp_units=8, g_lr=1e-2, d_lr=1e-2)),
    "began_cs": ("ring8", {}, dict(latent_dim=3, mlp_units=8, g_lr=1e-2, d_lr=1e-2)),
    # growth at step 1 (--grow_at=1): the second step grows G's latent 1 -> 2
    "mlp_growing": ("swiss_roll", {}, dict(mlp_units=8, mlp_layers=2, d_updates=2, g_updates=3,
                                           grow_at=1.0, lr=1e-2)),
    "wgan_gp_resize": ("shapes", {"image_size": 16}, dict(latent_dim=4, width=4, d_steps=2,
                                                          g_lr=1e-2, d_lr=1e-2)),
}
# Models whose own train_step now updates the average: with ema_decay = 0 they must train the
# same weights bit for bit as with an average (G-LIS and wgan_gp_resize run GAN's step, and
# BEGAN is BEGAN-CS's class; left out to keep the test fast).
SAME_TRAJECTORY = ("r_iterative", "began_cs", "mlp_growing")


def _run(tmp, model, ema_decay, dataset, run_extra, model_extra):
    run = helpers.tiny_run(tmp, model=model, dataset=dataset, batch_size=4,
                           steps_per_execution=1, **{"steps": 8, **run_extra})
    return run, runner.resolve_model_config(run, {**model_extra, "ema_decay": ema_decay})


def _randomize(model, seed):
    """Every trainable weight, biases included, N(0, 0.3²): no zero biases, no fresh init."""
    rng = np.random.default_rng(seed)
    for w in model.trainable_weights:
        w.assign(rng.normal(0.0, 0.3, w.shape).astype(w.dtype))


def _real(run, model, n_steps, rows):
    """``n_steps`` batches of ``rows`` real examples of the run's kind."""
    rng = np.random.default_rng(3)
    if run.dataset == "shapes":
        shape = (rows, run.image_size, run.image_size, 3)
        return [np.tanh(rng.normal(0, 1, shape)).astype("float32") for _ in range(n_steps)]
    return [rng.normal(0, 1, (rows, 2)).astype("float32") for _ in range(n_steps)]


def _live(gan):
    return [v.numpy().astype(np.float64) for v in gan.generator_variables]


def _step(gan, batch):
    gan.fit(batch, batch_size=len(batch), epochs=1, verbose=0, shuffle=False)


class AverageRecursionMixin:

    def assert_average_follows(self, gan, batches, reference=None):
        """Trains ``gan`` one step per batch; after each, its average equals the numpy
        recursion from ``reference`` (default: the live weights now, where a fresh average
        starts) and differs from the live weights (so a missed or doubled update shows)."""
        average = _live(gan) if reference is None else reference
        for got, want in zip(gan.generator_average, average):
            np.testing.assert_array_equal(got.numpy(), np.asarray(want, got.dtype))
        for batch in batches:
            t_before = int(gan.step.numpy())
            _step(gan, batch)
            t = int(gan.step.numpy())
            self.assertEqual(t, t_before + 1)  # one train_step, counted once
            live = _live(gan)
            decay = min(BETA, (1.0 + t) / (10.0 + t))
            average = [decay * a + (1.0 - decay) * w for a, w in zip(average, live)]
            for got, want in zip(gan.generator_average, average):
                self.assertAllClose(got.numpy(), want, rtol=1e-5, atol=1e-6,
                                    msg=f"{gan.name} average at step {t}")
            gap = max(np.abs(a - w).max() for a, w in zip(average, live))
            self.assertGreater(gap, 1e-4)  # the average is not the live net
        return average


class PaperModelAverageTest(AverageRecursionMixin, tf.test.TestCase):

    def _build(self, tmp, model, ema_decay, seed=11):
        dataset, run_extra, model_extra = MODELS[model]
        run, cfg = _run(tmp, model, ema_decay, dataset, run_extra, model_extra)
        keras.utils.set_random_seed(run.seed)
        gan = registry.get_model_spec(model).build(run, cfg)
        for net in (gan.generator, gan.discriminator, getattr(gan, "reverser", None)):
            if net is not None:
                _randomize(net, seed)
        if model == "mlp_growing":  # the new rows start at 0 (§6.1): keep that invariant
            layer = gan.growing_layer
            kernel = layer.kernel.numpy()
            kernel[layer.old_input_dim:] = 0.0
            layer.kernel.assign(kernel)
        if ema_decay:  # the average starts at the weights training starts from
            for average, live in gan.average_pairs():
                average.assign(live.value)
        return run, gan

    def test_average_per_step_and_no_average_at_zero(self):
        for model in MODELS:
            with self.subTest(model=model), tempfile.TemporaryDirectory() as tmp:
                run, gan = self._build(tmp, model, BETA)
                self.assertEqual(gan.ema_decay, BETA)
                self.assertEqual(gan.get_config()["ema_decay"], BETA)
                self.assertEqual(len(gan.generator_average), len(gan.generator_variables))
                items = gan.checkpoint_items()["generator_average"]
                self.assertEqual(len(items), len(gan.generator_variables))
                batches = _real(run, model, 3, 4 * gan.d_steps)
                self.assert_average_follows(gan, batches)
                if model == "mlp_growing":
                    self.assertEqual(float(gan.growing_layer.beta.numpy()), 1.0)  # it grew

                _, plain = self._build(tmp, model, 0.0)
                self.assertEqual(plain.ema_decay, 0.0)
                self.assertEqual(plain.generator_average, [])
                self.assertEqual(plain.average_pairs(), ())
                self.assertNotIn("generator_average", plain.checkpoint_items())
                if model not in SAME_TRAJECTORY:
                    continue
                for batch in batches:
                    _step(plain, batch)
                for a, b in zip(plain.generator_variables + plain.discriminator_variables,
                                gan.generator_variables + gan.discriminator_variables):
                    np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=model)

    def test_checkpoint_restores_the_average_exactly(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, gan = self._build(tmp, "began_cs", BETA)
            for batch in _real(run, "began_cs", 2, 4):
                _step(gan, batch)
            path = tf.train.Checkpoint(**gan.checkpoint_items()).save(str(Path(tmp) / "ckpt"))
            _, fresh = self._build(tmp, "began_cs", BETA, seed=12)
            tf.train.Checkpoint(**fresh.checkpoint_items()).restore(path).assert_consumed()
            for a, b in zip(gan.generator_average, fresh.generator_average):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
            z = np.random.default_rng(0).uniform(-1, 1, (5, gan.latent_dim)).astype("float32")
            with gan.averaged(), fresh.averaged():  # G(Enc(x)) and samples use the average
                np.testing.assert_array_equal(gan.generate(z).numpy(), fresh.generate(z).numpy())

    def test_a_train_step_that_keeps_no_average_is_refused(self):
        g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        r = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        with self.assertRaisesRegex(ValueError, "`ema_decay` is not supported by RSeparate"):
            RSeparate(g, d, r, latent_dim=2, ema_decay=0.9)
        RSeparate(g, d, r, latent_dim=2)  # without an average it builds

        class OwnStep(GrowingGAN):  # overrides a declaring class's train_step, declares nothing
            def train_step(self, data):
                return super().train_step(data)

        arch = cnn.growth_plan("bgan", 8, 4, 8)[0]
        net_g, net_d = cnn.build_generator(arch), cnn.build_discriminator(arch)
        with self.assertRaisesRegex(ValueError, r"`ema_decay` is not supported by OwnStep, whose "
                                                r"train_step \(OwnStep.train_step\)"):
            OwnStep(net_g, net_d, arch=arch, image_size=8, latent_dim=4, ema_decay=0.9)
        GrowingGAN(net_g, net_d, arch=arch, image_size=8, latent_dim=4, ema_decay=0.9)


class GrowingCycleAverageTest(AverageRecursionMixin, tf.test.TestCase):
    """bgGAN (z 4 -> 8 at 8 px): the average carried through the growth into cycle 2's nets."""

    def test_average_runs_on_across_the_growth(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="bggan", dataset="shapes", steps=6, batch_size=4,
                                   image_size=8, steps_per_execution=1)
            cfg = runner.resolve_model_config(run, dict(latent_dim=8, top=8, lr=1e-2,
                                                        ema_decay=BETA))
            keras.utils.set_random_seed(run.seed)
            stages = registry.model_stages(run, cfg)
            self.assertEqual(len(stages), 2)
            first = stages[0].build(None)
            _randomize(first.generator, 1)
            _randomize(first.discriminator, 2)
            for average, live in first.average_pairs():
                average.assign(live.value)
            batches = _real(run, "bggan", 4, 4)
            self.assertEqual(stages[0].end_step, 2)
            self.assert_average_follows(first, batches[:2])

            grown = stages[1].build(first)  # as runner._grow: weights and average transferred
            grown.step.assign(first.step)
            grown.seed_generator.state.assign(first.seed_generator.state)
            # Entry by entry: where the average differs from the live weights, it carries the
            # old average's difference from the old live weights (the old, leading entries),
            # and every new entry equals the grown net's own value.
            old = {v.path: (a.numpy(), v.numpy()) for a, v in first.average_pairs()}
            grown_shapes = 0
            for average, live in grown.average_pairs():
                diff = average.numpy() - live.numpy()
                self.assertIn(live.path, old)  # bgGAN: the same layers, some of them larger
                old_average, old_live = old[live.path]
                grown_shapes += old_live.shape != tuple(live.shape)
                old_diff = old_average - old_live
                self.assertEqual(np.count_nonzero(diff), np.count_nonzero(old_diff), live.path)
                np.testing.assert_array_equal(np.sort(diff[diff != 0]),
                                              np.sort(old_diff[old_diff != 0]), err_msg=live.path)
            self.assertGreater(grown_shapes, 0)  # the growth made some variables larger
            # At the growth (β = 0) the averaged grown G computes the averaged old G's images.
            z = grown.fixed_latents(6, 0)
            with first.averaged():
                before = first.output_generator(z, training=False).numpy()
            with grown.averaged():
                after = grown.output_generator(z, training=False).numpy()
            self.assertAllClose(after, before, rtol=1e-5, atol=1e-5)
            self.assertGreater(np.abs(after - grown.output_generator(z).numpy()).max(), 1e-4)
            # Cycle 2 trains on from the carried average.
            carried = [a.numpy().astype(np.float64) for a in grown.generator_average]
            self.assert_average_follows(grown, batches[2:], reference=carried)

    def test_without_average_no_transfer(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="bggan", dataset="shapes", steps=6, batch_size=4,
                                   image_size=8, steps_per_execution=1)
            cfg = runner.resolve_model_config(run, dict(latent_dim=8, top=8))
            stages = registry.model_stages(run, cfg)
            grown = stages[1].build(stages[0].build(None))
            self.assertEqual(grown.generator_average, [])
            self.assertNotIn("generator_average", grown.checkpoint_items())


class TrainerTest(tf.test.TestCase):

    def test_glis_run_files_and_r_separate_see_the_average(self):
        """A G-LIS run with an average: its checkpoint keeps it, ``lis_modules.json`` (the
        run's own files) is computed with it, and ``r_separate --from_run`` inverts it. The
        reference is the live generator with the checkpoint's average tensors assigned by hand
        (not through the library's swap)."""
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(Path(tmp) / "g", model="glis", dataset="ring8", steps=4)
            cfg = runner.resolve_model_config(run, dict(latent_dim=3, mlp_units=8, mlp_layers=2,
                                                        lis_modules=1, lr=1e-2, ema_decay=BETA))
            result = runner.train(run, cfg)
            values = helpers.checkpoint_values(result["checkpoint"])
            keys = sorted((k for k in values if k.startswith("generator_average/")),
                          key=lambda k: int(k.split("/")[1]))
            gan = runner.restore_latest(run, cfg, Path(run.out) / "checkpoints")[2]
            self.assertEqual(len(keys), len(gan.generator_variables))
            live = [v.numpy() for v in gan.generator_variables]
            for key, v in zip(keys, gan.generator_variables):
                v.assign(values[key])
            self.assertGreater(max(np.abs(v.numpy() - w).max()
                                   for v, w in zip(gan.generator_variables, live)), 1e-4)
            stats = json.loads((Path(run.out) / "lis_modules.json").read_text())
            z = gan.fixed_latents(stats["latents"], stats["seed"])
            expected = gan.module_diagnostics(z)
            for key, value in expected.items():
                self.assertAllClose(stats[key], value, rtol=1e-5, atol=1e-6, msg=key)

            rrun = helpers.tiny_run(Path(tmp) / "r", model="r_separate", dataset="ring8", steps=2)
            src, _ = load_finished_run(run.out, rrun)
            for got, want in zip(src.generator.trainable_variables, gan.generator_variables):
                np.testing.assert_array_equal(got.numpy(), want.numpy())


if __name__ == "__main__":
    tf.test.main()

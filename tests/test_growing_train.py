"""Growing thesis CNN training: cycle schedule, fades per step, latent prior, WGAN-GP closed
form, staged runs through every cycle, resume mid-fade, export of the final generator.

References are independent: schedule arithmetic from the thesis's epoch list, numpy box
pooling / nearest upsampling for the real images, the closed form (‖w‖ - 1)² of a linear
critic's penalty, and the table-derived parameter counts of ``test_growing_cnn``.
"""
import contextlib
import gc
import json
import logging
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tests import helpers
from tests.test_growing_cnn import _pool, randomize, table_count, trainable
from tfgan_latent.layers import AlphaFade, MinibatchStddev
from tfgan_latent.papers.growing import cnn
from tfgan_latent.papers.growing.models import GrowingGAN, cycle_schedule
from tfgan_latent.papers.growing.registration import cycle_stages
from tfgan_latent.train import runner
from tfgan_latent.train.config import RunConfig

SMALL = {"latent_dim": 8, "top": 8}  # image 8: two cycles (4 px, 8 px)


def growing_run(tmp, model="clggan", steps=12, image_size=8, overrides=None, **kwargs):
    values = dict(model=model, dataset="shapes", steps=steps, batch_size=4, log_every=1,
                  sample_every=steps, checkpoint_every=1, image_size=image_size, num_images=32,
                  out=str(Path(tmp) / "run"), export_dir=str(Path(tmp) / "export"), verbose=0)
    values.update(kwargs)
    run = RunConfig(**values)
    return run, runner.resolve_model_config(run, {**SMALL, **(overrides or {})})


@contextlib.contextmanager
def _tensorflow_warnings():
    """The messages TensorFlow's logger warns with inside the block."""
    messages = []

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    logger, handler = tf.get_logger(), Keep(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def _up(x, f):
    return x.repeat(f, 1).repeat(f, 2)


class ScheduleTest(tf.test.TestCase):

    def test_thesis_schedule(self):
        per_epoch = 202_599 // 16 + 1  # CelebA, batch 16: 12,662 iterations per epoch (§7.2.3)
        steps = 44 * per_epoch
        cum = np.cumsum([4, 8, 8, 8, 8, 8]) * per_epoch
        for model in ("bggan", "cggan", "lggan", "clggan"):
            plan = cycle_schedule(model, 6, steps)
            self.assertEqual([c.end for c in plan], cum.tolist())
            self.assertEqual([c.start for c in plan], [0] + cum[:-1].tolist())
            first_fade = 4 * per_epoch if model in ("bggan", "cggan") else 0  # A14
            self.assertEqual([c.fade for c in plan], [first_fade] + [4 * per_epoch] * 5)
        self.assertEqual([(c.start, c.end, c.fade) for c in cycle_schedule("bgan", 6, steps)],
                         [(0, steps, 0)])

    def test_short_runs_visit_every_cycle(self):
        for steps, fade_epochs in ((7, 4), (8, 4), (13, 4), (100, 4), (13, 8), (100, 12)):
            plan = cycle_schedule("clggan", 4, steps, fade_epochs=fade_epochs)
            self.assertEqual(plan[-1].end, steps)
            for prev, cur in zip(plan, plan[1:]):
                self.assertEqual(cur.start, prev.end)
                # The fade ends inside the cycle: its last step runs at p = 1.
                self.assertBetween(cur.fade, 1, cur.end - cur.start - 1)
        for steps in (3, 6):
            with self.assertRaisesRegex(ValueError, f"--steps={steps} is too few for 4 cycles.*"
                                                    "--steps >= 7"):
                cycle_schedule("lggan", 4, steps)
        with self.assertRaisesRegex(ValueError, "`model` must be one of"):
            cycle_schedule("pggan", 4, 30)
        with self.assertRaisesRegex(ValueError, "`fade_epochs` must be a positive int"):
            cycle_schedule("lggan", 4, 30, fade_epochs=0)


def _cycle_gan(model, cycle, steps=(0, 4), image_size=8, **kwargs):
    """A GrowingGAN of ``cycle`` (1-based) at the SMALL scale, compiled."""
    plan = cnn.growth_plan(model, image_size, SMALL["latent_dim"], SMALL["top"])
    arch, prev = plan[cycle - 1], plan[cycle - 2] if cycle > 1 else None
    gan = GrowingGAN(cnn.build_generator(arch, prev), cnn.build_discriminator(arch, prev),
                     arch=arch, image_size=image_size, cycle_start=steps[0], fade_steps=steps[1],
                     latent_dim=SMALL["latent_dim"], seed=3, **kwargs)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.99, 1e-8),
                d_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.99, 1e-8))
    return gan


def _schedule_values(gan):
    betas = {float(l.beta.numpy()) for n in (gan.generator, gan.discriminator)
             for l in n.layers if hasattr(l, "grow_from")}
    alphas = {float(l.alpha.numpy()) for n in (gan.generator, gan.discriminator)
              for l in n.layers if isinstance(l, AlphaFade)}
    taus = {float(l.tau.numpy()) for l in gan.discriminator.layers
            if isinstance(l, MinibatchStddev) and l.tau is not None}
    return betas, alphas, taus


class CycleModelTest(tf.test.TestCase, parameterized.TestCase):

    def test_fades_follow_the_step(self):
        gan = _cycle_gan("clggan", 2, steps=(10, 4))
        gan.step.assign(10)
        ds = tf.data.Dataset.from_tensor_slices(
            np.random.default_rng(0).uniform(-1, 1, (40, 8, 8, 3)).astype("float32")).batch(4)
        for i in range(6):  # iteration i of the cycle runs at p = min(1, i / 4)
            gan.fit(ds.skip(i).take(1), steps_per_epoch=1, epochs=1, verbose=0)
            p = min(1.0, i / 4)
            betas, alphas, taus = _schedule_values(gan)
            self.assertEqual(betas, {p})
            self.assertEqual(alphas, {p})
            self.assertEqual(taus, {0.5 * p})
            self.assertAllClose(gan.trackers["fade"].result(), p)
            gan.trackers["fade"].reset_state()

    def test_d_and_g_steps_share_z(self):
        """One batch_z feeds both updates (code subGAN.train; n_critic = 1)."""
        seen = {}

        class Spy(GrowingGAN):
            def discriminator_losses(self, real, z):
                seen["d"] = z.numpy()
                return super().discriminator_losses(real, z)

            def generator_losses(self, z):
                seen["g"] = z.numpy()
                return super().generator_losses(z)

        plan = cnn.growth_plan("clggan", 8, 8, 8)
        gan = Spy(cnn.build_generator(plan[0]), cnn.build_discriminator(plan[0]), arch=plan[0],
                  image_size=8, latent_dim=8, seed=1)
        gan.compile(g_optimizer="adam", d_optimizer="adam", run_eagerly=True)
        gan.fit(tf.zeros((4, 8, 8, 3)), batch_size=4, epochs=1, verbose=0)
        self.assertEqual(seen["d"].shape, (4, 4))
        self.assertAllEqual(seen["d"], seen["g"])

    def test_first_cycle_keeps_its_nets_plain(self):
        gan = _cycle_gan("cggan", 1, steps=(0, 4))  # cycle 1 fades only the real images
        gan.fit(tf.zeros((4, 8, 8, 3)), batch_size=4, epochs=1, verbose=0)
        betas, alphas, taus = _schedule_values(gan)
        self.assertEqual((betas, alphas, taus), ({1.0}, set(), {0.5}))

    @parameterized.parameters(("clggan", 2, 0.25), ("lggan", 1, 0.0), ("cggan", 1, 0.5),
                              ("bggan", 2, 0.75), ("bgan", 1, 0.3))
    def test_discriminator_reals_vs_numpy(self, model, cycle, p):
        gan = _cycle_gan(model, cycle, image_size=16)
        x = np.random.default_rng(1).uniform(-1, 1, (3, 16, 16, 3)).astype("float32")
        got = gan.discriminator_reals(tf.constant(x), tf.constant(p)).numpy()
        if model == "bgan":
            want = x
        elif model in ("lggan", "clggan"):  # Fig. 5: down to r, fade r/2 -> r in grown cycles
            r = 4 * 2 ** (cycle - 1)
            x_r = _pool(x, 16 // r)
            want = x_r if cycle == 1 else (1 - p) * _up(_pool(x_r, 2), 2) + p * x_r
        else:  # Fig. 4: content at r = 4 * 2^(cycle-1), faded from r / 2, shown at 16 px
            r = 4 * 2 ** (cycle - 1)
            want = ((1 - p) * _up(_pool(x, 32 // r), 32 // r) + p * _up(_pool(x, 16 // r), 16 // r))
        self.assertAllClose(got, want, atol=1e-6)

    def test_unit_norm_prefix_latents(self):
        final = _cycle_gan("clggan", 2)
        first = _cycle_gan("clggan", 1)
        z = final.sample_latent(5).numpy()
        self.assertAllClose(np.linalg.norm(z, axis=1), np.ones(5), atol=1e-6)
        self.assertAllClose(first.sample_latent(5).numpy(), z[:, :4])  # same seed: a prefix
        batch = _cycle_gan("clggan", 2, latent_normalization="batch").sample_latent(5).numpy()
        self.assertAllClose(np.linalg.norm(batch), 1.0, atol=1e-6)  # growing.md A2
        fixed = final.fixed_latents(7, 0)
        self.assertAllClose(np.linalg.norm(fixed, axis=1), np.ones(7), atol=1e-6)

    def test_linear_critic_loss_closed_form(self):
        """L_D = E[D(G(z))] - E[D(x)] + 10 (‖w‖ - 1)² for D(x) = <w, x> + b (§4.6, Eq. 14)."""
        gan = _cycle_gan("bgan", 1, image_size=8)
        rng = np.random.default_rng(2)
        w = rng.normal(size=(8 * 8 * 3, 1)).astype("float32")
        critic = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(),
                                   keras.layers.Dense(1)])
        critic.layers[-1].set_weights([w, np.array([0.3], "float32")])
        gan.discriminator = critic
        real = rng.uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
        z = gan.sample_latent(4)
        fake = gan.generator(z).numpy()
        logs = gan.discriminator_losses(tf.constant(real), z)
        d = lambda x: x.reshape(len(x), -1) @ w[:, 0] + 0.3
        gp = 10 * (np.linalg.norm(w) - 1) ** 2
        self.assertAllClose(logs["penalty"], gp, rtol=1e-5)
        self.assertAllClose(logs["d_loss"], d(fake).mean() - d(real).mean() + gp, rtol=1e-5)

    def test_config_round_trip_and_bad_arguments(self):
        gan = _cycle_gan("clggan", 2, steps=(3, 2))
        clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(gan))
        self.assertEqual((clone.arch, clone.cycle_start, clone.fade_steps),
                         (gan.arch, 3, 2))
        clone.generator.set_weights(gan.generator.get_weights())
        z = gan.fixed_latents(3, 0)
        self.assertAllClose(clone.generate(z), gan.generate(z))
        arch = cnn.growth_plan("clggan", 8, 8, 8)[1]
        g, d = cnn.build_generator(arch), cnn.build_discriminator(arch)
        with self.assertRaisesRegex(ValueError, "`d_steps` must be 1"):
            GrowingGAN(g, d, arch=arch, image_size=8, latent_dim=8, d_steps=5)
        with self.assertRaisesRegex(ValueError, "`latent_normalization` must be one of"):
            GrowingGAN(g, d, arch=arch, image_size=8, latent_dim=8, latent_normalization="l2")
        with self.assertRaisesRegex(ValueError, "more than latent_dim=4"):
            GrowingGAN(g, d, arch=arch, image_size=8, latent_dim=4)
        with self.assertRaisesRegex(ValueError, "`image_size`=12 must be a multiple"):
            GrowingGAN(g, d, arch=arch, image_size=12, latent_dim=8)

    def test_max_leaky_relu(self):
        layer = cnn.MaxLeakyReLU(0.2)
        x = tf.constant([-2.0, 0.0, 3.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        self.assertAllClose(y, [-0.4, 0.0, 3.0])
        self.assertAllClose(tape.gradient(y, x), [0.2, 1.0, 1.0])  # code's tf.maximum at 0
        clone = cnn.MaxLeakyReLU.from_config(layer.get_config())
        self.assertEqual(clone.negative_slope, 0.2)
        with self.assertRaisesRegex(ValueError, "`negative_slope` must be in"):
            cnn.MaxLeakyReLU(1.5)


class StagedRunTest(tf.test.TestCase):

    def test_every_cycle_ends_at_the_final_architecture_and_exports_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = growing_run(tmp, "clggan", steps=9, image_size=16)
            stages = cycle_stages("clggan")(run.resolved(), cfg)
            self.assertEqual([s.name for s in stages], ["cycle_1", "cycle_2", "cycle_3"])
            res = runner.train(run, cfg)
            ckpts = Path(res["out"]) / "checkpoints"
            self.assertEqual(sorted(p.name for p in ckpts.iterdir()),
                             ["cycle_1", "cycle_2", "cycle_3"])
            metrics = [json.loads(l) for l in (Path(res["out"]) / "metrics.jsonl").open()]
            # 9 steps over epochs 4, 8, 8: cycles [0, 2), [2, 5), [5, 9), fades of 2 steps.
            want = [1.0, 1.0, 0.0, 0.5, 1.0, 0.0, 0.5, 1.0, 1.0]
            self.assertAllClose([m["fade"] for m in metrics], want)

            # The restored last cycle: per-cycle counts without the fade-only branches.
            run = run.resolved()
            *_, gan, _, restored = runner.restore_latest(run, cfg, ckpts)
            self.assertEqual(restored, res["checkpoint"])
            fade_only = (trainable(gan.generator.get_layer("to_rgb_old"))
                         + trainable(gan.discriminator.get_layer("from_rgb_old")))
            count = trainable(gan.generator) + trainable(gan.discriminator) - fade_only
            self.assertEqual(count, table_count("clggan", 3, image_size=16, latent=8, top=8))
            self.assertEqual(_schedule_values(gan), ({1.0}, {1.0}, {0.5}))

            loaded = tf.saved_model.load(res["export"])
            serve = loaded.signatures["serving_default"]
            self.assertEqual(serve.structured_input_signature[1]["z"].shape.as_list(), [None, 8])
            z = gan.fixed_latents(5, 1)
            images = serve(z=tf.constant(z))["images"].numpy()
            self.assertEqual(images.shape, (5, 16, 16, 3))
            self.assertAllClose(images, gan.generate(z), atol=1e-6)
            plain = gan.serving_generator()  # the final architecture with no fade branch
            self.assertEqual(trainable(plain), trainable(gan.generator) -
                             trainable(gan.generator.get_layer("to_rgb_old")))

    def test_stage_build_grows_continuously(self):
        """A stage built from the previous one starts where it ended (§6.2.7), new Adam."""
        with tempfile.TemporaryDirectory() as tmp:
            for model in ("bggan", "clggan"):
                run, cfg = growing_run(tmp, model, steps=6)
                first, second = cycle_stages(model)(run.resolved(), cfg)
                old = first.build(None)
                rng = np.random.default_rng(3)
                randomize(old.generator, rng)  # non-zero biases everywhere, then real steps
                randomize(old.discriminator, rng)
                r = run.image_size  # the data set's size: D sees it pooled to its own
                for _ in range(2):
                    old.train_step(tf.constant(rng.uniform(
                        -1, 1, (4 * old.d_steps, r, r, 3)).astype("float32")))
                old.g_optimizer.iterations.assign(7)
                new = second.build(old)
                self.assertEqual(int(new.g_optimizer.iterations.numpy()), 0)
                z = old.fixed_latents(4, 0)
                f = new.arch.resolution // old.arch.resolution
                self.assertAllClose(new.generate(z), _up(old.generate(z).numpy(), f), atol=1e-5)
                x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
                self.assertAllClose(new.discriminator(x),
                                    old.discriminator(_pool(x, f)), atol=1e-5)

    def test_resume_mid_fade_and_at_a_cycle_start_is_bitwise(self):
        with tempfile.TemporaryDirectory() as tmp:
            over = {"schedule_steps": 8}  # cycles [0, 3), [3, 8); the fade is steps 3, 4, 5
            run, cfg = growing_run(Path(tmp) / "a", "cggan", steps=8, overrides=over)
            straight = runner.train(run, cfg)
            for steps in (3, 5, 8):  # stop at the cycle-1 end, then mid-fade
                run, cfg = growing_run(Path(tmp) / "b", "cggan", steps=steps, overrides=over)
                resumed = runner.train(run, cfg)
                if steps == 5:
                    values = helpers.checkpoint_values(resumed["checkpoint"])
            helpers.assert_same_checkpoints(self, straight["checkpoint"], resumed["checkpoint"])
            # The z / γ stream continues across the growth: the seed state moves on by the
            # same amount per step in both cycles.
            seed = lambda c, s: helpers.checkpoint_values(
                Path(tmp) / f"a/run/checkpoints/cycle_{c}/ckpt-{s}")["seed_state/.ATTRIBUTES/VARIABLE_VALUE"]
            per_step = seed(1, 3) - seed(1, 2)
            self.assertGreater(np.abs(per_step).sum(), 0)
            self.assertAllEqual(seed(2, 8), seed(1, 3) + 5 * per_step)
            self.assertEqual(values["cycle_schedule/.ATTRIBUTES/VARIABLE_VALUE"].tolist(), [2, 3, 3])
            betas = {float(v) for k, v in values.items()
                     if k.endswith("beta/.ATTRIBUTES/VARIABLE_VALUE")}
            self.assertEqual(betas, {float(np.float32(1 / 3))})  # step 4 ran at p = 1/3

    def test_steps_are_fixed_without_schedule_steps(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = growing_run(tmp, "lggan", steps=3)
            runner.train(run, cfg)
            run, cfg = growing_run(tmp, "lggan", steps=4)
            with self.assertRaisesRegex(ValueError, "steps: 3 -> 4"):
                runner.train(run, cfg)
            run, cfg = growing_run(Path(tmp) / "points", "lggan", steps=3, dataset="ring8")
            with self.assertRaisesRegex(ValueError, "trains on RGB images"):
                runner.train(run, cfg)

    def test_mirrored_run_fades(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = growing_run(tmp, "clggan", steps=6, distribute="mirrored", cpu_devices=2)
            res = runner.train(run, cfg)
            metrics = [json.loads(l) for l in (Path(res["out"]) / "metrics.jsonl").open()]
            self.assertAllClose([m["fade"] for m in metrics], [1.0, 1.0, 0.0, 0.5, 1.0, 1.0])
            values = helpers.checkpoint_values(res["checkpoint"])
            betas = {float(v) for k, v in values.items()
                     if k.endswith("beta/.ATTRIBUTES/VARIABLE_VALUE")}
            self.assertEqual(betas, {1.0})


class GrowOnTest(tf.test.TestCase):
    """``grow``: a finished run continued by one cycle (§6), lgGAN / clgGAN to the next
    resolution, bgGAN / cgGAN to the next latent size."""

    def test_grown_cycle_starts_where_the_run_ended(self):
        """At the new cycle's start (β = α = 0) the grown nets compute the finished ones'
        outputs: G on the first latent_dim coordinates of z (upsampled where the resolution
        doubled), D on the images pooled to the old resolution; random non-zero weights and
        biases, after real steps."""
        import dataclasses

        from tfgan_latent.papers.growing.grow import GROWABLE, next_sizes

        with tempfile.TemporaryDirectory() as tmp:
            for model in GROWABLE:
                with self.subTest(model=model):
                    run, cfg = growing_run(Path(tmp) / model, model, steps=6)
                    run = run.resolved()
                    old = cycle_stages(model)(run, cfg)[-1].build(None)
                    old.step.assign(4)  # the cycle's last two steps (6 in all): fade done, p = 1
                    rng = np.random.default_rng(5)
                    randomize(old.generator, rng)
                    randomize(old.discriminator, rng)
                    for _ in range(2):
                        old.train_step(tf.constant(rng.uniform(
                            -1, 1, (4, run.image_size, run.image_size, 3)).astype("float32")))
                    size, latent, top, extra = next_sizes(model, run, cfg)
                    new_cfg = dataclasses.replace(cfg, latent_dim=latent, top=top,
                                                  extra_cycles=extra, grown_from_steps=6)
                    new_run = dataclasses.replace(run, image_size=size, steps=12)
                    # cgGAN's widths are capped by top: growing z past it adds no 4x4 channels.
                    with (self.assertWarnsRegex(UserWarning, "adds no channels at 4x4")
                          if model == "cggan" else contextlib.nullcontext()):
                        stages = cycle_stages(model)(new_run, new_cfg)
                    self.assertLen(stages, len(cycle_stages(model)(run, cfg)) + 1)
                    new = stages[-1].build(old)
                    self.assertEqual(new.latent_dim, latent)
                    z = new.fixed_latents(4, 0)
                    f = new.arch.resolution // old.arch.resolution
                    self.assertEqual(f, size // run.image_size)
                    self.assertAllClose(new.generate(z),
                                        _up(old.generate(z[:, :cfg.latent_dim]).numpy(), f),
                                        atol=1e-5)
                    x = rng.uniform(-1, 1, (4, new.arch.resolution, new.arch.resolution, 3))
                    x = x.astype("float32")
                    self.assertAllClose(new.discriminator(x), old.discriminator(_pool(x, f)),
                                        atol=1e-5)
                    logs = new.train_step(tf.constant(rng.uniform(  # the new cycle trains
                        -1, 1, (4, size, size, 3)).astype("float32")))
                    self.assertTrue(np.isfinite(float(logs["d_loss"])))

    def test_grow_continues_a_finished_run(self):
        from tfgan_latent.papers.growing.grow import grow

        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = growing_run(Path(tmp) / "a", "clggan", steps=6)
            old = runner.train(run, cfg)
            kw = dict(export_dir=str(Path(tmp) / "bexp"))
            with _tensorflow_warnings() as warned:
                res = grow(old["out"], Path(tmp) / "b", 4, **kw)
                gc.collect()  # TF warns of unrestored checkpoint values when a status dies
            # every value of the finished run's checkpoint is restored (its settings included)
            self.assertEqual([w for w in warned if "checkpoint" in w.lower()], [])
            stored = json.loads((Path(tmp) / "b" / "config.json").read_text())
            self.assertEqual((stored["run"]["image_size"], stored["run"]["steps"]), (16, 10))
            self.assertEqual({k: stored["model"][k] for k in ("latent_dim", "top", "grown_from_steps")},
                             {"latent_dim": 16, "top": 16, "grown_from_steps": 6})
            # The earlier cycles end with the finished run's state, bitwise.
            seeded = helpers.checkpoint_values(Path(tmp) / "b/checkpoints/cycle_2/ckpt-6")
            finished = helpers.checkpoint_values(old["checkpoint"])
            nets = [k for k in finished if k.startswith(("generator/", "discriminator/",
                                                          "g_optimizer/", "seed_state"))]
            self.assertGreater(len(nets), 10)
            for key in nets:
                self.assertAllEqual(seeded[key], finished[key], msg=key)
            self.assertTrue(res["checkpoint"].endswith("cycle_3/ckpt-10"))
            # The new cycle: steps [6, 10), fading over the thesis's 4 of 8 epochs = 2 steps.
            schedule = helpers.checkpoint_values(res["checkpoint"])[
                "cycle_schedule/.ATTRIBUTES/VARIABLE_VALUE"]
            self.assertEqual(schedule.tolist(), [3, 6, 2])
            serving = tf.saved_model.load(res["export"]).signatures["serving_default"]
            self.assertEqual(serving(z=tf.zeros((2, 16)))["images"].shape, (2, 16, 16, 3))
            again = grow(old["out"], Path(tmp) / "b", 4, **kw)  # a rerun finds it finished
            self.assertEqual(again["checkpoint"], res["checkpoint"])
            with self.assertRaisesRegex(ValueError, "--steps must be an integer >= 2"):
                grow(old["out"], Path(tmp) / "c", 1)
            with self.assertRaisesRegex(ValueError, "no config.json"):
                grow(Path(tmp) / "nowhere", Path(tmp) / "c", 4)
            brun, bcfg = growing_run(Path(tmp) / "bgan", "bgan", steps=2)
            runner.train(brun, bcfg)
            with self.assertRaisesRegex(ValueError, "is a --model=bgan run; `grow` continues"):
                grow(Path(tmp) / "bgan" / "run", Path(tmp) / "c", 4)


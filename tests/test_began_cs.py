"""BEGAN / BEGAN-CS: losses, k control and M_global against numpy and closed forms, the latent
constraint's gradient and routing, a full train step against a numpy reimplementation of the
authors' sequence, the released nets' parameter counts, and the trainer wiring (α = 0 is BEGAN
bitwise, resume carries k, the `encode` export in a fresh process, the `invert` command,
mirrored parity)."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import losses
from tfgan_latent.models.autoencoder import AutoencoderDiscriminator
from tfgan_latent.papers.began_cs import BEGAN, nets
from tfgan_latent.papers.began_cs.analysis import latent_pca
from tfgan_latent.train import runner
from tests import helpers


class LossTest(tf.test.TestCase):

    def test_reconstruction_norms(self):
        x = np.zeros((2, 3, 2), "float32")
        r = x.copy()
        r[0, 0, 0], r[1, 2, 1] = 3.0, -4.0
        self.assertAllClose(losses.began_reconstruction_loss(x, r, "l2_batch"), 2.5)  # 5 / B
        self.assertAllClose(losses.began_reconstruction_loss(x, r, "l1_mean"), 7.0 / 12)
        rng = np.random.default_rng(0)
        a, b = rng.normal(size=(4, 5)).astype("float32"), rng.normal(size=(4, 5)).astype("float32")
        single = losses.began_reconstruction_loss(a, b)
        self.assertAllClose(single, np.linalg.norm(a - b) / 4, rtol=1e-6)
        repeated = losses.began_reconstruction_loss(np.tile(a, (4, 1)), np.tile(b, (4, 1)))
        self.assertAllClose(repeated, single / 2, rtol=1e-6)  # 1/√B: 4× the batch halves it
        with self.assertRaisesRegex(ValueError, "`recon_norm` must be one of"):
            losses.began_reconstruction_loss(a, b, "l3")

    def test_constraint_loss(self):
        rng = np.random.default_rng(1)
        z = rng.uniform(-1, 1, (5, 4)).astype("float32")
        self.assertAllEqual(losses.latent_constraint_loss(z, z), 0.0)
        self.assertAllClose(0.1 * losses.latent_constraint_loss(z, z + 0.5), 0.05)
        self.assertAllClose(losses.latent_constraint_loss(z, z - 0.5), 0.5)
        c = rng.normal(size=(5, 4)).astype("float32")
        self.assertAllClose(losses.latent_constraint_loss(z, c, "l2"),
                            np.mean(np.linalg.norm(c - z, axis=1)), rtol=1e-6)

    def test_l2_constraint_is_finite_at_an_exact_zero_row(self):
        """‖Enc(G(z)) − z‖ per row with ε = 1e-10 under the root: at a row where the code equals
        z exactly its gradient is 0, not NaN (a bare sqrt's 0/0)."""
        rng = np.random.default_rng(2)
        z = rng.uniform(-1, 1, (4, 3)).astype("float32")
        codes = rng.normal(size=(4, 3)).astype("float32")
        codes[1] = z[1]  # an exact zero row
        c = tf.constant(codes)
        with tf.GradientTape() as tape:
            tape.watch(c)
            loss = losses.latent_constraint_loss(z, c, "l2")
        grad = tape.gradient(loss, c).numpy()
        diff = codes.astype(np.float64) - z
        norms = np.sqrt((diff ** 2).sum(1) + 1e-10)
        self.assertAllClose(loss, norms.mean(), rtol=1e-6)
        self.assertTrue(np.all(np.isfinite(grad)))
        self.assertAllClose(grad, diff / norms[:, None] / 4, rtol=1e-5, atol=1e-7)
        self.assertAllEqual(grad[1], np.zeros(3))

    def test_k_update_and_clipping(self):
        self.assertAllClose(losses.began_k_update(0.0, 0.2, 0.05, 0.5, 1e-3), 5e-5)
        self.assertAllEqual(losses.began_k_update(0.0, 0.2, 0.5, 0.5, 1e-3), 0.0)  # never < 0
        self.assertAllEqual(losses.began_k_update(0.9999, 1.0, 0.0, 1.0, 1.0), 1.0)  # never > 1
        self.assertAllClose(losses.began_k_update(0.4, 0.3, 0.1, 0.7, 0.01),
                            0.4 + 0.01 * (0.7 * 0.3 - 0.1))

    def test_convergence_measure(self):
        self.assertAllClose(losses.began_convergence_measure(0.2, 0.15, 0.5), 0.25)
        self.assertAllClose(losses.began_convergence_measure(0.2, 0.1, 0.5), 0.2)  # = L(x) at equilibrium


def _linear_began(d=3, dim=2, alpha=0.1, k_init=0.5, recon_norm="l2_batch", seed=0, **kwargs):
    """BEGAN on 2-D points with linear (biased, random) G, encoder and decoder."""
    rng = np.random.default_rng(seed)

    def linear(n_in, n_out, name):
        x = keras.Input((n_in,))
        layer = keras.layers.Dense(n_out, name="dense")
        model = keras.Model(x, layer(x), name=name)
        layer.set_weights([rng.normal(0, 0.7, (n_in, n_out)).astype("float32"),
                           rng.normal(0, 0.5, n_out).astype("float32")])
        return model

    g = linear(d, dim, "generator")
    disc = AutoencoderDiscriminator(linear(dim, d, "encoder"), linear(d, dim, "decoder"))
    model = BEGAN(g, disc, latent_dim=d, alpha=alpha, k_init=k_init, gamma=0.7, lambda_k=0.05,
                  recon_norm=recon_norm, seed=seed, **kwargs)
    model.compile(g_optimizer=keras.optimizers.Adam(0.01, epsilon=1e-8),
                  d_optimizer=keras.optimizers.Adam(0.02, beta_1=0.5, epsilon=1e-8))
    return model


def _weights(net):
    return [w.numpy().astype(np.float64) for w in net.get_layer("dense").weights]


class ConstraintGradientTest(tf.test.TestCase):

    def test_zero_when_the_encoder_inverts_the_generator(self):
        model = _linear_began(d=2)  # Enc(G(z)) = z needs an invertible linear G: d = dim = 2
        w_g, b_g = _weights(model.generator)
        inverse = np.linalg.inv(w_g)
        model.discriminator.encoder.get_layer("dense").set_weights(
            [inverse.astype("float32"), (-b_g @ inverse).astype("float32")])
        z = np.random.default_rng(2).uniform(-1, 1, (6, 2)).astype("float32")
        logs = model.discriminator_losses(np.zeros((6, 2), "float32"), tf.constant(z))
        self.assertAllClose(logs["constraint"], 0.0, atol=1e-6)

    def test_l2_constraint_gradient_is_finite_when_the_encoder_inverts_the_generator(self):
        """The D step's gradient with ``constraint_norm="l2"`` at L_c = 0 (G and Enc the
        identity, so every row of Enc(G(z)) − z is exactly zero on any CPU): finite, so one such
        batch cannot turn the encoder's weights into NaN."""
        model = _linear_began(d=2, constraint_norm="l2")
        for net in (model.generator, model.discriminator.encoder):
            net.get_layer("dense").set_weights([np.eye(2, dtype="float32"),
                                                np.zeros(2, "float32")])
        z = tf.constant([[0.5, -0.25], [0.1, 0.3], [-1.0, 0.75]], tf.float32)
        real = np.random.default_rng(5).normal(size=(3, 2)).astype("float32")
        enc = model.discriminator.encoder.trainable_variables
        with tf.GradientTape() as tape:
            logs = model.discriminator_losses(real, z)
        self.assertAllClose(logs["constraint"], 1e-5, atol=1e-6)  # √ε per row
        for grad in tape.gradient(logs["constraint"], enc):
            self.assertTrue(np.all(np.isfinite(grad.numpy())))

    def test_gradient_closed_form_and_routing(self):
        model = _linear_began()
        rng = np.random.default_rng(3)
        z = rng.uniform(-1, 1, (5, 3)).astype("float32")
        real = rng.normal(size=(5, 2)).astype("float32")
        w_g, b_g = _weights(model.generator)
        w_e, b_e = _weights(model.discriminator.encoder)
        fake = z @ w_g + b_g
        sign = np.sign(fake @ w_e + b_e - z) / z.size  # ∂ mean|Enc(G(z)) − z| / ∂ code
        enc = model.discriminator.encoder.trainable_variables
        dec = model.discriminator.decoder.trainable_variables
        with tf.GradientTape(persistent=True) as tape:
            constraint = model.discriminator_losses(real, tf.constant(z))["constraint"]
        grads = tape.gradient(constraint, enc + dec)
        self.assertAllClose(grads[0], fake.T @ sign, rtol=1e-5, atol=1e-7)
        self.assertAllClose(grads[1], sign.sum(0), rtol=1e-5, atol=1e-7)
        self.assertTrue(all(g is None for g in grads[2:]))  # no path to the decoder

    def test_d_step_moves_only_d_and_the_constraint_only_the_encoder(self):
        rng = np.random.default_rng(4)
        real = rng.normal(size=(6, 2)).astype("float32")
        z = tf.constant(rng.uniform(-1, 1, (6, 3)).astype("float32"))
        after = {}
        for alpha in (0.0, 0.1):
            model = _linear_began(alpha=alpha)
            g_before = [w.numpy() for w in model.generator.weights]
            model._update(lambda: model.discriminator_losses(real, z), "d_loss",
                          model.discriminator_variables, model.d_optimizer)
            for a, b in zip(g_before, model.generator.weights):
                self.assertAllEqual(a, b.numpy())
            after[alpha] = model
        for a, b in zip(after[0.0].discriminator.decoder.weights,
                        after[0.1].discriminator.decoder.weights):
            self.assertAllEqual(a.numpy(), b.numpy())
        self.assertNotAllClose(after[0.0].discriminator.encoder.weights[0].numpy(),
                               after[0.1].discriminator.encoder.weights[0].numpy())


class ReconstructionTest(tf.test.TestCase):
    """``generator_reconstruction`` = clip(G(Enc x)) and ``decoder_reconstruction`` = clip(D(x))
    ([P] §4.5) against numpy compositions of the nets' random weights."""

    def test_points_against_numpy(self):
        model = _linear_began()
        x = np.random.default_rng(6).normal(size=(5, 2)).astype("float32")
        (w_g, b_g), (w_e, b_e), (w_d, b_d) = (_weights(net) for net in (
            model.generator, model.discriminator.encoder, model.discriminator.decoder))
        code = x @ w_e + b_e
        self.assertAllClose(model.generator_reconstruction(x), code @ w_g + b_g, rtol=1e-5,
                            atol=1e-6)
        self.assertAllClose(model.decoder_reconstruction(x), code @ w_d + b_d, rtol=1e-5,
                            atol=1e-6)
        self.assertGreater(np.abs((code @ w_g + b_g) - (code @ w_d + b_d)).min(), 1e-3)

    def test_images_are_clipped_to_the_data_range(self):
        rng = np.random.default_rng(7)
        shape, d = (2, 2, 1), 3

        def net(n_in, n_out, name, reshape=None):
            x = keras.Input(n_in)
            h = keras.layers.Flatten()(x) if len(n_in) > 1 else x
            layer = keras.layers.Dense(int(np.prod(n_out)), name="dense")
            y = layer(h)
            y = keras.layers.Reshape(n_out)(y) if reshape else y
            layer.set_weights([rng.normal(0, 1.5, (int(np.prod(n_in)), int(np.prod(n_out)))
                                          ).astype("float32"),
                               rng.normal(0, 0.5, int(np.prod(n_out))).astype("float32")])
            return keras.Model(x, y, name=name)

        g = net((d,), shape, "generator", reshape=True)
        disc = AutoencoderDiscriminator(net(shape, (d,), "encoder"),
                                        net((d,), shape, "decoder", reshape=True))
        model = BEGAN(g, disc, latent_dim=d)
        x = rng.uniform(-1, 1, (6,) + shape).astype("float32")
        (w_g, b_g), (w_e, b_e), (w_d, b_d) = (_weights(m) for m in (g, disc.encoder, disc.decoder))
        code = x.reshape(6, -1) @ w_e + b_e
        unclipped = (code @ w_g + b_g).reshape(x.shape)
        self.assertGreater(np.abs(unclipped).max(), 1.5)  # the clip matters here
        self.assertAllClose(model.generator_reconstruction(x), np.clip(unclipped, -1, 1),
                            rtol=1e-5, atol=1e-6)
        self.assertAllClose(model.decoder_reconstruction(x),
                            np.clip((code @ w_d + b_d).reshape(x.shape), -1, 1),
                            rtol=1e-5, atol=1e-6)


class TrainStepParityTest(tf.test.TestCase):
    """Three ``train_step``s vs numpy: D step with the old k, G step on the same z, k and M from
    losses recomputed with the updated nets (the authors' ``BEGAN_CS.py`` sequence)."""

    def _numpy_run(self, p, batches, zs, k, alpha, gamma=0.7, lam=0.05, pre_update=False):
        state = {name: [np.zeros_like(v), np.zeros_like(v)] for name, v in p.items()}
        hyper = {"G": (0.01, 0.9), "D": (0.02, 0.5)}
        logs = []

        def d_out(v):
            h = v @ p["We"] + p["be"]
            return h, h @ p["Wd"] + p["bd"]

        def recon(v):  # value and ∂/∂(D(v) − v) of ‖D(v) − v‖_F / B
            e = d_out(v)[1] - v
            norm = np.linalg.norm(e)
            return norm / len(v), e / (len(v) * norm)

        def adam(names, grads, t):
            for name, g in zip(names, grads):
                lr, b1 = hyper["G" if name in ("Wg", "bg") else "D"]
                m, v = state[name]
                m[:] = b1 * m + (1 - b1) * g
                v[:] = 0.999 * v + 0.001 * g ** 2
                a = lr * np.sqrt(1 - 0.999 ** t) / (1 - b1 ** t)
                p[name] = p[name] - a * m / (np.sqrt(v) + 1e-8)

        for t, (x, z) in enumerate(zip(batches, zs), start=1):
            fake = z @ p["Wg"] + p["bg"]
            before = recon(x)[0], recon(fake)[0]
            grads = {n: 0.0 for n in ("We", "be", "Wd", "bd")}
            for v, weight in ((x, 1.0), (fake, -k)):
                _, d_e = recon(v)
                h, _ = d_out(v)
                grads["Wd"] = grads["Wd"] + weight * h.T @ d_e
                grads["bd"] = grads["bd"] + weight * d_e.sum(0)
                d_h = weight * d_e @ p["Wd"].T
                grads["We"] = grads["We"] + v.T @ d_h
                grads["be"] = grads["be"] + d_h.sum(0)
            code = fake @ p["We"] + p["be"]
            s = alpha * np.sign(code - z) / z.size
            grads["We"] = grads["We"] + fake.T @ s
            grads["be"] = grads["be"] + s.sum(0)
            adam(list(grads), list(grads.values()), t)
            fake = z @ p["Wg"] + p["bg"]
            _, d_e = recon(fake)
            d_f = d_e @ (p["We"] @ p["Wd"] - np.eye(2)).T
            adam(["Wg", "bg"], [z.T @ d_f, d_f.sum(0)], t)
            lr_, lf = before if pre_update else (recon(x)[0], recon(z @ p["Wg"] + p["bg"])[0])
            k = float(np.clip(k + lam * (gamma * lr_ - lf), 0, 1))
            logs.append({"k": k, "convergence": lr_ + abs(gamma * lr_ - lf)})
        return p, logs

    def test_three_steps_match_numpy(self):
        for k_from in ("post_update", "pre_update"):
            self._check(k_from)

    def _check(self, k_from):
        model = _linear_began(alpha=0.1, k_init=0.5, k_from=k_from)
        p = dict(zip(("Wg", "bg"), _weights(model.generator)))
        p.update(zip(("We", "be"), _weights(model.discriminator.encoder)))
        p.update(zip(("Wd", "bd"), _weights(model.discriminator.decoder)))
        rng = np.random.default_rng(5)
        batches = [rng.normal(size=(8, 2)).astype("float32") for _ in range(3)]
        zs = [rng.uniform(-1, 1, (8, 3)).astype("float32") for _ in range(3)]
        queue = list(zs)
        model.sample_latent = lambda batch: tf.constant(queue.pop(0))  # the test's z
        logs = []
        for x in batches:
            model.reset_metrics()
            out = model.train_step(tf.constant(x))
            logs.append({k: float(out[k]) for k in ("k", "convergence")})
        expected, expected_logs = self._numpy_run(dict(p), batches, zs, 0.5, 0.1,
                                                  pre_update=k_from == "pre_update")
        got = dict(zip(("Wg", "bg"), _weights(model.generator)))
        got.update(zip(("We", "be"), _weights(model.discriminator.encoder)))
        got.update(zip(("Wd", "bd"), _weights(model.discriminator.decoder)))
        for name in expected:
            self.assertAllClose(got[name], expected[name], rtol=2e-4, atol=2e-5, msg=name)
        for a, b in zip(logs, expected_logs):
            self.assertAllClose(a["k"], b["k"], rtol=1e-4, msg=k_from)
            self.assertAllClose(a["convergence"], b["convergence"], rtol=1e-4, msg=k_from)
        self.assertNotAllClose(logs[0]["k"], 0.5)


class ScheduleAndConfigTest(tf.test.TestCase):

    def test_step_decay_closed_form(self):
        from tfgan_latent.optimizers import StepDecay

        schedule = StepDecay(8e-5, every=100, factor=0.5, floor=2e-5)
        for step, expected in ((0, 8e-5), (99, 8e-5), (100, 4e-5), (250, 2e-5), (10_000, 2e-5)):
            self.assertAllClose(schedule(step), expected)
        restored = StepDecay.from_config(schedule.get_config())
        self.assertAllClose(restored(150), 4e-5)

    def test_paper_defaults_per_data_kind(self):
        from tfgan_latent.papers.began_cs import BEGANConfig, BEGANCSConfig

        toy, images = BEGANCSConfig().resolved("points"), BEGANCSConfig().resolved("images")
        self.assertEqual((toy.gamma, toy.lambda_k, toy.g_lr, toy.d_lr, toy.beta_1, toy.latent_dim),
                         (25.0, 1e-4, 5e-4, 1e-4, 0.5, 32))  # §4.6
        self.assertEqual((images.gamma, images.lambda_k, images.g_lr, images.beta_1,
                          images.latent_dim, images.alpha), (0.5, 1e-3, 1e-4, 0.9, 64, 0.1))
        self.assertEqual(BEGANConfig().alpha, 0.0)
        import dataclasses
        self.assertEqual(dataclasses.replace(BEGANCSConfig(), gamma=0.7).resolved("points").gamma, 0.7)


class NetsTest(tf.test.TestCase):

    @staticmethod
    def _conv(c_in, c_out, k=3):
        return k * k * c_in * c_out + c_out

    def test_released_64px_parameter_counts(self):
        n, d, c = 128, 64, NetsTest._conv
        # authors' BEGAN_CS.py: encoder channels 128 | 128, 256, ↓256 | 256, 384, ↓384 |
        # 384, 512, ↓512 | 512, 512, then Dense(8·8·512 → 64)
        enc = (c(3, n) + c(n, n) + c(n, 2 * n) + c(2 * n, 2 * n) + c(2 * n, 2 * n)
               + c(2 * n, 3 * n) + c(3 * n, 3 * n) + c(3 * n, 3 * n) + c(3 * n, 4 * n)
               + c(4 * n, 4 * n) + c(4 * n, 4 * n) + c(4 * n, 4 * n) + 8 * 8 * 4 * n * d + d)
        # decoder / G: Dense(64 → 8·8·128), 3 × [conv n, conv n, 1×1 conv 2n, ↑], conv n, conv n,
        # conv 3; the first conv after an upsampling sees 2n channels
        dec = (d * 64 * n + 64 * n + c(n, n) + c(n, n) + c(n, 2 * n, 1)
               + 2 * (c(2 * n, n) + c(n, n) + c(n, 2 * n, 1)) + c(2 * n, n) + c(n, n) + c(n, 3))
        self.assertEqual((enc + dec, dec), (18_371_267, 2_258_051))
        encoder = nets.began_encoder(64, 3, n, d)
        decoder = nets.began_decoder(d, 64, 3, n)
        self.assertEqual(encoder.count_params(), enc)
        self.assertEqual(decoder.count_params(), dec)
        # carpedm20/BEGAN-tensorflow: conv c, conv c, ↓c per block; no 1×1 convs
        enc_b = (c(3, n) + 3 * c(n, n) + c(n, 2 * n) + 2 * c(2 * n, 2 * n) + c(2 * n, 3 * n)
                 + 2 * c(3 * n, 3 * n) + c(3 * n, 4 * n) + c(4 * n, 4 * n) + 8 * 8 * 4 * n * d + d)
        dec_b = d * 64 * n + 64 * n + 8 * c(n, n) + c(n, 3)
        self.assertEqual(nets.began_encoder(64, 3, n, d, "began").count_params(), enc_b)
        self.assertEqual(nets.began_decoder(d, 64, 3, n, "began").count_params(), dec_b)
        self.assertEqual(enc_b + dec_b, 13_405_379)

    def test_shapes_linear_outputs_and_toy_init(self):
        encoder, decoder = nets.began_encoder(32, 3, 8, 16), nets.began_decoder(16, 32, 3, 8)
        self.assertEqual(encoder.output.shape, (None, 16))
        self.assertEqual(decoder.output.shape, (None, 32, 32, 3))
        out = decoder(np.random.default_rng(0).uniform(-1, 1, (64, 16)).astype("float32") * 30)
        self.assertLess(float(np.min(out)), -1.0)  # linear output, not tanh
        g = nets.toy_generator(32, 128, 2)
        kernel = g.get_layer("dense1").kernel.numpy()
        self.assertLessEqual(np.abs(kernel).max(), np.sqrt(9 / 128))
        self.assertAllClose(kernel.var(), 3 / 128, rtol=0.1)

    def test_autoencoder_discriminator_round_trip(self):
        disc = AutoencoderDiscriminator(nets.toy_encoder(4, 8, 1), nets.toy_decoder(4, 8, 1))
        x = np.random.default_rng(1).normal(size=(3, 2)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "d.keras"
            disc.save(path)
            loaded = keras.saving.load_model(path)
        self.assertAllClose(loaded(x), disc(x))
        self.assertAllClose(loaded.encoder(x), disc.encoder(x))
        with self.assertRaisesRegex(ValueError, "code shape"):
            AutoencoderDiscriminator(nets.toy_encoder(4, 8, 1), nets.toy_decoder(5, 8, 1))


class LatentPCATest(tf.test.TestCase):

    def test_variances_and_projection(self):
        rng = np.random.default_rng(2)
        real = rng.normal(size=(500, 5)) * np.array([3.0, 1.0, 0.5, 0.2, 0.1])
        fake = rng.normal(size=(300, 5)) * 0.3
        stats = latent_pca(real, fake)
        self.assertAllClose(stats["var_real"], np.sum(real.var(axis=0)))
        self.assertAllClose(stats["var_gen"], np.sum(fake.var(axis=0)))
        self.assertAllClose(np.abs(stats["real"][:, 0]), np.abs(real[:, 0] - real[:, 0].mean()),
                            rtol=0.05, atol=0.15)  # first component ≈ the widest axis

    def test_plot_with_one_dimensional_codes(self):
        # dim(z) = 1 gives one PCA component; the plot drew a 2-D scatter and raised a
        # TypeError after training (a grid25 run with --latent_dim=1, preset search).
        from tfgan_latent.papers.began_cs.analysis import plot_latent_pca

        rng = np.random.default_rng(3)
        real, fake = rng.normal(size=(50, 1)), rng.normal(size=(40, 1)) * 0.5
        stats = latent_pca(real, fake)
        self.assertEqual(stats["real"].shape, (50, 1))
        self.assertAllClose(stats["var_real"], real.var())
        path = plot_latent_pca([(10, stats), (20, latent_pca(real, fake))],
                               os.path.join(self.get_temp_dir(), "pca.png"))
        self.assertGreater(os.path.getsize(path), 0)


def _run(tmp, model="began_cs", steps=4, dataset="grid25", **overrides):
    cfg = helpers.tiny_run(tmp, model=model, dataset=dataset, steps=steps, **{
        k: overrides.pop(k) for k in list(overrides) if k in ("distribute", "cpu_devices",
                                                              "eval_every", "image_size")})
    model_cfg = helpers.tiny_model_config(cfg, **{"latent_dim": 4, **overrides})
    return runner.train(cfg, model_cfg)


class TrainerTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.tmp = Path(cls._tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_alpha_zero_is_began_bitwise_and_resume_restores_k_exactly(self):
        began = _run(self.tmp / "began", model="began")
        zero = _run(self.tmp / "cs0", alpha=0.0)
        cs = _run(self.tmp / "cs", model="began_cs")
        helpers.assert_same_checkpoints(self, began["checkpoint"], zero["checkpoint"])
        values, other = (helpers.checkpoint_values(r["checkpoint"]) for r in (began, cs))
        self.assertTrue(any(not np.array_equal(values[k], other[k]) for k in values))
        _run(self.tmp / "part", steps=2)
        resumed = _run(self.tmp / "part", steps=4)
        helpers.assert_same_checkpoints(self, cs["checkpoint"], resumed["checkpoint"])
        k = [v for key, v in helpers.checkpoint_values(cs["checkpoint"]).items()
             if key.startswith("k/")]
        self.assertLen(k, 1)
        self.assertGreater(float(k[0]), 0.0)
        records = [json.loads(l) for l in (Path(cs["out"]) / "metrics.jsonl").read_text().splitlines()]
        self.assertTrue({"k", "convergence", "constraint", "loss_real", "loss_fake"} <= set(records[-1]))

    def test_one_dimensional_latent_run_writes_its_latent_plot(self):
        # The preset search's grid25 runs with --latent_dim=1 trained, then raised in the plot.
        res = _run(self.tmp / "z1", model="began", steps=2, eval_every=2, latent_dim=1)
        self.assertTrue((Path(res["out"]) / "latent_pca.png").exists())

    def test_encode_export_in_a_fresh_process_and_invert_command(self):
        res = _run(self.tmp / "img", dataset="shapes", steps=2, eval_every=2)
        out = Path(res["out"])
        self.assertTrue((out / "latent_pca.png").exists())
        record = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()][-1]
        self.assertIn("eval/latent_var_ratio", record)
        model = _load(out)
        x = np.random.default_rng(3).uniform(-1, 1, (3, 16, 16, 3)).astype("float32")
        np.save(self.tmp / "x.npy", x)
        script = ("import numpy as np, tensorflow as tf, sys; m = tf.saved_model.load(sys.argv[1]); "
                  "x = np.load(sys.argv[2]); "
                  "np.save(sys.argv[3], m.signatures['encode'](images=tf.constant(x))['z'].numpy()); "
                  "np.save(sys.argv[4], m.signatures['serving_default'](z=tf.ones((2, 4)))['images'].numpy())")
        done = subprocess.run([sys.executable, "-c", script, res["export"], str(self.tmp / "x.npy"),
                               str(self.tmp / "z.npy"), str(self.tmp / "g.npy")],
                              capture_output=True, text=True, timeout=helpers.SUBPROCESS_LIMIT_S)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertAllClose(np.load(self.tmp / "z.npy"), model.encode(x), atol=1e-5)
        generated = np.load(self.tmp / "g.npy")
        self.assertAllClose(generated, np.clip(model.generator(np.ones((2, 4), "float32")), -1, 1),
                            atol=1e-5)
        result = helpers.cli("invert", f"--run={out}", f"--out={self.tmp / 'inv'}", "--num=4",
                             "--search_steps=5")
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads((self.tmp / "inv" / "inversion.json").read_text())
        self.assertEqual(report["projection"], "box")
        for name in ("search.png", "oneshot.png", "slerp.png", "traverse.png"):
            self.assertTrue((self.tmp / "inv" / name).exists(), name)
        z = np.load(self.tmp / "inv" / "z_search.npy")
        self.assertEqual(z.shape, (4, 4))
        self.assertLessEqual(np.abs(z).max(), 1.0)
        # The same command on the export (serving_default + encode) and an image file: the search
        # finds the run's z*, and the one-shot error is ‖clip(G(Enc x)) − x‖² from the Keras nets.
        np.save(self.tmp / "x4.npy", x[:2].repeat(2, axis=0))
        for source, folder in ((f"--run={out}", "inv_run"), (f"--saved_model={res['export']}",
                                                             "inv_export")):
            result = helpers.cli("invert", source, f"--out={self.tmp / folder}", "--num=4",
                                 f"--images={self.tmp / 'x4.npy'}", "--search_steps=5")
            self.assertEqual(result.returncode, 0, result.stderr)
        export_report = json.loads((self.tmp / "inv_export" / "inversion.json").read_text())
        self.assertEqual(export_report["projection"], "box")  # the prior read from the export
        self.assertAllClose(np.load(self.tmp / "inv_export" / "z_search.npy"),
                            np.load(self.tmp / "inv_run" / "z_search.npy"), atol=1e-5)
        x4 = np.load(self.tmp / "x4.npy")
        code = np.load(self.tmp / "inv_export" / "z_oneshot.npy")
        self.assertAllClose(code, model.encode(x4), atol=1e-5)
        recon = np.clip(keras.ops.convert_to_numpy(model.generator(code)), -1, 1)
        self.assertAllClose(np.load(self.tmp / "inv_export" / "errors.npz")["oneshot"],
                            ((recon - x4) ** 2).reshape(4, -1).mean(axis=1), atol=1e-5)
        # --dataset=NAME inverts that set's held-out images instead of the run's own.
        from tfgan_latent.data.image_sets import held_out_images
        from tfgan_latent.train.invert import invert_images

        report = invert_images(out, num=4, out=self.tmp / "inv_ds", steps=2, dataset="gratings")
        self.assertEqual(report["images"], "held-out gratings")
        xg = held_out_images("gratings", 4, x.shape[1], 0)
        recon = np.clip(keras.ops.convert_to_numpy(model.generator(model.encode(xg))), -1, 1)
        self.assertAllClose(np.load(self.tmp / "inv_ds" / "errors.npz")["oneshot"],
                            ((recon - xg) ** 2).reshape(4, -1).mean(axis=1), atol=1e-5)

    def test_bad_settings_name_the_flag(self):
        with self.assertRaisesRegex(ValueError, "--variant must be one of"):
            _run(self.tmp / "bad1", variant="wide")
        with self.assertRaisesRegex(ValueError, "--k_from must be one of"):
            _run(self.tmp / "bad2", k_from="later")

    def test_mirrored_matches_single_device_with_mean_norm(self):
        ckpt = {}
        for dist in ("none", "mirrored"):
            ckpt[dist] = _run(self.tmp / f"m_{dist}", recon_norm="l1_mean", distribute=dist,
                              cpu_devices=2)["checkpoint"]
        helpers.assert_same_checkpoints(self, ckpt["none"], ckpt["mirrored"], exact=False,
                                        rtol=1e-4, atol=1e-5)


def _load(out):
    from tfgan_latent.train.evaluate import load_run

    return load_run(out)[2]


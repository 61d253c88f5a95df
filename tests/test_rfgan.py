"""RFGAN: denoising-AE corruption and training, the representative-feature discriminator,
its gradients and penalties, the frozen encoder, the trainer wiring (resume, mirrored, export).

References are numpy written here or closed forms (RFGAN §3.1 gradient identity; the
gradient of a linear critic is its weight vector), never the library's own helpers.
"""
import json
import math
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import corruption
from tfgan_latent.models import nets, variants
from tfgan_latent.models.autoencoder import Autoencoder
from tfgan_latent.models.feature_discriminator import (
    RepresentativeFeatureDiscriminator, load_feature_extractor)
from tfgan_latent.papers.rfgan import nets as rf_nets
from tfgan_latent.train import runner
from tests import helpers


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _randomize(model, seed, scale=0.5):
    """Random non-zero weights and biases (and BN statistics) for every variable of ``model``."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        value = rng.normal(0, scale, v.shape)
        if "variance" in v.path:
            value = rng.uniform(0.5, 2.0, v.shape)
        v.assign(value.astype("float32"))


def _dense_net(in_dim, out_dim, name, bn=False, activation=None):
    x_in = keras.Input((in_dim,))
    x = keras.layers.Dense(out_dim, activation=activation, name=f"{name}_dense")(x_in)
    if bn:
        x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"{name}_bn")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    return keras.Model(x_in, x, name=name)


def _np_dense_bn(x, model):
    """numpy forward of ``_dense_net(bn=True)`` in inference mode (moving statistics)."""
    dense, bn = model.get_layer(f"{model.name}_dense"), model.get_layer(f"{model.name}_bn")
    h = x @ dense.kernel.numpy() + dense.bias.numpy()
    h = (h - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-5)
    h = h * bn.gamma.numpy() + bn.beta.numpy()
    return np.where(h > 0, h, 0.2 * h)


class CorruptionTest(tf.test.TestCase):

    def _model(self, noise, amount, shape=(16, 16, 3), seed=3, **kwargs):
        x_in = keras.Input(shape)
        encoder = keras.Model(x_in, keras.layers.Flatten()(x_in))
        decoder = keras.Sequential([keras.Input((int(np.prod(shape)),)),
                                    keras.layers.Reshape(shape)])
        return Autoencoder(encoder, decoder, noise=noise, noise_amount=amount, seed=seed,
                           **kwargs)

    def test_salt_and_pepper_values_against_numpy(self):
        """Salt (+1) with probability ``salt_vs_pepper``, pepper (−1) otherwise: uneven shares, so
        swapped values or a flipped comparison cannot pass."""
        rng = np.random.default_rng(4)
        x = rng.uniform(-0.9, 0.9, (4, 5, 5, 3)).astype(np.float32)
        hit, salt = (rng.uniform(size=x.shape).astype(np.float32) for _ in range(2))
        for share in (0.0, 0.2, 0.8, 1.0):
            got = corruption.salt_and_pepper(x, hit, salt, amount=0.3, salt_vs_pepper=share)
            expected = np.where(hit < 0.3, np.where(salt < share, 1.0, -1.0), x)
            self.assertAllEqual(got, expected.astype(np.float32))
        # the autoencoder's own draws at share 0.8: 80 % of the replaced values are salt
        x = np.full((64, 16, 16, 3), 0.3, np.float32)
        noisy = self._model("salt_pepper", 0.25, salt_vs_pepper=0.8).corrupt(
            tf.constant(x)).numpy()
        hit = noisy != x
        self.assertAllClose((noisy[hit] == 1.0).mean(), 0.8,
                            atol=5 * math.sqrt(0.8 * 0.2 / hit.sum()))

    def test_authors_salt_then_pepper_against_numpy(self):
        """The authors' order and values: salt coordinates get uint8 1 (→ 1/127.5 − 1), then
        pepper coordinates 0 (→ −1), a pepper overwriting a salt it repeats; uneven counts."""
        rng = np.random.default_rng(6)
        x = rng.uniform(-0.9, 0.9, (2, 6, 6, 3)).astype(np.float32)
        coords = lambda n: np.stack([rng.integers(0, d, (2, n)) for d in (6, 6, 3)], -1)
        salt, pepper = coords(10), coords(4)
        pepper[0, 0] = salt[0, 0]  # one coordinate drawn by both
        expected = x.copy()
        for b in range(2):
            for i, j, c in salt[b]:
                expected[b, i, j, c] = np.float32(1 / 127.5 - 1)
            for i, j, c in pepper[b]:
                expected[b, i, j, c] = -1.0
        self.assertAllEqual(corruption.authors_salt_and_pepper(x, salt, pepper), expected)
        # ceil(0.25·768·0.8) = 154 salt and ceil(0.25·768·0.2) = 39 pepper coordinates
        self.assertEqual(corruption.authors_noise_count((16, 16, 3), 0.25, 0.8), (154, 39))

    def test_salt_and_pepper_statistics(self):
        x = np.full((64, 16, 16, 3), 0.3, np.float32)  # no entry is ±1 before the noise
        noisy = self._model("salt_pepper", 0.25).corrupt(tf.constant(x)).numpy()
        hit = noisy != x
        n = hit.size
        # fraction of corrupted entries: Binomial(n, 0.25)/n within 5 standard deviations
        self.assertAllClose(hit.mean(), 0.25, atol=5 * math.sqrt(0.25 * 0.75 / n))
        self.assertEqual(set(np.unique(noisy[hit])), {-1.0, 1.0})
        salt = (noisy[hit] == 1.0).mean()
        self.assertAllClose(salt, 0.5, atol=5 * math.sqrt(0.25 / hit.sum()))
        # every channel, the last row and column included, is hit (unlike the authors' quirk)
        self.assertTrue(hit[:, -1, -1, -1].any() and hit[..., 2].mean() > 0.2)

    def test_masking_and_gaussian_statistics(self):
        x = np.full((64, 16, 16, 3), 0.3, np.float32)
        masked = self._model("masking", 0.4).corrupt(tf.constant(x)).numpy()
        hit = masked != x
        self.assertAllClose(hit.mean(), 0.4, atol=5 * math.sqrt(0.24 / hit.size))
        self.assertAllEqual(masked[hit], np.zeros(hit.sum()))
        noisy = self._model("gaussian", 0.2).corrupt(tf.constant(x)).numpy()
        self.assertAllClose((noisy - x).mean(), 0.0, atol=5 * 0.2 / math.sqrt(x.size))
        self.assertAllClose((noisy - x).std(), 0.2, rtol=0.02)

    def test_authors_quirk_matches_its_formula(self):
        # ceil(0.25·768·0.5) = 96 salt and 96 pepper coordinates over (15, 15, 2) reachable
        # cells (randint(0, dim − 1)): expected hit fraction 450·(1 − (1 − 1/450)^192)/768.
        x = np.full((200, 16, 16, 3), 0.3, np.float32)
        noisy = self._model("authors_sp_quirk", 0.25).corrupt(tf.constant(x)).numpy()
        hit = noisy != x
        self.assertEqual(corruption.authors_noise_count((16, 16, 3), 0.25), (96, 96))
        expected = 450 * (1 - (1 - 1 / 450) ** 192) / 768
        self.assertAllClose(hit.mean(), expected, atol=0.005)
        self.assertFalse(hit[:, -1].any() or hit[:, :, -1].any() or hit[..., -1].any())
        self.assertAllClose(np.unique(noisy[hit]), [-1.0, 1 / 127.5 - 1])
        self.assertLessEqual(hit.reshape(200, -1).sum(1).max(), 192)
        # one channel: coordinates over (H, W) only
        gray = np.full((50, 16, 16, 1), 0.3, np.float32)
        hit1 = self._model("authors_sp_quirk", 0.25, (16, 16, 1)).corrupt(tf.constant(gray)).numpy() != gray
        expected1 = 225 * (1 - (1 - 1 / 225) ** 64) / 256  # ceil(0.25·256·0.5) = 32 each
        self.assertAllClose(hit1.mean(), expected1, atol=0.01)

    def test_bad_settings_name_the_argument(self):
        with self.assertRaisesRegex(ValueError, "noise"):
            self._model("speckle", 0.1)
        with self.assertRaisesRegex(ValueError, "noise_amount"):
            self._model("salt_pepper", 1.5)


class AutoencoderTest(tf.test.TestCase):

    def test_train_step_loss_is_l1_of_the_reconstruction_of_the_noisy_input(self):
        keras.utils.set_random_seed(0)
        encoder = rf_nets.dae_mlp_encoder(8, 2, 3)
        decoder = rf_nets.dae_mlp_decoder(8, 2, 3)
        ae = Autoencoder(encoder, decoder, noise="gaussian", noise_amount=0.1, seed=5)
        ae.compile(optimizer=keras.optimizers.SGD(0.0))
        x = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
        state = ae.seed_generator.state.numpy().copy()
        noisy = ae.corrupt(tf.constant(x)).numpy()
        ae.seed_generator.state.assign(state)
        logs = ae.train_step(tf.constant(x))
        recon = ae(noisy).numpy()
        self.assertAllClose(float(logs["loss"]), np.abs(recon - x).mean(), rtol=1e-5)
        self.assertAllClose(float(logs["input_error"]), np.abs(noisy - x).mean(), rtol=1e-5)

    def test_keras_round_trip(self):
        ae = Autoencoder(rf_nets.dae_encoder(16, 3, 4, 5, 2), rf_nets.dae_decoder(16, 3, 4, 5, 2),
                         noise="masking", noise_amount=0.3, feature_layer=rf_nets.FEATURE_LAYER,
                         seed=2)
        x = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 3)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            ae.save(Path(tmp) / "ae.keras")
            back = keras.saving.load_model(Path(tmp) / "ae.keras", compile=False)
        self.assertEqual((back.noise, back.noise_amount, back.feature_layer),
                         ("masking", 0.3, rf_nets.FEATURE_LAYER))
        self.assertAllClose(back(x), ae(x))


class RFDiscriminatorTest(tf.test.TestCase):

    def _rf(self, seed=0):
        trunk = _dense_net(4, 3, "trunk", activation="tanh")
        extractor = _dense_net(4, 5, "extractor", bn=True)
        _randomize(trunk, seed)
        _randomize(extractor, seed + 1)
        rf = RepresentativeFeatureDiscriminator(trunk, extractor)
        _randomize(rf.head, seed + 2)
        return rf, trunk, extractor

    def _np_logits(self, rf, trunk, extractor, x):
        dense = trunk.get_layer("trunk_dense")
        h2 = np.tanh(x @ dense.kernel.numpy() + dense.bias.numpy())
        h1 = _np_dense_bn(x, extractor)
        h = np.concatenate([h2, h1], axis=1)
        return h @ rf.head.kernel.numpy() + rf.head.bias.numpy(), h1, h2

    def test_paper_gradient_identity(self):
        # RFGAN §3.1: for −log Y on real samples ∂/∂w_i = (Y − 1)·h_i; for −log(1 − Y) on
        # fakes Y·h_i (means over the batch); checked on BN-in-inference features.
        rf, trunk, extractor = self._rf()
        x = np.random.default_rng(4).normal(size=(6, 4)).astype("float32")
        logits, h1, h2 = self._np_logits(rf, trunk, extractor, x)
        self.assertAllClose(rf(x, training=True), logits, rtol=1e-5, atol=1e-5)
        y = _sigmoid(logits)
        for target, expected_factor in ((1.0, y - 1.0), (0.0, y)):
            with tf.GradientTape() as tape:
                l = rf(tf.constant(x), training=True)
                loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
                    tf.fill(tf.shape(l), target), l))
            grad = tape.gradient(loss, rf.head.kernel).numpy()[:, 0]
            self.assertAllClose(grad[:3], (expected_factor * h2).mean(0), atol=1e-6)
            self.assertAllClose(grad[3:], (expected_factor * h1).mean(0), atol=1e-6)
        w2, w1 = rf.head_kernels()
        self.assertAllClose(w1, rf.head.kernel.numpy()[3:, 0])

    def test_extractor_is_frozen_and_in_inference_mode(self):
        rf, _, extractor = self._rf()
        names = {v.path for v in rf.trainable_variables}
        self.assertFalse(any(n.startswith("extractor") for n in names), names)
        self.assertEqual(len(rf.trainable_variables), 4)  # trunk kernel, bias; head kernel, bias
        before = [v.numpy().copy() for v in extractor.weights]
        x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
        rf(x, training=True)
        for a, b in zip(before, extractor.weights):
            self.assertAllEqual(a, b.numpy())

    def test_channel_and_flatten_merges(self):
        x_in = keras.Input((8, 8, 2))
        trunk = keras.Model(x_in, keras.layers.Conv2D(3, 3, strides=2, padding="same")(x_in))
        same = keras.Model(x_in, keras.layers.Conv2D(5, 3, strides=2, padding="same")(x_in))
        other = keras.Model(x_in, keras.layers.Conv2D(5, 3, strides=4, padding="same")(x_in))
        for m in (trunk, same, other):
            _randomize(m, 7)
        x = np.random.default_rng(2).normal(size=(3, 8, 8, 2)).astype("float32")
        channel = RepresentativeFeatureDiscriminator(trunk, same)
        self.assertEqual(channel.resolved_merge, "channel")
        self.assertEqual(channel.head.kernel.shape, (4 * 4 * 8, 1))
        expected = np.concatenate([trunk(x).numpy(), same(x).numpy()], -1).reshape(3, -1)
        self.assertAllClose(channel.merged_features(x), expected)
        flat = RepresentativeFeatureDiscriminator(trunk, other)
        self.assertEqual(flat.resolved_merge, "flatten")
        expected = np.concatenate([trunk(x).numpy().reshape(3, -1),
                                   other(x).numpy().reshape(3, -1)], -1)
        self.assertAllClose(flat.merged_features(x), expected)
        self.assertEqual(flat.head.kernel.shape, (4 * 4 * 3 + 2 * 2 * 5, 1))
        with self.assertRaisesRegex(ValueError, "merge='channel' needs feature maps of equal"):
            RepresentativeFeatureDiscriminator(trunk, other, merge="channel")
        y_in = keras.Input((4, 4, 2))
        with self.assertRaisesRegex(ValueError, "same data"):
            RepresentativeFeatureDiscriminator(trunk, keras.Model(y_in, y_in))
        # head_kernels undoes the channel interleaving
        _randomize(channel.head, 3)
        w2, w1 = channel.head_kernels()
        k = channel.head.kernel.numpy()[:, 0].reshape(4, 4, 8)
        self.assertAllClose(w1, k[..., 3:].reshape(-1))

    def test_dcgan_trunks_of_paper_64px_nets(self):
        # 64×64, width 64, 5×5: E and D last conv blocks are 4×4×512 → head (16384, 1)
        d = nets.dcgan_discriminator(64, 3, 64, "batch", 5)
        enc = rf_nets.dae_encoder(64, 3, 64, 5, 8)
        extractor = keras.Model(enc.inputs, enc.get_layer(rf_nets.FEATURE_LAYER).output)
        rf = RepresentativeFeatureDiscriminator(nets.discriminator_trunk(d), extractor)
        self.assertEqual(rf.head.kernel.shape, (16384, 1))
        self.assertEqual(tuple(enc.outputs[0].shape[1:]), (4, 4, 8))  # the 128-d code
        leaky = [l for l in d.layers if isinstance(l, keras.layers.LeakyReLU)]
        self.assertTrue(leaky and all(abs(l.negative_slope - 0.2) < 1e-9 for l in leaky))
        bns = [l for l in enc.layers[1].layers if isinstance(l, keras.layers.BatchNormalization)]
        self.assertTrue(bns and all((b.momentum, b.epsilon) == (0.9, 1e-5) for b in bns))

    def test_authors_code_autoencoder_parameter_counts(self):
        # RFGAN.py (64×64, depth 64, n = 8): conv(5×5, bias) widths 64/128/256/512 with BN
        # (γ, β, moving mean, variance) on the last three, 1×1 conv to 8; decoder 1×1 conv to
        # 256 + BN, deconvs 256/128/64 + BN, deconv to 3 (biases everywhere, linear output).
        conv = lambda k, cin, cout: k * k * cin * cout + cout
        bn = lambda c: 4 * c
        enc = (conv(5, 3, 64) + conv(5, 64, 128) + bn(128) + conv(5, 128, 256) + bn(256)
               + conv(5, 256, 512) + bn(512) + conv(1, 512, 8))
        dec = (conv(1, 8, 256) + bn(256) + conv(5, 256, 256) + bn(256) + conv(5, 256, 128)
               + bn(128) + conv(5, 128, 64) + bn(64) + conv(5, 64, 3))
        encoder = rf_nets.dae_encoder(64, 3, 64, 5, 8, "authors_code")
        decoder = rf_nets.dae_decoder(64, 3, 64, 5, 8, "authors_code")
        self.assertEqual((encoder.count_params(), decoder.count_params()), (enc, dec))
        self.assertEqual(decoder.get_layer("to_image").activation.__name__, "linear")
        # the authors' G: 128-d z → 4×4×1024 → 512/256/128 → 3 (5×5, Xavier)
        g = nets.dcgan_generator(128, 64, 3, 64, 5, top_width=1024, weight_init="glorot")
        self.assertEqual(g.get_layer("project").kernel.shape, (128, 4 * 4 * 1024))
        self.assertEqual([g.get_layer(f"deconv{i}").kernel.shape[2] for i in range(3)],
                         [512, 256, 128])

    def test_keras_round_trip_keeps_the_extractor_frozen(self):
        rf, _, _ = self._rf(seed=5)
        x = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            rf.save(Path(tmp) / "rf.keras")
            back = keras.saving.load_model(Path(tmp) / "rf.keras", compile=False)
        self.assertAllClose(back(x), rf(x))
        self.assertFalse(back.feature_extractor.trainable)
        self.assertEqual(len(back.trainable_variables), 4)


def _linear_rf_gan(cls, **kwargs):
    """G: z → x linear; trunk: A x + a; extractor: M x + m (frozen); head: [w2; w1], b."""
    keras.utils.set_random_seed(11)
    g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    trunk = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    extractor = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    for i, m in enumerate((g, trunk, extractor)):
        _randomize(m, 20 + i)
    rf = RepresentativeFeatureDiscriminator(trunk, extractor)
    _randomize(rf.head, 30)
    gan = cls(g, rf, latent_dim=3, seed=4, **kwargs)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
    return gan, g, trunk, extractor, rf


class CompositeGradientTest(tf.test.TestCase):

    def _critic_gradient(self, trunk, extractor, rf):
        w = rf.head.kernel.numpy()[:, 0]
        a, m = trunk.layers[0].kernel.numpy(), extractor.layers[0].kernel.numpy()
        return a @ w[:2] + m @ w[2:]  # ∇x D = Aᵀw2 + Mᵀw1 (Keras kernels are [in, out])

    def test_wgan_gp_and_dragan_penalties_through_the_encoder(self):
        for cls, kwargs in ((variants.WGANGP, {"gp_weight": 10.0}),
                            (variants.DRAGAN, {"gp_weight": 0.1})):
            with self.subTest(cls.__name__):
                gan, g, trunk, extractor, rf = _linear_rf_gan(cls, **kwargs)
                grad = self._critic_gradient(trunk, extractor, rf)
                expected = kwargs["gp_weight"] * (np.linalg.norm(grad) - 1.0) ** 2
                real = tf.constant(np.random.default_rng(0).normal(size=(5, 4)), tf.float32)
                fake = g(gan.sample_latent(5))
                self.assertAllClose(float(gan.penalty(real, fake)), expected, rtol=1e-5)
                # without the encoder's part the penalty would differ (w1 ≠ 0)
                self.assertGreater(abs(np.linalg.norm(trunk.layers[0].kernel.numpy()
                                                      @ rf.head.kernel.numpy()[:2, 0]) - 1.0
                                       - (np.linalg.norm(grad) - 1.0)), 1e-3)

    def test_generator_gradient_flows_through_the_frozen_encoder(self):
        # With the trunk's head weights w2 = 0, L_G = mean softplus(−(w1·(M G(z) + m) + b)),
        # G(z) = W z + c: ∂L_G/∂W = −mean_b σ(−l_b) z_b ⊗ (M w1).
        gan, g, trunk, extractor, rf = _linear_rf_gan(variants.DCGAN)
        kernel = rf.head.kernel.numpy()
        kernel[:2] = 0.0
        rf.head.kernel.assign(kernel)
        z = np.random.default_rng(1).normal(size=(7, 3)).astype("float32")
        with tf.GradientTape() as tape:
            loss = gan.generator_losses(tf.constant(z))["g_loss"]
        grad = tape.gradient(loss, g.layers[0].kernel).numpy()
        W, c = g.layers[0].kernel.numpy(), g.layers[0].bias.numpy()
        M, m = extractor.layers[0].kernel.numpy(), extractor.layers[0].bias.numpy()
        w1, b = kernel[2:, 0], rf.head.bias.numpy()[0]
        logits = ((z @ W + c) @ M + m) @ w1 + b
        expected = -(_sigmoid(-logits)[:, None, None] * z[:, :, None]
                     * (M @ w1)[None, None, :]).mean(0)
        self.assertAllClose(grad, expected, rtol=1e-5, atol=1e-7)
        self.assertGreater(np.abs(grad).max(), 1e-4)


class ScheduleTest(tf.test.TestCase):

    def test_generator_steps_reuse_the_discriminator_z(self):
        seen = {"d": [], "g": []}

        class Recording(variants.DCGAN):
            def discriminator_losses(self, real, z):
                seen["d"].append(z.numpy())
                return super().discriminator_losses(real, z)

            def generator_losses(self, z):
                seen["g"].append(z.numpy())
                return super().generator_losses(z)

        for reuse in (True, False):
            seen["d"].clear(), seen["g"].clear()
            keras.utils.set_random_seed(0)
            g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
            gan = Recording(g, d, latent_dim=3, g_steps=2, reuse_latents=reuse, seed=1)
            gan.compile(g_optimizer=keras.optimizers.SGD(0.01),
                        d_optimizer=keras.optimizers.SGD(0.01), run_eagerly=True)
            gan.fit(np.ones((8, 2), np.float32), batch_size=4, epochs=1, verbose=0, shuffle=False)
            self.assertEqual((len(seen["d"]), len(seen["g"])), (2, 4))
            same = [np.array_equal(seen["g"][2 * i + j], seen["d"][i])
                    for i in range(2) for j in range(2)]
            self.assertEqual(same, [reuse] * 4)


def _dae_run(tmp, dataset="shapes", steps=4, **kwargs):
    cfg = helpers.tiny_run(Path(tmp), model="dae", dataset=dataset, steps=steps, **kwargs)
    model_cfg = runner.resolve_model_config(
        cfg, {"width": 8} if dataset == "shapes" else {"mlp_units": 16, "mlp_layers": 2})
    return cfg, runner.train(cfg, model_cfg)


def _rf_run(tmp, encoder_dir, model="dragan", dataset="shapes", steps=4, rf=True, **kwargs):
    cfg = helpers.tiny_run(Path(tmp), model=model, dataset=dataset, steps=steps, **kwargs)
    extra = {"kernel_size": 5} if dataset == "shapes" else {}
    return runner.train(cfg, helpers.tiny_model_config(cfg, rf=rf, encoder_from=str(encoder_dir),
                                                       **extra))


class TrainerTest(tf.test.TestCase):
    """dae → --rf runs through ``train``: frozen encoder, parity, resume, export."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.tmp = Path(cls._tmp.name)
        cls.dae_cfg, cls.dae = _dae_run(cls.tmp / "dae")

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_dae_run_writes_encoder_and_exports_reconstruction_and_encode(self):
        out = Path(self.dae["out"])
        records = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
        self.assertTrue(all(np.isfinite(r["loss"]) for r in records))
        self.assertEqual(json.loads((out / "encoder.json").read_text())["feature_layer"],
                         rf_nets.FEATURE_LAYER)
        loaded = tf.saved_model.load(self.dae["export"])
        self.assertEqual(sorted(loaded.signatures), ["encode", "serving_default"])
        encoder = keras.saving.load_model(out / "encoder.keras", compile=False)
        x = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 3)).astype("float32")
        code = loaded.signatures["encode"](images=tf.constant(x))["code"].numpy()
        self.assertAllClose(code, encoder(x, training=False), atol=1e-5)
        self.assertEqual(code.shape, (3, 4, 4, 8))
        recon = loaded.signatures["serving_default"](images=tf.constant(x))["images"]
        self.assertEqual(recon.shape, x.shape)
        result = helpers.cli("evaluate", f"--run={out}")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--model=dae run has no generator", result.stderr)

    def test_encoder_unchanged_after_fit_with_a_penalty(self):
        extractor = load_feature_extractor(self.dae["out"])
        cfg = helpers.tiny_run(self.tmp / "dragan_rf", model="dragan", dataset="shapes", steps=4)
        model_cfg = helpers.tiny_model_config(cfg, rf=True, encoder_from=self.dae["out"],
                                              kernel_size=5)
        keras.utils.set_random_seed(cfg.seed)
        initial = runner.build_model(cfg, model_cfg)
        res = runner.train(cfg, model_cfg)
        self.assertIn("penalty", json.loads(
            (Path(res["out"]) / "metrics.jsonl").read_text().splitlines()[-1]))
        *_, trained, _, restored = runner.restore_latest(cfg, model_cfg, Path(res["out"]) / "checkpoints")
        self.assertTrue(restored.endswith("ckpt-4"))
        frozen = trained.discriminator.feature_extractor
        self.assertTrue(any("moving_variance" in w.path for w in frozen.weights))
        self.assertEqual(len(frozen.weights), len(extractor.weights))
        for a, b in zip(frozen.weights, extractor.weights):  # weights, γ/β and BN statistics
            self.assertAllEqual(a.numpy(), b.numpy(), msg=a.path)
        self.assertFalse({id(v) for v in frozen.weights}
                         & {id(v) for v in trained.discriminator_variables})
        moved = [not np.array_equal(a.numpy(), b.numpy()) for a, b in
                 zip(trained.discriminator.trunk.trainable_weights,
                     initial.discriminator.trunk.trainable_weights)]
        self.assertTrue(all(moved))
        self.assertTrue(any(not np.array_equal(a.numpy(), b.numpy()) for a, b in
                            zip(trained.generator.weights, initial.generator.weights)))

    def test_rf_false_is_the_plain_model(self):
        cfg = helpers.tiny_run(self.tmp / "plain", model="dcgan", dataset="shapes", steps=2)
        plain = runner.train(cfg, helpers.tiny_model_config(cfg, kernel_size=5))
        off = _rf_run(self.tmp / "rf_off", self.dae["out"], model="dcgan", steps=2, rf=False)
        helpers.assert_same_checkpoints(self, plain["checkpoint"], off["checkpoint"])

    def test_rf_run_resumes_bitwise(self):
        # DRAGAN: a penalty through the encoder and z reused by 2 G steps (the paper's schedule)
        cfgs = {}
        for name, steps in (("full", 4), ("part", 2), ("part", 4)):
            cfg = helpers.tiny_run(self.tmp / name, model="dragan", dataset="shapes", steps=steps)
            cfgs[name] = runner.train(cfg, helpers.tiny_model_config(
                cfg, rf=True, encoder_from=self.dae["out"], kernel_size=5, g_steps=2,
                reuse_latents=True))
        full, resumed = cfgs["full"], cfgs["part"]
        helpers.assert_same_checkpoints(self, full["checkpoint"], resumed["checkpoint"])

    def test_dae_resumes_bitwise(self):
        _, full = _dae_run(self.tmp / "dae_full", steps=4, dataset="ring8")
        _dae_run(self.tmp / "dae_part", steps=2, dataset="ring8")
        _, resumed = _dae_run(self.tmp / "dae_part", steps=4, dataset="ring8")
        helpers.assert_same_checkpoints(self, full["checkpoint"], resumed["checkpoint"])

    def test_bad_encoder_settings_are_errors(self):
        def train(name, **overrides):
            cfg = helpers.tiny_run(self.tmp / name, model="dcgan", dataset="shapes", steps=2)
            return runner.train(cfg, helpers.tiny_model_config(cfg, **overrides))

        with self.assertRaisesRegex(ValueError, "--rf needs --encoder_from"):
            train("x1", rf=True)
        with self.assertRaisesRegex(ValueError, "--encoder_from=.*no encoder.keras"):
            train("x2", rf=True, encoder_from=str(self.tmp))
        with self.assertRaisesRegex(ValueError, "--rf_feature_layer='nope'"):
            train("x3", rf=True, encoder_from=self.dae["out"], rf_feature_layer="nope")
        x_in = keras.Input((16, 16, 3))
        coarse = keras.Model(x_in, keras.layers.Conv2D(2, 3, strides=2)(x_in))  # 7×7 maps
        coarse.save(self.tmp / "coarse.keras")
        with self.assertRaisesRegex(ValueError, "--rf with --encoder_from=.*merge='channel'"):
            train("x4", rf=True, encoder_from=str(self.tmp / "coarse.keras"), rf_merge="channel")
        # a user's own extractor works with the flatten merge
        res = train("x5", rf=True, encoder_from=str(self.tmp / "coarse.keras"))
        self.assertTrue(Path(res["checkpoint"]).name == "ckpt-2")


class MirroredTest(tf.test.TestCase):

    def test_mirrored_rf_and_dae_match_single_device(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            _, dae = _dae_run(tmp / "dae", dataset="ring8")
            ckpt = {}
            for dist in ("none", "mirrored"):
                ckpt[dist] = _rf_run(tmp / dist, dae["out"], model="wgan_gp", dataset="ring8",
                                     distribute=dist, cpu_devices=2)["checkpoint"]
                _, d = _dae_run(tmp / f"dae_{dist}", dataset="ring8", distribute=dist,
                                cpu_devices=2)
                ckpt[f"dae_{dist}"] = d["checkpoint"]
            helpers.assert_same_checkpoints(self, ckpt["none"], ckpt["mirrored"], exact=False,
                                            rtol=1e-4, atol=1e-5)
            helpers.assert_same_checkpoints(self, ckpt["dae_none"], ckpt["dae_mirrored"],
                                            exact=False, rtol=1e-4, atol=1e-5)

"""LIS models (Jung 2017): App. J nets, similarity loss, G-LIS / R-iterative / R-separate.

References are numpy formulas, closed forms and the parameter counts of App. J computed
layer by layer here (research/lis.md §1.8, §3 checks 10-20).
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.optimizers import TorchRMSprop
from tfgan_latent.papers.lis import (
    GLIS, LISGenerator, RefinedGenerator, RIterative, RSeparate, lis_similarity_loss, nets,
    similarity,
)
from tfgan_latent.papers.lis.config import GLISConfig, RIterativeConfig
from tfgan_latent.papers.lis.registration import rmsprop
from tfgan_latent.train import runner
from tests import helpers

TINY = {"points": dict(latent_dim=4, mlp_units=16, mlp_layers=2),
        "images": dict(latent_dim=16, nfeature=8)}


def lis_run(tmp, model="glis", dataset="ring8", steps=4, overrides=None, **kwargs):
    run = helpers.tiny_run(tmp, model=model, dataset=dataset, steps=steps, **kwargs)
    kind = "points" if dataset == "ring8" else "images"
    extra = {"r_nfeature": 8} if model == "r_iterative" and kind == "images" else {}
    return run, runner.resolve_model_config(run, {**TINY[kind], **extra, **(overrides or {})})


# ------------------------------------------------------------------ App. J nets
def appendix_j_counts(size, latent=256, nf=64, nf_r=32, channels=3, nlayer=4):
    """Parameters of App. J Tables 1-3, layer by layer (WN hidden layers: kernel only;
    TPReLU: 2 per channel; affine-WN last layers: kernel + g + b)."""
    s0 = size // 2**nlayer
    top = nf * 2 ** (nlayer - 1)
    g = latent * s0 * s0 * top + 2 * top  # dense + TPReLU over `top` channels
    for i in range(1, nlayer):
        cin, cout = top // 2 ** (i - 1), top // 2**i
        g += 16 * cin * cout + 2 * cout
    g += 16 * nf * channels + 2 * channels  # affine-WN convT to RGB

    def encoder(first, out_units):
        total, cin = 0, channels
        for i in range(nlayer):
            cout = first * 2**i
            total += 16 * cin * cout + 2 * cout
            cin = cout
        return total + s0 * s0 * cin * out_units + 2 * out_units

    module = 2 * latent * latent + 2 * latent  # two WN FCs without bias + TPReLU
    return g, encoder(nf, 1), encoder(nf_r, latent), module


class AppendixJNetsTest(tf.test.TestCase):

    def test_80x80_parameter_counts(self):
        g, d, r, module = appendix_j_counts(80)
        self.assertEqual((g, d, r, module), (6_034_310, 2_770_306, 2_329_536, 131_584))  # lis.md §1.8
        base = nets.wn_generator(256, 80)
        for n in (0, 1, 3):
            wrapped = LISGenerator(base, n)
            self.assertEqual(wrapped.count_params(), g + n * module, msg=f"N={n}")
        self.assertEqual(nets.wn_discriminator(80).count_params(), d)
        self.assertEqual(nets.wn_reverser(256, 80, dropout=0.1).count_params(), r)

    def test_shapes_and_ranges(self):
        z = np.random.default_rng(0).normal(size=(2, 32)).astype("float32")
        for size, nlayer, first in ((80, 4, 5), (64, 4, 4), (32, 3, 4)):  # lis.md §1.8
            with self.subTest(size=size):
                self.assertEqual(nets.default_nlayer(size), nlayer)
                g = nets.wn_generator(32, size, nfeature=8)
                self.assertEqual(g.get_layer("project_act").output.shape[1], first)
                x = g(z).numpy()
                self.assertEqual(x.shape, (2, size, size, 3))
                self.assertTrue(np.all(np.abs(x) < 1))
                self.assertEqual(nets.wn_discriminator(size, nfeature=8)(x).shape, (2, 1))
                self.assertEqual(nets.wn_reverser(32, size, nfeature=8)(x).shape, (2, 32))

    def test_forward_values_vs_numpy(self):
        """G, D and R of App. J Tables 1-3 (16 px, 2 layers, nfeature 4) with random non-zero
        weights, WN scales and biases, against a numpy forward built from the tables: WN
        layers normalise each output unit's raw kernel (strict: no g, no bias), transposed
        convs with the 1/(s_h s_w) factor, TPReLU per channel, sigmoid output mapped to
        [−1, 1]; D and R map images to [0, 1] first and end in an affine-WN s0×s0 conv."""
        from tests.test_lis_layers import np_conv2d, np_conv2d_transpose, np_normalize

        rng = np.random.default_rng(21)
        g, d = nets.wn_generator(8, 16, nfeature=4, nlayer=2), nets.wn_discriminator(16, nfeature=4, nlayer=2)
        r = nets.wn_reverser(8, 16, nfeature=2, nlayer=2)
        for net in (g, d, r):
            _randomize(net.trainable_weights, rng)
        w = lambda net, name, attr: getattr(net.get_layer(name), attr).numpy().astype("float64")
        act = lambda net, name, x: np.where(x > w(net, name, "threshold"), x, w(
            net, name, "threshold") + np.clip(w(net, name, "alpha"), 0, 1) * (x - w(net, name, "threshold")))

        z = rng.normal(size=(3, 8))
        h = z @ np_normalize(w(g, "project", "kernel"), (0,))  # 8 -> 4·4·8, strict WN
        h = act(g, "project_act", h.reshape(3, 4, 4, 8))
        h = np_conv2d_transpose(h, np_normalize(w(g, "deconv1", "kernel"), (0, 1, 3), 0.25),
                                (2, 2), "same")  # 8 -> 4 channels, 8×8
        h = act(g, "deconv1_act", h)
        k = w(g, "to_image", "g")[:, None] * np_normalize(w(g, "to_image", "kernel"), (0, 1, 3), 0.25)
        h = np_conv2d_transpose(h, k, (2, 2), "same") + w(g, "to_image", "bias")
        images = 2.0 / (1.0 + np.exp(-h)) - 1.0
        self.assertAllClose(g(z.astype("float32")), images, atol=1e-5)

        def encoder(net, x, widths, head, out_units):
            x = 0.5 * x + 0.5
            for i, _ in enumerate(widths):
                x = np_conv2d(x, np_normalize(w(net, f"conv{i}", "kernel"), (0, 1, 2)), (2, 2), "same")
                x = act(net, f"conv{i}_act", x)
            k = w(net, head, "g") * np_normalize(w(net, head, "kernel"), (0, 1, 2))
            return (np_conv2d(x, k, (1, 1), "valid") + w(net, head, "bias")).reshape(-1, out_units)

        x = rng.uniform(-1, 1, (3, 16, 16, 3))
        self.assertAllClose(d(x.astype("float32")), encoder(d, x, (4, 8), "score_conv", 1), atol=1e-4)
        self.assertAllClose(r(x.astype("float32")), encoder(r, x, (2, 4), "latent_conv", 8), atol=1e-4)

    def test_nearest_upsampling_generator_vs_numpy(self):
        """``upsampling="nearest"`` (not the paper's; the CPU preset search): every stage is a
        nearest ×2 repeat and a 3×3 stride-1 WN conv (no transposed-conv factor), hidden
        stages strict WN + TPReLU, the last affine WN; random non-zero weights, scales and
        biases, batch 3, against numpy. Also: the flag reaches the built G-LIS, and 2-D data
        refuses it by name."""
        from tests.test_lis_layers import np_conv2d, np_normalize

        rng = np.random.default_rng(5)
        g = nets.wn_generator(8, 16, nfeature=4, nlayer=2, upsampling="nearest")
        _randomize(g.trainable_weights, rng)
        w = lambda name, attr: getattr(g.get_layer(name), attr).numpy().astype("float64")
        act = lambda name, x: np.where(x > w(name, "threshold"), x, w(name, "threshold")
                                       + np.clip(w(name, "alpha"), 0, 1) * (x - w(name, "threshold")))
        up = lambda x: x.repeat(2, axis=1).repeat(2, axis=2)
        z = rng.normal(size=(3, 8))
        h = act("project_act", (z @ np_normalize(w("project", "kernel"), (0,))).reshape(3, 4, 4, 8))
        h = act("deconv1_act", np_conv2d(up(h), np_normalize(w("deconv1", "kernel"), (0, 1, 2)),
                                         (1, 1), "same"))  # 8 -> 4 channels, 8×8
        k = w("to_image", "g") * np_normalize(w("to_image", "kernel"), (0, 1, 2))
        h = np_conv2d(up(h), k, (1, 1), "same") + w("to_image", "bias")  # 4 -> 3, 16×16
        self.assertAllClose(g(z.astype("float32")), 2.0 / (1.0 + np.exp(-h)) - 1.0, atol=1e-5)
        self.assertEqual(g.get_layer("deconv1").kernel.shape, (3, 3, 8, 4))
        self.assertEqual(g.get_layer("to_image").kernel.shape, (3, 3, 4, 3))

        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = lis_run(tmp, dataset="shapes", image_size=16,
                               overrides={"g_upsampling": "nearest", "lis_modules": 0})
            gan = runner.build_model(run, cfg)
            self.assertEqual(type(gan.generator.generator.get_layer("deconv1")).__name__,
                             "WeightNormConv2D")
            run, cfg = lis_run(tmp, overrides={"g_upsampling": "nearest"})
            with self.assertRaisesRegex(ValueError, "--g_upsampling"):
                runner.build_model(run, cfg)
        with self.assertRaisesRegex(ValueError, "upsampling"):
            nets.wn_generator(8, 16, upsampling="bilinear")

    def test_coord_conv_nets_vs_numpy(self):
        """``coord_conv=True`` (not the paper's; the CPU preset search): G appends a column map
        ``2 (j + 0.5) / W - 1`` and a row map ``2 (i + 0.5) / H - 1`` to each stage's input
        (before the ×2), D to the [0, 1] image; random non-zero weights, scales and biases,
        batch 3, against numpy. Also: the flag reaches the built G-LIS, 2-D data refuses it."""
        from tests.test_lis_layers import np_conv2d, np_normalize

        def coords(x):  # written here from Liu et al. 2018 §3 at pixel centres
            b, h, wd, _ = x.shape
            cols = np.broadcast_to((np.arange(wd) + 0.5) * 2.0 / wd - 1.0, (b, h, wd))
            rows = np.broadcast_to(((np.arange(h) + 0.5) * 2.0 / h - 1.0)[:, None], (b, h, wd))
            return np.concatenate([x, cols[..., None], rows[..., None]], -1)

        rng = np.random.default_rng(8)
        g = nets.wn_generator(8, 16, nfeature=4, nlayer=2, upsampling="nearest", coord_conv=True)
        d = nets.wn_discriminator(16, nfeature=4, nlayer=2, coord_conv=True)
        for net in (g, d):
            _randomize(net.trainable_weights, rng)
        w = lambda net, name, attr: getattr(net.get_layer(name), attr).numpy().astype("float64")
        act = lambda net, name, x: np.where(x > w(net, name, "threshold"), x, w(
            net, name, "threshold") + np.clip(w(net, name, "alpha"), 0, 1) * (x - w(net, name, "threshold")))
        up = lambda x: x.repeat(2, axis=1).repeat(2, axis=2)
        z = rng.normal(size=(3, 8))
        h = act(g, "project_act", (z @ np_normalize(w(g, "project", "kernel"), (0,))).reshape(3, 4, 4, 8))
        h = act(g, "deconv1_act", np_conv2d(up(coords(h)), np_normalize(
            w(g, "deconv1", "kernel"), (0, 1, 2)), (1, 1), "same"))  # 8 + 2 -> 4 channels, 8×8
        k = w(g, "to_image", "g") * np_normalize(w(g, "to_image", "kernel"), (0, 1, 2))
        h = np_conv2d(up(coords(h)), k, (1, 1), "same") + w(g, "to_image", "bias")
        self.assertAllClose(g(z.astype("float32")), 2.0 / (1.0 + np.exp(-h)) - 1.0, atol=1e-5)
        self.assertEqual(g.get_layer("deconv1").kernel.shape, (3, 3, 10, 4))

        x = rng.uniform(-1, 1, (3, 16, 16, 3))
        h = coords(0.5 * x + 0.5)
        for i in range(2):
            h = act(d, f"conv{i}_act", np_conv2d(h, np_normalize(w(d, f"conv{i}", "kernel"),
                                                                 (0, 1, 2)), (2, 2), "same"))
        k = w(d, "score_conv", "g") * np_normalize(w(d, "score_conv", "kernel"), (0, 1, 2))
        score = (np_conv2d(h, k, (1, 1), "valid") + w(d, "score_conv", "bias")).reshape(-1, 1)
        self.assertAllClose(d(x.astype("float32")), score, atol=1e-4)
        self.assertEqual(d.get_layer("conv0").kernel.shape, (4, 4, 5, 4))

        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = lis_run(tmp, dataset="shapes", image_size=16,
                               overrides={"coord_conv": True, "lis_modules": 0})
            gan = runner.build_model(run, cfg)
            self.assertEqual(gan.discriminator.get_layer("conv0").kernel.shape[2], 5)
            self.assertIn("deconv1_coords", [l.name for l in gan.generator.generator.layers])
            run, cfg = lis_run(tmp, overrides={"coord_conv": True})
            with self.assertRaisesRegex(ValueError, "--coord_conv"):
                runner.build_model(run, cfg)

    def test_minibatch_stddev_discriminator_vs_numpy(self):
        """``mbstd_group_size=G`` (not the paper's; the CPU preset search): before D's score
        conv, one map per sample holding the mean over (h, w, c) of sqrt(var + 1e-8), the
        variance over the sample's strided group {m, m + M, ...} (M = B / G, ProGAN's
        reshape); random non-zero weights, scales and biases, batch 8 in groups of 4, against
        numpy. Also: the flag reaches the built G-LIS, bad values and 2-D data are refused."""
        from tests.test_lis_layers import np_conv2d, np_normalize

        rng = np.random.default_rng(13)
        d = nets.wn_discriminator(16, nfeature=4, nlayer=2, mbstd_group_size=4)
        _randomize(d.trainable_weights, rng)
        w = lambda name, attr: getattr(d.get_layer(name), attr).numpy().astype("float64")
        act = lambda name, x: np.where(x > w(name, "threshold"), x, w(name, "threshold")
                                       + np.clip(w(name, "alpha"), 0, 1) * (x - w(name, "threshold")))
        x = rng.uniform(-1, 1, (8, 16, 16, 3))
        h = 0.5 * x + 0.5
        for i in range(2):
            h = act(f"conv{i}_act", np_conv2d(h, np_normalize(w(f"conv{i}", "kernel"), (0, 1, 2)),
                                              (2, 2), "same"))
        groups = [[m, m + 2, m + 4, m + 6] for m in range(2)]  # M = 8 / 4 = 2, strided
        stat = np.zeros(8)
        for members in groups:
            var = h[members].var(axis=0)  # population variance over the group
            stat[members] = np.sqrt(var + 1e-8).mean()
        self.assertNotAllClose(stat[0], stat[1])
        h = np.concatenate([h, np.broadcast_to(stat[:, None, None, None], h.shape[:3] + (1,))], -1)
        k = w("score_conv", "g") * np_normalize(w("score_conv", "kernel"), (0, 1, 2))
        score = (np_conv2d(h, k, (1, 1), "valid") + w("score_conv", "bias")).reshape(-1, 1)
        self.assertAllClose(d(x.astype("float32")), score, atol=1e-4)
        self.assertEqual(d.get_layer("score_conv").kernel.shape, (4, 4, 9, 1))

        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = lis_run(tmp, dataset="shapes", image_size=16, batch_size=8,
                               overrides={"mbstd_group_size": 4, "lis_modules": 0})
            gan = runner.build_model(run, cfg)
            self.assertEqual(gan.discriminator.get_layer("mbstd").group_size, 4)
            for bad, message in ((3, "must divide --batch_size=8"), (-1, "int >= 0")):
                run, cfg = lis_run(tmp, dataset="shapes", image_size=16, batch_size=8,
                                   overrides={"mbstd_group_size": bad, "lis_modules": 0})
                with self.assertRaisesRegex(ValueError, message):
                    runner.build_model(run, cfg)
            run, cfg = lis_run(tmp, overrides={"mbstd_group_size": 4})
            with self.assertRaisesRegex(ValueError, "--mbstd_group_size"):
                runner.build_model(run, cfg)

    def test_reverser_dropout_only_after_convs_2_to_n_and_only_in_training(self):
        r = nets.wn_reverser(8, 32, nfeature=4, dropout=0.5)
        drops = [l.name for l in r.layers if isinstance(l, keras.layers.SpatialDropout2D)]
        self.assertEqual(drops, ["dropout1", "dropout2"])  # nlayer 3: after convs 2 and 3
        x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
        self.assertAllEqual(r(x, training=False), r(x, training=False))
        self.assertNotAllClose(r(x, training=True), r(x, training=False))

    def test_bad_sizes_are_named(self):
        with self.assertRaisesRegex(ValueError, "`image_size`=40 must be divisible"):
            nets.wn_generator(8, 40, nlayer=4)
        with self.assertRaisesRegex(ValueError, "`image_size` must be an int >= 8"):
            nets.wn_discriminator(4)


# ------------------------------------------------------------- similarity loss
class SimilarityLossTest(tf.test.TestCase):

    def test_weights_and_original_z_vs_numpy(self):
        rng = np.random.default_rng(0)
        z = rng.normal(size=(5, 6)).astype("float32")
        latents = [rng.normal(size=(5, 6)).astype("float32") for _ in range(3)]
        for active in ([1, 1, 1], [1, 1, 0], [0, 0, 0]):
            expected = sum(0.9**k * a * np.mean((zk - z) ** 2)
                           for k, (zk, a) in enumerate(zip(latents, active), start=1))
            got = lis_similarity_loss(z, latents, np.asarray(active, "float32"), 0.9)
            self.assertAllClose(got, expected, rtol=1e-6)
        self.assertAllClose(similarity(z, latents[0]), np.mean((latents[0] - z) ** 2))

    def test_gradient_routing_and_lambda_zero(self):
        chain_gen = LISGenerator(nets.wn_mlp(4, 2, 8, 1, name="g"), 3, seed=0)
        modules = chain_gen.lis_chain.lis_modules
        z = tf.constant(np.random.default_rng(2).normal(size=(16, 4)), tf.float32)

        def grads(active, lam):
            with tf.GradientTape() as tape:
                out = chain_gen.lis_forward(z, training=True, num_active=3)
                loss = lis_similarity_loss(z, out["latents"], tf.constant(active, tf.float32), lam)
            gs = tape.gradient(loss, [m.trainable_variables for m in modules])
            return loss, [max(float(tf.reduce_max(tf.abs(g))) for g in group) for group in gs]

        loss, norms = grads([1, 0, 0], 0.9)  # only module 1's term: modules 2, 3 untouched
        self.assertGreater(norms[0], 0)
        self.assertEqual(norms[1:], [0.0, 0.0])
        loss, norms = grads([1, 1, 1], 0.0)
        self.assertEqual(float(loss), 0.0)
        self.assertEqual(norms, [0.0, 0.0, 0.0])


# ------------------------------------------------------------------- optimizer
class TorchRMSpropTest(tf.test.TestCase):

    def test_two_steps_vs_numpy_and_skip(self):
        var = keras.Variable(np.array([1.0, -2.0, 0.5], "float32"))
        opt = TorchRMSprop(0.01, rho=0.9, epsilon=1e-6)
        opt.build([var])
        theta, v = var.numpy().astype("float64"), np.zeros(3)
        for g in ([0.3, -1e-7, 2.0], [0.1, 0.5, -1.0]):
            opt.apply([tf.constant(g, tf.float32)], [var])
            v = 0.9 * v + 0.1 * np.square(g)
            theta = theta - 0.01 * np.asarray(g) / (np.sqrt(v) + 1e-6)
            self.assertAllClose(var.numpy(), theta, rtol=1e-6)
        before = var.numpy().copy(), opt._velocities[0].numpy().copy()
        opt.active.assign(0.0)
        opt.apply([tf.constant([5.0, 5.0, 5.0])], [var])
        self.assertAllEqual(var.numpy(), before[0])
        self.assertAllEqual(opt._velocities[0].numpy(), before[1])

    def test_presets_and_drop(self):
        cfg = GLISConfig()
        sched = rmsprop(cfg, "glis")._learning_rate  # step = updates applied before this one
        self.assertAllClose(sched(99_999), 5e-4)  # §3.3: 100k batches at 5e-4
        self.assertAllClose(sched(100_000), 1e-4)
        sched4 = rmsprop(RIterativeConfig(), "r_iterative", 4)._learning_rate
        self.assertAllClose(sched4(399_999), 5e-4)
        self.assertAllClose(sched4(400_000), 1e-4)
        code = rmsprop(GLISConfig(lr_preset="code"), "glis")
        self.assertAllClose(code.learning_rate, 2e-5)
        with self.assertRaisesRegex(ValueError, "--lr_preset must be one of"):
            rmsprop(GLISConfig(lr_preset="mine"), "glis")

    def test_data_presets_in_built_models(self):
        """The paper's rates for its other data (research/lis.md §1.9): CelebA 160 400k @ 2e-5
        then 1e-5 (Fig. 14), CIFAR-10 32 2e-5 throughout (Fig. 19); CelebA 80 and data the
        paper has no rate for keep the preset (§3.3: 100k @ 5e-4, then 1e-4)."""
        cases = [("celeb_a", 160, "paper", [(399_999, 2e-5), (400_000, 1e-5)]),
                 ("cifar10", 32, "paper", [(0, 2e-5), (10**6, 2e-5)]),
                 ("cifar10", 32, "code", [(0, 2e-5)]),
                 ("celeb_a", 80, "paper", [(99_999, 5e-4), (100_000, 1e-4)]),
                 ("shapes", 32, "paper", [(99_999, 5e-4), (100_000, 1e-4)]),
                 ("celeb_a", 80, "code", [(0, 2e-5), (10**6, 2e-5)])]
        for dataset, size, preset, points in cases:
            with self.subTest(dataset=dataset, size=size, preset=preset), \
                    tempfile.TemporaryDirectory() as tmp:
                run = helpers.tiny_run(tmp, model="glis", dataset=dataset, image_size=size)
                gan = runner.build_model(run, runner.resolve_model_config(
                    run, {"latent_dim": 8, "nfeature": 2, "lis_modules": 0, "lr_preset": preset}))
                for opt in (gan.g_optimizer, gan.d_optimizer):
                    lr = opt._learning_rate
                    for step, value in points:
                        self.assertAllClose(lr(step) if callable(lr) else lr, value)


    def test_d_lr_scale_in_built_models(self):
        """``--d_lr_scale`` (not the paper's; the CPU preset search) multiplies D's rates before
        and after the drop, G's (and R's) stay the preset's: 5e-4 × 0.5 = 2.5e-4, 1e-4 × 0.5 =
        5e-5 after 100k batches (§3.3's schedule); R-iterative's D counts N + 1 updates a
        batch. Zero or negative is refused by name."""
        for model, extra, per_batch in (("glis", {"lis_modules": 0}, 1),
                                        ("r_iterative", {"r_iterations": 1, "r_nfeature": 2}, 2)):
            with self.subTest(model=model), tempfile.TemporaryDirectory() as tmp:
                run = helpers.tiny_run(tmp, model=model, dataset="shapes", image_size=16)
                gan = runner.build_model(run, runner.resolve_model_config(
                    run, {"latent_dim": 8, "nfeature": 2, "d_lr_scale": 0.5, **extra}))
                d_lr, g_lr = gan.d_optimizer._learning_rate, gan.g_optimizer._learning_rate
                self.assertAllClose(d_lr(100_000 * per_batch - 1), 2.5e-4)
                self.assertAllClose(d_lr(100_000 * per_batch), 5e-5)
                self.assertAllClose(g_lr(100_000 * per_batch - 1), 5e-4)
                self.assertAllClose(g_lr(100_000 * per_batch), 1e-4)
                if model == "r_iterative":
                    self.assertAllClose(gan.r_optimizer._learning_rate(100_000 - 1), 5e-4)
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="glis", dataset="shapes", image_size=16)
            with self.assertRaisesRegex(ValueError, "--d_lr_scale"):
                runner.build_model(run, runner.resolve_model_config(
                    run, {"latent_dim": 8, "nfeature": 2, "d_lr_scale": 0.0}))

# --------------------------------------------------------------------- models
def _tiny_glis(n=3, lambda_r=0.9):
    g = LISGenerator(nets.wn_mlp(4, 2, 8, 1, 0.01, name="g"), n, seed=3)
    d = nets.wn_mlp(2, 1, 8, 1, name="d")
    gan = GLIS(g, d, lambda_r=lambda_r, latent_dim=4, seed=0)
    gan.compile(g_optimizer=TorchRMSprop(1e-3), d_optimizer=TorchRMSprop(1e-3))
    return gan


class GLISTest(tf.test.TestCase):

    def test_generator_loss_vs_numpy(self):
        gan = _tiny_glis()
        rng = np.random.default_rng(4)
        weights = gan.generator.trainable_weights + gan.discriminator.trainable_weights
        _randomize(weights, rng)
        params = {id(w): w.numpy().astype("float64") for w in weights}
        z = rng.normal(size=(32, 4)).astype("float32")
        seen = set()
        for _ in range(12):
            logs = gan.generator_losses(tf.constant(z))
            k = int(logs["lis_active"])
            seen.add(k)
            lat, latents = _np_lis(z.astype("float64"), params, gan.generator.lis_chain.lis_modules, k)
            sim = sum(0.9**i * np.mean((zi - z) ** 2) for i, zi in enumerate(latents, start=1))
            logits = _np_mlp(_np_mlp(lat, params, gan.generator.generator), params, gan.discriminator)
            adversarial = np.mean(np.logaddexp(0.0, -logits))  # -log sigmoid
            self.assertAllClose(logs["similarity"], sim, rtol=1e-4, atol=1e-6)
            self.assertAllClose(logs["g_loss"], adversarial + sim, rtol=1e-4, atol=1e-6)
        self.assertGreater(len(seen), 1)  # the early stop varies K

    def test_every_model_class_is_registered(self):
        """Saved .keras files name their classes: each must resolve back to itself."""
        for cls in (LISGenerator, GLIS, RIterative, RefinedGenerator, RSeparate):
            name = keras.saving.get_registered_name(cls)
            self.assertEqual(name, f"tfgan_latent>{cls.__name__}")
            self.assertIs(keras.saving.get_registered_object(name), cls)

    def test_wrapping_any_generator_and_bad_inputs(self):
        with self.assertRaisesRegex(ValueError, "`generator` must be an LISGenerator"):
            GLIS(nets.wn_mlp(4, 2, 8, 1), nets.wn_mlp(2, 1, 8, 1), latent_dim=4)
        with self.assertRaisesRegex(ValueError, "`lambda_r` must be >= 0"):
            _tiny_glis(lambda_r=-1.0)
        with self.assertRaisesRegex(ValueError, r"`generator` must take z of shape"):
            LISGenerator(nets.wn_discriminator(16, nfeature=4), 1)
        dcgan = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
        wrapped = LISGenerator(dcgan, 2)
        self.assertEqual(wrapped(np.zeros((2, 6), "float32")).shape, (2, 3))

    def test_lis_generator_round_trip(self):
        rng = np.random.default_rng(0)
        gen = LISGenerator(nets.wn_mlp(4, 2, 8, 1, name="g"), 2, seed=5, name="lis_g")
        refined = RefinedGenerator(gen, nets.wn_mlp(2, 4, 8, 1, name="r"))
        weights = gen.trainable_weights + refined.reverser.trainable_weights
        _randomize(weights, rng)
        z = rng.normal(size=(3, 4)).astype("float32")
        params = {id(w): w.numpy().astype("float64") for w in weights}
        modules, g_net = gen.lis_chain.lis_modules, gen.generator
        np_gen = lambda v: _np_mlp(_np_lis(v, params, modules, 2)[0], params, g_net)
        # Inference runs every module: G(z'_N); R-separate: G(R(G(z))), all in numpy.
        self.assertAllClose(gen(z), np_gen(z), atol=1e-5)
        self.assertAllClose(refined(z), np_gen(_np_mlp(np_gen(z), params, refined.reverser)),
                            atol=1e-5)
        for model in (gen, refined):
            copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
            copy.set_weights(model.get_weights())
            self.assertAllClose(copy(z), model(z), atol=1e-6)
        self.assertEqual(copy.generator.num_modules, 2)


# An independent float64 numpy model of the G-LIS nets (wn_mlp + LIS chain): WN dense
# y = x v / sqrt(||v_j||² + 1e-6) (· g_j) (+ b_j), TPReLU with α clipped to [0, 1], LIS module
# z + f(z); parameters from a dict keyed by variable (``id``), so gradients are finite differences.
def _np_wn(x, params, layer):
    v = params[id(layer.kernel)]
    y = x @ v / np.sqrt((v**2).sum(axis=0) + 1e-6)
    if layer.g is not None:
        y = y * params[id(layer.g)]
    if layer.bias is not None:
        y = y + params[id(layer.bias)]
    return y


def _np_act(x, params, layer):
    a, b = np.clip(params[id(layer.alpha)], 0, 1), params[id(layer.threshold)]
    return np.where(x > b, x, b + a * (x - b))


def _np_mlp(x, params, model):
    for layer in model.layers[1:]:
        x = _np_act(x, params, layer) if hasattr(layer, "alpha") else _np_wn(x, params, layer)
    return x


def _np_lis(z, params, modules, k):
    """(z'_k, [z'_1..z'_k]) through the first k modules."""
    latents = []
    for m in modules[:k]:
        z = z + _np_wn(_np_act(_np_wn(z, params, m.dense_1), params, m.tprelu), params, m.dense_2)
        latents.append(z)
    return z, latents


def _randomize(weights, rng):
    """Non-trivial values: kernels and biases N(0, 0.5²), WN scales g in [0.5, 1.5], TPReLU
    slopes α in [0.1, 0.9] (inside the clip), thresholds N(0, 0.5²)."""
    for w in weights:
        if "alpha" in w.path:
            value = rng.uniform(0.1, 0.9, w.shape)
        elif w.path.endswith("/g"):
            value = rng.uniform(0.5, 1.5, w.shape)
        else:
            value = rng.normal(0.0, 0.5, w.shape)
        w.assign(value.astype("float32"))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _fd_grad(loss, params, keys, h=1e-5):
    grads = {}
    for key in keys:
        g = np.zeros_like(params[key])
        for i in np.ndindex(g.shape):
            old = params[key][i]
            params[key][i] = old + h
            up = loss(params)
            params[key][i] = old - h
            down = loss(params)
            params[key][i] = old
            g[i] = (up - down) / (2 * h)
        grads[key] = g
    return grads


class GLISTrainStepTest(tf.test.TestCase):

    def test_train_step_vs_numpy(self):
        """One G-LIS train_step of trained nets with random non-zero weights and biases vs a
        numpy reference: D step on real and G(LIS(z_D)) with its own early stop K_D, then the
        G step through the *updated* D with K_G: BCE(D(G(z'_K)), 1) + Σ_{k≤K} λ^k L_R(z, z'_k)
        against the original z (Jung 2017 §2.3, Eq. 2; plain SGD so an update is −lr·∇)."""
        rng = np.random.default_rng(11)
        g = LISGenerator(nets.wn_mlp(4, 2, 8, 1, name="g"), 2, seed=3)
        d = nets.wn_mlp(2, 1, 8, 1, name="d")
        gan = GLIS(g, d, lambda_r=0.9, latent_dim=4, seed=0)
        lr = 0.05
        gan.compile(g_optimizer=keras.optimizers.SGD(lr), d_optimizer=keras.optimizers.SGD(lr))
        _randomize(gan.generator.trainable_weights + gan.discriminator.trainable_weights, rng)
        for _ in range(2):  # trained, not fresh
            gan.train_step(tf.constant(rng.normal(size=(6, 2)).astype("float32")))

        real = rng.normal(size=(6, 2)).astype("float32")
        z_d, z_g = (rng.normal(size=(6, 4)).astype("float32") for _ in range(2))
        draws = {"z": [z_d, z_g], "k": [1, 2]}  # D's fake batch: K = 1; G's: K = 2 (= N)
        gan.sample_latent = lambda batch: tf.constant(draws["z"].pop(0))
        gan.generator.lis_chain.sample_num_active = lambda: tf.constant(draws["k"].pop(0))

        g_vars, d_vars = gan.generator.trainable_weights, gan.discriminator.trainable_weights
        params = {id(w): w.numpy().astype("float64") for w in g_vars + d_vars}
        modules, g_net = gan.generator.lis_chain.lis_modules, gan.generator.generator

        def fake(p, z, k):
            latent, latents = _np_lis(z.astype("float64"), p, modules, k)
            return _np_mlp(latent, p, g_net), latents

        def d_loss(p):
            logits_real = _np_mlp(real.astype("float64"), p, d)
            logits_fake = _np_mlp(fake(p, z_d, 1)[0], p, d)
            return _softplus(-logits_real).mean() + _softplus(logits_fake).mean()

        def g_loss(p):
            x, latents = fake(p, z_g, 2)
            sim = sum(0.9**k * np.mean((zk - z_g) ** 2) for k, zk in enumerate(latents, start=1))
            return _softplus(-_np_mlp(x, p, d)).mean() + sim

        expected = {}
        for key, grad in _fd_grad(d_loss, params, [id(w) for w in d_vars]).items():
            expected[key] = -lr * grad
            params[key] = params[key] - lr * grad  # G's step sees the updated D
        for key, grad in _fd_grad(g_loss, params, [id(w) for w in g_vars]).items():
            expected[key] = -lr * grad

        before = {id(w): w.numpy() for w in g_vars + d_vars}
        for tracker in gan.metrics:
            tracker.reset_state()
        logs = gan.train_step(tf.constant(real))
        self.assertEqual(draws, {"z": [], "k": []})  # exactly these draws, in this order
        self.assertEqual(float(logs["lis_active"]), 2.0)
        for w in g_vars + d_vars:
            self.assertAllClose(w.numpy() - before[id(w)], expected[id(w)], rtol=2e-3,
                                atol=2e-6, msg=w.path)
        self.assertGreater(max(np.abs(expected[id(w)]).max() for w in g_vars), 1e-4)


class RSeparateStepTest(tf.test.TestCase):

    def test_train_step_vs_numpy(self):
        """R-separate: x = G(z) through every LIS module of the frozen G-LIS generator, one R
        step on L_R(z, R(x)) against the original pre-LIS z; G and D unchanged; the logged D
        fake losses of x and of G(R(x)) (Jung 2017 §2.1, App. K Alg. 1; plain SGD)."""
        rng = np.random.default_rng(13)
        g = LISGenerator(nets.wn_mlp(4, 2, 8, 1, name="g"), 2, seed=3)
        d, r = nets.wn_mlp(2, 1, 8, 1, name="d"), nets.wn_mlp(2, 4, 8, 1, name="r")
        gan = RSeparate(g, d, r, latent_dim=4, seed=0)
        lr = 0.05
        gan.compile(r_optimizer=keras.optimizers.SGD(lr))
        frozen = g.trainable_weights + d.trainable_weights
        _randomize(frozen + r.trainable_weights, rng)
        gan.train_step(tf.constant(np.zeros((5, 2), "float32")))  # trained R, not fresh
        z = rng.normal(size=(5, 4)).astype("float32")
        gan.sample_latent = lambda batch: tf.constant(z)

        p = {id(w): w.numpy().astype("float64") for w in frozen + r.trainable_weights}
        x = _np_mlp(_np_lis(z.astype("float64"), p, g.lis_chain.lis_modules, 2)[0], p, g.generator)
        r_loss = lambda q: np.mean((_np_mlp(x, q, r) - z) ** 2)
        expected = {k: p[k] - lr * grad
                    for k, grad in _fd_grad(r_loss, p, [id(w) for w in r.trainable_weights]).items()}
        before = {id(w): w.numpy() for w in frozen + r.trainable_weights}
        for tracker in gan.metrics:
            tracker.reset_state()
        logs = gan.train_step(tf.constant(np.zeros((5, 2), "float32")))
        for w in r.trainable_weights:
            self.assertAllClose(w.numpy() - before[id(w)], expected[id(w)] - before[id(w)],
                                rtol=2e-3, atol=2e-6, msg=w.path)
        for w in frozen:
            self.assertAllEqual(w.numpy(), before[id(w)])
        self.assertAllClose(logs["r_loss"], r_loss(p), rtol=1e-5)
        # The refined batch is G(R(x)) with R's output from its forward pass (before the step).
        refined = _np_mlp(_np_lis(_np_mlp(x, p, r), p, g.lis_chain.lis_modules, 2)[0], p,
                          g.generator)
        self.assertAllClose(logs["d_fake_loss"], _softplus(_np_mlp(x, p, d)).mean(), rtol=1e-4)
        self.assertAllClose(logs["d_fake_loss_refined"], _softplus(_np_mlp(refined, p, d)).mean(),
                            rtol=1e-4)


class RIterativeTest(tf.test.TestCase):

    def _gan(self, **kwargs):
        g, d, r = (nets.wn_mlp(4, 2, 8, 1, name="g"), nets.wn_mlp(2, 1, 8, 1, name="d"),
                   nets.wn_mlp(2, 4, 8, 1, name="r"))
        return RIterative(g, d, r, latent_dim=4, seed=1, **kwargs)

    def test_first_trained_iteration_distribution(self):
        gan = self._gan(iterations=3)
        draws = 3000
        flags = np.array([[bool(f) for f in gan.training_flags()] for _ in range(draws)])
        self.assertTrue(np.all(np.diff(flags.astype(int), axis=1) >= 0))  # once on, stays on
        self.assertTrue(np.all(flags[:, -1]))
        first = np.argmax(flags, axis=1)
        expected = np.array([1 / 4, 3 / 8, 9 / 32, 3 / 32]) * draws  # lis.md §1.7
        chi2 = np.sum((np.bincount(first, minlength=4) - expected) ** 2 / expected)
        self.assertLess(chi2, 16.27)  # chi-square(3) 99.9% quantile

    def test_reverser_loss_vs_numpy(self):
        gan = self._gan(lambda_r=0.9)
        rng = np.random.default_rng(0)
        z0, c = rng.normal(size=(2, 6, 4)).astype("float32")
        logits = rng.normal(size=(6, 1)).astype("float32")
        for t in (1, 2, 3):
            w = 0.9**t  # code exponent t (Alg. 2 prints 1 + t)
            expected = w * np.mean((c - z0) ** 2) + (1 - w) * np.mean(np.logaddexp(0, -logits))
            self.assertAllClose(gan.reverser_loss(z0, c, logits, t), expected, rtol=1e-6)

    def test_train_step_vs_numpy(self):
        """One R-iterative train_step (N_R = 2, iteration 0 not trained, 1 and 2 trained) of
        trained nets vs numpy: per trained t, in the code's order, a G step on G(c_t), an R step
        on λ^t L_R(z_0, c_t) + (1 − λ^t) BCE(D(G(c_t)), 1) through the *updated* G, a D step on
        x_t and the t-th real slice; c_t = R(x_{t−1}); an untrained iteration changes nothing
        (Jung 2017 §2.2, App. K; the authors' r_iterative/main.py). TorchRMSprop with ε = 1 keeps
        the update smooth in the finite-difference gradients."""
        rng = np.random.default_rng(12)
        g, d, r = (nets.wn_mlp(3, 2, 6, 1, name="g"), nets.wn_mlp(2, 1, 6, 1, name="d"),
                   nets.wn_mlp(2, 3, 6, 1, name="r"))
        gan = RIterative(g, d, r, iterations=2, lambda_r=0.9, latent_dim=3, seed=1)
        lr, rho, eps = 0.02, 0.9, 1.0
        opts = [TorchRMSprop(lr, rho, eps) for _ in range(3)]
        gan.compile(g_optimizer=opts[0], d_optimizer=opts[1], r_optimizer=opts[2])
        nets_opts = ((g, opts[0]), (r, opts[2]), (d, opts[1]))
        _randomize([w for net, _ in nets_opts for w in net.trainable_weights], rng)
        for _ in range(2):  # trained, not fresh: non-zero RMSprop averages too
            gan.train_step(tf.constant(rng.normal(size=(12, 2)).astype("float32")))

        real = rng.normal(size=(12, 2)).astype("float32")
        slices = [real[t::3].astype("float64") for t in range(3)]  # row j -> slice j % 3
        z0 = rng.normal(size=(4, 3)).astype("float32")
        gan.sample_latent = lambda batch: tf.constant(z0)
        gan.training_flags = lambda: [tf.constant(False), tf.constant(True), tf.constant(True)]

        p = {id(w): w.numpy().astype("float64") for net, _ in nets_opts for w in net.trainable_weights}
        v = {id(w): opt._velocities[opt._get_variable_index(w)].numpy().astype("float64")
             for net, opt in nets_opts for w in net.trainable_weights}
        keys = {net.name: [id(w) for w in net.trainable_weights] for net, _ in nets_opts}

        def step(loss, net):  # one TorchRMSprop update of `net`'s parameters in p
            for key, grad in _fd_grad(loss, p, keys[net]).items():
                v[key] = rho * v[key] + (1 - rho) * grad**2
                p[key] = p[key] - lr * grad / (np.sqrt(v[key]) + eps)

        z = z0.astype("float64")
        x_prev = _np_mlp(z, p, g)  # t = 0: x_0 = G(z_0), not trained: no update
        d_loss = lambda q, t, x: (_softplus(-_np_mlp(slices[t], q, d)).mean()
                                  + _softplus(_np_mlp(x, q, d)).mean())
        logged = {"g_loss_it0": _softplus(-_np_mlp(x_prev, p, d)).mean(),  # every iteration's
                  "d_fake_it0": _np_mlp(x_prev, p, d).mean(),            # numbers, also the
                  "d_loss_it0": d_loss(p, 0, x_prev)}                     # untrained t = 0
        for t in (1, 2):
            c = _np_mlp(x_prev, p, r)
            x = _np_mlp(c, p, g)  # before G's update: D's fake batch
            g_loss = lambda q: _softplus(-_np_mlp(_np_mlp(c, q, g), q, d)).mean()
            logged[f"g_loss_it{t}"] = g_loss(p)
            step(g_loss, "g")
            w = 0.9**t
            r_loss = lambda q: (w * np.mean((_np_mlp(x_prev, q, r) - z) ** 2) + (1 - w) * _softplus(
                -_np_mlp(_np_mlp(_np_mlp(x_prev, q, r), q, g), q, d)).mean())
            logged[f"r_loss_it{t}"] = r_loss(p)
            step(r_loss, "r")
            logged[f"d_fake_it{t}"] = _np_mlp(x, p, d).mean()
            logged[f"d_loss_it{t}"] = d_loss(p, t, x)
            step(lambda q: d_loss(q, t, x), "d")
            x_prev = x

        before = {key: value.copy() for key, value in
                  ((id(w), w.numpy()) for net, _ in nets_opts for w in net.trainable_weights)}
        for tracker in gan.metrics:
            tracker.reset_state()
        logs = gan.train_step(tf.constant(real))
        for net, _ in nets_opts:
            for w in net.trainable_weights:
                self.assertAllClose(w.numpy() - before[id(w)], p[id(w)] - before[id(w)],
                                    rtol=2e-3, atol=2e-6, msg=f"{net.name} {w.path}")
        self.assertEqual(set(logged), set(gan.iteration_tracker_names()))
        for key, value in logged.items():
            self.assertAllClose(logs[key], value, rtol=1e-4, atol=1e-5, msg=key)
        self.assertAllClose(logs["g_loss"], logged["g_loss_it2"], rtol=1e-4)  # the last one

    def test_needs_torch_rmsprop_and_valid_arguments(self):
        gan = self._gan()
        with self.assertRaisesRegex(ValueError, "`g_optimizer` must be a TorchRMSprop"):
            gan.compile(g_optimizer="adam", d_optimizer=TorchRMSprop(), r_optimizer=TorchRMSprop())
        with self.assertRaisesRegex(ValueError, "`iterations` must be an int >= 1"):
            self._gan(iterations=0)


def _np_diagnostics(gan, params, z, real=None):
    """Per-module numbers of Jung 2017 App. I / Fig. 27 in numpy: for k = 0..N, z'_k through the
    first k modules, D's logit on G(z'_k), non-saturating BCE losses, mean sigmoid."""
    z = z.astype("float64")
    modules, g_net, d = gan.generator.lis_chain.lis_modules, gan.generator.generator, gan.discriminator
    out = {}
    for k in range(len(modules) + 1):
        lat, _ = _np_lis(z, params, modules, k)
        logits = _np_mlp(_np_mlp(lat, params, g_net), params, d)
        if k:
            out[f"lis_similarity_{k}"] = np.mean((lat - z) ** 2)
        out[f"lis_dz2_{k}"] = np.mean(np.sum((lat - z) ** 2, axis=1))
        out[f"lis_g_loss_{k}"] = _softplus(-logits).mean()
        out[f"lis_d_fake_loss_{k}"] = _softplus(logits).mean()
        out[f"lis_d_fake_{k}"] = np.mean(1 / (1 + np.exp(-logits)))
    if real is not None:
        out["lis_d_real_loss"] = _softplus(-_np_mlp(real.astype("float64"), params, d)).mean()
    return out


class LISDiagnosticsTest(tf.test.TestCase):

    def test_module_diagnostics_vs_numpy(self):
        gan = _tiny_glis(n=3)
        rng = np.random.default_rng(21)
        weights = gan.generator.trainable_weights + gan.discriminator.trainable_weights
        _randomize(weights, rng)
        for _ in range(2):  # trained, not fresh
            gan.train_step(tf.constant(rng.normal(size=(8, 2)).astype("float32")))
        params = {id(w): w.numpy().astype("float64") for w in weights}
        z = rng.normal(size=(23, 4)).astype("float32")
        real = rng.normal(size=(19, 2)).astype("float32")
        got = gan.module_diagnostics(z, real, batch=7)  # chunks of 7: a ragged last one
        expect = _np_diagnostics(gan, params, z, real)
        self.assertEqual(set(got), set(expect))
        for key, value in expect.items():
            self.assertAllClose(got[key], value, rtol=1e-4, atol=1e-6, msg=key)
        for key in ("lis_dz2_", "lis_g_loss_"):  # k is not ignored
            self.assertGreater(abs(got[key + "3"] - got[key + "1"]), 0.01 * abs(got[key + "1"]))

    def test_run_logs_and_files_vs_numpy(self):
        """Through train(): the --eval_every records and the run folder's lis_modules.json hold
        the per-module numbers of the trained nets (numpy), and the figures are written."""
        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = lis_run(Path(tmp), "glis", "ring8", 4, eval_every=2, eval_samples=32)
            res = runner.train(run, cfg)
            gan = runner.build_model(run, cfg)
            tf.train.Checkpoint(**gan.checkpoint_items()).restore(res["checkpoint"]).expect_partial()
            weights = gan.generator.trainable_weights + gan.discriminator.trainable_weights
            params = {id(w): w.numpy().astype("float64") for w in weights}
            out = Path(res["out"])
            records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
            last = [r for r in records if r["step"] == 4 and "eval/lis_g_loss_0" in r][-1]
            expect = _np_diagnostics(gan, params, gan.fixed_latents(32, run.seed + 101),
                                     runner.fixed_real_examples(run.resolved(), 32))
            for key, value in expect.items():
                self.assertAllClose(last[f"eval/{key}"], value, rtol=1e-4, atol=1e-6, msg=key)
            stats = json.loads((out / "lis_modules.json").read_text())
            expect = _np_diagnostics(gan, params, gan.fixed_latents(stats["latents"], stats["seed"]))
            for key, value in expect.items():
                self.assertAllClose(stats[key], value, rtol=1e-4, atol=1e-6, msg=key)
            for name in ("lis_modules", "lis_curves"):
                self.assertTrue(Path(res[name]).is_file(), name)
                self.assertEqual(Path(res[name]).read_bytes()[:4], b"\x89PNG")

    def test_module_curves_need_records(self):
        from tfgan_latent.papers.lis.models import plot_module_curves

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "metrics.jsonl"
            self.assertIsNone(plot_module_curves(path, Path(tmp) / "c.png", 2))
            path.write_text(json.dumps({"step": 2, "d_loss": 1.0}) + "\n")
            self.assertIsNone(plot_module_curves(path, Path(tmp) / "c.png", 2))
            path.write_text("".join(json.dumps({"step": s, "eval/lis_g_loss_0": 1.0 / s,
                                                "eval/lis_similarity_1": 0.1 * s}) + "\n"
                                    for s in (2, 4)))
            self.assertEqual(plot_module_curves(path, Path(tmp) / "c.png", 2), Path(tmp) / "c.png")


# ------------------------------------------------------------ through train()
class LISTrainingTest(tf.test.TestCase):

    def test_resume_bitwise(self):
        # G-LIS: the chain's early-stop seed; R-iterative with dropout: R's dropout seed.
        for model, dataset, over in (("glis", "ring8", {}),
                                     ("r_iterative", "shapes", {"r_dropout": 0.2})):
            with self.subTest(model=model), tempfile.TemporaryDirectory() as tmp:
                run, cfg = lis_run(Path(tmp) / "a", model, dataset, 6, over)
                full = runner.train(run, cfg)
                run, cfg = lis_run(Path(tmp) / "b", model, dataset, 4, over)
                runner.train(run, cfg)
                run, cfg = lis_run(Path(tmp) / "b", model, dataset, 6, over)
                resumed = runner.train(run, cfg)
                helpers.assert_same_checkpoints(self, full["checkpoint"], resumed["checkpoint"])
                keys = helpers.checkpoint_values(resumed["checkpoint"])
                self.assertTrue(any("layer_seed_states" in k for k in keys))

    def test_mirrored_glis_matches_single_device(self):
        with tempfile.TemporaryDirectory() as tmp:
            last = {}
            for dist in ("none", "mirrored"):
                run, cfg = lis_run(Path(tmp) / dist, "glis", "ring8", 4,
                                   distribute=dist, cpu_devices=2)
                res = runner.train(run, cfg)
                last[dist] = json.loads((Path(res["out"]) / "metrics.jsonl").read_text()
                                        .splitlines()[-1])
            for key in ("d_loss", "g_loss", "similarity", "lis_active"):
                self.assertAllClose(last["none"][key], last["mirrored"][key], rtol=1e-4, atol=1e-5)

    def test_export_signatures_and_r_separate(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, cfg = lis_run(Path(tmp) / "g", "glis", "ring8", 4)
            res = runner.train(run, cfg)
            loaded = tf.saved_model.load(res["export"])
            self.assertEqual(sorted(loaded.signatures), ["lis_latents", "serving_default"])
            gan = runner.build_model(run, cfg)
            tf.train.Checkpoint(**gan.checkpoint_items()).restore(res["checkpoint"]).expect_partial()
            z = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
            params = {id(w): w.numpy().astype("float64") for w in gan.generator.trainable_weights}
            modules = gan.generator.lis_chain.lis_modules
            lat, chain = _np_lis(z.astype("float64"), params, modules, 3)  # all in inference
            served = loaded.signatures["lis_latents"](z=tf.constant(z))["latents"].numpy()
            self.assertEqual(served.shape, (5, 3, 4))
            self.assertAllClose(served, np.stack(chain, axis=1), rtol=1e-5, atol=1e-5)
            points = loaded.signatures["serving_default"](z=tf.constant(z))["points"]
            self.assertAllClose(points, _np_mlp(lat, params, gan.generator.generator), rtol=1e-5,
                                atol=1e-5)

            shown = subprocess.run(
                [str(Path(sys.executable).parent / "saved_model_cli"), "show", "--dir", res["export"], "--all"],
                capture_output=True, text=True)
            self.assertEqual(shown.returncode, 0, shown.stderr)
            self.assertIn("signature_def['lis_latents']", shown.stdout)
            self.assertIn("(-1, 3, 4)", shown.stdout)

            rrun = helpers.tiny_run(Path(tmp) / "r", model="r_separate", dataset="ring8", steps=4)
            rcfg = runner.resolve_model_config(rrun, {"from_run": res["out"], "r_mlp_units": 8,
                                                      "r_mlp_layers": 1})
            rres = runner.train(rrun, rcfg)
            rgan = runner.build_model(rrun, rcfg)
            tf.train.Checkpoint(**rgan.checkpoint_items()).restore(rres["checkpoint"]).expect_partial()
            # G and D are frozen: identical to the source run's final weights.
            for a, b in zip(rgan.generator.get_weights(), gan.generator.get_weights()):
                self.assertAllEqual(a, b)
            refined = tf.saved_model.load(rres["export"])
            self.assertEqual(sorted(refined.signatures), ["serving_default", "unrefined"])
            x = gan.generator(z)
            expect = gan.generator(rgan.reverser(x))
            self.assertAllClose(refined.signatures["serving_default"](z=tf.constant(z))["points"],
                                expect, rtol=1e-5, atol=1e-5)
            self.assertAllClose(refined.signatures["unrefined"](z=tf.constant(z))["points"], x,
                                rtol=1e-5, atol=1e-6)

    def test_r_separate_needs_a_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="r_separate", dataset="ring8", steps=2)
            with self.assertRaisesRegex(ValueError, "needs --from_run"):
                runner.train(run, runner.resolve_model_config(run))
            with self.assertRaisesRegex(ValueError, "no config.json"):
                runner.train(run, runner.resolve_model_config(run, {"from_run": tmp}))

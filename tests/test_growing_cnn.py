"""Growing thesis CNNs: per-cycle architectures (Tables 2-15) and exact growth continuity.

Parameter counts are computed here from the tables' layer lists and checked against the
numbers in research/growing.md §1.3; continuity is checked against the pre-growth nets'
outputs (nearest-upsampled for G, average-pooled input for D) with random weights.
"""
import warnings

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_latent.layers import AlphaFade, MinibatchStddev
from tfgan_latent.papers.growing import cnn

TABLE = {  # growing.md §1.3 (stable phase, fade-only toRGB/fromRGB excluded)
    "bgan": [4_460_180],
    "bggan": [3_444_372, 3_477_140, 3_542_676, 3_673_748, 3_935_892, 4_460_180],
    "cggan": [15_052, 53_700, 180_084, 574_036, 1_705_748, 4_460_180],
    "lggan": [3_282_180, 4_166_660, 4_387_716, 4_442_948, 4_456_740, 4_460_180],
    "clggan": [3_372, 16_580, 69_108, 278_612, 1_115_412, 4_460_180],
}


def table_count(model, cycle, image_size=128, latent=256, top=256):
    """Parameters of G + D at a cycle, from the thesis's layer lists (default 128 px, z 256).

    Other scales follow the same lists: K = log2(S / 4) + 1 cycles, z halving from
    ``latent`` per earlier cycle, widths ``top * 4 / s``.
    """
    cycles = int(np.log2(image_size // 4)) + 1
    z = latent // 2 ** (cycles - cycle)
    res = 4 * 2 ** (cycle - 1) if model in ("lggan", "clggan") else image_size
    z_in = latent if model in ("bgan", "lggan") else z

    def w(s):  # Table 2 widths 1024/s; Tables 4-5 clip at z; Tables 10-15 scale by z/256
        base = top * 4 // s
        return {"cggan": min(z, base), "clggan": base * z // latent}.get(model, base)

    conv = lambda k, cin, cout: k * k * cin * cout + cout
    g = z_in * 16 * w(4) + w(4) + conv(3, w(4), w(4)) + conv(1, w(res), 3)
    d = conv(1, 3, w(res)) + conv(3, w(4) + 1, w(4)) + conv(4, w(4), w(4)) + w(4) + 1
    s = 8
    while s <= res:
        g += conv(3, w(s // 2), w(s)) + conv(3, w(s), w(s))
        d += conv(3, w(s), w(s)) + conv(3, w(s), w(s // 2))
        s *= 2
    return g + d


def trainable(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)


class ArchitectureTest(tf.test.TestCase, parameterized.TestCase):

    @parameterized.parameters(*cnn.MODELS)
    def test_parameter_counts_per_cycle(self, model):
        plan = cnn.growth_plan(model)  # thesis scale: 128 px, z 256, top 256
        self.assertLen(plan, len(TABLE[model]))
        for arch, expected in zip(plan, TABLE[model]):
            self.assertEqual(table_count(model, arch.cycle), expected)
            got = trainable(cnn.build_generator(arch)) + trainable(cnn.build_discriminator(arch))
            self.assertEqual(got, expected, msg=f"{model} cycle {arch.cycle}")
        final = plan[-1]
        g, d = cnn.build_generator(final), cnn.build_discriminator(final)
        self.assertEqual((trainable(g), trainable(d)), (2_228_683, 2_231_497))  # growing.md §1.3
        self.assertEqual(d.get_layer("minibatch_stddev").output.shape[-1], 257)  # Table 3

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "`model` must be one of"):
            cnn.growth_plan("xgan")
        with self.assertRaisesRegex(ValueError, "`image_size` must be 4 \\* 2\\^n"):
            cnn.growth_plan("bgan", image_size=48)


def _pool(x, f):
    b, h, w, c = x.shape
    return x.reshape(b, h // f, f, w // f, f, c).mean(axis=(2, 4))


def randomize(model, rng, scale=0.2):
    """Every trainable weight, biases included, drawn N(0, scale²): continuity must not lean on
    the zero biases and fresh draws of a newly built net."""
    for w in model.trainable_weights:
        w.assign(rng.normal(0.0, scale, w.shape).astype(w.dtype))


def set_schedule(model, alpha, beta, tau):
    for layer in model.layers:
        if hasattr(layer, "beta"):
            layer.beta.assign(beta)
        if isinstance(layer, AlphaFade):
            layer.alpha.assign(alpha)
        if isinstance(layer, MinibatchStddev) and layer.tau is not None:
            layer.tau.assign(tau)


class ProportionsTest(tf.test.TestCase):
    """The thesis keeps width at 4x4 = dim z (256 = 256): clgGAN's first cycle is z_1 = 8 wide
    (Table 10) and every cgGAN growth widens 4x4 to z_k (Tables 6-9). A CPU recipe with
    --top < --latent_dim breaks both; it is warned about, with the fix."""

    def test_departures_named(self):
        for size, z, top in ((128, 256, 256), (32, 32, 32), (32, 64, 64)):
            for model in cnn.MODELS:
                self.assertEqual(cnn.proportion_warnings(cnn.growth_plan(model, size, z, top)), [])
        # CPU recipe 32 px, z 64, top 32: clgGAN 4x4 width 32 * 8 / 64 = 4 < z_1 = 8; cgGAN
        # 4x4 widths min(z_k, 32) = 8, 16, 32, 32: the last growth adds none.
        (clg,) = cnn.proportion_warnings(cnn.growth_plan("clggan", 32, 64, 32))
        self.assertIn("4 channels wide at 4x4, narrower than its z_1 = 8", clg)
        self.assertIn("--top=64", clg)
        (cg,) = cnn.proportion_warnings(cnn.growth_plan("cggan", 32, 64, 32))
        self.assertIn("cycle(s) [4] adds no channels", cg)
        self.assertIn("[8, 16, 32, 32]", cg)
        for model in ("bgan", "bggan", "lggan"):
            self.assertEqual(cnn.proportion_warnings(cnn.growth_plan(model, 32, 64, 32)), [])

    def test_building_a_run_warns(self):
        import tempfile

        from tfgan_latent.train import runner
        from tests import helpers

        with tempfile.TemporaryDirectory() as tmp:
            run = helpers.tiny_run(tmp, model="cggan", dataset="shapes", image_size=16, steps=6)
            cfg = runner.resolve_model_config(run, {"latent_dim": 8, "top": 4})
            with self.assertWarnsRegex(UserWarning, r"cggan: the growth into cycle\(s\) \[3\]"):
                runner.build_model(run, cfg)
            cfg = runner.resolve_model_config(run, {"latent_dim": 8, "top": 8})
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                runner.build_model(run, cfg)


class ContinuityTest(tf.test.TestCase, parameterized.TestCase):
    """§6.2.7: at α = β = τ = 0 the grown nets are the old ones; at α = β = 1 the final ones."""

    @parameterized.parameters(*cnn.MODELS[1:])
    def test_every_transition(self, model):
        rng = np.random.default_rng(0)
        plan = cnn.growth_plan(model, image_size=16, latent_dim=16, top=16)
        for prev, arch in zip(plan[:-1], plan[1:]):
            g_old, d_old = cnn.build_generator(prev), cnn.build_discriminator(prev)
            g_new, d_new = cnn.build_generator(arch, prev), cnn.build_discriminator(arch, prev)
            for net in (g_old, d_old, g_new, d_new):  # the new parts too: they must be faded
                randomize(net, rng)
            cnn.transfer_weights(g_new, g_old)
            cnn.transfer_weights(d_new, d_old)
            f = arch.resolution // prev.resolution
            z = rng.normal(size=(6, arch.latent_dim)).astype("float32")
            x = rng.uniform(-1, 1, (6, arch.resolution, arch.resolution, 3)).astype("float32")
            old_img = g_old(z[:, :prev.latent_dim]).numpy().repeat(f, 1).repeat(f, 2)
            self.assertAllClose(g_new(z), old_img, atol=1e-5, msg=f"G {prev.cycle}->{arch.cycle}")
            self.assertAllClose(d_new(x), d_old(_pool(x, f)), atol=1e-5,
                                msg=f"D {prev.cycle}->{arch.cycle}")
            if f > 1 or prev.latent_dim != arch.latent_dim:  # the new part is really new
                set_schedule(g_new, 1.0, 1.0, 0.5)
                self.assertNotAllClose(g_new(z), old_img, atol=1e-3)

            # α = β = 1, τ = 1/2: the plain final-architecture nets with the same weights.
            set_schedule(g_new, 1.0, 1.0, 0.5)
            set_schedule(d_new, 1.0, 1.0, 0.5)
            g_plain, d_plain = cnn.build_generator(arch), cnn.build_discriminator(arch)
            for plain, grown in ((g_plain, g_new), (d_plain, d_new)):
                for layer in plain.layers:
                    if layer.weights and not isinstance(layer, MinibatchStddev):
                        src = grown.get_layer(layer.name)
                        for wp, wg in zip(layer.trainable_weights, src.trainable_weights):
                            wp.assign(wg)
            self.assertAllClose(g_new(z), g_plain(z), atol=1e-5)
            self.assertAllClose(d_new(x), d_plain(x), atol=1e-5)

    def test_cggan_without_tau_is_the_code_and_breaks_d_continuity(self):
        """A12: the code's cgGAN has no τ; then D jumps at the growth (why §6.2.6 adds τ)."""
        prev, arch = cnn.growth_plan("cggan", image_size=16, latent_dim=16, top=16)[:2]
        d_old = cnn.build_discriminator(prev, tau=False)
        d_new = cnn.build_discriminator(arch, prev, tau=False)
        self.assertIsNone(d_new.get_layer("minibatch_stddev").tau)
        cnn.transfer_weights(d_new, d_old)
        x = np.random.default_rng(0).uniform(-1, 1, (6, 16, 16, 3)).astype("float32")
        self.assertNotAllClose(d_new(x), d_old(x), atol=1e-4)
        with_tau = cnn.build_discriminator(arch, prev)
        self.assertIsNotNone(with_tau.get_layer("minibatch_stddev").tau)

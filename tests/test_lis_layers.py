"""LIS layers (Jung 2017): TPReLU, weight-normalized layers, LIS module / chain.

References are numpy formulas and closed forms (research/lis.md §1.3-1.5, §3 checks 1-11).
"""
import math
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import layers
from tfgan_latent.layers import (
    LISChain,
    LISModule,
    TPReLU,
    WeightNormConv2D,
    WeightNormConv2DTranspose,
    WeightNormDense,
)
from tfgan_latent.train import strategy as strategy_lib

EPS = 1e-6


# ----------------------------------------------------------------- numpy references
def np_tprelu(x, a, b, lo=0.0, hi=1.0):
    a = np.clip(a, lo, hi)
    return np.where(x > b, x, b + a * (x - b))


def np_normalize(v, axes, factor=1.0):
    """v / sqrt(factor * sum(v^2 over axes) + eps), per output unit."""
    return v / np.sqrt(factor * np.sum(v**2, axis=axes, keepdims=True) + EPS)


def np_conv2d(x, k, strides, padding):
    b, h, w, _ = x.shape
    kh, kw, _, o = k.shape
    sh, sw = strides
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        ph, pw = max((oh - 1) * sh + kh - h, 0), max((ow - 1) * sw + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((b, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
            out[:, i, j, :] = np.einsum("bhwc,hwco->bo", patch, k)
    return out


def np_conv2d_transpose(x, k, strides, padding):
    """Scatter-add transposed conv with a [kh, kw, out, in] kernel (TF padding rules)."""
    b, h, w, _ = x.shape
    kh, kw, o, _ = k.shape
    sh, sw = strides
    full = np.zeros((b, (h - 1) * sh + kh, (w - 1) * sw + kw, o))
    for i in range(h):
        for j in range(w):
            full[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :] += np.einsum(
                "bc,hwoc->bhwo", x[:, i, j, :], k
            )
    if padding == "valid":
        return full
    top, left = (kh - sh) // 2, (kw - sw) // 2
    return full[:, top : top + h * sh, left : left + w * sw, :]


def np_lis_module(z, module):
    v1 = module.dense_1.kernel.numpy()
    v2 = module.dense_2.kernel.numpy()
    a, b = module.tprelu.alpha.numpy(), module.tprelu.threshold.numpy()
    h = z @ np_normalize(v1, 0)
    return z + np_tprelu(h, a, b) @ np_normalize(v2, 0)


def randomize(layer, rng, scale=1.0):
    """Gives every weight of ``layer`` random normal values (thresholds non-zero etc.)."""
    for w in layer.weights:
        w.assign(scale * rng.standard_normal(w.shape).astype("float32"))


# P(K = k), k = 0..N, worked out by hand from "stop before 0-based module i with
# probability 0.5^(N-i)" (lis.md §1.5).
CLOSED_FORM = {
    1: [1 / 2, 1 / 2],
    2: [1 / 4, 3 / 8, 3 / 8],
    3: [1 / 8, 7 / 32, 21 / 64, 21 / 64],
}

# Chi-square critical values at significance 1e-3 (df = 1, 2, 3, 4).
CHI2_CRIT_1E3 = {1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467}


class TPReLUTest(tf.test.TestCase):
    def test_init_and_paper_values(self):
        layer = TPReLU()
        y = layer(np.array([[-2.0, -0.4, 0.0, 3.0]], "float32"))
        self.assertAllClose(layer.alpha.numpy(), [0.25] * 4)
        self.assertAllClose(layer.threshold.numpy(), [0.0] * 4)
        self.assertAllClose(y, [[-0.5, -0.1, 0.0, 3.0]], atol=1e-7)

    def test_values_per_channel_on_both_sides_of_threshold(self):
        rng = np.random.default_rng(0)
        a = np.array([0.5, 1.7, -0.3], "float32")  # inside, above and below the clip range
        b = np.array([1.0, -0.5, 0.3], "float32")
        x = rng.standard_normal((4, 2, 5, 3)).astype("float32") * 2
        x[0, 0, 0] = b  # exactly at the threshold
        layer = TPReLU()
        layer.build(x.shape)
        layer.alpha.assign(a)
        layer.threshold.assign(b)
        self.assertAllClose(layer(x), np_tprelu(x, a, b), atol=1e-6)
        self.assertAllClose(layer(x)[0, 0, 0], b)
        # spot values from lis.md check 2: b=1, a=0.5: f(0)=0.5, f(2)=2, f(1)=1.
        self.assertAllClose(layer(np.array([[0.0, 0, 0], [2, 0, 0], [1, 0, 0]], "float32"))[:, 0],
                            [0.5, 2.0, 1.0])
        # channels-first axis
        layer_cf = TPReLU(axis=1)
        xc = np.moveaxis(x, -1, 1)
        layer_cf.build(xc.shape)
        layer_cf.alpha.assign(a)
        layer_cf.threshold.assign(b)
        self.assertAllClose(layer_cf(xc), np.moveaxis(np_tprelu(x, a, b), -1, 1), atol=1e-6)

    def test_gradients_match_numpy(self):
        rng = np.random.default_rng(1)
        a = np.array([0.3, 1.4, -0.2], "float32")
        b = np.array([0.5, -1.0, 0.2], "float32")
        offsets = np.array([-2.0, -0.5, -0.01, 0.3, 1.5], "float32")[:, None]
        x = (b[None] + offsets * np.array([1.0, 0.7, 1.3], "float32")).astype("float32")
        w = rng.standard_normal(x.shape).astype("float32")
        layer = TPReLU()
        layer.build(x.shape)
        layer.alpha.assign(a)
        layer.threshold.assign(b)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            loss = tf.reduce_sum(layer(xt) * w)
        gx, ga, gb = tape.gradient(loss, [xt, layer.alpha, layer.threshold])
        ac = np.clip(a, 0, 1)
        below = x < b
        inside = ((a >= 0) & (a <= 1)).astype("float32")
        self.assertAllClose(gx, w * np.where(below, ac, 1.0), atol=1e-6)
        self.assertAllClose(ga, np.sum(w * np.where(below, x - b, 0.0), 0) * inside, atol=1e-5)
        self.assertAllClose(gb, np.sum(w * np.where(below, 1.0 - ac, 0.0), 0), atol=1e-5)
        self.assertAllEqual(ga.numpy()[1:], [0.0, 0.0])  # clipped slopes get no gradient


class WeightNormTest(tf.test.TestCase):
    def test_dense_matches_numpy_strict_and_affine(self):
        rng = np.random.default_rng(2)
        x = rng.standard_normal((5, 3)).astype("float32")
        strict = WeightNormDense(4, scale=False, use_bias=False)
        strict.build((None, 3))
        self.assertLen(strict.weights, 1)
        randomize(strict, rng)
        v = strict.kernel.numpy()
        self.assertAllClose(strict(x), x @ np_normalize(v, 0), atol=1e-5)

        affine = WeightNormDense(4)
        affine.build((None, 3))
        self.assertLen(affine.weights, 3)
        randomize(affine, rng)
        v, g, bias = affine.kernel.numpy(), affine.g.numpy(), affine.bias.numpy()
        self.assertAllClose(affine(x), x @ (g * np_normalize(v, 0)) + bias, atol=1e-5)

    def test_dense_effective_norm_is_g_and_scale_invariant(self):
        rng = np.random.default_rng(3)
        layer = WeightNormDense(4, use_bias=False)
        layer.build((None, 6))
        randomize(layer, rng)
        g = np.array([0.5, 1.0, 2.0, 3.5], "float32")
        layer.g.assign(g)
        probe = layer(np.eye(6, dtype="float32")).numpy()  # rows = effective kernel
        self.assertAllClose(np.linalg.norm(probe, axis=0), g, rtol=1e-5)
        self.assertAllClose(layer.effective_kernel(), probe, atol=1e-6)
        x = rng.standard_normal((7, 6)).astype("float32")
        before = layer(x).numpy()
        v = layer.kernel.numpy()
        for c in (0.1, 7.0):
            layer.kernel.assign(c * v)
            self.assertAllClose(layer(x), before, rtol=1e-4, atol=1e-5)

    def test_init_no_data_dependence_and_bounds(self):
        keras.utils.set_random_seed(7)
        first = WeightNormDense(8)
        first(np.full((4, 64), 100.0, "float32"))
        keras.utils.set_random_seed(7)
        second = WeightNormDense(8)
        second(np.zeros((2, 64), "float32"))
        x = np.random.default_rng(4).standard_normal((3, 64)).astype("float32")
        self.assertAllClose(first(x), second(x))
        self.assertAllClose(first.g.numpy(), np.ones(8))
        v, bias = first.kernel.numpy(), first.bias.numpy()
        self.assertAllClose(first(x), x @ np_normalize(v, 0) + bias, atol=1e-5)
        bound = 1.0 / 8.0
        self.assertLessEqual(np.abs(v).max(), bound)
        self.assertGreater(np.abs(v).max(), 0.9 * bound)
        self.assertLessEqual(np.abs(bias).max(), bound)  # dense bias: uniform(+-bound)

        lis_dense = WeightNormDense(8, kernel_init_factor=0.01, scale=False, use_bias=False)
        lis_dense.build((None, 64))
        self.assertLessEqual(np.abs(lis_dense.kernel.numpy()).max(), 0.01 / 8.0)
        self.assertGreater(np.abs(lis_dense.kernel.numpy()).max(), 0.009 / 8.0)

        conv = WeightNormConv2D(5, 3)
        conv.build((None, 6, 6, 8))
        k = conv.kernel.numpy()
        self.assertLessEqual(np.abs(k).max(), 1 / math.sqrt(72))
        self.assertGreater(np.abs(k).max(), 0.9 / math.sqrt(72))
        self.assertAllEqual(conv.bias.numpy(), np.zeros(5))
        convt = WeightNormConv2DTranspose(2, 3, strides=2)
        convt.build((None, 3, 3, 8))
        self.assertEqual(tuple(convt.kernel.shape), (3, 3, 2, 8))
        k = convt.kernel.numpy()
        self.assertLessEqual(np.abs(k).max(), 1 / math.sqrt(72))  # fan_in = in * kh * kw
        self.assertGreater(np.abs(k).max(), 0.9 / math.sqrt(72))
        self.assertAllEqual(convt.bias.numpy(), np.zeros(2))

    def test_conv2d_matches_numpy_and_norm_per_output_channel(self):
        rng = np.random.default_rng(5)
        x = rng.standard_normal((2, 7, 6, 3)).astype("float32")
        for strides, padding in (((1, 1), "valid"), ((2, 2), "same"), ((2, 1), "valid")):
            layer = WeightNormConv2D(4, (3, 2), strides=strides, padding=padding)
            layer.build(x.shape)
            randomize(layer, rng)
            v, g, bias = layer.kernel.numpy(), layer.g.numpy(), layer.bias.numpy()
            ref = np_conv2d(x, g * np_normalize(v, (0, 1, 2)), strides, padding) + bias
            self.assertAllClose(layer(x), ref, atol=1e-4, msg=f"{strides} {padding}")
        # one-hot probe: the outputs are the effective kernel entries; norm^2 == g^2
        layer = WeightNormConv2D(3, 2, use_bias=False)
        layer.build((None, 2, 2, 2))
        randomize(layer, rng)
        g = np.array([0.5, 1.0, 2.0], "float32")
        layer.g.assign(g)
        probe = layer(np.eye(8, dtype="float32").reshape(8, 2, 2, 2)).numpy()[:, 0, 0, :]
        self.assertAllClose(np.sum(probe**2, 0), g**2, rtol=1e-5)
        layer.kernel.assign(3.0 * layer.kernel)
        onehot = np.eye(8, dtype="float32").reshape(8, 2, 2, 2)
        self.assertAllClose(layer(onehot)[:, 0, 0, :], probe, rtol=1e-5)

    def test_conv2d_transpose_matches_numpy(self):
        rng = np.random.default_rng(6)
        x = rng.standard_normal((2, 3, 4, 3)).astype("float32")
        for kernel, strides, padding in ((4, (2, 2), "same"), (3, (2, 2), "same"),
                                         ((3, 2), (2, 1), "valid")):
            layer = WeightNormConv2DTranspose(2, kernel, strides=strides, padding=padding)
            layer.build(x.shape)
            randomize(layer, rng)
            v, g, bias = layer.kernel.numpy(), layer.g.numpy(), layer.bias.numpy()
            c = 1.0 / (strides[0] * strides[1])
            effective = g[:, None] * np_normalize(v, (0, 1, 3), c)
            ref = np_conv2d_transpose(x, effective, strides, padding) + bias
            self.assertAllClose(layer(x), ref, atol=1e-4, msg=f"{kernel} {strides} {padding}")

    def test_conv2d_transpose_stride_factor(self):
        """Effective squared norm per output channel == s_h * s_w * g^2 (1 * g^2 if disabled)."""
        rng = np.random.default_rng(7)
        g = np.array([0.5, 1.0, 2.0], "float32")
        x = np.eye(2, dtype="float32").reshape(2, 1, 1, 2)  # one pixel, one-hot input channel
        for stride_factor, expected in ((True, 6.0), (False, 1.0)):
            layer = WeightNormConv2DTranspose(3, (4, 3), strides=(2, 3), use_bias=False,
                                              stride_factor=stride_factor)
            layer.build(x.shape)
            randomize(layer, rng)
            layer.g.assign(g)
            probe = layer(x).numpy()  # [in, kh, kw, out] = effective kernel entries
            self.assertEqual(probe.shape, (2, 4, 3, 3))
            self.assertAllClose(np.sum(probe**2, axis=(0, 1, 2)), expected * g**2, rtol=1e-5)
            self.assertAllClose(np.moveaxis(probe, 0, -1), layer.effective_kernel(), atol=1e-6)
            scaled = layer(x).numpy()
            layer.kernel.assign(0.2 * layer.kernel)
            self.assertAllClose(layer(x), scaled, rtol=1e-4)


class LISModuleTest(tf.test.TestCase):
    def test_output_is_z_plus_f_of_z(self):
        rng = np.random.default_rng(8)
        z = rng.standard_normal((7, 5)).astype("float32")
        module = LISModule()
        module.build((None, 5))
        self.assertEqual(len(module.weights), 4)  # two raw kernels + TPReLU a, b
        randomize(module, rng)
        out = module(z)
        self.assertEqual(out.shape, z.shape)
        self.assertAllClose(out, np_lis_module(z, module), atol=1e-5)
        self.assertAllClose(module.residual(z), np_lis_module(z, module) - z, atol=1e-5)
        module.dense_2.kernel.assign(np.zeros((5, 5), "float32"))
        self.assertAllEqual(module(z), z)  # W2 = 0 -> identity

    def test_hidden_width_and_affine_option(self):
        rng = np.random.default_rng(9)
        module = LISModule(hidden_units=3, scale=True, use_bias=True)
        z = rng.standard_normal((4, 6)).astype("float32")
        self.assertEqual(module(z).shape, (4, 6))
        self.assertEqual(tuple(module.dense_1.kernel.shape), (6, 3))
        self.assertEqual(tuple(module.dense_2.kernel.shape), (3, 6))
        self.assertLen(module.weights, 8)

    def test_faithful_init_is_not_identity(self):
        """lis.md check 9: N_z=256, z ~ N(0, I): mean (z'_1 - z)^2 ~ 0.50."""
        keras.utils.set_random_seed(11)
        module = LISModule()
        z = np.random.default_rng(10).standard_normal((2048, 256)).astype("float32")
        drift = float(np.mean((module(z).numpy() - z) ** 2))
        self.assertBetween(drift, 0.45, 0.55)
        self.assertLessEqual(np.abs(module.dense_1.kernel.numpy()).max(), 0.01 / 16)
        self.assertAllClose(module.tprelu.alpha.numpy(), np.full(256, 0.25))


class LISChainTest(tf.test.TestCase):
    def _chain(self, n=3, dim=4, seed=0, **kwargs):
        chain = LISChain(n, seed=seed, **kwargs)
        chain.build((None, dim))
        rng = np.random.default_rng(100 + seed)
        for module in chain.lis_modules:
            randomize(module, rng)
        return chain

    @staticmethod
    def _reference(chain, z):
        refs = [z]
        for module in chain.lis_modules:
            refs.append(np_lis_module(refs[-1], module))
        return refs

    def test_probabilities_closed_form(self):
        f = layers.early_stop_probabilities
        self.assertAllClose(f(0), [1.0])
        for n, probs in CLOSED_FORM.items():
            self.assertAllClose(f(n), probs)
        self.assertAllClose(f(4), [1 / 16, 15 / 128, 105 / 512, 315 / 1024, 315 / 1024])
        self.assertAllClose(LISChain(3).early_stop_probabilities(), f(3))
        self.assertAllClose(LISChain(3, early_stop=False).early_stop_probabilities(), [0, 0, 0, 1])

    def test_num_active_forces_module_count(self):
        chain = self._chain()
        z = np.random.default_rng(12).standard_normal((5, 4)).astype("float32")
        refs = self._reference(chain, z)
        for training in (False, True):
            for k in range(4):
                for num_active in (k, tf.constant(k)):
                    out = chain(z, training=training, num_active=num_active)
                    self.assertEqual(int(out["num_active"]), k)
                    self.assertAllClose(out["latent"], refs[k], atol=1e-5)
                    self.assertLen(out["latents"], 3)
                    for j, latent in enumerate(out["latents"]):
                        self.assertAllClose(latent, refs[min(j + 1, k)], atol=1e-5)
                    self.assertAllEqual(out["active"], [1.0] * k + [0.0] * (3 - k))
        with self.assertRaises(ValueError):
            chain(z, num_active=4)

    def test_inference_runs_all_modules_without_drawing(self):
        chain = self._chain()
        z = np.random.default_rng(13).standard_normal((5, 4)).astype("float32")
        refs = self._reference(chain, z)
        state = chain.seed_generator.state.numpy().copy()
        for kwargs in ({}, {"training": False}):
            out = chain(z, **kwargs)
            self.assertEqual(int(out["num_active"]), 3)
            self.assertAllClose(out["latent"], refs[3], atol=1e-5)
            self.assertAllClose(out["latents"][0], refs[1], atol=1e-5)
        self.assertAllEqual(chain.seed_generator.state.numpy(), state)
        out = self._chain(early_stop=False)(z, training=True)
        self.assertEqual(int(out["num_active"]), 3)

    def test_training_skips_modules_after_the_stop_for_the_whole_batch(self):
        chain = self._chain()
        z = np.random.default_rng(14).standard_normal((6, 4)).astype("float32")
        refs = self._reference(chain, z)
        seen = set()
        for _ in range(60):
            out = chain(z, training=True)
            k = int(out["num_active"])
            seen.add(k)
            self.assertAllClose(out["latent"], refs[k], atol=1e-5)  # every row stopped at k
            for j, latent in enumerate(out["latents"]):
                self.assertAllClose(latent, refs[min(j + 1, k)], atol=1e-5)
        self.assertEqual(seen, {0, 1, 2, 3})

    def test_skipped_modules_get_zero_gradients_in_training(self):
        chain = self._chain()
        z = tf.constant(np.random.default_rng(15).standard_normal((3, 4)), "float32")
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(chain(z, training=True, num_active=1)["latent"] ** 2)
        grads = tape.gradient(loss, chain.trainable_variables)
        per_module = len(chain.trainable_variables) // 3
        self.assertGreater(sum(float(tf.reduce_sum(tf.abs(g))) for g in grads[:per_module]), 0)
        for g in grads[per_module:]:
            self.assertIsNotNone(g)
            self.assertAllEqual(g, tf.zeros_like(g))

    def test_early_stop_distribution_chi_square(self):
        draws_per_n = 20000
        z = np.zeros((1, 2), "float32")

        def chi2_of(chain, n):
            chain.build((None, 2))

            @tf.function
            def draws(count):
                ta = tf.TensorArray(tf.int32, size=count)
                for i in tf.range(count):
                    ta = ta.write(i, chain(z, training=True)["num_active"])
                return ta.stack()

            counts = np.bincount(draws(draws_per_n).numpy(), minlength=n + 1)
            expected = draws_per_n * np.asarray(CLOSED_FORM[n])
            return float(np.sum((counts - expected) ** 2 / expected)), counts

        for n in (1, 2, 3):
            chi2, counts = chi2_of(LISChain(n, seed=n), n)
            self.assertLess(chi2, CHI2_CRIT_1E3[n], msg=f"N={n} counts={counts}")
        # The test has power: the chain itself, drawing K uniformly (the law of a plausible
        # misreading), fails it by far.
        wrong = LISChain(3, seed=3)
        wrong._stop_cdf = np.array([0.25, 0.5, 0.75], "float32")
        chi2, counts = chi2_of(wrong, 3)
        self.assertGreater(chi2, 10 * CHI2_CRIT_1E3[3], msg=f"uniform K counts={counts}")

    def test_draws_reproducible_from_seed(self):
        def sequence(seed):
            chain = LISChain(3, seed=seed)
            return [int(chain.sample_num_active()) for _ in range(40)]

        self.assertEqual(sequence(21), sequence(21))
        self.assertNotEqual(sequence(21), sequence(22))

    def test_zero_modules(self):
        chain = LISChain(0)
        z = np.ones((2, 3), "float32")
        out = chain(z, training=True)
        self.assertAllEqual(out["latent"], z)
        self.assertEqual(out["latents"], [])
        self.assertEqual(int(out["num_active"]), 0)

    def test_mirrored_replicas_share_the_early_stop_draw(self):
        strategy = strategy_lib.make_strategy("mirrored", 2)
        self.assertEqual(strategy.num_replicas_in_sync, 2)
        with strategy.scope():
            chain = LISChain(3, seed=5)
            chain.build((None, 4))
        z = np.random.default_rng(16).standard_normal((2, 4)).astype("float32")
        step = tf.function(lambda z: chain(z, training=True)["num_active"])
        mirrored = []
        for _ in range(16):
            per_replica = strategy.run(step, args=(z,))
            values = [int(v) for v in strategy.experimental_local_results(per_replica)]
            self.assertLen(values, 2)
            self.assertEqual(values[0], values[1])
            mirrored.append(values[0])
        single = LISChain(3, seed=5)
        single.build((None, 4))
        self.assertEqual(mirrored, [int(single(z, training=True)["num_active"]) for _ in range(16)])
        self.assertGreater(len(set(mirrored)), 1)  # the shared state advances


class SerializationTest(tf.test.TestCase):
    def _round_trip(self, layer, x, call=lambda l, x: l(x)):
        before = call(layer, x)
        restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
        self.assertIsInstance(restored, type(layer))
        self.assertEqual(restored.get_config(), layer.get_config())
        self.assertTrue(restored.built)  # build_config travels with the config
        restored.set_weights(layer.get_weights())
        self.assertAllClose(call(restored, x), before, atol=1e-6)
        return restored

    def test_each_layer_round_trips(self):
        rng = np.random.default_rng(17)
        vec = rng.standard_normal((3, 5)).astype("float32")
        img = rng.standard_normal((2, 4, 4, 3)).astype("float32")
        cases = [
            (TPReLU(alpha_clip=(0.0, 0.5)), img),
            (WeightNormDense(4, scale=False, use_bias=False, kernel_init_factor=0.01,
                             activation="tanh"), vec),
            (WeightNormConv2D(2, 3, strides=2, padding="same", use_bias=False), img),
            (WeightNormConv2DTranspose(2, 4, strides=2, padding="same", stride_factor=False), img),
            (LISModule(hidden_units=3), vec),
        ]
        for layer, x in cases:
            layer.build(x.shape)
            randomize(layer, rng)
            self._round_trip(layer, x)
        chain = LISChain(2, seed=3, hidden_units=4)
        chain.build(vec.shape)
        randomize(chain, rng)
        restored = self._round_trip(chain, vec, lambda l, x: l(x)["latent"])
        self.assertEqual(
            [int(chain.sample_num_active()) for _ in range(10)],
            [int(restored.sample_num_active()) for _ in range(10)],
        )

    def test_keras_saving_of_a_model(self):
        rng = np.random.default_rng(18)
        z = keras.Input((6,))
        h = LISChain(2, seed=1)(z)["latent"]
        h = WeightNormDense(12, scale=False, use_bias=False)(h)
        h = keras.layers.Reshape((2, 2, 3))(h)
        h = TPReLU()(h)
        h = WeightNormConv2DTranspose(4, 4, strides=2, padding="same", scale=False,
                                      use_bias=False)(h)
        out = WeightNormConv2D(2, 3)(h)
        model = keras.Model(z, out)
        for layer in model.layers:
            randomize(layer, rng, scale=0.5)
        x = rng.standard_normal((3, 6)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "lis.keras")
            model.save(path)
            loaded = keras.saving.load_model(path)
        self.assertAllClose(loaded(x), model(x), atol=1e-6)

    def test_tf_checkpoint_holds_chain_weights(self):
        rng = np.random.default_rng(19)
        a, b = LISChain(2), LISChain(2)
        for chain in (a, b):
            chain.build((None, 3))
            randomize(chain, rng)
        x = rng.standard_normal((2, 3)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            path = tf.train.Checkpoint(layer=a).write(os.path.join(tmp, "ckpt"))
            tf.train.Checkpoint(layer=b).read(path).assert_consumed()
        self.assertAllClose(b(x)["latent"], a(x)["latent"])


if __name__ == "__main__":
    tf.test.main()

"""Latent-space growing layers (Sandström 2019): minibatch stddev with τ, β / α fades.

References are numpy formulas written here (research/growing.md §1.4-1.7, §3.1 checks
1, 2 and 5), never the layers' own output.
"""
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.layers.fading import (
    AlphaFade,
    BetaFadedConv2D,
    BetaFadedDense,
    BetaFadedLatentProjection,
    coarsen_real_images,
    fade_real_images,
)
from tfgan_latent.layers.minibatch_stddev import MinibatchStddev

EPS = 1e-8


# ----------------------------------------------------------------- numpy references
def np_mbstd_stat(x, tau=None, old=None, eps=EPS):
    """Whole-batch population std per position, + eps inside the sqrt, then Eq. 15."""
    x = np.asarray(x, dtype=np.float64)
    sigma = np.sqrt(np.mean((x - x.mean(axis=0)) ** 2, axis=0) + eps)
    if tau is None:
        return sigma.mean()
    old = x.shape[-1] // 2 if old is None else old
    return (1.0 - tau) * sigma[..., :old].mean() + tau * sigma[..., old:].mean()


def np_box_down(x, fh, fw):
    b, h, w, c = x.shape
    return x.reshape(b, h // fh, fh, w // fw, fw, c).mean(axis=(2, 4))


def np_nn_up(x, fh, fw):
    return np.repeat(np.repeat(x, fh, axis=1), fw, axis=2)


def rng_array(rng, *shape):
    return rng.normal(size=shape).astype("float32")


def roundtrip(layer):
    """A copy from ``get_config`` with the same weights (alpha / beta / tau included)."""
    clone = type(layer).from_config(layer.get_config())
    return clone


# ------------------------------------------------------------------ MinibatchStddev
class MinibatchStddevTest(tf.test.TestCase):
    def worked_example(self):
        # growing.md §1.4: batch 2, H=1, W=2; old channel ex1 [1, 3], ex2 [3, 7];
        # new channel ex1 [0, 0], ex2 [4, 8].
        x = np.zeros((2, 1, 2, 2), dtype="float32")
        x[0, 0, :, 0], x[1, 0, :, 0] = [1, 3], [3, 7]
        x[0, 0, :, 1], x[1, 0, :, 1] = [0, 0], [4, 8]
        return x

    def test_worked_example(self):
        x = self.worked_example()
        layer = MinibatchStddev()
        layer(x)
        for tau, expected in [(0.0, 1.5), (0.25, 1.875), (0.5, 2.25), (1.0, 3.0)]:
            layer.tau.assign(tau)
            out = layer(x).numpy()
            self.assertEqual(out.shape, (2, 1, 2, 3))
            np.testing.assert_allclose(out[..., 2], expected, atol=1e-6, err_msg=f"tau={tau}")
            np.testing.assert_array_equal(out[..., :2], x)
        plain = MinibatchStddev(use_tau=False)(x).numpy()
        np.testing.assert_allclose(plain[..., 2], 2.25, atol=1e-6)

    def test_matches_numpy_odd_spatial(self):
        rng = np.random.default_rng(0)
        x = rng_array(rng, 5, 3, 7, 6)
        layer = MinibatchStddev()
        layer.build(x.shape)
        for tau in (0.0, 0.3, 0.5, 1.0):
            layer.tau.assign(tau)
            out = layer(x).numpy()
            self.assertEqual(out.shape, (5, 3, 7, 7))
            np.testing.assert_array_equal(out[..., :6], x)
            np.testing.assert_allclose(out[..., 6], np_mbstd_stat(x, tau), rtol=1e-5)
        plain = MinibatchStddev(use_tau=False)(x).numpy()
        np.testing.assert_allclose(plain[..., 6], np_mbstd_stat(x), rtol=1e-5)
        # tau = 0 is the plain statistic of the old channels alone (the pre-growth D's)
        old_only = np_mbstd_stat(x[..., :3])
        layer.tau.assign(0.0)
        np.testing.assert_allclose(layer(x).numpy()[..., 6], old_only, rtol=1e-5)

    def test_odd_channels_and_explicit_split(self):
        rng = np.random.default_rng(1)
        x = rng_array(rng, 4, 3, 3, 5)
        default = MinibatchStddev(initial_tau=0.3)(x).numpy()
        np.testing.assert_allclose(default[..., 5], np_mbstd_stat(x, 0.3, old=2), rtol=1e-5)
        split = MinibatchStddev(old_channels=4, initial_tau=0.2)(x).numpy()
        np.testing.assert_allclose(split[..., 5], np_mbstd_stat(x, 0.2, old=4), rtol=1e-5)

    def test_batch_of_one_is_sqrt_epsilon_and_finite(self):
        x = tf.constant(rng_array(np.random.default_rng(2), 1, 3, 5, 4))
        for use_tau, tau in [(False, None), (True, 0.0), (True, 0.5), (True, 1.0)]:
            layer = MinibatchStddev(use_tau=use_tau, initial_tau=tau or 0.5)
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = layer(x)
                loss = tf.reduce_sum(out * out)
            grad = tape.gradient(loss, x).numpy()
            np.testing.assert_allclose(out.numpy()[..., 4], np.sqrt(EPS), rtol=1e-5)
            self.assertTrue(np.all(np.isfinite(out.numpy())))
            self.assertTrue(np.all(np.isfinite(grad)))

    def test_tau_assign_does_not_retrace(self):
        x = self.worked_example()
        layer = MinibatchStddev(initial_tau=0.0)
        layer.build(x.shape)  # variables made outside the traced function
        traces = []

        @tf.function
        def run(inputs):
            traces.append(1)
            return layer(inputs)

        first = run(x).numpy()[0, 0, 0, 2]
        layer.tau.assign(1.0)
        second = run(x).numpy()[0, 0, 0, 2]
        self.assertLen(traces, 1)
        self.assertAllClose([first, second], [1.5, 3.0], atol=1e-6)

    def test_tau_is_non_trainable_weight(self):
        layer = MinibatchStddev()
        layer.build((None, 4, 4, 8))
        self.assertEqual(layer.trainable_weights, [])
        self.assertLen(layer.non_trainable_weights, 1)
        self.assertIsNone(MinibatchStddev(use_tau=False).tau)

    def test_config_roundtrip(self):
        x = rng_array(np.random.default_rng(3), 3, 2, 3, 4)
        layer = MinibatchStddev(old_channels=1, initial_tau=0.1, epsilon=1e-6, name="mbstd")
        layer(x)
        layer.tau.assign(0.7)
        config = layer.get_config()
        self.assertEqual(
            (config["use_tau"], config["old_channels"], config["initial_tau"], config["epsilon"]),
            (True, 1, 0.1, 1e-6),
        )
        clone = roundtrip(layer)
        clone.build(x.shape)
        clone.set_weights(layer.get_weights())
        self.assertAllClose(clone.tau.numpy(), 0.7)
        np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
        np.testing.assert_allclose(
            clone(x).numpy()[..., 4], np_mbstd_stat(x, 0.7, old=1, eps=1e-6), rtol=1e-5
        )

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "old_channels"):
            MinibatchStddev(old_channels=0)
        with self.assertRaisesRegex(ValueError, "initial_tau"):
            MinibatchStddev(initial_tau=1.5)
        with self.assertRaisesRegex(ValueError, "epsilon"):
            MinibatchStddev(epsilon=-1.0)
        with self.assertRaisesRegex(ValueError, "old_channels"):
            MinibatchStddev()(np.zeros((2, 2, 2, 1), "float32"))  # no new channel
        with self.assertRaisesRegex(ValueError, "old_channels"):
            MinibatchStddev(old_channels=4)(np.zeros((2, 2, 2, 4), "float32"))
        with self.assertRaisesRegex(ValueError, "rank"):
            MinibatchStddev()(np.zeros((4,), "float32"))
        with self.assertRaisesRegex(ValueError, "group_size"):
            MinibatchStddev(group_size=0)
        with self.assertRaisesRegex(ValueError, "group_size"):
            MinibatchStddev(group_size=True)

    # ProGAN groups (the authors' bGAN / lgGAN ops.py, group 4): sample b is in group b mod M
    # with M = B / min(G, B); a loop over the strided groups, written here.
    @staticmethod
    def np_group_map(x, group, tau=None, old=None):
        x = np.asarray(x, np.float64)
        g = min(group, x.shape[0])
        m = x.shape[0] // g
        stats = [np_mbstd_stat(x[j::m], tau, old) for j in range(m)]
        return np.array([stats[b % m] for b in range(x.shape[0])])

    def test_groups_match_numpy_strided(self):
        rng = np.random.default_rng(11)
        x = rng.normal(size=(8, 3, 2, 6)) * rng.uniform(0.5, 3.0, size=(8, 1, 1, 1))
        for use_tau, tau in ((False, None), (True, 0.0), (True, 0.3), (True, 0.5)):
            layer = MinibatchStddev(use_tau=use_tau, initial_tau=0.5 if tau is None else tau, group_size=4,
                                    dtype="float64")
            out = layer(x).numpy()
            np.testing.assert_array_equal(out[..., :6], x)
            want = self.np_group_map(x, 4, tau if use_tau else None)
            self.assertGreater(np.ptp(want), 1e-3)  # the two groups differ
            for b in range(8):
                np.testing.assert_allclose(out[b, ..., 6], want[b], rtol=1e-13, atol=0)
        # strided, not consecutive: the first group is {0, 2, 4, 6}
        consecutive = np_mbstd_stat(x[:4])
        self.assertGreater(abs(out[0, 0, 0, 6] - consecutive), 1e-3)

    def test_group_at_least_batch_is_whole_batch(self):
        x = np.random.default_rng(12).normal(size=(3, 2, 2, 4))
        whole = MinibatchStddev(use_tau=False, dtype="float64")(x).numpy()
        for group in (3, 4, 16):
            grouped = MinibatchStddev(use_tau=False, group_size=group, dtype="float64")(x).numpy()
            np.testing.assert_allclose(grouped, whole, rtol=1e-15, atol=0)
        # batch 8, group 1: every sample alone -> sqrt(eps)
        ones = MinibatchStddev(use_tau=False, group_size=1, dtype="float64")(
            np.random.default_rng(13).normal(size=(8, 2, 2, 4))).numpy()
        np.testing.assert_allclose(ones[..., 4], np.sqrt(EPS), rtol=1e-12)

    def test_group_in_compiled_function_with_unknown_batch(self):
        x = np.random.default_rng(14).normal(size=(8, 2, 2, 4)).astype("float32")
        layer = MinibatchStddev(use_tau=False, group_size=4)
        run = tf.function(layer, input_signature=[tf.TensorSpec((None, 2, 2, 4), tf.float32)])
        np.testing.assert_allclose(run(x).numpy()[:, 0, 0, 4], self.np_group_map(x, 4),
                                   rtol=1e-5)

    def test_group_config_roundtrip(self):
        x = np.random.default_rng(15).normal(size=(4, 2, 2, 4)).astype("float32")
        layer = MinibatchStddev(use_tau=False, group_size=2)
        config = layer.get_config()
        self.assertEqual(config["group_size"], 2)
        clone = roundtrip(layer)
        self.assertEqual(clone.group_size, 2)
        np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
        self.assertIsNone(MinibatchStddev().get_config()["group_size"])


# ------------------------------------------------------------------- β fading
class BetaFadedDenseTest(tf.test.TestCase):
    OLD_IN, IN, OLD_OUT, OUT = 3, 6, 4, 7

    def grown_pair(self, **kwargs):
        rng = np.random.default_rng(10)
        old = keras.layers.Dense(self.OLD_OUT)
        old.build((None, self.OLD_IN))
        old.set_weights([rng_array(rng, self.OLD_IN, self.OLD_OUT), rng_array(rng, self.OLD_OUT)])
        new = BetaFadedDense(
            self.OUT, old_input_dim=self.OLD_IN, old_output_dim=self.OLD_OUT, **kwargs
        )
        new.build((None, self.IN))
        new.grow_from(old)
        return old, new, rng_array(rng, 5, self.IN)

    def test_grown_weights_layout(self):
        old, new, _ = self.grown_pair()
        kernel, bias = new.kernel.numpy(), new.bias.numpy()
        np.testing.assert_array_equal(kernel[: self.OLD_IN, : self.OLD_OUT], old.kernel.numpy())
        np.testing.assert_array_equal(bias[: self.OLD_OUT], old.bias.numpy())
        np.testing.assert_array_equal(bias[self.OLD_OUT :], 0.0)
        self.assertGreater(np.abs(kernel[self.OLD_IN :]).min(), 0.0)  # drawn, not zero
        # default init N(0, sqrt(2 / fan_in)): a loose check on a large layer
        big = BetaFadedDense(400, old_input_dim=100, old_output_dim=200)
        big.build((None, 200))
        grown = big.grown_weights([np.zeros((100, 200)), np.zeros(200)])[0]
        self.assertAllClose(grown[100:].std(), np.sqrt(2 / 200), rtol=0.05)

    def test_beta_zero_reproduces_old_layer(self):
        old, new, x = self.grown_pair()
        self.assertEqual(float(new.beta.numpy()), 0.0)
        out = new(x).numpy()
        expected = old(x[:, : self.OLD_IN]).numpy()
        np.testing.assert_allclose(out[:, : self.OLD_OUT], expected, atol=1e-6)
        np.testing.assert_array_equal(out[:, self.OLD_OUT :], 0.0)

    def test_beta_one_is_plain_dense(self):
        _, new, x = self.grown_pair(activation="tanh")
        new.beta.assign(1.0)
        plain = keras.layers.Dense(self.OUT, activation="tanh")
        plain.build((None, self.IN))
        plain.set_weights([new.kernel.numpy(), new.bias.numpy()])
        np.testing.assert_allclose(new(x).numpy(), plain(x).numpy(), atol=1e-6)

    def test_intermediate_beta_matches_numpy(self):
        _, new, x = self.grown_pair()
        self.assertEqual([w.name for w in new.trainable_weights], ["kernel", "bias"])
        self.assertEqual([w.name for w in new.non_trainable_weights], ["beta"])
        # non-zero new biases (as after training) so that their fading is visible
        new.bias.assign(rng_array(np.random.default_rng(12), self.OUT))
        beta = 0.3
        new.beta.assign(beta)
        k_scale = np.ones((self.IN, self.OUT))
        k_scale[self.OLD_IN :, :] = beta  # new input rows
        k_scale[:, self.OLD_OUT :] = beta  # new output columns (scaled once)
        b_scale = np.ones(self.OUT)
        b_scale[self.OLD_OUT :] = beta
        expected = x @ (new.kernel.numpy() * k_scale) + new.bias.numpy() * b_scale
        np.testing.assert_allclose(new(x).numpy(), expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(new.effective_kernel().numpy(), new.kernel.numpy() * k_scale)

    def test_input_growth_only_ignores_new_inputs(self):
        # D's final dense layer: new input rows only, output 1 (bias untouched)
        rng = np.random.default_rng(11)
        layer = BetaFadedDense(1, old_input_dim=4)
        layer.build((None, 8))
        layer.grow_from([rng_array(rng, 4, 1), np.array([0.5], "float32")])
        x = rng_array(rng, 3, 8)
        y = x.copy()
        y[:, 4:] = rng_array(rng, 3, 4)
        np.testing.assert_array_equal(layer(x).numpy(), layer(y).numpy())

    def test_mlp_zero_row_growth(self):
        # §6.1: the new latent row is zero, so G_new(z1, z2) = G_old(z1) for every z2
        rng = np.random.default_rng(13)
        old = keras.layers.Dense(5)
        old.build((None, 1))
        layer = BetaFadedDense(5, old_input_dim=1, initial_beta=1.0, kernel_initializer="zeros")
        layer.build((None, 2))
        layer.grow_from(old)
        np.testing.assert_array_equal(layer.kernel.numpy()[1], 0.0)
        z = rng.uniform(-1, 1, size=(6, 2)).astype("float32")
        np.testing.assert_allclose(layer(z).numpy(), old(z[:, :1]).numpy(), atol=1e-6)

    def test_beta_assign_does_not_retrace(self):
        _, new, x = self.grown_pair()
        traces = []

        @tf.function
        def run(inputs):
            traces.append(1)
            return new(inputs)

        a = run(x).numpy()
        new.beta.assign(1.0)
        b = run(x).numpy()
        self.assertLen(traces, 1)
        self.assertGreater(np.abs(a - b).max(), 1e-3)

    def test_config_roundtrip(self):
        _, new, x = self.grown_pair(activation="relu", name="grown_dense")
        new.beta.assign(0.4)
        config = new.get_config()
        keys = ("units", "old_input_dim", "old_output_dim", "initial_beta")
        self.assertEqual(
            tuple(config[k] for k in keys), (self.OUT, self.OLD_IN, self.OLD_OUT, 0.0)
        )
        clone = roundtrip(new)
        clone.build((None, self.IN))
        clone.set_weights(new.get_weights())
        self.assertAllClose(clone.beta.numpy(), 0.4)
        np.testing.assert_array_equal(clone(x).numpy(), new(x).numpy())

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "units"):
            BetaFadedDense(0)
        with self.assertRaisesRegex(ValueError, "old_input_dim"):
            BetaFadedDense(3, old_input_dim=0)
        with self.assertRaisesRegex(ValueError, "old_output_dim"):
            BetaFadedDense(3, old_output_dim=-1)
        with self.assertRaisesRegex(ValueError, "initial_beta"):
            BetaFadedDense(3, initial_beta=2.0)
        with self.assertRaisesRegex(ValueError, "old_trailing_inputs"):
            BetaFadedDense(3, old_trailing_inputs=1)
        with self.assertRaisesRegex(ValueError, "old_output_dim"):
            BetaFadedDense(3, old_output_dim=4).build((None, 2))
        with self.assertRaisesRegex(ValueError, "old_input_dim"):
            BetaFadedDense(3, old_input_dim=5).build((None, 4))
        layer = BetaFadedDense(4, old_input_dim=2, old_output_dim=2)
        with self.assertRaisesRegex(ValueError, "built"):
            layer.grown_weights([np.zeros((2, 2)), np.zeros(2)])
        layer.build((None, 4))
        with self.assertRaisesRegex(ValueError, "`old` kernel"):
            layer.grown_weights([np.zeros((3, 2)), np.zeros(2)])
        with self.assertRaisesRegex(ValueError, "`old` bias"):
            layer.grown_weights([np.zeros((2, 2)), np.zeros(3)])
        with self.assertRaisesRegex(ValueError, "`old` must hold"):
            layer.grown_weights([np.zeros((2, 2))])


class BetaFadedConv2DTest(tf.test.TestCase):
    # (name, kwargs, old in channels (incl. trailing), new in channels, old filters, filters)
    CASES = [
        # d3 after the stddev map: inputs [old 4 | new 4 | std], 3x3 same, odd H, W
        ("d3", dict(kernel_size=3, padding="same", old_input_dim=4, old_output_dim=3,
                    old_trailing_inputs=1), 5, 9, 3, 6),
        # the old fromRGB of clgGAN (code first=True): outputs grow only, 1x1
        ("from_rgb", dict(kernel_size=1, old_output_dim=2), 3, 3, 2, 4),
        # the old toRGB of clgGAN: inputs grow only, 1x1
        ("to_rgb", dict(kernel_size=1, old_input_dim=2), 2, 4, 3, 3),
        # d2: 4x4 valid, both grow, stride 1
        ("d2", dict(kernel_size=4, padding="valid", old_input_dim=2, old_output_dim=2), 2, 4, 2, 4),
        # strided, rectangular kernel
        ("strided", dict(kernel_size=(3, 2), strides=2, padding="same", old_input_dim=3,
                         old_output_dim=1), 3, 5, 1, 3),
    ]

    def setup_case(self, kwargs, old_in, new_in, old_f, new_f, seed=20):
        rng = np.random.default_rng(seed)
        conv_args = dict(kernel_size=kwargs["kernel_size"], strides=kwargs.get("strides", 1),
                         padding=kwargs.get("padding", "valid"))
        old = keras.layers.Conv2D(old_f, **conv_args)
        old.build((None, 5, 7, old_in))
        old.set_weights([rng_array(rng, *old.kernel.shape), rng_array(rng, old_f)])
        new = BetaFadedConv2D(new_f, **kwargs)
        new.build((None, 5, 7, new_in))
        new.grow_from(old)
        x = rng_array(rng, 2, 5, 7, new_in)
        trailing = kwargs.get("old_trailing_inputs", 0)
        x_old = np.concatenate([x[..., : old_in - trailing], x[..., new_in - trailing :]], axis=-1)
        return old, new, x, x_old, conv_args

    def numpy_scale(self, kwargs, new_in, old_f, new_f, beta):
        """Per-(in, out) multiplier written out by slicing (new rows / new columns)."""
        scale = np.ones((new_in, new_f))
        if kwargs.get("old_input_dim") is not None:
            stop = new_in - kwargs.get("old_trailing_inputs", 0)
            scale[kwargs["old_input_dim"] : stop, :] = beta
        scale[:, old_f:] = beta
        b_scale = np.ones(new_f)
        b_scale[old_f:] = beta
        return scale, b_scale

    def test_weight_layout(self):
        _, kwargs, old_in, new_in, old_f, new_f = self.CASES[0]
        old, new, *_ = self.setup_case(kwargs, old_in, new_in, old_f, new_f)
        k, ko = new.kernel.numpy(), old.kernel.numpy()
        np.testing.assert_array_equal(k[:, :, :4, :3], ko[:, :, :4, :])
        np.testing.assert_array_equal(k[:, :, 8, :3], ko[:, :, 4, :])  # stddev filter moved last
        np.testing.assert_array_equal(new.bias.numpy()[3:], 0.0)

    def test_beta_zero_one_and_between(self):
        for name, kwargs, old_in, new_in, old_f, new_f in self.CASES:
            with self.subTest(name):
                old, new, x, x_old, conv_args = self.setup_case(
                    kwargs, old_in, new_in, old_f, new_f
                )
                # beta = 0: old outputs reproduced, new outputs exactly 0
                out = new(x).numpy()
                np.testing.assert_allclose(out[..., :old_f], old(x_old).numpy(), atol=1e-6)
                np.testing.assert_array_equal(out[..., old_f:], 0.0)
                # beta = 1: a plain Conv2D with the full grown weights
                new.beta.assign(1.0)
                plain = keras.layers.Conv2D(new_f, **conv_args)
                plain.build(x.shape)
                plain.set_weights([new.kernel.numpy(), new.bias.numpy()])
                np.testing.assert_allclose(new(x).numpy(), plain(x).numpy(), atol=1e-6)
                # beta = 0.5: a plain Conv2D with the numpy-faded kernel (non-zero new biases)
                new.bias.assign(rng_array(np.random.default_rng(21), new_f))
                new.beta.assign(0.5)
                scale, b_scale = self.numpy_scale(kwargs, new_in, old_f, new_f, 0.5)
                plain.set_weights([new.kernel.numpy() * scale, new.bias.numpy() * b_scale])
                np.testing.assert_allclose(new(x).numpy(), plain(x).numpy(), atol=1e-5)

    def test_config_roundtrip(self):
        _, kwargs, old_in, new_in, old_f, new_f = self.CASES[4]
        _, new, x, _, _ = self.setup_case(kwargs, old_in, new_in, old_f, new_f)
        new.beta.assign(0.25)
        config = new.get_config()
        self.assertEqual(
            (config["filters"], tuple(config["kernel_size"]), tuple(config["strides"])),
            (new_f, (3, 2), (2, 2)),
        )
        clone = roundtrip(new)
        clone.build(x.shape)
        clone.set_weights(new.get_weights())
        self.assertAllClose(clone.beta.numpy(), 0.25)
        np.testing.assert_array_equal(clone(x).numpy(), new(x).numpy())

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "filters"):
            BetaFadedConv2D(0, 3)
        with self.assertRaisesRegex(ValueError, "padding"):
            BetaFadedConv2D(2, 3, padding="full")
        with self.assertRaisesRegex(ValueError, "kernel_size"):
            BetaFadedConv2D(2, (3, 3, 3))
        with self.assertRaisesRegex(ValueError, "strides"):
            BetaFadedConv2D(2, 3, strides=0)
        with self.assertRaisesRegex(ValueError, "rank 4"):
            BetaFadedConv2D(2, 1).build((None, 4))
        with self.assertRaisesRegex(ValueError, "old_trailing_inputs"):
            BetaFadedConv2D(2, 1, old_input_dim=4, old_trailing_inputs=1).build((None, 4, 4, 4))


class BetaFadedLatentProjectionTest(tf.test.TestCase):
    Z_OLD, Z, C_OLD, C, S = 3, 6, 2, 4, 4

    def grown(self, rng, **kwargs):
        old_kernel = rng_array(rng, self.Z_OLD, self.S * self.S * self.C_OLD)
        old_bias = rng_array(rng, self.C_OLD)
        layer = BetaFadedLatentProjection(
            self.C, old_input_dim=self.Z_OLD, old_output_dim=self.C_OLD, **kwargs
        )
        layer.build((None, self.Z))
        layer.grow_from([old_kernel, old_bias])
        return layer, old_kernel, old_bias

    def test_layout_and_beta_endpoints(self):
        rng = np.random.default_rng(30)
        layer, old_kernel, old_bias = self.grown(rng)
        k4 = layer.kernel.numpy().reshape(self.Z, self.S, self.S, self.C)
        np.testing.assert_array_equal(
            k4[: self.Z_OLD, :, :, : self.C_OLD],
            old_kernel.reshape(self.Z_OLD, self.S, self.S, self.C_OLD),
        )
        np.testing.assert_array_equal(layer.bias.numpy()[self.C_OLD :], 0.0)
        z = rng_array(rng, 5, self.Z)
        # beta = 0: the pre-growth g1 (bias-free dense, reshape, per-channel bias)
        expected_old = (z[:, : self.Z_OLD] @ old_kernel).reshape(-1, self.S, self.S, self.C_OLD)
        expected_old = expected_old + old_bias
        out = layer(z).numpy()
        self.assertEqual(out.shape, (5, self.S, self.S, self.C))
        np.testing.assert_allclose(out[..., : self.C_OLD], expected_old, atol=1e-6)
        np.testing.assert_array_equal(out[..., self.C_OLD :], 0.0)
        # beta = 1: full kernel
        layer.beta.assign(1.0)
        full = (z @ layer.kernel.numpy()).reshape(-1, self.S, self.S, self.C) + layer.bias.numpy()
        np.testing.assert_allclose(layer(z).numpy(), full, atol=1e-5)
        # beta = 0.6: new rows and new channels scaled once (non-zero new biases)
        layer.bias.assign(rng_array(rng, self.C))
        beta = 0.6
        layer.beta.assign(beta)
        scale = np.ones((self.Z, self.S, self.S, self.C))
        scale[self.Z_OLD :] = beta
        scale[..., self.C_OLD :] = beta
        b_scale = np.where(np.arange(self.C) < self.C_OLD, 1.0, beta)
        faded = (z @ (k4 * scale).reshape(self.Z, -1)).reshape(-1, self.S, self.S, self.C)
        faded = faded + layer.bias.numpy() * b_scale
        np.testing.assert_allclose(layer(z).numpy(), faded, atol=1e-5)

    def test_bggan_latent_rows_only(self):
        # bgGAN: only g1's rows grow; at beta = 0 the output ignores the new latents
        rng = np.random.default_rng(31)
        layer = BetaFadedLatentProjection(3, old_input_dim=2)
        layer.build((None, 4))
        layer.grow_from([rng_array(rng, 2, 48), rng_array(rng, 3)])
        z = rng_array(rng, 4, 4)
        z2 = z.copy()
        z2[:, 2:] = rng_array(rng, 4, 2)
        np.testing.assert_array_equal(layer(z).numpy(), layer(z2).numpy())
        layer.beta.assign(1.0)
        self.assertGreater(np.abs(layer(z).numpy() - layer(z2).numpy()).max(), 1e-3)

    def test_config_roundtrip(self):
        rng = np.random.default_rng(32)
        layer, _, _ = self.grown(rng, name="g1")
        layer.beta.assign(0.75)
        config = layer.get_config()
        self.assertEqual((config["filters"], config["size"]), (self.C, self.S))
        clone = roundtrip(layer)
        clone.build((None, self.Z))
        clone.set_weights(layer.get_weights())
        self.assertAllClose(clone.beta.numpy(), 0.75)
        z = rng_array(rng, 2, self.Z)
        np.testing.assert_array_equal(clone(z).numpy(), layer(z).numpy())

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "filters"):
            BetaFadedLatentProjection(0)
        with self.assertRaisesRegex(ValueError, "size"):
            BetaFadedLatentProjection(4, size=0)
        with self.assertRaisesRegex(ValueError, "old_trailing_inputs"):
            BetaFadedLatentProjection(4, old_input_dim=2, old_trailing_inputs=1)
        with self.assertRaisesRegex(ValueError, "rank 2"):
            BetaFadedLatentProjection(4).build((None, 1, 1, 8))


# ------------------------------------------------------------------- α fading
class AlphaFadeTest(tf.test.TestCase):
    def test_matches_numpy(self):
        rng = np.random.default_rng(40)
        old, new = rng_array(rng, 2, 4, 4, 3), rng_array(rng, 2, 4, 4, 3)
        layer = AlphaFade()
        layer([old, new])
        for alpha in (0.0, 0.25, 1.0):
            layer.alpha.assign(alpha)
            out = layer([old, new]).numpy()
            np.testing.assert_allclose(out, (1 - alpha) * old + alpha * new, atol=1e-6)
        layer.alpha.assign(0.0)
        np.testing.assert_array_equal(layer([old, new]).numpy(), old)
        layer.alpha.assign(1.0)
        np.testing.assert_array_equal(layer([old, new]).numpy(), new)
        self.assertEqual(layer.trainable_weights, [])

    def test_config_roundtrip(self):
        rng = np.random.default_rng(41)
        old, new = rng_array(rng, 3, 5), rng_array(rng, 3, 5)
        layer = AlphaFade(initial_alpha=0.2, name="fade")
        np.testing.assert_allclose(layer([old, new]).numpy(), 0.8 * old + 0.2 * new, atol=1e-6)
        layer.alpha.assign(0.9)
        self.assertEqual(layer.get_config()["initial_alpha"], 0.2)
        clone = roundtrip(layer)
        clone([old, new])
        clone.set_weights(layer.get_weights())
        self.assertAllClose(clone.alpha.numpy(), 0.9)
        np.testing.assert_array_equal(clone([old, new]).numpy(), layer([old, new]).numpy())

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "initial_alpha"):
            AlphaFade(initial_alpha=-0.1)
        with self.assertRaisesRegex(ValueError, "same shape"):
            AlphaFade()([np.zeros((1, 4, 4, 3), "float32"), np.zeros((1, 8, 8, 3), "float32")])
        with self.assertRaisesRegex(ValueError, r"\[old, new\]"):
            AlphaFade()(np.zeros((1, 4), "float32"))


class CheckpointTest(tf.test.TestCase):
    def test_checkpoint_carries_alpha_beta_tau(self):
        def make():
            mbstd, fade = MinibatchStddev(), AlphaFade()
            dense = BetaFadedDense(2, old_input_dim=1, old_output_dim=1)
            mbstd.build((None, 2, 2, 4))
            fade.build([(None, 3), (None, 3)])
            dense.build((None, 2))
            return mbstd, fade, dense

        mbstd, fade, dense = make()
        mbstd.tau.assign(0.125)
        fade.alpha.assign(0.375)
        dense.beta.assign(0.625)
        path = tf.train.Checkpoint(mbstd=mbstd, fade=fade, dense=dense).write(
            os.path.join(tempfile.mkdtemp(), "ckpt")
        )
        restored = make()
        tf.train.Checkpoint(mbstd=restored[0], fade=restored[1], dense=restored[2]).read(
            path
        ).assert_consumed()
        self.assertAllClose(
            [restored[0].tau.numpy(), restored[1].alpha.numpy(), restored[2].beta.numpy()],
            [0.125, 0.375, 0.625],
        )


# ------------------------------------------------------------- real-image fades
class RealImageFadeTest(tf.test.TestCase):
    def test_fade_real_images_matches_numpy(self):
        rng = np.random.default_rng(50)
        x = rng_array(rng, 2, 8, 12, 3)
        for factor in (2, 4):
            coarse = np_nn_up(np_box_down(x.astype(np.float64), factor, factor), factor, factor)
            for alpha in (0.0, 0.5, 1.0):
                out = fade_real_images(x, alpha, factor=factor).numpy()
                np.testing.assert_allclose(out, (1 - alpha) * coarse + alpha * x, atol=1e-6)
        np.testing.assert_array_equal(fade_real_images(x, 1.0).numpy(), x)
        # alpha = 0: constant 2x2 blocks (the previous resolution, pixel-replicated)
        out = fade_real_images(x, 0.0).numpy()
        np.testing.assert_array_equal(out[:, 0::2], out[:, 1::2])
        np.testing.assert_array_equal(out[:, :, 0::2], out[:, :, 1::2])
        # a variable alpha (e.g. AlphaFade.alpha)
        alpha = tf.Variable(0.25)
        coarse = np_nn_up(np_box_down(x.astype(np.float64), 2, 2), 2, 2)
        np.testing.assert_allclose(
            fade_real_images(x, alpha).numpy(), 0.75 * coarse + 0.25 * x, atol=1e-6
        )

    def test_coarsen_real_images_matches_numpy(self):
        rng = np.random.default_rng(51)
        x = rng_array(rng, 2, 16, 16, 3)
        x64 = x.astype(np.float64)
        for resolution, alpha in [(4, 1.0), (4, 0.3), (8, 0.0), (16, 0.5), (2, 0.7)]:
            f = 16 // resolution
            at_r = np_nn_up(np_box_down(x64, f, f), f, f)
            at_half = np_nn_up(np_box_down(x64, 2 * f, 2 * f), 2 * f, 2 * f)
            expected = (1 - alpha) * at_half + alpha * at_r
            out = coarsen_real_images(x, resolution, alpha).numpy()
            self.assertEqual(out.shape, x.shape)
            np.testing.assert_allclose(out, expected, atol=1e-5, err_msg=f"r={resolution}")
        # z = 8 -> 4x4 content: constant within each 4x4 tile of the 16x16 image
        out = coarsen_real_images(x, 4).numpy()
        tiles = out.reshape(2, 4, 4, 4, 4, 3)
        np.testing.assert_allclose(tiles, np.broadcast_to(tiles[:, :, :1, :, :1], tiles.shape))

    def test_bad_arguments(self):
        x = np.zeros((1, 8, 8, 3), "float32")
        with self.assertRaisesRegex(ValueError, "factor"):
            fade_real_images(x, 0.5, factor=0)
        with self.assertRaisesRegex(ValueError, "images"):
            fade_real_images(np.zeros((1, 7, 8, 3), "float32"), 0.5)
        with self.assertRaisesRegex(ValueError, "images"):
            fade_real_images(np.zeros((8, 8, 3), "float32"), 0.5)
        with self.assertRaisesRegex(ValueError, "alpha"):
            fade_real_images(x, 1.5)
        with self.assertRaisesRegex(ValueError, "resolution"):
            coarsen_real_images(x, 3)
        with self.assertRaisesRegex(ValueError, "resolution"):
            coarsen_real_images(x, 16)
        with self.assertRaisesRegex(ValueError, "alpha"):
            coarsen_real_images(x, 4, alpha=-1.0)

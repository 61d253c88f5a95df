"""Closed-form tests of tfgan_latent.penalties (WGAN-GP, DRAGAN), and numpy references for a
batch-norm discriminator in the loss's (training) mode."""
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import penalties
from tfgan_latent.layers import FusedBatchNormalization
from tfgan_latent.models import variants
from tfgan_latent.models.feature_discriminator import RepresentativeFeatureDiscriminator

B, H, W, C = 4, 3, 5, 2


def _linear_critic(a, beta=0.7, keepdims=False):
    """D(x) = <a, x> + beta per sample; grad_x D = a for every sample."""

    def critic(x):
        out = tf.reduce_sum(x * a, axis=[1, 2, 3], keepdims=False) + beta
        return out[:, None] if keepdims else out

    return critic


def _quadratic_critic(x):
    """D(x) = 1/2 ||x||^2 per sample; grad_x D = x."""
    return 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])[:, None]


def _gp_reference(points, weight):
    norms = np.sqrt(np.sum(points.reshape(len(points), -1).astype(np.float64) ** 2, axis=1))
    return weight * np.mean((norms - 1.0) ** 2)


class PenaltiesTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(1)
        self.rng = rng
        self.real = rng.normal(size=[B, H, W, C]).astype(np.float32)
        self.fake = rng.normal(2.0, 0.5, size=[B, H, W, C]).astype(np.float32)
        # Distinct per-sample weights: a wrong broadcast would change the result.
        self.u = np.array([0.0, 0.25, 0.6, 1.0], np.float32)
        self.a = rng.normal(size=[H, W, C]).astype(np.float32)
        self.a_norm = float(np.linalg.norm(self.a.astype(np.float64)))

    # -- gradient_norm ------------------------------------------------------------------

    def test_gradient_norm_over_all_axes(self):
        norms = penalties.gradient_norm(_quadratic_critic, self.real)
        self.assertEqual(norms.shape, (B,))
        self.assertEqual(norms.dtype, tf.float32)
        expected = np.sqrt(np.sum(self.real.reshape(B, -1).astype(np.float64) ** 2, 1))
        self.assertAllClose(norms, expected, rtol=1e-6)
        # Rank-2 input.
        x2 = self.real.reshape(B, -1)
        norms2 = penalties.gradient_norm(
            lambda x: 0.5 * tf.reduce_sum(tf.square(x), axis=1), x2
        )
        self.assertAllClose(norms2, expected, rtol=1e-6)

    def test_gradient_norm_rejects_rank_one(self):
        with self.assertRaisesRegex(ValueError, "`x`"):
            penalties.gradient_norm(lambda x: x, np.zeros([4], np.float32))

    # -- WGAN-GP ------------------------------------------------------------------------

    def test_wgan_gp_linear_critic_closed_form(self):
        expected = 10.0 * (self.a_norm - 1.0) ** 2
        for keepdims in (False, True):
            critic = _linear_critic(tf.constant(self.a), keepdims=keepdims)
            for seed in range(3):
                rng = np.random.default_rng(100 + seed)
                real = rng.normal(size=[B, H, W, C]).astype(np.float32)
                fake = rng.normal(3.0, 2.0, size=[B, H, W, C]).astype(np.float32)
                u = rng.uniform(size=[B]).astype(np.float32)
                gp = penalties.wasserstein_gradient_penalty(critic, real, fake, u)
                self.assertEqual(gp.dtype, tf.float32)
                self.assertEqual(gp.shape.rank, 0)
                self.assertAllClose(gp, expected, rtol=1e-5)
        gp = penalties.wasserstein_gradient_penalty(
            _linear_critic(tf.constant(self.a)), self.real, self.fake, self.u, weight=0.1
        )
        self.assertAllClose(gp, 0.1 * (self.a_norm - 1.0) ** 2, rtol=1e-5)

    def test_wgan_gp_unit_norm_linear_critic_is_zero(self):
        a_unit = self.a / self.a_norm
        gp = penalties.wasserstein_gradient_penalty(
            _linear_critic(tf.constant(a_unit)), self.real, self.fake, self.u
        )
        self.assertAllClose(gp, 0.0, atol=1e-5)

    def test_wgan_gp_quadratic_critic_checks_interpolation(self):
        u4 = self.u[:, None, None, None]
        x_hat = u4 * self.real + (1.0 - u4) * self.fake
        expected = _gp_reference(x_hat, 10.0)
        gp = penalties.wasserstein_gradient_penalty(
            _quadratic_critic, self.real, self.fake, self.u
        )
        self.assertAllClose(gp, expected, rtol=1e-5)
        # Swapping the roles of real and fake must change the value (u is not symmetric).
        swapped = _gp_reference(u4 * self.fake + (1.0 - u4) * self.real, 10.0)
        self.assertGreater(abs(swapped - expected), 1e-2)

    def test_zero_gradient_is_finite(self):
        eps = 1e-10
        a = tf.Variable(tf.zeros([H, W, C]))
        critic = _linear_critic(a)
        with tf.GradientTape() as tape:
            gp = penalties.wasserstein_gradient_penalty(
                critic, self.real, self.fake, self.u, epsilon=eps
            )
            dp = penalties.dragan_penalty(
                critic, self.real, self.fake - self.real, self.u, epsilon=eps
            )
            total = gp + dp
        expected = 10.0 * (np.sqrt(eps) - 1.0) ** 2
        self.assertAllClose(gp, expected, rtol=1e-6)
        self.assertAllClose(dp, expected, rtol=1e-6)
        grad = tape.gradient(total, a)
        self.assertTrue(np.all(np.isfinite(grad.numpy())))
        self.assertAllClose(grad, np.zeros([H, W, C]), atol=1e-6)

    def test_constant_critic_is_finite(self):
        # Output not connected to x at all: the gradient is zero, not None.
        gp = penalties.wasserstein_gradient_penalty(
            lambda x: tf.ones([tf.shape(x)[0]]), self.real, self.fake, self.u
        )
        self.assertAllClose(gp, 10.0 * (1e-5 - 1.0) ** 2, rtol=1e-6)

    def test_wgan_gp_outer_gradient_matches_closed_form(self):
        weight = 10.0
        a = tf.Variable(self.a)
        critic = _linear_critic(a)
        with tf.GradientTape() as tape:
            gp = penalties.wasserstein_gradient_penalty(
                critic, self.real, self.fake, self.u, weight=weight
            )
        grad = tape.gradient(gp, a)
        expected = 2.0 * weight * (self.a_norm - 1.0) * self.a / self.a_norm
        self.assertAllClose(grad, expected, rtol=1e-5, atol=1e-6)

    def test_keras_critic_outer_gradient_in_tf_function(self):
        weight = 10.0
        critic = keras.Sequential(
            [keras.Input([H, W, C]), keras.layers.Flatten(), keras.layers.Dense(1)]
        )
        kernel, bias = critic.layers[-1].kernel, critic.layers[-1].bias
        kernel.assign(self.a.reshape(-1, 1))
        bias.assign([0.3])

        @tf.function
        def step(real, fake, u):
            with tf.GradientTape() as tape:
                gp = penalties.wasserstein_gradient_penalty(
                    critic, real, fake, u, weight=weight
                )
            return gp, tape.gradient(gp, critic.trainable_variables)

        gp, (g_kernel, g_bias) = step(
            tf.constant(self.real), tf.constant(self.fake), tf.constant(self.u)
        )
        self.assertAllClose(gp, weight * (self.a_norm - 1.0) ** 2, rtol=1e-5)
        expected = 2.0 * weight * (self.a_norm - 1.0) * self.a / self.a_norm
        self.assertAllClose(g_kernel, expected.reshape(-1, 1), rtol=1e-5, atol=1e-6)
        # The bias does not enter grad_x D: its gradient is None (unconnected) or zero.
        if g_bias is not None:
            self.assertAllClose(g_bias, [0.0], atol=1e-6)

    def test_penalties_inside_tf_function(self):
        delta = self.rng.normal(size=[B, H, W, C]).astype(np.float32)

        @tf.function
        def both(real, fake, delta, u):
            return (
                penalties.wasserstein_gradient_penalty(_quadratic_critic, real, fake, u),
                penalties.dragan_penalty(_quadratic_critic, real, delta, u, weight=0.1),
            )

        gp, dp = both(self.real, self.fake, delta, self.u)
        u4 = self.u[:, None, None, None]
        self.assertAllClose(
            gp, _gp_reference(u4 * self.real + (1 - u4) * self.fake, 10.0), rtol=1e-5
        )
        self.assertAllClose(dp, _gp_reference(self.real + u4 * delta, 0.1), rtol=1e-5)

    # -- DRAGAN -------------------------------------------------------------------------

    def test_dragan_perturbation_uniform_bounds_and_batch_std(self):
        # Samples with very different spreads: a per-sample std would give other values.
        scales = np.array([0.1, 1.0, 5.0, 20.0], np.float32)[:, None, None, None]
        real = self.rng.normal(size=[B, H, W, C]).astype(np.float32) * scales
        noise = self.rng.uniform(size=[B, H, W, C]).astype(np.float32)
        delta = penalties.dragan_perturbation(real, noise).numpy()
        batch_std = np.std(real.astype(np.float64))  # one scalar, ddof = 0
        self.assertEqual(delta.shape, real.shape)
        self.assertAllClose(delta, 0.5 * batch_std * noise, rtol=1e-5)
        self.assertTrue(np.all(delta >= 0.0))
        self.assertTrue(np.all(delta < 0.5 * batch_std))
        # Gaussian noise and another scale: same formula, two-sided.
        gauss = self.rng.normal(size=[B, H, W, C]).astype(np.float32)
        delta_g = penalties.dragan_perturbation(real, gauss, scale=2.0)
        self.assertAllClose(delta_g, 2.0 * batch_std * gauss, rtol=1e-5)

    def test_dragan_linear_critic_closed_form(self):
        critic = _linear_critic(tf.constant(self.a), keepdims=True)
        for seed in range(3):
            rng = np.random.default_rng(200 + seed)
            real = rng.normal(size=[B, H, W, C]).astype(np.float32)
            delta = penalties.dragan_perturbation(
                real, rng.uniform(size=[B, H, W, C]).astype(np.float32)
            )
            u = rng.uniform(size=[B]).astype(np.float32)
            dp = penalties.dragan_penalty(critic, real, delta, u)
            self.assertEqual(dp.dtype, tf.float32)
            self.assertAllClose(dp, 10.0 * (self.a_norm - 1.0) ** 2, rtol=1e-5)

    def test_dragan_quadratic_critic_checks_interpolation(self):
        delta = penalties.dragan_perturbation(
            self.real, self.rng.uniform(size=[B, H, W, C]).astype(np.float32), scale=3.0
        ).numpy()
        u4 = self.u[:, None, None, None]
        expected = _gp_reference(self.real + u4 * delta, 10.0)
        dp = penalties.dragan_penalty(_quadratic_critic, self.real, delta, self.u)
        self.assertAllClose(dp, expected, rtol=1e-5)
        # u = 0 for sample 0: that sample is evaluated exactly at the real point.
        only_first = penalties.dragan_penalty(
            _quadratic_critic, self.real[:1], delta[:1], self.u[:1]
        )
        self.assertAllClose(only_first, _gp_reference(self.real[:1], 10.0), rtol=1e-5)

    def test_dragan_outer_gradient_matches_closed_form(self):
        a = tf.Variable(self.a)
        delta = self.rng.normal(size=[B, H, W, C]).astype(np.float32)
        with tf.GradientTape() as tape:
            dp = penalties.dragan_penalty(_linear_critic(a), self.real, delta, self.u)
        expected = 2.0 * 10.0 * (self.a_norm - 1.0) * self.a / self.a_norm
        self.assertAllClose(tape.gradient(dp, a), expected, rtol=1e-5, atol=1e-6)


# -- a batch-norm discriminator: numpy references -----------------------------------------
# D(x) = w · vec(lrelu(BN(conv1x1(x)))) + c on [B, S, S, C] images, BN over the batch and the
# pixels (training) or with moving statistics (inference), with the nets' batch-norm layer
# (FusedBatchNormalization: TF's fused kernel in training mode); its input gradient and
# penalty written out below, independently of TF.
BN_EPS, SLOPE, DB, SIDE, DX, DH = 1e-5, 0.2, 6, 2, 3, 4


def _bn_block_np(params, x, mode):
    """Activations of conv1x1 → BN → LeakyReLU and what the backward pass needs (float64)."""
    W, b, gamma, beta, mean, var = (params[k] for k in ("W", "b", "gamma", "beta", "mean", "var"))
    h = x @ W + b  # [B, S, S, DH]: a 1×1 convolution
    if mode == "batch":  # the biased variance over batch and pixels normalises (Keras, TF1)
        mean, var = h.mean((0, 1, 2)), h.var((0, 1, 2))
    scale = 1.0 / np.sqrt(var + BN_EPS)
    hn = (h - mean) * scale
    y = gamma * hn + beta
    return np.where(y > 0, y, SLOPE * y), (hn, scale, y)


def _bn_block_input_gradient_np(params, x, mode, w):
    """d(sum_b w · vec(a_b))/dx for the block's activations a (``w`` of a's per-sample shape;
    in batch mode BN's mean and variance depend on every row, so the batch sum couples them)."""
    _, (hn, scale, y) = _bn_block_np(params, x, mode)
    g = w * np.where(y > 0, 1.0, SLOPE) * params["gamma"]  # d/d hn
    if mode == "batch":
        dh = scale * (g - g.mean((0, 1, 2)) - hn * (g * hn).mean((0, 1, 2)))
    else:
        dh = scale * g
    return dh @ params["W"].T


def _unit_norm_penalty_np(grads, weight, eps=1e-10):
    norms = np.sqrt(np.sum(grads.reshape(len(grads), -1) ** 2, axis=1) + eps)
    return weight * np.mean((norms - 1.0) ** 2)


def _bn_block(rng, head=True):
    """A Keras conv1x1 → BN → LeakyReLU (→ flatten → Dense(1) head: a D) with random non-zero
    weights, biases and moving statistics far from any batch's; returns it and its float64
    parameters (``w``: the head's weights in the activations' shape)."""
    head_layers = [keras.layers.Flatten(), keras.layers.Dense(1)] if head else []
    d = keras.Sequential([keras.Input((SIDE, SIDE, DX)), keras.layers.Conv2D(DH, 1),
                          FusedBatchNormalization(momentum=0.9, epsilon=BN_EPS),
                          keras.layers.LeakyReLU(SLOPE), *head_layers])
    conv, bn = d.layers[:2]
    params = {"W": rng.normal(size=(DX, DH)), "b": rng.normal(size=DH),
              "gamma": rng.uniform(0.5, 2.0, DH), "beta": rng.normal(size=DH),
              "mean": rng.normal(size=DH) * 2.0, "var": rng.uniform(0.2, 4.0, DH),
              "w": rng.normal(size=(SIDE, SIDE, DH)), "c": rng.normal(size=1)}
    conv.kernel.assign(params["W"][None, None].astype("float32"))
    conv.bias.assign(params["b"].astype("float32"))
    bn.gamma.assign(params["gamma"].astype("float32"))
    bn.beta.assign(params["beta"].astype("float32"))
    bn.moving_mean.assign(params["mean"].astype("float32"))
    bn.moving_variance.assign(params["var"].astype("float32"))
    if head:
        d.layers[-1].kernel.assign(params["w"].reshape(-1, 1).astype("float32"))
        d.layers[-1].bias.assign(params["c"].astype("float32"))
    return d, params


def _bn_critic_penalty_np(params, x_hat, weight, mode="batch"):
    return _unit_norm_penalty_np(
        _bn_block_input_gradient_np(params, x_hat, mode, params["w"]), weight)


# TF float32 against numpy float64: the worst relative error over 20 seeds with oneDNN off, on,
# and on with ONEDNN_MAX_CPU_ISA=AVX2 (an AVX-512 AMD EPYC) was 8e-7 for penalty values and
# 3e-6 for their weight gradients (relative to the largest; central differences, h = 1e-6);
# the tolerance leaves a margin of 70x. The batch-vs-moving statistics gaps it must detect are
# 100x the tolerance or more (asserted below).
RTOL = 2e-4


class BatchNormCriticTest(tf.test.TestCase):
    """Every penalty evaluates D in the mode of the loss it regularises (training: batch
    statistics), as ``GAN.discriminator_losses_on`` calls D."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(7)
        self.d, self.params = _bn_block(rng)
        shape = (DB, SIDE, SIDE, DX)
        self.real = rng.normal(size=shape)
        self.fake = rng.normal(1.0, 1.5, size=shape)
        self.noise = rng.uniform(size=shape)
        self.u = rng.uniform(size=DB)
        u = self.u[:, None, None, None]
        self.x_gp = u * self.real + (1.0 - u) * self.fake
        delta = 0.5 * self.real.std() * self.noise
        self.x_dragan = self.real + u * delta
        self.delta = delta

    def _f32(self, *arrays):
        return [tf.constant(a, tf.float32) for a in arrays]

    def test_penalty_values_use_batch_statistics(self):
        real, fake, delta, u = self._f32(self.real, self.fake, self.delta, self.u)
        # training=False asks for the moving statistics explicitly (first: a training-mode call
        # updates them)
        dp_inference = penalties.dragan_penalty(self.d, real, delta, u, training=False)
        self.assertAllClose(dp_inference, _bn_critic_penalty_np(
            self.params, self.x_dragan, 10.0, mode="moving"), rtol=RTOL)
        gp = penalties.wasserstein_gradient_penalty(self.d, real, fake, u, weight=10.0)
        dp = penalties.dragan_penalty(self.d, real, delta, u, weight=10.0)
        for value, x_hat in ((gp, self.x_gp), (dp, self.x_dragan)):
            expected = _bn_critic_penalty_np(self.params, x_hat, 10.0)
            inference = _bn_critic_penalty_np(self.params, x_hat, 10.0, mode="moving")
            self.assertGreater(abs(expected - inference), 100 * RTOL * expected)  # discriminates
            self.assertAllClose(value, expected, rtol=RTOL)

    def test_penalty_gradient_matches_numpy_finite_differences(self):
        real, delta, u = self._f32(self.real, self.delta, self.u)
        trained = {"W": self.d.layers[0].kernel, "gamma": self.d.layers[1].gamma,
                   "beta": self.d.layers[1].beta, "w": self.d.layers[-1].kernel}
        with tf.GradientTape() as tape:
            dp = penalties.dragan_penalty(self.d, real, delta, u, weight=10.0)
        grads = tape.gradient(dp, list(trained.values()))
        h = 1e-6
        for (name, var), grad in zip(trained.items(), grads):
            expected = np.zeros(self.params[name].shape)
            for i in np.ndindex(expected.shape):
                values = []
                for sign in (1.0, -1.0):
                    params = {k: v.copy() for k, v in self.params.items()}
                    params[name][i] += sign * h
                    values.append(_bn_critic_penalty_np(params, self.x_dragan, 10.0))
                expected[i] = (values[0] - values[1]) / (2 * h)
            if name != "beta":  # β only moves LeakyReLU's kinks: zero gradient a.e.
                self.assertGreater(np.abs(expected).max(), 1e-2, name)
            self.assertAllClose(np.reshape(grad, expected.shape), expected, rtol=RTOL,
                                atol=RTOL * max(np.abs(expected).max(), 1.0), msg=name)

    def test_models_call_the_penalty_on_batch_statistics(self):
        """The DRAGAN and WGAN-GP models' ``penalty`` (what their D loss adds), with their random
        draws replaced by this test's."""
        g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(SIDE * SIDE * DX),
                              keras.layers.Reshape((SIDE, SIDE, DX))])
        real, fake = self._f32(self.real, self.fake)
        draws = {(DB, SIDE, SIDE, DX): self.noise, (DB,): self.u}
        for cls, x_hat in ((variants.DRAGAN, self.x_dragan), (variants.WGANGP, self.x_gp)):
            with self.subTest(cls.__name__):
                gan = cls(g, self.d, latent_dim=3, gp_weight=10.0, seed=1)
                gan.sample_uniform = lambda batch, rest=(): tf.constant(
                    draws[(int(batch), *rest)], tf.float32)
                expected = _bn_critic_penalty_np(self.params, x_hat, 10.0)
                self.assertAllClose(gan.penalty(real, fake), expected, rtol=RTOL)


class RepresentativeFeaturePenaltyTest(tf.test.TestCase):
    """On an RF discriminator the penalty's trunk sees batch statistics and its frozen encoder
    its moving statistics: ``RepresentativeFeatureDiscriminator`` calls it with
    ``training=False`` whatever mode D is called in, and a frozen (``trainable=False``) Keras
    batch norm runs in inference mode even when called with ``training=True`` (two guards:
    either alone keeps this test passing; removing both fails it)."""

    def test_trunk_in_training_mode_encoder_in_inference_mode(self):
        rng = np.random.default_rng(11)
        trunk, trunk_params = _bn_block(rng, head=False)
        extractor, extractor_params = _bn_block(rng, head=False)
        rf = RepresentativeFeatureDiscriminator(trunk, extractor)
        w = rng.normal(size=(SIDE, SIDE, 2 * DH))  # the channel merge: trunk's channels first
        rf.head.kernel.assign(w.reshape(-1, 1).astype("float32"))
        rf.head.bias.assign([0.3])
        frozen = [v.numpy() for v in extractor.weights]
        real = rng.normal(size=(DB, SIDE, SIDE, DX))
        delta = 0.5 * real.std() * rng.uniform(size=real.shape)
        u = rng.uniform(size=DB)
        x_hat = real + u[:, None, None, None] * delta
        dp = penalties.dragan_penalty(rf, tf.constant(real, tf.float32),
                                      tf.constant(delta, tf.float32),
                                      tf.constant(u, tf.float32), weight=10.0)

        def penalty_np(trunk_mode, extractor_mode):
            grads = (_bn_block_input_gradient_np(trunk_params, x_hat, trunk_mode, w[..., :DH])
                     + _bn_block_input_gradient_np(extractor_params, x_hat, extractor_mode,
                                                   w[..., DH:]))
            return _unit_norm_penalty_np(grads, 10.0)

        expected = penalty_np("batch", "moving")
        self.assertAllClose(dp, expected, rtol=RTOL)
        # neither the all-inference D (the penalty before) nor a D whose encoder follows D's mode
        for wrong in (penalty_np("moving", "moving"), penalty_np("batch", "batch")):
            self.assertGreater(abs(wrong - expected), 100 * RTOL * expected)
        # the encoder's moving statistics did not move (its BN ran in inference mode)
        for before, after in zip(frozen, extractor.weights):
            np.testing.assert_array_equal(before, after.numpy())
        features = rf.merged_features(tf.constant(real, tf.float32), training=True).numpy()
        features = features.reshape(DB, SIDE, SIDE, 2 * DH)
        self.assertAllClose(features[..., DH:],
                            _bn_block_np(extractor_params, real, "moving")[0], rtol=RTOL,
                            atol=1e-6)
        self.assertAllClose(features[..., :DH], _bn_block_np(trunk_params, real, "batch")[0],
                            rtol=RTOL, atol=1e-5)


if __name__ == "__main__":
    tf.test.main()

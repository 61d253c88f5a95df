"""Closed-form tests of tfgan_latent.penalties (WGAN-GP, DRAGAN)."""
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import penalties

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


if __name__ == "__main__":
    tf.test.main()

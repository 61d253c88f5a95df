"""Exact-value tests of tfgan_latent.losses against independent numpy formulas."""
import numpy as np
import tensorflow as tf

from tfgan_latent import losses


def _softplus(x):
    # Stable numpy softplus: log(1 + e^x).
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


class LossesTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.real = rng.normal(0.0, 3.0, size=16).astype(np.float32)
        self.fake = rng.normal(-1.0, 3.0, size=16).astype(np.float32)

    def _shapes(self):
        """Yields (real, fake) in shape [B] and [B, 1]."""
        yield self.real, self.fake
        yield self.real[:, None], self.fake[:, None]

    def _check_scalar(self, value, expected, **tol):
        self.assertEqual(value.dtype, tf.float32)
        self.assertEqual(value.shape.rank, 0)
        self.assertAllClose(value, expected, **tol)

    # -- non-saturating / minimax -------------------------------------------------------

    def test_non_saturating_generator_matches_log_sigmoid(self):
        # -mean log sigmoid(l), computed through the sigmoid (moderate logits only).
        expected = -np.mean(np.log(_sigmoid(self.fake)))
        for _, fake in self._shapes():
            self._check_scalar(
                losses.non_saturating_generator_loss(fake), expected, rtol=1e-5
            )

    def test_non_saturating_discriminator_matches_bce(self):
        expected = -np.mean(np.log(_sigmoid(self.real))) - np.mean(
            np.log(1.0 - _sigmoid(self.fake))
        )
        for real, fake in self._shapes():
            self._check_scalar(
                losses.non_saturating_discriminator_loss(real, fake), expected, rtol=1e-5
            )

    def test_minimax_generator_matches_log_one_minus_sigmoid(self):
        expected = np.mean(np.log(1.0 - _sigmoid(self.fake)))
        for _, fake in self._shapes():
            self._check_scalar(losses.minimax_generator_loss(fake), expected, rtol=1e-5)

    def test_zero_logits_closed_form(self):
        zeros = np.zeros([8, 1], np.float32)
        self.assertAllClose(
            losses.non_saturating_discriminator_loss(zeros, zeros), 2.0 * np.log(2.0)
        )
        self.assertAllClose(losses.non_saturating_generator_loss(zeros), np.log(2.0))
        self.assertAllClose(losses.minimax_generator_loss(zeros), -np.log(2.0))

    def test_extreme_logits_are_finite_and_exact(self):
        big = np.array([100.0, -100.0, 100.0, -100.0], np.float32)
        real = big
        fake = -big
        # softplus(100) = 100 (+3.7e-44), softplus(-100) = 3.7e-44.
        expected_d = np.mean(_softplus(-real)) + np.mean(_softplus(fake))
        expected_g = np.mean(_softplus(-fake))
        expected_mm = -np.mean(_softplus(fake))
        for r, f in ((real, fake), (real[:, None], fake[:, None])):
            d = losses.non_saturating_discriminator_loss(r, f)
            g = losses.non_saturating_generator_loss(f)
            mm = losses.minimax_generator_loss(f)
            for value, expected in ((d, expected_d), (g, expected_g), (mm, expected_mm)):
                self.assertTrue(np.isfinite(value.numpy()))
                self.assertAllClose(value, expected, rtol=1e-6, atol=1e-6)
        # A confident, correct D has loss ~0; a fooled one 100 per term.
        self.assertAllClose(
            losses.non_saturating_discriminator_loss(
                np.full([4], 100.0, np.float32), np.full([4], -100.0, np.float32)
            ),
            0.0,
            atol=1e-6,
        )
        self.assertAllClose(
            losses.non_saturating_discriminator_loss(
                np.full([4], -100.0, np.float32), np.full([4], 100.0, np.float32)
            ),
            200.0,
        )

    def test_extreme_logits_have_finite_gradients(self):
        logits = tf.constant([[100.0], [-100.0]])
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(logits)
            d = losses.non_saturating_discriminator_loss(logits, logits)
            g = losses.non_saturating_generator_loss(logits)
        for loss in (d, g):
            grad = tape.gradient(loss, logits)
            self.assertAllEqual(np.isfinite(grad.numpy()), [[True], [True]])
        # d/dl mean softplus(-l) = -sigmoid(-l) / B.
        self.assertAllClose(
            tape.gradient(g, logits), -_sigmoid(-logits.numpy()) / 2.0, atol=1e-7
        )

    # -- least squares ------------------------------------------------------------------

    def test_least_squares_default_coding(self):
        expected_d = 0.5 * np.mean((self.real - 1.0) ** 2) + 0.5 * np.mean(self.fake**2)
        expected_g = 0.5 * np.mean((self.fake - 1.0) ** 2)
        for real, fake in self._shapes():
            self._check_scalar(
                losses.least_squares_discriminator_loss(real, fake), expected_d, rtol=1e-6
            )
            self._check_scalar(
                losses.least_squares_generator_loss(fake), expected_g, rtol=1e-6
            )

    def test_least_squares_closed_values(self):
        # research/rfgan.md §3 item 7.
        real = np.array([1.0, 0.0], np.float32)
        fake = np.array([0.5], np.float32)
        self.assertAllClose(losses.least_squares_discriminator_loss(real, fake), 0.375)
        self.assertAllClose(losses.least_squares_generator_loss(fake), 0.125)
        # Chi^2 coding (a, b, c) = (-1, 1, 0): 1/2*0.5 + 1/2*2.25 and 1/2*0.25.
        self.assertAllClose(
            losses.least_squares_discriminator_loss(real, fake, a=-1.0, b=1.0), 1.375
        )
        self.assertAllClose(losses.least_squares_generator_loss(fake, c=0.0), 0.125)

    def test_least_squares_non_default_labels(self):
        a, b, c = -0.7, 2.5, 0.3
        expected_d = 0.5 * np.mean((self.real - b) ** 2) + 0.5 * np.mean((self.fake - a) ** 2)
        expected_g = 0.5 * np.mean((self.fake - c) ** 2)
        for real, fake in self._shapes():
            self._check_scalar(
                losses.least_squares_discriminator_loss(real, fake, a=a, b=b),
                expected_d,
                rtol=1e-6,
            )
            self._check_scalar(
                losses.least_squares_generator_loss(fake, c=c), expected_g, rtol=1e-6
            )

    # -- Wasserstein --------------------------------------------------------------------

    def test_wasserstein(self):
        expected_d = np.mean(self.fake.astype(np.float64)) - np.mean(
            self.real.astype(np.float64)
        )
        expected_g = -np.mean(self.fake.astype(np.float64))
        for real, fake in self._shapes():
            self._check_scalar(
                losses.wasserstein_discriminator_loss(real, fake), expected_d, atol=1e-5
            )
            self._check_scalar(
                losses.wasserstein_generator_loss(fake), expected_g, atol=1e-5
            )

    def test_unequal_batch_sizes_use_separate_means(self):
        # mean over each batch separately, not over the concatenation.
        real = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
        fake = np.array([10.0, 20.0], np.float32)
        self.assertAllClose(losses.wasserstein_discriminator_loss(real, fake), 12.5)

    # -- graph mode and dtypes -----------------------------------------------------------

    def test_inside_tf_function_and_float16_inputs(self):
        @tf.function
        def all_losses(real, fake):
            return tf.stack(
                [
                    losses.non_saturating_generator_loss(fake),
                    losses.non_saturating_discriminator_loss(real, fake),
                    losses.minimax_generator_loss(fake),
                    losses.least_squares_generator_loss(fake),
                    losses.least_squares_discriminator_loss(real, fake),
                    losses.wasserstein_generator_loss(fake),
                    losses.wasserstein_discriminator_loss(real, fake),
                ]
            )

        r, f = self.real[:, None], self.fake[:, None]
        expected = [
            np.mean(_softplus(-f)),
            np.mean(_softplus(-r)) + np.mean(_softplus(f)),
            -np.mean(_softplus(f)),
            0.5 * np.mean((f - 1.0) ** 2),
            0.5 * np.mean((r - 1.0) ** 2) + 0.5 * np.mean(f**2),
            -np.mean(f),
            np.mean(f) - np.mean(r),
        ]
        out = all_losses(tf.constant(r), tf.constant(f))
        self.assertEqual(out.dtype, tf.float32)
        self.assertAllClose(out, expected, rtol=1e-5, atol=1e-5)
        # Mixed-precision discriminators emit float16; the losses are still float32.
        out16 = all_losses(tf.constant(r, tf.float16), tf.constant(f, tf.float16))
        self.assertEqual(out16.dtype, tf.float32)
        self.assertAllClose(out16, expected, rtol=2e-3, atol=2e-3)


if __name__ == "__main__":
    tf.test.main()

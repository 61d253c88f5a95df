"""Projected-Adam generator inversion (latent-dim paper Eq. 5; BEGAN-CS's z*-search) and the
latent walks (slerp, traversal): numpy references written here and closed forms."""
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import inversion
from tfgan_latent.train import export


def _generator(latent_dim=4, hidden=64, out=128, seed=0, bn=False):
    """A small expansive generator with non-zero biases (a bias-free ReLU net has no gradient at 0)."""
    keras.utils.set_random_seed(seed)
    z = keras.Input((latent_dim,))
    h = keras.layers.Dense(hidden, activation="relu", bias_initializer=keras.initializers.RandomNormal(0, 0.5))(z)
    if bn:
        h = keras.layers.BatchNormalization()(h)
    x = keras.layers.Dense(out, activation="tanh", bias_initializer=keras.initializers.RandomNormal(0, 0.5))(h)
    return keras.Model(z, x)


class RadiusAndProjectionTest(tf.test.TestCase):

    def test_radius_against_numpy(self):
        for d in (1, 2, 10, 100, 5000):
            self.assertAllClose(inversion.latent_ball_radius(d) ** 2, d + 3 * np.sqrt(2 * d))
        self.assertAllClose(inversion.latent_ball_radius(100), 11.9343, atol=1e-4)
        self.assertAllClose(inversion.latent_ball_radius(10, num_sigmas=0), np.sqrt(10))

    def test_ball_projection_rows(self):
        rng = np.random.default_rng(0)
        z = rng.normal(0, 3, (50, 10)).astype("float32")
        z[0] = 0.0
        r = 4.0
        expected = z * np.minimum(1.0, r / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-30))
        got = inversion.project(z, "ball", r).numpy()
        self.assertAllClose(got, expected, rtol=1e-6)
        self.assertAllEqual(got[0], np.zeros(10))
        inside = np.linalg.norm(z, axis=1) < r
        self.assertTrue(inside.any() and (~inside).any())
        self.assertAllEqual(got[inside], z[inside])  # exact identity inside the ball
        self.assertAllClose(inversion.project(got, "ball", r).numpy(), got, rtol=1e-6)
        self.assertAllEqual(inversion.project(z, "box").numpy(), np.clip(z, -1, 1))

    def test_bad_arguments_name_themselves(self):
        g = _generator()
        with self.assertRaisesRegex(ValueError, "`projection` must be one of"):
            inversion.invert(g, np.zeros((2, 128)), projection="sphere")
        with self.assertRaisesRegex(ValueError, r"`z0` must have shape \(2, 4\)"):
            inversion.invert(g, np.zeros((2, 128)), z0=np.zeros((3, 4)), steps=1)
        with self.assertRaisesRegex(ValueError, "`steps` must be a positive int"):
            inversion.invert(g, np.zeros((2, 128)), steps=0)


class ProjectedAdamTest(tf.test.TestCase):

    def test_steps_match_numpy_projected_adam(self):
        """Three steps on a biased linear generator vs numpy Adam (ε-hat form) + projection."""
        rng = np.random.default_rng(1)
        d, n_out, n = 3, 5, 4
        w, b = rng.normal(size=(d, n_out)), rng.normal(size=n_out)
        z_in = keras.Input((d,))
        layer = keras.layers.Dense(n_out)
        g = keras.Model(z_in, layer(z_in))
        layer.set_weights([w.astype("float32"), b.astype("float32")])
        x = rng.normal(size=(n, n_out)).astype("float32")
        z0 = rng.normal(0, 2.0, (n, d)).astype("float32")
        lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
        r = np.sqrt(d + 3 * np.sqrt(2 * d))
        z, m, v = z0.astype(np.float64), np.zeros((n, d)), np.zeros((n, d))
        z = z * np.minimum(1, r / np.linalg.norm(z, axis=1, keepdims=True))
        for t in range(1, 4):
            grad = 2.0 / n_out * ((z @ w + b) - x) @ w.T  # ∇ of the per-image mean squared error
            m = b1 * m + (1 - b1) * grad
            v = b2 * v + (1 - b2) * grad ** 2
            a = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            z = z - a * m / (np.sqrt(v) + eps)
            z = z * np.minimum(1, r / np.linalg.norm(z, axis=1, keepdims=True))
        got = inversion.invert(g, x, steps=3, learning_rate=lr, z0=z0)
        self.assertAllClose(got.z, z, rtol=1e-5, atol=1e-6)
        self.assertAllClose(got.mse, np.mean((z @ w + b - x) ** 2, axis=1), rtol=1e-5)
        self.assertEqual(got.trace.shape, (3,))

    def test_recovers_z0_inside_the_ball(self):
        g = _generator()
        rng = np.random.default_rng(2)
        z_true = rng.normal(size=(6, 4)).astype("float32")
        self.assertTrue((np.linalg.norm(z_true, axis=1) < inversion.latent_ball_radius(4)).all())
        x = g(z_true).numpy()
        start = rng.normal(size=(6, 4)).astype("float32")
        found = inversion.invert(g, x, steps=10_000, z0=start)
        self.assertAllClose(found.z, z_true, atol=2e-3)
        self.assertLess(found.mse.max(), 1e-6)
        self.assertLess(found.trace[-1], found.trace[0] * 1e-3)

    def test_active_bound_is_feasible_and_decreases_the_loss(self):
        g = _generator()
        rng = np.random.default_rng(3)
        z_far = rng.normal(size=(5, 4)).astype("float32") * 6.0  # outside r(4) = 3.88
        x = g(z_far).numpy()
        found = inversion.invert(g, x, steps=400, learning_rate=0.05,
                                 z0=rng.normal(size=(5, 4)).astype("float32"))
        norms, r = np.linalg.norm(found.z, axis=1), inversion.latent_ball_radius(4)
        self.assertTrue((norms <= r * (1 + 1e-6)).all())
        self.assertTrue(np.isclose(norms, r, rtol=1e-5).any())  # the bound is active
        self.assertLess(found.trace[-1], found.trace[0])

    def test_independent_of_batch_size_and_order_and_weights_untouched(self):
        g = _generator(bn=True)
        for v in g.non_trainable_weights:  # non-trivial BN statistics
            v.assign(np.random.default_rng(4).uniform(0.5, 1.5, v.shape).astype("float32"))
        before = [w.numpy().copy() for w in g.weights]
        rng = np.random.default_rng(5)
        x = np.tanh(rng.normal(size=(8, 128))).astype("float32")
        z0 = rng.normal(size=(8, 4)).astype("float32")
        inverter = inversion.Inverter(g, learning_rate=1e-2)
        together = inverter(x, steps=200, z0=z0)
        one_by_one = inverter(x, steps=200, z0=z0, batch_size=1)
        perm = rng.permutation(8)
        shuffled = inverter(x[perm], steps=200, z0=z0[perm])
        self.assertAllClose(one_by_one.z, together.z, atol=1e-5)
        self.assertAllClose(shuffled.z, together.z[perm], atol=1e-5)
        self.assertAllClose(together.trace, one_by_one.trace, rtol=1e-4)
        for a, b in zip(before, g.weights):
            self.assertAllEqual(a, b.numpy())

    def test_saved_model_generator_gives_the_keras_result(self):
        g = _generator()
        rng = np.random.default_rng(6)
        x = g(rng.normal(size=(3, 4)).astype("float32")).numpy()
        z0 = rng.normal(size=(3, 4)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            path = export.export_generator(g, 4, tmp, "images")
            loaded = tf.saved_model.load(str(path))
            from_saved = inversion.invert(loaded, x, steps=50, z0=z0, latent_dim=4)
            # One image per call: the signature's [None, d] input must not break the loop's
            # static batch size (the `invert` command traces a single image first).
            one_by_one = inversion.invert(loaded, x, steps=50, z0=z0, latent_dim=4, batch_size=1)
        from_keras = inversion.invert(g, x, steps=50, z0=z0)
        self.assertAllClose(from_saved.z, from_keras.z, atol=1e-5)
        self.assertAllClose(one_by_one.z, from_keras.z, atol=1e-5)


def _saturated_generator(seed=0, latent_dim=4, hidden=32, out=48):
    """G(z) = tanh(W2·relu(W1 z + b1) + b2) with every b1 < 0: at z = 0 every ReLU is dead, so
    G(0) = tanh(b2) and the error's gradient there is exactly 0 (a saturated G(0), as the demo
    DCGAN's all-black frame). Returns the Keras model and its weights for the numpy forward."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 1.0, (latent_dim, hidden)).astype("float32")
    b1 = -rng.uniform(0.3, 1.0, hidden).astype("float32")
    w2 = rng.normal(0, 0.5, (hidden, out)).astype("float32")
    b2 = rng.normal(0, 0.5, out).astype("float32")
    z = keras.Input((latent_dim,))
    first = keras.layers.Dense(hidden, activation="relu")
    second = keras.layers.Dense(out, activation="tanh")
    g = keras.Model(z, second(first(z)))
    first.set_weights([w1, b1])
    second.set_weights([w2, b2])
    return g, (w1, b1, w2, b2)


def _numpy_forward(weights, z):
    w1, b1, w2, b2 = (w.astype(np.float64) for w in weights)
    return np.tanh(np.maximum(np.asarray(z, np.float64) @ w1 + b1, 0.0) @ w2 + b2)


class StartTest(tf.test.TestCase):
    """The start of the search (``start=``): a saturated G(0) stalls the paper's zero start;
    the default ("auto") detects the vanishing gradient and recovers."""

    def setUp(self):
        super().setUp()
        self.g, self.weights = _saturated_generator()
        rng = np.random.default_rng(11)
        self.z_true = rng.normal(0, 1.0, (5, 4)).astype("float32")
        self.x = _numpy_forward(self.weights, self.z_true).astype("float32")
        self.kwargs = dict(steps=1500, learning_rate=0.02)

    def test_zero_start_stays_stuck_at_a_saturated_g0(self):
        # numpy: every first-layer pre-activation is b1 < 0 at z = 0, so the gradient is 0.
        self.assertTrue((self.weights[1] < 0).all())
        found = inversion.invert(self.g, self.x, start="zero", **self.kwargs)
        self.assertAllEqual(found.z, np.zeros((5, 4)))  # never moved
        g0 = np.tanh(self.weights[3].astype(np.float64))  # closed form of G(0)
        self.assertAllClose(found.mse, np.mean((g0 - self.x) ** 2, axis=1), rtol=1e-5)
        self.assertAllEqual(found.start, ["zero"] * 5)
        self.assertFalse(found.stalled.any())  # only "auto" checks

    def test_auto_detects_the_vanishing_gradient_and_recovers(self):
        with self.assertLogs("absl", "WARNING") as logs:
            found = inversion.invert(self.g, self.x, **self.kwargs)  # default start="auto"
        self.assertIn("vanishes at z = 0 for 5 of 5 images", "\n".join(logs.output))
        self.assertAllEqual(found.stalled, [True] * 5)
        self.assertAllEqual(found.start, ["best_of_k"] * 5)
        # The reported errors are those of the returned z, by a numpy forward pass.
        recon = _numpy_forward(self.weights, found.z)
        self.assertAllClose(found.mse, np.mean((recon - self.x) ** 2, axis=1), rtol=1e-4,
                            atol=1e-9)
        self.assertAllClose(found.reconstructions, recon, atol=1e-5)
        stuck = np.mean((np.tanh(self.weights[3].astype(np.float64)) - self.x) ** 2, axis=1)
        self.assertLess(np.median(found.mse / stuck), 1e-3)  # recovered, not stuck
        self.assertTrue((found.mse < stuck).all())
        r = np.sqrt(4 + 3 * np.sqrt(8))  # the ball of Eq. 5
        self.assertTrue((np.linalg.norm(found.z, axis=1) <= r * (1 + 1e-6)).all())

    def test_best_of_k_keeps_the_best_of_its_draws_per_image(self):
        k, seed = 3, 5
        found = inversion.invert(self.g, self.x, start="best_of_k", k=k, seed=seed,
                                 **self.kwargs)
        # The documented draws: numpy's default_rng(seed).standard_normal((k, N, d)), each
        # optimised on its own from z0 (given explicitly here); the lowest error is kept.
        draws = np.random.default_rng(seed).standard_normal((k, 5, 4)).astype("float32")
        single = [inversion.invert(self.g, self.x, z0=d, **self.kwargs) for d in draws]
        errors = np.stack([s.mse for s in single])
        best = errors.argmin(axis=0)
        self.assertAllClose(found.mse, errors.min(axis=0), rtol=1e-5)
        self.assertAllClose(found.z, np.stack([single[b].z[i] for i, b in enumerate(best)]),
                            atol=1e-5)
        self.assertGreater(len(set(best)), 1)  # the choice is per image, not per batch
        one = inversion.invert(self.g, self.x, start="random", seed=seed, **self.kwargs)
        self.assertAllClose(one.z, single[0].z, atol=1e-5)  # "random": the first draw

    def test_auto_is_the_zero_start_for_a_generator_that_moves(self):
        g = _generator()  # biases: non-zero gradient at z = 0
        x = g(np.random.default_rng(12).normal(size=(4, 4)).astype("float32")).numpy()
        auto = inversion.invert(g, x, steps=50)
        zero = inversion.invert(g, x, steps=50, start="zero")
        self.assertAllEqual(auto.z, zero.z)
        self.assertAllEqual(auto.start, ["zero"] * 4)
        self.assertFalse(auto.stalled.any())

    def test_uniform_prior_draws_for_the_box(self):
        inverter = inversion.Inverter(self.g, projection="box")
        draws = inverter.draw_starts(2, 3, seed=7)
        self.assertAllEqual(draws, np.random.default_rng(7).uniform(-1, 1, (2, 3, 4)).astype(
            "float32"))
        with self.assertRaisesRegex(ValueError, "`start` must be one of"):
            inverter(self.x, steps=1, start="ones")
        with self.assertRaisesRegex(ValueError, "`k`"):
            inverter(self.x, steps=1, start="best_of_k", k=0)


class WalkTest(tf.test.TestCase):

    def test_slerp_endpoints_norm_and_parallel_fallback(self):
        rng = np.random.default_rng(7)
        a, b = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
        b *= np.linalg.norm(a, axis=1, keepdims=True) / np.linalg.norm(b, axis=1, keepdims=True)
        self.assertAllClose(inversion.slerp(0.0, a, b), a)
        self.assertAllClose(inversion.slerp(1.0, a, b), b)
        mid = inversion.slerp(0.3, a, b)
        self.assertAllClose(np.linalg.norm(mid, axis=1), np.linalg.norm(a, axis=1))
        # closed form at t = 0.5 for equal norms: (a + b) / (2 cos(ω/2))
        omega = np.arccos(np.sum(a * b, 1) / np.linalg.norm(a, axis=1) ** 2)[:, None]
        self.assertAllClose(inversion.slerp(0.5, a, b), (a + b) / (2 * np.cos(omega / 2)))
        self.assertAllClose(inversion.slerp(0.25, a, 2 * a), 1.25 * a)  # parallel: lerp

    def test_traverse_sets_one_coordinate(self):
        z = np.arange(6, dtype="float32").reshape(2, 3)
        walk = inversion.traverse(z, 1)
        self.assertEqual(walk.shape, (2, 11, 3))
        self.assertAllEqual(walk[:, :, 1], np.tile(np.arange(-5, 6), (2, 1)))
        self.assertAllEqual(walk[:, :, 0], np.repeat(z[:, :1], 11, axis=1))
        with self.assertRaisesRegex(ValueError, "`dim` must be in"):
            inversion.traverse(z, 3)

"""Tests of the feature-distribution metrics (FID, KID, IS, precision/recall, density/coverage).

Every expected number comes from an independent reference: a closed form, a hand count,
or a plain numpy / python-loop computation written here (never the library's helpers).
"""
import math
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_latent import metrics
from tfgan_latent.metrics import distribution

# ----------------------------------------------------------------------------- references


def random_orthogonal(dim, rng):
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def reference_trace_sqrt_product(sigma1, sigma2):
    """Tr((S1 S2)^{1/2}) from the eigenvalues of the NON-symmetric product (well-conditioned)."""
    eigenvalues = np.linalg.eigvals(sigma1 @ sigma2)
    return float(np.sum(np.sqrt(np.clip(eigenvalues.real, 0.0, None))))


def reference_fid(a, b):
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    sigma_a, sigma_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    return float(
        np.sum((mu_a - mu_b) ** 2)
        + np.trace(sigma_a)
        + np.trace(sigma_b)
        - 2.0 * reference_trace_sqrt_product(sigma_a, sigma_b)
    )


def loop_unbiased_mmd2(x, y):
    """Unbiased MMD^2 (cubic kernel) by explicit double loops."""
    m, d = len(x), x.shape[1]

    def kernel(u, v):
        return (float(np.dot(u, v)) / d + 1.0) ** 3

    xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(m))
    return (xx + yy) / (m * (m - 1)) - 2.0 * xy / (m * m)


def gaussian_moment_tensors(mu, sigma):
    """E x, E x(x)x, E x(x)x(x)x for x ~ N(mu, sigma)."""
    second = sigma + np.outer(mu, mu)
    third = (
        np.einsum("a,b,c->abc", mu, mu, mu)
        + np.einsum("a,bc->abc", mu, sigma)
        + np.einsum("b,ac->abc", mu, sigma)
        + np.einsum("c,ab->abc", mu, sigma)
    )
    return [mu, second, third]


def population_cubic_mmd2(mu1, sigma1, mu2, sigma2):
    """MMD^2 of two Gaussians for k(x, y) = (x.y / d + 1)^3 via its feature expansion."""
    d = len(mu1)
    moments1 = gaussian_moment_tensors(mu1, sigma1)
    moments2 = gaussian_moment_tensors(mu2, sigma2)
    return sum(
        math.comb(3, k) * d ** (-k) * np.sum((moments1[k - 1] - moments2[k - 1]) ** 2)
        for k in (1, 2, 3)
    )


def brute_distances(a, b):
    return np.sqrt(np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1))


def brute_radii(x, k):
    dist = brute_distances(x, x)
    return np.array([np.sort(np.delete(dist[i], i))[k - 1] for i in range(len(x))])


def brute_precision_recall(real, fake, k):
    dist = brute_distances(real, fake)  # [N, M]
    real_radii, fake_radii = brute_radii(real, k), brute_radii(fake, k)
    precision = np.mean([np.any(dist[:, j] <= real_radii) for j in range(len(fake))])
    recall = np.mean([np.any(dist[i, :] <= fake_radii) for i in range(len(real))])
    return precision, recall


def brute_density_coverage(real, fake, k):
    """Naeem et al.'s density and coverage, open balls (prdc: `distance < radius`)."""
    dist = brute_distances(real, fake)
    radii = brute_radii(real, k)
    inside = dist < radii[:, None]
    return inside.sum() / (k * len(fake)), np.mean(inside.any(axis=1))


def dyadic_features(rng, shape):
    """Gaussian-like features on a 1/64 grid (|x| < 4): squared distances, norms and dot
    products of 16-d rows are exact in float64 however they are summed, so a copy of a real
    point's k-th neighbour sits exactly on its ball on every CPU and BLAS."""
    return np.clip(np.round(rng.normal(size=shape) * 64.0), -255, 255) / 64.0


def loop_inception_score(probs, bounds):
    scores = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        rows = probs[start:stop]
        marginal = [sum(row[c] for row in rows) / len(rows) for c in range(probs.shape[1])]
        kl = [
            sum(row[c] * math.log(row[c] / marginal[c]) for c in range(len(row)) if row[c] > 0)
            for row in rows
        ]
        scores.append(math.exp(sum(kl) / len(kl)))
    return float(np.mean(scores)), float(np.std(scores))


def kid_with_replayed_draws(a, b, num_subsets, subset_size, seed):
    """KID replaying the documented protocol: default_rng(seed), a's rows then b's rows."""
    m = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        x = a[rng.choice(len(a), size=m, replace=False)]
        y = b[rng.choice(len(b), size=m, replace=False)]
        values.append(loop_unbiased_mmd2(x, y))
    return float(np.mean(values)), float(np.std(values))


GRID = np.arange(10.0)[:, None]  # reals at 0, 1, ..., 9 (1-D): k=1 radii all 1;
# k=3 radii: 3 at the two ends, 2 elsewhere.

# ----------------------------------------------------------------------------- tests


class PublicApiTest(tf.test.TestCase):
    def test_exported(self):
        for name in distribution.__all__:
            self.assertIn(name, metrics.__all__)
            self.assertIs(getattr(metrics, name), getattr(distribution, name))
        self.assertIn("mode_coverage", metrics.__all__)


class FrechetDistanceTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.rng = np.random.default_rng(11)

    def test_feature_statistics_match_np_cov(self):
        features = self.rng.normal(size=(50, 6)) * 3.0 + self.rng.normal(size=6)
        mu, sigma = distribution.feature_statistics(features.astype(np.float32))
        self.assertEqual(mu.dtype, np.float64)
        self.assertEqual(sigma.dtype, np.float64)
        f64 = features.astype(np.float32).astype(np.float64)
        self.assertAllClose(mu, np.mean(f64, axis=0), rtol=1e-12, atol=1e-12)
        self.assertAllClose(sigma, np.cov(f64, rowvar=False), rtol=1e-10, atol=1e-12)  # ddof=1

    def test_diagonal_closed_form(self):
        mu1, mu2 = self.rng.normal(size=5), self.rng.normal(size=5)
        a, b = self.rng.uniform(0.2, 3.0, size=5), self.rng.uniform(0.2, 3.0, size=5)
        expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
        got = distribution.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
        self.assertIsInstance(got, float)
        self.assertAllClose(got, expected, rtol=1e-10)

    def test_commuting_non_diagonal_closed_form(self):
        # S1 = Q diag(l1) Q^T, S2 = Q diag(l2) Q^T share eigenvectors:
        # FD = ||dmu||^2 + sum (sqrt(l1) - sqrt(l2))^2.
        q = random_orthogonal(6, self.rng)
        l1, l2 = self.rng.uniform(0.1, 4.0, size=6), self.rng.uniform(0.1, 4.0, size=6)
        mu1, mu2 = self.rng.normal(size=6), self.rng.normal(size=6)
        expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(l1) - np.sqrt(l2)) ** 2)
        got = distribution.frechet_distance(mu1, q @ np.diag(l1) @ q.T, mu2, q @ np.diag(l2) @ q.T)
        self.assertAllClose(got, expected, rtol=1e-10)
        # Same covariance, different means: only the mean term remains.
        sigma = q @ np.diag(l1) @ q.T
        self.assertAllClose(
            distribution.frechet_distance(mu1, sigma, mu2, sigma), np.sum((mu1 - mu2) ** 2), rtol=1e-10
        )

    def test_non_commuting_2x2_closed_form(self):
        # For 2x2 with eigenvalues l1, l2 >= 0 of S1 S2: Tr sqrt = sqrt(tr(S1 S2) + 2 sqrt(det(S1 S2))).
        for rank1 in (False, True):
            with self.subTest(singular=rank1):
                u = self.rng.normal(size=(2, 2))
                s1 = np.outer(u[0], u[0]) if rank1 else u @ u.T + 0.3 * np.eye(2)
                v = self.rng.normal(size=(2, 2))
                s2 = v @ v.T + 0.2 * np.eye(2)
                product = s1 @ s2
                det = max(np.linalg.det(product), 0.0)
                trace_sqrt = np.sqrt(np.trace(product) + 2.0 * np.sqrt(det))
                mu1, mu2 = np.array([0.7, -1.2]), np.array([-0.4, 0.9])
                expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * trace_sqrt
                got = distribution.frechet_distance(mu1, s1, mu2, s2)
                self.assertAllClose(got, expected, rtol=1e-9, atol=1e-12)

    def test_singular_commuting_closed_form(self):
        # Rank-deficient covariances with different null spaces, closed form still holds.
        q = random_orthogonal(8, self.rng)
        l1 = np.array([2.0, 1.5, 0.7, 0.0, 0.0, 0.3, 0.0, 1.1])
        l2 = np.array([0.0, 1.0, 0.0, 0.5, 2.5, 0.0, 0.0, 0.9])
        mu1, mu2 = self.rng.normal(size=8), self.rng.normal(size=8)
        expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(l1) - np.sqrt(l2)) ** 2)
        got = distribution.frechet_distance(mu1, q @ np.diag(l1) @ q.T, mu2, q @ np.diag(l2) @ q.T)
        self.assertAllClose(got, expected, rtol=1e-7)

    def test_fid_same_set_is_zero(self):
        x = self.rng.normal(size=(300, 12)) * self.rng.uniform(0.5, 3.0, size=12) + 4.0
        self.assertLess(abs(distribution.fid(x, x)), 1e-8)

    def test_fid_singular_n_below_f(self):
        # N = 10 < F = 32: rank-9 covariances. Translation changes only the mean term.
        x = self.rng.normal(size=(10, 32)) * 2.0 + self.rng.normal(size=32)
        y = self.rng.normal(size=(12, 32)) + 1.0
        value = distribution.fid(x, y)
        self.assertTrue(np.isfinite(value))
        self.assertGreaterEqual(value, 0.0)
        self.assertLess(abs(distribution.fid(x, x)), 1e-8)
        shift = self.rng.normal(size=32)
        self.assertAllClose(distribution.fid(x, x + shift), np.sum(shift**2), rtol=1e-8)

    def test_fid_matches_np_cov_reference(self):
        a = self.rng.normal(size=(80, 5)) @ self.rng.normal(size=(5, 5)) + self.rng.normal(size=5)
        b = self.rng.normal(size=(60, 5)) @ self.rng.normal(size=(5, 5))
        self.assertAllClose(distribution.fid(a, b), reference_fid(a, b), rtol=1e-8)

    def test_fid_of_samples_converges_to_closed_form(self):
        rng = np.random.default_rng(200)
        mu1 = np.array([0.3, -0.2, 0.5])
        mu2 = mu1 + np.array([0.6, 0.2, -0.4])
        l1, l2 = rng.normal(size=(3, 3)) + np.eye(3), rng.normal(size=(3, 3)) + np.eye(3)
        s1, s2 = l1 @ l1.T, l2 @ l2.T
        closed = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * reference_trace_sqrt_product(s1, s2)
        a = rng.multivariate_normal(mu1, s1, size=100_000)
        b = rng.multivariate_normal(mu2, s2, size=100_000)
        # Sampling error of FID at N = 1e5 in 3-D is ~1% here; allow 4%.
        self.assertAllClose(distribution.fid(a, b), closed, rtol=0.04)


class KidTest(tf.test.TestCase):
    def test_unbiased_estimator_against_double_loop(self):
        rng = np.random.default_rng(5)
        a = rng.normal(size=(6, 4)) + 0.5
        b = rng.normal(size=(6, 4)) * 1.5 - 0.3
        # subset_size > N is clipped to N = 6: every subset is a permutation of the whole
        # set, on which the U-statistic does not depend.
        result = distribution.kid(a, b, num_subsets=3, subset_size=1000)
        self.assertAllClose(result["mean"], loop_unbiased_mmd2(a, b), rtol=1e-12, atol=1e-12)
        self.assertLess(result["std"], 1e-12)
        self.assertIsInstance(result["mean"], float)

    def test_replayed_subsets_and_clipping(self):
        rng = np.random.default_rng(6)
        a = rng.normal(size=(9, 3)) + 1.0
        b = rng.normal(size=(7, 3))
        for subset_size in (4, 50):  # 50 is clipped to min(9, 7) = 7
            with self.subTest(subset_size=subset_size):
                got = distribution.kid(a, b, num_subsets=6, subset_size=subset_size, seed=3)
                mean, std = kid_with_replayed_draws(a, b, 6, subset_size, seed=3)
                self.assertAllClose(got["mean"], mean, rtol=1e-10)
                self.assertAllClose(got["std"], std, rtol=1e-8)
                self.assertGreater(got["std"], 0.0)

    def test_deterministic_given_seed(self):
        rng = np.random.default_rng(7)
        a, b = rng.normal(size=(40, 3)), rng.normal(size=(30, 3)) + 0.2
        first = distribution.kid(a, b, num_subsets=5, subset_size=10, seed=4)
        self.assertEqual(first, distribution.kid(a, b, num_subsets=5, subset_size=10, seed=4))
        self.assertNotEqual(first, distribution.kid(a, b, num_subsets=5, subset_size=10, seed=5))

    def test_same_distribution_is_near_zero(self):
        rng = np.random.default_rng(300)
        cov = np.array([[0.5, 0.1, 0.0], [0.1, 0.3, -0.05], [0.0, -0.05, 0.4]])
        mu = np.array([0.3, -0.2, 0.5])
        a = rng.multivariate_normal(mu, cov, size=4000)
        b = rng.multivariate_normal(mu, cov, size=4000)
        result = distribution.kid(a, b, num_subsets=20, subset_size=1000)
        # Under the null the mean over subsets is within one per-subset std of 0 (observed
        # |mean| / std <= 0.35 over seeds; the biased estimator's +2 E k(x,x) / m is not).
        self.assertLess(abs(result["mean"]), result["std"])

    def test_shifted_gaussians_match_population_mmd(self):
        rng = np.random.default_rng(1)
        mu1 = np.array([0.3, -0.2, 0.5])
        mu2 = mu1 + np.array([0.6, 0.2, -0.4])
        l1 = rng.normal(size=(3, 3)) * 0.2 + 0.5 * np.eye(3)
        l2 = rng.normal(size=(3, 3)) * 0.2 + 0.5 * np.eye(3)
        s1, s2 = l1 @ l1.T, l2 @ l2.T
        population = population_cubic_mmd2(mu1, s1, mu2, s2)
        self.assertGreater(population, 0.5)
        data_rng = np.random.default_rng(100)
        n, m = 4000, 1000
        a = data_rng.multivariate_normal(mu1, s1, size=n)
        b = data_rng.multivariate_normal(mu2, s2, size=n)
        result = distribution.kid(a, b, num_subsets=20, subset_size=m)
        # Error of the estimate ~ per-subset std * sqrt(m / n) (non-degenerate U-statistic
        # on the whole sample); allow 4 of those.
        self.assertLess(abs(result["mean"] - population), 4.0 * result["std"] * math.sqrt(m / n))


class InceptionScoreTest(tf.test.TestCase):
    def test_balanced_one_hot_is_number_of_classes(self):
        probs = np.tile(np.eye(4), (10, 1))  # 40 rows, 5 splits of 8 = 2 of each class
        result = distribution.inception_score(probs, num_splits=5)
        self.assertAllClose(result["mean"], 4.0, rtol=1e-12)
        self.assertLess(result["std"], 1e-12)

    def test_identical_rows_give_one(self):
        row = np.array([0.1, 0.6, 0.05, 0.25])
        result = distribution.inception_score(np.tile(row, (30, 1)), num_splits=3)
        self.assertAllClose(result["mean"], 1.0, rtol=1e-12)
        self.assertLess(result["std"], 1e-12)

    def test_hand_computed_two_splits(self):
        probs = np.array([[1.0, 0.0], [0.5, 0.5], [0.25, 0.75], [0.75, 0.25]])
        # Split 1: p(y) = (3/4, 1/4), KLs log(4/3) and log(4/3)/2 -> IS = (4/3)^(3/4).
        # Split 2: p(y) = (1/2, 1/2), both KLs 1/4 log(1/2) + 3/4 log(3/2).
        first = (4.0 / 3.0) ** 0.75
        second = 0.5**0.25 * 1.5**0.75
        with np.errstate(divide="raise", invalid="raise"):  # 0 log 0 handled without warnings
            result = distribution.inception_score(probs, num_splits=2)
        self.assertAllClose(result["mean"], (first + second) / 2, rtol=1e-12)
        self.assertAllClose(result["std"], abs(first - second) / 2, rtol=1e-10)

    def test_uneven_contiguous_splits_match_loop(self):
        rng = np.random.default_rng(9)
        probs = rng.dirichlet(np.full(5, 0.3), size=7)
        probs[2, 1] = 0.0
        probs[2] /= probs[2].sum()
        # improved-gan bounds i * N // splits for N = 7, 3 splits: 0, 2, 4, 7.
        mean, std = loop_inception_score(probs, [0, 2, 4, 7])
        result = distribution.inception_score(probs, num_splits=3)
        self.assertAllClose(result["mean"], mean, rtol=1e-12)
        self.assertAllClose(result["std"], std, rtol=1e-9)
        one = distribution.inception_score(probs, num_splits=1)
        self.assertAllClose(one["mean"], loop_inception_score(probs, [0, 7])[0], rtol=1e-12)


class PrecisionRecallTest(tf.test.TestCase):
    FAKES = np.array([[-2.0], [4.5], [5.0], [11.5], [12.5]])

    def test_k1_hand_computed(self):
        # Real radii 1: only 4.5 and 5.0 are within 1 of a real -> precision 2/5.
        # Fake k=1 radii: -2 -> 6.5, 4.5 -> 0.5, 5 -> 0.5, 11.5 -> 1, 12.5 -> 1; their balls
        # cover reals 0..4 ([-8.5, 4.5]), 4, 5 ([4, 5]), 5 -> recall 6/10.
        result = distribution.precision_recall(GRID, self.FAKES, k=1)
        self.assertEqual(result, {"precision": 0.4, "recall": 0.6})

    def test_k3_hand_computed(self):
        # Real radii 3 at 0 and 9, else 2: -2 (2 <= 3 from 0), 4.5, 5, 11.5 (2.5 <= 3 from 9)
        # inside, 12.5 (3.5 from 9) outside -> 4/5. Fake k=3 radius of -2 is 13.5: all reals.
        result = distribution.precision_recall(GRID, self.FAKES, k=3)
        self.assertEqual(result, {"precision": 0.8, "recall": 1.0})

    def test_ball_boundary_is_inclusive(self):
        # k = 1 real radii are 1: -1 and 10 lie exactly on the balls of 0 and 9 (counted),
        # 4.5 inside, 20 outside -> precision 3/4.
        fakes = np.array([[-1.0], [10.0], [4.5], [20.0]])
        self.assertEqual(distribution.precision_recall(GRID, fakes, k=1)["precision"], 0.75)
        # Swapped roles: the same reals now lie on the fake balls' boundary.
        self.assertEqual(distribution.precision_recall(fakes, GRID, k=1)["recall"], 0.75)

    def test_identical_and_far_sets(self):
        rng = np.random.default_rng(12)
        real = rng.normal(size=(30, 4)) + 2.0
        self.assertEqual(distribution.precision_recall(real, real.copy()), {"precision": 1.0, "recall": 1.0})
        self.assertEqual(distribution.precision_recall(real, real + 1000.0), {"precision": 0.0, "recall": 0.0})

    def test_symmetry_and_brute_force_with_tiny_chunks(self):
        rng = np.random.default_rng(13)
        real = rng.normal(size=(37, 5)) * 1.3 + 0.4
        fake = rng.normal(size=(29, 5)) + rng.normal(size=5)
        for k in (1, 3, 5):
            expected_precision, expected_recall = brute_precision_recall(real, fake, k)
            for chunk_elements in (7, 100, 1 << 22):  # 1 row, 2-3 rows, everything at once
                with self.subTest(k=k, chunk_elements=chunk_elements):
                    with mock.patch.object(distribution, "_CHUNK_ELEMENTS", chunk_elements):
                        result = distribution.precision_recall(real, fake, k=k)
                        swapped = distribution.precision_recall(fake, real, k=k)
                    self.assertAllClose(result["precision"], expected_precision, rtol=0, atol=1e-12)
                    self.assertAllClose(result["recall"], expected_recall, rtol=0, atol=1e-12)
                    self.assertEqual(swapped, {"precision": result["recall"], "recall": result["precision"]})


class DensityCoverageTest(tf.test.TestCase):
    FAKES = np.array([[0.5], [4.0], [20.0]])

    # Open balls (Naeem et al.'s prdc code, `distance < radius`): a fake on a boundary is out.

    def test_k1_hand_computed(self):
        # Radii 1: 0.5 lies in the balls of 0, 1; 4.0 only in that of 4 (3 and 5 are exactly
        # 1 away: on the boundary); 20 in none -> density (2 + 1 + 0) / (1 * 3), coverage
        # {0, 1, 4} = 3/10.
        result = distribution.density_coverage(GRID, self.FAKES, k=1)
        self.assertAllClose(result["density"], 1.0, rtol=1e-15)
        self.assertEqual(result["coverage"], 0.3)

    def test_k3_hand_computed(self):
        # Radii 3 at 0 and 9, else 2: 0.5 in balls of 0, 1, 2; 4.0 in those of 3, 4, 5 (2 and 6
        # are 2 away, on their boundary); density (3 + 3 + 0) / (3 * 3), coverage {0..5} = 6/10.
        result = distribution.density_coverage(GRID, self.FAKES, k=3)
        self.assertAllClose(result["density"], 2.0 / 3.0, rtol=1e-15)
        self.assertEqual(result["coverage"], 0.6)

    def test_fakes_equal_reals(self):
        # k = 1: fake j lies only in the ball of j (j +- 1 are on their boundaries) -> 10/10.
        result = distribution.density_coverage(GRID, GRID.copy(), k=1)
        self.assertEqual(result, {"density": 1.0, "coverage": 1.0})

    def test_identical_sets_give_density_one(self):
        # Naeem et al. §3.2 / prdc: fake = real puts each fake in its own ball and in the balls
        # of the reals it is one of the k - 1 nearest neighbours of: k per real ball, so
        # density = N k / (k N) = 1 (an inclusive ball counts the k-th too: (k + 1) / k).
        rng = np.random.default_rng(21)
        for real in (rng.normal(size=(60, 8)), dyadic_features(rng, (50, 16))):
            for k in (1, 3, 5):
                with self.subTest(k=k, rows=len(real)):
                    self.assertEqual(distribution.density_coverage(real, real.copy(), k=k),
                                     {"density": 1.0, "coverage": 1.0})
        self.assertEqual(distribution.distribution_metrics(
            real, real.copy(), kid_num_subsets=1, kid_subset_size=10,
            density_coverage_k=3)["density"], 1.0)

    def test_half_copied_sets_match_numpy(self):
        # Half the fakes copy real points (exact ties with the reals' k-th neighbour distances),
        # half are new; against the open-ball numpy reference, with several chunkings.
        rng = np.random.default_rng(22)
        real = dyadic_features(rng, (48, 16))
        fake = np.concatenate([real[rng.permutation(48)[:24]], dyadic_features(rng, (24, 16))])
        fake = fake[rng.permutation(len(fake))]
        for k in (3, 5):
            expected_density, expected_coverage = brute_density_coverage(real, fake, k)
            for chunk_elements in (5, 100, 1 << 22):
                with self.subTest(k=k, chunk_elements=chunk_elements):
                    with mock.patch.object(distribution, "_CHUNK_ELEMENTS", chunk_elements):
                        result = distribution.density_coverage(real, fake, k=k)
                    self.assertAllClose(result["density"], expected_density, rtol=1e-14)
                    self.assertAllClose(result["coverage"], expected_coverage, rtol=0, atol=1e-12)
        # Closed-ball numbers differ here, so the check above can tell the two apart.
        dist = brute_distances(real, fake)
        closed = (dist <= brute_radii(real, 3)[:, None]).sum() / (3 * len(fake))
        self.assertGreater(closed - brute_density_coverage(real, fake, 3)[0], 0.1)

    def test_density_one_on_separated_pairs(self):
        # Real pairs {10c, 10c + 1} (k=1 radius 1); fakes at 10c - 0.5 and 10c + 1.5 are each
        # 0.5 from one real of their pair and 1.5 from the other: exactly one ball each.
        centres = 10.0 * np.arange(4)
        real = np.concatenate([centres, centres + 1.0])[:, None]
        fake = np.concatenate([centres - 0.5, centres + 1.5])[:, None]
        result = distribution.density_coverage(real, fake, k=1)
        self.assertEqual(result, {"density": 1.0, "coverage": 1.0})
        self.assertEqual(distribution.precision_recall(real, fake, k=1), {"precision": 1.0, "recall": 1.0})

    def test_far_fakes(self):
        rng = np.random.default_rng(14)
        real = rng.normal(size=(20, 3))
        self.assertEqual(distribution.density_coverage(real, real - 500.0), {"density": 0.0, "coverage": 0.0})

    def test_brute_force_with_tiny_chunks(self):
        rng = np.random.default_rng(15)
        real = rng.normal(size=(31, 4)) + 0.3
        fake = rng.normal(size=(23, 4)) * 0.8
        for k in (1, 5):
            expected_density, expected_coverage = brute_density_coverage(real, fake, k)
            for chunk_elements in (5, 70, 1 << 22):
                with self.subTest(k=k, chunk_elements=chunk_elements):
                    with mock.patch.object(distribution, "_CHUNK_ELEMENTS", chunk_elements):
                        result = distribution.density_coverage(real, fake, k=k)
                    self.assertAllClose(result["density"], expected_density, rtol=1e-14)
                    self.assertAllClose(result["coverage"], expected_coverage, rtol=0, atol=1e-12)


class DistributionMetricsTest(tf.test.TestCase):
    def test_all_metrics_against_references(self):
        rng = np.random.default_rng(16)
        real = rng.normal(size=(40, 4)) + 0.5
        fake = rng.normal(size=(32, 4)) * 1.2
        probs = rng.dirichlet(np.full(6, 0.5), size=32)
        result = distribution.distribution_metrics(
            real, fake, probs=probs, kid_num_subsets=4, kid_subset_size=12, kid_seed=2,
            precision_recall_k=2, density_coverage_k=4, inception_num_splits=4,
        )
        self.assertEqual(
            set(result),
            {"fid", "kid", "kid_std", "precision", "recall", "density", "coverage",
             "inception_score", "inception_score_std"},
        )
        for value in result.values():
            self.assertIs(type(value), float)
        kid_mean, kid_std = kid_with_replayed_draws(real, fake, 4, 12, seed=2)
        precision, recall = brute_precision_recall(real, fake, 2)
        density, coverage = brute_density_coverage(real, fake, 4)
        is_mean, is_std = loop_inception_score(probs, [0, 8, 16, 24, 32])
        expected = {
            "fid": reference_fid(real, fake), "kid": kid_mean, "kid_std": kid_std,
            "precision": precision, "recall": recall, "density": density, "coverage": coverage,
            "inception_score": is_mean, "inception_score_std": is_std,
        }
        for name, value in expected.items():
            self.assertAllClose(result[name], value, rtol=1e-8, atol=1e-12, msg=name)
        without_probs = distribution.distribution_metrics(real, fake, kid_num_subsets=2, kid_subset_size=10)
        self.assertNotIn("inception_score", without_probs)
        self.assertEqual(len(without_probs), 7)


class InputValidationTest(tf.test.TestCase):
    def assert_value_error(self, function, *args, name, **kwargs):
        with self.assertRaisesRegex(ValueError, f"`{name}`"):
            function(*args, **kwargs)

    def test_errors_name_the_argument(self):
        rng = np.random.default_rng(17)
        x = rng.normal(size=(20, 3))
        y = rng.normal(size=(15, 3))
        bad = x.copy()
        bad[3, 1] = np.nan
        probs = rng.dirichlet(np.ones(4), size=10)
        eye = np.eye(3)
        cases = [
            (distribution.feature_statistics, (x[0],), {}, "features"),
            (distribution.feature_statistics, (x[:1],), {}, "features"),
            (distribution.feature_statistics, (bad,), {}, "features"),
            (distribution.frechet_distance, (eye, eye, np.zeros(3), eye), {}, "mu1"),
            (distribution.frechet_distance, (np.zeros(3), np.eye(2), np.zeros(3), eye), {}, "sigma1"),
            (distribution.frechet_distance, (np.zeros(3), eye, np.zeros(2), np.eye(2)), {}, "mu1"),
            (distribution.frechet_distance, (np.zeros(3), eye, np.zeros(3), np.triu(np.ones((3, 3)))), {}, "sigma2"),
            (distribution.frechet_distance, (np.zeros(3), eye, np.zeros(3), -eye), {}, "sigma2"),
            (distribution.frechet_distance, (np.zeros(3), -eye, np.zeros(3), eye), {}, "sigma1"),
            (distribution.frechet_distance, (np.zeros(3), np.where(eye > 0, np.inf, 0.0), np.zeros(3), eye), {}, "sigma1"),
            (distribution.fid, (x[None], y), {}, "features_a"),
            (distribution.fid, (x, y[:, :2]), {}, "features_a"),
            (distribution.fid, (x, y[:1]), {}, "features_b"),
            (distribution.fid, (x, np.where(y > 1.0, np.inf, y)), {}, "features_b"),
            (distribution.fid, ([[1.0, 2.0], [3.0]], y), {}, "features_a"),
            (distribution.fid, ("abc", y), {}, "features_a"),
            (distribution.kid, (x, y), {"num_subsets": 0}, "num_subsets"),
            (distribution.kid, (x, y), {"subset_size": 1}, "subset_size"),
            (distribution.kid, (x, y), {"subset_size": 2.5}, "subset_size"),
            (distribution.kid, (x, y), {"seed": -1}, "seed"),
            (distribution.kid, (x, y[:1]), {}, "features_b"),
            (distribution.kid, (bad, y), {}, "features_a"),
            (distribution.inception_score, (probs[0],), {}, "probs"),
            (distribution.inception_score, (probs - 0.5,), {}, "probs"),
            (distribution.inception_score, (probs * 1.1,), {}, "probs"),
            (distribution.inception_score, (np.where(probs > 0.5, np.nan, probs),), {}, "probs"),
            (distribution.inception_score, (probs,), {"num_splits": 0}, "num_splits"),
            (distribution.inception_score, (probs,), {"num_splits": 11}, "num_splits"),
            (distribution.inception_score, (probs,), {"num_splits": True}, "num_splits"),
            (distribution.precision_recall, (x, y), {"k": 0}, "k"),
            (distribution.precision_recall, (x[:3], y), {"k": 3}, "real_features"),
            (distribution.precision_recall, (x, y[:3]), {"k": 3}, "fake_features"),
            (distribution.precision_recall, (x, y[:, :2]), {}, "real_features"),
            (distribution.precision_recall, (x, bad), {}, "fake_features"),
            (distribution.density_coverage, (x[:5], y), {"k": 5}, "real_features"),
            (distribution.density_coverage, (x, y[:0]), {}, "fake_features"),
            (distribution.density_coverage, (x, y), {"k": "3"}, "k"),
            (distribution.density_coverage, (x[:, 0], y), {}, "real_features"),
            (distribution.distribution_metrics, (x, y), {"probs": probs[:, :1]}, "probs"),
            (distribution.distribution_metrics, (x, y), {"kid_subset_size": 1}, "kid_subset_size"),
            (distribution.distribution_metrics, (x, y), {"probs": probs, "inception_num_splits": 11}, "inception_num_splits"),
            (distribution.distribution_metrics, (x, y), {"precision_recall_k": 0}, "precision_recall_k"),
            (distribution.distribution_metrics, (x[:5], y), {}, "real_features"),
        ]
        for index, (function, args, kwargs, name) in enumerate(cases):
            with self.subTest(case=index, function=function.__name__, name=name):
                self.assert_value_error(function, *args, name=name, **kwargs)


if __name__ == "__main__":
    tf.test.main()

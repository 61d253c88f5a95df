"""Closed-case tests of the VEEGAN mode-coverage metric."""
import numpy as np
import tensorflow as tf

from tfgan_latent import metrics
from tfgan_latent.metrics import modes

_AXIS = (-4.0, -2.0, 0.0, 2.0, 4.0)
GRID = np.array([[x, y] for x in _AXIS for y in _AXIS])  # the 25-Gaussian grid means


class ModeCoverageTest(tf.test.TestCase):
    def test_public_api(self):
        self.assertIn("mode_coverage", metrics.__all__)
        self.assertIs(metrics.mode_coverage, modes.mode_coverage)

    def test_points_at_all_centres(self):
        result = metrics.mode_coverage(GRID.copy(), GRID, std=0.05)
        self.assertEqual(result["modes"], 25)
        self.assertEqual(result["hq_percent"], 100.0)
        self.assertEqual(result["per_mode_counts"], [1] * 25)
        self.assertIsInstance(result["modes"], int)
        self.assertIsInstance(result["hq_percent"], float)

    def test_all_points_at_one_centre(self):
        samples = np.tile(GRID[7], (40, 1))
        result = metrics.mode_coverage(samples, GRID, std=0.05)
        self.assertEqual(result["modes"], 1)
        self.assertEqual(result["hq_percent"], 100.0)
        expected = [0] * 25
        expected[7] = 40
        self.assertEqual(result["per_mode_counts"], expected)

    def test_all_points_far_away(self):
        # Cell centres of the grid: sqrt(2) from the nearest mode, >> 3 * 0.05.
        samples = GRID[:16] + 1.0
        result = metrics.mode_coverage(samples, GRID, std=0.05)
        self.assertEqual(result["modes"], 0)
        self.assertEqual(result["hq_percent"], 0.0)
        self.assertEqual(result["per_mode_counts"], [0] * 25)

    def test_boundary_is_inclusive(self):
        std = 0.25  # 3 * std = 0.75, exact in binary floating point
        at = np.array([[2.75, 0.0]])  # distance 0.75 to (2, 0), 1.25 to (4, 0)
        result = metrics.mode_coverage(at, GRID, std=std)
        self.assertEqual(result["modes"], 1)
        self.assertEqual(result["hq_percent"], 100.0)
        nearest = int(np.argmin(np.sum((GRID - at) ** 2, axis=1)))  # the centre (2, 0)
        self.assertEqual(result["per_mode_counts"][nearest], 1)
        beyond = np.array([[np.nextafter(2.75, 10.0), 0.0]])
        result = metrics.mode_coverage(beyond, GRID, std=std)
        self.assertEqual(result["modes"], 0)
        self.assertEqual(result["hq_percent"], 0.0)
        # k_sigma scales the radius.
        result = metrics.mode_coverage(beyond, GRID, std=std, k_sigma=3.5)
        self.assertEqual(result["modes"], 1)

    def test_half_on_three_modes_half_far(self):
        rng = np.random.default_rng(3)
        std = 0.05
        chosen = [0, 12, 24]
        near = GRID[np.repeat(chosen, [10, 20, 20])]
        # Offsets of length at most 2 * std, well inside the 3-sigma disc.
        angle = rng.uniform(0, 2 * np.pi, size=len(near))
        radius = rng.uniform(0, 2 * std, size=len(near))
        near = near + np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
        far = rng.uniform(-5, 5, size=[50, 2])
        far = far[np.min(np.linalg.norm(far[:, None] - GRID[None], axis=-1), axis=1) > 0.5]
        far = np.concatenate([far, GRID[:50 - len(far)] + 1.0])[:50]
        samples = np.concatenate([near, far]).astype(np.float32)
        rng.shuffle(samples)
        result = metrics.mode_coverage(samples, GRID, std=std)
        self.assertEqual(result["modes"], 3)
        self.assertAllClose(result["hq_percent"], 50.0)
        expected = [0] * 25
        expected[0], expected[12], expected[24] = 10, 20, 20
        self.assertEqual(result["per_mode_counts"], expected)

    def test_random_points_match_brute_force(self):
        rng = np.random.default_rng(4)
        samples = rng.uniform(-5, 5, size=[500, 2])
        std, k_sigma = 0.2, 2.0
        # Independent reference: explicit loop over samples.
        counts = [0] * 25
        hq = 0
        for s in samples:
            d = [np.hypot(*(s - c)) for c in GRID]
            j = int(np.argmin(d))
            if d[j] <= k_sigma * std:
                hq += 1
                counts[j] += 1
        old = modes._CHUNK_ELEMENTS
        try:
            for chunk_elements in (old, 64):  # also exercise the chunked path
                modes._CHUNK_ELEMENTS = chunk_elements
                result = metrics.mode_coverage(samples, GRID, std=std, k_sigma=k_sigma)
                self.assertEqual(result["per_mode_counts"], counts)
                self.assertEqual(result["modes"], sum(c > 0 for c in counts))
                self.assertAllClose(result["hq_percent"], 100.0 * hq / len(samples))
        finally:
            modes._CHUNK_ELEMENTS = old

    def test_non_finite_samples_are_low_quality(self):
        samples = np.array([[0.0, 0.0], [np.nan, 0.0], [np.inf, np.inf]])
        result = metrics.mode_coverage(samples, GRID, std=0.05)
        self.assertEqual(result["modes"], 1)
        self.assertAllClose(result["hq_percent"], 100.0 / 3.0)

    def test_bad_arguments_name_the_argument(self):
        ok = GRID.copy()
        cases = [
            (dict(samples=np.zeros([5]), centres=GRID, std=0.1), "`samples`"),
            (dict(samples=np.zeros([5, 2, 1]), centres=GRID, std=0.1), "`samples`"),
            (dict(samples=np.zeros([0, 2]), centres=GRID, std=0.1), "`samples`"),
            (dict(samples=ok, centres=np.zeros([25]), std=0.1), "`centres`"),
            (dict(samples=ok, centres=np.zeros([0, 2]), std=0.1), "`centres`"),
            (dict(samples=ok, centres=np.zeros([25, 3]), std=0.1), "`centres`"),
            (dict(samples=ok, centres=GRID, std=0.0), "`std`"),
            (dict(samples=ok, centres=GRID, std=-1.0), "`std`"),
            (dict(samples=ok, centres=GRID, std=np.nan), "`std`"),
            (dict(samples=ok, centres=GRID, std=[0.1, 0.2]), "`std`"),
        ]
        for kwargs, name in cases:
            with self.assertRaisesRegex(ValueError, name):
                metrics.mode_coverage(**kwargs)
        with self.assertRaisesRegex(ValueError, "`k_sigma`"):
            metrics.mode_coverage(ok, GRID, 0.1, k_sigma=-1.0)


if __name__ == "__main__":
    tf.test.main()

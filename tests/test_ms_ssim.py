"""MS-SSIM and the MS-SSIM diversity score at 16-64 px, against independent references.

References used (never the library's own helpers):
* ``_ref_ms_ssim``: a float64 numpy MS-SSIM written from the msssim.py / Wang et al. 2003
  recipe with explicit loops over window positions and over 2x2 downsampling blocks,
  per channel then averaged over channels, on the images shifted to [0, max_val];
* ``tf.image.ssim_multiscale`` / ``tf.image.ssim`` at sizes where their fixed window fits,
  given the images shifted to [0, max_val] (they ask for positive pixel values).
"""
import importlib
import math

import numpy as np
import tensorflow as tf

from tfgan_latent import metrics

# The package attribute `metrics.ms_ssim` is the function; this is the module.
ms_ssim_module = importlib.import_module("tfgan_latent.metrics.ms_ssim")

WANG = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


# ----------------------------------------------------------------- numpy loop reference


def _ref_window(size, sigma):
    """MATLAB fspecial('gaussian', size, sigma): offsets measured from the window centre."""
    centre = (size - 1) / 2.0
    win = np.empty((size, size))
    for r in range(size):
        for c in range(size):
            win[r, c] = math.exp(-((r - centre) ** 2 + (c - centre) ** 2) / (2.0 * sigma**2))
    return win / win.sum()


def _ref_scale(x, y, filter_size, filter_sigma, c1, c2):
    """Mean SSIM and mean cs of two 2-D float64 images, window shrunk as msssim.py."""
    h, w = x.shape
    size = min(filter_size, h, w)
    win = _ref_window(size, filter_sigma * size / filter_size)
    ssim_vals, cs_vals = [], []
    for r in range(h - size + 1):  # 'valid' positions only
        for c in range(w - size + 1):
            px, py = x[r : r + size, c : c + size], y[r : r + size, c : c + size]
            mx, my = np.sum(win * px), np.sum(win * py)
            vx = np.sum(win * (px - mx) ** 2)
            vy = np.sum(win * (py - my) ** 2)
            cxy = np.sum(win * (px - mx) * (py - my))
            cs = (2.0 * cxy + c2) / (vx + vy + c2)
            lum = (2.0 * mx * my + c1) / (mx**2 + my**2 + c1)
            cs_vals.append(cs)
            ssim_vals.append(lum * cs)
    return float(np.mean(ssim_vals)), float(np.mean(cs_vals))


def _ref_half(x):
    """2x2 block means; an odd side reuses its last row/column (scipy 'reflect' padding)."""
    h, w = x.shape
    out = np.empty(((h + 1) // 2, (w + 1) // 2))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            rows = [min(2 * r, h - 1), min(2 * r + 1, h - 1)]
            cols = [min(2 * c, w - 1), min(2 * c + 1, w - 1)]
            out[r, c] = np.mean([x[i, j] for i in rows for j in cols])
    return out


def _ref_ms_ssim_2d(x, y, weights, filter_size, filter_sigma, max_val, k1, k2, clip=True):
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    value = 1.0
    for s, weight in enumerate(weights):
        if s > 0:
            x, y = _ref_half(x), _ref_half(y)
        ssim, cs = _ref_scale(x, y, filter_size, filter_sigma, c1, c2)
        term = ssim if s == len(weights) - 1 else cs
        if clip:
            term = max(term, 0.0)
        with np.errstate(invalid="ignore"):
            value *= np.float64(term) ** weight
    return value


def _ref_ms_ssim(a, b, weights=WANG, filter_size=11, filter_sigma=1.5, max_val=2.0,
                 min_val=-1.0, k1=0.01, k2=0.03, clip=True):
    """[B] MS-SSIM of the images shifted to [0, max_val]: per channel, then channel mean."""
    a = np.asarray(a, np.float64) - min_val
    b = np.asarray(b, np.float64) - min_val
    return np.array([
        np.mean([
            _ref_ms_ssim_2d(a[i, :, :, ch], b[i, :, :, ch], weights, filter_size,
                            filter_sigma, max_val, k1, k2, clip)
            for ch in range(a.shape[-1])
        ])
        for i in range(a.shape[0])
    ])


def _pairs(shape, noise_levels, seed, low=-1.0, high=1.0):
    """Random images a and b = clip(a + noise) with one noise level per batch item."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(low, high, shape)
    noise = rng.normal(size=shape) * np.reshape(noise_levels, (-1, 1, 1, 1))
    b = np.clip(a + noise, low, high)
    return a.astype(np.float32), b.astype(np.float32)


class MsSsimTest(tf.test.TestCase):
    def test_public_api(self):
        for name in ("ms_ssim", "ms_ssim_diversity", "ms_ssim_scales"):
            self.assertIn(name, metrics.__all__)
            self.assertIs(getattr(metrics, name), getattr(ms_ssim_module, name))

    def test_scale_plan_at_16_32_64_px(self):
        # (side, window) per scale, worked out by hand from min(11, side) and ceil halving.
        expected = {
            16: [(16, 11), (8, 8), (4, 4), (2, 2), (1, 1)],
            32: [(32, 11), (16, 11), (8, 8), (4, 4), (2, 2)],
            64: [(64, 11), (32, 11), (16, 11), (8, 8), (4, 4)],
            20: [(20, 11), (10, 10), (5, 5), (3, 3), (2, 2)],
        }
        sigma = {11: 1.5, 10: 15 / 11, 8: 12 / 11, 5: 7.5 / 11, 4: 6 / 11, 3: 4.5 / 11,
                 2: 3 / 11, 1: 1.5 / 11}
        for side, scales in expected.items():
            plan = metrics.ms_ssim_scales(side, side)
            self.assertEqual([(p["height"], p["window"]) for p in plan], scales)
            self.assertEqual([p["width"] for p in plan], [s for s, _ in scales])
            self.assertEqual([p["map_height"] for p in plan], [s - n + 1 for s, n in scales])
            self.assertAllClose([p["sigma"] for p in plan], [sigma[n] for _, n in scales],
                                rtol=1e-12, atol=0)

    def test_matches_numpy_loop_reference_16px_rgb(self):
        # Pair noise from mild to total: MS-SSIM from near 1 down to near 0.
        a, b = _pairs((4, 16, 16, 3), [0.1, 0.4, 1.0, 3.0], seed=1)
        got = metrics.ms_ssim(a, b).numpy()
        want = _ref_ms_ssim(a, b)
        self.assertAllClose(got, want, atol=1e-4, rtol=0)
        self.assertGreater(want[0], 0.5)  # the comparison spans a real range of values
        self.assertLess(want[-1], 0.2)

    def test_matches_numpy_loop_reference_odd_nonsquare_three_scales(self):
        # 13x10 -> 7x5 -> 4x3: odd sides at both downsamplings; windows 10, 5, 3.
        a, b = _pairs((3, 13, 10, 2), [0.05, 0.3, 0.8], seed=2)
        weights = (0.2, 0.3, 0.5)
        got = metrics.ms_ssim(a, b, power_factors=weights).numpy()
        self.assertAllClose(got, _ref_ms_ssim(a, b, weights=weights), atol=1e-4, rtol=0)

    def test_matches_numpy_loop_reference_other_settings(self):
        # [0, 1] images, L = 1, 7-tap window of width 1.0 and other constants.
        a, b = _pairs((3, 16, 16, 1), [0.05, 0.2, 0.5], seed=3, low=0.0, high=1.0)
        kwargs = dict(filter_size=7, filter_sigma=1.0, max_val=1.0, min_val=0.0, k1=0.02,
                      k2=0.05)
        got = metrics.ms_ssim(a, b, **kwargs).numpy()
        self.assertAllClose(got, _ref_ms_ssim(a, b, **kwargs), atol=1e-4, rtol=0)

    def test_matches_tf_ssim_multiscale_where_its_window_fits(self):
        # 176 = 11 * 2**4: the coarsest scale is exactly 11 px, so the fixed 11x11 window
        # of tf.image.ssim_multiscale fits everywhere and msssim.py's min() shrinks nothing.
        cases = [
            ((2, 176, 176, 3), {}),
            ((2, 48, 48, 1), dict(filter_size=3, filter_sigma=0.5, k1=0.02, k2=0.04)),
            ((2, 44, 44, 2), dict(power_factors=(0.3, 0.3, 0.4))),
        ]
        for seed, (shape, kwargs) in enumerate(cases):
            a, b = _pairs(shape, [0.2, 0.7], seed=10 + seed)
            want = tf.image.ssim_multiscale(a + 1.0, b + 1.0, 2.0, **kwargs).numpy()
            got = metrics.ms_ssim(a, b, **kwargs).numpy()
            self.assertAllClose(got, want, atol=1e-4, rtol=0, msg=str(shape))
            self.assertTrue(np.all((want > 0.05) & (want < 0.99)), want)

    def test_single_scale_matches_tf_ssim(self):
        a, b = _pairs((3, 16, 16, 3), [0.1, 0.3, 0.6], seed=4)
        want = tf.image.ssim(a + 1.0, b + 1.0, 2.0).numpy()
        self.assertAllClose(metrics.ms_ssim(a, b, power_factors=(1.0,)).numpy(), want,
                            atol=1e-5, rtol=0)

    def test_tf_ssim_multiscale_fails_below_176px_where_ours_works(self):
        a, b = _pairs((2, 64, 64, 3), [0.2, 0.5], seed=5)
        with self.assertRaises(tf.errors.InvalidArgumentError):
            tf.image.ssim_multiscale(a + 1.0, b + 1.0, 2.0)  # its window is never shrunk
        for side in (16, 32, 64):
            got = metrics.ms_ssim(a[:, :side, :side], b[:, :side, :side]).numpy()
            self.assertEqual(got.shape, (2,))
            self.assertTrue(np.all(np.isfinite(got) & (got > 0) & (got < 1)), got)
            self.assertGreater(got[0], got[1])  # less noise, more similar

    def test_identical_images_give_one(self):
        rng = np.random.default_rng(6)
        for shape in [(3, 16, 16, 3), (2, 32, 32, 1), (2, 64, 64, 3), (2, 20, 24, 2)]:
            a = rng.uniform(-1, 1, shape).astype(np.float32)
            self.assertAllClose(metrics.ms_ssim(a, a).numpy(), np.ones(shape[0]),
                                atol=1e-6, rtol=0)

    def test_symmetric_in_its_arguments(self):
        a, b = _pairs((3, 32, 32, 3), [0.1, 0.5, 1.0], seed=7)
        self.assertAllClose(metrics.ms_ssim(a, b), metrics.ms_ssim(b, a), atol=1e-6, rtol=0)

    def test_negative_cs_is_clipped_to_zero(self):
        # b = -a: the fine-scale cs is about -1; msssim.py's unguarded power gives NaN
        # (our reference without the clip shows that), TF and ms_ssim clip it to 0.
        a = np.random.default_rng(8).uniform(-1, 1, (2, 16, 16, 1)).astype(np.float32)
        self.assertTrue(np.all(np.isnan(_ref_ms_ssim(a, -a, clip=False))))
        self.assertAllEqual(metrics.ms_ssim(a, -a).numpy(), [0.0, 0.0])
        self.assertAllClose(_ref_ms_ssim(a, -a), [0.0, 0.0], atol=0, rtol=0)

    def test_same_images_in_uint8_unit_and_signed_ranges_agree(self):
        rng = np.random.default_rng(9)
        a = rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
        b = np.clip(a.astype(int) + rng.integers(-60, 61, a.shape), 0, 255).astype(np.uint8)
        as_uint8 = metrics.ms_ssim(a, b, max_val=255, min_val=0).numpy()
        unit = metrics.ms_ssim(a / 255.0, b / 255.0, max_val=1.0, min_val=0.0).numpy()
        signed = metrics.ms_ssim(a / 127.5 - 1.0, b / 127.5 - 1.0).numpy()
        self.assertAllClose(as_uint8, unit, atol=1e-5, rtol=0)
        self.assertAllClose(signed, unit, atol=1e-5, rtol=0)
        self.assertAllClose(unit, _ref_ms_ssim(a, b, max_val=255.0, min_val=0.0), atol=1e-4,
                            rtol=0)

    def test_runs_inside_tf_function(self):
        a, b = _pairs((2, 16, 16, 3), [0.2, 0.5], seed=11)
        traced = tf.function(lambda x, y: metrics.ms_ssim(x, y))
        self.assertAllClose(traced(tf.constant(a), tf.constant(b)), metrics.ms_ssim(a, b),
                            atol=1e-6, rtol=0)


class MsSsimDiversityTest(tf.test.TestCase):
    def test_copies_of_one_image_give_one(self):
        image = np.random.default_rng(20).uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
        value = metrics.ms_ssim_diversity(np.repeat(image, 5, axis=0), num_pairs=20)
        self.assertIsInstance(value, float)
        self.assertAllClose(value, 1.0, atol=1e-6, rtol=0)

    def test_independent_uniform_noise_is_near_zero(self):
        # Independent U[-1, 1] images share no structure: the fine-scale cs is about
        # C2 / (2 var + C2) = 0.0036 / 0.67 ~ 0.005, and the coarse scales, built from a
        # few pixels, add noise, so the product is small but not 0 (the last scale's
        # luminance of two means near the mid grey is ~1). Measured over 1000 pairs:
        # 0.089 (16 px), 0.057 (32 px), 0.049 (64 px); here (16 images, 48 pairs)
        # 0.100, 0.050, 0.051. Bounds: 0.15 at 16 px, 0.08 at 32 and 64 px.
        rng = np.random.default_rng(21)
        for side, bound in ((16, 0.15), (32, 0.08), (64, 0.08)):
            images = rng.uniform(-1, 1, (16, side, side, 3)).astype(np.float32)
            value = metrics.ms_ssim_diversity(images, num_pairs=48, seed=1)
            self.assertGreaterEqual(value, 0.0)
            self.assertLess(value, bound, msg=f"{side} px")

    def test_two_images_score_their_one_pair(self):
        # With N = 2 every distinct pair is (0, 1) or (1, 0): the mean is that pair's value.
        a, b = _pairs((1, 16, 16, 1), [1.0], seed=22)
        images = np.concatenate([a, b])
        want = _ref_ms_ssim(a, b)[0]
        self.assertLess(want, 0.8)  # a pair (i, i) would pull the mean towards 1
        value = metrics.ms_ssim_diversity(images, num_pairs=40, batch_size=7, seed=3)
        self.assertAllClose(value, want, atol=1e-4, rtol=0)

    def test_three_images_average_their_pairs(self):
        # Distinct pairs drawn uniformly: each of the 3 unordered pairs ~1/3 of the draws
        # (std of a share over 1500 draws ~0.012); the mean is within 0.03 of the average.
        rng = np.random.default_rng(23)
        base = rng.uniform(-1, 1, (1, 16, 16, 1))
        images = np.concatenate([
            base, np.clip(base + 0.2 * rng.normal(size=base.shape), -1, 1),
            rng.uniform(-1, 1, base.shape),
        ]).astype(np.float32)
        pair_values = [_ref_ms_ssim(images[[i]], images[[j]])[0]
                       for i, j in ((0, 1), (0, 2), (1, 2))]
        self.assertGreater(max(pair_values) - min(pair_values), 0.5)
        value = metrics.ms_ssim_diversity(images, num_pairs=1500, batch_size=500)
        self.assertAllClose(value, np.mean(pair_values), atol=0.03, rtol=0)

    def test_deterministic_and_independent_of_chunking(self):
        rng = np.random.default_rng(24)
        base = rng.uniform(-1, 1, (1, 16, 16, 3))
        images = np.clip(base + rng.normal(size=(6, 16, 16, 3)) * np.linspace(0.1, 1.5, 6)
                         .reshape(-1, 1, 1, 1), -1, 1).astype(np.float32)
        first = metrics.ms_ssim_diversity(images, num_pairs=30, seed=5, batch_size=4)
        again = metrics.ms_ssim_diversity(images, num_pairs=30, seed=5, batch_size=1000)
        other = metrics.ms_ssim_diversity(images, num_pairs=30, seed=6)
        self.assertAllClose(first, again, atol=1e-6, rtol=0)
        self.assertNotAllClose(first, other, atol=1e-4, rtol=0)
        self.assertEqual(first, metrics.ms_ssim_diversity(images, num_pairs=30, seed=5,
                                                           batch_size=4))


class MsSsimInputErrorTest(tf.test.TestCase):
    def test_ms_ssim_errors_name_the_argument(self):
        good = np.zeros((2, 16, 16, 1), np.float32)
        noisy = np.random.default_rng(30).uniform(-1, 1, good.shape).astype(np.float32)
        cases = [
            ((good[0], good[0]), {}, "`images_a`"),
            ((good, good[:, :, :8]), {}, "`images_b`"),
            ((good[:, :8, :8], good[:, :8, :8]), {}, "`power_factors`"),
            ((good, np.where(noisy > 0.9, np.nan, noisy)), {}, "finite"),
            ((good * 0 + 255, good), {}, "`images_a`.*`max_val`"),
            ((good, good - 1.5), {}, "`images_b`.*`min_val`"),
            ((good + 0.5, good + 0.5), dict(min_val=0.0, max_val=1.0), None),
            ((good + 0.5, good - 0.5), dict(min_val=0.0, max_val=1.0), "`images_b`.*`min_val`"),
            ((good, good), dict(min_val=float("inf")), "`min_val`"),
            ((good, good), dict(max_val=0.0), "`max_val`"),
            ((good, good), dict(filter_size=0), "`filter_size`"),
            ((good, good), dict(filter_sigma=-1.0), "`filter_sigma`"),
            ((good, good), dict(power_factors=()), "`power_factors`"),
            ((good, good), dict(power_factors=(0.5, -0.5)), "`power_factors`"),
            ((good, good), dict(power_factors=("a", "b")), "`power_factors`"),
            ((good, good), dict(k1=0.0), "`k1`"),
            ((good, good), dict(k2=float("nan")), "`k2`"),
        ]
        for args, kwargs, pattern in cases:
            if pattern is None:  # in range: accepted
                self.assertEqual(metrics.ms_ssim(*args, **kwargs).shape, (2,))
                continue
            with self.assertRaisesRegex(ValueError, pattern, msg=pattern):
                metrics.ms_ssim(*args, **kwargs)
        # Three scales need only 4 px: the size rule follows len(power_factors).
        self.assertEqual(metrics.ms_ssim(good[:, :4, :4], good[:, :4, :4],
                                         power_factors=(0.3, 0.3, 0.4)).shape, (2,))

    def test_diversity_errors_name_the_argument(self):
        good = np.random.default_rng(31).uniform(-1, 1, (4, 16, 16, 3)).astype(np.float32)
        with_inf = good.copy()
        with_inf[1, 2, 3, 0] = np.inf
        cases = [
            ((good[0],), {}, "`images`.*shape"),
            ((good[:1],), {}, "`images`.*at least 2"),
            ((good[:, :15, :],), {}, "`images`.*too small"),
            ((with_inf,), {}, "`images`.*finite"),
            ((good * 100,), {}, "`max_val`"),
            ((good + 1.0,), dict(min_val=0.0, max_val=1.0), "`min_val`"),
            ((good,), dict(num_pairs=0), "`num_pairs`"),
            ((good,), dict(num_pairs=2.5), "`num_pairs`"),
            ((good,), dict(batch_size=0), "`batch_size`"),
            ((good,), dict(seed=-1), "`seed`"),
            ((good,), dict(seed=None), "`seed`"),
            ((good,), dict(filter_size=True), "`filter_size`"),
        ]
        for args, kwargs, pattern in cases:
            with self.assertRaisesRegex(ValueError, pattern, msg=pattern):
                metrics.ms_ssim_diversity(*args, **kwargs)


if __name__ == "__main__":
    tf.test.main()

"""The shapes manifold score against ground truth: the renderer's own factors, hand-built
histograms and closed forms; the shipped estimator's held-out accuracy."""
import math

import numpy as np
import tensorflow as tf

from tfgan_latent import metrics
from tfgan_latent.data import shapes as shapes_data
from tfgan_latent.metrics import shapes_estimator, shapes_manifold

HELD_OUT_SEED = 31337  # used by no run, no estimator and no reference set


def paint(shape, colour, x, y, size, s):
    """Independent pixel-loop renderer of one image (the geometry in the data module's docstring)."""
    image = -np.ones((s, s, 3))
    h = size / 2
    for i in range(s):
        for j in range(s):
            u, v = (j + 0.5) / s, (i + 0.5) / s
            if shape == 0:
                inside = abs(u - x) <= h and abs(v - y) <= h
            elif shape == 1:
                inside = (u - x) ** 2 + (v - y) ** 2 <= h * h
            else:
                inside = v - y <= h and abs(u - x) <= (v - y + h) / 2
            if inside:
                image[i, j] = shapes_data.PALETTE[colour]
    return image


def supersampled(factors, s, k=4):
    big = shapes_data.render_shapes(factors["shape"], factors["colour"], factors["x"],
                                    factors["y"], factors["size"], k * s)
    return big.reshape(-1, s, k, s, k, 3).mean(axis=(2, 4))


class EstimatorTest(tf.test.TestCase):
    """The shipped CNN on held-out exact renders (numbers of experiments/train_shapes_estimator.py)."""

    def test_held_out_accuracy(self):
        for s, n in ((16, 600), (32, 600), (64, 200)):
            images, truth = shapes_data.make_shapes(n, s, HELD_OUT_SEED)
            guess = shapes_estimator.load_estimator(s).predict(images)
            self.assertGreaterEqual(np.mean(guess["shape"] == truth["shape"]), 0.97, s)
            self.assertGreaterEqual(np.mean(guess["colour"] == truth["colour"]), 0.99, s)
            for key in ("x", "y", "size"):
                rmse_px = np.sqrt(np.mean(np.square(guess[key] - truth[key]))) * s
                self.assertLess(rmse_px, 1.0, (s, key))
            self.assertEqual(guess["features"].shape, (n, 128))

    def test_loading_draws_nothing_from_global_random_state(self):
        import random

        shapes_estimator._load_cached.cache_clear()
        before = (random.getstate(), np.random.get_state()[1].copy())
        shapes_estimator.load_estimator(16)
        self.assertEqual(before[0], random.getstate())
        np.testing.assert_array_equal(before[1], np.random.get_state()[1])

    def test_extractor_protocol_and_input_errors(self):
        estimator = shapes_estimator.load_estimator(16)
        self.assertIsInstance(estimator, metrics.FeatureExtractor)
        self.assertEqual((estimator.name, estimator.feature_dim), ("shapes", 128))
        images, _ = shapes_data.make_shapes(5, 16, 0)
        features = estimator(images)
        self.assertEqual(features.dtype, np.float64)
        self.assertAllClose(features, estimator(images[::-1])[::-1])  # per image, no batch mixing
        with self.assertRaisesRegex(ValueError, "images must have shape"):
            estimator(np.zeros((2, 32, 32, 3)))
        with self.assertRaisesRegex(ValueError, "image_size must be one of"):
            shapes_estimator.load_estimator(48)


class FitTest(tf.test.TestCase):

    def test_exact_renders_are_recovered(self):
        for s, n in ((16, 300), (32, 300), (64, 60)):
            images, truth = shapes_data.make_shapes(n, s, HELD_OUT_SEED + s)
            fit = shapes_manifold.fit_shapes(images)
            self.assertGreaterEqual(np.mean(fit["shape"] == truth["shape"]), 0.99, s)
            np.testing.assert_array_equal(fit["colour"], truth["colour"])
            # Residual in whole mismatched pixels: a mismatched pixel costs ‖c − bg‖² / (3 S²).
            colour_cost = np.sum(np.square(shapes_data.PALETTE[truth["colour"]] + 1), axis=1)
            pixels = fit["residual"] * 3 * s * s / colour_cost
            squares_triangles = truth["shape"] != 1
            self.assertGreaterEqual(np.mean(pixels[squares_triangles] < 0.5), 0.995, s)
            self.assertLessEqual(np.quantile(pixels, 0.98), 1.5, s)  # circles: ≤ 1 pixel off
            for key in ("x", "y", "size"):
                self.assertLess(np.max(np.abs(fit[key] - truth[key])) * s, 2.0, (s, key))

    def test_residual_is_the_mse_of_the_rerender(self):
        rng = np.random.default_rng(5)
        images, _ = shapes_data.make_shapes(6, 16, 11)
        images = np.clip(images + 0.2 * rng.standard_normal(images.shape), -1, 1).astype(np.float32)
        images[0] = -1.0  # an empty frame
        fit = shapes_manifold.fit_shapes(images)
        for i in range(len(images)):
            render = paint(fit["shape"][i], fit["colour"][i], float(fit["x"][i]),
                           float(fit["y"][i]), float(fit["size"][i]), 16)
            self.assertAllClose(fit["residual"][i], np.mean(np.square(images[i] - render)),
                                rtol=1e-5, atol=1e-7)
            # The colour is the best palette colour for that mask.
            others = []
            for c in range(len(shapes_data.PALETTE)):
                other = paint(fit["shape"][i], c, float(fit["x"][i]), float(fit["y"][i]),
                              float(fit["size"][i]), 16)
                others.append(np.mean(np.square(images[i] - other)))
            self.assertAllClose(fit["residual"][i], min(others), rtol=1e-5, atol=1e-7)
            # Fitted factors stay inside the data's ranges.
            h = fit["size"][i] / 2
            self.assertTrue(0.3 - 1e-6 <= fit["size"][i] <= 0.6 + 1e-6)
            self.assertTrue(h - 1e-6 <= fit["x"][i] <= 1 - h + 1e-6)

    def test_input_errors_name_the_argument(self):
        for bad, message in ((np.zeros((2, 32, 32)), "images must have shape"),
                             (np.zeros((2, 48, 48, 3)), "must be"),
                             (np.full((2, 16, 16, 3), np.nan), "NaN"),
                             (np.full((2, 16, 16, 3), 200.0), r"\[-1, 1\]")):
            with self.assertRaisesRegex(ValueError, message):
                shapes_manifold.fit_shapes(bad)


def box_blur_3x3(images):
    """3×3 box blur with edge padding, written out."""
    s = images.shape[1]
    pad = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    return sum(pad[:, a:a + s, b:b + s] for a in range(3) for b in range(3)) / 9.0


def inside_places(mask, k):
    """Top-left corners where a k×k block lies wholly in ``mask`` [S, S]."""
    s = mask.shape[0]
    return [(a, b) for a in range(s - k + 1) for b in range(s - k + 1)
            if mask[a:a + k, b:b + k].all()]


class ThresholdTest(tf.test.TestCase):
    """The frozen thresholds do what their calibration claims, on new held-out images."""

    def test_real_images_pass_and_broken_images_fail(self):
        rng = np.random.default_rng(7)
        for s, n in ((16, 400), (32, 400)):
            images, factors = shapes_data.make_shapes(n, s, HELD_OUT_SEED + 1)

            def passed(x, decision="visual"):
                fit = shapes_manifold.fit_shapes(np.clip(x, -1, 1).astype(np.float32))
                return np.mean(shapes_manifold.on_manifold(fit, s, decision=decision))

            self.assertEqual(passed(images), 1.0, s)
            self.assertEqual(passed(images, "mse"), 1.0, s)
            smooth = supersampled(factors, s) + 0.05 * rng.standard_normal(images.shape)
            self.assertGreaterEqual(passed(smooth), 0.975, s)  # 98.7-99 % at calibration; 400 draws
            self.assertEqual(passed(-np.ones((20, s, s, 3))), 0.0, s)  # empty frames
            self.assertEqual(passed(-1 + 0.25 * (images[:40] + 1)), 0.0, s)  # faint shapes
            self.assertEqual(passed(rng.uniform(-1, 1, (20, s, s, 3))), 0.0, s)
            # The right half of each shape (from its centre) in the next palette colour.
            columns = (np.arange(s) + 0.5) / s
            right = (columns[None, :] >= factors["x"][:, None])[:, None, :, None]
            other = shapes_data.PALETTE[(factors["colour"] + 1) % 6][:, None, None, :]
            two = np.where((images > -1).any(-1, keepdims=True) & right, other, images)
            self.assertLessEqual(passed(two), 0.02, s)

    def test_visible_defects_fail_the_default_decision(self):
        # Issue 29: the residual alone passed these at 32 px (box blur ~78 %, holes, specks and
        # off-palette colours 100 %); the default decision must refuse them.
        s, n = 32, 120
        rng = np.random.default_rng(8)
        images, factors = shapes_data.make_shapes(n, s, HELD_OUT_SEED + 2)
        mask = (images > -1).any(-1)
        holed, specked, shifted = images.copy(), images.copy(), images.copy()
        for i in range(n):
            places = inside_places(mask[i], 2)
            a, b = places[rng.integers(len(places))]
            holed[i, a:a + 2, b:b + 2] = -1.0
            # A 2×2 speck of the shape's colour, no shape pixel within 2 px (5×5 window).
            padded = np.pad(mask[i], 2)
            far = ~np.any([padded[da:da + s, db:db + s] for da in range(5) for db in range(5)],
                          axis=0)
            places = inside_places(far, 2)
            a, b = places[rng.integers(len(places))]
            specked[i, a:a + 2, b:b + 2] = shapes_data.PALETTE[factors["colour"][i]]
            channel = rng.integers(3)  # one channel 0.2 towards the other end
            value = shapes_data.PALETTE[factors["colour"][i], channel]
            shifted[i, mask[i], channel] = value - 0.2 * np.sign(value)
        dim = np.where(mask[..., None], 0.9 * (images + 1) - 1, images)  # 0.9× brightness
        for name, x, most in (("box blur 3×3", box_blur_3x3(images), 0.05),
                              ("hole 2×2", holed, 0.0), ("speck 2×2", specked, 0.0),
                              ("one channel +0.2", shifted, 0.0), ("0.9× brightness", dim, 0.0)):
            fit = shapes_manifold.fit_shapes(x.astype(np.float32))
            visual = np.mean(shapes_manifold.on_manifold(fit, s))
            self.assertLessEqual(visual, most, name)
            if name != "box blur 3×3":  # the old decision let them all through
                self.assertEqual(np.mean(shapes_manifold.on_manifold(fit, s, decision="mse")),
                                 1.0, name)

    def test_decision_is_checked(self):
        fit = ScoreTest._fit([0], [0.0])
        with self.assertRaisesRegex(ValueError, "decision"):
            shapes_manifold.on_manifold(fit, 16, decision="strict")
        with self.assertRaisesRegex(ValueError, "decision"):
            shapes_manifold.shapes_manifold_score(np.zeros((1, 16, 16, 3), np.float32),
                                                  fitted=fit, decision="person")


class DefectStatisticsTest(tf.test.TestCase):
    """The visual checks' statistics at known factors, against hand counts."""

    S, M, TOP, LEFT = 32, 12, 5, 9  # a 12 px red square on pixels [5, 17) × [9, 21)

    def square(self):
        s, m = self.S, self.M
        p = np.array([[(self.LEFT + m / 2) / s, (self.TOP + m / 2) / s, m / s]], np.float32)
        image = paint(0, 0, float(p[0, 0]), float(p[0, 1]), float(p[0, 2]), s)[None]
        inside = np.zeros((s, s), bool)
        inside[self.TOP:self.TOP + m, self.LEFT:self.LEFT + m] = True
        np.testing.assert_array_equal((image[0] > -1).any(-1), inside)  # pixel-aligned edges
        return image, p

    def stats(self, image, p, colour=0):
        return shapes_manifold._defect_statistics(
            image.astype(np.float32), np.array([0]), np.array([colour]), p)

    def test_exact_render_scores_zero(self):
        image, p = self.square()
        stats = self.stats(image, p)
        for key in ("edge_width", "worst_spot", "colour_error"):
            self.assertAllClose(stats[key], [0.0], atol=1e-6, msg=key)

    def test_box_blur_edge_width(self):
        # A 3×3 box blur of an aligned m-px square: the inner ring (α = 2/3, corners 4/9) has
        # 4(m − 1) pixels, the outer ring without its 4 diagonal corners (α = 1/3, next to a
        # corner 2/9) 4m, all in [0.2, 0.8]; the diagonal corners (1/9) are not. Per pixel of
        # edge (4m): (8m − 4) / 4m.
        image, p = self.square()
        m = self.M
        stats = self.stats(box_blur_3x3(image), p)
        self.assertAllClose(stats["edge_width"], [(8 * m - 4) / (4 * m)], rtol=1e-6)
        self.assertGreater(stats["edge_width"][0], shapes_manifold.EDGE_WIDTH_THRESHOLDS[32])

    def test_hole_speck_and_colour(self):
        image, p = self.square()
        holed = image.copy()
        holed[0, 8:10, 12:14] = -1.0  # 2×2 hole: four wholly wrong pixels
        self.assertAllClose(self.stats(holed, p)["worst_spot"], [4.0], rtol=1e-6)
        one = image.copy()
        one[0, 25, 2] = [1.0, -1.0, -1.0]  # one stray pixel
        self.assertAllClose(self.stats(one, p)["worst_spot"], [1.0], rtol=1e-6)
        shifted = image.copy()
        shifted[0, self.TOP:self.TOP + self.M, self.LEFT:self.LEFT + self.M, 1] += 0.2
        self.assertAllClose(self.stats(shifted, p)["colour_error"], [0.2], rtol=1e-5)
        grey = np.where((image > -1).any(-1, keepdims=True), image, -0.85)  # background not black
        self.assertAllClose(self.stats(grey, p)["colour_error"], [0.15], rtol=1e-5)
        # Red and yellow: the residual is counted in units of the shape's own contrast.
        yellow = np.where((image > -1).any(-1, keepdims=True), [1.0, 1.0, -1.0], image)
        yellow[0, 8:10, 12:14] = -1.0
        self.assertAllClose(self.stats(yellow, p, colour=3)["worst_spot"], [4.0], rtol=1e-6)


class ScoreTest(tf.test.TestCase):
    """Counting, KL and W1 from hand-built fits (no estimator involved)."""

    @staticmethod
    def _fit(combos, residuals, x=None):
        combos = np.asarray(combos)
        n = len(combos)
        x = np.full(n, 0.5, np.float32) if x is None else np.asarray(x, np.float32)
        return {"shape": combos // 6, "colour": combos % 6, "x": x,
                "y": np.full(n, 0.5, np.float32), "size": np.full(n, 0.45, np.float32),
                "residual": np.asarray(residuals, np.float64), "contrast": np.ones(n),
                "edge_width": np.zeros(n), "worst_spot": np.zeros(n), "colour_error": np.zeros(n)}

    def test_visual_checks_and_the_old_decision(self):
        # 40 images with residual 0: 10 sharp, 10 soft-edged, 10 with a spot, 10 off-colour.
        fit = self._fit(np.arange(40) % 18, np.zeros(40))
        fit["edge_width"][10:20] = shapes_manifold.EDGE_WIDTH_THRESHOLDS[16] + 0.01
        fit["worst_spot"][20:30] = shapes_manifold.SPOT_THRESHOLD + 0.01
        fit["colour_error"][30:40] = shapes_manifold.COLOUR_TOLERANCE + 0.01
        images = np.zeros((40, 16, 16, 3), np.float32)
        ref = self._fit(np.arange(18), np.zeros(18))
        score = shapes_manifold.shapes_manifold_score(images, fitted=fit, reference=ref,
                                                      threshold=0.5)
        self.assertAllClose(score["on_manifold_percent"], 25.0)
        self.assertAllClose([score["soft_edges_percent"], score["spots_percent"],
                             score["off_colour_percent"], score["on_manifold_percent_mse"]],
                            [25.0, 25.0, 25.0, 100.0])
        self.assertEqual(score["mode_counts"], [1] * 10 + [0] * 8)
        old = shapes_manifold.shapes_manifold_score(images, fitted=fit, reference=ref,
                                                    threshold=0.5, decision="mse")
        self.assertAllClose(old["on_manifold_percent"], 100.0)
        self.assertNotIn("spots_percent", old)
        # At the limits themselves an image still passes (≤).
        fit["edge_width"][10:20] = shapes_manifold.EDGE_WIDTH_THRESHOLDS[16]
        self.assertAllClose(shapes_manifold.shapes_manifold_score(
            images, fitted=fit, reference=ref, threshold=0.5)["on_manifold_percent"], 50.0)

    def test_modes_and_kl_closed_form(self):
        # 9 combos with 20 on-manifold images each, plus 30 off-manifold images of combo 17.
        combos = np.repeat(np.arange(9), 20).tolist() + [17] * 30
        residuals = [0.0] * 180 + [1.0] * 30
        images = np.zeros((210, 16, 16, 3), np.float32)
        ref = self._fit(np.arange(180) % 18, np.zeros(180))
        score = shapes_manifold.shapes_manifold_score(
            images, fitted=self._fit(combos, residuals), reference=ref, threshold=0.5)
        self.assertAllClose(score["on_manifold_percent"], 100 * 180 / 210)
        self.assertEqual(score["modes"], 9)
        self.assertAllClose(score["mode_kl"], math.log(2))  # Σ (1/9) log((1/9) / (1/18))
        self.assertEqual(score["mode_counts"], [20] * 9 + [0] * 9)
        self.assertEqual(score["w1_x"], 0.0)

    def test_a_third_of_the_expected_share(self):
        # 540 on-manifold images: expected 30 per combo, a mode needs >= 10.
        counts = [10] + [9] + [31] * 16
        counts[2] += 540 - sum(counts)
        combos = np.repeat(np.arange(18), counts)
        score = shapes_manifold.shapes_manifold_score(
            np.zeros((540, 16, 16, 3), np.float32), fitted=self._fit(combos, np.zeros(540)),
            reference=self._fit(np.arange(18), np.zeros(18)), threshold=0.5)
        self.assertEqual(score["modes"], 17)
        p = np.asarray(counts) / 540
        self.assertAllClose(score["mode_kl"], np.sum(p * np.log(p * 18)))

    def test_nothing_on_the_manifold(self):
        score = shapes_manifold.shapes_manifold_score(
            np.zeros((4, 16, 16, 3), np.float32), fitted=self._fit([0, 1, 2, 3], [1.0] * 4),
            reference=self._fit([0], [0.0]), threshold=0.5)
        self.assertEqual((score["on_manifold_percent"], score["modes"]), (0.0, 0))
        self.assertIsNone(score["mode_kl"])
        self.assertIsNone(score["w1_size"])

    def test_w1_of_factors(self):
        x_gen = np.linspace(0.3, 0.7, 50)
        x_ref = x_gen + 0.05
        # Ten off-manifold reference images at x = 0.95 must not count.
        reference = self._fit(np.zeros(60, int), [0.0] * 50 + [1.0] * 10,
                              np.concatenate([x_ref, np.full(10, 0.95)]))
        score = shapes_manifold.shapes_manifold_score(
            np.zeros((50, 16, 16, 3), np.float32), fitted=self._fit(np.zeros(50, int), np.zeros(50), x_gen),
            reference=reference, threshold=0.5)
        self.assertAllClose(score["w1_x"], 0.05, atol=1e-6)
        self.assertAllClose(score["w1_y"], 0.0)


class Wasserstein1dTest(tf.test.TestCase):

    def test_closed_forms(self):
        rng = np.random.default_rng(0)
        a = rng.normal(size=300)
        self.assertAllClose(shapes_manifold.wasserstein_1d(a, a + 0.7), 0.7)
        # Unequal sizes: F_a = 1/2 and F_b = 2/5 on [0, 1): W1 = 0.1.
        self.assertAllClose(shapes_manifold.wasserstein_1d([0, 1], [0, 0, 1, 1, 1]), 0.1)
        # Equal sizes: the mean gap of the sorted samples.
        b = rng.exponential(size=300)
        self.assertAllClose(shapes_manifold.wasserstein_1d(a, b),
                            np.mean(np.abs(np.sort(a) - np.sort(b))))
        # U(0, 1) vs U(0, 2) has W1 = ∫|u − 2u| du = 1/2.
        u = (np.arange(20000) + 0.5) / 20000
        self.assertAllClose(shapes_manifold.wasserstein_1d(u, 2 * u), 0.5, atol=1e-4)
        with self.assertRaisesRegex(ValueError, "at least one sample"):
            shapes_manifold.wasserstein_1d([], [1.0])


if __name__ == "__main__":
    tf.test.main()

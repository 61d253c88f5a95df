"""Latent prior, walks and variability scores of the growing thesis (§7.2, §9) vs closed forms."""
import types

import numpy as np
import tensorflow as tf

from tfgan_latent.papers.growing import walks


class LinearGenerator:
    """G(z) = z A^T, whose variability along coordinate i is ||A[:, i]|| exactly."""

    def __init__(self, a):
        self.a = np.asarray(a, "float64")

    def __call__(self, z, training=False):
        return np.asarray(z, "float64") @ self.a.T


class WalksTest(tf.test.TestCase):

    def test_unit_latents_and_prefix(self):
        raw = np.random.default_rng(3).standard_normal((16, 256))  # §7.2.3: N(0, I), unit norm
        z = walks.unit_latents(16, 256, seed=3)
        self.assertAllClose(z, raw / np.sqrt((raw**2).sum(axis=1, keepdims=True)), atol=1e-6)
        self.assertAllClose(np.linalg.norm(z, axis=1), np.ones(16), atol=1e-6)
        zb = walks.unit_latents(16, 256, seed=3, normalization="batch")  # the code: one norm
        self.assertAllClose(zb, raw / np.sqrt((raw**2).sum()), atol=1e-7)
        default = np.random.default_rng(547).standard_normal((2, 256))  # the code's seed 547
        self.assertAllClose(walks.unit_latents(2), default / np.linalg.norm(default, axis=1)[:, None],
                            atol=1e-6)
        with self.assertRaisesRegex(ValueError, "`normalization` must be one of"):
            walks.unit_latents(2, normalization="l1")

    def test_group_walk_changes_only_the_group(self):
        ref = walks.unit_latents(1, 32, seed=1)[0]
        keys, path = walks.group_walk(ref, (8, 16), num_points=5, steps=4, seed=2)
        self.assertEqual(path.shape, (17, 32))
        self.assertAllEqual(path[::4], keys)  # endpoints are the keypoints
        self.assertAllEqual(keys[0], ref)
        outside = np.r_[0:8, 16:32]
        self.assertAllEqual(path[:, outside], np.repeat(ref[None, outside], 17, axis=0))
        self.assertGreater(np.abs(path[:, 8:16] - ref[8:16]).max(), 0)
        with self.assertRaisesRegex(ValueError, "`group` must be"):
            walks.group_walk(ref, (30, 40))

    def test_style_mix(self):
        ref, style = walks.unit_latents(3, 16, seed=1), walks.unit_latents(3, 16, seed=2)
        mixed = walks.style_mix(ref, style, (4, 8))
        self.assertAllEqual(mixed[:, 4:8], style[:, 4:8])
        self.assertAllEqual(np.delete(mixed, np.s_[4:8], axis=1), np.delete(ref, np.s_[4:8], axis=1))
        self.assertAllEqual(walks.style_mix(ref[0], style[0], (0, 16)), style[0])
        with self.assertRaisesRegex(ValueError, "`style` must have the shape"):
            walks.style_mix(ref, style[:, :8], (0, 4))
        with self.assertRaisesRegex(ValueError, "`group` must be"):
            walks.style_mix(ref, style, (8, 20))

    def test_coordinate_walk(self):
        ref = np.arange(6, dtype="float32")
        out = walks.coordinate_walk(ref, 2, steps=5)
        self.assertAllClose(out[:, 2], [-0.125, -0.0625, 0.0, 0.0625, 0.125])
        self.assertAllEqual(np.delete(out, 2, axis=1), np.repeat(np.delete(ref, 2)[None], 5, 0))

    def test_variability_scores_vs_closed_form(self):
        a = np.array([[3.0, 0.0, 1.0, 0.0], [4.0, 0.5, 0.0, 0.0]])  # ignores coordinate 3
        g = LinearGenerator(a)
        z = walks.unit_latents(10, 4, seed=0)
        self.assertAllClose(walks.dimension_variability(g, z), np.linalg.norm(a, axis=0), rtol=1e-5)
        ref = walks.unit_latents(1, 4, seed=5)[0]
        scores = walks.group_variability(g, ref, groups=((0, 1), (3, 4)), n=50, seed=4)
        # The group (0, 1) is coordinate 0, redrawn as coordinate 0 of 50 unit-norm N(0, I_4)
        # draws with the walk's seed; output j = a_j0 z_0 + const varies with it alone.
        fresh = np.random.default_rng(4).standard_normal((50, 4))
        zs = fresh[:, 0] / np.linalg.norm(fresh, axis=1)
        var = ((zs - zs.mean()) ** 2).mean()
        expected = np.mean([np.sqrt(var * a[j, 0] ** 2 + 1e-8) for j in range(2)])
        self.assertAllClose(scores[0], expected, rtol=1e-6)
        self.assertAllClose(scores[1], 1e-4, rtol=1e-6)  # ignored group: sqrt(eps)

    def test_walks_redraw_at_the_runs_batch_normalised_scale(self):
        # A --latent_normalization=batch run with batch 16 trained on rows of norm ~1/4: draws
        # come in whole 16-row blocks, each divided by its own Frobenius norm.
        raw = np.random.default_rng(5).standard_normal((16, 32))
        z = walks.unit_latents(3, 32, seed=5, normalization="batch", batch_size=16)
        self.assertAllClose(z, raw[:3] / np.sqrt((raw**2).sum()), atol=1e-7)
        raw = np.random.default_rng(6).standard_normal((24, 32))  # 20 rows: two blocks of 12
        z = walks.unit_latents(20, 32, seed=6, normalization="batch", batch_size=12)
        self.assertAllClose(z[:12], raw[:12] / np.sqrt((raw[:12]**2).sum()), atol=1e-7)
        self.assertAllClose(z[12:], raw[12:20] / np.sqrt((raw[12:]**2).sum()), atol=1e-7)

        a = np.array([[3.0, 0.0, 1.0, 0.0], [4.0, 0.5, 0.0, 0.0]])
        ref = walks.unit_latents(1, 4, seed=5)[0]
        settings = walks.latent_settings(types.SimpleNamespace(
            latent_normalization="batch", latent_batch_size=16))
        self.assertEqual(settings, {"normalization": "batch", "batch_size": 16})
        out = walks.resample_group(ref, (0, 2), 5, seed=4, **settings)
        fresh = np.random.default_rng(4).standard_normal((16, 4))
        fresh /= np.sqrt((fresh**2).sum())
        self.assertAllClose(out[:, :2], fresh[:5, :2], atol=1e-7)
        self.assertAllEqual(out[:, 2:], np.repeat(ref[None, 2:], 5, axis=0))
        scores = walks.group_variability(LinearGenerator(a), ref, groups=((0, 1),), n=5, seed=4,
                                         **settings)
        zs = fresh[:5, 0]
        var = ((zs - zs.mean()) ** 2).mean()
        self.assertAllClose(scores[0], np.mean([np.sqrt(var * a[j, 0] ** 2 + 1e-8)
                                                for j in range(2)]), rtol=1e-6)
        keys, _ = walks.group_walk(ref, (0, 2), num_points=3, steps=2, seed=4, **settings)
        self.assertAllClose(keys[1:, :2], fresh[:2, :2], atol=1e-7)
        per_sample = walks.latent_settings(types.SimpleNamespace(
            latent_normalization="per_sample", latent_batch_size=16))
        self.assertEqual(per_sample, {"normalization": "per_sample", "batch_size": None})
        with self.assertRaisesRegex(ValueError, "`batch_size` must be a positive int"):
            walks.unit_latents(2, normalization="batch", batch_size=0)

    def test_run_group_variability_vs_numpy(self):
        # Latent 12: groups [0, 8) and [8, 12) (the thesis's cut); a --latent_normalization=batch
        # run of batch 6: every draw is a whole 6-row block divided by its Frobenius norm.
        a = np.random.default_rng(0).normal(size=(3, 12))
        g = lambda z, training=False: np.tanh(3.0 * np.asarray(z, "float64") @ a.T)  # the
        # reference latent matters to a nonlinear G
        self.assertEqual(walks.variability_groups(12), ((0, 8), (8, 12)))
        self.assertEqual(walks.variability_groups(256), walks.THESIS_GROUPS)
        block = lambda rows: rows / np.sqrt((rows**2).sum())
        got = walks.run_group_variability(g, 12, seed=2, references=3, n=6,
                                          normalization="batch", batch_size=6)
        raw = np.random.default_rng(547 + 2).standard_normal((6, 12))
        refs = block(raw)[:3]
        for lo, hi in ((0, 8), (8, 12)):
            per_ref = []
            for r, ref in enumerate(refs):
                z = np.repeat(ref[None], 6, axis=0)
                z[:, lo:hi] = block(np.random.default_rng(r).standard_normal((6, 12)))[:, lo:hi]
                out = np.tanh(3.0 * z @ a.T)
                per_ref.append(np.mean(np.sqrt(np.var(out, axis=0) + 1e-8)))
            self.assertAllClose(got[f"group_variability_{lo}_{hi}"], np.mean(per_ref), rtol=1e-5)
        self.assertEqual(sorted(got), ["group_variability_0_8", "group_variability_8_12"])

    def test_walk_grid_png(self):
        import os
        import tempfile

        import matplotlib.pyplot as plt

        g = lambda z, training=False: np.tanh(np.asarray(z)[:, :1, None, None] * np.ones((1, 4, 4, 3)))
        ref = walks.unit_latents(1, 8)[0]
        rows = np.stack([walks.group_walk(ref, grp, steps=2)[0] for grp in ((0, 4), (4, 8))])
        with tempfile.TemporaryDirectory() as tmp:
            path = walks.save_walk_grid(g, rows, os.path.join(tmp, "walk.png"))
            image = plt.imread(path)
        self.assertEqual(image.shape[:2], (2 * (2 * 5 + 1), 2 * (5 * 5 + 1)))  # 2 rows x 5 keys, 4 px + gutters
        with self.assertRaisesRegex(ValueError, "`rows` must be"):
            walks.save_walk_grid(g, rows[0], "unused.png")

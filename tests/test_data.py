"""Tests of tfgan_latent.data: toy sets, shapes, tfds loaders (mocked, offline) and make_dataset.

Every expected value comes from a closed form or an independent numpy computation.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from absl.testing import parameterized

from tfgan_latent import data

SQRT2 = np.sqrt(2.0)


def take(dataset, count):
    """The first ``count`` elements of a dataset as numpy arrays."""
    return [element.numpy() for element, _ in zip(dataset, range(count))]


def nearest(points, centres):
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    return d2.argmin(axis=1)


def distance_to_swiss_roll(points):
    """Distance from each point to the noise-free curve (t cos t, t sin t), t ∈ [1.5π, 4.5π]."""
    t = np.linspace(1.5 * np.pi, 4.5 * np.pi, 20001)
    curve = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    out = []
    for chunk in np.array_split(points.astype(np.float64), max(1, len(points) // 250)):
        out.append(np.sqrt(((chunk[:, None, :] - curve[None]) ** 2).sum(-1).min(axis=1)))
    return np.concatenate(out)


def pixel_centres(size):
    return (np.arange(size) + 0.5) / size


def reference_mask(shape, x, y, size, image_size):
    """Independent rasterisation of one shape (pixel centres, continuous [0, 1] coordinates)."""
    v, u = np.meshgrid(pixel_centres(image_size), pixel_centres(image_size), indexing="ij")
    h = size / 2
    if shape == 0:
        return (np.abs(u - x) <= h) & (np.abs(v - y) <= h)
    if shape == 1:
        return np.hypot(u - x, v - y) <= h
    # Triangle with apex (x, y - h) and base corners (x ± h, y + h): inside the three edges.
    ax, ay, bx, by, cx, cy = x, y - h, x - h, y + h, x + h, y + h

    def side(px, py, qx, qy):
        return (qx - px) * (v - py) - (qy - py) * (u - px)

    s1, s2, s3 = side(ax, ay, bx, by), side(bx, by, cx, cy), side(cx, cy, ax, ay)
    return ((s1 <= 0) & (s2 <= 0) & (s3 <= 0)) | ((s1 >= 0) & (s2 >= 0) & (s3 >= 0))


class ToyTest(tf.test.TestCase, parameterized.TestCase):
    def test_ring8_centres_closed_form(self):
        expected = np.array(
            [[2, 0], [SQRT2, SQRT2], [0, 2], [-SQRT2, SQRT2],
             [-2, 0], [-SQRT2, -SQRT2], [0, -2], [SQRT2, -SQRT2]]
        )
        self.assertAllClose(data.ring8_centres(), expected, atol=1e-12)
        self.assertAllClose(data.ring8_centres(radius=3.0), 1.5 * expected, atol=1e-12)

    def test_grid25_centres_closed_form(self):
        values = (-4.0, -2.0, 0.0, 2.0, 4.0)
        expected = {(a, b) for a in values for b in values}
        centres = data.grid25_centres()
        self.assertEqual(centres.shape, (25, 2))
        self.assertEqual({tuple(c) for c in centres}, expected)
        self.assertEqual({tuple(c) for c in data.grid25_centres(spacing=1.0)},
                         {(a / 2, b / 2) for a, b in expected})

    def assert_mixture(self, points, centres, std):
        """Equal weights (binomial 5σ band), zero-mean residuals and per-mode std ≈ σ."""
        n, k = len(points), len(centres)
        label = nearest(points, centres)
        counts = np.bincount(label, minlength=k)
        band = 5 * np.sqrt(n * (1 / k) * (1 - 1 / k))
        self.assertAllLessEqual(np.abs(counts - n / k), band)
        # Sample std has relative standard error about 1/sqrt(2m); allow 5 of them per mode.
        for j in range(k):
            residual = points[label == j] - centres[j]
            m = len(residual)
            self.assertAllLessEqual(np.abs(residual.mean(axis=0)), 5 * std / np.sqrt(m))
            self.assertAllClose(residual.std(axis=0), [std, std], rtol=5 / np.sqrt(2 * m))
        pooled = points - centres[label]
        self.assertAllClose(pooled.std(axis=0), [std, std], rtol=5 / np.sqrt(2 * n))

    @parameterized.parameters(("ring8", 0.1), ("grid25", 0.05))
    def test_numpy_sampler_statistics(self, name, std):
        sampler = {"ring8": data.sample_ring8, "grid25": data.sample_grid25}[name]
        points = sampler(25000, seed=0)
        self.assertEqual(points.shape, (25000, 2))
        self.assertEqual(points.dtype, np.float32)
        centres, mode_std = data.toy_modes(name)
        self.assertEqual(mode_std, std)
        self.assert_mixture(points, centres, std)

    def test_numpy_sampler_parameters(self):
        points = data.sample_ring8(8000, radius=5.0, std=0.02, seed=1)
        self.assert_mixture(points, 2.5 * data.ring8_centres(), 0.02)
        points = data.sample_grid25(10000, spacing=3.0, std=0.1, seed=1)
        self.assert_mixture(points, 1.5 * data.grid25_centres(), 0.1)

    def test_numpy_samplers_seeded(self):
        self.assertAllEqual(data.sample_ring8(10, seed=4), data.sample_ring8(10, seed=4))
        self.assertNotAllClose(data.sample_ring8(10, seed=4), data.sample_ring8(10, seed=5))

    def assert_on_swiss_roll(self, points):
        r = np.hypot(points[:, 0], points[:, 1]).astype(np.float64)  # r = t because t > 0
        self.assertAllInRange(r, 1.5 * np.pi - 1e-4, 4.5 * np.pi + 1e-4)
        self.assertAllClose(points[:, 0], r * np.cos(r), atol=1e-4)
        self.assertAllClose(points[:, 1], r * np.sin(r), atol=1e-4)
        # t = 1.5π(1 + 2U): uniform on [1.5π, 4.5π], mean 3π, std 3π/√12.
        n = len(r)
        self.assertNear(r.mean(), 3 * np.pi, 5 * (3 * np.pi / np.sqrt(12)) / np.sqrt(n))

    def test_swiss_roll_noise_free_lies_on_curve(self):
        self.assert_on_swiss_roll(data.sample_swiss_roll(4000, noise=0.0, seed=0))

    def test_swiss_roll_noise_level(self):
        # Isotropic N(0, 0.5²) noise is, to first order, 0.5 · N(0, 1) normal to the curve.
        distance = distance_to_swiss_roll(data.sample_swiss_roll(2000, noise=0.5, seed=0))
        self.assertNear(np.sqrt((distance**2).mean()), 0.5, 0.03)

    def test_toy_modes_swiss_roll_raises(self):
        with self.assertRaisesRegex(ValueError, "no discrete modes"):
            data.toy_modes("swiss_roll")
        with self.assertRaisesRegex(ValueError, "radius"):
            data.toy_modes("ring8", spacing=1.0)
        centres, std = data.toy_modes("ring8", radius=1.0, std=0.3)
        self.assertAllClose(centres, data.ring8_centres(1.0))
        self.assertEqual(std, 0.3)

    @parameterized.parameters(("ring8", 0.1), ("grid25", 0.05))
    def test_tf_stream_statistics(self, name, std):
        dataset = data.make_dataset(name, batch_size=1000, seed=7)
        self.assertEqual(dataset.element_spec, tf.TensorSpec([1000, 2], tf.float32))
        points = np.concatenate(take(dataset, 25))
        self.assertEqual(points.dtype, np.float32)
        self.assert_mixture(points, data.toy_modes(name)[0], std)

    def test_tf_stream_swiss_roll(self):
        points = np.concatenate(
            take(data.make_dataset("swiss_roll", batch_size=500, seed=1,
                                   toy_params={"noise": 0.0}), 4)
        )
        self.assert_on_swiss_roll(points)
        noisy = np.concatenate(take(data.make_dataset("swiss_roll", batch_size=500, seed=1), 4))
        self.assertNear(np.sqrt((distance_to_swiss_roll(noisy) ** 2).mean()), 0.5, 0.03)

    def test_tf_stream_reproducible_and_seeded(self):
        a = take(data.make_dataset("grid25", batch_size=16, seed=3), 4)
        b = take(data.make_dataset("grid25", batch_size=16, seed=3), 4)
        c = take(data.make_dataset("grid25", batch_size=16, seed=4), 4)
        self.assertAllEqual(np.stack(a), np.stack(b))
        self.assertNotAllClose(np.stack(a), np.stack(c))
        self.assertNotAllClose(a[0], a[1])  # consecutive batches differ

    def test_toy_batch_pure_function_of_step(self):
        direct = data.toy.toy_batch("ring8", 32, 5, tf.constant(6, tf.int64))
        stream = take(data.make_dataset("ring8", batch_size=32, seed=5), 7)[6]
        self.assertAllEqual(direct, stream)

    @parameterized.parameters("ring8", "grid25", "swiss_roll")
    def test_toy_resume_equality(self, name):
        full = take(data.make_dataset(name, batch_size=8, seed=11), 9)
        resumed = take(data.make_dataset(name, batch_size=8, seed=11, start_step=4), 5)
        self.assertAllEqual(np.stack(full[4:]), np.stack(resumed))


class ShapesTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(16, 32, 64)
    def test_images_match_factors(self, size):
        n = 60
        images, factors = data.make_shapes(n, size, seed=3)
        self.assertEqual(images.shape, (n, size, size, 3))
        self.assertEqual(images.dtype, np.float32)
        self.assertAllInRange(images, -1.0, 1.0)
        self.assertEqual(set(factors), {"shape", "colour", "x", "y", "size"})
        palette = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255],
                            [255, 255, 0], [255, 0, 255], [0, 255, 255]]) / 127.5 - 1
        centres = pixel_centres(size)
        for i in range(n):
            shape, colour = int(factors["shape"][i]), int(factors["colour"][i])
            x, y, s = (float(factors[k][i]) for k in ("x", "y", "size"))
            self.assertIn(shape, (0, 1, 2))
            self.assertBetween(s, 0.3, 0.6)
            # Shape box [x ± s/2] × [y ± s/2] lies inside the image.
            self.assertBetween(x - s / 2, -1e-6, 1.0)
            self.assertBetween(x + s / 2, 0.0, 1.0 + 1e-6)
            self.assertBetween(y - s / 2, -1e-6, 1.0)
            self.assertBetween(y + s / 2, 0.0, 1.0 + 1e-6)
            foreground = (images[i] != -1.0).any(axis=-1)
            self.assertGreater(foreground.sum(), 0)
            # Foreground only inside the bounding box implied by the factors.
            rows, cols = np.nonzero(foreground)
            self.assertAllLessEqual(np.abs(centres[cols] - x), s / 2 + 1e-5)
            self.assertAllLessEqual(np.abs(centres[rows] - y), s / 2 + 1e-5)
            # Every foreground pixel has the factor's palette colour, the background is black.
            self.assertAllEqual(images[i][foreground], np.tile(palette[colour], (rows.size, 1)))
            self.assertAllEqual(images[i][~foreground], -np.ones(((~foreground).sum(), 3)))
            # The mask is the shape: agree with an independent rasterisation, up to pixels whose
            # centre lies within 1e-4 of the boundary (float rounding).
            expected = reference_mask(shape, x, y, s, size)
            loose = reference_mask(shape, x, y, s + 2e-4, size)
            tight = reference_mask(shape, x, y, s - 2e-4, size)
            self.assertTrue(np.all(foreground <= loose) and np.all(tight <= foreground))
            self.assertLessEqual((foreground != expected).sum(), 2)

    def test_all_factor_values_occur(self):
        _, factors = data.make_shapes(600, 16, seed=0)
        self.assertEqual(set(factors["shape"].tolist()), {0, 1, 2})
        self.assertEqual(set(factors["colour"].tolist()), set(range(6)))

    def test_deterministic_and_seeded(self):
        a, fa = data.make_shapes(20, 16, seed=1)
        b, fb = data.make_shapes(20, 16, seed=1)
        c, _ = data.make_shapes(20, 16, seed=2)
        self.assertAllEqual(a, b)
        for key in fa:
            self.assertAllEqual(fa[key], fb[key])
        self.assertNotAllClose(a, c)

    def test_full_size_set(self):
        # (its speed is not asserted here: speed belongs to benchmarks/, and a loaded CI
        # machine made a 2 s bound fail)
        images, _ = data.make_shapes(5000, 64, seed=0)
        self.assertEqual(images.shape, (5000, 64, 64, 3))


def image_index(batch, reference):
    """Index in ``reference`` of each image of ``batch`` (exact match; -1 when absent)."""
    flat = reference.reshape(len(reference), -1)
    out = []
    for image in batch.reshape(len(batch), -1):
        hits = np.flatnonzero((flat == image).all(axis=1))
        out.append(hits[0] if hits.size == 1 else -1)
    return np.array(out)


class ImageStreamTest(tf.test.TestCase):
    def test_shapes_stream_shape_and_resume_across_epoch_boundary(self):
        # N = 10, B = 4: batches 2, 4, 7, ... straddle epoch boundaries.
        kwargs = dict(batch_size=4, seed=5, image_size=16, num_images=10)
        dataset = data.make_dataset("shapes", **kwargs)
        self.assertEqual(dataset.element_spec, tf.TensorSpec([4, 16, 16, 3], tf.float32))
        full = take(dataset, 10)
        resumed = take(data.make_dataset("shapes", start_step=2, **kwargs), 8)
        self.assertAllEqual(np.stack(full[2:]), np.stack(resumed))
        resumed = take(data.make_dataset("shapes", start_step=7, **kwargs), 3)
        self.assertAllEqual(np.stack(full[7:]), np.stack(resumed))

    def test_shapes_stream_covers_each_epoch_once(self):
        n, b, epochs = 10, 4, 6
        reference, _ = data.make_shapes(n, 16, seed=9)
        stream = take(
            data.make_dataset("shapes", batch_size=b, seed=9, image_size=16, num_images=n),
            n * epochs // b,
        )
        order = image_index(np.concatenate(stream), reference).reshape(epochs, n)
        for epoch in order:
            self.assertAllEqual(np.sort(epoch), np.arange(n))
        self.assertGreater(len({tuple(epoch) for epoch in order}), 1)  # reshuffled per epoch

    def test_batch_larger_than_data(self):
        n, b = 3, 8
        reference, _ = data.make_shapes(n, 8, seed=0)
        kwargs = dict(batch_size=b, seed=0, image_size=8, num_images=n)
        stream = take(data.make_dataset("shapes", **kwargs), 3)
        order = image_index(np.concatenate(stream), reference).reshape(-1, n)
        for epoch in order:
            self.assertAllEqual(np.sort(epoch), np.arange(n))
        resumed = take(data.make_dataset("shapes", start_step=1, **kwargs), 2)
        self.assertAllEqual(np.stack(stream[1:]), np.stack(resumed))

    def test_mnist_in_memory_stream_covers_epoch_exactly(self):
        data_dir = self.get_temp_dir()
        with tfds.testing.mock_data(num_examples=6):
            raw = np.stack([ex["image"] for ex in tfds.as_numpy(
                tfds.load("mnist", split="train", data_dir=data_dir))])
            kwargs = dict(batch_size=4, seed=2, image_size=28, data_dir=data_dir)
            dataset = data.make_dataset("mnist", **kwargs)
            self.assertEqual(dataset.element_spec, tf.TensorSpec([4, 28, 28, 1], tf.float32))
            stream = np.concatenate(take(dataset, 6))  # 24 images = 4 epochs
            resumed = take(data.make_dataset("mnist", start_step=3, **kwargs), 3)
        expected = raw.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
        order = image_index(stream, expected).reshape(4, 6)
        for epoch in order:
            self.assertAllEqual(np.sort(epoch), np.arange(6))
        self.assertAllEqual(stream[12:], np.concatenate(resumed))

    def test_celeb_a_streaming_resume(self):
        data_dir = self.get_temp_dir()
        kwargs = dict(batch_size=3, seed=4, image_size=8, data_dir=data_dir)
        with tfds.testing.mock_data(num_examples=5):
            dataset = data.make_dataset("celeb_a", **kwargs)
            self.assertEqual(dataset.element_spec, tf.TensorSpec([3, 8, 8, 3], tf.float32))
            full = take(dataset, 8)
            again = take(data.make_dataset("celeb_a", **kwargs), 8)
            resumed = take(data.make_dataset("celeb_a", start_step=3, **kwargs), 5)
            unshuffled = np.stack(take(
                data.load_tfds_images("celeb_a", image_size=8, data_dir=data_dir), 5))
        # 24 images = 4 full epochs of the 5 mocked images (+ 4): each epoch is a permutation.
        order = image_index(np.concatenate(full)[:20], unshuffled).reshape(4, 5)
        for epoch in order:
            self.assertAllEqual(np.sort(epoch), np.arange(5))
        self.assertAllEqual(np.stack(full), np.stack(again))
        self.assertAllEqual(np.stack(full[3:]), np.stack(resumed))
        self.assertAllInRange(np.stack(full), -1.0, 1.0)


class TfdsTest(tf.test.TestCase):
    def test_crop_boxes(self):
        crops = data.CELEBA_CROPS
        self.assertEqual(crops["rfgan"], (50, 25, 128, 128))  # rows 50:178, cols 25:153
        self.assertEqual(crops["began_cs"], (50, 25, 128, 128))
        self.assertEqual(crops["growing"], (45, 25, 128, 128))
        # Centre crops of side s on 218 × 178: top (218 − s)/2, left (178 − s)/2.
        self.assertEqual(crops["lis"], ((218 - 160) // 2, (178 - 160) // 2, 160, 160))
        self.assertEqual(crops["center108"], ((218 - 108) // 2, (178 - 108) // 2, 108, 108))
        for top, left, height, width in crops.values():
            self.assertLessEqual(top + height, 218)
            self.assertLessEqual(left + width, 178)

    def test_preprocess_crop_and_scale_exact(self):
        image = (np.arange(218 * 178 * 3) % 256).astype(np.uint8).reshape(218, 178, 3)
        out = data.preprocess_image(image, image_size=128, crop_box=(50, 25, 128, 128))
        expected = image[50:178, 25:153].astype(np.float32) / np.float32(127.5) - np.float32(1)
        self.assertEqual(out.dtype, tf.float32)
        self.assertAllEqual(out, expected)
        pixel = data.preprocess_image(np.array([[[0, 255, 51]]], np.uint8), image_size=1)
        self.assertAllClose(pixel[0, 0], [-1.0, 1.0, -0.6], atol=1e-7)

    def test_preprocess_resize(self):
        # Area downscaling by 2 is the mean of each 2 × 2 block.
        image = np.random.default_rng(0).integers(0, 256, (16, 16, 1)).astype(np.uint8)
        out = data.preprocess_image(image, image_size=8, method="area")
        blocks = image.reshape(8, 2, 8, 2, 1).astype(np.float64).mean(axis=(1, 3))
        self.assertAllClose(out, blocks / 127.5 - 1, atol=1e-5)
        # A constant image stays constant under any resize; shapes for a batch too.
        constant = np.full((2, 218, 178, 3), 200, np.uint8)
        out = data.preprocess_image(constant, image_size=64, crop_box=data.CELEBA_CROPS["lis"])
        self.assertEqual(out.shape, (2, 64, 64, 3))
        self.assertAllClose(out, np.full((2, 64, 64, 3), 200 / 127.5 - 1), atol=1e-5)

    def test_tfds_loaders_mocked(self):
        data_dir = self.get_temp_dir()
        cases = [("mnist", 28, (28, 28, 1)), ("mnist", 16, (16, 16, 1)),
                 ("cifar10", 32, (32, 32, 3)), ("cifar10", 16, (16, 16, 3)),
                 ("celeb_a", 64, (64, 64, 3)), ("lsun/bedroom", 8, (8, 8, 3))]
        with tfds.testing.mock_data(num_examples=4):
            for name, size, shape in cases:
                images = take(data.load_tfds_images(name, image_size=size, data_dir=data_dir), 4)
                self.assertLen(images, 4)
                for image in images:
                    self.assertEqual(image.shape, shape)
                    self.assertEqual(image.dtype, np.float32)
                    self.assertAllInRange(image, -1.0, 1.0)

    def test_tfds_exact_pixels_mocked(self):
        data_dir = self.get_temp_dir()
        with tfds.testing.mock_data(num_examples=4):
            for name, size, crop, box in [("celeb_a", 128, "rfgan", (50, 25, 128, 128)),
                                          ("celeb_a", 108, "center108", (55, 35, 108, 108)),
                                          ("cifar10", 32, None, (0, 0, 32, 32)),
                                          ("mnist", 28, None, (0, 0, 28, 28))]:
                raw = [ex["image"] for ex in tfds.as_numpy(
                    tfds.load(name, split="train", data_dir=data_dir))]
                out = take(data.load_tfds_images(name, image_size=size, data_dir=data_dir,
                                                 crop=crop), 4)
                top, left, h, w = box
                for image, got in zip(raw, out):
                    crop_ = image[top:top + h, left:left + w].astype(np.float32)
                    self.assertAllEqual(got, crop_ / np.float32(127.5) - np.float32(1))

    def test_missing_data_is_a_clear_error(self):
        data_dir = self.get_temp_dir()
        with self.assertRaises(FileNotFoundError) as ctx:
            data.load_tfds_images("celeb_a", image_size=64, data_dir=data_dir)
        message = str(ctx.exception)
        self.assertIn("celeb_a", message)
        self.assertIn(data_dir, message)
        self.assertIn("--download", message)
        with self.assertRaises(FileNotFoundError):
            data.make_dataset("mnist", batch_size=4, seed=0, data_dir=data_dir)


class CropAndFlipTest(tf.test.TestCase):
    """Per-data-set crops (CIFAR-10's LIS crop, research/lis.md §1.8) and the LIS code's random
    horizontal flips (§1.9), stateless per (seed, batch index)."""

    def test_flips_mirror_about_half_and_resume(self):
        plain = take(data.make_dataset("shapes", batch_size=64, seed=3, image_size=16), 4)
        flipped = take(data.make_dataset("shapes", batch_size=64, seed=3, image_size=16,
                                         flip=True), 4)
        mirrored = 0
        for a, b in zip(plain, flipped):
            for x, y in zip(a, b):
                same, mirror = np.array_equal(x, y), np.array_equal(x[:, ::-1], y)
                self.assertTrue(same or mirror)
                mirrored += mirror and not same
        n = sum(not np.array_equal(x, x[:, ::-1]) for a in plain for x in a)  # asymmetric images
        self.assertGreater(n, 150)
        self.assertBetween(mirrored / n, 0.35, 0.65)  # p = 1/2: 256 images, ±4σ ≈ ±0.12
        resumed = take(data.make_dataset("shapes", batch_size=64, seed=3, image_size=16,
                                         flip=True, start_step=2), 2)
        self.assertAllEqual(resumed[0], flipped[2])
        self.assertAllEqual(resumed[1], flipped[3])
        other = take(data.make_dataset("shapes", batch_size=64, seed=4, image_size=16, flip=True), 1)
        self.assertNotAllEqual(other[0], flipped[0])

    def test_cifar_lis_crop_mocked(self):
        data_dir = self.get_temp_dir()
        with tfds.testing.mock_data(num_examples=8):
            raw = np.stack([ex["image"] for ex in tfds.as_numpy(
                tfds.load("cifar10", split="train", data_dir=data_dir))])
            # At 28 px there is no resize: the centre 28x28 (rows and columns 2:30) exactly.
            got = take(data.make_dataset("cifar10", batch_size=8, seed=0, image_size=28,
                                         data_dir=data_dir, crop="lis"), 1)[0]
            crops = raw[:, 2:30, 2:30].astype(np.float32) / np.float32(127.5) - np.float32(1)
            for image in got:  # the stream shuffles: each image is one of the crops
                self.assertTrue(any(np.array_equal(image, c) for c in crops))
            full = take(data.make_dataset("cifar10", batch_size=8, seed=0, image_size=32,
                                          data_dir=data_dir, crop="lis"), 1)[0]
            self.assertEqual(full.shape, (8, 32, 32, 3))

    def test_bad_crop_or_flip(self):
        with self.assertRaisesRegex(ValueError, r"--crop='lis' is not a crop of 'shapes'.*'none'"):
            data.make_dataset("shapes", batch_size=4, seed=0, crop="lis")
        with self.assertRaisesRegex(ValueError, r"--crop='growing' is not a crop of 'cifar10'"):
            data.make_dataset("cifar10", batch_size=4, seed=0, crop="growing",
                              data_dir=self.get_temp_dir())
        with self.assertRaisesRegex(ValueError, "flip applies to image sets"):
            data.make_dataset("ring8", batch_size=4, seed=0, flip=True)
        self.assertEqual(data.crop_names("cifar10"), ("none", "lis"))
        self.assertEqual(data.CIFAR_CROPS["lis"], ((32 - 28) // 2, (32 - 28) // 2, 28, 28))


class ValidationTest(tf.test.TestCase, parameterized.TestCase):
    def test_kinds_and_channels(self):
        self.assertEqual(set(data.DATASETS),
                         {"ring8", "grid25", "swiss_roll", "shapes",
                          "mnist", "cifar10", "celeb_a", "lsun/bedroom"})
        expected = {"ring8": ("points", 2), "grid25": ("points", 2), "swiss_roll": ("points", 2),
                    "shapes": ("images", 3), "mnist": ("images", 1), "cifar10": ("images", 3),
                    "celeb_a": ("images", 3), "lsun/bedroom": ("images", 3)}
        for name, (kind, channels) in expected.items():
            self.assertEqual(data.dataset_kind(name), kind)
            self.assertEqual(data.dataset_channels(name), channels)

    def test_unknown_name_lists_valid_names(self):
        for call in (lambda: data.make_dataset("imagenet", batch_size=4, seed=0),
                     lambda: data.dataset_kind("imagenet"),
                     lambda: data.load_tfds_images("imagenet", image_size=32)):
            with self.assertRaises(ValueError) as ctx:
                call()
            self.assertIn("imagenet", str(ctx.exception))
            self.assertIn("celeb_a", str(ctx.exception))
        with self.assertRaisesRegex(ValueError, "ring8.*grid25.*swiss_roll.*shapes"):
            data.make_dataset("nope", batch_size=4, seed=0)

    @parameterized.parameters(0, -3, 2.5, True, "8", None)
    def test_bad_batch_size(self, batch_size):
        with self.assertRaisesRegex(ValueError, "batch_size must be a positive integer"):
            data.make_dataset("ring8", batch_size=batch_size, seed=0)

    @parameterized.parameters(0, 4, 7, 16.0, None)
    def test_bad_image_size(self, image_size):
        with self.assertRaisesRegex(ValueError, "image_size must be an integer >= 8"):
            data.make_dataset("shapes", batch_size=4, seed=0, image_size=image_size)

    def test_bad_start_step_crop_and_toy_params(self):
        with self.assertRaisesRegex(ValueError, "start_step must be a non-negative integer"):
            data.make_dataset("ring8", batch_size=4, seed=0, start_step=-1)
        with self.assertRaisesRegex(ValueError, "Unknown CelebA crop 'middle'.*rfgan"):
            data.load_tfds_images("celeb_a", image_size=64, crop="middle")
        with self.assertRaisesRegex(ValueError, "toy_params.*'sigma'"):
            data.make_dataset("ring8", batch_size=4, seed=0, toy_params={"sigma": 1.0})

    def test_numpy_integer_arguments_accepted(self):
        dataset = data.make_dataset("ring8", batch_size=np.int64(4), seed=np.int32(1),
                                    start_step=np.int64(2))
        self.assertEqual(dataset.element_spec.shape, (4, 2))


if __name__ == "__main__":
    tf.test.main()

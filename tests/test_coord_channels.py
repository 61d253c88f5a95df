"""AddCoordChannels against coordinates written here, and the DCGAN nets' ``coord_conv`` and
``upsampling="nearest"`` options against a numpy forward pass (float64, written here)."""
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tests import helpers
from tfgan_latent.layers import AddCoordChannels
from tfgan_latent.models import nets
from tfgan_latent.train import runner


def randomize(model, rng):
    """Non-zero weights and biases everywhere; batch-norm variances kept positive."""
    for w in model.weights:
        value = rng.normal(0.0, 0.4, w.shape)
        if "variance" in w.path:
            value = rng.uniform(0.5, 2.0, w.shape)
        w.assign(value.astype("float32"))


def conv_same(x, kernel, bias=None):
    """Stride-1 'same' convolution of [B, H, W, C] by an odd [k, k, C, F] kernel (float64)."""
    k = kernel.shape[0]
    p = k // 2
    padded = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    h, w = x.shape[1:3]
    out = np.zeros(x.shape[:3] + (kernel.shape[3],))
    for di in range(k):
        for dj in range(k):
            out += padded[:, di:di + h, dj:dj + w, :] @ kernel[di, dj]
    return out if bias is None else out + bias


class AddCoordChannelsTest(tf.test.TestCase):

    def test_values_on_a_non_square_batch(self):
        x = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype("float32")
        out = AddCoordChannels()(x).numpy()
        self.assertEqual(out.shape, (2, 3, 5, 6))
        self.assertAllEqual(out[..., :4], x)
        for b in range(2):
            for i in range(3):
                for j in range(5):
                    # pixel centres: column j at (j + 0.5)/5 of the width, row i at (i + 0.5)/3
                    self.assertAllClose(out[b, i, j, 4:], [(2 * j + 1) / 5 - 1, (2 * i + 1) / 3 - 1])
        self.assertAllClose(out[0, :, :, 4], [[-0.8, -0.4, 0.0, 0.4, 0.8]] * 3)
        self.assertAllClose(out[1, :, 0, 5], [-2 / 3, 0.0, 2 / 3])

    def test_mixed_bfloat16_policy_gives_bfloat16(self):
        out = AddCoordChannels(dtype="mixed_bfloat16")(tf.zeros((2, 4, 4, 3)))
        self.assertEqual(out.dtype, tf.bfloat16)
        self.assertAllClose(tf.cast(out[0, 0, :, 3], tf.float32), [-0.75, -0.25, 0.25, 0.75])

    def test_rank_and_unknown_size_are_refused(self):
        for shape in ((2, 4, 3), (None, None, 4, 3)):
            with self.subTest(shape=shape), self.assertRaisesRegex(ValueError, "AddCoordChannels"):
                AddCoordChannels().build(shape)

    def test_config_round_trip_and_registration(self):
        layer = AddCoordChannels(name="coords_x")
        clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
        self.assertIsInstance(clone, AddCoordChannels)
        self.assertEqual(clone.name, "coords_x")
        self.assertIs(keras.saving.get_registered_object("tfgan_latent>AddCoordChannels"),
                      AddCoordChannels)
        model = nets.dcgan_discriminator(16, width=4, coord_conv=True)
        randomize(model, np.random.default_rng(1))
        x = np.random.default_rng(2).uniform(-1, 1, (3, 16, 16, 3)).astype("float32")
        with tempfile.TemporaryDirectory() as tmp:
            model.save(Path(tmp) / "d.keras")
            loaded = keras.saving.load_model(Path(tmp) / "d.keras")
        self.assertAllClose(loaded(x, training=False), model(x, training=False), atol=1e-5)


class CoordNetsTest(tf.test.TestCase):

    def test_nearest_coord_generator_vs_numpy_forward(self):
        rng = np.random.default_rng(3)
        g = nets.dcgan_generator(3, 16, channels=3, width=2, upsampling="nearest",
                                 coord_conv=True)
        randomize(g, rng)
        w = {v.path: v.numpy().astype(np.float64) for v in g.weights}

        def bn(x, name):  # inference batch norm, ε = 1e-5
            return ((x - w[f"{name}/moving_mean"]) / np.sqrt(w[f"{name}/moving_variance"] + 1e-5)
                    * w[f"{name}/gamma"] + w[f"{name}/beta"])

        def coords(x):
            s = x.shape[1]
            c = (np.arange(s) + 0.5) * 2 / s - 1
            grid = np.stack([np.tile(c[None, :], (s, 1)), np.tile(c[:, None], (1, s))], -1)
            return np.concatenate([x, np.broadcast_to(grid, x.shape[:3] + (2,))], -1)

        def up(x):
            return x.repeat(2, axis=1).repeat(2, axis=2)

        z = rng.uniform(-1, 1, (4, 3))
        x = (z @ w["project/kernel"]).reshape(4, 4, 4, 4)  # top = 2·2² channels
        x = np.maximum(bn(x, "project_bn"), 0)
        x = np.maximum(bn(conv_same(up(coords(x)), w["deconv0/kernel"]),
                          "deconv0_bn"), 0)  # 8×8×2
        x = np.tanh(conv_same(up(coords(x)), w["to_image/kernel"],
                              w["to_image/bias"]))  # 16×16×3
        self.assertEqual(w["deconv0/kernel"].shape, (3, 3, 6, 2))
        self.assertAllClose(g(z.astype("float32"), training=False), x, atol=1e-4)

    def test_coord_discriminator_is_the_plain_one_with_two_more_input_channels(self):
        rng = np.random.default_rng(4)
        plain = nets.dcgan_discriminator(16, width=4)
        coord = nets.dcgan_discriminator(16, width=4, coord_conv=True)
        randomize(plain, rng)
        for a, b in zip(coord.weights, plain.weights):
            value = b.numpy()
            if a.shape != b.shape:  # the first kernel: [4, 4, 3 + 2, 4]
                extra = rng.normal(0.0, 0.4, (4, 4, 2, 4)).astype("float32")
                value = np.concatenate([value, extra], axis=2)
            a.assign(value)
        x = rng.uniform(-1, 1, (3, 16, 16, 3)).astype("float32")
        self.assertNotAllClose(coord(x, training=False), plain(x, training=False), atol=1e-3)
        kernel = coord.get_layer("conv0").kernel
        kernel.assign(tf.concat([kernel[:, :, :3], tf.zeros((4, 4, 2, 4))], axis=2))
        self.assertAllClose(coord(x, training=False), plain(x, training=False), atol=1e-5)

    def test_flags_reach_the_built_model(self):
        with tempfile.TemporaryDirectory() as tmp:
            run_cfg = helpers.tiny_run(tmp, model="dcgan", dataset="shapes")
            gan = runner.build_model(run_cfg, helpers.tiny_model_config(
                run_cfg, coord_conv=True, g_upsampling="nearest"))
        kinds = [type(layer).__name__ for layer in gan.generator.layers]
        self.assertEqual(kinds.count("AddCoordChannels"), 2)  # 16 px: two stages
        self.assertEqual(kinds.count("UpSampling2D"), 2)
        self.assertNotIn("Conv2DTranspose", kinds)
        self.assertIsInstance(gan.discriminator.layers[1], AddCoordChannels)

    def test_unknown_upsampling_is_refused(self):
        with self.assertRaisesRegex(ValueError, "`upsampling` must be one of"):
            nets.dcgan_generator(8, 32, upsampling="bilinear")


if __name__ == "__main__":
    tf.test.main()

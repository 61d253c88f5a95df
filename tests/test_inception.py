"""Inception feature extractors, tested offline.

The real ``classify_image_graph_def.pb`` is not available offline, so a STAND-IN frozen graph
is built here with the real graph's node names and structure around the parts the extractor
touches: ``DecodeJpeg/contents`` -> ``DecodeJpeg`` -> ``Cast`` -> ``ExpandDims`` [1, H, W, 3]
-> ``ResizeBilinear`` to 299 x 299 (TF1 legacy: no align_corners, no half-pixel; the attr
left unset as in a 2015 NodeDef) -> ``Sub`` 128 -> ``Mul`` 1/128 -> ``conv/Conv2D`` ->
``conv/batchnorm`` (the deprecated ``BatchNormWithGlobalNormalization`` op the 2015 graph uses,
so the GraphDef carries an old producer version) -> ReLU -> ``pool_3`` AvgPool [1, 1, 1, 2048]
-> ``pool_3/_reshape`` to a fixed [1, 2048] -> ``softmax/logits/MatMul`` (``softmax/weights``
[2048, 1008]) -> ``softmax/logits`` (+ ``softmax/biases``) -> ``softmax``. It is saved with
``_output_shapes`` (static batch-1 shapes), the worst case for batched use. Random non-zero
weights and biases. The expected values come from an independent numpy forward pass,
including a numpy TF1-legacy bilinear resize.
"""
import os
import re
import tarfile
import tempfile
import time

import numpy as np
import tensorflow as tf

from tfgan_latent.metrics import inception
from tfgan_latent.metrics.inception import (
    ClassifierExtractor,
    FeatureExtractor,
    InceptionGraphExtractor,
    KerasInceptionExtractor,
)

FEAT, CLASSES, SIZE = 2048, 1008, 299
CONV_K, CONV_STRIDE = 3, 8
CONV_OUT = (SIZE - CONV_K) // CONV_STRIDE + 1  # 38
BN_EPS = 1e-3
OLD_PRODUCER = 5  # a GraphDef version < 9, where BatchNormWithGlobalNormalization still exists


def _stand_in_params(seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        conv=rng.normal(0.0, 0.3, [CONV_K, CONV_K, 3, FEAT]).astype(np.float32),
        bn_mean=rng.normal(0.1, 0.2, [FEAT]).astype(np.float32),
        bn_var=rng.uniform(0.5, 2.0, [FEAT]).astype(np.float32),
        bn_beta=rng.normal(0.0, 0.5, [FEAT]).astype(np.float32),
        bn_gamma=rng.uniform(0.5, 1.5, [FEAT]).astype(np.float32),
        weights=rng.normal(0.0, 0.1, [FEAT, CLASSES]).astype(np.float32),
        biases=rng.normal(0.0, 1.0, [CLASSES]).astype(np.float32),
    )


def _const(graph_def, name, value):
    node = graph_def.node.add(name=name, op="Const")
    node.attr["dtype"].type = tf.float32.as_datatype_enum
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.asarray(value, np.float32)))


def build_stand_in_graph_def(p):
    """The stand-in GraphDef (see the module docstring)."""
    jpeg = tf.io.encode_jpeg(tf.fill([2, 2, 3], tf.constant(77, tf.uint8))).numpy()
    g = tf.Graph()
    with g.as_default():
        contents = tf.constant(jpeg, name="DecodeJpeg/contents")
        decoded = tf.io.decode_jpeg(contents, channels=3, name="DecodeJpeg")
        cast = tf.cast(decoded, tf.float32, name="Cast")
        expand = tf.expand_dims(cast, 0, name="ExpandDims")
        resized = tf.raw_ops.ResizeBilinear(
            images=expand, size=tf.constant([SIZE, SIZE], name="ResizeBilinear/size"),
            align_corners=False, half_pixel_centers=False, name="ResizeBilinear")
        sub = tf.subtract(resized, tf.constant(128.0, name="Sub/y"), name="Sub")
        mul = tf.multiply(sub, tf.constant(1.0 / 128.0, name="Mul/y"), name="Mul")
        conv = tf.nn.conv2d(mul, tf.constant(p["conv"], name="conv/conv2d_params"),
                            strides=CONV_STRIDE, padding="VALID", name="conv/Conv2D")
        bn = tf.identity(conv, name="conv/batchnorm")  # becomes BatchNormWithGlobalNormalization
        relu = tf.nn.relu(bn, name="conv")
        pool3 = tf.nn.avg_pool2d(relu, ksize=CONV_OUT, strides=1, padding="VALID", name="pool_3")
        reshaped = tf.reshape(pool3, tf.constant([1, FEAT], name="pool_3/_reshape/shape"),
                              name="pool_3/_reshape")
        matmul = tf.matmul(reshaped, tf.constant(p["weights"], name="softmax/weights"),
                           name="softmax/logits/MatMul")
        logits = tf.nn.bias_add(matmul, tf.constant(p["biases"], name="softmax/biases"),
                                name="softmax/logits")
        tf.nn.softmax(logits, name="softmax")
    graph_def = g.as_graph_def(add_shapes=True)
    bn_inputs = {"moving_mean": "bn_mean", "moving_variance": "bn_var", "beta": "bn_beta",
                 "gamma": "bn_gamma"}  # BatchNormWithGlobalNormalization's input order
    for suffix, key in bn_inputs.items():
        _const(graph_def, "conv/batchnorm/" + suffix, p[key])
    for node in graph_def.node:
        if node.name == "ResizeBilinear":
            del node.attr["half_pixel_centers"]  # absent from a 2015 NodeDef; default False
        if node.name == "conv/batchnorm":
            shapes = tf.compat.v1.AttrValue()
            shapes.CopyFrom(node.attr["_output_shapes"])
            node.op = "BatchNormWithGlobalNormalization"
            node.attr.clear()
            node.attr["_output_shapes"].CopyFrom(shapes)
            node.attr["T"].type = tf.float32.as_datatype_enum
            node.attr["variance_epsilon"].f = BN_EPS
            node.attr["scale_after_normalization"].b = True
            node.input[:] = ["conv/Conv2D"] + ["conv/batchnorm/" + s for s in bn_inputs]
    graph_def.versions.producer = OLD_PRODUCER
    return graph_def


# ---- independent numpy forward pass of the stand-in -------------------------------------

def np_resize_bilinear(img, out_h, out_w, half_pixel=False):
    """Bilinear resize of [N, H, W, C]. half_pixel=False: TF1 legacy (src = dst * in / out);
    True: TF2 tf.image.resize (src = (dst + 0.5) * in / out - 0.5). Neighbours clamped."""
    def axis(n_in, n_out):
        scale = n_in / n_out
        dst = np.arange(n_out, dtype=np.float64)
        src = (dst + 0.5) * scale - 0.5 if half_pixel else dst * scale
        lo = np.floor(src)
        frac = src - lo
        i0 = np.clip(lo.astype(int), 0, n_in - 1)
        i1 = np.clip(lo.astype(int) + 1, 0, n_in - 1)
        return i0, i1, frac

    y0, y1, fy = axis(img.shape[1], out_h)
    x0, x1, fx = axis(img.shape[2], out_w)
    fx = fx[None, None, :, None]
    top = img[:, y0][:, :, x0] * (1 - fx) + img[:, y0][:, :, x1] * fx
    bottom = img[:, y1][:, :, x0] * (1 - fx) + img[:, y1][:, :, x1] * fx
    fy = fy[None, :, None, None]
    return top * (1 - fy) + bottom * fy


def np_forward(pixels, p, half_pixel=False):
    """(pool_3 [N, F], logits without bias [N, K]) of the stand-in for pixels in 0..255."""
    x = np_resize_bilinear(np.asarray(pixels, np.float64), SIZE, SIZE, half_pixel)
    x = (x - 128.0) * (1.0 / 128.0)
    n = x.shape[0]
    cols = np.empty((n, CONV_OUT, CONV_OUT, CONV_K, CONV_K, 3))
    for i in range(CONV_K):
        for j in range(CONV_K):
            cols[:, :, :, i, j, :] = x[:, i:i + CONV_STRIDE * CONV_OUT:CONV_STRIDE,
                                       j:j + CONV_STRIDE * CONV_OUT:CONV_STRIDE, :]
    conv = cols.reshape(n, CONV_OUT * CONV_OUT, -1) @ p["conv"].astype(np.float64).reshape(-1, FEAT)
    bn = ((conv - p["bn_mean"]) / np.sqrt(p["bn_var"].astype(np.float64) + BN_EPS)
          * p["bn_gamma"] + p["bn_beta"])
    pool3 = np.maximum(bn, 0.0).mean(axis=1)
    return pool3, pool3 @ p["weights"].astype(np.float64)


def np_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def random_images(n, size, seed, channels=3):
    """[-1, 1] images with per-image brightness and contrast, so their features differ."""
    rng = np.random.default_rng(seed)
    offset = rng.uniform(-0.6, 0.6, [n, 1, 1, 1])
    scale = rng.uniform(0.1, 0.5, [n, 1, 1, 1])
    return np.clip(offset + scale * rng.normal(size=[n, size, size, channels]), -1, 1)


class InceptionGraphExtractorTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tmp = tempfile.TemporaryDirectory()
        cls.params = _stand_in_params()
        cls.graph_def = build_stand_in_graph_def(cls.params)
        cls.pb_path = os.path.join(cls._tmp.name, "classify_image_graph_def.pb")
        with open(cls.pb_path, "wb") as f:
            f.write(cls.graph_def.SerializeToString())
        cls.extractor = InceptionGraphExtractor(cls.pb_path, batch_size=2)

    @classmethod
    def tearDownClass(cls):
        cls.extractor.close()
        cls._tmp.cleanup()
        super().tearDownClass()

    def test_stand_in_has_the_real_graph_hazards(self):
        nodes = {n.name: n for n in self.graph_def.node}
        for name in ("DecodeJpeg/contents", "DecodeJpeg", "Cast", "ExpandDims", "ResizeBilinear",
                     "ResizeBilinear/size", "Sub", "Sub/y", "Mul", "Mul/y", "pool_3",
                     "pool_3/_reshape", "softmax/weights", "softmax/biases",
                     "softmax/logits/MatMul", "softmax/logits", "softmax"):
            self.assertIn(name, nodes)
        self.assertEqual(nodes["conv/batchnorm"].op, "BatchNormWithGlobalNormalization")
        self.assertNotIn("half_pixel_centers", nodes["ResizeBilinear"].attr)
        self.assertFalse(nodes["ResizeBilinear"].attr["align_corners"].b)
        self.assertEqual(self.graph_def.versions.producer, OLD_PRODUCER)
        batch_dim = nodes["ExpandDims"].attr["_output_shapes"].list.shape[0].dim[0].size
        self.assertEqual(batch_dim, 1)

    def test_features_and_probabilities_match_numpy_forward(self):
        for size, seed in ((32, 1), (64, 2)):
            images = random_images(3, size, seed)  # batch_size 2: batches of 2 and 1
            feats, probs = self.extractor.features_and_probabilities(images)
            self.assertEqual(feats.shape, (3, FEAT))
            self.assertEqual(probs.shape, (3, CLASSES))
            self.assertEqual(feats.dtype, np.float64)
            self.assertEqual(probs.dtype, np.float64)
            pool3, logits = np_forward(127.5 * (images + 1.0), self.params)
            np.testing.assert_allclose(feats, pool3, rtol=1e-4, atol=1e-6, err_msg=f"{size}")
            np.testing.assert_allclose(probs, np_softmax(logits), rtol=1e-3, atol=1e-7)
            np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
            np.testing.assert_array_equal(self.extractor(images), feats)
            np.testing.assert_array_equal(self.extractor.probabilities(images), probs)
            # The images differ enough for a per-image check to mean something.
            self.assertGreater(np.abs(feats[0] - feats[1]).max(), 1e-2)

    def test_probabilities_leave_out_the_bias_unlike_the_graphs_softmax(self):
        """OpenAI's IS: softmax(pool_3 @ W) without softmax/biases; the graph's softmax:0 adds it.
        Also cross-checks against the graph run the reference way (TF1 session, 1 image
        fed to ExpandDims:0, as OpenAI's bs = 1)."""
        image = random_images(1, 32, seed=3)
        pixels = (127.5 * (image + 1.0)).astype(np.float32)
        graph_def = tf.compat.v1.GraphDef()
        graph_def.CopyFrom(self.graph_def)  # import_graph_def fills default attrs in place
        g = tf.Graph()
        with g.as_default():
            tf.compat.v1.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=g) as sess:
            pool3, softmax = sess.run(["pool_3:0", "softmax:0"], {"ExpandDims:0": pixels})
        feats, probs = self.extractor.features_and_probabilities(image)
        np.testing.assert_allclose(feats, pool3.reshape(1, FEAT), rtol=1e-5, atol=1e-7)
        _, logits = np_forward(pixels, self.params)
        np.testing.assert_allclose(softmax, np_softmax(logits + self.params["biases"]),
                                   rtol=1e-3, atol=1e-7)
        self.assertGreater(np.abs(probs - softmax).max(), 1e-3)

    def test_resize_semantics_are_distinguished(self):
        """A half-pixel (TF2) resize gives features outside the tolerance used above."""
        images = random_images(2, 32, seed=4)
        legacy, _ = np_forward(127.5 * (images + 1.0), self.params)
        half, _ = np_forward(127.5 * (images + 1.0), self.params, half_pixel=True)
        feats = self.extractor(images)
        self.assertFalse(np.allclose(feats, half, rtol=1e-4, atol=1e-6))
        np.testing.assert_allclose(feats, legacy, rtol=1e-4, atol=1e-6)

    def test_results_do_not_depend_on_batch_size(self):
        images = random_images(3, 32, seed=5)
        one = InceptionGraphExtractor(self.pb_path, batch_size=1)
        try:
            np.testing.assert_allclose(one(images), self.extractor(images), rtol=1e-6, atol=1e-8)
        finally:
            one.close()

    def test_grayscale_is_repeated_to_rgb(self):
        gray = random_images(2, 32, seed=6, channels=1)
        np.testing.assert_array_equal(self.extractor(gray), self.extractor(np.repeat(gray, 3, -1)))

    def test_protocol_and_attributes(self):
        ex = self.extractor
        self.assertIsInstance(ex, FeatureExtractor)
        self.assertIsInstance(ex, ClassifierExtractor)
        self.assertEqual((ex.feature_dim, ex.num_classes), (FEAT, CLASSES))
        self.assertEqual(ex.name, "inception-2015-12-05/pool_3")
        self.assertTrue(ex.comparable)
        self.assertEqual(ex(np.zeros([0, 32, 32, 3])).shape, (0, FEAT))

    def test_bad_images(self):
        ok = random_images(1, 8, seed=7)
        cases = {
            "[N, H, W, 3]": ok[0],  # 3-D
            "[N, H, W, 3] (or": ok[..., :2],  # 2 channels
            "finite": np.where(ok > 0, np.nan, ok),
            "[-1, 1]": 127.5 * (ok + 1.0),  # 0..255 images
        }
        for message, images in cases.items():
            with self.assertRaisesRegex(ValueError, "images.*" + _re(message)):
                self.extractor(images)
        # Slight overshoot (float error) is clipped, not an error.
        np.testing.assert_array_equal(self.extractor(np.full([1, 8, 8, 3], 1.0 + 5e-4)),
                                      self.extractor(np.ones([1, 8, 8, 3])))

    def test_file_errors_name_the_argument(self):
        tmp = self._tmp.name
        with self.assertRaisesRegex(FileNotFoundError, "graph_path.*nope.pb.*inception-2015-12-05"):
            InceptionGraphExtractor(os.path.join(tmp, "nope.pb"))
        with self.assertRaisesRegex(ValueError, "graph_path.*directory"):
            InceptionGraphExtractor(tmp)
        with self.assertRaisesRegex(TypeError, "graph_path"):
            InceptionGraphExtractor(None)
        junk = os.path.join(tmp, "junk.pb")
        with open(junk, "wb") as f:
            f.write(b"\xff\xff\xff\xff not a graph def")
        with self.assertRaisesRegex(ValueError, "graph_path.*junk.pb.*not a binary .*GraphDef"):
            InceptionGraphExtractor(junk)
        tgz = os.path.join(tmp, "inception-2015-12-05.tgz")
        with tarfile.open(tgz, "w:gz") as tar:
            tar.add(self.pb_path, arcname="classify_image_graph_def.pb")
        with self.assertRaisesRegex(ValueError, "graph_path.*archive.*extract"):
            InceptionGraphExtractor(tgz)
        for drop in ("pool_3", "softmax/logits/MatMul", "ExpandDims"):
            partial = tf.compat.v1.GraphDef()
            partial.CopyFrom(self.graph_def)
            for node in partial.node:
                if node.name == drop:
                    node.name = drop + "_renamed"
            path = os.path.join(tmp, "partial.pb")
            with open(path, "wb") as f:
                f.write(partial.SerializeToString())
            with self.assertRaisesRegex(ValueError, f"graph_path.*lacks the node.*'{_re(drop)}'"):
                InceptionGraphExtractor(path)
        for bad in (0, -1, 2.5, True):
            with self.assertRaisesRegex(ValueError, "batch_size"):
                InceptionGraphExtractor(self.pb_path, batch_size=bad)


def _re(text):
    return re.escape(text)


class KerasInceptionExtractorTest(tf.test.TestCase):
    """InceptionV3(weights=None), seeded, saved to .weights.h5, loaded through the extractor.

    About 20-30 s on 2 shared CPU cores (two InceptionV3 builds, a ~96 MB weights file,
    four small forward passes).
    """

    def test_matches_the_model_on_independently_preprocessed_inputs(self):
        import keras

        start = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            keras.utils.set_random_seed(123)
            ref = keras.applications.InceptionV3(include_top=True, weights=None)
            path = os.path.join(tmp, "inception_v3.weights.h5")
            ref.save_weights(path)
            ex = KerasInceptionExtractor(path, batch_size=1)  # two batches of one
        both = keras.Model(ref.inputs, [ref.get_layer("avg_pool").output, ref.output])
        # 32 px is upsampled; 320 px is downsampled, where antialiasing would change the result.
        for n, size in ((2, 32), (1, 320)):
            images = random_images(n, size, seed=size)
            feats, probs = ex.features_and_probabilities(images)
            self.assertEqual(feats.shape, (n, 2048))
            self.assertEqual(probs.shape, (n, 1000))
            # Independent: numpy half-pixel bilinear resize of 0..255 pixels, then p / 127.5 - 1.
            x = np_resize_bilinear(127.5 * (images + 1.0), 299, 299, half_pixel=True) / 127.5 - 1
            ref_feats, ref_probs = both(tf.constant(x, tf.float32), training=False)
            np.testing.assert_allclose(feats, ref_feats.numpy(), rtol=1e-3, atol=1e-5)
            np.testing.assert_allclose(probs, ref_probs.numpy(), rtol=1e-3, atol=1e-7)
            if n == 2:  # the images differ enough for a per-image check to mean something
                self.assertGreater(np.abs(feats[0] - feats[1]).max(), 1e-4)
        self.assertFalse(ex.comparable)
        self.assertIsInstance(ex, ClassifierExtractor)
        self.assertEqual((ex.name, ex.feature_dim, ex.num_classes),
                         ("keras-inception-v3/avg_pool", 2048, 1000))
        np.testing.assert_array_equal(ex(images), feats)
        np.testing.assert_array_equal(ex.probabilities(images), probs)
        print(f"\nKeras InceptionV3 extractor test: {time.time() - start:.1f} s")

    def test_file_errors_name_the_argument(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(FileNotFoundError, "weights_path.*missing.weights.h5"):
                KerasInceptionExtractor(os.path.join(tmp, "missing.weights.h5"))
            junk = os.path.join(tmp, "junk.weights.h5")
            with open(junk, "wb") as f:
                f.write(b"not hdf5")
            with self.assertRaisesRegex(ValueError, "weights_path.*junk.weights.h5"):
                KerasInceptionExtractor(junk)


def test_module_exports():
    import tfgan_latent.metrics as metrics

    for name in inception.__all__:
        assert getattr(metrics, name) is getattr(inception, name)

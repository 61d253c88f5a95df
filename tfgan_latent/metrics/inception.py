"""Feature extractors for FID / KID / IS, loaded from weight files the user supplies.

Nothing here downloads anything: every extractor takes the path of a file the user fetched
themselves.

**Protocol.** An extractor is a callable ``extractor(images) -> float64 array [N, F]``
with a ``name`` (str) and a ``feature_dim`` (int, F). A classifier also has
``probabilities(images) -> float64 array [N, K]`` (each row sums to 1). ``images`` are
``[N, H, W, C]`` with values in ``[-1, 1]`` (the generators' tanh range), ``C`` 3 (or 1,
repeated to RGB). See :class:`FeatureExtractor` and :class:`ClassifierExtractor`.

Two Inception extractors:

* :class:`InceptionGraphExtractor`: the frozen graph ``classify_image_graph_def.pb`` of
  the 2015-12-05 TensorFlow Inception release, which TTUR (FID, Heusel et al. 2017) and
  OpenAI's improved-gan (Inception score, Salimans et al. 2016) use. Its numbers are
  meant to be comparable with published FID / KID / IS.
* :class:`KerasInceptionExtractor`: ``keras.applications.InceptionV3`` with a Keras
  weights file. Different weights and a different resize: **not** comparable with
  published numbers (``comparable = False``); only for comparing your own models with
  each other.
"""
import os
from typing import Protocol, runtime_checkable

import numpy as np
import tensorflow as tf

__all__ = [
    "FeatureExtractor",
    "ClassifierExtractor",
    "InceptionGraphExtractor",
    "KerasInceptionExtractor",
]

_RANGE_SLACK = 1e-3  # values within this of [-1, 1] are clipped; further out is an error


@runtime_checkable
class FeatureExtractor(Protocol):
    """``extractor(images) -> [N, feature_dim]`` float64 features; has ``name``."""

    name: str
    feature_dim: int

    def __call__(self, images) -> np.ndarray: ...


@runtime_checkable
class ClassifierExtractor(FeatureExtractor, Protocol):
    """A :class:`FeatureExtractor` that also gives class probabilities ``[N, K]``."""

    def probabilities(self, images) -> np.ndarray: ...


def _images_to_pixels(images):
    """``[-1, 1]`` images -> float32 RGB pixels in ``[0, 255]``: ``p = 127.5 * (x + 1)``."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(
            f"`images` must have shape [N, H, W, 3] (or [N, H, W, 1]); got shape {x.shape}.")
    if x.shape[1] < 1 or x.shape[2] < 1:
        raise ValueError(f"`images` must have H, W >= 1; got shape {x.shape}.")
    if x.size:
        if not np.all(np.isfinite(x)):
            raise ValueError("`images` must be finite (found NaN or inf).")
        lo, hi = float(x.min()), float(x.max())
        if lo < -1.0 - _RANGE_SLACK or hi > 1.0 + _RANGE_SLACK:
            raise ValueError(
                f"`images` must have values in [-1, 1] (tanh range); got min {lo:g}, max "
                f"{hi:g}. For uint8 images in 0..255 pass `x / 127.5 - 1`.")
    pixels = (np.clip(x, -1.0, 1.0) + 1.0) * 127.5
    if pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
    return pixels.astype(np.float32)


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive integer; got {batch_size!r}.")
    return int(batch_size)


def _check_file(path, arg, hint):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`{arg}` must be a path (str or os.PathLike); got {type(path).__name__}.")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"`{arg}`: no file at {path!r}. {hint}")
    if not os.path.isfile(path):
        raise ValueError(f"`{arg}` must be a file, not a directory: {path!r}. {hint}")
    return path


def _softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class InceptionGraphExtractor:
    """pool_3 features and class probabilities of the 2015-12-05 Inception frozen graph.

    **The file.** ``classify_image_graph_def.pb`` from the ``inception-2015-12-05.tgz``
    release (``http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz``,
    the URL TTUR's ``fid.py`` and OpenAI's ``inception_score/model.py`` fetch). Download
    and extract it yourself (``tar xzf inception-2015-12-05.tgz classify_image_graph_def.pb``)
    and pass the ``.pb`` path; nothing is downloaded here.

    **What is computed, as in the reference code.**

    * Input: images in ``[-1, 1]`` become pixels ``p = 127.5 * (x + 1)`` in ``[0, 255]``
      (float32, not rounded; grayscale repeated to RGB), fed to the graph tensor
      ``ExpandDims:0`` as ``[N, H, W, 3]``, as TTUR (float32 images from ``imread``) and
      OpenAI feed it. Values within 1e-3 outside ``[-1, 1]`` are clipped, anything further
      is an error. To emulate images saved as 8-bit PNG first (what TTUR users read back),
      quantise before calling: ``np.round(127.5 * (x + 1)) / 127.5 - 1``.
    * Resize: none of ours. The graph resizes itself: its ``ResizeBilinear`` op takes the
      native ``H x W`` to 299 x 299 with TF1 legacy semantics (``align_corners=False``, no
      half-pixel centres: source coordinate = destination * in / out, neighbours clamped at
      the border; no antialiasing), then normalises with ``Sub`` (128) and ``Mul`` (1/128).
      Feed images at their native size (e.g. 32 x 32) so the FID is comparable with TTUR's
      published numbers; resizing them beforehand with another filter changes the FID.
    * Features (``__call__``): ``pool_3:0`` reshaped to ``[N, 2048]``, as float64.
    * Probabilities (``probabilities``): OpenAI's Inception-score recipe:
      ``softmax(pool_3 @ W)`` with ``W`` the second input of ``softmax/logits/MatMul``
      (``[2048, 1008]``) and **without** the ``softmax/biases`` the graph's own ``softmax:0``
      adds; 1008 classes. Computed in float64 (numpy).

    **Any batch size.** The graph's ``ExpandDims:0`` has static shape ``[1, ?, ?, 3]`` and
    ``pool_3/_reshape`` reshapes to a fixed ``[1, 2048]``, so ``softmax:0`` only works for
    one image. TTUR and OpenAI patch private static-shape fields and rebuild the softmax
    from ``pool_3``. Here the GraphDef is edited instead: the ``ExpandDims`` node becomes a
    float32 placeholder of shape ``[?, ?, ?, 3]`` with the same name, any ``_output_shapes``
    attributes are dropped (TF's importer would impose their recorded batch-1 static shapes;
    a defensive step), and the graph is imported whole into an
    empty ``tf.Graph`` run by a ``tf.compat.v1.Session``, fetching only ``pool_3:0``
    (``pool_3/_reshape`` and ``softmax`` are never run). Importing into an empty graph keeps
    the file's own GraphDef producer version, which its deprecated
    ``BatchNormWithGlobalNormalization`` ops need (TF refuses them in a graph of a newer
    version, e.g. inside a ``tf.function``). Results do not depend on ``batch_size``.

    Args:
        graph_path: path of ``classify_image_graph_def.pb``.
        batch_size: images per ``Session.run`` (memory only; results do not depend on it).

    Raises:
        FileNotFoundError: no file at ``graph_path``.
        ValueError: ``graph_path`` is not a binary GraphDef, or lacks the expected nodes
            (``ExpandDims``, ``pool_3``, ``softmax/logits/MatMul``); bad ``batch_size``.

    Attributes: ``name``, ``feature_dim`` (2048 for the real file), ``num_classes`` (1008),
    ``comparable`` (True), ``graph_path``, ``batch_size``. Call :meth:`close` to free the
    session.
    """

    INPUT_NODE = "ExpandDims"
    FEATURE_TENSOR = "pool_3:0"
    LOGITS_MATMUL = "softmax/logits/MatMul"
    comparable = True
    _HINT = ("Expected classify_image_graph_def.pb extracted from inception-2015-12-05.tgz "
             "(download it yourself: http://download.tensorflow.org/models/image/imagenet/"
             "inception-2015-12-05.tgz).")

    def __init__(self, graph_path, batch_size=50):
        self.graph_path = _check_file(graph_path, "graph_path", self._HINT)
        self.batch_size = _check_batch_size(batch_size)
        self.name = "inception-2015-12-05/pool_3"
        graph_def = self._read_graph_def(self.graph_path)
        self._graph = tf.Graph()
        with self._graph.as_default():
            tf.compat.v1.import_graph_def(graph_def, name="")
        self._input = self._graph.get_tensor_by_name(self.INPUT_NODE + ":0")
        self._pool3 = self._graph.get_tensor_by_name(self.FEATURE_TENSOR)
        weights = self._graph.get_operation_by_name(self.LOGITS_MATMUL).inputs[1]
        config = tf.compat.v1.ConfigProto(allow_soft_placement=True)
        self._session = tf.compat.v1.Session(graph=self._graph, config=config)
        w = np.asarray(self._session.run(weights), dtype=np.float64)
        pool3_dim = self._pool3.shape[-1] if self._pool3.shape.rank else None
        if w.ndim != 2 or (pool3_dim is not None and w.shape[0] != pool3_dim):
            self._session.close()
            raise ValueError(
                f"`graph_path` {self.graph_path!r}: the second input of {self.LOGITS_MATMUL!r} "
                f"has shape {w.shape}, expected [{pool3_dim or 'F'}, K] matching "
                f"{self.FEATURE_TENSOR!r}. {self._HINT}")
        self._softmax_weights = w
        self.feature_dim = int(w.shape[0])
        self.num_classes = int(w.shape[1])

    @classmethod
    def _read_graph_def(cls, path):
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            raise ValueError(
                f"`graph_path` {path!r} is a gzip/tar archive, not a GraphDef: extract "
                f"classify_image_graph_def.pb from it first. {cls._HINT}")
        graph_def = tf.compat.v1.GraphDef()
        try:
            graph_def.ParseFromString(data)
        except Exception as err:  # google.protobuf.message.DecodeError
            raise ValueError(
                f"`graph_path` {path!r} is not a binary TensorFlow GraphDef ({err}). "
                f"{cls._HINT}") from err
        nodes = {node.name: node for node in graph_def.node}
        missing = [n for n in (cls.INPUT_NODE, cls.FEATURE_TENSOR.split(":")[0],
                               cls.LOGITS_MATMUL) if n not in nodes]
        if missing:
            raise ValueError(
                f"`graph_path` {path!r} is not the 2015-12-05 Inception graph: it lacks the "
                f"node(s) {missing}. {cls._HINT}")
        old = nodes[cls.INPUT_NODE]
        if "T" in old.attr and old.attr["T"].type != tf.float32.as_datatype_enum:
            raise ValueError(
                f"`graph_path` {path!r}: node {cls.INPUT_NODE!r} is not float32. {cls._HINT}")
        placeholder = tf.compat.v1.NodeDef(name=cls.INPUT_NODE, op="Placeholder")
        placeholder.attr["dtype"].type = tf.float32.as_datatype_enum
        placeholder.attr["shape"].shape.CopyFrom(tf.TensorShape([None, None, None, 3]).as_proto())
        old.CopyFrom(placeholder)
        for node in graph_def.node:
            if "_output_shapes" in node.attr:
                del node.attr["_output_shapes"]
        return graph_def

    def features_and_probabilities(self, images):
        """``(features [N, F], probabilities [N, K])`` from one pass, both float64."""
        feats = self._features(_images_to_pixels(images))
        return feats, _softmax(feats @ self._softmax_weights)

    def __call__(self, images):
        """pool_3 features ``[N, feature_dim]`` (float64) of ``[-1, 1]`` images."""
        return self._features(_images_to_pixels(images))

    def probabilities(self, images):
        """OpenAI-IS class probabilities ``[N, num_classes]``: softmax(pool_3 @ W), no bias."""
        return self.features_and_probabilities(images)[1]

    def _features(self, pixels):
        out = np.empty((pixels.shape[0], self.feature_dim), dtype=np.float64)
        for start in range(0, pixels.shape[0], self.batch_size):
            batch = pixels[start:start + self.batch_size]
            pool3 = self._session.run(self._pool3, {self._input: batch})
            out[start:start + len(batch)] = pool3.reshape(len(batch), self.feature_dim)
        return out

    def close(self):
        """Frees the TF session; the extractor is unusable afterwards."""
        self._session.close()


class KerasInceptionExtractor:
    """Global-average-pool features and ImageNet probabilities of Keras' InceptionV3.

    NOT comparable with published FID / KID / IS (``comparable = False``): Keras'
    InceptionV3 weights (1000 classes) are not the 2015-12-05 graph the published numbers
    use, and the resize differs. Use it to compare your own models with each other, with
    the same extractor and the same sample counts; for published numbers use
    :class:`InceptionGraphExtractor`.

    **The file.** A weights file ``keras.applications.InceptionV3(include_top=True)`` can
    load, e.g. Keras' ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5`` (download it
    yourself) or a ``.weights.h5`` saved by ``model.save_weights``. Loaded with
    ``keras.applications.InceptionV3(include_top=True, weights=weights_path)``; nothing is
    downloaded here.

    **What is computed.** Images in ``[-1, 1]`` -> pixels ``127.5 * (x + 1)`` in
    ``[0, 255]`` (as for the graph extractor; grayscale repeated to RGB) -> resized to
    299 x 299 by ``tf.image.resize(method="bilinear", antialias=False)`` (TF2 semantics:
    half-pixel centres, source = (dst + 0.5) * in / out - 0.5, clamped; a 299 x 299 input is
    left unchanged) -> ``keras.applications.inception_v3.preprocess_input`` (``p / 127.5 - 1``)
    -> the model in inference mode. Features: the ``avg_pool`` layer (2048); probabilities:
    the model's softmax output ``predictions`` (with its bias; 1000 classes). Float64 out.

    Args:
        weights_path: the weights file.
        batch_size: images per forward pass (memory only).

    Raises:
        FileNotFoundError: no file at ``weights_path``.
        ValueError: Keras could not load the file into InceptionV3(include_top=True);
            bad ``batch_size``.
    """

    comparable = False
    IMAGE_SIZE = 299
    _HINT = ("Expected a weights file for keras.applications.InceptionV3(include_top=True), "
             "e.g. inception_v3_weights_tf_dim_ordering_tf_kernels.h5 (download it yourself).")

    def __init__(self, weights_path, batch_size=32):
        import keras

        self.weights_path = _check_file(weights_path, "weights_path", self._HINT)
        self.batch_size = _check_batch_size(batch_size)
        self.name = "keras-inception-v3/avg_pool"
        try:
            model = keras.applications.InceptionV3(include_top=True, weights=self.weights_path)
        except Exception as err:
            raise ValueError(
                f"`weights_path` {self.weights_path!r} could not be loaded into "
                f"keras.applications.InceptionV3(include_top=True): {err}") from err
        self._model = keras.Model(model.inputs, [model.get_layer("avg_pool").output, model.output])
        self.feature_dim = int(model.get_layer("avg_pool").output.shape[-1])
        self.num_classes = int(model.output.shape[-1])
        self._preprocess = keras.applications.inception_v3.preprocess_input

    def _forward(self, pixels):
        size = (self.IMAGE_SIZE, self.IMAGE_SIZE)
        resized = tf.image.resize(pixels, size, method="bilinear", antialias=False)
        return self._model(self._preprocess(resized), training=False)

    def features_and_probabilities(self, images):
        """``(features [N, 2048], probabilities [N, 1000])`` from one pass, both float64."""
        pixels = _images_to_pixels(images)
        feats = np.empty((pixels.shape[0], self.feature_dim), dtype=np.float64)
        probs = np.empty((pixels.shape[0], self.num_classes), dtype=np.float64)
        for start in range(0, pixels.shape[0], self.batch_size):
            f, p = self._forward(tf.constant(pixels[start:start + self.batch_size]))
            feats[start:start + len(f)] = f.numpy()
            probs[start:start + len(p)] = p.numpy()
        return feats, probs

    def __call__(self, images):
        """``avg_pool`` features ``[N, 2048]`` (float64) of ``[-1, 1]`` images."""
        return self.features_and_probabilities(images)[0]

    def probabilities(self, images):
        """Softmax outputs ``[N, 1000]`` of the Keras model (float64)."""
        return self.features_and_probabilities(images)[1]

"""The ``shapes`` factor estimator: a small CNN that reads shape, colour, position and size.

It is the first half of the shapes manifold score (``shapes_manifold``) and, through its
128-d penultimate layer, the offline feature extractor ``shapes`` for FID/KID/precision-recall
on ``shapes`` runs. One estimator per image size (16, 32, 64 px), trained by this library on
freshly rendered ``shapes`` images from a fixed seed and shipped in the package
(``weights/shapes_estimator_<S>px.weights.h5``), so that every user scores with the same
network; ``experiments/train_shapes_estimator.py`` retrains them (1 to 4 minutes per size on
2 CPU cores) and writes their held-out accuracy. Nothing is downloaded.

Architecture (input S×S×3 in [−1, 1]): log2(S/4) stride-2 Conv 3×3 + ReLU stages down to
4×4 (64 channels at the last, halving towards the input, at least 16), Flatten, Dense(128) +
ReLU (the features), and three heads: shape logits (3), colour logits (6) and the continuous
factors (x, y, size) in image-side units.

Training data: a pool of 20,000 renders, half with hard edges and half anti-aliased (4×4
supersampling), each batch with fresh N(0, σ²) pixel noise, σ ~ U(0, 0.1) per image; so the
estimate stays usable on the soft edges and small colour errors of generated images. Loss:
cross-entropy for shape and colour plus 0.1 × the squared error of (x, y, size) in pixels.

Provenance: no paper specifies this network. It plays the role of the pre-trained classifier
that counts modes on stacked MNIST (VEEGAN, Srivastava et al. 2017 §5.1; PacGAN, Lin et al.
2018 §5), and of the feature network in FID (Heusel et al. 2017 §4) for ``shapes`` only; its
design (size, loss weights, noise law) is this library's own choice, judged by the held-out
accuracy in ``experiments/results/shapes_manifold/estimator.json``. Its FIDs are therefore
comparable only with other ``shapes`` FIDs from these weights.
"""
import functools
import math
from pathlib import Path

import keras
import numpy as np

from tfgan_latent.data import shapes as shapes_data

__all__ = [
    "ESTIMATOR_SIZES",
    "ShapesEstimator",
    "build_estimator_model",
    "estimator_weights_path",
    "load_estimator",
    "render_training_pool",
    "train_estimator",
]

ESTIMATOR_SIZES = (16, 32, 64)
FEATURE_DIM = 128
TRAIN_SEED = 20261130  # seed of the estimator's training stream (never a data seed of a run)
_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def _check_size(image_size):
    if image_size not in ESTIMATOR_SIZES:
        raise ValueError(
            f"image_size must be one of {ESTIMATOR_SIZES} for the shapes estimator, "
            f"got {image_size!r}."
        )
    return int(image_size)


def _widths(image_size):
    """Channels of the stride-2 stages: 64 at the last, halving towards the input, at least 16."""
    stages = int(math.log2(image_size // 4))
    return [max(16, 64 >> (stages - 1 - i)) for i in range(stages)]


def build_estimator_model(image_size, seed=0):
    """The estimator CNN for S×S×3 images; outputs a dict (features, shape, colour, factors).

    Every initializer is seeded from ``seed``, so building one (as ``evaluate`` and
    ``--eval_every`` do) draws nothing from Keras's global random state: scoring a run never
    changes what it trains.
    """
    s = _check_size(image_size)
    seeds = iter(range(seed * 100, seed * 100 + 100))

    def layer(cls, *args, **kwargs):
        init = keras.initializers.GlorotUniform(seed=next(seeds))
        return cls(*args, kernel_initializer=init, **kwargs)

    images = keras.Input((s, s, 3), name="images")
    x = images
    for i, width in enumerate(_widths(s)):
        x = layer(keras.layers.Conv2D, width, 3, strides=2, padding="same", activation="relu",
                  name=f"down{i}")(x)
    x = keras.layers.Flatten()(x)
    features = layer(keras.layers.Dense, FEATURE_DIM, activation="relu", name="features")(x)
    outputs = {
        "features": features,
        "shape": layer(keras.layers.Dense, len(shapes_data.SHAPE_NAMES), name="shape")(features),
        "colour": layer(keras.layers.Dense, len(shapes_data.PALETTE), name="colour")(features),
        "factors": layer(keras.layers.Dense, 3, name="factors")(features),
    }
    return keras.Model(images, outputs, name=f"shapes_estimator_{s}px")


def render_training_pool(image_size, num_images, seed, chunk=1000):
    """The training images, a pure function of the arguments: (uint8 images, targets).

    Factors drawn as ``make_shapes`` draws them; every other image is rendered with
    anti-aliased edges (4×4 supersampling). Stored as uint8 (p = 127.5·(x + 1), rounded).
    """
    factors = shapes_data.draw_factors(np.random.default_rng([seed, image_size]), num_images)
    shape, colour, x, y, size = (factors[k] for k in ("shape", "colour", "x", "y", "size"))
    s = image_size
    pool = np.empty((num_images, s, s, 3), np.uint8)
    for start in range(0, num_images, chunk):
        sl = slice(start, start + chunk)
        args = (shape[sl], colour[sl], x[sl], y[sl], size[sl])
        if (start // chunk) % 2:
            big = shapes_data.render_shapes(*args, 4 * s)
            images = big.reshape(-1, s, 4, s, 4, 3).mean(axis=(2, 4))
        else:
            images = shapes_data.render_shapes(*args, s)
        pool[sl] = np.rint((images + 1.0) * 127.5).astype(np.uint8)
    targets = {"shape": shape, "colour": colour, "factors": np.stack([x, y, size], axis=1)}
    return pool, targets


def train_estimator(image_size, *, steps=4000, batch_size=64, pool_size=20000, seed=TRAIN_SEED,
                    learning_rate=2e-3, verbose=False):
    """Trains the estimator for ``image_size`` from ``seed``; returns the Keras model.

    ``pool_size`` images from ``render_training_pool``; each step takes a random batch of
    them with fresh N(0, σ²) pixel noise, σ ~ U(0, 0.1) per image. Adam(learning_rate) with
    a cosine decay to 0 over ``steps``.
    """
    import tensorflow as tf

    s = _check_size(image_size)
    pool, targets = render_training_pool(s, pool_size, seed)
    model = build_estimator_model(s, seed)
    optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, steps))
    scale = float(s)  # factor error measured in pixels

    @tf.function
    def train_step(images, shape, colour, factors):
        with tf.GradientTape() as tape:
            out = model(images, training=True)
            loss = (
                tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(shape, out["shape"]))
                + tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(colour, out["colour"]))
                + 0.1 * tf.reduce_mean(tf.reduce_sum(tf.square((out["factors"] - factors) * scale), -1))
            )
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)
        return loss

    rng = np.random.default_rng([seed, s, 1])
    for step in range(steps):
        index = rng.integers(0, pool_size, size=batch_size)
        sigma = rng.uniform(0.0, 0.1, size=(batch_size, 1, 1, 1))
        images = pool[index] / np.float32(127.5) - 1.0
        images = (images + sigma * rng.standard_normal(images.shape)).astype(np.float32)
        loss = train_step(images, targets["shape"][index], targets["colour"][index],
                          targets["factors"][index])
        if verbose and (step % 500 == 0 or step == steps - 1):
            print(f"estimator {s}px step {step}: loss {float(loss):.4f}", flush=True)
    return model


def estimator_weights_path(image_size):
    return _WEIGHTS_DIR / f"shapes_estimator_{_check_size(image_size)}px.weights.h5"


class ShapesEstimator:
    """A trained factor estimator; also the ``shapes`` feature extractor (``__call__``).

    Args:
        model: the Keras model of ``build_estimator_model`` with trained weights.
        batch_size: images per forward pass.
    """

    name = "shapes"
    feature_dim = FEATURE_DIM
    comparable = True  # the same shipped weights for every user

    def __init__(self, model, batch_size=500):
        self.model = model
        self.image_size = int(model.input_shape[1])
        self.batch_size = int(batch_size)
        self._forward = None

    def _outputs(self, images):
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(
                f"images must have shape [N, {self.image_size}, {self.image_size}, 3] for the "
                f"{self.image_size}px shapes estimator, got {images.shape}."
            )
        if self._forward is None:
            import tensorflow as tf

            self._forward = tf.function(
                lambda x: self.model(x, training=False), reduce_retracing=True)
        parts = [self._forward(images[i:i + self.batch_size])
                 for i in range(0, len(images), self.batch_size)]
        return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}

    def predict(self, images):
        """Factor estimates: dict of [N] arrays (shape, colour, x, y, size) plus probabilities.

        ``shape_probs`` [N, 3] and ``colour_probs`` [N, 6] are softmaxes of the heads.
        """
        out = self._outputs(images)
        factors = out["factors"].astype(np.float32)
        return {
            "shape": out["shape"].argmax(-1).astype(np.int32),
            "colour": out["colour"].argmax(-1).astype(np.int32),
            "x": factors[:, 0], "y": factors[:, 1], "size": factors[:, 2],
            "shape_probs": _softmax(out["shape"]),
            "colour_probs": _softmax(out["colour"]),
            "features": out["features"].astype(np.float64),
        }

    def __call__(self, images):
        """Features [N, 128] (float64) of images [N, S, S, 3] in [−1, 1]."""
        return self._outputs(images)["features"].astype(np.float64)


def _softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@functools.lru_cache(maxsize=None)
def _load_cached(image_size, path):
    model = build_estimator_model(image_size)
    model.load_weights(path)
    return ShapesEstimator(model)


def load_estimator(image_size, weights=None):
    """The shipped estimator for ``image_size`` (or one from a ``weights`` file); cached."""
    s = _check_size(image_size)
    path = Path(weights) if weights else estimator_weights_path(s)
    if not path.exists():
        raise FileNotFoundError(
            f"shapes estimator weights {path} not found; run "
            f"`python experiments/train_shapes_estimator.py --image_size={s}` to make them."
        )
    return _load_cached(s, str(path))

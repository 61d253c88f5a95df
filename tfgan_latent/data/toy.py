"""Two-dimensional toy data sets: the 8-Gaussian ring, the 25-Gaussian grid and the Swiss roll.

Each set has two samplers that draw from the same distribution:

* a numpy reference sampler (``sample_ring8``, ``sample_grid25``, ``sample_swiss_roll``) for
  evaluation, plots and tests, seeded with ``np.random.default_rng(seed)``;
* a TensorFlow sampler, :func:`toy_batch`, for the training stream. It uses only
  ``tf.random.stateless_*`` ops keyed on ``(seed, step)``, so batch ``step`` is a pure function of
  the two integers. A resumed run therefore sees exactly the batches the uninterrupted run would
  have seen, and the sampler runs inside ``tf.data.Dataset.map``.

Both samplers use equal mixture weights for the Gaussian sets. The two streams are not
bit-identical to each other (numpy and Philox are different generators); they agree in
distribution.
"""
import math

import numpy as np
import tensorflow as tf

TOY_DATASETS = ("ring8", "grid25", "swiss_roll")

# Default parameters of each toy set; every key here is also the name of a keyword argument.
TOY_DEFAULTS = {
    # RFGAN §4.1: "each distribution has standard deviation = 0.1"; the radius is not given, 2 is
    # the radius of Metz et al. 2016 (unrolled GAN), whose own σ is 0.02.
    "ring8": {"radius": 2.0, "std": 0.1},
    # BEGAN-CS §4.6 uses the VEEGAN grid: means {-4,-2,0,2,4}², σ = 0.05 (VEEGAN / PacGAN config).
    "grid25": {"spacing": 2.0, "std": 0.05},
    # Growing thesis §7.1: scikit-learn Swiss roll with Gaussian noise of standard deviation 0.5.
    "swiss_roll": {"noise": 0.5},
}

_RNG_ALG = "philox"  # fixed so that the stream is the same on CPU and GPU


def ring8_centres(radius=2.0):
    """Means of the 8-Gaussian ring: ``radius · (cos 2πk/8, sin 2πk/8)`` for k = 0..7.

    Reference: RFGAN (Bang & Shim 2018) §4.1, which gives σ = 0.1 and no radius. The radius 2
    follows Metz et al. 2016 (unrolled GAN), the set's source; Metz used σ = 0.02, which
    ``sample_ring8(std=0.02)`` reproduces.

    Args:
        radius: radius of the ring.

    Returns:
        float64 array of shape [8, 2].
    """
    angles = 2.0 * np.pi * np.arange(8) / 8.0
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def grid25_centres(spacing=2.0):
    """Means of the 25-Gaussian grid: ``{-2s, -s, 0, s, 2s}²`` with s = ``spacing``.

    With the default spacing 2 the means are {−4, −2, 0, 2, 4}², the VEEGAN grid that BEGAN-CS
    §4.6 (Fig. 7) trains on. Row ``5·i + j`` holds ``(v[i], v[j])``.

    Args:
        spacing: distance between neighbouring means.

    Returns:
        float64 array of shape [25, 2].
    """
    values = spacing * np.arange(-2, 3, dtype=np.float64)
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def _sample_mixture(centres, n, std, seed):
    rng = np.random.default_rng(seed)
    component = rng.integers(0, len(centres), size=n)
    points = centres[component] + std * rng.standard_normal((n, 2))
    return points.astype(np.float32)


def sample_ring8(n, *, radius=2.0, std=0.1, seed):
    """Draws ``n`` points from the 8-Gaussian ring (equal weights, isotropic σ = ``std``).

    Reference: RFGAN §4.1 (see :func:`ring8_centres`).

    Returns:
        float32 array of shape [n, 2].
    """
    return _sample_mixture(ring8_centres(radius), n, std, seed)


def sample_grid25(n, *, spacing=2.0, std=0.05, seed):
    """Draws ``n`` points from the 25-Gaussian grid (equal weights, isotropic σ = ``std``).

    Reference: BEGAN-CS §4.6 and the VEEGAN grid protocol (σ = 0.05).

    Returns:
        float32 array of shape [n, 2].
    """
    return _sample_mixture(grid25_centres(spacing), n, std, seed)


def sample_swiss_roll(n, *, noise=0.5, seed):
    """Draws ``n`` points of the 2-D Swiss roll used in the growing thesis §7.1.

    The scikit-learn ``make_swiss_roll`` construction: t = 1.5π(1 + 2U) with U ~ U(0, 1),
    (x, y, z) = (t cos t, 21 U, t sin t), plus N(0, noise²) on all three coordinates; the columns
    (x, z) are kept. With the thesis's noise 0.5 the points lie in about x ∈ [−9.5, 12.6],
    z ∈ [−11, 14.1].

    Returns:
        float32 array of shape [n, 2].
    """
    rng = np.random.default_rng(seed)
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.uniform(size=n))
    # The y column (21 U plus noise) is drawn in sklearn but dropped, so it is not drawn here.
    eps = noise * rng.standard_normal((n, 2))
    points = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) + eps
    return points.astype(np.float32)


def _check_toy_name(name):
    if name not in TOY_DATASETS:
        raise ValueError(f"Unknown toy data set {name!r}; expected one of {TOY_DATASETS}.")


def _resolve_params(name, params):
    _check_toy_name(name)
    defaults = TOY_DEFAULTS[name]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {unknown} for toy data set {name!r}; "
            f"expected some of {sorted(defaults)}."
        )
    return {**defaults, **params}


def toy_modes(name, **params):
    """Returns ``(centres [K, 2] float64, std)`` of a Gaussian toy set, for the mode metrics.

    Args:
        name: "ring8" or "grid25".
        **params: the set's parameters (``radius``/``spacing`` and ``std``), defaults as in
            ``TOY_DEFAULTS``.

    Raises:
        ValueError: for "swiss_roll", which is a continuous manifold with no modes, and for
            unknown names or parameters.
    """
    params = _resolve_params(name, params)
    if name == "ring8":
        return ring8_centres(params["radius"]), float(params["std"])
    if name == "grid25":
        return grid25_centres(params["spacing"]), float(params["std"])
    raise ValueError(
        f"Toy data set {name!r} has no discrete modes, so mode metrics do not apply to it; "
        "modes exist only for 'ring8' and 'grid25'."
    )


def toy_batch(name, batch_size, seed, step, **params):
    """One training batch of a toy set, a pure function of ``(name, seed, step, params)``.

    The batch is drawn with ``tf.random.stateless_*`` ops (Philox) whose key is derived from the
    pair ``(seed, step)``, so it can be recomputed at any step without drawing the earlier ones.

    Args:
        name: one of ``TOY_DATASETS``.
        batch_size: number of points (a Python int).
        seed: integer seed of the whole stream (Python int or int tensor).
        step: batch index (Python int or int64 tensor, e.g. from ``Dataset.counter``).
        **params: the set's parameters (see ``TOY_DEFAULTS``).

    Returns:
        float32 tensor of shape [batch_size, 2].
    """
    params = _resolve_params(name, params)
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(step, tf.int64)])
    key_a, key_b = tf.unstack(tf.random.experimental.stateless_split(key, num=2, alg=_RNG_ALG))
    gaussian = tf.random.stateless_normal([batch_size, 2], seed=key_b, alg=_RNG_ALG)
    if name == "swiss_roll":
        u = tf.random.stateless_uniform([batch_size], seed=key_a, alg=_RNG_ALG)
        t = 1.5 * math.pi * (1.0 + 2.0 * u)
        roll = tf.stack([t * tf.cos(t), t * tf.sin(t)], axis=1)
        return roll + tf.cast(params["noise"], tf.float32) * gaussian
    centres, std = toy_modes(name, **params)
    component = tf.random.stateless_uniform(
        [batch_size], seed=key_a, minval=0, maxval=len(centres), dtype=tf.int32, alg=_RNG_ALG
    )
    means = tf.gather(tf.constant(centres, tf.float32), component)
    return means + tf.cast(std, tf.float32) * gaussian

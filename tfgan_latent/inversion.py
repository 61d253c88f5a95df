"""Generator inversion: find z with G(z) ≈ x for every image x, by projected Adam.

One mechanism for two papers: the latent-dimension study's reconstruction error (its Eq. 5:
z* = argmin ‖G(z) − x‖² s.t. ‖z‖² ≤ d + 3√(2d), "projected ADAM", 10,000 steps, Adam's default
hyperparameters; ``research/latent_dim.md`` §1.4) and BEGAN-CS's z*-search baseline (Chang et
al. 2018 §4.5 and App. A: gradient descent on ‖G(z) − x*‖ for 10,000 iterations, which the
one-shot z* = Enc(x*) replaces).

What the code minimises: for each image, its mean squared error
mse_i(z_i) = ‖G(z_i) − x_i‖² / D (the mean over the image's D pixel values), i.e. Eq. 5's squared
norm divided by D, which is the paper's plotted "reconstruction error" (§5.3). The minimiser is
the same as that of ‖G(z) − x‖² and of the unsquared ‖G(z) − x‖; Adam's step is invariant to
the factor 1/D up to its ε. Every image has its own z and its own Adam moments; the gradient is
taken of the *sum* over images of mse_i, so the gradient for z_i is that of image i's error
alone and the result does not depend on which other images share the batch, nor on their order.
The whole optimisation is one compiled ``tf.while_loop`` (no per-step host work); the generator
runs in inference mode and its variables are never written.

The Adam step is the "epsilon-hat" form of TF's Adam (Kingma & Ba 2015, §2 end):
a_t = lr·√(1−β2ᵗ)/(1−β1ᵗ), z ← Π(z − a_t·m_t/(√v_t + ε)), ε = 1e-8 (TF1's ``AdamOptimizer``,
the paper's era; Keras's default is 1e-7). Π is applied after every step:

* ``"ball"``: z·min(1, r/‖z‖), r(d) = √(d + k√(2d)) with k = ``num_sigmas`` = 3 (Eq. 5; the
  squared norm of z ~ N(0, I_d) is χ²_d with mean d and variance 2d). Projected Adam is not
  the exact constrained optimum when the bound is active (its fixed point has m/(√v+ε), not
  the gradient, parallel to z: ``research/latent_dim.md`` §3.1.4); this is the paper's method
  as written.
* ``"box"``: clip to [−1, 1] (a U(−1, 1) prior, e.g. BEGAN's; the "standard clipping" of
  Lipton & Tripathi 2017).
* ``"none"``: unconstrained (the paper's Eq. 4).

Where the search starts (``start``, ``STARTS``):

* ``"zero"``: z₀ = 0, the paper's (Fig. 2 caption: "a clear optimization path from z0 = 0";
  §4.2 states no initialisation and no restarts).
* ``"random"``: one draw from the prior (N(0, I) for the ball and "none", U(−1, 1) for the box),
  seeded.
* ``"best_of_k"``: ``k`` such draws per image, each optimised on its own; the one with the lowest
  final error is kept per image (restarts keeping the lowest loss: ``research/latent_dim.md``
  §4.3; not in the paper, which uses one start).
* ``"auto"`` (default): ``"zero"`` for every image whose error has a vanishing gradient at z = 0,
  else ``"best_of_k"`` for that image, with a logged warning. A generator whose G(0) is saturated
  (every pre-tanh unit far negative, or every ReLU after the first layer dead at z = 0, as in the
  demo DCGAN) has ∂mse/∂z = 0 there and projected Adam from 0 never moves. "Vanishing" is
  max_j |∂mse_i/∂z_j| ≤ ``vanishing_gradient`` (default 1e-8, Adam's ε: below it Adam's first
  steps shrink to about lr·|g|/ε, Kingma & Ba 2015 §2.1, so z moves less than the learning rate
  per step). With a non-saturated G, ``"auto"`` is the paper's ``"zero"`` exactly.
"""
import dataclasses
import math

import keras
from absl import logging
import numpy as np
import tensorflow as tf

PROJECTIONS = ("ball", "box", "none")
STARTS = ("auto", "zero", "random", "best_of_k")
PRIORS = ("normal", "uniform")
DEFAULT_START_K = 4  # random starts per image of "best_of_k" (and of "auto" where 0 stalls)
VANISHING_GRADIENT = 1e-8  # Adam's ε (TF1): below it Adam's steps shrink (module docstring)


def latent_ball_radius(dim, num_sigmas=3.0):
    """r(d) = √(d + k√(2d)): the mean plus k standard deviations of χ²_d, square-rooted (Eq. 5)."""
    if not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"`dim` must be a positive int, got {dim!r}.")
    if num_sigmas < 0:
        raise ValueError(f"`num_sigmas` must be >= 0, got {num_sigmas!r}.")
    return math.sqrt(dim + num_sigmas * math.sqrt(2.0 * dim))


def project(z, projection="ball", radius=None):
    """Π(z) row-wise: the ball of ``radius``, the box [−1, 1], or nothing (``"none"``)."""
    z = tf.convert_to_tensor(z, tf.float32)
    if projection == "ball":
        norm = tf.norm(z, axis=-1, keepdims=True)
        return z * tf.minimum(1.0, radius / tf.maximum(norm, 1e-30))
    if projection == "box":
        return tf.clip_by_value(z, -1.0, 1.0)
    if projection == "none":
        return z
    raise ValueError(f"`projection` must be one of {PROJECTIONS}, got {projection!r}.")


def generator_function(generator, output_key=None):
    """``z → images`` for a Keras generator, a loaded SavedModel or one of its signatures.

    A SavedModel (``tf.saved_model.load(dir)``) contributes its ``serving_default`` signature,
    called with ``z=`` and read at ``output_key`` (default: its only output).
    """
    if isinstance(generator, keras.Model):
        return lambda z: generator(z, training=False)
    signature = generator
    if hasattr(generator, "signatures"):
        if "serving_default" not in generator.signatures:
            raise ValueError("the SavedModel has no `serving_default` signature.")
        signature = generator.signatures["serving_default"]
    if not callable(signature):
        raise ValueError(f"`generator` must be a keras.Model, a loaded SavedModel or a "
                         f"callable, got {type(generator).__name__}.")
    if hasattr(signature, "structured_outputs"):
        keys = sorted(signature.structured_outputs)
        if output_key is None:
            if len(keys) != 1:
                raise ValueError(f"the signature has outputs {keys}; pass `output_key`.")
            output_key = keys[0]

        def call(z):
            return signature(z=z)[output_key]
        return call
    return signature


@dataclasses.dataclass
class Inversion:
    """What ``invert`` returns (numpy).

    Attributes:
        z: the final latents ``[N, d]`` (projected).
        mse: per-image mean squared error of G(z) against the image, ``[N]``, on the images'
            scale ([−1, 1] images: the latent-dimension paper's "reconstruction error").
        trace: the mean over images of the per-image error before each step, ``[steps]`` (of
            the start kept for each image).
        reconstructions: G(z), ``[N, ...]``.
        start: the start each image's z came from, ``[N]`` strings: ``"zero"``, ``"random"``,
            ``"best_of_k"`` or ``"given"`` (``z0``).
        stalled: ``[N]`` bool, True where the error's gradient vanished at z = 0 (only checked
            by ``start="auto"``; False otherwise).
    """

    z: np.ndarray
    mse: np.ndarray
    trace: np.ndarray
    reconstructions: np.ndarray
    start: np.ndarray = None
    stalled: np.ndarray = None


class Inverter:
    """A compiled projected-Adam inversion loop for one generator (reused across calls).

    Args: as ``invert``. ``latent_dim`` is needed for a SavedModel signature or a callable
    (a Keras generator knows it). ``prior``: what ``"random"`` / ``"best_of_k"`` starts draw
    from, ``"normal"`` (N(0, I)) or ``"uniform"`` (U(−1, 1)); default: uniform for the box
    projection, else normal.
    """

    def __init__(self, generator, *, latent_dim=None, learning_rate=1e-3, projection="ball",
                 num_sigmas=3.0, beta_1=0.9, beta_2=0.999, epsilon=1e-8, output_key=None,
                 jit_compile=False, prior=None, vanishing_gradient=VANISHING_GRADIENT):
        if projection not in PROJECTIONS:
            raise ValueError(f"`projection` must be one of {PROJECTIONS}, got {projection!r}.")
        prior = prior or ("uniform" if projection == "box" else "normal")
        if prior not in PRIORS:
            raise ValueError(f"`prior` must be one of {PRIORS}, got {prior!r}.")
        if latent_dim is None:
            if not isinstance(generator, keras.Model):
                raise ValueError("`latent_dim` is required for a SavedModel or a callable.")
            latent_dim = int(generator.inputs[0].shape[-1])
        for name, value in (("learning_rate", learning_rate), ("epsilon", epsilon)):
            if not value > 0:
                raise ValueError(f"`{name}` must be > 0, got {value!r}.")
        for name, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= value < 1:
                raise ValueError(f"`{name}` must be in [0, 1), got {value!r}.")
        if not vanishing_gradient >= 0:
            raise ValueError(f"`vanishing_gradient` must be >= 0, got {vanishing_gradient!r}.")
        self.latent_dim = int(latent_dim)
        self.projection, self.prior = projection, prior
        self.radius = latent_ball_radius(self.latent_dim, num_sigmas)
        self.learning_rate, self.beta_1, self.beta_2 = learning_rate, beta_1, beta_2
        self.epsilon, self.vanishing_gradient = epsilon, float(vanishing_gradient)
        self._generate = generator_function(generator, output_key)
        # Batch sizes differ between calls (a 1-image warm-up, N images, k·N starts):
        # reduce_retracing traces one shape-generic graph after the second shape instead of
        # one graph per batch size.
        self._loop = tf.function(self._run, jit_compile=jit_compile, reduce_retracing=True)
        self._start_gradient = tf.function(self._gradient_at, reduce_retracing=True)
        self._warned = False  # the stalled-start warning is logged once per generator

    def _errors(self, z, images):
        fake = tf.cast(self._generate(z), tf.float32)
        axes = list(range(1, len(images.shape)))
        return tf.reduce_mean(tf.square(fake - images), axis=axes), fake

    def _gradient_at(self, z, images):
        with tf.GradientTape() as tape:
            tape.watch(z)
            total = tf.reduce_sum(self._errors(z, images)[0])
        return tape.gradient(total, z)

    def _run(self, z, images, steps):
        b1, b2 = tf.constant(self.beta_1, tf.float32), tf.constant(self.beta_2, tf.float32)
        lr, eps = tf.constant(self.learning_rate, tf.float32), tf.constant(self.epsilon, tf.float32)
        trace = tf.TensorArray(tf.float32, size=steps)

        def body(t, z, m, v, trace):
            with tf.GradientTape() as tape:
                tape.watch(z)
                errors, _ = self._errors(z, images)
                total = tf.reduce_sum(errors)
            # A SavedModel signature takes z as [None, d]: its gradient loses the static batch
            # size, which the while loop's carried z must keep.
            g = tf.ensure_shape(tape.gradient(total, z), z.shape)
            m = b1 * m + (1.0 - b1) * g
            v = b2 * v + (1.0 - b2) * tf.square(g)
            step = tf.cast(t + 1, tf.float32)
            a = lr * tf.sqrt(1.0 - tf.pow(b2, step)) / (1.0 - tf.pow(b1, step))
            z = project(z - a * m / (tf.sqrt(v) + eps), self.projection, self.radius)
            return t + 1, z, m, v, trace.write(t, errors)

        zeros = tf.zeros_like(z)
        _, z, _, _, trace = tf.while_loop(
            lambda t, *_: t < steps, body, (tf.constant(0), z, zeros, zeros, trace))
        errors, fake = self._errors(z, images)
        return z, errors, trace.stack(), fake

    def stalled_at_zero(self, images, batch_size=None):
        """``[N]`` bool: True where image i's error has a vanishing gradient at z = 0."""
        images = np.asarray(images, dtype=np.float32)
        batch_size = batch_size or len(images)
        grads = np.concatenate([self._start_gradient(
            tf.zeros((len(images[i:i + batch_size]), self.latent_dim)),
            tf.constant(images[i:i + batch_size])).numpy()
            for i in range(0, len(images), batch_size)])
        return np.abs(grads).max(axis=1) <= self.vanishing_gradient

    def draw_starts(self, k, n, seed):
        """``[k, n, d]`` draws from the prior, a function of ``seed`` (numpy's PCG64)."""
        rng = np.random.default_rng(seed)
        shape = (k, n, self.latent_dim)
        if self.prior == "uniform":
            return rng.uniform(-1.0, 1.0, shape).astype(np.float32)
        return rng.standard_normal(shape).astype(np.float32)

    def __call__(self, images, *, steps=10_000, z0=None, batch_size=None, start="auto",
                 k=DEFAULT_START_K, seed=0):
        images = np.asarray(images, dtype=np.float32)
        if images.ndim < 2 or len(images) == 0:
            raise ValueError(f"`images` must be a non-empty batch [N, ...], got shape {images.shape}.")
        if not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError(f"`steps` must be a positive int, got {steps!r}.")
        if start not in STARTS:
            raise ValueError(f"`start` must be one of {STARTS}, got {start!r}.")
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"`k` (random starts per image) must be a positive int, got {k!r}.")
        n = len(images)
        stalled = np.zeros(n, bool)
        # Candidate starts as (image index, z0, label); each is optimised on its own and the
        # lowest final error per image is kept.
        if z0 is not None:
            z0 = np.asarray(z0, dtype=np.float32)
            if z0.shape != (n, self.latent_dim):
                raise ValueError(f"`z0` must have shape {(n, self.latent_dim)} (one latent per "
                                 f"image), got {z0.shape}.")
            index, starts, labels = np.arange(n), z0, np.full(n, "given")
        elif start == "zero":
            index, starts = np.arange(n), np.zeros((n, self.latent_dim), np.float32)
            labels = np.full(n, "zero")
        elif start in ("random", "best_of_k"):
            k = 1 if start == "random" else int(k)
            index, starts = np.tile(np.arange(n), k), self.draw_starts(k, n, seed).reshape(k * n, -1)
            labels = np.full(n, start)
        else:  # auto
            stalled = self.stalled_at_zero(images, batch_size)
            keep = np.nonzero(~stalled)[0]
            stuck = np.nonzero(stalled)[0]
            labels = np.where(stalled, "best_of_k", "zero")
            index = np.concatenate([keep, np.tile(stuck, int(k))])
            draws = self.draw_starts(int(k), n, seed)[:, stuck].reshape(-1, self.latent_dim)
            starts = np.concatenate([np.zeros((len(keep), self.latent_dim), np.float32), draws])
            if len(stuck) and not self._warned:
                self._warned = True
                logging.warning(
                    "inversion: the error's gradient vanishes at z = 0 for %d of %d images "
                    "(max |∂mse/∂z| <= %g: G(0) is saturated, so projected Adam from z0 = 0 would "
                    "not move); those images start from the best of %d random draws from the "
                    "%s prior instead (start='best_of_k'; pass start='zero' for the paper's "
                    "start).", len(stuck), n, self.vanishing_gradient, int(k), self.prior)
        z, mse, trace, fake = self._optimise(images, index, starts, int(steps), batch_size)
        best = np.empty(n, np.int64)
        for i in range(n):
            candidates = np.nonzero(index == i)[0]
            best[i] = candidates[np.argmin(mse[candidates])]
        return Inversion(z=z[best], mse=mse[best], trace=trace[:, best].mean(axis=1),
                         reconstructions=fake[best], start=labels, stalled=stalled)

    def _optimise(self, images, index, z0, steps, batch_size):
        """Projected Adam from each row of ``z0`` towards ``images[index]``, in batches."""
        z0 = project(z0, self.projection, self.radius)
        batch_size = batch_size or len(index)
        parts = []
        for begin in range(0, len(index), batch_size):
            sl = slice(begin, begin + batch_size)
            parts.append(self._loop(z0[sl], tf.constant(images[index[sl]]), tf.constant(steps)))
        z, mse, fake = (np.concatenate([p[i].numpy() for p in parts]) for i in (0, 1, 3))
        trace = np.concatenate([p[2].numpy() for p in parts], axis=1)  # [steps, candidates]
        return z, mse, trace, fake


def invert(generator, images, *, steps=10_000, learning_rate=1e-3, z0=None, projection="ball",
           num_sigmas=3.0, latent_dim=None, batch_size=None, output_key=None, start="auto",
           k=DEFAULT_START_K, seed=0, prior=None, **adam):
    """Inverts ``generator`` on ``images`` by projected Adam (module docstring); an ``Inversion``.

    Minimises each image's mean squared error ‖G(z) − x‖²/D (D values per image) over z in the
    projection's set.

    Args:
        generator: a Keras generator ``z → images``, a loaded SavedModel (its
            ``serving_default`` with input ``z``), or a callable.
        images: ``[N, ...]`` in the generator's output range.
        steps: Adam steps (the paper: 10,000).
        learning_rate: Adam's step size (the paper: Adam's default 1e-3).
        z0: start latents ``[N, d]`` (overrides ``start``).
        projection: ``"ball"`` (Eq. 5), ``"box"`` or ``"none"``.
        num_sigmas: k of the ball radius √(d + k√(2d)).
        batch_size: starts per compiled call (memory only; results do not depend on it).
        start: one of ``STARTS`` (module docstring): ``"auto"`` (z₀ = 0 unless the gradient
            vanishes there, then ``"best_of_k"``), ``"zero"`` (the paper's Fig. 2), ``"random"``
            or ``"best_of_k"``.
        k: random starts per image of ``"best_of_k"``.
        seed: seed of the random starts.
        prior: ``"normal"`` or ``"uniform"`` (default: uniform for the box, else normal).
        **adam: ``beta_1``, ``beta_2``, ``epsilon``, ``jit_compile``, ``vanishing_gradient``.
    """
    inverter = Inverter(generator, latent_dim=latent_dim, learning_rate=learning_rate,
                        projection=projection, num_sigmas=num_sigmas, output_key=output_key,
                        prior=prior, **adam)
    return inverter(images, steps=steps, z0=z0, batch_size=batch_size, start=start, k=k,
                    seed=seed)


# ------------------------------------------------ walks between (inverted) latent codes
def slerp(t, low, high):
    """Spherical interpolation between rows of ``low`` and ``high`` at fraction ``t``.

    Falls back to linear interpolation where the two are parallel (sin ω = 0), as the authors'
    ``slerp`` (BEGAN-CS authors' code, after dcgan.torch issue 14).
    """
    low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
    unit = lambda v: v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-30)
    omega = np.arccos(np.clip(np.sum(unit(low) * unit(high), axis=-1, keepdims=True), -1, 1))
    so = np.sin(omega)
    safe = np.where(so == 0, 1.0, so)
    spherical = np.sin((1.0 - t) * omega) / safe * low + np.sin(t * omega) / safe * high
    return np.where(so == 0, (1.0 - t) * low + t * high, spherical)


def traverse(z, dim, values=tuple(range(-5, 6))):
    """Copies of each row of ``z`` with coordinate ``dim`` set to each of ``values``.

    BEGAN-CS (Chang et al. 2018) §4.7 / Figs. 9, 10, 13: values −5 … 5 in steps of 1 (outside the U(−1, 1) prior).
    Returns [N, len(values), d].
    """
    z = np.asarray(z, np.float32)
    if not 0 <= dim < z.shape[-1]:
        raise ValueError(f"`dim` must be in [0, {z.shape[-1]}), got {dim!r}.")
    out = np.repeat(z[:, None, :], len(values), axis=1)
    out[:, :, dim] = np.asarray(values, np.float32)
    return out

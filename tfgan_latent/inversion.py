"""Generator inversion: find z with G(z) ≈ x for every image x, by projected Adam.

One mechanism for two papers: the latent-dimension study's reconstruction error (its Eq. 5:
z* = argmin ‖G(z) − x‖² s.t. ‖z‖² ≤ d + 3√(2d), "projected ADAM", 10,000 steps, Adam's default
hyperparameters; ``research/latent_dim.md`` §1.4) and BEGAN-CS's z*-search baseline (Chang et
al. 2018 §4.5 and App. A: gradient descent on ‖G(z) − x*‖ for 10,000 iterations, which the
one-shot z* = Enc(x*) replaces).

Every image has its own z and its own Adam moments; the minimised objective is the *sum* of the
per-image mean squared errors, so the gradient for z_i is that of image i's error alone and the
result does not depend on which other images share the batch, nor on their order. The whole
optimisation is one compiled ``tf.while_loop`` (no per-step host work); the generator runs in
inference mode and its variables are never written.

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
"""
import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf

PROJECTIONS = ("ball", "box", "none")


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
        trace: the mean over images of the per-image error before each step, ``[steps]``.
        reconstructions: G(z), ``[N, ...]``.
    """

    z: np.ndarray
    mse: np.ndarray
    trace: np.ndarray
    reconstructions: np.ndarray


class Inverter:
    """A compiled projected-Adam inversion loop for one generator (reused across calls).

    Args: as ``invert``. ``latent_dim`` is needed for a SavedModel signature or a callable
    (a Keras generator knows it).
    """

    def __init__(self, generator, *, latent_dim=None, learning_rate=1e-3, projection="ball",
                 num_sigmas=3.0, beta_1=0.9, beta_2=0.999, epsilon=1e-8, output_key=None,
                 jit_compile=False):
        if projection not in PROJECTIONS:
            raise ValueError(f"`projection` must be one of {PROJECTIONS}, got {projection!r}.")
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
        self.latent_dim = int(latent_dim)
        self.projection = projection
        self.radius = latent_ball_radius(self.latent_dim, num_sigmas)
        self.learning_rate, self.beta_1, self.beta_2 = learning_rate, beta_1, beta_2
        self.epsilon = epsilon
        self._generate = generator_function(generator, output_key)
        self._loop = tf.function(self._run, jit_compile=jit_compile, reduce_retracing=True)

    def _errors(self, z, images):
        fake = tf.cast(self._generate(z), tf.float32)
        axes = list(range(1, len(images.shape)))
        return tf.reduce_mean(tf.square(fake - images), axis=axes), fake

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
            return t + 1, z, m, v, trace.write(t, tf.reduce_mean(errors))

        zeros = tf.zeros_like(z)
        _, z, _, _, trace = tf.while_loop(
            lambda t, *_: t < steps, body, (tf.constant(0), z, zeros, zeros, trace))
        errors, fake = self._errors(z, images)
        return z, errors, trace.stack(), fake

    def __call__(self, images, *, steps=10_000, z0=None, batch_size=None):
        images = np.asarray(images, dtype=np.float32)
        if images.ndim < 2 or len(images) == 0:
            raise ValueError(f"`images` must be a non-empty batch [N, ...], got shape {images.shape}.")
        if not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError(f"`steps` must be a positive int, got {steps!r}.")
        n = len(images)
        if z0 is None:
            z0 = np.zeros((n, self.latent_dim), np.float32)  # Fig. 2: "path from z0 = 0"
        z0 = np.asarray(z0, dtype=np.float32)
        if z0.shape != (n, self.latent_dim):
            raise ValueError(f"`z0` must have shape {(n, self.latent_dim)} (one latent per "
                             f"image), got {z0.shape}.")
        z0 = project(z0, self.projection, self.radius)
        batch_size = batch_size or n
        parts = []
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            parts.append(self._loop(z0[sl], tf.constant(images[sl]), tf.constant(int(steps))))
        z, mse, _, fake = (np.concatenate([p[i].numpy() for p in parts]) for i in range(4))
        trace = sum(p[2].numpy() * len(p[0]) for p in parts) / n  # mean over all images
        return Inversion(z=z, mse=mse, trace=trace, reconstructions=fake)


def invert(generator, images, *, steps=10_000, learning_rate=1e-3, z0=None, projection="ball",
           num_sigmas=3.0, latent_dim=None, batch_size=None, output_key=None, **adam):
    """Inverts ``generator`` on ``images`` by projected Adam (module docstring); an ``Inversion``.

    Args:
        generator: a Keras generator ``z → images``, a loaded SavedModel (its
            ``serving_default`` with input ``z``), or a callable.
        images: ``[N, ...]`` in the generator's output range.
        steps: Adam steps (the paper: 10,000).
        learning_rate: Adam's step size (the paper: Adam's default 1e-3).
        z0: start latents ``[N, d]``; default zeros (the paper's Fig. 2 "z0 = 0"). A generator
            whose first layer has no bias has a zero gradient at z = 0: pass a random start.
        projection: ``"ball"`` (Eq. 5), ``"box"`` or ``"none"``.
        num_sigmas: k of the ball radius √(d + k√(2d)).
        batch_size: images per compiled call (memory only; results do not depend on it).
        **adam: ``beta_1``, ``beta_2``, ``epsilon``, ``jit_compile``.
    """
    inverter = Inverter(generator, latent_dim=latent_dim, learning_rate=learning_rate,
                        projection=projection, num_sigmas=num_sigmas, output_key=output_key,
                        **adam)
    return inverter(images, steps=steps, z0=z0, batch_size=batch_size)


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

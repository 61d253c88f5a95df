"""Gradient penalties on a critic / discriminator (WGAN-GP, DRAGAN).

A *critic* here is any callable mapping a batch ``x`` of rank >= 2 (``[B, D]``,
``[B, H, W, C]``, ...) to outputs of shape ``[B]`` or ``[B, 1]``, e.g. a
``keras.Model`` or ``lambda x: model(x, training=True)``. For DRAGAN pass the
discriminator's *logit* (pre-sigmoid) output.

A Keras critic (a ``keras.layers.Layer``, models included) is called with ``training=True``
by default: the penalty is part of the discriminator's training loss, and the loss calls D
in training mode (``models.gan.GAN.discriminator_losses_on``), so a D with batch norm must
see batch statistics in its penalty too, not its moving averages (as in the WGAN-GP
authors' BN discriminators: igul222/improved_wgan_training ``gan_64x64.py`` calls the same
``Discriminator`` for loss and penalty, whose ``tflib/ops/batchnorm.py`` ``Batchnorm`` uses
batch statistics when no ``is_training`` is given). ``training=False`` evaluates it in
inference mode; a plain callable decides its mode itself.

The functions use TensorFlow ops only and keep no Python-side state, so they run inside
a compiled ``tf.function`` and under ``tf.distribute``; each penalty returns a float32
scalar that is a plain mean over the local batch (replica scaling is the caller's job).
The input gradient is taken with an inner ``tf.GradientTape``; when called inside an
outer tape over the critic's variables the penalty is differentiable w.r.t. them
(double backprop), as WGAN-GP and DRAGAN training need.

Random draws (interpolation weights, DRAGAN noise) are made by the caller, e.g. with
``keras.random.uniform(..., seed=self.seed_generator)``, so these functions are pure.

Per-sample gradients are obtained as the gradient of ``sum_b critic(x)_b`` w.r.t. ``x``.
That equals the per-sample input gradient only when the critic treats samples
independently; a BatchNormalization layer in training mode couples them (the reference
implementations below compute the same batch-sum gradient in that case).
"""
import keras
import tensorflow as tf

__all__ = [
    "gradient_norm",
    "wasserstein_gradient_penalty",
    "dragan_perturbation",
    "dragan_penalty",
]


def _at_least_float32(x):
    """float16/bfloat16 become float32; float64 stays float64 (a float64 policy: the parity
    tests against the authors' code), as ``losses._as_float32``."""
    return x if x.dtype == tf.float64 else tf.cast(x, tf.float32)


def _check_rank(x, name):
    rank = x.shape.rank
    if rank is None:
        raise ValueError(f"`{name}` must have a known rank (>= 2); got unknown rank.")
    if rank < 2:
        raise ValueError(
            f"`{name}` must have rank >= 2 ([batch, ...features]); got shape {x.shape}."
        )
    return rank


def _per_sample(weights, like):
    """Reshapes per-sample weights of shape ``[B]`` to ``[B, 1, ..., 1]`` like ``like``."""
    weights = tf.cast(tf.convert_to_tensor(weights), like.dtype)
    return tf.reshape(weights, [-1] + [1] * (like.shape.rank - 1))


def _evaluate(critic, x, training):
    """``critic(x)``, in the mode ``training`` when the critic is a Keras layer or model."""
    if isinstance(critic, keras.layers.Layer):
        return critic(x, training=training)
    return critic(x)


def gradient_norm(critic, x, epsilon=1e-10, training=True):
    """Per-sample L2 norm of the critic's input gradient, ``sqrt(sum g^2 + epsilon)``.

    ``g = d(sum_b critic(x)_b) / dx``, and the sum of squares runs over *all* non-batch
    axes of ``x`` (the sample is flattened), as in the reference code of both
    penalties. ``epsilon`` sits inside the square root so the norm, and its gradient
    w.r.t. the critic's weights, stay finite when ``g = 0`` (the square-root bug of the
    keras-io WGAN-GP example, research/anchors.md §0.9; TF-GAN and compare_gan add the
    same epsilon).

    Args:
        critic: callable ``x -> outputs`` of shape ``[B]`` or ``[B, 1]``.
        x: input batch of rank >= 2 (a float tensor or array).
        epsilon: non-negative constant added under the square root.
        training: the mode a Keras critic is called in (module docstring).

    Returns:
        float32 tensor of shape ``[B]``.

    Reference: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Eq. 3
    (``||grad_x D(x)||_2``).
    """
    x = tf.convert_to_tensor(x)
    _check_rank(x, "x")
    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = _evaluate(critic, x, training)
        total = tf.reduce_sum(_at_least_float32(tf.convert_to_tensor(outputs)))
    grads = tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    grads = _at_least_float32(grads)
    grads = tf.reshape(grads, [tf.shape(grads)[0], -1])
    return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + epsilon)


def _unit_norm_penalty(critic, x_hat, weight, epsilon, training):
    norms = gradient_norm(critic, x_hat, epsilon=epsilon, training=training)
    return tf.cast(weight, norms.dtype) * tf.reduce_mean(tf.square(norms - 1.0))


def wasserstein_gradient_penalty(
    critic, real, fake, interpolation_weights, *, weight=10.0, epsilon=1e-10, training=True
):
    """WGAN-GP two-sided gradient penalty, ``weight * mean_b (||grad D(x_hat_b)|| - 1)^2``.

    ``x_hat = u * real + (1 - u) * fake``, with ``u = interpolation_weights`` one value
    per sample, broadcast over the non-batch axes. The caller draws ``u ~ U(0, 1)`` per
    sample (Alg. 1); note that the keras-io WGAN-GP example draws it from a normal
    distribution, which is wrong (research/anchors.md §0.9).

    Args:
        critic: callable ``x -> outputs`` of shape ``[B]`` or ``[B, 1]`` (raw critic output).
        real: real batch, rank >= 2.
        fake: generated batch, same shape as ``real``.
        interpolation_weights: shape ``[B]``, the per-sample ``u`` in ``[0, 1]``.
        weight: penalty coefficient lambda; 10 in Gulrajani et al. §4 / Alg. 1.
        epsilon: constant under the square root of the norm (see :func:`gradient_norm`).
        training: the mode a Keras critic is called in (module docstring).

    Returns:
        float32 scalar, to be added to the critic loss.

    Reference: Gulrajani et al. 2017, Eq. 3 and Alg. 1 (``x_hat = eps x + (1 - eps) x~``,
    ``lambda = 10``).
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(tf.convert_to_tensor(fake), real.dtype)
    _check_rank(real, "real")
    u = _per_sample(interpolation_weights, real)
    x_hat = u * real + (1.0 - u) * fake
    return _unit_norm_penalty(critic, x_hat, weight, epsilon, training)


def dragan_perturbation(real, noise, scale=0.5):
    """DRAGAN perturbation ``delta = scale * std(real) * noise``.

    ``std(real)`` is ONE scalar: the population standard deviation (ddof = 0) over every
    element of the real batch, as in the DRAGAN authors' released code, where
    ``x_p = x + 0.5 * x.std() * U[0, 1)^shape``. The caller draws ``noise`` with the shape
    of ``real``: ``U[0, 1)`` reproduces the released code (one-sided, non-negative
    perturbation), ``N(0, 1)`` gives the paper's Gaussian ``delta ~ N(0, c I)``.

    Args:
        real: real batch, rank >= 2.
        noise: tensor of the shape of ``real``.
        scale: multiplier of the batch std; 0.5 in the released code.

    Returns:
        tensor of the shape and dtype of ``real``; pass it to :func:`dragan_penalty`.

    Reference: Kodali et al. 2017, "On Convergence and Stability of GANs"
    (arXiv:1705.07215), the DRAGAN regulariser on perturbed samples ``x + delta``,
    ``delta ~ N(0, c I)``; released notebook
    kodalinaveen3/DRAGAN ``DRAGAN.ipynb`` (``0.5 * std * U[0, 1)`` form), as summarised
    in research/rfgan.md §1.4.
    """
    real = tf.convert_to_tensor(real)
    _check_rank(real, "real")
    std = tf.math.reduce_std(tf.cast(real, tf.float32))
    noise = tf.cast(tf.convert_to_tensor(noise), tf.float32)
    return tf.cast(scale * std * noise, real.dtype)


def dragan_penalty(
    critic, real, perturbation, interpolation_weights, *, weight=10.0, epsilon=1e-10,
    training=True,
):
    """DRAGAN gradient penalty around the real data, ``weight * mean (||grad D(x_hat)|| - 1)^2``.

    ``x_hat = real + u * perturbation``, i.e. ``x + u (x_p - x)`` with
    ``x_p = x + perturbation`` (see :func:`dragan_perturbation`) and ``u`` one value per
    sample in ``[0, 1)`` broadcast over the non-batch axes (the released code draws
    ``alpha ~ U[0, 1)`` of shape ``[B, 1]``). The gradient is of the discriminator's
    *logit*, and the norm is over all elements of a sample.

    Args:
        critic: callable ``x -> logits`` of shape ``[B]`` or ``[B, 1]``.
        real: real batch, rank >= 2.
        perturbation: ``x_p - x``, same shape as ``real``.
        interpolation_weights: shape ``[B]``, the per-sample ``u``.
        weight: penalty coefficient lambda; 10 in the released code (the RFGAN paper,
            Fig. 5, also runs 0.1).
        epsilon: constant under the square root of the norm (see :func:`gradient_norm`);
            the released code has none, the difference is ``O(epsilon)``.
        training: the mode a Keras critic is called in (module docstring).

    Returns:
        float32 scalar, to be added to the discriminator loss.

    Reference: Kodali et al. 2017, "On Convergence and Stability of GANs"
    (arXiv:1705.07215), the DRAGAN regulariser
    ``lambda E[(||grad_x D(x + delta)|| - k)^2]`` with k = 1; released notebook
    kodalinaveen3/DRAGAN (interpolation toward ``x_p``, lambda = 10).
    """
    real = tf.convert_to_tensor(real)
    perturbation = tf.cast(tf.convert_to_tensor(perturbation), real.dtype)
    _check_rank(real, "real")
    u = _per_sample(interpolation_weights, real)
    x_hat = real + u * perturbation
    return _unit_norm_penalty(critic, x_hat, weight, epsilon, training)

"""Adversarial losses as plain functions over discriminator outputs.

Every function takes discriminator outputs of shape ``[B]`` or ``[B, 1]`` and returns a
float32 scalar: a plain mean over the local batch. Replica scaling under
``tf.distribute`` is the caller's job (the GAN base divides by the number of replicas or
uses ``compute_average_loss``). The functions use ``keras.ops`` only, so they can be
traced inside a compiled ``tf.function`` and hold no Python-side state.

"Logits" means the pre-sigmoid output of the discriminator. Losses over logits are
written with ``softplus`` so they stay finite and exact for large ``|logits|``
(``log sigmoid(l) = -softplus(-l)`` and ``log(1 - sigmoid(l)) = -softplus(l)``).

Naming follows TF-GAN: ``<family>_generator_loss`` / ``<family>_discriminator_loss``.
"""
import keras

__all__ = [
    "non_saturating_generator_loss",
    "non_saturating_discriminator_loss",
    "minimax_generator_loss",
    "least_squares_generator_loss",
    "least_squares_discriminator_loss",
    "wasserstein_generator_loss",
    "wasserstein_discriminator_loss",
]


def _as_float32(x):
    return keras.ops.cast(keras.ops.convert_to_tensor(x), "float32")


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss, ``mean softplus(-l_f) = -mean log D(G(z))``.

    The generator maximises ``log D(G(z))`` instead of minimising ``log(1 - D(G(z)))``,
    which gives strong gradients early in training when D rejects samples confidently.

    Args:
        fake_logits: discriminator logits on generated samples, shape ``[B]`` or ``[B, 1]``.

    Returns:
        float32 scalar, the mean over the batch.

    Reference: Goodfellow et al. 2014, "Generative Adversarial Nets", §3 (the
    ``-log D(G(z))`` trick below Eq. 1).
    """
    fake_logits = _as_float32(fake_logits)
    return keras.ops.mean(keras.ops.softplus(-fake_logits))


def non_saturating_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the standard GAN, as sigmoid cross-entropy.

    ``mean softplus(-l_r) + mean softplus(l_f)``, i.e. ``-mean log D(x) - mean log(1 - D(G(z)))``:
    binary cross-entropy with target 1 on real and 0 on fake, the two terms summed (not
    halved). Stable for large ``|logits|``.

    Args:
        real_logits: discriminator logits on real samples, shape ``[B]`` or ``[B, 1]``.
        fake_logits: discriminator logits on generated samples, shape ``[B]`` or ``[B, 1]``.

    Returns:
        float32 scalar.

    Reference: Goodfellow et al. 2014, Eq. 1 (D maximises
    ``E log D(x) + E log(1 - D(G(z)))``); written as BCE as in the DCGAN code lineage.
    """
    real_logits = _as_float32(real_logits)
    fake_logits = _as_float32(fake_logits)
    return keras.ops.mean(keras.ops.softplus(-real_logits)) + keras.ops.mean(
        keras.ops.softplus(fake_logits)
    )


def minimax_generator_loss(fake_logits):
    """Original (saturating) minimax generator loss, ``mean log(1 - D(G(z)))``.

    Computed as ``-mean softplus(l_f)``; the generator minimises it. It saturates when D
    rejects samples confidently, which is why :func:`non_saturating_generator_loss` is the
    usual choice; pair either with :func:`non_saturating_discriminator_loss`.

    Args:
        fake_logits: discriminator logits on generated samples, shape ``[B]`` or ``[B, 1]``.

    Returns:
        float32 scalar (always ``<= 0``).

    Reference: Goodfellow et al. 2014, Eq. 1 (G minimises ``E log(1 - D(G(z)))``).
    """
    fake_logits = _as_float32(fake_logits)
    return -keras.ops.mean(keras.ops.softplus(fake_logits))


def least_squares_generator_loss(fake_outputs, c=1.0):
    """LSGAN generator loss, ``1/2 mean (D(G(z)) - c)^2``.

    Args:
        fake_outputs: raw (no sigmoid) discriminator outputs on generated samples,
            shape ``[B]`` or ``[B, 1]``.
        c: the value G wants D to believe for fake data. Default 1 (the 0-1 coding
            ``a=0, b=c=1``, §3.2.2, which the LSGAN authors use in their experiments);
            the Pearson-chi^2 coding of Eq. 8 is ``a=-1, b=1, c=0``.

    Returns:
        float32 scalar.

    Reference: Mao et al. 2017, "Least Squares Generative Adversarial Networks", Eq. 2
    (generator part), with the codings of §3.2.2 (Eq. 8 and the 0-1 coding after it).
    """
    fake_outputs = _as_float32(fake_outputs)
    return 0.5 * keras.ops.mean(keras.ops.square(fake_outputs - c))


def least_squares_discriminator_loss(real_outputs, fake_outputs, a=0.0, b=1.0):
    """LSGAN discriminator loss, ``1/2 mean (D(x) - b)^2 + 1/2 mean (D(G(z)) - a)^2``.

    Args:
        real_outputs: raw discriminator outputs on real samples, shape ``[B]`` or ``[B, 1]``.
        fake_outputs: raw discriminator outputs on generated samples, ``[B]`` or ``[B, 1]``.
        a: target label for fake data. Default 0 (the 0-1 coding of Mao et al.
            §3.2.2); ``-1`` for the Pearson-chi^2 coding of Eq. 8.
        b: target label for real data. Default 1 (both codings).

    Returns:
        float32 scalar.

    Reference: Mao et al. 2017, Eq. 2 (discriminator part), codings of §3.2.2.
    """
    real_outputs = _as_float32(real_outputs)
    fake_outputs = _as_float32(fake_outputs)
    return 0.5 * keras.ops.mean(keras.ops.square(real_outputs - b)) + 0.5 * keras.ops.mean(
        keras.ops.square(fake_outputs - a)
    )


def wasserstein_generator_loss(fake_outputs):
    """WGAN generator loss, ``-mean D(G(z))``.

    Args:
        fake_outputs: raw critic outputs on generated samples, shape ``[B]`` or ``[B, 1]``.

    Returns:
        float32 scalar.

    Reference: Arjovsky et al. 2017, "Wasserstein GAN", §3 and Alg. 1 (generator update);
    Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Alg. 1 (generator update).
    """
    fake_outputs = _as_float32(fake_outputs)
    return -keras.ops.mean(fake_outputs)


def wasserstein_discriminator_loss(real_outputs, fake_outputs):
    """WGAN critic loss, ``mean D(G(z)) - mean D(x)`` (no gradient penalty).

    Add :func:`tfgan_latent.penalties.wasserstein_gradient_penalty` for WGAN-GP.

    Args:
        real_outputs: raw critic outputs on real samples, shape ``[B]`` or ``[B, 1]``.
        fake_outputs: raw critic outputs on generated samples, shape ``[B]`` or ``[B, 1]``.

    Returns:
        float32 scalar.

    Reference: Arjovsky et al. 2017, §3 and Alg. 1 (critic update); Gulrajani et al.
    2017, Eq. 3 and Alg. 1 (the first two terms of the critic loss).
    """
    real_outputs = _as_float32(real_outputs)
    fake_outputs = _as_float32(fake_outputs)
    return keras.ops.mean(fake_outputs) - keras.ops.mean(real_outputs)

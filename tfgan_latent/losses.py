"""Adversarial losses as plain functions over discriminator outputs.

Every function takes discriminator outputs of shape ``[B]`` or ``[B, 1]`` and returns a
float32 scalar (float64 for float64 inputs: a float64 dtype policy): a plain mean over the local batch. Replica scaling under
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
    "began_reconstruction_loss",
    "latent_constraint_loss",
    "began_k_update",
    "began_convergence_measure",
]


def _as_float32(x):
    """``x`` as a tensor of at least float32: float16/bfloat16 and ints become float32,
    float64 stays float64 (a float64 policy, e.g. the parity tests against the authors' code)."""
    x = keras.ops.convert_to_tensor(x)
    return x if keras.ops.dtype(x) == "float64" else keras.ops.cast(x, "float32")


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


# ---------------------------------------------------------------- BEGAN / BEGAN-CS
RECONSTRUCTION_NORMS = ("l2_batch", "l1_mean")
CONSTRAINT_NORMS = ("l1_mean", "l2")


def began_reconstruction_loss(inputs, reconstructions, norm="l2_batch"):
    """BEGAN's autoencoder loss L(v) = ‖v − D(v)‖ over a batch.

    ``l2_batch`` (BEGAN-CS authors' code, ``sqrt(2·l2_loss(D(X) − X)) / batch_size``): the
    Frobenius norm of the whole batch's error divided by the batch size B. It is not a
    per-example mean: for a fixed per-example error it scales as 1/√B (a batch repeated 4×
    halves it), so γ, λ_k and α balance differently at another batch size. ``l1_mean``
    (Berthelot et al. 2017 Eq. with η = 1; carpedm20/BEGAN-tensorflow): the per-element mean
    of |v − D(v)|, independent of B.

    Args:
        inputs: the batch v, ``[B, ...]``.
        reconstructions: D(v), same shape.
        norm: ``"l2_batch"`` or ``"l1_mean"``.

    Reference: Chang et al. 2018 (BEGAN-CS) Eq. 3 and §4 ("L2-norm"); Berthelot et al. 2017 §3.1.
    """
    diff = _as_float32(reconstructions) - _as_float32(inputs)
    if norm == "l2_batch":
        batch = keras.ops.cast(keras.ops.shape(diff)[0], diff.dtype)
        return keras.ops.sqrt(keras.ops.sum(keras.ops.square(diff))) / batch
    if norm == "l1_mean":
        return keras.ops.mean(keras.ops.abs(diff))
    raise ValueError(f"`recon_norm` must be one of {RECONSTRUCTION_NORMS}, got {norm!r}.")


CONSTRAINT_L2_EPSILON = 1e-10  # under the l2 norm's square root (latent_constraint_loss)


def latent_constraint_loss(latents, codes, norm="l1_mean"):
    """BEGAN-CS's latent constraint L_c = ‖z − Enc(G(z))‖ (without the weight α).

    ``l1_mean`` (authors' code, ``reduce_mean(abs(D_fake_code − z))``): the mean over batch and
    latent dimensions of |Enc(G(z)) − z|; ``l2``: the mean over the batch of the per-example
    Euclidean norm (the paper writes ‖·‖ without naming the norm), taken as
    ``sqrt(sum diff² + CONSTRAINT_L2_EPSILON)``: the epsilon under the square root keeps the
    gradient finite (zero) at an exact zero row, where a bare ``sqrt`` gives NaN (TF-GAN's
    gradient-penalty norm adds the same 1e-10: "Note tf.norm does not add epsilon"); it moves
    the value by at most √1e-10 = 1e-5 per row.

    Args:
        latents: the prior draws z, ``[B, d]``.
        codes: Enc(G(z)), ``[B, d]``.

    Reference: Chang et al. 2018, Eq. 3 and §3.1.
    """
    diff = _as_float32(codes) - _as_float32(latents)
    if norm == "l1_mean":
        return keras.ops.mean(keras.ops.abs(diff))
    if norm == "l2":
        squares = keras.ops.sum(keras.ops.square(diff), axis=-1)
        return keras.ops.mean(keras.ops.sqrt(squares + CONSTRAINT_L2_EPSILON))
    raise ValueError(f"`constraint_norm` must be one of {CONSTRAINT_NORMS}, got {norm!r}.")


def began_k_update(k, loss_real, loss_fake, gamma, lambda_k):
    """k_{t+1} = clip(k_t + λ_k (γ L(x) − L(G(z))), 0, 1).

    Reference: Berthelot et al. 2017 §3.3 (proportional control); Chang et al. 2018 Eq. 3
    (updated every step in both authors' codes, see ``research/began_cs.md`` §4.3).
    """
    k, loss_real, loss_fake = (_as_float32(v) for v in (k, loss_real, loss_fake))
    step = k + lambda_k * (gamma * loss_real - loss_fake)
    return keras.ops.clip(step, 0.0, 1.0)


def began_convergence_measure(loss_real, loss_fake, gamma):
    """M_global = L(x) + |γ L(x) − L(G(z))| (Berthelot et al. 2017 §3.4.1)."""
    loss_real = _as_float32(loss_real)
    return loss_real + keras.ops.abs(gamma * loss_real - _as_float32(loss_fake))

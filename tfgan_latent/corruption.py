"""Input corruptions of a denoising autoencoder, as plain functions over tensors.

Each function is pure: the caller draws the randomness (``keras.random`` with its own
``SeedGenerator``) and passes it in, so the functions run in a compiled step, under
``tf.distribute``, and are testable against numpy. Data are in [−1, 1].

* ``salt_and_pepper``: each element independently replaced with probability ``amount``, by
  +1 (salt) with probability ``salt_vs_pepper`` else −1 (pepper). The library's default for
  RFGAN's denoising AE (research/rfgan.md §1.2: the released code's noise, corrected).
* ``masking``: each element set to 0 with probability ``amount`` (Vincent et al. 2008 §2.3,
  "masking noise"; 0 is mid-grey in [−1, 1]).
* ``gaussian``: x + ``amount`` · N(0, 1) (additive isotropic noise, Vincent et al. 2010 §4.1).
* ``authors_salt_and_pepper``: the RFGAN authors' ``noisy('s&p', img, 0.25)`` bit for bit
  (QuickSolverKyle/Tensorflow-MyGANs ``utils.py``): ``ceil(amount·size·s_vs_p)`` salt and as
  many pepper coordinates drawn with ``randint(0, dim − 1)`` per axis (so the last row, column
  and channel are never hit, and a coordinate can repeat), applied to the uint8 image
  before /127.5 − 1, where salt writes the value 1 (→ −0.99216) and pepper 0 (→ −1): both
  are near-black, about 20.7 % of the values of a 64×64×3 image.
"""
import math

import numpy as np
import tensorflow as tf
from keras import ops

__all__ = ["NOISES", "salt_and_pepper", "masking", "gaussian", "authors_salt_and_pepper",
           "authors_noise_count", "AUTHORS_SALT", "AUTHORS_PEPPER"]

NOISES = ("salt_pepper", "masking", "gaussian", "authors_sp_quirk", "none")
AUTHORS_SALT = 1.0 / 127.5 - 1.0  # uint8 value 1 after x / 127.5 − 1
AUTHORS_PEPPER = -1.0  # uint8 value 0


def salt_and_pepper(x, hit, salt, *, amount=0.25, salt_vs_pepper=0.5, low=-1.0, high=1.0):
    """Salt-and-pepper noise: ``where(hit < amount, where(salt < s_vs_p, high, low), x)``.

    Args:
        x: data, any shape.
        hit, salt: U[0, 1) draws of ``x``'s shape.
        amount: probability that an element is replaced (0.25: the authors' code).
        salt_vs_pepper: probability that a replaced element becomes ``high``.
    """
    x = ops.convert_to_tensor(x)
    noisy = ops.where(salt < salt_vs_pepper, ops.cast(high, x.dtype), ops.cast(low, x.dtype))
    return ops.where(hit < amount, noisy, x)


def masking(x, hit, *, amount=0.25):
    """Masking noise: each element set to 0 where ``hit < amount`` (Vincent et al. 2008)."""
    x = ops.convert_to_tensor(x)
    return ops.where(hit < amount, ops.zeros_like(x), x)


def gaussian(x, noise, *, stddev=0.1):
    """Additive Gaussian noise ``x + stddev · noise`` with ``noise`` ~ N(0, 1) of x's shape."""
    x = ops.convert_to_tensor(x)
    return x + ops.cast(stddev, x.dtype) * noise


def authors_noise_count(image_shape, amount, salt_vs_pepper=0.5):
    """(salt, pepper) coordinate counts of the authors' code for one image [H, W, C]."""
    size = int(np.prod(image_shape))
    return (math.ceil(amount * size * salt_vs_pepper),
            math.ceil(amount * size * (1.0 - salt_vs_pepper)))


def authors_coordinate_axes(image_shape):
    """The axes the authors' code draws coordinates for: (H, W, C), or (H, W) when C == 1."""
    return tuple(image_shape[:2]) if image_shape[-1] == 1 else tuple(image_shape)


def authors_salt_and_pepper(x, salt_coords, pepper_coords):
    """The authors' salt-and-pepper on a batch ``x`` [B, H, W, C] (see the module docstring).

    Args:
        x: images in [−1, 1].
        salt_coords, pepper_coords: int [B, n, k] coordinates per image over the axes of
            ``authors_coordinate_axes`` (k = 3, or 2 for one channel, where a hit covers the
            pixel), each drawn from ``randint(0, dim − 1)`` as the released code does.
    """
    x = tf.convert_to_tensor(x)
    out = x
    for coords, value in ((salt_coords, AUTHORS_SALT), (pepper_coords, AUTHORS_PEPPER)):
        coords = tf.cast(coords, tf.int32)
        batch, n = tf.shape(coords)[0], tf.shape(coords)[1]
        rows = tf.repeat(tf.range(batch)[:, None], n, axis=1)[..., None]
        indices = tf.concat([rows, coords], axis=-1)
        if coords.shape[-1] == 2:  # one channel: the pixel's only value
            indices = tf.concat([indices, tf.zeros_like(indices[..., :1])], axis=-1)
        indices = tf.reshape(indices, (-1, 4))
        values = tf.fill(tf.shape(indices)[:1], tf.constant(value, x.dtype))  # float64-exact
        out = tf.tensor_scatter_nd_update(out, indices, values)
    return out

"""MS-SSIM and the MS-SSIM diversity score, usable at 16, 32 and 64 px.

``tf.image.ssim_multiscale`` keeps its 11x11 Gaussian window at every scale and asserts
that each scale is at least ``filter_size`` pixels on a side, so with its defaults (5
scales) it needs images of at least 11 * 2**4 = 176 px and fails on 16-64 px GAN samples
(TensorFlow issues #33840, #50023). This module follows the numpy reference that the GAN
papers used instead, ``MultiScaleSSIM`` in tensorflow/models
``research/compression/image_encoder/msssim.py``, which shrinks the window where a scale
is smaller than it.

Intensities: images are given in ``[min_val, min_val + max_val]`` (``[-1, 1]`` by
default: ``min_val=-1``, ``max_val=L=2``) and are first shifted by ``-min_val`` to
``[0, L]``. The contrast-structure term is shift-invariant, but the luminance term
``(2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)`` assumes non-negative intensities (TF's
docstring asks for "only Positive Pixel Values"; msssim.py is fed uint8 images): on raw
``[-1, 1]`` data, local means near 0 of opposite signs make it swing to negative values
(a pair of 16 px images with correlation 0.9 gets a channel SSIM of -0.02 that way).
After the shift the result is the same as for the images mapped to ``[0, 1]`` with
``L = 1`` or to ``[0, 255]`` with ``L = 255`` (SSIM is invariant to a common scaling of
the images and L).

Per scale ``s`` (side ``h_s x w_s``; scale 0 is the input):

* window size ``n_s = min(filter_size, h_s, w_s)``, square, and Gaussian width
  ``sigma_s = filter_sigma * n_s / filter_size`` (the window shrinks and so does sigma),
  with taps at ``k - (n_s - 1) / 2`` for ``k = 0 .. n_s - 1`` (half-integer offsets when
  ``n_s`` is even, as MATLAB ``fspecial``), normalised to sum 1;
* local means / variances / covariance by 'valid' filtering with that window, the
  covariance as ``E[xy] - mu_x mu_y`` (the biased estimate, as msssim.py and TF);
* ``cs = (2 cov + C2) / (var_x + var_y + C2)`` and
  ``ssim = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) * cs`` with
  ``C1 = (k1 * max_val)^2``, ``C2 = (k2 * max_val)^2``, each map averaged over its
  positions;
* to go to the next scale, odd sides are first padded by repeating the last row/column,
  then 2x2 blocks are averaged (== msssim.py's 2x2 box ``convolve(mode='reflect')`` and
  ``[::2]``; == TF's SYMMETRIC pad + 2x2 ``avg_pool``), so ``h_{s+1} = ceil(h_s / 2)``.

Then ``MS-SSIM = prod_{s < M-1} relu(cs_s)^{w_s} * relu(ssim_{M-1})^{w_{M-1}}`` with the
Wang, Simoncelli & Bovik (2003) weights ``w = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)``.

Scales and windows with the defaults (``filter_size=11, filter_sigma=1.5``, 5 scales,
finest first; "map" is the side of the 'valid' SSIM map averaged at that scale)::

    input   scale side         window n_s         sigma_s                          map
    16 px   16, 8, 4, 2, 1     11, 8, 4, 2, 1     1.5, 1.091, 0.545, 0.273, 0.136  6, 1, 1, 1, 1
    32 px   32, 16, 8, 4, 2    11, 11, 8, 4, 2    1.5, 1.5, 1.091, 0.545, 0.273    22, 6, 1, 1, 1
    64 px   64, 32, 16, 8, 4   11, 11, 11, 8, 4   1.5, 1.5, 1.5, 1.091, 0.545      54, 22, 6, 1, 1

(``ms_ssim_scales(h, w)`` returns this plan for any size.) Consequences worth knowing: a
1x1 map means that scale's statistics are one Gaussian-weighted average over the whole
(downsampled) image; a 2-tap window has equal taps (a plain 2x2 mean); at 16 px the last
scale is a single pixel (the mean of the 16x16 image), its window is 1 tap, so its
variances are 0, ``cs = 1`` and ``ssim`` is the luminance term of the image means alone.
MS-SSIM at 16/32/64 px is therefore a different number from MS-SSIM at 128 px (where the
coarsest scale is 8 px); compare diversity scores only at one resolution.

Where this differs from msssim.py (all deliberate, and all no-ops for one grey image):

* **batch**: msssim.py averages the SSIM/cs maps over the whole batch before the powers,
  returning one number for a batch; ``ms_ssim`` returns one value per pair ``[B]``.
* **colour**: msssim.py's window acts per channel but its means run over the channels as
  well, so it computes one MS-SSIM from channel-pooled statistics. Here, as in
  ``tf.image.ssim_multiscale``, MS-SSIM is computed **per channel** (cs and ssim averaged
  over positions only, powers and product per channel) and the per-channel MS-SSIM
  values are then **averaged over channels**.
* **negative cs**: msssim.py does not guard; a negative mean cs (anti-correlated
  structure, e.g. ``b = -a``) raised to a fractional power gives NaN. Here, as in TF, the
  per-channel mean ``cs_s`` and the final ``ssim`` are clipped with ``relu`` before the
  powers, so such a pair scores 0 (the value is always in [0, 1]).
* **intensity shift**: msssim.py uses the values as given (meant for uint8 input);
  here ``min_val`` is subtracted first, so a [-1, 1] grey GAN sample gets the value
  that msssim.py gives for it mapped to [0, 255] with ``max_val=255``.
* **precision**: float32 TensorFlow ops (msssim.py uses float64 numpy); differences are
  ~1e-6.

With ``filter_size`` never larger than any scale (e.g. 176 px and the defaults) this is
the same computation as ``tf.image.ssim_multiscale(images - min_val, ..., max_val)``.

The diversity score (``ms_ssim_diversity``) is the protocol of Odena, Olah & Shlens 2017
(AC-GAN, §4.1), also used by RFGAN (Table 1): the mean MS-SSIM over random pairs of
distinct generated images; lower means more diverse (AC-GAN computes it within a class,
so pass one class's samples at a time for that protocol).
"""
import numbers

import numpy as np
import tensorflow as tf

__all__ = ["ms_ssim", "ms_ssim_diversity", "ms_ssim_scales", "WANG_WEIGHTS"]

WANG_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
"""Per-scale exponents of Wang, Simoncelli & Bovik 2003 (finest scale first)."""

_RANGE_SLACK = 1e-5  # tolerance on the value range, as a fraction of max_val


def ms_ssim_scales(height, width, *, filter_size=11, filter_sigma=1.5, num_scales=5):
    """The per-scale plan ``ms_ssim`` uses for ``height x width`` images.

    Returns:
        list of ``num_scales`` dicts (finest first) with ``height``, ``width`` (the
        scale's side), ``window`` (Gaussian window size), ``sigma`` (its width) and
        ``map_height``, ``map_width`` (side of the 'valid' SSIM map).
    """
    height = _positive_int(height, "height")
    width = _positive_int(width, "width")
    filter_size = _positive_int(filter_size, "filter_size")
    filter_sigma = _positive_float(filter_sigma, "filter_sigma")
    num_scales = _positive_int(num_scales, "num_scales")
    plan = []
    h, w = height, width
    for s in range(num_scales):
        if s > 0:
            h, w = (h + 1) // 2, (w + 1) // 2
        size = min(filter_size, h, w)
        plan.append(
            {
                "height": h,
                "width": w,
                "window": size,
                "sigma": filter_sigma * size / filter_size,
                "map_height": h - size + 1,
                "map_width": w - size + 1,
            }
        )
    return plan


@tf.autograph.experimental.do_not_convert  # static Python control flow only
def ms_ssim(
    images_a,
    images_b,
    *,
    max_val=2.0,
    min_val=-1.0,
    filter_size=11,
    filter_sigma=1.5,
    power_factors=WANG_WEIGHTS,
    k1=0.01,
    k2=0.03,
):
    """MS-SSIM between two image batches, pair by pair; see the module docstring.

    Args:
        images_a, images_b: ``[B, H, W, C]`` arrays or tensors of the same shape, B >= 1,
            finite, values in ``[min_val, min_val + max_val]`` (``[-1, 1]`` by default).
            The side must allow the scales: ``2**(len(power_factors) - 1) <= min(H, W)``.
        max_val: dynamic range L of the images (2 for ``[-1, 1]``, 1 for ``[0, 1]``,
            255 for uint8).
        min_val: lowest possible value (-1 for ``[-1, 1]``, 0 for ``[0, 1]`` and uint8);
            subtracted first so that intensities are non-negative.
        filter_size: Gaussian window size at full resolution (shrunk at small scales).
        filter_sigma: Gaussian width at full resolution (shrunk with the window).
        power_factors: per-scale exponents, finest first; their number is the number of
            scales. Default: Wang et al. 2003.
        k1, k2: SSIM stability constants (``C1 = (k1 L)^2``, ``C2 = (k2 L)^2``).

    Returns:
        float32 tensor ``[B]`` of MS-SSIM values in ``[0, 1]`` (1 for identical images).

    Raises:
        ValueError: naming the argument, for a wrong shape, too small an image, or (when
        executing eagerly; inside ``tf.function`` they are not checked) non-finite values
        or values outside ``[min_val, min_val + max_val]``.
    """
    settings = _check_settings(max_val, min_val, filter_size, filter_sigma, power_factors, k1, k2)
    a = _as_image_tensor(images_a, "images_a")
    b = _as_image_tensor(images_b, "images_b")
    if a.shape != b.shape:
        raise ValueError(
            f"`images_b` must have the same shape as `images_a`; got {b.shape} and {a.shape}."
        )
    _check_size(a.shape, "images_a", len(settings["power_factors"]))
    if a.shape[0] == 0:
        raise ValueError("`images_a` and `images_b` must contain at least one image each.")
    if tf.executing_eagerly():
        for name, x in (("images_a", a), ("images_b", b)):
            _check_values(x.numpy(), name, settings["min_val"], settings["max_val"])
    return _ms_ssim_core(a, b, **settings)


def ms_ssim_diversity(
    images,
    *,
    num_pairs=1000,
    seed=0,
    batch_size=256,
    max_val=2.0,
    min_val=-1.0,
    filter_size=11,
    filter_sigma=1.5,
    power_factors=WANG_WEIGHTS,
    k1=0.01,
    k2=0.03,
):
    """Mean MS-SSIM over random pairs of distinct images (AC-GAN §4.1; lower = more diverse).

    Pairs ``(i, j)`` are drawn with replacement, each uniform over the ordered pairs with
    ``i != j``: ``i ~ U{0..N-1}``, ``j = (i + U{1..N-1}) mod N``, from
    ``numpy.random.default_rng(seed)``, so the value is reproducible for a seed. Pairs
    are scored ``batch_size`` at a time, so memory does not grow with ``num_pairs``
    (scoring 256 pairs of 64x64x3 images peaks at a few hundred MB; 10k pairs at 64 px
    take ~40 s on two busy CPU cores).

    Args:
        images: ``[N, H, W, C]`` array (or tensor), N >= 2, finite, values in
            ``[min_val, min_val + max_val]``; ``2**(len(power_factors) - 1) <= min(H, W)``.
        num_pairs: number of random pairs (AC-GAN used 100 pairs per class).
        seed: integer seed of the pair draw.
        batch_size: pairs scored per TensorFlow call.
        max_val, min_val, filter_size, filter_sigma, power_factors, k1, k2: as
            ``ms_ssim``.

    Returns:
        float, the mean MS-SSIM of the pairs, in ``[0, 1]``.

    Raises:
        ValueError: if an argument has the wrong type, shape or value; the message names it.
    """
    settings = _check_settings(max_val, min_val, filter_size, filter_sigma, power_factors, k1, k2)
    num_pairs = _positive_int(num_pairs, "num_pairs")
    batch_size = _positive_int(batch_size, "batch_size")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer; got {seed!r}.")
    if isinstance(images, tf.Tensor):
        images = images.numpy()
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must have shape [N, H, W, C]; got shape {images.shape}.")
    if not (np.issubdtype(images.dtype, np.floating) or np.issubdtype(images.dtype, np.integer)):
        raise ValueError(f"`images` must be numeric; got dtype {images.dtype}.")
    n = images.shape[0]
    if n < 2:
        raise ValueError(f"`images` must contain at least 2 images to form pairs; got N = {n}.")
    _check_size(images.shape, "images", len(settings["power_factors"]))
    images = images.astype(np.float32, copy=False)
    _check_values(images, "images", settings["min_val"], settings["max_val"])

    rng = np.random.default_rng(int(seed))
    first = rng.integers(0, n, size=num_pairs)
    second = (first + rng.integers(1, n, size=num_pairs)) % n
    total = 0.0
    for start in range(0, num_pairs, batch_size):
        stop = min(start + batch_size, num_pairs)
        values = _ms_ssim_core(
            tf.constant(images[first[start:stop]]),
            tf.constant(images[second[start:stop]]),
            **settings,
        )
        total += float(np.sum(values.numpy(), dtype=np.float64))
    return total / num_pairs


# --------------------------------------------------------------------------- internals


def _gaussian_taps(size, sigma):
    """Normalised 1-D Gaussian taps at ``k - (size - 1) / 2`` (the 2-D window is their
    outer product, which equals MATLAB ``fspecial('gaussian')`` / msssim.py's window)."""
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    taps = np.exp(-(coords**2) / (2.0 * sigma**2))
    return taps / taps.sum()


def _valid_filter_matrix(taps, length):
    """``[length - n + 1, length]`` matrix M with ``M[i, i + k] = taps[k]``: ``M @ x`` is the
    'valid' correlation of x with the taps (same as convolution: the taps are symmetric)."""
    n = taps.size
    out = np.zeros((length - n + 1, length), dtype=np.float64)
    for i in range(length - n + 1):
        out[i, i : i + n] = taps
    return out


def _downsample(x):
    """``[B, C, h, w]``: repeat the last row/column of odd sides, then average 2x2 blocks."""
    h, w = x.shape[2], x.shape[3]
    if h % 2 or w % 2:
        x = tf.pad(x, [[0, 0], [0, 0], [0, h % 2], [0, w % 2]], mode="SYMMETRIC")
        h, w = h + h % 2, w + w % 2
    x = tf.reshape(x, [x.shape[0], x.shape[1], h // 2, 2, w // 2, 2])
    return tf.reduce_mean(x, axis=[3, 5])


def _ms_ssim_core(a, b, *, max_val, min_val, filter_size, filter_sigma, power_factors, k1, k2):
    """Unchecked MS-SSIM of float32 ``[B, H, W, C]`` tensors a, b; returns ``[B]``."""
    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    batch, height, width, channels = a.shape
    plan = ms_ssim_scales(
        height, width, filter_size=filter_size, filter_sigma=filter_sigma,
        num_scales=len(power_factors),
    )
    # Intensities from [min_val, min_val + L] to [0, L]: the luminance term needs
    # non-negative means. Channels-first, so that filtering along W is one matrix product.
    a = tf.transpose(a - min_val, [0, 3, 1, 2])
    b = tf.transpose(b - min_val, [0, 3, 1, 2])
    factors = []
    for s, scale in enumerate(plan):
        if s > 0:
            a, b = _downsample(a), _downsample(b)
        h, w = scale["height"], scale["width"]
        taps = _gaussian_taps(scale["window"], scale["sigma"])
        rows = tf.constant(_valid_filter_matrix(taps, h), tf.float32)  # [h', h]
        cols = tf.constant(_valid_filter_matrix(taps, w), tf.float32)  # [w', w]
        stats = tf.stack([a, b, a * a, b * b, a * b])  # [5, B, C, h, w]
        # 'valid' separable Gaussian filtering: along W, then along H.
        stats = tf.matmul(tf.reshape(stats, [-1, w]), cols, transpose_b=True)
        stats = tf.reshape(stats, [5, batch, channels, h, scale["map_width"]])
        stats = tf.linalg.matmul(rows, stats)  # [5, B, C, h', w']
        mu_a, mu_b, e_aa, e_bb, e_ab = tf.unstack(stats)
        mu_ab = mu_a * mu_b
        cs_map = (2.0 * (e_ab - mu_ab) + c2) / (
            (e_aa - tf.square(mu_a)) + (e_bb - tf.square(mu_b)) + c2
        )
        if s < len(plan) - 1:
            factors.append(tf.nn.relu(tf.reduce_mean(cs_map, axis=[2, 3])))  # [B, C]
        else:
            luminance = (2.0 * mu_ab + c1) / (tf.square(mu_a) + tf.square(mu_b) + c1)
            factors.append(tf.nn.relu(tf.reduce_mean(luminance * cs_map, axis=[2, 3])))
    stacked = tf.stack(factors, axis=-1)  # [B, C, M]
    weights = tf.constant(power_factors, tf.float32)
    per_channel = tf.reduce_prod(tf.pow(stacked, weights), axis=-1)  # [B, C]
    return tf.reduce_mean(per_channel, axis=-1)


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer; got {value!r}.")
    return int(value)


def _finite_float(value, name):
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a finite number; got {value!r}.") from None
    if not np.isfinite(out):
        raise ValueError(f"`{name}` must be a finite number; got {value!r}.")
    return out


def _positive_float(value, name):
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a positive finite number; got {value!r}.") from None
    if not (np.isfinite(out) and out > 0):
        raise ValueError(f"`{name}` must be a positive finite number; got {value!r}.")
    return out


def _check_settings(max_val, min_val, filter_size, filter_sigma, power_factors, k1, k2):
    try:
        factors = np.asarray(power_factors, dtype=np.float64)
    except (TypeError, ValueError):
        factors = None
    if factors is None or factors.ndim != 1 or factors.size == 0:
        raise ValueError(
            f"`power_factors` must be a non-empty 1-D sequence of weights; got {power_factors!r}."
        )
    if not np.all(np.isfinite(factors)) or np.any(factors < 0):
        raise ValueError(f"`power_factors` must be finite and non-negative; got {power_factors!r}.")
    return {
        "max_val": _positive_float(max_val, "max_val"),
        "min_val": _finite_float(min_val, "min_val"),
        "filter_size": _positive_int(filter_size, "filter_size"),
        "filter_sigma": _positive_float(filter_sigma, "filter_sigma"),
        "power_factors": tuple(float(f) for f in factors),
        "k1": _positive_float(k1, "k1"),
        "k2": _positive_float(k2, "k2"),
    }


def _as_image_tensor(images, name):
    try:
        x = tf.convert_to_tensor(images)
    except (TypeError, ValueError) as err:
        raise ValueError(f"`{name}` must be an array of images: {err}") from None
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise ValueError(f"`{name}` must be numeric; got dtype {x.dtype.name}.")
    if x.shape.rank != 4:
        raise ValueError(f"`{name}` must have shape [B, H, W, C]; got shape {x.shape}.")
    if not x.shape.is_fully_defined():
        raise ValueError(f"`{name}` must have a fully known static shape; got {x.shape}.")
    return tf.cast(x, tf.float32)


def _check_size(shape, name, num_scales):
    h, w, c = int(shape[1]), int(shape[2]), int(shape[3])
    if c < 1:
        raise ValueError(f"`{name}` must have at least one channel; got shape {tuple(shape)}.")
    need = 2 ** (num_scales - 1)
    if min(h, w) < need:
        raise ValueError(
            f"`{name}` is {h}x{w} px, too small for {num_scales} scales "
            f"(len(`power_factors`)): need min(H, W) >= 2**{num_scales - 1} = {need}; "
            f"pass fewer `power_factors` for smaller images."
        )


def _check_values(values, name, min_val, max_val):
    values = np.asarray(values)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"`{name}` must be finite; found NaN or infinite values.")
    if values.size:
        low, high = float(np.min(values)), float(np.max(values))
        slack = _RANGE_SLACK * max_val
        if low < min_val - slack or high > min_val + max_val + slack:
            raise ValueError(
                f"`{name}` values lie in [{low:.6g}, {high:.6g}], outside [`min_val`, "
                f"`min_val` + `max_val`] = [{min_val:.6g}, {min_val + max_val:.6g}]; pass "
                f"the images' range as `min_val` and `max_val` (-1 and 2 for [-1, 1], 0 and "
                f"1 for [0, 1], 0 and 255 for uint8) or rescale them."
            )

"""``make_dataset``: the one entry point from a data-set name to an infinite training stream.

Every stream yields float32 batches of exactly ``batch_size`` elements, for ever, and batch ``i``
(counting from 0) is a deterministic function of ``(name, seed, i, parameters)``. The trainer
resumes a run at step k with ``make_dataset(..., start_step=k)``; the resumed stream equals the
uninterrupted one from batch k on. How each kind of set achieves that:

* toy point sets: batch i is drawn by stateless ops keyed on ``(seed, i)`` (see ``toy_batch``);
  resuming costs nothing;
* in-memory image sets (``shapes``, mnist, cifar10): the logical stream is the concatenation,
  over epochs e = 0, 1, ..., of a permutation of range(N) that is a stateless function of
  ``(seed, e)``; batch i is positions i·B .. (i+1)·B − 1 of that stream, so a batch may span an
  epoch boundary and every image appears exactly once per epoch. Resuming costs nothing;
* streaming sets (celeb_a, lsun/bedroom): a seeded ``shuffle`` buffer, ``repeat``, ``batch`` and
  ``skip(start_step)``. This is deterministic for a given seed and data directory, but resuming
  reads through the skipped batches (O(k)); the trainer is expected to call it once per run.

Random horizontal flips (``flip=True``, LIS authors' code) are stateless too: batch i's flips
are a function of ``(seed, i)``, so a resumed stream flips the same images.
"""
import numbers

import tensorflow as tf

from tfgan_latent.data.shapes import make_shapes
from tfgan_latent.data.tfds_images import (
    DEFAULT_CELEBA_CROP,
    TFDS_DATASETS,
    crop_box,
    load_tfds_images,
    load_tfds_uint8,
    preprocess_image,
)
from tfgan_latent.data.toy import TOY_DATASETS, TOY_DEFAULTS, toy_batch

IMAGE_DATASETS = ("shapes",) + TFDS_DATASETS
DATASETS = TOY_DATASETS + IMAGE_DATASETS
IN_MEMORY_TFDS = ("mnist", "cifar10")  # small enough (≤ 180 MB as uint8) to hold in memory
STREAMING_TFDS = ("celeb_a", "lsun/bedroom")
# Shuffle buffer of the streaming sets, in preprocessed images (4096 × 64² × 3 float32 ≈ 200 MB).
STREAM_SHUFFLE_BUFFER = 4096

_CHANNELS = {"shapes": 3, "mnist": 1, "cifar10": 3, "celeb_a": 3, "lsun/bedroom": 3}
_RNG_ALG = "philox"


def _check_name(name):
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; expected one of {DATASETS}.")


def _check_int(value, argument, minimum, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{argument} must be {what}, got {value!r}.")
    return int(value)


def dataset_kind(name):
    """``"points"`` for the 2-D toy sets, ``"images"`` for the image sets."""
    _check_name(name)
    return "points" if name in TOY_DATASETS else "images"


def dataset_channels(name):
    """Size of the last axis of an element: 2 for points, 1 for mnist, 3 for colour images."""
    _check_name(name)
    return 2 if name in TOY_DATASETS else _CHANNELS[name]


def epoch_permutation(seed, epoch, num_elements):
    """The order of epoch ``epoch``: a permutation of range(N), a stateless function of the seed."""
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.random.experimental.stateless_shuffle(
        tf.range(num_elements, dtype=tf.int64), seed=key, alg=_RNG_ALG
    )


def batch_indices(step, *, batch_size, num_elements, seed):
    """Element indices of batch ``step`` of the epoch-permutation stream (int64 [batch_size]).

    Positions step·B .. step·B + B − 1 of the concatenated per-epoch permutations; only the
    (usually one or two) epochs that the batch touches are computed.
    """
    step = tf.cast(step, tf.int64)
    positions = step * batch_size + tf.range(batch_size, dtype=tf.int64)
    epochs = positions // num_elements
    offsets = positions % num_elements
    first = epochs[0]
    touched = tf.range(first, epochs[-1] + 1)

    def permutation(epoch):
        return epoch_permutation(seed, epoch, num_elements)

    perms = tf.map_fn(
        permutation, touched, fn_output_signature=tf.TensorSpec([num_elements], tf.int64)
    )
    return tf.gather_nd(perms, tf.stack([epochs - first, offsets], axis=1))


def _indexed_stream(elements, *, batch_size, seed, start_step, transform=None):
    """Infinite stream of batches ``transform(elements[batch_indices(i)])`` for i ≥ start_step."""
    elements = tf.convert_to_tensor(elements)
    num_elements = int(elements.shape[0])

    def make_batch(step):
        index = batch_indices(step, batch_size=batch_size, num_elements=num_elements, seed=seed)
        batch = tf.gather(elements, index)
        return batch if transform is None else transform(batch)

    return tf.data.Dataset.counter(start=start_step).map(
        make_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )


def _flip(batch, seed, step):
    """Each image of ``batch`` mirrored left-right with probability 1/2, keyed by (seed, step)."""
    key = tf.stack([tf.constant(seed, tf.int64) ^ 0x51F1, tf.cast(step, tf.int64)])
    return tf.image.stateless_random_flip_left_right(batch, seed=key)


def make_dataset(
    name,
    *,
    batch_size,
    seed,
    start_step=0,
    image_size=32,
    data_dir=None,
    download=False,
    crop=None,
    num_images=5000,
    toy_params=None,
    flip=False,
):
    """An infinite, deterministic, resumable ``tf.data.Dataset`` of float32 training batches.

    Args:
        name: one of ``DATASETS``: a toy set ("ring8", "grid25", "swiss_roll"), "shapes", or a
            tfds set ("mnist", "cifar10", "celeb_a", "lsun/bedroom").
        batch_size: elements per batch (positive int); every batch has exactly this many.
        seed: integer seed of the stream (and of the ``shapes`` images themselves).
        start_step: index of the first batch produced (≥ 0); ``start_step=k`` yields batches
            k, k+1, ... of the ``start_step=0`` stream.
        image_size: side of the square images (int ≥ 8); ignored for the toy sets.
        data_dir: tfds data directory (tfds sets only).
        download: allow tfds to download and prepare the data (tfds sets only).
        crop: a crop name of the data set (``tfds_images.crop_names``): celeb_a's
            ``CELEBA_CROPS`` (None: ``DEFAULT_CELEBA_CROP``), cifar10's ``CIFAR_CROPS`` (the
            box is cut, then resized to ``image_size``); None or "none": no crop.
        num_images: number of ``shapes`` images generated (shapes only).
        toy_params: dict of toy-set parameters overriding ``TOY_DEFAULTS[name]`` (toy sets only).
        flip: mirror each image left-right with probability 1/2 (image sets only), keyed by
            ``(seed, batch index)``.

    Returns:
        A dataset of float32 tensors [batch_size, 2] (points) or
        [batch_size, image_size, image_size, dataset_channels(name)] (images, in [−1, 1]).

    Raises:
        ValueError: unknown name, or an argument outside its valid range.
        FileNotFoundError: a tfds set is absent from ``data_dir`` and ``download`` is False.
    """
    _check_name(name)
    batch_size = _check_int(batch_size, "batch_size", 1, "a positive integer")
    seed = _check_int(seed, "seed", -(2**63), "an integer")
    start_step = _check_int(start_step, "start_step", 0, "a non-negative integer")
    # A crop of the set (fails early on a crop name the set does not have).
    box = crop_box(name, DEFAULT_CELEBA_CROP if crop is None and name == "celeb_a" else crop)

    if name in TOY_DATASETS:
        params = dict(toy_params or {})
        unknown = sorted(set(params) - set(TOY_DEFAULTS[name]))
        if unknown:
            raise ValueError(
                f"toy_params has unknown key(s) {unknown} for {name!r}; "
                f"expected some of {sorted(TOY_DEFAULTS[name])}."
            )

        def make_batch(step):
            return toy_batch(name, batch_size, seed, step, **params)

        dataset = tf.data.Dataset.counter(start=start_step).map(
            make_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )
    else:
        image_size = _check_int(image_size, "image_size", 8, "an integer >= 8")
        if name == "shapes":
            num_images = _check_int(num_images, "num_images", 1, "a positive integer")
            images, _ = make_shapes(num_images, image_size, seed)
            dataset = _indexed_stream(
                images, batch_size=batch_size, seed=seed, start_step=start_step
            )
        elif name in IN_MEMORY_TFDS:
            raw = load_tfds_uint8(name, data_dir=data_dir, download=download)

            def to_float(batch):
                return preprocess_image(batch, image_size=image_size, crop_box=box)

            dataset = _indexed_stream(
                raw, batch_size=batch_size, seed=seed, start_step=start_step, transform=to_float
            )
        else:
            dataset = (
                load_tfds_images(
                    name, image_size=image_size, data_dir=data_dir, download=download, crop=box
                )
                .shuffle(STREAM_SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
                .repeat()
                .batch(batch_size, drop_remainder=True)
                .skip(start_step)
            )

    if flip:
        if name in TOY_DATASETS:
            raise ValueError(f"flip applies to image sets, not the point set {name!r}.")
        dataset = tf.data.Dataset.zip((tf.data.Dataset.counter(start=start_step), dataset)).map(
            lambda step, batch: _flip(batch, seed, step))

    options = tf.data.Options()
    options.deterministic = True
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)

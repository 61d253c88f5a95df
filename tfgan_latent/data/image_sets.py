"""Image sets a generator is asked to reproduce (latent-dimension study §5.3, Figs. 5-8).

Training images, a held-out split, translated copies, an out-of-domain set and uniform noise,
all on the [−1, 1] scale. Where each set's held-out ("val") images come from:

* ``shapes`` (the embedded set): a fresh render with another seed (seed + 1,000,003), from
  which every image equal to one of the run's training images is dropped: the shapes' pixel
  masks are discrete, so a fresh render repeats training images by chance (at 16 px 272 of 2,000
  did, at 32 px 38, at 64 px 8, against 5,000 training images);
* ``cifar10``: its test split, as the paper (§5, "the test set is used as our validation set");
* ``celeb_a``: its own validation partition (tfds "validation"); the paper split off a random
  20 % that is not published (``tfds_images.HELD_OUT_SPLITS``);
* ``mnist``: its test split; ``lsun/bedroom``: its validation split;
* ``gratings`` (a second synthetic family: coloured sinusoidal gratings, the offline
  out-of-domain set): another seed.

With tfds data a user passes another data set's name as the out-of-domain set (its held-out
split, resized like the first, as the paper upsamples CIFAR-10 bilinearly to the CelebA size).
"""
import numpy as np

from tfgan_latent.data.pipeline import make_dataset
from tfgan_latent.data.shapes import make_shapes
from tfgan_latent.data.tfds_images import (DEFAULT_CELEBA_CROP, HELD_OUT_SPLITS, crop_box,
                                           load_held_out_images)

HELD_OUT_SEED_OFFSET = 1_000_003  # shapes, gratings: the held-out render's seed offset
IMAGE_SETS = ("train", "val", "shifted", "ood", "noise")


def training_images(dataset, n, image_size, seed, num_images=5000, data_dir=None, crop=None):
    """The first ``n`` images of the set a run with ``seed`` trains on (``shapes``: exactly)."""
    if dataset == "shapes":
        images, _ = make_shapes(num_images, image_size, seed)
        return np.asarray(images[:n], np.float32)
    return _batch(dataset, n, image_size, seed, data_dir, crop)


def held_out_images(dataset, n, image_size, seed, data_dir=None, *, num_images=5000, crop=None):
    """``n`` images a run on ``dataset`` with ``seed`` does not train on (module docstring).

    ``num_images``: the size of the run's ``shapes`` training set (the renders equal to one of
    its images are dropped). ``crop``: the run's crop name (None: the set's default), applied
    to tfds images as in training.
    """
    if dataset == "shapes":
        train = {image.tobytes() for image in make_shapes(num_images, image_size, seed)[0]}
        draw = n
        while True:
            images = make_shapes(draw, image_size, seed + HELD_OUT_SEED_OFFSET)[0]
            fresh = [image for image in images if image.tobytes() not in train]
            if len(fresh) >= n:
                return np.asarray(fresh[:n], np.float32)
            draw = 2 * draw + 16
    if dataset == "gratings":
        return gratings(n, image_size, seed + HELD_OUT_SEED_OFFSET)
    if dataset not in HELD_OUT_SPLITS:
        raise ValueError(f"no held-out images of {dataset!r}; expected shapes, gratings or one of "
                         f"{sorted(HELD_OUT_SPLITS)}.")
    box = crop_box(dataset, DEFAULT_CELEBA_CROP if crop is None and dataset == "celeb_a" else crop)
    return load_held_out_images(dataset, n, image_size=image_size, data_dir=data_dir,
                                crop_box=box)


def _batch(dataset, n, image_size, seed, data_dir, crop=None):
    stream = make_dataset(dataset, batch_size=n, seed=seed, image_size=image_size,
                          data_dir=data_dir, crop=crop)
    return next(iter(stream)).numpy()


def translate(images, shift, axis=2, fill=-1.0):
    """``images`` [N, H, W, C] shifted by ``shift`` pixels along ``axis`` (2: right, 1: down);
    the uncovered band is ``fill`` (−1: the ``shapes`` black background)."""
    images = np.asarray(images, np.float32)
    if axis not in (1, 2):
        raise ValueError(f"`axis` must be 1 (rows) or 2 (columns), got {axis!r}.")
    if abs(shift) >= images.shape[axis]:
        raise ValueError(f"`shift` must be smaller than the image side {images.shape[axis]}, "
                         f"got {shift!r}.")
    out = np.full_like(images, fill)
    src = [slice(None)] * 4
    dst = [slice(None)] * 4
    if shift >= 0:
        src[axis], dst[axis] = slice(0, images.shape[axis] - shift), slice(shift, None)
    else:
        src[axis], dst[axis] = slice(-shift, None), slice(0, images.shape[axis] + shift)
    out[tuple(dst)] = images[tuple(src)]
    return out


def uniform_noise(n, shape, seed):
    """``n`` images of i.i.d. U[−1, 1] values (Fig. 8); the all-zero image's MSE on them is 1/3."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (n,) + tuple(shape)).astype(np.float32)


def gratings(n, image_size, seed, channels=3):
    """An offline out-of-domain family: sinusoidal gratings, random orientation, frequency
    (1-4 cycles per image), phase and colour, in [−1, 1]."""
    rng = np.random.default_rng(seed)
    coords = (np.arange(image_size) + 0.5) / image_size
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    theta = rng.uniform(0, np.pi, n)[:, None, None]
    freq = rng.uniform(1, 4, n)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, n)[:, None, None]
    wave = np.sin(2 * np.pi * freq * (xx * np.cos(theta) + yy * np.sin(theta)) + phase)
    colour = rng.uniform(-1, 1, (n, 1, 1, channels))
    return (wave[..., None] * colour).astype(np.float32)


def image_set(name, dataset, n, image_size, seed, *, shift=4, ood="gratings", num_images=5000,
              data_dir=None, crop=None):
    """One of ``IMAGE_SETS`` for a run on ``dataset`` with ``seed`` (``crop``: the run's)."""
    train = dict(num_images=num_images, data_dir=data_dir, crop=crop)
    if name == "train":
        return training_images(dataset, n, image_size, seed, **train)
    if name == "val":
        return held_out_images(dataset, n, image_size, seed, **train)
    if name == "shifted":
        return translate(training_images(dataset, n, image_size, seed, **train), shift)
    if name == "ood":
        if ood == "gratings":
            return gratings(n, image_size, seed)
        return held_out_images(ood, n, image_size, seed, data_dir)
    if name == "noise":
        channels = training_images(dataset, 1, image_size, seed, **train).shape[-1]
        return uniform_noise(n, (image_size, image_size, channels), seed)
    raise ValueError(f"image set must be one of {IMAGE_SETS}, got {name!r}.")

"""Real image data sets through tensorflow-datasets (mnist, cifar10, CelebA, LSUN bedroom).

Nothing is downloaded unless ``download=True`` is passed (the CLI's ``--download``); without it a
missing data set raises a short ``FileNotFoundError`` that says how to get it. CelebA is fetched
by tfds from Google Drive and LSUN from its own server, so both need network access and a large
disk; the offline demo and the tests use the synthetic ``shapes`` set or
``tfds.testing.mock_data`` instead.

Pixels are mapped to [−1, 1] by x/127.5 − 1, as in the BEGAN-CS and RFGAN authors' code
(research/began_cs.md §1.6). LIS's generator ends in a sigmoid (App. J), so a LIS
model maps its [0, 1] output to this range itself.
"""
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

TFDS_DATASETS = ("mnist", "cifar10", "celeb_a", "lsun/bedroom")

# The split each set trains on and the split its held-out ("val") images come from, never the
# training split. CIFAR-10: its test split (the latent-dimension study, §5: "For CIFAR-10 the
# test set is used as our validation set"). CelebA: its own validation partition (19,867 of
# 202,599 images; tfds "validation"); the study instead "randomly split[s] off 20% of the
# dataset", which we cannot reproduce (its split is not published) and which would take 20 % of
# the images our runs train on (the tfds train partition). mnist: its test split. LSUN bedroom:
# its validation split (300 images).
HELD_OUT_SPLITS = {"mnist": "test", "cifar10": "test", "celeb_a": "validation",
                   "lsun/bedroom": "validation"}

# Crop boxes (top, left, height, width) on the aligned 218×178 (rows × columns) CelebA images.
CELEBA_CROPS = {
    # RFGAN authors' code (QuickSolverKyle/Tensorflow-MyGANs): rows 50:178, columns 25:153,
    # then a bilinear resize to 64 (research/rfgan.md §1.5).
    "rfgan": (50, 25, 128, 128),
    # BEGAN-CS authors' code (and carpedm20/BEGAN-tensorflow): the same rows 50:178, columns
    # 25:153 (research/began_cs.md §1.6, [C]).
    "began_cs": (50, 25, 128, 128),
    # Growing thesis code: the centre 128×128 crop, top 45 = (218−128)/2, left 25 = (178−128)/2
    # (research/growing.md A21).
    "growing": (45, 25, 128, 128),
    # LIS authors' code (main.py:169-232): centre crop of side 160 on the aligned images,
    # top (218−160)/2 = 29, left (178−160)/2 = 9 (research/lis.md §1.9).
    "lis": (29, 9, 160, 160),
    # carpedm20/DCGAN-tensorflow, the RFGAN paper's baseline: centre 108×108 crop,
    # top (218−108)/2 = 55, left (178−108)/2 = 35 (research/rfgan.md §1.5).
    "center108": (55, 35, 108, 108),
}
DEFAULT_CELEBA_CROP = "rfgan"
# CIFAR-10 crop boxes on the 32×32 images. LIS authors' README command (``--crop_size 28
# --image_size 32``): the centre 28×28, resized back to the image size (research/lis.md §1.8).
CIFAR_CROPS = {"lis": (2, 2, 28, 28)}
# The named crops of each data set; "none" (no crop) is valid for every image set.
CROPS = {"celeb_a": CELEBA_CROPS, "cifar10": CIFAR_CROPS}


def crop_names(dataset):
    """The ``--crop`` values ``dataset`` accepts: "none" and its named crops."""
    return ("none",) + tuple(sorted(CROPS.get(dataset, {})))


def crop_box(dataset, crop):
    """The (top, left, height, width) box of crop name ``crop`` on ``dataset`` (None: no crop).

    Raises ValueError naming ``--crop`` and the valid names for the data set."""
    if crop in (None, "none"):
        return None
    if crop not in CROPS.get(dataset, {}):
        raise ValueError(f"--crop={crop!r} is not a crop of {dataset!r}; expected one of "
                         f"{list(crop_names(dataset))}.")
    return CROPS[dataset][crop]


def preprocess_image(image_uint8, *, image_size, crop_box=None, method="bilinear"):
    """Crops, resizes and scales an image (or a batch of images) to float32 in [−1, 1].

    Steps: crop ``crop_box`` (if given); resize to ``image_size``×``image_size`` with
    ``tf.image.resize(method, antialias=True)`` unless the (static) size already matches, so
    downscaling is anti-aliased; then x/127.5 − 1, clipped to [−1, 1] (bicubic and lanczos can
    overshoot). The channel count is kept (1 for mnist).

    Args:
        image_uint8: uint8 tensor or array [H, W, C] or [B, H, W, C] with values 0..255.
        image_size: output side length.
        crop_box: ``(top, left, height, width)``, or None for no crop.
        method: a ``tf.image.ResizeMethod`` name ("bilinear", "area", "nearest", "bicubic", ...).

    Returns:
        float32 tensor [image_size, image_size, C] (or [B, image_size, image_size, C]).
    """
    image = tf.convert_to_tensor(image_uint8)
    if crop_box is not None:
        top, left, height, width = crop_box
        image = tf.image.crop_to_bounding_box(image, top, left, height, width)
    image = tf.cast(image, tf.float32)
    spatial = image.shape[-3:-1]
    if spatial != (image_size, image_size):
        image = tf.image.resize(image, [image_size, image_size], method=method, antialias=True)
    return tf.clip_by_value(image / 127.5 - 1.0, -1.0, 1.0)


def centre_square_crop(image):
    """Crops the largest centred square out of an [H, W, C] image of any (dynamic) size."""
    shape = tf.shape(image)
    height, width = shape[0], shape[1]
    side = tf.minimum(height, width)
    return tf.image.crop_to_bounding_box(
        image, (height - side) // 2, (width - side) // 2, side, side
    )


def check_tfds_name(name):
    """Raises ValueError unless ``name`` is one of ``TFDS_DATASETS``."""
    if name not in TFDS_DATASETS:
        raise ValueError(f"Unknown tfds image data set {name!r}; expected one of {TFDS_DATASETS}.")


def resolve_crop(crop):
    """Returns the CelebA crop box for ``crop`` (a name in ``CELEBA_CROPS``, a 4-tuple, or None)."""
    if crop is None:
        return None
    if isinstance(crop, str):
        if crop not in CELEBA_CROPS:
            raise ValueError(
                f"Unknown CelebA crop {crop!r}; expected one of {sorted(CELEBA_CROPS)}, "
                "a (top, left, height, width) tuple, or None."
            )
        return CELEBA_CROPS[crop]
    box = tuple(int(v) for v in crop)
    if len(box) != 4:
        raise ValueError(f"crop must be (top, left, height, width), got {crop!r}.")
    return box


def _load_raw(name, split, data_dir, download):
    """``tfds.load`` of the image feature only, with a short error when the data is absent."""
    check_tfds_name(name)
    try:
        ds = tfds.load(
            name, split=split, data_dir=data_dir, download=download, shuffle_files=False
        )
    except AssertionError as err:  # tfds: "Dataset X: could not find data in DIR. ..."
        if download or "could not find data" not in str(err):
            raise
        where = data_dir if data_dir is not None else (
            f"the default tfds data_dir ({tfds.core.constants.DATA_DIR})"
        )
        raise FileNotFoundError(
            f"Data set {name!r} (split {split!r}) is not prepared in {where}. Pass --download "
            "(download=True) to fetch and prepare it with tensorflow-datasets, or point "
            "--data_dir at a directory that holds it."
        ) from None

    def image_only(example):
        return example["image"]

    return ds.map(image_only, num_parallel_calls=tf.data.AUTOTUNE)


def load_tfds_images(
    name, *, image_size, split="train", data_dir=None, download=False, crop=DEFAULT_CELEBA_CROP
):
    """A ``tf.data.Dataset`` of single preprocessed images from a tensorflow-datasets set.

    Labels and attributes are dropped. Per set: mnist keeps its one channel; cifar10 is resized
    only; celeb_a is cropped with ``CELEBA_CROPS[crop]`` (or a given box; None = no crop) and
    resized; lsun/bedroom is centre-cropped to a square and resized. Files are read in order
    (``shuffle_files=False``), so the stream is deterministic; shuffle downstream.

    Args:
        name: one of ``TFDS_DATASETS``.
        image_size: output side length.
        split: tfds split string.
        data_dir: tfds data directory (None = the tfds default).
        download: passed to ``tfds.load``; False never touches the network.
        crop: CelebA crop name (see ``CELEBA_CROPS``), a (top, left, height, width) tuple, or
            None. Ignored for the other sets.

    Returns:
        Dataset of float32 [image_size, image_size, C] tensors in [−1, 1].

    Raises:
        ValueError: unknown name or crop.
        FileNotFoundError: the data is not in ``data_dir`` and ``download`` is False.
    """
    check_tfds_name(name)
    crop_box = resolve_crop(crop) if name == "celeb_a" else None
    images = _load_raw(name, split, data_dir, download)
    if name == "lsun/bedroom":
        images = images.map(centre_square_crop, num_parallel_calls=tf.data.AUTOTUNE)

    def preprocess(image):
        return preprocess_image(image, image_size=image_size, crop_box=crop_box)

    return images.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)


def load_held_out_images(name, n, *, image_size, data_dir=None, download=False, crop_box=None):
    """The first ``n`` images of ``name``'s held-out split (``HELD_OUT_SPLITS``), preprocessed
    as its training images are (``crop_box``, resize, [−1, 1]); float32 [n, S, S, C].

    The split's own file order (``shuffle_files=False``): deterministic, and the tfds splits
    are not ordered by content (CIFAR-10's test split is in random order; CelebA's validation
    partition follows the file names, which mix identities).

    Raises:
        ValueError: the split holds fewer than ``n`` images.
    """
    check_tfds_name(name)
    split = HELD_OUT_SPLITS[name]
    images = _load_raw(name, split, data_dir, download)
    if name == "lsun/bedroom":
        images = images.map(centre_square_crop)
    images = images.take(n).map(
        lambda image: preprocess_image(image, image_size=image_size, crop_box=crop_box))
    out = [image for image in tfds.as_numpy(images)]
    if len(out) < n:
        raise ValueError(f"--num={n}: the {split!r} split of {name!r} holds only {len(out)} "
                         "images.")
    return np.stack(out).astype(np.float32)


def load_tfds_uint8(name, *, split="train", data_dir=None, download=False):
    """Loads a whole small tfds image set (mnist, cifar10) into memory as uint8 [N, H, W, C]."""
    images = _load_raw(name, split, data_dir, download)
    batches = list(tfds.as_numpy(images.batch(8192)))
    return np.concatenate(batches, axis=0)

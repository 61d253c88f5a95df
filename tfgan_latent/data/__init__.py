"""Data: 2-D toy sets, the synthetic ``shapes`` images, tfds image sets, and ``make_dataset``.

``make_dataset(name, batch_size=..., seed=..., start_step=...)`` is the one entry point the
trainer uses; every stream it returns is infinite, deterministic and resumable at any step.
"""
from tfgan_latent.data.pipeline import (
    DATASETS,
    IMAGE_DATASETS,
    dataset_channels,
    dataset_kind,
    make_dataset,
)
from tfgan_latent.data.shapes import draw_factors, make_shapes, render_shapes
from tfgan_latent.data.tfds_images import (
    CELEBA_CROPS,
    CIFAR_CROPS,
    TFDS_DATASETS,
    crop_box,
    crop_names,
    load_tfds_images,
    preprocess_image,
)
from tfgan_latent.data.toy import (
    TOY_DATASETS,
    grid25_centres,
    ring8_centres,
    sample_grid25,
    sample_ring8,
    sample_swiss_roll,
    toy_modes,
)

__all__ = [
    "CELEBA_CROPS",
    "CIFAR_CROPS",
    "DATASETS",
    "IMAGE_DATASETS",
    "TFDS_DATASETS",
    "TOY_DATASETS",
    "crop_box",
    "crop_names",
    "dataset_channels",
    "dataset_kind",
    "draw_factors",
    "grid25_centres",
    "load_tfds_images",
    "make_dataset",
    "make_shapes",
    "preprocess_image",
    "render_shapes",
    "ring8_centres",
    "sample_grid25",
    "sample_ring8",
    "sample_swiss_roll",
    "toy_modes",
]

"""Packaging for tfgan-latent.

TensorFlow itself is chosen by an extra so that CI and laptops need not download the
572 MB CUDA wheel: ``pip install -e ".[cpu]"`` (tensorflow-cpu) or ``".[gpu]"``
(tensorflow with CUDA libraries). ``tensorflow-addons`` is deliberately absent: it is
end-of-life and does not import under Keras 3; the layers it used to provide are
written natively in ``tfgan_latent.layers``.
"""
import re
from pathlib import Path

from setuptools import find_packages, setup

_version = re.search(
    r'__version__ = "([^"]+)"', Path("tfgan_latent/__init__.py").read_text()
).group(1)

setup(
    name="tfgan-latent",
    version=_version,
    description="Keras 3 / TensorFlow ports of five latent-space GAN papers.",
    long_description=Path("README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["tfgan_latent", "tfgan_latent.*"]),
    # The shipped shapes factor estimators (experiments/train_shapes_estimator.py).
    package_data={"tfgan_latent.metrics": ["weights/*.weights.h5"]},
    install_requires=[
        "keras>=3.15",
        "tensorflow-datasets>=4.9",
        "importlib_resources",  # tfds 4.9.10's download path imports it undeclared
        "numpy",
        "matplotlib",
        "absl-py",
    ],
    extras_require={
        "cpu": ["tensorflow-cpu>=2.21,<2.22"],
        "gpu": ["tensorflow[and-cuda]>=2.21,<2.22"],
        "tf": ["tensorflow>=2.21,<2.22"],
        "test": ["pytest>=8", "pytest-xdist>=3"],
    },
    entry_points={"console_scripts": ["tfgan-latent=tfgan_latent.train.cli:run"]},
)

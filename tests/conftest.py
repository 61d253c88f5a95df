"""Test session setup: quiet TF, and two logical CPU devices for the mirrored tests.

The device split must happen before TensorFlow initialises its runtime, so it lives here.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tfgan_latent  # noqa: E402,F401  (sets the TF environment defaults)
from tfgan_latent.train.strategy import configure_cpu_devices  # noqa: E402

configure_cpu_devices(2)

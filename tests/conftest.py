"""Test session setup: quiet TF, and two logical CPU devices for the mirrored tests.

The device split must happen before TensorFlow initialises its runtime, so it lives here.
"""
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Fitted shapes reference sets are cached here for the session (and its CLI subprocesses),
# not in the user's cache folder; pytest-xdist workers of one run share the folder (writes are
# atomic), so each reference set is fitted once per run.
_run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
os.environ.setdefault(
    "TFGAN_LATENT_CACHE",
    os.path.join(tempfile.gettempdir(), f"tfgan_latent_cache_{_run}") if _run
    else tempfile.mkdtemp(prefix="tfgan_latent_cache_"),
)
import tfgan_latent  # noqa: E402,F401  (sets the TF environment defaults)
from tfgan_latent.train.strategy import configure_cpu_devices  # noqa: E402

configure_cpu_devices(2)

import tensorflow as tf  # noqa: E402

# Bitwise comparisons (resume, reruns) need TF's deterministic kernels in every test, also those
# that build models without runner.train (which turns them on by default, --deterministic).
tf.config.experimental.enable_op_determinism()

# tf.test.TestCase carries a deprecated `test_session` context manager that pytest collects as a
# test and reports as skipped, once per test class: without it, every skip the run reports is real.
if "test_session" in vars(tf.test.TestCase):
    del tf.test.TestCase.test_session

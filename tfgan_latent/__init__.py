"""tfgan-latent: Keras 3 / TensorFlow ports of five latent-space GAN papers."""
import os as _os

# oneDNN is off by default on AVX2-only CPUs in TF 2.21 and doubles conv speed there
# (research/perf_calibration.md §5); it must be set before TensorFlow is imported.
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

"""Evaluation metrics: toy mode coverage (numpy, outside the training graph)."""
from tfgan_latent.metrics.modes import mode_coverage

__all__ = ["mode_coverage"]

"""Evaluation metrics, outside the training graph: toy mode coverage, the shapes manifold score,
FID/KID/IS/precision-recall/density-coverage from any feature extractor, MS-SSIM diversity."""
from tfgan_latent.metrics.distribution import (
    density_coverage,
    distribution_metrics,
    feature_statistics,
    fid,
    frechet_distance,
    inception_score,
    kid,
    precision_recall,
)
from tfgan_latent.metrics.inception import (
    ClassifierExtractor,
    FeatureExtractor,
    InceptionGraphExtractor,
    KerasInceptionExtractor,
)
from tfgan_latent.metrics.report import EXTRACTORS, image_metrics, make_extractor
from tfgan_latent.metrics.modes import mode_coverage, point_metrics
from tfgan_latent.metrics.shapes_estimator import ShapesEstimator, load_estimator
from tfgan_latent.metrics.shapes_manifold import (
    MANIFOLD_THRESHOLDS,
    fit_shapes,
    shapes_manifold_score,
    wasserstein_1d,
)
from tfgan_latent.metrics.ms_ssim import ms_ssim, ms_ssim_diversity, ms_ssim_scales

__all__ = ["mode_coverage", "ms_ssim", "ms_ssim_diversity", "ms_ssim_scales",
           "FeatureExtractor", "ClassifierExtractor", "InceptionGraphExtractor",
           "KerasInceptionExtractor",
           "feature_statistics", "frechet_distance", "fid", "kid", "inception_score",
           "precision_recall", "density_coverage", "distribution_metrics",
           "point_metrics", "image_metrics", "make_extractor", "EXTRACTORS", "ShapesEstimator",
           "load_estimator", "MANIFOLD_THRESHOLDS", "fit_shapes", "shapes_manifold_score",
           "wasserstein_1d"]

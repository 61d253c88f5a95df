"""All image metrics of a generated set in one call: what ``evaluate`` and ``--eval_every`` report.

``image_metrics(images, dataset=..., extractors=...)`` returns one flat dict:

* for ``shapes`` (16/32/64 px): the manifold score (``on_manifold_percent``, ``modes``,
  ``mode_kl``, ``w1_x``, ``w1_y``, ``w1_size``; ``shapes_manifold``) and the distribution
  metrics on the factor estimator's features against the held-out reference set (``fid``,
  ``kid``, ``precision``, ``recall``, ``density``, ``coverage``);
* for every image set of at least 16 px (its five scales): ``ms_ssim``, the mean MS-SSIM of
  random pairs of generated images (RFGAN Table 1 after Odena et al. 2017; lower = more
  diverse);
* per extra extractor (``inception``: the 2015 graph from a user file; ``keras_inception``:
  Keras weights from a user file, not comparable with published numbers): ``fid_<name>``,
  ``kid_<name>``, ``precision_<name>``, ``recall_<name>``, ``density_<name>``,
  ``coverage_<name>`` and, for classifiers, ``inception_score_<name>`` (the Inception
  extractor's also under the plain ``inception_score``), against ``reference_images``.
"""
import numpy as np

from tfgan_latent.metrics import distribution, ms_ssim, shapes_estimator, shapes_manifold

__all__ = ["EXTRACTORS", "image_metrics", "make_extractor"]

EXTRACTORS = ("shapes", "inception", "keras_inception")
MS_SSIM_MIN_SIZE = 16


def make_extractor(name, path=None, image_size=None):
    """An extractor by name: ``shapes`` (shipped), ``inception`` / ``keras_inception`` (a file)."""
    if name not in EXTRACTORS:
        raise ValueError(f"unknown feature extractor {name!r}; expected one of {EXTRACTORS}.")
    if name == "shapes":
        return shapes_estimator.load_estimator(image_size)
    from tfgan_latent.metrics import inception

    flag = "--inception_graph" if name == "inception" else "--keras_inception_weights"
    if not path:
        raise ValueError(f"the {name} extractor needs a weights file ({flag}=FILE).")
    try:
        if name == "inception":
            return inception.InceptionGraphExtractor(path)
        return inception.KerasInceptionExtractor(path)
    except (ValueError, FileNotFoundError, OSError) as e:
        raise ValueError(f"{flag}={path}: {e}") from None


def _features_and_probs(extractor, images):
    if hasattr(extractor, "features_and_probabilities"):
        return extractor.features_and_probabilities(images)
    return extractor(images), None


def image_metrics(images, *, dataset, extractors=None, reference_images=None, num_pairs=2000,
                  seed=0, reference_size=5000):
    """Metrics of generated ``images`` [N, S, S, C] in [−1, 1] (see the module docstring).

    Args:
        images: the generated images.
        dataset: the data set they imitate; ``"shapes"`` (16, 32 or 64 px) adds the manifold
            score and the ``shapes``-feature distribution metrics.
        extractors: extra feature extractors, ``{name: extractor}`` (``FeatureExtractor``
            protocol); ``name`` suffixes their metrics (``fid_<name>``, ...).
        reference_images: real images for the extra extractors (default for ``shapes``: the
            held-out reference set).
        num_pairs: MS-SSIM pairs.
        seed: seed of the MS-SSIM pairs and the KID subsets.
        reference_size: size of the ``shapes`` reference set.
    """
    images = np.asarray(images, dtype=np.float32)
    result = {"num_samples": int(len(images))}
    if dataset == "shapes":
        size = images.shape[1]
        ref_images, ref_fit = shapes_manifold.reference_set(size, reference_size)
        fit = shapes_manifold.fit_shapes(images)
        result.update(shapes_manifold.shapes_manifold_score(images, fitted=fit, reference=ref_fit))
        result.update(distribution.distribution_metrics(
            ref_fit["features"], fit["features"], kid_seed=seed,
            kid_subset_size=min(1000, len(images), len(ref_images))))
        if reference_images is None:
            reference_images = ref_images
    if min(images.shape[1:3]) >= MS_SSIM_MIN_SIZE:  # 5 scales need 16 px
        result["ms_ssim"] = ms_ssim.ms_ssim_diversity(images, num_pairs=num_pairs, seed=seed)
    for name, extractor in (extractors or {}).items():
        if reference_images is None:
            raise ValueError(f"the {name} metrics need real reference images.")
        fake, probs = _features_and_probs(extractor, images)
        real, _ = _features_and_probs(extractor, reference_images)
        values = distribution.distribution_metrics(
            real, fake, probs=probs, kid_seed=seed,
            kid_subset_size=min(1000, len(fake), len(real)))
        for key, value in values.items():
            result[f"{key}_{name}"] = value
        if name == "inception" and "inception_score" in values:
            result["inception_score"] = values["inception_score"]
    return result

"""``evaluate`` and ``sample``: score or draw from a run, an exported generator, or an image file.

Sources (exactly one):

* ``--run=DIR``: rebuilds the run's model from ``config.json`` and its latest checkpoint;
* ``--saved_model=DIR``: any SavedModel whose ``serving_default`` maps ``z`` [B, d] to images
  (ours carry ``assets.extra/tfgan_latent.json`` with the data set and latent prior; for
  another's generator pass ``--dataset``, ``--image_size`` and ``--latent_prior``);
* ``--images=FILE.npy`` (evaluate only): an array [N, H, W, C] in [−1, 1] with
  ``--dataset`` and ``--image_size``, so any image source is scored on the same yardstick.

For 2-D mixture data ``evaluate`` reports ``modes`` and ``hq_percent`` (VEEGAN, Srivastava et
al. 2017 §5.1); for images, ``tfgan_latent.metrics.image_metrics`` (the shapes manifold score
and ``shapes``-feature FID/KID for ``shapes``; MS-SSIM always; Inception metrics with
``--inception_graph``).
"""
import json
from pathlib import Path

import keras
import numpy as np

from tfgan_latent import data, metrics
from tfgan_latent.metrics import report, shapes_estimator
from tfgan_latent.models.gan import LATENT_PRIORS, prior_latents
from tfgan_latent.train import registry
from tfgan_latent.train.config import stored_run_config
from tfgan_latent.train.export import read_metadata
from tfgan_latent.train.runner import fixed_real_examples, restore_latest

MAX_SAMPLES = 200_000  # beyond this a metric run is surely a typo (memory: 64 px ≈ 10 GB)
_GENERATE_BATCH = 500


def load_run(run_dir):
    """(run config, model config, restored GAN) for a run folder."""
    run_dir = Path(run_dir)
    path = run_dir / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"--run={run_dir} has no config.json; is it a training run folder?")
    try:
        stored = json.loads(path.read_text())
        run_cfg = stored_run_config(stored["run"])
        spec = registry.get_model_spec(run_cfg.model)
        model_cfg = spec.config_cls(**{k: tuple(v) if isinstance(v, list) else v
                                       for k, v in stored["model"].items()})
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{path} is not a run's settings file (a JSON object with 'run' and "
                         f"'model' sections of known fields): {type(e).__name__}: {e}") from None
    *_, gan, _, restored = restore_latest(run_cfg, model_cfg, run_dir / "checkpoints")
    if restored is None:
        raise FileNotFoundError(f"--run={run_dir} has no checkpoint to evaluate.")
    gan.swap_average()  # a weight average, if kept, is what the run's previews and export show
    return run_cfg, model_cfg, gan


class Source:
    """Something that generates: ``generate(n, seed)`` → numpy [n, ...] plus what it imitates.

    Attributes: ``dataset``, ``image_size`` (None if unknown), ``latent_dim``, ``prior`` and
    ``prior_args`` (for ``prior_latents``), ``step`` (None if unknown), ``seed`` (the run's, or
    None), ``toy_params``, ``label`` (the JSON's ``run``/``saved_model`` entry).
    """

    def __init__(self, fn, *, dataset, image_size, latent_dim, prior, label, prior_args=None,
                 step=None, seed=None, toy_params=None, extras=None):
        self._fn = fn
        self.extras = extras  # (n, seed) -> the model's own numbers (evaluation_extras), or None
        self.dataset, self.image_size, self.latent_dim = dataset, image_size, latent_dim
        self.prior, self.prior_args = prior, dict(prior_args or {})
        self.step, self.seed, self.label = step, seed, label
        self.toy_params = toy_params or {}

    def generate(self, n, seed):
        """``n`` samples from the fixed latents of ``seed``; images smaller than ``image_size``
        (a growing model's early cycle) are nearest-neighbour upsampled to it."""
        z = prior_latents(self.prior, n, self.latent_dim, seed, **self.prior_args)
        x = np.concatenate([np.asarray(self._fn(z[i:i + _GENERATE_BATCH]), dtype=np.float32)
                            for i in range(0, n, _GENERATE_BATCH)])
        if x.ndim == 4 and self.image_size and x.shape[1] < self.image_size:
            factor = self.image_size // x.shape[1]
            x = x.repeat(factor, axis=1).repeat(factor, axis=2)
        return x


def gan_source(gan, run_cfg, label=("run", None)):
    """A ``Source`` for an in-memory GAN of a run (its output generator: what samples show)."""
    if not hasattr(gan, "output_generator"):
        raise ValueError(f"--run={label[1]}: a --model={run_cfg.model} run has no generator to "
                         "evaluate or sample (its log holds the reconstruction loss; its export "
                         "reconstructs and encodes images).")
    generator = gan.output_generator  # R-separate: G∘R∘G; growing: G on the z prefix
    extras = None
    if hasattr(gan, "evaluation_extras"):  # as the run's --eval_every records compute them
        extras = lambda n, seed: gan.evaluation_extras(fixed_real_examples(run_cfg, n), seed)
    return Source(lambda z: keras.ops.convert_to_numpy(generator(z, training=False)),
                  dataset=run_cfg.dataset, image_size=run_cfg.image_size,
                  latent_dim=gan.latent_dim, prior=gan.latent_prior,
                  prior_args=gan.latent_prior_args, step=int(gan.step.numpy()),
                  seed=run_cfg.seed, toy_params=run_cfg.toy_params(), label=label, extras=extras)


def run_source(run_dir):
    run_cfg, _, gan = load_run(run_dir)
    return gan_source(gan, run_cfg, label=("run", str(run_dir)))


def saved_model_source(export_dir, *, dataset=None, image_size=None, latent_prior=None):
    """A ``Source`` for a SavedModel's ``serving_default`` (``z`` → one output)."""
    import tensorflow as tf

    export_dir = Path(export_dir)
    if not (export_dir / "saved_model.pb").exists():
        raise FileNotFoundError(
            f"--saved_model={export_dir} holds no saved_model.pb (pass a version folder, e.g. "
            f"saved_models/dcgan_shapes/1).")
    meta = read_metadata(export_dir)
    loaded = tf.saved_model.load(str(export_dir))
    if "serving_default" not in loaded.signatures:
        raise ValueError(f"--saved_model={export_dir} has no serving_default signature.")
    signature = loaded.signatures["serving_default"]
    inputs = signature.structured_input_signature[1]
    if list(inputs) != ["z"] or inputs["z"].shape.rank != 2 or inputs["z"].shape[1] is None:
        raise ValueError(
            f"--saved_model={export_dir}: serving_default must take one input `z` of shape "
            f"[batch, latent_dim]; it takes {dict(inputs)}.")
    outputs = list(signature.structured_outputs)
    key = "images" if "images" in outputs else "points" if "points" in outputs else outputs[0]
    prior = latent_prior or meta.get("latent_prior", "normal")
    if prior not in LATENT_PRIORS:
        raise ValueError(f"--latent_prior must be one of {LATENT_PRIORS}, got {prior!r}.")

    def generate(z):
        return signature(z=tf.constant(z))[key].numpy()

    return Source(generate, dataset=dataset or meta.get("dataset"),
                  image_size=image_size or meta.get("image_size"),
                  latent_dim=int(inputs["z"].shape[1]), prior=prior,
                  prior_args=meta.get("latent_prior_args") if not latent_prior else None,
                  step=meta.get("step"), toy_params=meta.get("toy_params"),
                  label=("saved_model", str(export_dir)))


def score(x, dataset, *, extractors=None, reference=None, seed=0, toy_params=None):
    """The metrics of samples ``x`` of ``dataset``: toy mode coverage or the image metrics."""
    if dataset in data.DATASETS and data.dataset_kind(dataset) == "points":
        return metrics.point_metrics(x, dataset, toy_params)
    scored = dataset if x.shape[1] in shapes_estimator.ESTIMATOR_SIZES else None
    return report.image_metrics(x, dataset=scored, extractors=extractors,
                                reference_images=reference, seed=seed)


def load_images(path, image_size=None):
    """An ``.npy`` array [N, H, W, C] in [−1, 1]; errors name ``--images``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"--images={path} does not exist.")
    try:
        images = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise ValueError(f"--images={path} is not a .npy array file ({e}).") from None
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.shape[1] != images.shape[2]:
        raise ValueError(f"--images must hold an array [N, S, S, C] (C = 1 or 3), got shape "
                         f"{images.shape}.")
    if image_size is not None and images.shape[1] != image_size:
        raise ValueError(f"--images are {images.shape[1]} px but --image_size={image_size}.")
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"--images must be floats in [-1, 1], got dtype {images.dtype}.")
    if not np.all(np.isfinite(images)) or images.min() < -1.001 or images.max() > 1.001:
        raise ValueError("--images must be finite and lie in [-1, 1] (uint8 x → x / 127.5 − 1).")
    return np.clip(images.astype(np.float32), -1.0, 1.0)


def _check_count(value, flag, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_SAMPLES:
        raise ValueError(f"{flag} must be an integer in [{minimum}, {MAX_SAMPLES}], got {value!r}.")


def _check_dataset(name, images):
    if name is None:
        raise ValueError("--dataset is needed to score images without a run folder "
                         f"(one of {sorted(data.IMAGE_DATASETS)}).")
    if name not in data.IMAGE_DATASETS:
        raise ValueError(f"--dataset must be an image data set to score images, one of "
                         f"{sorted(data.IMAGE_DATASETS)}; got {name!r}.")
    if name == "shapes" and images.shape[-1] != 3:
        raise ValueError(f"--images of shapes must have 3 channels, got {images.shape[-1]}.")


def _extractors(dataset, image_size, names, inception_graph, keras_inception_weights):
    """The extra extractors ``{name: extractor}`` (the shapes estimator is built in)."""
    names = list(names or [])
    if inception_graph and "inception" not in names:
        names.append("inception")
    if keras_inception_weights and "keras_inception" not in names:
        names.append("keras_inception")
    if "shapes" in names and dataset != "shapes":
        raise ValueError("--extractors=shapes only applies to --dataset=shapes.")
    paths = {"inception": inception_graph, "keras_inception": keras_inception_weights}
    return {n: report.make_extractor(n, paths[n], image_size) for n in names if n != "shapes"}


def _reference_images(dataset, image_size, n, seed, data_dir):
    """Real images for the extra extractors (``shapes`` uses its own held-out set)."""
    if dataset == "shapes":
        return None
    stream = data.make_dataset(dataset, batch_size=n, seed=seed, image_size=image_size,
                               data_dir=data_dir or None)
    return next(iter(stream)).numpy()


def evaluate(run_dir=None, *, saved_model=None, images=None, dataset=None, image_size=None,
             latent_prior=None, num_samples=5000, seed=None, extractors=(), inception_graph=None,
             keras_inception_weights=None, data_dir=None):
    """One JSON-able dict of metrics for a run, an export or an image file (module docstring).

    ``seed`` fixes the latents (default: the run's seed, so ``--eval_every`` records and
    ``evaluate --run`` agree; 0 for an export).
    """
    _check_count(num_samples, "--num_samples", minimum=10)
    unknown = [n for n in extractors or () if n not in report.EXTRACTORS]
    if unknown:
        raise ValueError(f"--extractors must name some of {report.EXTRACTORS}, got {unknown}.")
    given = [name for name, v in (("--run", run_dir), ("--saved_model", saved_model),
                                  ("--images", images)) if v]
    if len(given) != 1:
        raise ValueError("evaluate needs exactly one of --run=DIR, --saved_model=DIR or "
                         f"--images=FILE.npy (got {given or 'none'}).")
    if images:
        x = load_images(images, image_size)
        result, toy_params, seed = {"images": str(images)}, {}, 0 if seed is None else seed
    else:
        source = (run_source(run_dir) if run_dir else saved_model_source(
            saved_model, dataset=dataset, image_size=image_size, latent_prior=latent_prior))
        dataset = source.dataset
        seed = seed if seed is not None else source.seed or 0
        x = source.generate(num_samples, seed)
        result, toy_params = {source.label[0]: source.label[1], "step": source.step}, source.toy_params
        if dataset in data.DATASETS and data.dataset_kind(dataset) == "points":
            if extractors or inception_graph or keras_inception_weights:
                raise ValueError(f"--extractors, --inception_graph and --keras_inception_weights "
                                 f"apply to images; {dataset} is a 2-D data set.")
            return {**result, "dataset": dataset, "num_samples": num_samples,
                    **score(x, dataset, toy_params=toy_params),
                    **_extras(source, num_samples, seed)}
    _check_dataset(dataset, x)
    extra = _extractors(dataset, x.shape[1], extractors, inception_graph, keras_inception_weights)
    reference = (_reference_images(dataset, x.shape[1], len(x), seed + 1, data_dir)
                 if extra else None)
    result.update(score(x, dataset, extractors=extra, reference=reference, seed=seed))
    if not images:
        result.update(_extras(source, len(x), seed))
    return {"dataset": dataset, "image_size": int(x.shape[1]), "seed": seed, **result}


def _extras(source, n, seed):
    """The model's own numbers (``evaluation_extras``) for a run; none for an export."""
    return source.extras(n, seed) if source.extras else {}


def sample(run_dir=None, *, saved_model=None, num=64, out, seed=0, latent_prior=None):
    """Writes ``num`` samples as a PNG grid (``.png``) or an array (``.npy``); returns the path."""
    from tfgan_latent.train import samples

    _check_count(num, "--num")
    out = Path(out)
    if out.suffix not in (".png", ".npy"):
        raise ValueError(f"--out must end in .png or .npy, got {str(out)!r}.")
    if out.exists() and out.is_dir():
        raise ValueError(f"--out={out} is a folder; give a file name ending in .png or .npy.")
    if bool(run_dir) == bool(saved_model):
        raise ValueError("sample needs exactly one of --run=DIR or --saved_model=DIR.")
    source = (run_source(run_dir) if run_dir
              else saved_model_source(saved_model, latent_prior=latent_prior))
    x = source.generate(num, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".npy":
        np.save(out, x)
    elif x.ndim == 2:
        samples.save_scatter(x, out, title=f"{num} samples")
    else:
        samples.save_image_grid(x, out, columns=min(num, 8))
    return out

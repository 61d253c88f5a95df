"""``evaluate --run=DIR``: rebuilds the run's model from config.json and its latest checkpoint.

For 2-D mixture data it reports ``modes`` and ``hq_percent`` (VEEGAN, Srivastava et al.
2017 §5.1: a sample is high quality within 3σ of its nearest mode; a mode is captured if
it is the nearest mode of a high-quality sample).
"""
import json
from pathlib import Path

import keras
import numpy as np

from tfgan_latent import data, metrics
from tfgan_latent.train import registry
from tfgan_latent.train.config import RunConfig
from tfgan_latent.train.runner import restore_latest


def load_run(run_dir):
    """(run config, model config, restored GAN) for a run folder."""
    run_dir = Path(run_dir)
    path = run_dir / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"--run={run_dir} has no config.json; is it a training run folder?")
    stored = json.loads(path.read_text())
    run_cfg = RunConfig(**stored["run"])
    spec = registry.get_model_spec(run_cfg.model)
    model_cfg = spec.config_cls(**{k: tuple(v) if isinstance(v, list) else v
                                   for k, v in stored["model"].items()})
    *_, gan, _, restored = restore_latest(run_cfg, model_cfg, run_dir / "checkpoints")
    if restored is None:
        raise FileNotFoundError(f"--run={run_dir} has no checkpoint to evaluate.")
    return run_cfg, model_cfg, gan


def evaluate(run_dir, num_samples=2500, seed=0):
    if num_samples < 1:
        raise ValueError(f"--num_samples must be a positive integer, got {num_samples!r}.")
    run_cfg, _, gan = load_run(run_dir)
    z = gan.fixed_latents(num_samples, seed)
    x = keras.ops.convert_to_numpy(gan.generate(z)).astype(np.float64)
    result = {"run": str(run_dir), "step": int(keras.ops.convert_to_numpy(gan.step)),
              "num_samples": num_samples}
    if data.dataset_kind(run_cfg.dataset) == "points":
        result["sample_mean"] = x.mean(axis=0).tolist()
        result["sample_std"] = x.std(axis=0).tolist()
        if run_cfg.dataset != "swiss_roll":
            centres, std = data.toy_modes(run_cfg.dataset, **run_cfg.toy_params())
            cov = metrics.mode_coverage(x, centres, std)
            result.update(modes=int(cov["modes"]), num_modes=len(centres),
                          hq_percent=float(cov["hq_percent"]))
    else:
        flat = x.reshape(len(x), -1)
        result["pixel_mean"] = float(flat.mean())
        result["pixel_std"] = float(flat.std())
        pairs = min(len(flat) // 2, 500)
        result["mean_pair_l2"] = float(np.linalg.norm(flat[:pairs] - flat[pairs:2 * pairs], axis=1).mean()) if pairs else 0.0
    return result

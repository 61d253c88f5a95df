"""``sweep``: the latent-dimension study in one command (§5, Figs. 3, 5-8).

For every dim(z) in ``--dims`` and every model in ``--models`` (default: the WGAN-GP and the
autoencoder of the same architecture), trains a run in ``OUT/<model>_d<dim>/`` (resumable:
a finished run is not retrained, an interrupted one resumes from its checkpoint, a finished run
with other ``--steps`` is resumed to them, and other training settings are refused with the
difference named), then measures the per-image reconstruction MSE on [−1, 1] images of each
image set (``tfgan_latent.data.image_sets``): the GAN by projected-Adam inversion (Eq. 5,
``tfgan_latent.inversion``; ``--projection``: the ball by default, as the paper, or ``none`` for
App. Fig. 10's unprojected inversions; ``--search_start``), the AE through its encoder, d(e(x))
(research/latent_dim.md §4.10). ``--eval_every`` scores the GAN runs during training (on-manifold
% and modes on ``shapes``: whether the GAN trained); the AE has no generator to score and trains
without it.

Results are cached per (model, dim, image set) in ``errors.json`` beside the run, each with the
settings that made it: the run's training settings and step (``config.json``), the set's data
(data set, size, ``--num``, seed, ``--num_images``, crop, ``--shift`` for ``shifted``, ``--ood`` for
``ood``) and, for the GAN, the search (``--search_steps``, ``--search_lr``, ``--projection``,
``--search_start``, ``--search_k``). A set whose settings changed is recomputed (the changed
settings are printed); sets not asked for stay in the cache. Writes ``curves.csv`` (model,
dataset, dim_z, image_set, n_images, mse_mean, mse_std, mse_median, zero_baseline),
``curves.png`` (log-log, one panel per image set, like Figs. 3, 6-8) and ``recon_<model>.png``
(validation images and their reconstruction at every dim, Fig. 5).
"""
import contextlib
import csv
import dataclasses
import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import inversion
from tfgan_latent.data import image_sets
from tfgan_latent.train import config as config_lib
from tfgan_latent.train import registry, runner, samples
from tfgan_latent.train.invert import check_search_start

SWEEP_MODELS = ("wgan_gp_resize", "ae")
CSV_FIELDS = ("model", "dataset", "dim_z", "image_set", "n_images", "mse_mean", "mse_std",
              "mse_median", "zero_baseline")
CACHE_VERSION = 2  # errors.json: {"version", "sets": {name: {"settings", "errors"}}}


@contextlib.contextmanager
def _without_remapper():
    """Grappler's remapper off while the sweep trains, on again after.

    On the WGAN-GP training graph the remapper fuses Conv2D + BiasAdd + LeakyRelu and deletes
    the BiasAdd whose output the gradient penalty's second-order ``LeakyReluGrad`` still reads;
    the mutation fails, grappler logs "remapper failed: ... LeakyReluGrad" (once per compiled
    train function) and keeps that graph unfused. Switching the pass off up front gives the
    same graph without the error; the inversion afterwards is remapped as usual.
    """
    tf.config.optimizer.set_experimental_options({"remapping": False})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({"remapping": True})


def _is_autoencoder(model):
    return hasattr(model, "encoder") and not hasattr(model, "output_generator")


def _reconstruct(model, x, inverter, search):
    """Per-image MSE and reconstructions of ``x`` by ``model`` (AE: d(e(x)); GAN: inversion)."""
    if inverter is None:
        recon = np.concatenate([keras.ops.convert_to_numpy(model(x[i:i + 256], training=False))
                                for i in range(0, len(x), 256)])
    else:
        recon = inverter(x, **search).reconstructions
    return ((recon - x) ** 2).reshape(len(x), -1).mean(axis=1), recon


def _trained_settings(run_dir):
    """What of the run's stored ``config.json`` changes its weights (steps included)."""
    stored = json.loads((run_dir / "config.json").read_text())
    run = {k: v for k, v in config_lib.stored_run_settings(stored["run"]).items()
           if k == "steps" or k not in config_lib.RESUMABLE_FIELDS}
    return {"model": stored["model"], "run": run}


def _needs_training(run_dir, run_cfg, model_cfg):
    """True unless the run finished with these settings (``runner.train`` resumes a run to new
    ``--steps`` and refuses other changes, naming them)."""
    if not (run_dir / "result.json").exists() or not (run_dir / "config.json").exists():
        return True
    stored = json.loads((run_dir / "config.json").read_text())
    return (stored["run"].get("steps") != run_cfg.steps
            or bool(config_lib.settings_differences(stored, run_cfg, model_cfg)))


def _read_cache(path):
    if not path.exists():
        return {}
    cache = json.loads(path.read_text())
    if cache.get("version") != CACHE_VERSION:  # errors.json before the settings were stored
        print(f"{path}: written without its settings; recomputing every set.", flush=True)
        return {}
    return cache["sets"]


def _changes(old, new, prefix=""):
    """``["key: old -> new", ...]`` between two nested settings dicts."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _changes(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return out


def sweep(run_template, overrides, *, dims, models=SWEEP_MODELS, sets=image_sets.IMAGE_SETS,
          num=64, search_steps=10_000, search_lr=1e-3, shift=4, ood="gratings",
          projection="ball", search_start="auto", search_k=inversion.DEFAULT_START_K):
    """Trains, inverts and writes the curves (module docstring); returns the CSV rows."""
    try:
        dims = [int(d) for d in dims]
    except (TypeError, ValueError):
        raise ValueError(f"--dims must be positive integers, got {list(dims)!r}.") from None
    if not dims or min(dims) < 1:
        raise ValueError(f"--dims must be positive integers, got {dims!r}.")
    for name in models:
        if name not in SWEEP_MODELS:
            raise ValueError(f"--models must be among {SWEEP_MODELS}, got {name!r}.")
    sets = list(dict.fromkeys(sets))
    for name in sets:
        if name not in image_sets.IMAGE_SETS:
            raise ValueError(f"--image_sets must be among {image_sets.IMAGE_SETS}, got {name!r}.")
    projection = projection or "ball"  # Eq. 5 (the WGAN-GP's prior is N(0, I))
    if projection not in inversion.PROJECTIONS:
        raise ValueError(f"--projection must be one of {', '.join(inversion.PROJECTIONS)}, got "
                         f"{projection!r}.")
    check_search_start(search_start, search_k)
    if not isinstance(search_steps, int) or search_steps < 1:
        raise ValueError(f"--search_steps must be a positive integer, got {search_steps!r}.")
    if not search_lr > 0:
        raise ValueError(f"--search_lr must be > 0, got {search_lr!r}.")
    out = Path(run_template.out)
    out.mkdir(parents=True, exist_ok=True)
    crop = None if run_template.crop == "auto" else run_template.crop
    data = dict(dataset=run_template.dataset, n=num, image_size=run_template.image_size,
                seed=run_template.seed, num_images=run_template.num_images, crop=crop)
    images = {name: image_sets.image_set(name, shift=shift, ood=ood,
                                         data_dir=run_template.data_dir or None, **data)
              for name in sets}
    set_settings = {name: {**data, **({"shift": shift} if name == "shifted" else {}),
                           **({"ood": ood} if name == "ood" else {})} for name in sets}
    search = {"steps": search_steps, "learning_rate": search_lr, "projection": projection,
              "start": search_start, "k": search_k, "seed": run_template.seed}
    rows, grids = [], {m: [] for m in models}
    for model_name in models:
        fields = {f.name for f in dataclasses.fields(registry.get_model_spec(model_name).config_cls)}
        for dim in dims:
            run_dir = out / f"{model_name}_d{dim}"
            run_cfg = dataclasses.replace(
                run_template, model=model_name, out=str(run_dir),
                export_dir=str(run_dir / "export"),
                **({"eval_every": 0} if model_name == "ae" else {})).data_resolved()
            model_cfg = runner.resolve_model_config(
                run_cfg, {**{k: v for k, v in overrides.items() if k in fields}, "latent_dim": dim})
            if _needs_training(run_dir, run_cfg, model_cfg):
                with _without_remapper():
                    runner.train(run_cfg, model_cfg)
            trained = _trained_settings(run_dir)
            cache_path = run_dir / "errors.json"
            cache = _read_cache(cache_path)
            model = inverter = None
            for name in sets:
                is_gan = model_name != "ae"
                settings = {"run": trained, "images": set_settings[name],
                            "method": {"inversion": search} if is_gan else "encoder"}
                cached = cache.get(name)
                if cached is not None and cached["settings"] == settings:
                    continue
                if cached is not None:
                    print(f"{run_dir.name}: recomputing {name} ("
                          f"{'; '.join(_changes(cached['settings'], settings))})", flush=True)
                if model is None:
                    from tfgan_latent.train.evaluate import load_run

                    model = load_run(run_dir)[2]
                    if not _is_autoencoder(model):  # one compiled loop for every set
                        inverter = inversion.Inverter(model.output_generator,
                                                      learning_rate=search_lr,
                                                      projection=projection)
                gan_search = {k: search[k] for k in ("steps", "start", "k", "seed")}
                errors, recon = _reconstruct(model, images[name], inverter, gan_search)
                cache[name] = {"settings": settings, "errors": errors.tolist()}
                if name == "val":
                    np.save(run_dir / "recon_val.npy", recon[:8])
                cache_path.write_text(json.dumps({"version": CACHE_VERSION, "sets": cache})
                                      + "\n")
            if "val" in sets and (run_dir / "recon_val.npy").exists():
                grids[model_name].append(np.load(run_dir / "recon_val.npy"))
            for name in sets:
                x, err = images[name], np.asarray(cache[name]["errors"], np.float64)
                rows.append({"model": model_name, "dataset": run_template.dataset, "dim_z": dim,
                             "image_set": name, "n_images": len(err),
                             "mse_mean": float(np.mean(err)), "mse_std": float(np.std(err)),
                             "mse_median": float(np.median(err)),
                             "zero_baseline": float(np.mean(x ** 2))})
    with open(out / "curves.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    _plot(rows, out / "curves.png")
    if "val" in images:
        for model_name, recons in grids.items():
            if recons:
                grid = np.concatenate([images["val"][:8]] + recons)
                samples.save_image_grid(grid, out / f"recon_{model_name}.png", columns=8)
    return rows


def _plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(dict.fromkeys(r["image_set"] for r in rows))
    fig, axes = plt.subplots(1, len(sets), figsize=(3.2 * len(sets), 3.2), dpi=100, squeeze=False)
    for ax, name in zip(axes[0], sets):
        for model in dict.fromkeys(r["model"] for r in rows):
            sel = sorted((r for r in rows if r["image_set"] == name and r["model"] == model),
                         key=lambda r: r["dim_z"])
            ax.errorbar([r["dim_z"] for r in sel], [r["mse_mean"] for r in sel],
                        yerr=[r["mse_std"] for r in sel], marker="o", capsize=2, label=model)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("dim(z)")
    axes[0][0].set_ylabel("per-pixel MSE")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

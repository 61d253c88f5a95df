"""``sweep``: the latent-dimension study in one command (§5, Figs. 3, 5-8).

For every dim(z) in ``--dims`` and every model in ``--models`` (default: the WGAN-GP and the
autoencoder of the same architecture), trains a run in ``OUT/<model>_d<dim>/`` (resumable:
a finished run is not retrained, an interrupted one resumes from its checkpoint), then measures
the per-image reconstruction MSE on [−1, 1] images of each image set
(``tfgan_latent.data.image_sets``): the GAN by projected-Adam inversion (Eq. 5,
``tfgan_latent.inversion``), the AE through its encoder, d(e(x)) (research/latent_dim.md §4.10).
Results per (model, dim) are cached in ``errors.json`` beside the run, so a rerun skips finished
pairs. Writes ``curves.csv`` (model, dataset, dim_z, image_set, n_images, mse_mean, mse_std,
mse_median, zero_baseline), ``curves.png`` (log-log, one panel per image set, like Figs. 3, 6-8)
and ``recon_<model>.png`` (validation images and their reconstruction at every dim, Fig. 5).
"""
import csv
import dataclasses
import json
from pathlib import Path

import keras
import numpy as np

from tfgan_latent import inversion
from tfgan_latent.data import image_sets
from tfgan_latent.train import registry, runner, samples
from tfgan_latent.train.config import RunConfig

SWEEP_MODELS = ("wgan_gp_resize", "ae")
CSV_FIELDS = ("model", "dataset", "dim_z", "image_set", "n_images", "mse_mean", "mse_std",
              "mse_median", "zero_baseline")


def _reconstruct(model, x, search_steps, learning_rate):
    """Per-image MSE and reconstructions of ``x`` by ``model`` (AE: d(e(x)); GAN: inversion)."""
    if hasattr(model, "encoder") and not hasattr(model, "output_generator"):
        recon = np.concatenate([keras.ops.convert_to_numpy(model(x[i:i + 256], training=False))
                                for i in range(0, len(x), 256)])
    else:
        recon = inversion.invert(model.output_generator, x, steps=search_steps,
                                 learning_rate=learning_rate, projection="ball").reconstructions
    return ((recon - x) ** 2).reshape(len(x), -1).mean(axis=1), recon


def sweep(run_template, overrides, *, dims, models=SWEEP_MODELS, sets=image_sets.IMAGE_SETS,
          num=64, search_steps=10_000, search_lr=1e-3, shift=4, ood="gratings"):
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
    for name in sets:
        if name not in image_sets.IMAGE_SETS:
            raise ValueError(f"--image_sets must be among {image_sets.IMAGE_SETS}, got {name!r}.")
    out = Path(run_template.out)
    out.mkdir(parents=True, exist_ok=True)
    data_args = dict(dataset=run_template.dataset, n=num, image_size=run_template.image_size,
                     seed=run_template.seed)
    images = {name: image_sets.image_set(name, shift=shift, ood=ood,
                                         num_images=run_template.num_images,
                                         data_dir=run_template.data_dir or None, **data_args)
              for name in sets}
    rows, grids = [], {m: [] for m in models}
    for model_name in models:
        fields = {f.name for f in dataclasses.fields(registry.get_model_spec(model_name).config_cls)}
        for dim in dims:
            run_dir = out / f"{model_name}_d{dim}"
            run_cfg = dataclasses.replace(run_template, model=model_name, out=str(run_dir),
                                          export_dir=str(run_dir / "export"))
            model_cfg = runner.resolve_model_config(
                run_cfg, {**{k: v for k, v in overrides.items() if k in fields}, "latent_dim": dim})
            cache = run_dir / "errors.json"
            if cache.exists():
                errors = {k: np.asarray(v) for k, v in json.loads(cache.read_text()).items()}
            else:
                if not (run_dir / "result.json").exists():
                    runner.train(run_cfg, model_cfg)
                from tfgan_latent.train.evaluate import load_run

                model = load_run(run_dir)[2]
                errors, recon_val = {}, None
                for name, x in images.items():
                    errors[name], recon = _reconstruct(model, x, search_steps, search_lr)
                    if name == "val":
                        recon_val = recon[:8]
                cache.write_text(json.dumps({k: v.tolist() for k, v in errors.items()}) + "\n")
                if recon_val is not None:
                    np.save(run_dir / "recon_val.npy", recon_val)
            if (run_dir / "recon_val.npy").exists():
                grids[model_name].append(np.load(run_dir / "recon_val.npy"))
            for name, err in errors.items():
                x, err = images[name], np.asarray(err, np.float64)
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

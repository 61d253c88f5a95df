"""``invert``: latents of real images by z*-search (every generator) and one shot (BEGAN-CS).

For ``--run=DIR`` or ``--saved_model=DIR`` and real images (``--images=FILE.npy``, else ``--num``
held-out images of the run's data set), writes into ``--out``:

* ``search.png``: rows of [x, G(z*)] pairs, z* from ``tfgan_latent.inversion`` (projected Adam;
  the ball for a N(0, I) prior, the box [−1, 1] for a U(−1, 1) prior; started as
  ``--search_start`` says: by default from z = 0, the paper's, unless the error's gradient
  vanishes there, then from the best of ``--search_k`` draws from the prior);
* with an encoder (a BEGAN-CS run, or an export with an ``encode`` signature), z* = Enc(x) in
  one pass ([P] §3.2, §4.5): ``oneshot.png`` (columns x, Dec(Enc(x)) when the run has D's
  decoder, G(Enc(x)), G(z*-search)), ``slerp.png`` (x₁, G(slerp(Enc x₁, Enc x₂, t)) for 10 t in
  [0, 1], x₂; [C] ``test``), ``traverse.png`` (coordinate ``--traverse_dim`` of Enc(x) set to
  −5 … 5; [P] §4.7);
* ``inversion.json``: per method the mean / median per-image MSE on [−1, 1] images and the
  seconds per image (the search: also its start and how many images stalled at z = 0);
  ``z_search.npy`` (and ``z_oneshot.npy``), ``errors.npz``.
"""
import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_latent import inversion
from tfgan_latent.data.image_sets import held_out_images
from tfgan_latent.train import samples

class _Target:
    """What ``invert_images`` needs of a run or an export: G, its prior, maybe Enc and Dec."""

    def __init__(self, generate, latent_dim, prior, dataset, image_size, encode=None,
                 decode=None, num_images=5000, crop=None):
        self.generate, self.latent_dim, self.prior = generate, latent_dim, prior
        self.dataset, self.image_size = dataset, image_size
        self.encode, self.decode = encode, decode
        self.num_images, self.crop = num_images, crop  # the training set the held-out avoids


def _run_target(run_dir):
    from tfgan_latent.train.evaluate import load_run

    run_cfg, _, model = load_run(run_dir)
    if not hasattr(model, "output_generator"):
        raise ValueError(f"--run={run_dir}: a --model={run_cfg.model} run has no generator to "
                         "invert.")
    generator = model.output_generator
    encode = decode = None
    if hasattr(model, "encode") and hasattr(model, "decoder_reconstruction"):
        encode = lambda x: keras.ops.convert_to_numpy(model.encode(x))
        decode = lambda x: keras.ops.convert_to_numpy(model.decoder_reconstruction(x))
    return _Target(generator, model.latent_dim, model.latent_prior, run_cfg.dataset,
                   run_cfg.image_size, encode, decode, run_cfg.num_images,
                   None if run_cfg.crop == "auto" else run_cfg.crop)


def _saved_model_target(export_dir):
    from tfgan_latent.train import export

    meta = export.read_metadata(export_dir)
    loaded = tf.saved_model.load(str(export_dir))
    serving = loaded.signatures["serving_default"]
    latent_dim = int(serving.structured_input_signature[1]["z"].shape[-1])
    encode = None
    if "encode" in loaded.signatures:
        sig = loaded.signatures["encode"]
        (name,) = sig.structured_input_signature[1]
        encode = lambda x: sig(**{name: tf.constant(x)})["z"].numpy()
    return _Target(loaded, latent_dim, meta.get("latent_prior", "normal"),
                   meta.get("dataset"), meta.get("image_size") or _output_size(serving), encode)


def _output_size(signature):
    """The image size of a signature's single image output (None when not an image)."""
    shapes = [spec.shape for spec in signature.structured_outputs.values()]
    return shapes[0][1] if len(shapes) == 1 and shapes[0].rank == 4 else None


def invert_images(run_dir=None, *, saved_model=None, images=None, num=16, out, steps=10_000,
                  learning_rate=1e-3, projection="", traverse_dim=0, seed=0, data_dir=None,
                  dataset=None, start="auto", start_k=inversion.DEFAULT_START_K):
    """The ``invert`` command (module docstring); returns the ``inversion.json`` dict."""
    if bool(run_dir) == bool(saved_model):
        raise ValueError("invert needs exactly one of --run=DIR or --saved_model=DIR.")
    if not out:
        raise ValueError("invert needs --out=DIR (a folder for the grids and arrays).")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"--search_steps must be a positive integer, got {steps!r}.")
    if not learning_rate > 0:
        raise ValueError(f"--search_lr must be > 0, got {learning_rate!r}.")
    if not isinstance(num, int) or num < 2:
        raise ValueError(f"--num must be an integer >= 2 (images to invert), got {num!r}.")
    check_search_start(start, start_k)
    if projection and projection not in inversion.PROJECTIONS:
        raise ValueError(f"--projection must be one of {inversion.PROJECTIONS} (or empty: the "
                         f"prior's own), got {projection!r}.")
    target = _run_target(run_dir) if run_dir else _saved_model_target(saved_model)
    if images is not None:
        x = np.load(images).astype(np.float32)[:num]
    elif dataset or target.dataset:
        same = not dataset or dataset == target.dataset  # the run's own set: avoid its images
        x = held_out_images(dataset or target.dataset, num, target.image_size, seed, data_dir,
                            num_images=target.num_images if same else 5000,
                            crop=target.crop if same else None)
    else:
        raise ValueError("this export names no data set; pass --images=FILE.npy or --dataset=NAME.")
    projection = projection or ("box" if target.prior == "uniform" else "ball")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    inverter = inversion.Inverter(target.generate, latent_dim=target.latent_dim,
                                  learning_rate=learning_rate, projection=projection)
    search = dict(start=start, k=start_k, seed=seed)
    inverter(x, steps=1, **search)  # trace the loop (these shapes) outside the timing
    began = time.perf_counter()
    found = inverter(x, steps=steps, **search)
    search_seconds = (time.perf_counter() - began) / len(x)
    np.save(out / "z_search.npy", found.z)
    samples.save_image_grid(np.stack([x, found.reconstructions], 1).reshape((-1,) + x.shape[1:]),
                            out / "search.png", columns=8)
    source = str(images) if images is not None else f"held-out {dataset or target.dataset}"
    result = {"images": source, "num_images": len(x), "projection": projection,
              "search_steps": steps,
              "search": {"mse_mean": float(found.mse.mean()),
                         "mse_median": float(np.median(found.mse)),
                         "seconds_per_image": search_seconds, "start": start,
                         "start_k": start_k,
                         "stalled_at_zero": int(found.stalled.sum()),
                         "starts_used": {str(k): int(v) for k, v in zip(
                             *np.unique(found.start, return_counts=True))}}}
    errors = {"search": found.mse}
    if target.encode is not None:
        began = time.perf_counter()
        z = np.asarray(target.encode(x), np.float32)
        recon = np.asarray(_generate(target.generate, z), np.float32)
        oneshot_seconds = (time.perf_counter() - began) / len(x)
        mse = ((recon - x) ** 2).reshape(len(x), -1).mean(axis=1)
        errors["oneshot"] = mse
        np.save(out / "z_oneshot.npy", z)
        result["oneshot"] = {"mse_mean": float(mse.mean()), "mse_median": float(np.median(mse)),
                             "seconds_per_image": oneshot_seconds}
        columns = [x] + ([target.decode(x)] if target.decode else []) + [recon,
                                                                          found.reconstructions]
        samples.save_image_grid(np.stack(columns, 1).reshape((-1,) + x.shape[1:]),
                                out / "oneshot.png", columns=len(columns))
        half = len(x) // 2
        rows = [np.concatenate([x[i:i + 1], _generate(target.generate, np.stack(
            [inversion.slerp(t, z[i], z[half + i]) for t in np.linspace(0, 1, 10)]).astype(
                np.float32)), x[half + i:half + i + 1]]) for i in range(min(half, 8))]
        samples.save_image_grid(np.concatenate(rows), out / "slerp.png", columns=12)
        walk = inversion.traverse(z[:8], traverse_dim)
        frames = _generate(target.generate, walk.reshape(-1, z.shape[1]))
        samples.save_image_grid(frames, out / "traverse.png", columns=walk.shape[1])
    np.savez(out / "errors.npz", **errors)
    (out / "inversion.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def check_search_start(start, start_k):
    """Raises ValueError naming ``--search_start`` / ``--search_k`` (``invert`` and ``sweep``)."""
    if start not in inversion.STARTS:
        raise ValueError(f"--search_start must be one of {', '.join(inversion.STARTS)}, got "
                         f"{start!r}.")
    if not isinstance(start_k, int) or start_k < 1:
        raise ValueError(f"--search_k must be a positive integer (random starts per image), "
                         f"got {start_k!r}.")


def _generate(generate, z):
    fn = inversion.generator_function(generate)
    return keras.ops.convert_to_numpy(fn(tf.constant(z, tf.float32)))

"""Latent prior and latent-space walks of the growing thesis, and numeric variability scores.

* ``unit_latents``: z ~ N(0, I_256) "normalized to unit length" (§7.2.3); a cycle with
  latent size d feeds the prefix ``z[:, :d]``.
* ``group_walk`` (§7.2.1): a reference z and keypoints that differ from it only in one
  group of coordinates, linearly interpolated (code: 5 keypoints, 25 steps each).
* ``coordinate_walk`` (§7.2.2): one coordinate swept over [-0.125, 0.125].
* ``style_mix`` (§9): one group's coordinates copied from another latent.
* ``group_variability`` (§9, proposed metric): the minibatch-stddev scalar (mean over
  pixels of the per-pixel std) of n outputs that differ only in one group.
* ``dimension_variability``: how much the output changes along each coordinate,
  ``E_z ||G(z + d e_i) - G(z - d e_i)|| / (2 d)``, a per-dimension number for the
  "ordered by saliency" claim.

Groups are 0-based half-open slices; the thesis's {1-8, 9-16, 17-32, ...} are
``THESIS_GROUPS``.

Every function that draws latents takes the run's normalisation (``latent_settings(gan)``):
a run trained with ``--latent_normalization=batch`` saw rows of norm about 1/√B, so its walks
and variability scores must redraw groups at that scale, not at norm 1.
"""
import numpy as np

from tfgan_latent.models.gan import unit_norm

THESIS_GROUPS = ((0, 8), (8, 16), (16, 32), (32, 64), (64, 128), (128, 256))  # §7.2.1
NORMALIZATIONS = ("per_sample", "batch")


def unit_latents(batch, dim=256, seed=547, normalization="per_sample", batch_size=None):
    """``[batch, dim]`` normal draws scaled to unit norm (§7.2.3; seed 547 as the code).

    ``"per_sample"`` (the text): every row has norm 1. ``"batch"`` (the authors' code,
    growing.md A2): the matrix is divided by its Frobenius norm; with ``batch_size`` (the run's
    training batch) rows are drawn in whole blocks of ``batch_size``, each block divided by its
    own Frobenius norm as training divides each batch, and the first ``batch`` rows returned, so
    every row has the scale the generator was trained on (about 1/√batch_size) even when fewer
    rows than a batch are asked for.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"`normalization` must be one of {NORMALIZATIONS}, got {normalization!r}.")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"`batch_size` must be a positive int or None, got {batch_size!r}.")
    block = batch_size if normalization == "batch" and batch_size else batch
    rows = -(-batch // block) * block  # whole blocks: every row at a training batch's scale
    z = np.random.default_rng(seed).standard_normal((rows, dim))
    z = unit_norm(z, None if normalization == "per_sample" else block)
    return z[:batch].astype("float32")


def latent_settings(gan):
    """``{"normalization", "batch_size"}`` of a growing model's training latents, for the
    functions here that draw latents."""
    normalization = gan.latent_normalization
    return {"normalization": normalization,
            "batch_size": gan.latent_batch_size if normalization == "batch" else None}


def variability_groups(latent_dim):
    """``THESIS_GROUPS`` cut to ``latent_dim``: the coordinates each cycle adds when the latent
    doubles per cycle up to ``latent_dim`` from 8 (thesis §7.2.1 at 256: 1-8, 9-16, 17-32, ...)."""
    return tuple((a, min(b, latent_dim)) for a, b in THESIS_GROUPS if a < latent_dim)


def run_group_variability(generator, latent_dim, seed, references=4, n=64, **latents):
    """``{"group_variability_<a>_<b>": score}``: ``group_variability`` over
    ``variability_groups(latent_dim)``, averaged over ``references`` reference latents
    (``unit_latents(references, latent_dim, 547 + seed)``; group ``i`` of reference ``r`` redrawn
    with seed ``r``), all drawn with ``latents`` (``latent_settings(gan)``)."""
    groups = variability_groups(latent_dim)
    refs = unit_latents(references, latent_dim, 547 + seed, **latents)
    scores = np.mean([group_variability(generator, ref, groups, n=n, seed=r, **latents)
                      for r, ref in enumerate(refs)], axis=0)
    return {f"group_variability_{a}_{b}": float(v) for (a, b), v in zip(groups, scores)}


def _check_group(group, dim):
    start, stop = group
    if not 0 <= start < stop <= dim:
        raise ValueError(f"`group` must be (start, stop) with 0 <= start < stop <= {dim}, got {group!r}.")
    return start, stop


def resample_group(reference, group, n, seed=0, normalization="per_sample", batch_size=None):
    """``n`` copies of ``reference`` whose ``group`` slice is redrawn from the prior
    (``unit_latents`` with ``normalization`` and ``batch_size``)."""
    reference = np.asarray(reference, "float32")
    start, stop = _check_group(group, reference.shape[-1])
    fresh = unit_latents(n, reference.shape[-1], seed, normalization, batch_size)
    out = np.repeat(reference[None], n, axis=0)
    out[:, start:stop] = fresh[:, start:stop]
    return out


def group_walk(reference, group, num_points=5, steps=25, seed=0, normalization="per_sample",
               batch_size=None):
    """Keypoints (the reference + ``num_points - 1`` group resamples) and the path through them.

    Returns ``(keypoints [num_points, dim], path [(num_points - 1) * steps + 1, dim])``;
    the path visits every keypoint (every ``steps``-th row) and only ``group`` changes.
    """
    reference = np.asarray(reference, "float32")
    fresh = resample_group(reference, group, num_points - 1, seed, normalization, batch_size)
    keys = np.concatenate([reference[None], fresh])
    t = np.linspace(0.0, 1.0, steps, endpoint=False, dtype="float32")[:, None]
    path = [a + t * (b - a) for a, b in zip(keys[:-1], keys[1:])]
    return keys, np.concatenate(path + [keys[-1:]]).astype("float32")


def coordinate_walk(reference, index, low=-0.125, high=0.125, steps=50):
    """``steps`` copies of ``reference`` with coordinate ``index`` set to ``linspace(low, high)``."""
    reference = np.asarray(reference, "float32")
    if not 0 <= index < reference.shape[-1]:
        raise ValueError(f"`index` must be in [0, {reference.shape[-1]}), got {index!r}.")
    out = np.repeat(reference[None], steps, axis=0)
    out[:, index] = np.linspace(low, high, steps)
    return out


def style_mix(reference, style, group):
    """``reference`` with its ``group`` slice copied from ``style`` (§9 style transfer).

    Works row-wise on ``[n, dim]`` arrays or on single ``[dim]`` latents (code
    ``latent_random_style_change.py``).
    """
    reference = np.array(reference, "float32")
    style = np.asarray(style, "float32")
    if reference.shape != style.shape:
        raise ValueError(f"`style` must have the shape of `reference` {reference.shape}, got {style.shape}.")
    start, stop = _check_group(group, reference.shape[-1])
    reference[..., start:stop] = style[..., start:stop]
    return reference


def _generate(generator, z):
    return np.asarray(generator(z, training=False), dtype="float64")


def group_variability(generator, reference, groups=THESIS_GROUPS, n=64, seed=0, epsilon=1e-8,
                      normalization="per_sample", batch_size=None):
    """Per group: mean over output entries of ``sqrt(var over n samples + eps)`` (§9).

    The n samples share ``reference`` except in the group (redrawn with ``normalization`` and
    ``batch_size``). A generator that ignores a group scores ``sqrt(eps)`` = 1e-4 there.
    """
    scores = []
    for group in groups:
        out = _generate(generator, resample_group(reference, group, n, seed, normalization,
                                                  batch_size))
        scores.append(float(np.mean(np.sqrt(np.var(out, axis=0) + epsilon))))
    return scores


def dimension_variability(generator, z, delta=1e-2):
    """Per coordinate i: mean over z of ``||G(z + d e_i) - G(z - d e_i)|| / (2 d)``."""
    z = np.asarray(z, "float32")
    scores = []
    for i in range(z.shape[1]):
        step = np.zeros_like(z)
        step[:, i] = delta
        diff = _generate(generator, z + step) - _generate(generator, z - step)
        norms = np.linalg.norm(diff.reshape(len(z), -1), axis=1)
        scores.append(float(np.mean(norms) / (2 * delta)))
    return np.asarray(scores)


def save_walk_grid(generator, rows, path):
    """One PNG row per latent path (``rows``: ``[num_rows, length, dim]``), e.g. the
    keypoints of ``group_walk`` or a ``coordinate_walk``; images in [-1, 1]."""
    from tfgan_latent.train import samples

    rows = np.asarray(rows, "float32")
    if rows.ndim != 3:
        raise ValueError(f"`rows` must be [num_rows, length, dim], got shape {rows.shape}.")
    images = _generate(generator, rows.reshape(-1, rows.shape[-1]))
    samples.save_image_grid(images.astype("float32"), path, columns=rows.shape[1], scale=2)
    return path

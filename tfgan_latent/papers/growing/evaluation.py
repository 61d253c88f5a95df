"""Swiss-roll evaluation of the growing thesis: numbers for Figs. 7-9 and the figures.

The thesis reports the Swiss-roll results (§7.1) only as figures: generated points
coloured by D, and the latent square coloured by D. Its claims are that a from-scratch
GAN encodes the walk along the roll **diagonally** in z (Fig. 8b), while the grown one
aligns it with the z_1 axis (Fig. 9b). The numbers here (research/growing.md §2, "What a
2-core CPU can reproduce") make that checkable:

* ``axis_alignment_ratio``: ``E_z ||dG/dz_1|| / E_z ||dG/dz_2||`` over a latent grid on
  [-1, 1]^2: about 1 for a diagonal encoding, >> 1 when z_1 carries the variation.
* ``roll_projection`` / ``mean_roll_distance``: distance of generated points to the
  noiseless roll ``(t cos t, t sin t)``, t in [1.5π, 4.5π] (sample quality; the data's
  own noise is N(0, 0.5²) per axis), and the roll parameter t of the nearest point.
* ``spearman``: rank correlation, e.g. of that t with z_1 and with z_2.
* ``save_swiss_roll_figure``: the Fig. 7-9 panels (a) generated points over the dense
  latent grid coloured by sigmoid(D(G(z))), real points as crosses, and (b) the latent
  square coloured by the same values (authors' ``restore_and_retrain.py`` "advanced"
  plot: ``np.mgrid[-1:1:0.01, -1:1:0.01]``).
"""
import math
from pathlib import Path

import numpy as np
import tensorflow as tf

ROLL_T_RANGE = (1.5 * math.pi, 4.5 * math.pi)  # sklearn make_swiss_roll: t = 1.5π(1 + 2U)


def latent_grid(points_per_axis=101, low=-1.0, high=1.0):
    """``[points_per_axis², 2]`` float32 grid on ``[low, high]²`` (both ends included).

    Row ``i * points_per_axis + j`` holds ``(v[i], v[j])``.
    """
    v = np.linspace(low, high, points_per_axis, dtype=np.float64)
    z1, z2 = np.meshgrid(v, v, indexing="ij")
    return np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)


def dense_latent_grid(step=0.01):
    """The authors' plotting grid ``np.mgrid[-1:1:step, -1:1:step]`` as ``[N, 2]`` float32."""
    return np.mgrid[-1:1:step, -1:1:step].reshape(2, -1).T.astype(np.float32)


def latent_sensitivities(generator, z=None, points_per_axis=101, batch_size=4096):
    """Per latent coordinate k: ``E_z ||dG(z)/dz_k||`` (Euclidean norm over G's outputs).

    Args:
        generator: any differentiable TF/Keras callable ``[B, d] -> [B, ...]``.
        z: the latents to average over (default: ``latent_grid(points_per_axis)``, 2-D).
        points_per_axis: grid size when ``z`` is None.
        batch_size: latents per Jacobian batch.

    Returns:
        float64 array ``[d]``.
    """
    z = latent_grid(points_per_axis) if z is None else np.asarray(z, dtype=np.float32)
    if z.ndim != 2:
        raise ValueError(f"`z` must have shape [N, latent_dim], got {z.shape}.")
    sums = np.zeros(z.shape[1], dtype=np.float64)
    for start in range(0, len(z), batch_size):
        zb = tf.constant(z[start:start + batch_size])
        with tf.GradientTape() as tape:
            tape.watch(zb)
            out = generator(zb)
            out = tf.reshape(tf.cast(out, tf.float32), (tf.shape(zb)[0], -1))
        jac = tape.batch_jacobian(out, zb).numpy().astype(np.float64)  # [B, out, d]
        sums += np.linalg.norm(jac, axis=1).sum(axis=0)
    return sums / len(z)


def axis_alignment_ratio(generator, z=None, points_per_axis=101, batch_size=4096):
    """``E_z ||dG/dz_1|| / E_z ||dG/dz_2||`` over a latent grid on [-1, 1]² (or ``z``).

    About 1 when the main variation runs diagonally in z (thesis Fig. 8b), much larger
    than 1 when it runs along z_1 (Fig. 9b, grown). For a linear ``G(z) = A z`` it is
    ``||A[:, 0]|| / ||A[:, 1]||``. ``inf`` if G ignores z_2 (e.g. before the growth).

    Reference: research/growing.md §2 (numeric stand-in for Sandström 2019, Figs. 8-9).
    """
    s = latent_sensitivities(generator, z, points_per_axis, batch_size)
    if s.shape[0] < 2:
        raise ValueError(f"axis_alignment_ratio needs a latent of size >= 2, got {s.shape[0]}.")
    return float(s[0] / s[1]) if s[1] > 0 else math.inf


def _roll(t):
    c, s = np.cos(t), np.sin(t)
    point = np.stack([t * c, t * s], axis=-1)
    d1 = np.stack([c - t * s, s + t * c], axis=-1)
    d2 = np.stack([-2.0 * s - t * c, 2.0 * c - t * s], axis=-1)
    return point, d1, d2


def roll_projection(points, t_range=ROLL_T_RANGE, num_curve_points=2001, newton_steps=4,
                    chunk=4096):
    """Nearest point of the noiseless Swiss roll to each point: ``(t, distance)``.

    The roll is the curve ``c(t) = (t cos t, t sin t)``, t in ``t_range`` (the 2-D
    columns (x, z) of scikit-learn's ``make_swiss_roll`` without noise). The nearest
    of ``num_curve_points`` evenly spaced curve points is refined by Newton steps on
    ``|c(t) - p|²`` (kept only where they lower it, t clipped to the range), so points on
    the roll get distance 0 up to float64 round-off.

    Args:
        points: ``[N, 2]`` array.

    Returns:
        ``(t [N], distance [N])`` float64 arrays.
    """
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"`points` must have shape [N, 2], got {p.shape}.")
    lo, hi = t_range
    grid = np.linspace(lo, hi, num_curve_points)
    curve = _roll(grid)[0]
    t = np.empty(len(p))
    curve_sq = (curve**2).sum(-1)
    for start in range(0, len(p), chunk):
        block = p[start:start + chunk]  # |p - c|² up to the per-row constant |p|²
        t[start:start + chunk] = grid[np.argmin(curve_sq[None] - 2.0 * block @ curve.T, axis=1)]
    for _ in range(newton_steps):
        c, d1, dd = _roll(t)
        r = c - p
        f1 = 2.0 * (r * d1).sum(-1)
        f2 = 2.0 * ((d1 * d1).sum(-1) + (r * dd).sum(-1))
        with np.errstate(divide="ignore", invalid="ignore"):
            cand = np.clip(np.where(f2 > 0, t - f1 / f2, t), lo, hi)
        better = ((_roll(cand)[0] - p) ** 2).sum(-1) <= (r**2).sum(-1)
        t = np.where(better, cand, t)
    return t, np.linalg.norm(_roll(t)[0] - p, axis=-1)


def mean_roll_distance(points, **kwargs):
    """Mean distance of ``points`` to the noiseless Swiss roll (see ``roll_projection``)."""
    return float(np.mean(roll_projection(points, **kwargs)[1]))


def spearman(a, b):
    """Spearman rank correlation of two 1-D arrays (no tie correction: continuous data)."""
    ra = np.argsort(np.argsort(np.asarray(a))).astype(np.float64)
    rb = np.argsort(np.argsort(np.asarray(b))).astype(np.float64)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra**2).sum() * (rb**2).sum()))


def generate_and_score(generator, discriminator, z, batch_size=8192):
    """``(G(z), sigmoid(D(G(z))))`` as numpy ``[N, 2]`` and ``[N]``, in batches."""
    points, scores = [], []
    for start in range(0, len(z), batch_size):
        x = generator(tf.constant(z[start:start + batch_size]), training=False)
        d = tf.sigmoid(tf.cast(discriminator(x, training=False), tf.float32))
        points.append(np.asarray(x))
        scores.append(np.asarray(d).reshape(-1))
    return np.concatenate(points), np.concatenate(scores)


def plot_generated(ax, points, scores, real=None, norm=None, cmap="viridis"):
    """Panel (a): generated points coloured by sigmoid(D), real points as crosses."""
    art = ax.scatter(points[:, 0], points[:, 1], c=scores, s=1, marker=".", norm=norm, cmap=cmap,
                     label="generated", rasterized=True)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], marker="x", s=12, c="tab:blue", linewidths=0.8,
                   label="real")
    if np.all(np.abs(points) <= 15):  # the code's [-15, 15]² view; wider points: autoscale
        ax.set_xlim(-15, 15)
        ax.set_ylim(-15, 15)
    ax.set_aspect("equal")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=7)
    return art


def plot_latent(ax, z, scores, norm=None, cmap="viridis"):
    """Panel (b): the latent square, each z coloured by sigmoid(D(G(z)))."""
    art = ax.scatter(z[:, 0], z[:, 1], c=scores, s=1, marker="s", norm=norm, cmap=cmap,
                     rasterized=True)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    return art


def save_swiss_roll_figure(generator, discriminator, path, real=None, title="", step=0.01,
                           dpi=90):
    """Writes the Fig. 7-9 style two-panel PNG for a 2-D-latent generator; returns the path.

    (a) ``G(z)`` over the dense latent grid (``step`` 0.01: 200 x 200 points), coloured
    by ``sigmoid(D(G(z)))``, with ``real`` points as crosses; (b) the latent square
    coloured by the same values, with one shared colour bar.

    Reference: Sandström 2019, Figs. 7-9; grid and panels of the authors'
    ``Swiss_roll/gan/restore_and_retrain.py`` (``--advplot advanced``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    z = dense_latent_grid(step)
    points, scores = generate_and_score(generator, discriminator, z)
    norm = Normalize(vmin=float(scores.min()), vmax=float(scores.max()))
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    plot_generated(ax0, points, scores, real, norm)
    ax0.set_title("(a) G(z) coloured by D(G(z))")
    art = plot_latent(ax1, z, scores, norm)
    ax1.set_title("(b) latent space coloured by D(G(z))")
    fig.colorbar(art, ax=[ax0, ax1], label="sigmoid(D(G(z)))", shrink=0.9)
    if title:
        fig.suptitle(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path

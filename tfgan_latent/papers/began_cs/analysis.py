"""BEGAN-CS's latent-space analysis ([P] §3.1, Fig. 2).

Fig. 2 fits a PCA on the real latents Enc(x) at each epoch, projects Enc(x) and Enc(G(z)) on it
and reports "Var(real)" and "Var(gen)"; the paper does not define Var (research/began_cs.md
§4.14): here it is the trace of the latents' covariance (the total variance, in all d
dimensions, which the 2-D projection shows a part of).
"""
import numpy as np


def latent_pca(real_codes, fake_codes, components=2):
    """PCA fitted on ``real_codes`` [N, d]; both sets projected on its top ``components``.

    Returns a dict: ``var_real`` / ``var_gen`` (trace of each set's covariance, ``ddof=0``),
    ``real`` / ``fake`` (the projections [N, components]) and ``explained`` (the real set's
    variance along each component).
    """
    real = np.asarray(real_codes, np.float64)
    fake = np.asarray(fake_codes, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1] or len(real) < 2:
        raise ValueError(f"need codes [N, d] with N >= 2 and one d, got {real.shape} and "
                         f"{fake.shape}.")
    mean = real.mean(axis=0)
    _, s, vt = np.linalg.svd(real - mean, full_matrices=False)
    basis = vt[:components]
    return {"var_real": float(np.trace(np.atleast_2d(np.cov(real.T, bias=True)))),
            "var_gen": float(np.trace(np.atleast_2d(np.cov(fake.T, bias=True)))),
            "real": (real - mean) @ basis.T, "fake": (fake - mean) @ basis.T,
            "explained": (s[:components] ** 2 / len(real)).tolist()}


def plot_latent_pca(history, path, max_points=1000):
    """One panel per ``(step, latent_pca dict)``: real (grey) and generated (red) latents."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def xy(points):  # a 1-D code (dim(z) = 1) has one component: drawn on the x axis
        points = np.asarray(points)[:max_points]
        return points[:, 0], points[:, 1] if points.shape[1] > 1 else np.zeros(len(points))

    n = len(history)
    fig, axes = plt.subplots(1, n, figsize=(3 * n, 3.2), dpi=100, squeeze=False)
    for ax, (step, stats) in zip(axes[0], history):
        ax.scatter(*xy(stats["real"]), s=2, c="0.5", label="Enc(x)")
        ax.scatter(*xy(stats["fake"]), s=2, c="tab:red", label="Enc(G(z))")
        ax.set_title(f"step {step}\nVar real {stats['var_real']:.3g} gen {stats['var_gen']:.3g}",
                     fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][0].legend(fontsize=6, loc="upper right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path

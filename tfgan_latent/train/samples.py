"""Sample pictures: fixed-z image grids and 2-D scatter plots (PNG)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def image_grid(images, columns=8):
    """[N, H, W, C] in [-1, 1] → one uint8 [rows·H, columns·W, 3] grid (1-px grey gutters)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError(f"`images` must be [N, H, W, C], got shape {images.shape}.")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.full((rows * (h + 1) + 1, columns * (w + 1) + 1, c), 128, np.uint8)
    pixels = np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    for i, img in enumerate(pixels):
        r, col = divmod(i, columns)
        grid[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + col * (w + 1): 1 + col * (w + 1) + w] = img
    return grid


def save_image_grid(images, path, columns=8, scale=4):
    grid = image_grid(images, columns)
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    plt.imsave(path, grid)
    return path


def save_point_panels(panels, path, titles):
    """One scatter panel per ``[B, 2]`` point set of ``panels``, side by side, same axes."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4), squeeze=False,
                             sharex=True, sharey=True)
    for ax, points, title in zip(axes[0], panels, titles):
        ax.scatter(points[:, 0], points[:, 1], s=2, c="tab:blue")
        ax.set_title(title)
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def save_scatter(fake, path, real=None, title=None, limit=None):
    """Generated points (blue) over real points (grey)."""
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=3, c="0.6", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, c="tab:blue", label="generated")
    if limit is not None:
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path

"""``shapes``: a small synthetic image set with known generative factors.

It is the library's offline image data: the demo default and the data of every image test,
because CelebA and LSUN cannot be fetched without network access. Each image is one flat-coloured
square, circle or triangle on a black background. The factors that made each image are returned
beside it, so disentanglement and interpolation checks have ground truth.

Geometry (continuous image coordinates in [0, 1], x to the right, y downwards; pixel (row i,
column j) of an S×S image has its centre at ((j + 0.5)/S, (i + 0.5)/S) and is painted when that
centre lies in the shape; with h = size/2 and centre (x, y)):

* square (0): |u − x| ≤ h and |v − y| ≤ h;
* circle (1): (u − x)² + (v − y)² ≤ h²;
* triangle (2), apex up: v ≤ y + h and |u − x| ≤ (v − y + h)/2, i.e. apex (x, y − h), base from
  (x − h, y + h) to (x + h, y + h).

Every shape therefore lies inside the box [x − h, x + h] × [y − h, y + h], which lies inside the
image.
"""
import numpy as np

SHAPE_NAMES = ("square", "circle", "triangle")

# Six saturated colours as RGB in [-1, 1] (uint8 0 -> -1, 255 -> +1).
PALETTE = np.array(
    [
        [1.0, -1.0, -1.0],  # red
        [-1.0, 1.0, -1.0],  # green
        [-1.0, -1.0, 1.0],  # blue
        [1.0, 1.0, -1.0],  # yellow
        [1.0, -1.0, 1.0],  # magenta
        [-1.0, 1.0, 1.0],  # cyan
    ],
    dtype=np.float32,
)
COLOUR_NAMES = ("red", "green", "blue", "yellow", "magenta", "cyan")

# Range of the relative size (side of the square, diameter of the circle, base and height of the
# triangle, all as a fraction of the image side). 0.3 keeps a circle at 16×16 about 5 px wide.
SIZE_RANGE = (0.3, 0.6)

_CHUNK = 512  # images per vectorised chunk; bounds the temporary [chunk, S, S] arrays


def make_shapes(num_images, image_size, seed):
    """Generates the ``shapes`` image set.

    Factors, drawn independently from ``np.random.default_rng(seed)``:

    * ``shape``: int32 in {0 square, 1 circle, 2 triangle}, uniform (``SHAPE_NAMES``);
    * ``colour``: int32 in {0..5}, uniform, an index into ``PALETTE`` (``COLOUR_NAMES``);
    * ``size``: float32, uniform in ``SIZE_RANGE`` = [0.3, 0.6), the shape's extent as a fraction
      of the image side;
    * ``x``, ``y``: float32 centre in [0, 1] image coordinates (x to the right, y downwards),
      uniform in [size/2, 1 − size/2) so that the shape is entirely inside the image.

    Args:
        num_images: number of images N (≥ 1).
        image_size: side S of the square images (≥ 8; 16, 32 and 64 are the tested sizes).
        seed: integer seed; the output is a deterministic function of the three arguments.

    Returns:
        ``(images, factors)``: images is float32 [N, S, S, 3] in [−1, 1] with background −1;
        factors is a dict of [N] arrays with the keys above.
    """
    if int(num_images) < 1:
        raise ValueError(f"num_images must be a positive integer, got {num_images!r}.")
    if int(image_size) < 8:
        raise ValueError(f"image_size must be an integer >= 8, got {image_size!r}.")
    factors = draw_factors(np.random.default_rng(seed), int(num_images))
    images = render_shapes(**factors, image_size=int(image_size))
    return images, factors


def draw_factors(rng, n):
    """``n`` factor draws from a numpy ``Generator``, as ``make_shapes`` draws them (dict of [n])."""
    shape = rng.integers(0, len(SHAPE_NAMES), size=n).astype(np.int32)
    colour = rng.integers(0, len(PALETTE), size=n).astype(np.int32)
    size = rng.uniform(SIZE_RANGE[0], SIZE_RANGE[1], size=n).astype(np.float32)
    half = size / 2
    x = (half + (1 - size) * rng.uniform(size=n)).astype(np.float32)
    y = (half + (1 - size) * rng.uniform(size=n)).astype(np.float32)
    return {"shape": shape, "colour": colour, "x": x, "y": y, "size": size}


def render_masks(shape, x, y, size, image_size):
    """The painted pixels of shapes with the given factors: bool [N, S, S].

    (The shapes manifold score caches fits of a reference set keyed by this file's bytes, so
    any change here invalidates them.)

    Pixel (row i, column j) is painted when its centre ((j + 0.5)/S, (i + 0.5)/S) lies in the
    shape (the geometry of the module docstring). Factors are [N] arrays (any real values; no
    range check, so callers may render candidates outside the data's ranges).
    """
    shape = np.asarray(shape)
    x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
    half = np.asarray(size, np.float32) / 2
    n, s = shape.shape[0], int(image_size)
    coords = (np.arange(s, dtype=np.float32) + 0.5) / s
    u = coords[None, None, :]  # column coordinate, [1, 1, S]
    v = coords[None, :, None]  # row coordinate, [1, S, 1]
    mask = np.zeros((n, s, s), dtype=bool)
    for kind in range(len(SHAPE_NAMES)):
        index = np.flatnonzero(shape == kind)
        for start in range(0, len(index), _CHUNK):
            sel = index[start : start + _CHUNK]
            cx, cy, h = x[sel, None, None], y[sel, None, None], half[sel, None, None]
            du, dv = np.abs(u - cx), v - cy
            if kind == 0:  # square
                mask[sel] = (du <= h) & (np.abs(dv) <= h)
            elif kind == 1:  # circle
                mask[sel] = du * du + dv * dv <= h * h
            else:  # triangle, apex up
                mask[sel] = (dv <= h) & (du <= (dv + h) / 2)
    return mask


def render_shapes(shape, colour, x, y, size, image_size):
    """Images of shapes with the given factors: float32 [N, S, S, 3] in [−1, 1].

    ``make_shapes`` draws the factors and calls this; the shapes manifold score re-renders its
    factor estimates with it. ``colour`` indexes ``PALETTE``; the background is −1.
    """
    mask = render_masks(shape, x, y, size, image_size)
    colours = PALETTE[np.asarray(colour)][:, None, None, :]
    return np.where(mask[..., None], colours, np.float32(-1.0))

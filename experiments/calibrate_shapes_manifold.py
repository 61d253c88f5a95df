"""Sets the shapes manifold threshold per image size and scores real and broken images with it.

Threshold (``tfgan_latent.metrics.shapes_manifold.MANIFOLD_THRESHOLDS``): the 99th percentile
of the fit residuals of ``--calibration`` held-out real images rendered with anti-aliased edges
(4×4 supersampling, i.e. pixel coverage instead of pixel-centre sampling) plus N(0, 0.05²) pixel
noise, clipped to [−1, 1]: the same shapes, drawn the way a smooth generator draws them. The
value is rounded up to 3 significant digits and then frozen in the library.

The script then scores, with that threshold, sets of ``--num_images`` images: exact renders of
held-out factors, anti-aliased ones, blurred (Gaussian σ in px), noisy, two-coloured (right half
of the shape in the next palette colour), two shapes overlaid, an off-palette colour (orange),
shapes larger than the data's range, empty frames and uniform noise.

    python experiments/calibrate_shapes_manifold.py --image_sizes=16,32,64

Output: ``experiments/results/shapes_manifold/calibration.json`` and ``calibration.md``.
"""
import json
import math
import time
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401
import numpy as np

from tfgan_latent.data import shapes as shapes_data
from tfgan_latent.metrics import shapes_manifold

flags.DEFINE_list("image_sizes", ["16", "32", "64"], "sizes")
flags.DEFINE_integer("calibration", 10000, "held-out images that set the threshold")
flags.DEFINE_integer("num_images", 2000, "images per scored variant")
flags.DEFINE_string("out", "experiments/results/shapes_manifold", "results folder")
FLAGS = flags.FLAGS

CALIBRATION_SEED, VARIANT_SEED = 1001, 1002
NOISE = 0.05


def _draw(n, seed):
    return shapes_data.draw_factors(np.random.default_rng(seed), n)


def render(f, s, supersample=1):
    big = shapes_data.render_shapes(**f, image_size=s * supersample)
    return big.reshape(-1, s, supersample, s, supersample, 3).mean(axis=(2, 4))


def blur(images, sigma):
    r = int(math.ceil(3 * sigma))
    t = np.arange(-r, r + 1)
    k = np.exp(-t**2 / (2 * sigma**2))
    k /= k.sum()
    pad = np.pad(images, ((0, 0), (r, r), (r, r), (0, 0)), mode="edge")
    rows = sum(k[i] * pad[:, i:i + images.shape[1], :, :] for i in range(2 * r + 1))
    return sum(k[i] * rows[:, :, i:i + images.shape[2], :] for i in range(2 * r + 1))


def variants(s, n, rng):
    f = _draw(n, VARIANT_SEED)
    exact = render(f, s)
    aa = render(f, s, 4)
    mask = np.any(exact > -1, axis=-1, keepdims=True)
    columns = (np.arange(s) + 0.5) / s
    right = (columns[None, :] >= f["x"][:, None])[:, None, :, None]  # right of the centre
    other = shapes_data.PALETTE[(f["colour"] + 1) % 6][:, None, None, :]
    g = _draw(n, VARIANT_SEED + 1)
    big = dict(f, size=np.full(n, 0.75, np.float32), x=np.full(n, 0.5, np.float32),
               y=np.full(n, 0.5, np.float32))
    orange = np.where(mask, np.array([1.0, 0.0, -1.0], np.float32), -1.0)
    out = {
        "exact renders": exact,
        "anti-aliased": aa,
        "anti-aliased + noise 0.05 (calibration law)": aa + NOISE * rng.standard_normal(aa.shape),
        "blur σ=0.5 px": blur(exact, 0.5),
        "blur σ=1 px": blur(exact, 1.0),
        "blur σ=1.5 px": blur(exact, 1.5),
        "blur σ=2 px": blur(exact, 2.0),
        "noise σ=0.1": exact + 0.1 * rng.standard_normal(exact.shape),
        "noise σ=0.2": exact + 0.2 * rng.standard_normal(exact.shape),
        "noise σ=0.3": exact + 0.3 * rng.standard_normal(exact.shape),
        "two-coloured (right half of the shape in the next colour)":
            np.where(mask & right, other, exact),
        "faint (25 % contrast)": -1.0 + 0.25 * (exact + 1.0),
        "two shapes overlaid": np.maximum(exact, render(g, s)),
        "off-palette colour (orange)": orange,
        "shape larger than the data (size 0.75)": render(big, s),
        "empty frame": -np.ones_like(exact),
        "uniform noise": rng.uniform(-1, 1, exact.shape),
    }
    return {k: np.clip(v, -1, 1).astype(np.float32) for k, v in out.items()}


def _round_up(x, digits=3):
    if x <= 0:
        return 0.0
    e = math.floor(math.log10(x)) - digits + 1
    return round(math.ceil(x / 10**e) * 10**e, 12)


def main(argv):
    del argv
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    report = {}
    lines = ["# Shapes manifold score: threshold and scores of real and broken images", "",
             "`python experiments/calibrate_shapes_manifold.py` "
             f"(calibration {FLAGS.calibration} images, {FLAGS.num_images} per variant)", ""]
    for s in map(int, FLAGS.image_sizes):
        t0 = time.time()
        cal = render(_draw(FLAGS.calibration, CALIBRATION_SEED), s, 4)
        cal = np.clip(cal + NOISE * rng.standard_normal(cal.shape), -1, 1).astype(np.float32)
        fit = shapes_manifold.fit_shapes(cal, threshold=np.inf)
        q99 = float(np.quantile(fit["residual"], 0.99))
        threshold = _round_up(q99)
        guard = float(100 * np.mean(shapes_manifold.on_manifold(fit, np.inf)))
        entry = {"q99": q99, "threshold": threshold, "contrast_guard_pass_percent": guard,
                 "calibration_seconds": round(time.time() - t0, 1), "variants": {}}
        lines += [f"## {s} px: threshold {threshold:g} (q99 {q99:.5g}; {guard:.2f} % of the "
                  "calibration images pass the contrast condition)", "",
                  "| images | on-manifold % | modes | median residual | q99 residual |",
                  "|---|---|---|---|---|"]
        reference = shapes_manifold.fit_shapes(render(_draw(2000, 5), s), threshold=threshold)
        for name, images in variants(s, FLAGS.num_images, rng).items():
            vfit = shapes_manifold.fit_shapes(images, threshold=threshold)
            score = shapes_manifold.shapes_manifold_score(
                images, threshold=threshold, fitted=vfit, reference=reference)
            r = vfit["residual"]
            entry["variants"][name] = {
                "on_manifold_percent": score["on_manifold_percent"], "modes": score["modes"],
                "residual_median": float(np.median(r)), "residual_q99": float(np.quantile(r, .99))}
            lines.append(f"| {name} | {score['on_manifold_percent']:.1f} | {score['modes']} | "
                         f"{np.median(r):.4g} | {np.quantile(r, .99):.4g} |")
            print(s, name, entry["variants"][name], flush=True)
        lines.append("")
        report[str(s)] = entry
    (out / "calibration.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "calibration.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    app.run(main)

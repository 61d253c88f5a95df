"""Sets the shapes manifold thresholds per image size and scores real and broken images with
both decisions: before (``decision="mse"``: the residual alone) and after (``"visual"``: the
residual, sharp edges, no hole or speck, a palette colour; issue 29).

Calibration law: held-out real images rendered with anti-aliased edges (4×4 supersampling, i.e.
pixel coverage instead of pixel-centre sampling) plus N(0, 0.05²) pixel noise, clipped to
[−1, 1]: the same shapes, drawn the way a smooth generator draws them. On ``--calibration`` such
images the script sets

* the residual threshold (``MANIFOLD_THRESHOLDS``): the 99th percentile of the fit residuals,
  rounded up to 3 significant digits;
* the edge-width threshold (``EDGE_WIDTH_THRESHOLDS``): the largest in-between-pixel count per
  pixel of edge, rounded up to 2 significant digits;

and reports the largest ``worst_spot`` and ``colour_error`` of those images beside the fixed
``SPOT_THRESHOLD`` and ``COLOUR_TOLERANCE``. The values were frozen in the library from a run
with 10,000 calibration images; the tables below score with the library's values and show
this run's beside them.

Then it scores, with both decisions, sets of ``--num_images`` images from held-out factors:
exact renders, the calibration law on new draws, and broken renders of those factors (Gaussian
and box blurs, noise, holes and specks, off-palette colours, 0.9× brightness, JPEG, two colours,
two shapes, faint, too large, empty frames, uniform noise). Each perturbation is written here in
numpy (JPEG: ``tf.io.encode_jpeg``), on the exact renders.

    python experiments/calibrate_shapes_manifold.py --image_sizes=32
    python experiments/calibrate_shapes_manifold.py --image_sizes=64 --num_images=1000

Output: ``experiments/results/shapes_manifold/calibration_<S>px.json`` and ``.md`` (with the CPU).
"""
import json
import math
import os
import platform
import time
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401
import numpy as np
import tensorflow as tf

from tfgan_latent.data import shapes as shapes_data
from tfgan_latent.metrics import shapes_manifold

flags.DEFINE_list("image_sizes", ["16", "32", "64"], "sizes")
flags.DEFINE_integer("calibration", 10000, "held-out images that set the thresholds")
flags.DEFINE_integer("num_images", 2000, "images per scored variant")
flags.DEFINE_string("out", "experiments/results/shapes_manifold", "results folder")
FLAGS = flags.FLAGS

CALIBRATION_SEED, VARIANT_SEED = 1001, 1002
NOISE = 0.05
# Targets of issue 29 at 32 px (largest pass rate after; calibration law and exact: smallest).
TARGETS_32 = {"box blur 3×3": ("<=", 20.0), "hole 2×2 px": ("<=", 20.0),
              "one channel 0.2 off the palette": ("<=", 10.0),
              "anti-aliased + noise 0.05 (calibration law)": (">=", 97.0),
              "exact renders": (">=", 100.0)}


def cpu_model():
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    return next((line.split(":", 1)[1].strip() for line in lines
                 if line.startswith("model name")), platform.machine())


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
    return _separable(images, k)


def box_blur(images, taps):
    return _separable(images, np.full(taps, 1.0 / taps))


def _separable(images, k):
    r = len(k) // 2
    pad = np.pad(images, ((0, 0), (r, r), (r, r), (0, 0)), mode="edge")
    rows = sum(k[i] * pad[:, i:i + images.shape[1], :, :] for i in range(2 * r + 1))
    return sum(k[i] * rows[:, :, i:i + images.shape[2], :] for i in range(2 * r + 1))


def paint_blocks(images, inside, k, value, rng):
    """A k×k block set to ``value`` [N, 3] where ``inside`` [N, S, S] holds for all of it
    (random place per image); images without such a place are left out (returned mask)."""
    out, kept = images.copy(), np.zeros(len(images), bool)
    s = images.shape[1]
    for i in range(len(images)):
        fits = np.ones((s - k + 1, s - k + 1), bool)
        for a in range(k):
            for b in range(k):
                fits &= inside[i, a:s - k + 1 + a, b:s - k + 1 + b]
        places = np.argwhere(fits)
        if len(places):
            a, b = places[rng.integers(len(places))]
            out[i, a:a + k, b:b + k] = value[i]
            kept[i] = True
    return out, kept


def jpeg(images, quality):
    out = []
    for image in images:
        pixels = np.round((image + 1.0) * 127.5).clip(0, 255).astype(np.uint8)
        data = tf.io.encode_jpeg(pixels, quality=quality)
        out.append(tf.io.decode_jpeg(data).numpy().astype(np.float32) / 127.5 - 1.0)
    return np.stack(out)


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
    # Issue 29's perturbations (their own generator, so the ones above replay the old table).
    new = np.random.default_rng(VARIANT_SEED + 2)
    colour = shapes_data.PALETTE[f["colour"]]
    channel = new.integers(0, 3, n)
    shifted = colour.copy()
    shifted[np.arange(n), channel] -= 0.2 * np.sign(shifted[np.arange(n), channel])
    # The background at least 2 px (Chebyshev) from the shape, for specks.
    grown = mask[..., 0]
    for _ in range(2):
        padded = np.pad(grown, ((0, 0), (1, 1), (1, 1)))
        grown = np.max([padded[:, a:a + s, b:b + s] for a in range(3) for b in range(3)], axis=0)
    out["box blur 3×3"] = box_blur(exact, 3)
    out["box blur 5×5, twice (heavier)"] = box_blur(box_blur(exact, 5), 5)
    dropped = {}
    for k in (2, 4):
        if k == 4 and s < 32:
            continue
        holed, kept = paint_blocks(exact, mask[..., 0], k, -np.ones((n, 3)), new)
        out[f"hole {k}×{k} px"] = holed[kept]
        dropped[f"hole {k}×{k} px"] = int(n - kept.sum())
    specked, kept = paint_blocks(exact, ~grown, 2, colour, new)
    out["speck 2×2 px (the shape's colour, ≥ 2 px away)"] = specked[kept]
    dropped["speck 2×2 px (the shape's colour, ≥ 2 px away)"] = int(n - kept.sum())
    out["one channel 0.2 off the palette"] = np.where(mask, shifted[:, None, None, :], exact)
    out["0.9× brightness"] = np.where(mask, 0.9 * (exact + 1.0) - 1.0, exact)
    out["JPEG quality 90"] = jpeg(exact, 90)
    out["JPEG quality 50"] = jpeg(exact, 50)
    return {k: np.clip(v, -1, 1).astype(np.float32) for k, v in out.items()}, dropped


def _round_up(x, digits=3):
    if x <= 0:
        return 0.0
    e = math.floor(math.log10(x)) - digits + 1
    return round(math.ceil(x / 10**e) * 10**e, 12)


def _pass_rates(fit, s, thresholds):
    old = shapes_manifold.on_manifold(fit, s, threshold=thresholds["residual"], decision="mse")
    new = shapes_manifold.on_manifold(fit, s, threshold=thresholds["residual"], decision="visual",
                                      edge_width=thresholds["edge_width"])
    return {"before_percent": 100 * float(old.mean()), "after_percent": 100 * float(new.mean()),
            "soft_edges_percent": 100 * float(np.mean(fit["edge_width"] > thresholds["edge_width"])),
            "spots_percent": 100 * float(np.mean(fit["worst_spot"] > shapes_manifold.SPOT_THRESHOLD)),
            "off_colour_percent": 100 * float(
                np.mean(fit["colour_error"] > shapes_manifold.COLOUR_TOLERANCE)),
            "residual_median": float(np.median(fit["residual"])),
            "edge_width_median": float(np.median(fit["edge_width"])),
            "worst_spot_median": float(np.median(fit["worst_spot"])),
            "colour_error_median": float(np.median(fit["colour_error"]))}


def calibrate(s, rng):
    t0 = time.time()
    cal = render(_draw(FLAGS.calibration, CALIBRATION_SEED), s, 4)
    cal = np.clip(cal + NOISE * rng.standard_normal(cal.shape), -1, 1).astype(np.float32)
    fit = shapes_manifold.fit_shapes(cal, threshold=np.inf)
    q = lambda key: {f"q{p}": float(np.quantile(fit[key], p / 100)) for p in (50, 99, 99.9)} | {
        "max": float(np.max(fit[key]))}
    entry = {"residual": q("residual"), "edge_width": q("edge_width"),
             "worst_spot": q("worst_spot"), "colour_error": q("colour_error")}
    thresholds = {"residual": _round_up(entry["residual"]["q99"]),
                  "edge_width": _round_up(entry["edge_width"]["max"], 2)}
    entry.update(
        thresholds=thresholds,
        frozen={"residual": shapes_manifold.MANIFOLD_THRESHOLDS.get(s),
                "edge_width": shapes_manifold.EDGE_WIDTH_THRESHOLDS.get(s),
                "spot": shapes_manifold.SPOT_THRESHOLD,
                "colour": shapes_manifold.COLOUR_TOLERANCE},
        contrast_guard_pass_percent=100 * float(
            np.mean(shapes_manifold.on_manifold(fit, s, threshold=np.inf, decision="mse"))),
        calibration_pass=_pass_rates(fit, s, thresholds),
        calibration_seconds=round(time.time() - t0, 1))
    return entry


def main(argv):
    del argv
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    cpu = f"{cpu_model()}, {os.cpu_count()} cores"
    for s in map(int, FLAGS.image_sizes):
        rng = np.random.default_rng(0)
        entry = calibrate(s, rng)
        print(s, json.dumps(entry), flush=True)
        # The tables score with the library's frozen values (what users get); the values this
        # run's calibration set gives are reported beside them as a check.
        fr = entry["frozen"]
        th = {"residual": fr["residual"] or entry["thresholds"]["residual"],
              "edge_width": fr["edge_width"] or entry["thresholds"]["edge_width"]}
        entry["scored_with"] = th
        lines = [f"# Shapes manifold score at {s} px: thresholds, and real and broken images "
                 "before/after issue 29's visual checks", "",
                 f"`python experiments/calibrate_shapes_manifold.py --image_sizes={s} "
                 f"--calibration={FLAGS.calibration} --num_images={FLAGS.num_images}`; {cpu}.", "",
                 f"Calibration law (anti-aliased + N(0, 0.05²), {FLAGS.calibration} images, "
                 f"{entry['calibration_seconds']} s): residual q99 {entry['residual']['q99']:.5g} → "
                 f"threshold {entry['thresholds']['residual']:g} (library, used below: "
                 f"{th['residual']:g}); edge width max {entry['edge_width']['max']:.4g} (q99.9 "
                 f"{entry['edge_width']['q99.9']:.4g}) → {entry['thresholds']['edge_width']:g} "
                 f"(library, used below: {th['edge_width']:g}); worst 2×2 spot max "
                 f"{entry['worst_spot']['max']:.3g} (library limit {fr['spot']}); colour error max "
                 f"{entry['colour_error']['max']:.3g} (library limit {fr['colour']}); the "
                 "calibration images themselves pass "
                 f"{entry['calibration_pass']['before_percent']:.2f} % before and "
                 f"{entry['calibration_pass']['after_percent']:.2f} % after (at this run's "
                 "values).", "",
                 "Pass % on the manifold; after = before and sharp edges, no 2×2 spot, palette "
                 "colour; the last three columns: share refused by each new check.", "",
                 "| images (held-out factors) | n | before % | after % | soft edges % | spots % "
                 "| off colour % | median residual | median edge width |",
                 "|---|---|---|---|---|---|---|---|---|"]
        entry["variants"] = {}
        images_by_name, dropped = variants(s, FLAGS.num_images, rng)
        for name, images in images_by_name.items():
            vfit = shapes_manifold.fit_shapes(images, threshold=th["residual"])
            rates = _pass_rates(vfit, s, th)
            rates["num_images"] = int(len(images))
            if name in dropped:
                rates["left_out"] = dropped[name]
            entry["variants"][name] = rates
            lines.append(f"| {name} | {len(images)} | {rates['before_percent']:.1f} | "
                         f"{rates['after_percent']:.1f} | {rates['soft_edges_percent']:.1f} | "
                         f"{rates['spots_percent']:.1f} | {rates['off_colour_percent']:.1f} | "
                         f"{rates['residual_median']:.4g} | {rates['edge_width_median']:.3g} |")
            print(s, name, json.dumps(rates), flush=True)
        if dropped:
            lines += ["", "Left out (no place for the block): " + ", ".join(
                f"{k}: {v}" for k, v in dropped.items()) + "."]
        if s == 32:
            lines += ["", "Issue 29's targets at 32 px (after):"]
            for name, (op, bound) in TARGETS_32.items():
                value = entry["variants"][name]["after_percent"]
                held = value <= bound if op == "<=" else value >= bound
                lines.append(f"- {name}: {value:.1f} % ({op} {bound:g} %: "
                             f"{'holds' if held else 'MISSED'})")
        entry["cpu"] = cpu
        (out / f"calibration_{s}px.json").write_text(json.dumps(entry, indent=2) + "\n")
        (out / f"calibration_{s}px.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    app.run(main)

"""Trains the shipped ``shapes`` factor estimators and measures them on held-out real shapes.

For each size it trains ``tfgan_latent.metrics.shapes_estimator.train_estimator`` from the fixed
seed, writes the weights into the package (``tfgan_latent/metrics/weights/``) and reports, on
``--held_out`` exact renders of a seed no run or estimator uses:

* the CNN alone: shape and colour accuracy, RMSE of x, y, size in pixels;
* after the refinement of ``fit_shapes`` (the manifold score's fit): shape and colour accuracy,
  factor RMSE, and the share of images re-rendered exactly (residual 0).

    python experiments/train_shapes_estimator.py --image_sizes=16,32,64

Output: ``experiments/results/shapes_manifold/estimator.json`` (and printed).
"""
import json
import platform
import time
from pathlib import Path

from absl import app, flags

import tfgan_latent  # noqa: F401  (sets the TF environment defaults)
import numpy as np

from tfgan_latent.data import make_shapes
from tfgan_latent.metrics import shapes_estimator, shapes_manifold

flags.DEFINE_list("image_sizes", ["16", "32", "64"], "estimator sizes to train")
flags.DEFINE_integer("steps", 4000, "training steps per size (train_estimator default)")
flags.DEFINE_integer("held_out", 2000, "held-out real images per size")
flags.DEFINE_integer("held_out_seed", 777, "seed of the held-out images")
flags.DEFINE_boolean("train", True, "train (else only measure the shipped weights)")
flags.DEFINE_string("out", "experiments/results/shapes_manifold", "results folder")
FLAGS = flags.FLAGS


def _rmse_px(a, b, size):
    return float(np.sqrt(np.mean(np.square(np.asarray(a, np.float64) - b))) * size)


def measure(estimator, size, n, seed):
    images, truth = make_shapes(n, size, seed)
    guess = estimator.predict(images)
    fit = shapes_manifold.fit_shapes(images, estimator=estimator, threshold=np.inf)
    result = {}
    for name, f in (("cnn", guess), ("refined", fit)):
        result[name] = {
            "shape_accuracy": float(np.mean(f["shape"] == truth["shape"])),
            "colour_accuracy": float(np.mean(f["colour"] == truth["colour"])),
            **{f"rmse_{k}_px": _rmse_px(f[k], truth[k], size) for k in ("x", "y", "size")},
        }
    r = fit["residual"]
    result["refined"].update(
        exact_percent=float(100 * np.mean(r == 0)),
        residual_q99=float(np.quantile(r, 0.99)), residual_max=float(r.max()),
        exact_percent_by_shape={name: float(100 * np.mean(r[truth["shape"] == k] == 0))
                                for k, name in enumerate(("square", "circle", "triangle"))},
    )
    return result


def main(argv):
    del argv
    out = Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"machine": platform.processor() or platform.machine(), "sizes": {}}
    existing = out / "estimator.json"
    previous = json.loads(existing.read_text())["sizes"] if existing.exists() else {}
    for size in map(int, FLAGS.image_sizes):
        t0 = time.time()
        if FLAGS.train:
            model = shapes_estimator.train_estimator(size, steps=FLAGS.steps, verbose=True)
            path = shapes_estimator.estimator_weights_path(size)
            path.parent.mkdir(parents=True, exist_ok=True)
            model.save_weights(path)
            estimator = shapes_estimator.ShapesEstimator(model)
        else:
            estimator = shapes_estimator.load_estimator(size)
        train_s = time.time() - t0
        t0 = time.time()
        result = measure(estimator, size, FLAGS.held_out, FLAGS.held_out_seed)
        if FLAGS.train:
            result.update(train_seconds=round(train_s, 1), steps=FLAGS.steps)
        else:  # measuring the shipped weights again: keep the record of their training
            result.update({k: previous.get(str(size), {}).get(k)
                           for k in ("train_seconds", "steps")})
        result.update(measure_seconds=round(time.time() - t0, 1), held_out=FLAGS.held_out)
        report["sizes"][str(size)] = result
        print(json.dumps({str(size): result}, indent=1), flush=True)
    (out / "estimator.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    app.run(main)

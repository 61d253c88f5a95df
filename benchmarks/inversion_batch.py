"""Batched inversion vs a per-image loop at equal steps (latent-dimension issue, "Speed").

The same compiled projected-Adam loop (``tfgan_latent.inversion.Inverter``) inverts ``--num``
images of the study's 32 px generator once as one batch and once one image per call; both are
timed in this process, alternating, ``--reps`` times (after a warm-up that traces both shapes).
Reports images per second of each and their ratio.

    python benchmarks/inversion_batch.py
"""
import time
from pathlib import Path

import numpy as np
from absl import app, flags

import timing
from tfgan_latent import inversion
from tfgan_latent.papers.latent_dim import nets

flags.DEFINE_integer("num", 256, "images")
flags.DEFINE_integer("steps", 100, "Adam steps per inversion")
flags.DEFINE_integer("latent_dim", 32, "dim(z)")
flags.DEFINE_integer("width", 16, "generator width (finest-level channels)")
flags.DEFINE_integer("image_size", 32, "image size")
flags.DEFINE_integer("reps", 2, "timed repetitions")
flags.DEFINE_boolean("jit_compile", False, "compile the inversion loop with XLA")
flags.DEFINE_string("out", "benchmarks/results/inversion_batch.txt", "result file")
FLAGS = flags.FLAGS


def main(_):
    generator = nets.resize_generator(FLAGS.latent_dim, FLAGS.image_size, 3, FLAGS.width)
    rng = np.random.default_rng(0)
    x = np.tanh(rng.normal(size=(FLAGS.num, FLAGS.image_size, FLAGS.image_size, 3))).astype("float32")
    inverter = inversion.Inverter(generator, jit_compile=FLAGS.jit_compile)
    inverter(x, steps=2)
    inverter(x[:1], steps=2)
    batched, looped = [], []
    for _ in range(FLAGS.reps):
        start = time.perf_counter()
        inverter(x, steps=FLAGS.steps)
        batched.append(time.perf_counter() - start)
        start = time.perf_counter()
        inverter(x, steps=FLAGS.steps, batch_size=1)
        looped.append(time.perf_counter() - start)
    rate_b, rate_l = FLAGS.num / np.median(batched), FLAGS.num / np.median(looped)
    text = (f"{timing.machine()}\n{FLAGS.num} images {FLAGS.image_size}px, d={FLAGS.latent_dim}, "
            f"width {FLAGS.width}, {FLAGS.steps} steps, jit_compile={FLAGS.jit_compile}, median of "
            f"{FLAGS.reps}\n"
            f"batched: {rate_b:.2f} images/s; per-image loop: {rate_l:.2f} images/s; "
            f"ratio {rate_b / rate_l:.1f}x\n")
    Path(FLAGS.out).parent.mkdir(parents=True, exist_ok=True)
    Path(FLAGS.out).write_text(text)
    print(text)


if __name__ == "__main__":
    app.run(main)

"""Batched inversion vs a per-image loop at equal steps (latent-dimension issue, "Speed").

The same compiled projected-Adam loop (``tfgan_latent.inversion.Inverter``) inverts ``--num``
images of the study's 32 px generator once as one batch and once one image per call; both are
timed in this process, alternating, ``--reps`` times (after a warm-up that traces both shapes).
Reports images per second of each and their ratio, and beside it the machine's own bound: the
same ratio for one compiled gradient of the objective (G forward + backward to z, no Adam, no
loop) at batch ``--num`` vs batch 1. The inversion cannot beat that bound, so the pair says how
much of the gap to the issue's 20× goal is the loop and how much is the device (a CPU runs a batch
of one almost as efficiently as a batch of 256; an accelerator does not).

    python benchmarks/inversion_batch.py
"""
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
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


def gradient_rates(generator, x, reps, calls=20):
    """Images per second of one compiled ∂‖G(z) − x‖²/∂z at batch len(x) and at batch 1."""
    @tf.function
    def grad(z, images):
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = tf.reduce_sum(tf.square(generator(z, training=False) - images))
        return tape.gradient(loss, z)

    z = tf.random.normal((len(x), generator.inputs[0].shape[-1]), seed=1)
    args = {"batched": (z, tf.constant(x)), "single": (z[:1], tf.constant(x[:1]))}
    for a in args.values():
        grad(*a)
    seconds = {key: [] for key in args}
    for _ in range(reps):
        for key, a in args.items():
            n = calls if key == "batched" else calls * 8
            start = time.perf_counter()
            for _ in range(n):
                out = grad(*a)
            out.numpy()
            seconds[key].append((time.perf_counter() - start) / n)
    return len(x) / np.median(seconds["batched"]), 1 / np.median(seconds["single"])


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
    grad_b, grad_1 = gradient_rates(generator, x, FLAGS.reps)
    text = (f"{timing.machine()}\n{FLAGS.num} images {FLAGS.image_size}px, d={FLAGS.latent_dim}, "
            f"width {FLAGS.width}, {FLAGS.steps} steps, jit_compile={FLAGS.jit_compile}, median of "
            f"{FLAGS.reps}\n"
            f"batched: {rate_b:.2f} images/s; per-image loop: {rate_l:.2f} images/s; "
            f"ratio {rate_b / rate_l:.1f}x\n"
            f"bound (one gradient step, no loop): batch {FLAGS.num}: {grad_b:.1f} images/s; "
            f"batch 1: {grad_1:.1f} images/s; ratio {grad_b / grad_1:.1f}x\n")
    Path(FLAGS.out).parent.mkdir(parents=True, exist_ok=True)
    Path(FLAGS.out).write_text(text)
    print(text)


if __name__ == "__main__":
    app.run(main)

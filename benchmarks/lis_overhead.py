"""Train-step time of G-LIS with N LIS modules over the same generator with none, side by side.

App. J 80x80 nets (G 6.0M, D 2.8M parameters), RMSprop, batch 32 (Jung 2017 §3). Both
models' compiled steps are timed on the same in-memory batch (no ``fit`` setup in the timed
window), interleaved over repetitions;
prints per-step medians and the ratio (N modules / none). The paper calls the modules
almost free (§2.3); the goal is <= 1.03.

    python benchmarks/lis_overhead.py --image_size=80 --batch_size=32 --modules=3
"""
import statistics

from absl import app, flags

import tfgan_latent  # noqa: F401  (oneDNN default)
import timing
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.optimizers import TorchRMSprop
from tfgan_latent.papers.lis import GLIS, LISGenerator, nets

flags.DEFINE_integer("image_size", 80, "image size (App. J: 80)")
flags.DEFINE_integer("batch_size", 32, "batch size (§3: 32)")
flags.DEFINE_integer("modules", 3, "LIS modules of the compared model")
flags.DEFINE_integer("latent_dim", 256, "N_z (§3: 256)")
timing.define_flags(steps=5, reps=5)
FLAGS = flags.FLAGS


def build(num_modules):
    keras.utils.set_random_seed(0)
    g = LISGenerator(nets.wn_generator(FLAGS.latent_dim, FLAGS.image_size), num_modules, seed=1)
    gan = GLIS(g, nets.wn_discriminator(FLAGS.image_size), latent_dim=FLAGS.latent_dim, seed=0)
    gan.compile(g_optimizer=TorchRMSprop(2e-5), d_optimizer=TorchRMSprop(2e-5))
    return gan


def main(_):
    real = np.random.default_rng(0).uniform(
        -1, 1, (FLAGS.batch_size, FLAGS.image_size, FLAGS.image_size, 3)).astype("float32")
    data = tf.data.Dataset.from_tensors(real).repeat()
    models = {0: build(0), FLAGS.modules: build(FLAGS.modules)}
    times = timing.interleaved_step_times(models, data, FLAGS.steps, FLAGS.reps)
    base = statistics.median(times[0])
    lis = statistics.median(times[FLAGS.modules])
    params = {n: gan.generator.count_params() for n, gan in models.items()}
    print(timing.machine())
    print(f"G-LIS step, {FLAGS.image_size}x{FLAGS.image_size}, batch {FLAGS.batch_size}, "
          f"{FLAGS.reps} reps x {FLAGS.steps} steps (medians)")
    print(f"  N=0: {1e3 * base:.1f} ms/step  (G params {params[0]:,})")
    print(f"  N={FLAGS.modules}: {1e3 * lis:.1f} ms/step  (G params {params[FLAGS.modules]:,})")
    print(f"  ratio N={FLAGS.modules} / N=0: {lis / base:.3f} (medians), "
          f"{min(times[FLAGS.modules]) / min(times[0]):.3f} (fastest repetitions)")
    print("  per repetition ratios:",
          " ".join(f"{a / b:.3f}" for a, b in zip(times[FLAGS.modules], times[0])))


if __name__ == "__main__":
    app.run(main)

"""clgGAN's cycle-1 train step vs bGAN's step at the same batch, side by side (Sandström 2019 §8).

§8 / Fig. 27: clgGAN starts with about 1000x fewer parameters than the final
architecture (3,372 vs 4,460,180 at 128 px, research/growing.md §1.3) and "trains faster
than any of the other models"; the thesis gives no timings. Both models are
``GrowingGAN``s (WGAN-GP, Adam, the thesis's settings), timed step by step on the same
in-memory batch of full-size images (clgGAN's cycle 1 box-downsamples them to 4x4, as in
training), interleaved over repetitions; prints per-step medians, parameter counts and
the ratio. The cycles 2.. are printed too, to show where the time goes, and
``--models`` adds other growing models (default: lgGAN too, §8 names both "lg" models faster):
each gets its own whole-run ratio.

    python benchmarks/growing_cycle_speed.py --image_size=128 --latent_dim=256 --top=256
    python benchmarks/growing_cycle_speed.py --image_size=32 --latent_dim=64 --top=32
"""
import statistics

from absl import app, flags

import tfgan_latent  # noqa: F401  (oneDNN default)
import timing
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.papers.growing import cnn
from tfgan_latent.papers.growing.models import GrowingGAN
from tfgan_latent.papers.growing.registration import adam
from tfgan_latent.papers.growing.config import GrowingCNNConfig

flags.DEFINE_integer("image_size", 128, "final resolution (thesis 128)")
flags.DEFINE_integer("latent_dim", 256, "final latent size (thesis 256)")
flags.DEFINE_integer("top", 256, "width at 4x4 (thesis 256)")
flags.DEFINE_integer("batch_size", 16, "batch (thesis 16)")
timing.define_flags(steps=5, reps=5)
flags.DEFINE_boolean("all_cycles", True, "also time the later cycles (stable nets)")
flags.DEFINE_list("models", ["clggan", "lggan"], "growing models timed against bGAN")
FLAGS = flags.FLAGS


def build(model, cycle):
    keras.utils.set_random_seed(0)
    arch = cnn.growth_plan(model, FLAGS.image_size, FLAGS.latent_dim, FLAGS.top)[cycle - 1]
    gan = GrowingGAN(cnn.build_generator(arch), cnn.build_discriminator(arch), arch=arch,
                     image_size=FLAGS.image_size, latent_dim=FLAGS.latent_dim, seed=0)
    cfg = GrowingCNNConfig()
    gan.compile(g_optimizer=adam(cfg), d_optimizer=adam(cfg))
    params = sum(int(np.prod(v.shape)) for v in gan.generator.trainable_weights
                 + gan.discriminator.trainable_weights)
    return gan, params


def main(_):
    size = FLAGS.image_size
    real = np.random.default_rng(0).uniform(-1, 1, (FLAGS.batch_size, size, size, 3))
    data = tf.data.Dataset.from_tensors(real.astype("float32")).repeat()
    cycles = cnn.num_cycles(size)
    names = [("bgan", 1)] + [(model, k) for model in FLAGS.models
                             for k in range(1, (cycles if FLAGS.all_cycles else 1) + 1)]
    models = {key: build(*key) for key in names}
    times = timing.interleaved_step_times({k: gan for k, (gan, _) in models.items()}, data,
                                          FLAGS.steps, FLAGS.reps)
    base = statistics.median(times[("bgan", 1)])
    print(timing.machine())
    print(f"GrowingGAN train step (WGAN-GP, one D + one G update), {size}x{size} reals, "
          f"batch {FLAGS.batch_size}, latent {FLAGS.latent_dim}, top width {FLAGS.top}; "
          f"{FLAGS.reps} reps x {FLAGS.steps} steps, medians")
    for key, (gan, params) in models.items():
        t = statistics.median(times[key])
        print(f"  {key[0]:6s} cycle {key[1]} ({gan.arch.resolution:3d} px, z {gan.arch.latent_dim:3d}): "
              f"{1e3 * t:8.2f} ms/step  G+D params {params:>9,}  bGAN/this {base / t:7.1f}x")
    for model in FLAGS.models:
        first = times[(model, 1)]
        print(f"ratio bGAN step / {model} cycle-1 step: {base / statistics.median(first):.1f} "
              f"(medians), {min(times[('bgan', 1)]) / min(first):.1f} (fastest repetitions)")
    if FLAGS.all_cycles:
        # A whole run: every cycle's steps in the thesis's epoch ratio (cycle 1: 4 epochs,
        # each grown cycle 8), the same total for bGAN. Fade steps are timed with the stable
        # nets of their cycle (the fade-only branches are not timed: a slight underestimate).
        cfg = GrowingCNNConfig()
        epochs = [cfg.first_cycle_epochs] + [cfg.grown_cycle_epochs] * (cycles - 1)
        for model in FLAGS.models:
            run = sum(e * statistics.median(times[(model, k)])
                      for k, e in enumerate(epochs, start=1))
            print(f"whole run, epochs {'/'.join(map(str, epochs))}: bGAN {sum(epochs)} epochs of "
                  f"its step vs {model}'s cycles: {base * sum(epochs) / run:.1f}x cheaper (medians)")

if __name__ == "__main__":
    app.run(main)

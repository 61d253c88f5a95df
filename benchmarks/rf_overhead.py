"""Train-step time of a GAN with an RF discriminator over the same GAN without, side by side.

The RF step adds the frozen encoder's forward pass on real and fake batches and, for G, the
backward pass through it (RFGAN §3.1). Nets: the DCGAN nets with 5×5 kernels (the reference
code's), the encoder = an equal trunk (as ``--model=dae`` builds it), the paper's schedule of
1 D and 2 G updates per batch reusing z; both models' compiled steps timed on one in-memory
batch, interleaved over repetitions. Prints medians and the ratio RF / plain.

    python benchmarks/rf_overhead.py --image_size=32 --batch_size=64 --width=64
"""
import statistics

from absl import app, flags

import tfgan_latent  # noqa: F401  (oneDNN default)
import timing
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.models import nets, variants
from tfgan_latent.models.feature_discriminator import RepresentativeFeatureDiscriminator
from tfgan_latent.papers.rfgan import nets as rf_nets

flags.DEFINE_integer("image_size", 32, "image size (CIFAR-10: 32, CelebA/LSUN: 64)")
flags.DEFINE_integer("batch_size", 64, "batch size (carpedm20 reference code: 64)")
flags.DEFINE_integer("width", 64, "base width of D, G and the encoder (df_dim 64)")
flags.DEFINE_integer("latent_dim", 100, "z size (reference code: 100)")
flags.DEFINE_string("model", "dcgan", "dcgan or wgan_gp (5 critic steps, penalty through E)")
timing.define_flags(steps=5, reps=5)
FLAGS = flags.FLAGS


def build(rf):
    keras.utils.set_random_seed(0)
    size, width = FLAGS.image_size, FLAGS.width
    g = nets.dcgan_generator(FLAGS.latent_dim, size, 3, width, kernel_size=5)
    norm = "layer" if FLAGS.model == "wgan_gp" else "batch"
    d = nets.dcgan_discriminator(size, 3, width, norm, kernel_size=5)
    if rf:
        encoder = rf_nets.dae_encoder(size, 3, width, 5)
        extractor = keras.Model(encoder.inputs, encoder.get_layer(rf_nets.FEATURE_LAYER).output)
        d = RepresentativeFeatureDiscriminator(nets.discriminator_trunk(d), extractor)
    if FLAGS.model == "wgan_gp":
        gan = variants.WGANGP(g, d, latent_dim=FLAGS.latent_dim, d_steps=5, seed=0)
    else:
        gan = variants.DCGAN(g, d, latent_dim=FLAGS.latent_dim, g_steps=2, reuse_latents=True,
                             latent_distribution="uniform", seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, 0.5, epsilon=1e-8),
                d_optimizer=keras.optimizers.Adam(2e-4, 0.5, epsilon=1e-8))
    return gan


def main(_):
    per_step = FLAGS.batch_size * (5 if FLAGS.model == "wgan_gp" else 1)
    real = np.random.default_rng(0).uniform(
        -1, 1, (per_step, FLAGS.image_size, FLAGS.image_size, 3)).astype("float32")
    data = tf.data.Dataset.from_tensors(real).repeat()
    models = {"plain": build(False), "rf": build(True)}
    times = timing.interleaved_step_times(models, data, FLAGS.steps, FLAGS.reps)
    plain, rf = statistics.median(times["plain"]), statistics.median(times["rf"])
    print(timing.machine())
    print(f"{FLAGS.model} step, {FLAGS.image_size}x{FLAGS.image_size}, batch {FLAGS.batch_size}, "
          f"width {FLAGS.width}, {FLAGS.reps} reps x {FLAGS.steps} steps (medians)")
    for key, value in (("plain", plain), ("rf", rf)):
        gan = models[key]
        print(f"  {key:5s}: {1e3 * value:.1f} ms/step  (D params {gan.discriminator.count_params():,})")
    print(f"  ratio rf / plain: {rf / plain:.3f} (medians), "
          f"{min(times['rf']) / min(times['plain']):.3f} (fastest repetitions)")
    print("  per repetition ratios:",
          " ".join(f"{a / b:.3f}" for a, b in zip(times["rf"], times["plain"])))


if __name__ == "__main__":
    app.run(main)

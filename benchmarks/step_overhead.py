"""Train-step time of the shared GAN base vs a minimal hand-written Keras GAN, side by side.

Both use the same DCGAN nets, Adam(2e-4, 0.5), non-saturating loss and batch; the minimal
one is the keras-io style train_step (research/perf_calibration.md §2). Prints per-step
medians over interleaved repetitions and their ratio (base / minimal).

    python benchmarks/step_overhead.py --image_size=64 --batch_size=64 --steps=6 --reps=4
"""
import statistics
import time

from absl import app, flags

import tfgan_latent  # noqa: F401  (oneDNN default)
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.models import nets, variants

flags.DEFINE_integer("image_size", 64, "image size")
flags.DEFINE_integer("batch_size", 64, "batch size")
flags.DEFINE_integer("width", 64, "DCGAN base width")
flags.DEFINE_integer("steps", 6, "steps per timed repetition")
flags.DEFINE_integer("reps", 4, "timed repetitions per model (after one warm-up)")
FLAGS = flags.FLAGS


class MinimalGAN(keras.Model):
    def __init__(self, g, d, latent_dim):
        super().__init__()
        self.g, self.d, self.latent_dim = g, d, latent_dim
        self.seed = keras.random.SeedGenerator(0)
        self.built = True

    def compile(self, g_opt, d_opt):
        super().compile()
        self.g_opt, self.d_opt = g_opt, d_opt

    def train_step(self, real):
        b = tf.shape(real)[0]
        z = keras.random.uniform((b, self.latent_dim), -1.0, 1.0, seed=self.seed)
        fake = self.g(z, training=True)
        with tf.GradientTape() as tape:
            lr, lf = self.d(real, training=True), self.d(fake, training=True)
            d_loss = tf.reduce_mean(tf.nn.softplus(-lr)) + tf.reduce_mean(tf.nn.softplus(lf))
        self.d_opt.apply(tape.gradient(d_loss, self.d.trainable_variables), self.d.trainable_variables)
        z = keras.random.uniform((b, self.latent_dim), -1.0, 1.0, seed=self.seed)
        with tf.GradientTape() as tape:
            g_loss = tf.reduce_mean(tf.nn.softplus(-self.d(self.g(z, training=True), training=True)))
        self.g_opt.apply(tape.gradient(g_loss, self.g.trainable_variables), self.g.trainable_variables)
        return {"d_loss": d_loss, "g_loss": g_loss}


class _Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.t)


def _make(kind):
    s = FLAGS.image_size
    g, d = nets.dcgan_generator(100, s, 3, FLAGS.width), nets.dcgan_discriminator(s, 3, FLAGS.width)
    opt = lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)
    if kind == "base":
        gan = variants.DCGAN(g, d, latent_dim=100, seed=0)
        gan.compile(g_optimizer=opt(), d_optimizer=opt())
    else:
        gan = MinimalGAN(g, d, 100)
        gan.compile(opt(), opt())
        gan.g_opt.build(g.trainable_variables)
        gan.d_opt.build(d.trainable_variables)
    return gan


def main(_):
    batch = np.random.default_rng(0).uniform(-1, 1, (FLAGS.batch_size, FLAGS.image_size,
                                                     FLAGS.image_size, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensors(batch).repeat()
    models = {k: _make(k) for k in ("base", "minimal")}
    timers = {}
    for k, m in models.items():  # warm-up: trace + first steps
        m.fit(ds, steps_per_epoch=2, epochs=1, verbose=0)
        timers[k] = _Timer()
        timers[k].times = []
    for _ in range(FLAGS.reps):  # interleaved so drift hits both alike
        for k, m in models.items():
            m.fit(ds, steps_per_epoch=FLAGS.steps, epochs=1, verbose=0, callbacks=[timers[k]])
    ms = {k: 1000 * statistics.median(t.times) / FLAGS.steps for k, t in timers.items()}
    print(f"image {FLAGS.image_size} batch {FLAGS.batch_size} width {FLAGS.width}: "
          f"base {ms['base']:.1f} ms/step, minimal {ms['minimal']:.1f} ms/step, "
          f"ratio base/minimal = {ms['base'] / ms['minimal']:.3f}")


if __name__ == "__main__":
    app.run(main)

"""The shared DCGAN step in float32 vs ``--precision=bf16`` (mixed_bfloat16), side by side.

The same 64×64 DCGAN nets (Radford et al.; width 64), Adam(2e-4, 0.5), batch 64, built once
under each Keras dtype policy (bf16 compute, float32 variables) and timed with the shared
interleaved loop; prints the machine line, per-step medians and the ratio float32 / bf16
(> 1: bf16 is faster). bf16 pays off on CPUs with native bf16 matmuls (AMX, AVX512_BF16) and
on recent GPUs; a CPU without them emulates it.

    python benchmarks/precision.py
"""
import statistics

from absl import app, flags

import tfgan_latent  # noqa: F401  (oneDNN default)
import timing
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.models import nets, variants
from tfgan_latent.train.runner import precision_policy

flags.DEFINE_integer("image_size", 64, "image size")
flags.DEFINE_integer("batch_size", 64, "batch size")
flags.DEFINE_integer("width", 64, "DCGAN base width")
timing.define_flags(steps=5, reps=5)
FLAGS = flags.FLAGS


def build(precision):
    with precision_policy(precision):
        keras.utils.set_random_seed(0)
        s = FLAGS.image_size
        gan = variants.DCGAN(nets.dcgan_generator(100, s, 3, FLAGS.width),
                             nets.dcgan_discriminator(s, 3, FLAGS.width), latent_dim=100, seed=0)
        opt = lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)
        gan.compile(g_optimizer=opt(), d_optimizer=opt())
    return gan


def main(_):
    flags_cpu = open("/proc/cpuinfo").read()
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f" {f}" in flags_cpu]
    print(timing.machine(), "| ISA:", " ".join(isa))
    real = np.random.default_rng(0).uniform(
        -1, 1, (FLAGS.batch_size, FLAGS.image_size, FLAGS.image_size, 3)).astype("float32")
    data = tf.data.Dataset.from_tensors(real).repeat()
    models = {p: build(p) for p in ("float32", "bf16")}
    times = timing.interleaved_step_times(models, data, FLAGS.steps, FLAGS.reps)
    med = {p: statistics.median(t) for p, t in times.items()}
    print(f"DCGAN step {FLAGS.image_size}x{FLAGS.image_size}, batch {FLAGS.batch_size}, width "
          f"{FLAGS.width}; {FLAGS.reps} reps x {FLAGS.steps} steps, medians")
    for p, t in med.items():
        print(f"  {p:8s} {1e3 * t:8.1f} ms/step  (repetitions: "
              + " ".join(f"{1e3 * x:.0f}" for x in times[p]) + ")")
    print(f"  ratio float32 / bf16: {med['float32'] / med['bf16']:.2f}")


if __name__ == "__main__":
    app.run(main)

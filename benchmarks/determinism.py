"""Train-step time with TensorFlow op determinism on (the runs' default, ``--deterministic``) vs
off. Determinism is process-wide and cannot be turned off once on, so each measurement is a
fresh child process; the two settings alternate, ``--reps`` processes each, and the parent
prints the medians and their ratio (on / off). Nets: the shared DCGAN base at 32×32.

    python benchmarks/determinism.py
"""
import statistics
import subprocess
import sys

from absl import app, flags

import timing

flags.DEFINE_integer("image_size", 32, "image size")
flags.DEFINE_integer("batch_size", 64, "batch size")
flags.DEFINE_integer("width", 32, "DCGAN base width")
flags.DEFINE_integer("steps", 20, "timed steps per process (after a 3-step warm-up)")
flags.DEFINE_integer("reps", 3, "processes per setting")
flags.DEFINE_integer("child", -1, "internal: 1/0 = time one process with determinism on/off")
FLAGS = flags.FLAGS


def child(deterministic):
    import numpy as np
    import tensorflow as tf

    import tfgan_latent  # noqa: F401  (oneDNN default)
    import keras
    from tfgan_latent.models import nets, variants

    if deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(0)
    s = FLAGS.image_size
    gan = variants.DCGAN(nets.dcgan_generator(100, s, 3, FLAGS.width),
                         nets.dcgan_discriminator(s, 3, FLAGS.width), latent_dim=100, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    real = np.random.default_rng(0).uniform(-1, 1, (FLAGS.batch_size, s, s, 3)).astype("float32")
    data = tf.data.Dataset.from_tensors(real).repeat()
    times = timing.interleaved_step_times({0: gan}, data, FLAGS.steps, 1)[0]
    print(f"RESULT {times[0]}")


def main(_):
    if FLAGS.child >= 0:
        return child(bool(FLAGS.child))
    print(timing.machine())
    times = {1: [], 0: []}
    for _ in range(FLAGS.reps):
        for setting in (1, 0):
            out = subprocess.run([sys.executable, __file__, f"--child={setting}",
                                  f"--image_size={FLAGS.image_size}", f"--batch_size={FLAGS.batch_size}",
                                  f"--width={FLAGS.width}", f"--steps={FLAGS.steps}"],
                                 capture_output=True, text=True, check=True).stdout
            times[setting].append(float(out.split("RESULT ")[1].split()[0]))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"DCGAN step {FLAGS.image_size}x{FLAGS.image_size}, batch {FLAGS.batch_size}, width "
          f"{FLAGS.width}; {FLAGS.reps} processes per setting x {FLAGS.steps} steps, medians")
    for k, name in ((1, "determinism on "), (0, "determinism off")):
        print(f"  {name} {1e3 * med[k]:7.1f} ms/step  (processes: "
              + " ".join(f"{1e3 * t:.1f}" for t in times[k]) + ")")
    print(f"  ratio on / off: {med[1] / med[0]:.3f}")


if __name__ == "__main__":
    app.run(main)

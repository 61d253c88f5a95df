"""Exploratory probe: the demo with an R1 penalty on D, patched in (not a library feature).

R1 (Mescheder et al. 2018, "Which training methods for GANs do actually converge?", Eq. 9):
(γ/2)·E_real ‖∇_x D(x)‖², with D's logit, added to the DCGAN discriminator loss. The penalty is
patched into ``DCGAN.penalty`` for this process only, then the ``tfgan-latent`` command line
runs with the remaining arguments, e.g. (one core, as the other learning-curve probes):

    taskset -c 0 python experiments/demo_r1_probe.py 10 demo --eval_every=1000 \\
        --eval_samples=1000 --seed=0 --out=/tmp/p_r1_10 --export_dir=/tmp/p_r1_10_e --verbose=0

The first argument is γ. Results: ``experiments/results/demo/probes/curves/p_r1_*.jsonl``.
"""
import sys

import tensorflow as tf

from tfgan_latent.models import variants
from tfgan_latent.train.cli import run

GAMMA = float(sys.argv.pop(1))


def r1_penalty(self, real, fake):
    del fake
    with tf.GradientTape() as tape:
        tape.watch(real)
        total = tf.reduce_sum(self.discriminator(real, training=True))
    grads = tf.reshape(tape.gradient(total, real), [tf.shape(real)[0], -1])
    return 0.5 * GAMMA * tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=1))


if __name__ == "__main__":
    variants.DCGAN.penalty = r1_penalty
    run()

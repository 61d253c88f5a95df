"""Before/after of the fused batch norm: the 64×64 DCGAN step (``benchmarks/run.py``'s case) with
the library's nets (``FusedBatchNormalization``) against the same nets with Keras's
``BatchNormalization`` swapped in, same weights, both compiled steps timed interleaved in one
process, float32 and bf16. Prints medians and the ratio Keras BN / fused (> 1: fused faster).

    python benchmarks/batch_norm.py
"""
import statistics

from absl import app, flags

import run as cases  # this folder's run.py: the DCGAN case's sizes and builder
import timing
import keras

from tfgan_latent.layers import FusedBatchNormalization
from tfgan_latent.models import variants
from tfgan_latent.train.runner import precision_policy

flags.DEFINE_list("precisions", ["float32", "bf16"], "precisions timed")
FLAGS = flags.FLAGS


def with_keras_batch_norm(net):
    def swap(layer):
        cls = (keras.layers.BatchNormalization if isinstance(layer, FusedBatchNormalization)
               else type(layer))
        return cls.from_config(layer.get_config())

    clone = keras.models.clone_model(net, clone_function=swap)
    clone.set_weights(net.get_weights())
    return clone


def main(argv):
    del argv
    print(f"machine: {timing.machine()}, ISA {' '.join(cases.cpu_flags())}")
    print(f"64×64 DCGAN step, batch {cases.BATCH}, width {cases.WIDTH}; {FLAGS.reps} reps × "
          f"{FLAGS.steps} steps after a warm-up, interleaved; medians (min-max)\n")
    print("| precision | Keras BatchNormalization ms/step | FusedBatchNormalization ms/step | "
          "Keras / fused |")
    print("|---|---|---|---|")
    for precision in FLAGS.precisions:
        fused, data = cases.ours_dcgan(precision)
        with precision_policy(precision):
            plain = variants.DCGAN(with_keras_batch_norm(fused.generator),
                                   with_keras_batch_norm(fused.discriminator),
                                   latent_dim=cases.LATENT, seed=0)
            plain.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                          d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
        times = timing.interleaved_step_times({"keras": plain, "fused": fused}, data,
                                              FLAGS.steps, FLAGS.reps)
        k, f = (statistics.median(times[key]) for key in ("keras", "fused"))
        print(f"| {precision} | {k * 1e3:.1f} ({min(times['keras']) * 1e3:.1f}-"
              f"{max(times['keras']) * 1e3:.1f}) | {f * 1e3:.1f} ({min(times['fused']) * 1e3:.1f}-"
              f"{max(times['fused']) * 1e3:.1f}) | **{k / f:.3f}×** |", flush=True)


if __name__ == "__main__":
    app.run(main)

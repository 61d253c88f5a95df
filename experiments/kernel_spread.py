"""Spread of the fused-batch-norm DCGAN step test across CPU kernels (issue 29).

Runs the computation of ``tests/test_fused_batch_norm.py::test_dcgan_steps_match_keras_batch_norm_nets``
(the DCGAN nets with FusedBatchNormalization vs the same nets with Keras's BatchNormalization,
shared random weights, two train steps) and prints, per optimizer, the largest difference of
the weight updates in units of the learning rate, of the moving statistics and of the logs.
Run it once per kernel setting (the test's tolerance is derived from the largest spread):

    for e in "TF_ENABLE_ONEDNN_OPTS=1" "TF_ENABLE_ONEDNN_OPTS=0" \
             "TF_ENABLE_ONEDNN_OPTS=1 ONEDNN_MAX_CPU_ISA=AVX2"; do
      env $e python experiments/kernel_spread.py; done

``ONEDNN_MAX_CPU_ISA=AVX2`` makes oneDNN dispatch the kernels of an AVX2-only CPU.
"""
import os
import platform
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_fused_batch_norm import fused_and_keras_dcgan_nets  # noqa: E402
from tfgan_latent.models import variants  # noqa: E402


def spread(optimizer, lr, steps=2):
    (g1, d1), (g2, d2), rng = fused_and_keras_dcgan_nets()
    start = [w.copy() for net in (g1, d1) for w in net.get_weights()]
    real = tf.constant(rng.uniform(-1, 1, (8, 16, 16, 3)), tf.float32)
    logs = []
    for g, d in ((g1, d1), (g2, d2)):
        gan = variants.DCGAN(g, d, latent_dim=8, seed=0)
        gan.compile(g_optimizer=optimizer(lr), d_optimizer=optimizer(lr))
        logs.append([gan.train_step(real) for _ in range(steps)][-1])
    trainable, moving, = 0.0, 0.0
    for a, b in ((g1, g2), (d1, d2)):
        for va, wa, wb, w0 in zip(a.weights, a.get_weights(), b.get_weights(),
                                  start[:len(a.weights)] if a is g1 else start[len(g1.weights):]):
            diff = np.abs((wa - w0) - (wb - w0)).max()
            if va.trainable:
                trainable = max(trainable, diff / lr)
            else:
                moving = max(moving, diff)
    log = max(abs(float(logs[0][k]) - float(logs[1][k])) for k in ("d_loss", "g_loss"))
    return trainable, moving, log


def main():
    env = {k: os.environ.get(k, "") for k in ("TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA")}
    print(f"machine: {platform.processor() or platform.machine()}, TF {tf.__version__}, {env}")
    for name, opt, lr in (("adam", lambda lr: keras.optimizers.Adam(lr, 0.5), 1e-3),
                          ("sgd", lambda lr: keras.optimizers.SGD(lr), 0.1)):
        t, m, l = spread(opt, lr)
        print(f"{name}: max |update diff| / lr = {t:.3g}; moving stats {m:.3g}; losses {l:.3g}")


if __name__ == "__main__":
    main()

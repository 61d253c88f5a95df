"""Exploratory probe: the demo with a linear learning-rate decay patched in (not a library option).

The first argument is a comma list of options (``none`` for the demo as it is); the rest is the
``tfgan-latent`` command line, e.g. (one core, as the other learning-curve probes):

    taskset -c 0 python experiments/demo_arch_probe.py decay demo --eval_every=1000 \\
        --eval_samples=1000 --seed=0 --out=/tmp/p_decay --export_dir=/tmp/p_decay_e --verbose=0

Options:
* ``decay``: both learning rates decay linearly to 0 over the run's updates;
* ``decay_half``: constant for the first half of the updates, then linearly to 0.

(Stop 27's first probes also patched CoordConv and nearest upsampling in through this script,
before the library had ``--coord_conv`` and ``--g_upsampling=nearest``; the library's options
build the same nets and reproduced those probes' scores exactly, so their records now name the
flags: experiments/results/demo/probes/README.md.)
"""
import sys

import keras
from keras import ops

from tfgan_latent.train import registry
from tfgan_latent.train.cli import run

OPTIONS = set(sys.argv.pop(1).split(",")) - {"none"}
_STEPS = [5000]
for a in sys.argv:
    if a.startswith("--steps="):
        _STEPS[0] = int(a.split("=", 1)[1])


class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, lr, steps, start):
        self.lr, self.steps, self.start = float(lr), float(steps), float(start)

    def __call__(self, step):
        t = ops.cast(step, "float32")
        frac = ops.clip((t - self.start) / (self.steps - self.start), 0.0, 1.0)
        return self.lr * (1.0 - frac)

    def get_config(self):
        return {"lr": self.lr, "steps": self.steps, "start": self.start}


def _lr(lr, updates):
    if "decay" in OPTIONS:
        return LinearDecay(lr, updates, 0)
    if "decay_half" in OPTIONS:
        return LinearDecay(lr, updates, updates // 2)
    return lr


def compile_gan(gan, run_cfg, cfg):
    # Iterations count updates: G takes g_steps per training step, D d_steps.
    gan.compile(g_optimizer=registry.adam(_lr(cfg.g_lr, _STEPS[0] * cfg.g_steps), cfg),
                d_optimizer=registry.adam(_lr(cfg.d_lr, _STEPS[0] * cfg.d_steps), cfg),
                steps_per_execution=run_cfg.execution_steps)
    return gan


if __name__ == "__main__":
    registry.compile_gan = compile_gan
    run()

"""Exploratory probe: the demo with architecture / schedule changes patched in.

These probes came before the library's ``--coord_conv`` and ``--g_upsampling=nearest`` (which
build the same nets, except that the library's D takes the coordinates as a layer of its own
instead of a wrapped model); with ``none`` the library's nets and flags are used.

The first argument is a comma list of options (``none`` for the demo as it is); the rest is the
``tfgan-latent`` command line, e.g. (one core, as the other learning-curve probes):

    taskset -c 0 python experiments/demo_arch_probe.py coord_g,decay demo --eval_every=1000 \\
        --eval_samples=1000 --seed=0 --out=/tmp/p_coord --export_dir=/tmp/p_coord_e --verbose=0

Options:
* ``coord_g``: CoordConv in G (Liu et al. 2018, "An intriguing failing of convolutional neural
  networks and the CoordConv solution", §4): two coordinate channels (x, y in [−1, 1]) appended
  to the input of every transposed convolution;
* ``coord_d``: the same two channels appended to D's input image;
* ``upconv``: nearest ×2 upsampling + 3×3 convolution instead of each transposed convolution
  (Odena et al. 2016, "Deconvolution and checkerboard artifacts");
* ``decay``: both learning rates decay linearly to 0 over ``--steps`` G/D updates;
* ``decay_half``: constant for the first half, then linearly to 0.
"""
import sys

import keras
from keras import layers, ops

from tfgan_latent.models import nets
from tfgan_latent.train import registry
from tfgan_latent.train.cli import run

OPTIONS = set(sys.argv.pop(1).split(",")) - {"none"}
_STEPS = [5000]
for a in sys.argv:
    if a.startswith("--steps="):
        _STEPS[0] = int(a.split("=", 1)[1])


class AddCoords(layers.Layer):
    def call(self, x):
        b, h, w = ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[2]
        ys = (ops.cast(ops.arange(h), x.dtype) + 0.5) / ops.cast(h, x.dtype) * 2.0 - 1.0
        xs = (ops.cast(ops.arange(w), x.dtype) + 0.5) / ops.cast(w, x.dtype) * 2.0 - 1.0
        yy = ops.broadcast_to(ops.reshape(ys, (1, h, 1, 1)), (b, h, w, 1))
        xx = ops.broadcast_to(ops.reshape(xs, (1, 1, w, 1)), (b, h, w, 1))
        return ops.concatenate([x, xx, yy], axis=-1)


def generator(latent_dim, image_size, channels=3, width=64, kernel_size=4,
              output_activation="tanh", top_width=0, weight_init="normal", name="generator",
              upsampling="transposed", coord_conv=False):
    del upsampling, coord_conv  # the options above instead
    stages = nets._check_image_size(image_size, "DCGAN")
    init = nets.initializer(weight_init)
    z = keras.Input((latent_dim,), name="z")
    top = top_width or width * 2 ** (stages - 1)
    x = layers.Dense(4 * 4 * top, use_bias=False, kernel_initializer=init, name="project")(z)
    x = layers.Reshape((4, 4, top))(x)
    x = nets._norm("batch", "project_bn")(x)
    x = layers.ReLU()(x)

    def up(x, filters, name, bias):
        if "coord_g" in OPTIONS:
            x = AddCoords()(x)
        if "upconv" in OPTIONS:
            x = layers.UpSampling2D(2)(x)
            return layers.Conv2D(filters, 3, padding="same", use_bias=bias,
                                 kernel_initializer=init, name=name)(x)
        return layers.Conv2DTranspose(filters, kernel_size, strides=2, padding="same",
                                      use_bias=bias, kernel_initializer=init, name=name)(x)

    for i in range(stages - 1):
        x = up(x, top // 2 ** (i + 1), f"deconv{i}", False)
        x = nets._norm("batch", f"deconv{i}_bn")(x)
        x = layers.ReLU()(x)
    x = up(x, channels, "to_image", True)
    out = layers.Activation(output_activation or "linear", dtype="float32")(x)
    return keras.Model(z, out, name=name)


def discriminator(image_size, channels=3, width=64, normalization="batch", kernel_size=4,
                  weight_init="normal", name="discriminator", coord_conv=False):
    del coord_conv
    d = nets._orig_disc(image_size, channels + (2 if "coord_d" in OPTIONS else 0), width,
                        normalization, kernel_size, weight_init, name=name + "_core")
    if "coord_d" not in OPTIONS:
        return d
    x_in = keras.Input((image_size, image_size, channels), name="images")
    return keras.Model(x_in, d(AddCoords()(x_in)), name=name)


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
    if OPTIONS & {"coord_g", "coord_d", "upconv"}:  # else the library's nets and their flags
        nets._orig_disc = nets.dcgan_discriminator
        nets.dcgan_generator = generator
        nets.dcgan_discriminator = discriminator
    registry.compile_gan = compile_gan
    run()

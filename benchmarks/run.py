"""One benchmark runner: our training steps against the same algorithm in plain PyTorch eager.

Prints one table from one run:

* the machine (CPU model, the ISA flags that matter, cores, TensorFlow / Keras / PyTorch
  versions) and its measured float32 (and bf16) matmul rate in each framework (2048²);
* per case, ms/step (median over ``--reps`` timed repetitions of ``--steps`` steps after a
  warm-up; min-max shown), the analytic FLOPs of one step, the share of the framework's
  matmul rate of the same precision that reaches the step (over 100 %: the step's conv kernels
  run faster than that matmul), and the ratio PyTorch / ours (> 1: ours faster):
  - ``dcgan64``: the 64×64 DCGAN step (Radford et al. nets, width 64, batch 64, Adam): one D
    update on a real and a fake batch, then one G update with a fresh z, non-saturating loss;
  - ``toy``: the 2-D MLP GAN step (3×128 ReLU G, 3×128 LeakyReLU D, batch 256), same algorithm.
  With ``--bf16`` (default: only where the CPU has AMX or AVX512_BF16, else TF emulates bf16),
  the DCGAN step again under Keras ``mixed_bfloat16`` and ``torch.autocast(bfloat16)``.

Ours is the library's compiled ``train_step`` (``benchmarks/timing.py``'s loop: no ``fit``
setup in the timed window, a constant batch); PyTorch is written here, plainly, with the same
layer shapes, initialisation scale, losses and update order, in its natural NCHW layout and
its default threads. PyTorch is a benchmark-only dependency (``pip install torch==2.13.0``),
never the library's.

    python benchmarks/run.py > benchmarks/results/run.txt
"""
import statistics
import time

from absl import app, flags

import tfgan_latent  # noqa: F401  (oneDNN default)
import timing
import keras
import numpy as np
import tensorflow as tf

from tfgan_latent.models import nets, variants
from tfgan_latent.train.runner import precision_policy

flags.DEFINE_integer("steps", 3, "steps per timed repetition")
flags.DEFINE_integer("reps", 3, "timed repetitions per case (after one warm-up)")
flags.DEFINE_integer("toy_steps", 200, "steps per timed repetition of the toy case")
flags.DEFINE_enum("bf16", "auto", ["auto", "on", "off"], "also time the bf16 DCGAN step")
FLAGS = flags.FLAGS

WIDTH, SIZE, BATCH, LATENT = 64, 64, 64, 100
TOY_BATCH, TOY_UNITS = 256, 128


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            have = next(l for l in f if l.startswith("flags")).split(":", 1)[1].split()
    except (OSError, StopIteration):
        return []
    return [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile") if f in have]


# ------------------------------------------------------------------ FLOPs (analytic)
def dcgan_flops():
    """Multiply-adds × 2 of one training step, backward counted as 2× forward (weights and
    inputs): D step = G fwd + 2 D fwd + 2·2 D fwd back; G step = (G + D) fwd + 2·(G + D) back."""
    s, top = SIZE, WIDTH * 8
    g = 2 * LATENT * 16 * top  # project
    c, r = top, 4
    for out in (top // 2, top // 4, top // 8, 3):  # transposed convs, 4x4 kernels, stride 2
        r *= 2
        g += 2 * r * r * out * c * 16 / 4  # each output pixel sees a quarter of the kernel taps
        c = out
    d, c, r = 0, 3, s
    for out in (WIDTH, WIDTH * 2, WIDTH * 4, WIDTH * 8):
        r //= 2
        d += 2 * r * r * out * c * 16
        c = out
    d += 2 * 16 * c
    per_batch = BATCH
    d_step = g + 2 * d + 2 * (2 * d)
    g_step = 3 * (g + d)
    return per_batch * (d_step + g_step)


def toy_flops():
    g = 2 * (2 * TOY_UNITS + 2 * TOY_UNITS * TOY_UNITS + TOY_UNITS * 2)
    d = 2 * (2 * TOY_UNITS + 2 * TOY_UNITS * TOY_UNITS + TOY_UNITS)
    return TOY_BATCH * (g + 2 * d + 4 * d + 3 * (g + d))


# ------------------------------------------------------------------ ours
def ours_dcgan(precision):
    with precision_policy(precision):
        keras.utils.set_random_seed(0)
        gan = variants.DCGAN(nets.dcgan_generator(LATENT, SIZE, 3, WIDTH),
                             nets.dcgan_discriminator(SIZE, 3, WIDTH), latent_dim=LATENT, seed=0)
        gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    data = tf.data.Dataset.from_tensors(
        tf.random.uniform((BATCH, SIZE, SIZE, 3), -1, 1, seed=0)).repeat()
    return gan, data


def ours_toy():
    keras.utils.set_random_seed(0)
    gan = variants.DCGAN(nets.mlp_generator(2, 2, (TOY_UNITS,) * 3),
                         nets.mlp_discriminator(2, (TOY_UNITS,) * 3), latent_dim=2, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    data = tf.data.Dataset.from_tensors(tf.random.normal((TOY_BATCH, 2), seed=0)).repeat()
    return gan, data


def time_ours(build, steps, reps):
    gan, data = build()
    return timing.interleaved_step_times({"ours": gan}, data, steps, reps)["ours"]


# ------------------------------------------------------------------ PyTorch eager
def torch_dcgan():
    import torch
    from torch import nn

    torch.manual_seed(0)
    top = WIDTH * 8
    g = nn.Sequential(nn.Linear(LATENT, 16 * top, bias=False), nn.Unflatten(1, (top, 4, 4)),
                      nn.BatchNorm2d(top), nn.ReLU())
    c = top
    for out in (top // 2, top // 4, top // 8):
        g.extend([nn.ConvTranspose2d(c, out, 4, 2, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU()])
        c = out
    g.extend([nn.ConvTranspose2d(c, 3, 4, 2, 1), nn.Tanh()])
    d, c = nn.Sequential(), 3
    for i, out in enumerate((WIDTH, WIDTH * 2, WIDTH * 4, WIDTH * 8)):
        d.append(nn.Conv2d(c, out, 4, 2, 1))
        if i:
            d.append(nn.BatchNorm2d(out))
        d.append(nn.LeakyReLU(0.2))
        c = out
    d.extend([nn.Flatten(), nn.Linear(16 * c, 1)])
    for m in list(g) + list(d):  # N(0, 0.02) as ours
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
    real = torch.rand(BATCH, 3, SIZE, SIZE) * 2 - 1
    return g, d, real, LATENT


def torch_toy():
    import torch
    from torch import nn

    torch.manual_seed(0)

    def mlp(inp, out, act):
        layers, c = [], inp
        for _ in range(3):
            layers += [nn.Linear(c, TOY_UNITS), act()]
            c = TOY_UNITS
        return nn.Sequential(*layers, nn.Linear(c, out))

    return (mlp(2, 2, nn.ReLU), mlp(2, 1, lambda: nn.LeakyReLU(0.2)), torch.randn(TOY_BATCH, 2), 2)


def time_torch(build, steps, reps, bf16=False):
    import contextlib

    import torch
    import torch.nn.functional as F

    g, d, real, latent = build()
    g_opt = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    cast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext

    def step():
        with cast():
            fake = g(torch.randn(real.shape[0], latent))
            d_loss = (F.softplus(-d(real).float()).mean()
                      + F.softplus(d(fake.detach()).float()).mean())
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        with cast():
            g_loss = F.softplus(-d(g(torch.randn(real.shape[0], latent))).float()).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return float(g_loss)

    times = []
    for rep in range(reps + 1):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        if rep:
            times.append((time.perf_counter() - start) / steps)
    return times


# ------------------------------------------------------------------ matmul rates
def matmul_rates(dtype, n=2048, reps=10):
    """FLOP/s of an n×n matmul in TensorFlow and in PyTorch (``dtype`` "float32" or "bfloat16";
    best of ``reps`` after two warm-ups)."""
    import torch

    a = tf.cast(tf.random.normal((n, n)), dtype)
    f = tf.function(lambda x: tf.matmul(x, x))
    t = torch.randn(n, n).to(getattr(torch, dtype))
    best = [float("inf"), float("inf")]
    for rep in range(reps + 2):
        start = time.perf_counter()
        f(a).numpy()
        tf_time = time.perf_counter() - start
        start = time.perf_counter()
        (t @ t).sum().item()
        torch_time = time.perf_counter() - start
        if rep >= 2:
            best = [min(best[0], tf_time), min(best[1], torch_time)]
    return 2 * n**3 / best[0], 2 * n**3 / best[1]


def main(argv):
    del argv
    import torch

    isa = cpu_flags()
    bf16 = FLAGS.bf16 == "on" or (FLAGS.bf16 == "auto" and ({"amx_bf16", "avx512_bf16"} & set(isa)))
    print(f"machine: {timing.machine()}, ISA {' '.join(isa) or 'none of avx2/avx512/amx'}, "
          f"Keras {keras.__version__}, PyTorch {torch.__version__} ({torch.get_num_threads()} "
          "threads)")
    rates = {d: matmul_rates(d) for d in (("float32", "bfloat16") if bf16 else ("float32",))}
    for d, (tf_rate, torch_rate) in rates.items():
        print(f"{d} matmul 2048² (best of 10): TensorFlow {tf_rate / 1e9:.0f} GFLOP/s, PyTorch "
              f"{torch_rate / 1e9:.0f} GFLOP/s")
    cases = [("dcgan64 float32", lambda: ours_dcgan("float32"), torch_dcgan, dcgan_flops(),
              FLAGS.steps, False),
             ("toy float32", ours_toy, torch_toy, toy_flops(), FLAGS.toy_steps, False)]
    if bf16:
        cases.append(("dcgan64 bf16", lambda: ours_dcgan("bf16"), torch_dcgan, dcgan_flops(),
                      FLAGS.steps, True))
    print(f"\n| case | ours ms/step (min-max) | PyTorch eager ms/step (min-max) | GFLOP/step | "
          "ours % of TF matmul rate | PyTorch % of its matmul rate | PyTorch / ours |")
    print("|---|---|---|---|---|---|---|")
    for name, ours, reference, flops, steps, use_bf16 in cases:
        a = time_ours(ours, steps, FLAGS.reps)
        b = time_torch(reference, steps, FLAGS.reps, bf16=use_bf16)
        ma, mb = statistics.median(a), statistics.median(b)
        tf_rate, torch_rate = rates["bfloat16" if use_bf16 else "float32"]
        print(f"| {name} | {ma * 1e3:.2f} ({min(a) * 1e3:.2f}-{max(a) * 1e3:.2f}) | "
              f"{mb * 1e3:.2f} ({min(b) * 1e3:.2f}-{max(b) * 1e3:.2f}) | {flops / 1e9:.3f} | "
              f"{100 * flops / ma / tf_rate:.0f} % | {100 * flops / mb / torch_rate:.0f} % | "
              f"**{mb / ma:.2f}×** |", flush=True)
    if not bf16:
        print(f"\nbf16 not timed: the CPU has no AMX / AVX512_BF16 (TensorFlow emulates bf16 "
              "there; benchmarks/precision.py measured 14× slower); pass --bf16=on to time it.")


if __name__ == "__main__":
    app.run(main)

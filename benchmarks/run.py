"""One benchmark runner: our training steps against the same algorithm in plain PyTorch eager.

Prints its tables from one run (each part can be switched off: ``--nosteps_table``,
``--noxla``, ``--nopipeline``, ``--nofit``, ``--nopapers``):

* the machine (CPU model, the ISA flags that matter, cores, TensorFlow / Keras / PyTorch
  versions) and its measured float32 (and bf16) matmul rate in each framework (2048²);
* per case, ms/step (median over ``--reps`` timed repetitions of ``--steps`` steps after a
  warm-up; min-max shown), the analytic FLOPs of one step, the share of the framework's
  matmul rate of the same precision that reaches the step (over 100 %: the step's conv kernels
  run faster than that matmul), and the ratio PyTorch / ours (> 1: ours faster):
  - ``dcgan64``: the 64×64 DCGAN step (Radford et al. nets, width 64, batch 64, Adam): one D
    update on a real and a fake batch, then one G update with a fresh z, non-saturating loss;
  - ``wgan_gp64``: the WGAN-GP step (Gulrajani et al. 2017 Alg. 1): 5 critic updates, each on
    its own real batch with a fresh z and the gradient penalty (λ 10, double backprop), then one
    G update; the same DCGAN nets with a layer-normalised critic (our ``wgan_gp`` default),
    z 128, batch 64, Adam(1e-4, 0, 0.9);
  - ``toy``: the 2-D MLP GAN step (3×128 ReLU G, 3×128 LeakyReLU D, batch 256), same algorithm.
  With ``--bf16`` (default: only where the CPU has AMX or AVX512_BF16, else TF emulates bf16),
  the DCGAN and WGAN-GP steps again under Keras ``mixed_bfloat16`` and
  ``torch.autocast(bfloat16)``.

Then, ours only, each pair timed interleaved in one process:

* XLA: each float32 case compiled with ``jit_compile=True`` against without (ratio > 1: XLA
  faster);
* the input pipeline: the 64×64 DCGAN step fed by ``make_dataset`` (``shapes``, and ``cifar10``
  through tfds's in-memory path, gather and 32 → 64 px resize, from a ``tfds.testing.mock_data``
  set) against a constant batch; data wait = 1 − constant / fed;
* ``fit`` on the toy set: the runner's ``train`` (callbacks, logging, NaN guard, checkpoints)
  with ``--steps_per_execution=1`` against the automatic choice, and the same PyTorch step in a
  plain loop;
* with ``--papers`` (default), the per-paper ratio lines of ``lis_overhead.py``, ``rf_overhead.py``,
  ``growing_cycle_speed.py``, ``inversion_batch.py`` and ``began_oneshot.py`` (run as they are,
  with fewer repetitions; ``began_oneshot.py`` inverts ``--began_run`` or a BEGAN-CS run
  trained first for ``--began_steps``).

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
flags.DEFINE_enum("bf16", "auto", ["auto", "on", "off"], "also time the bf16 steps")
flags.DEFINE_integer("wgan_steps", 2, "steps per timed repetition of the WGAN-GP case")
flags.DEFINE_bool("steps_table", True, "time the steps against PyTorch (the first table)")
flags.DEFINE_bool("xla", True, "time each float32 case with jit_compile=True against without")
flags.DEFINE_bool("pipeline", True, "time the DCGAN step fed by tf.data against a constant batch")
flags.DEFINE_bool("fit", True, "time the toy run through train() (spe 1 vs auto)")
flags.DEFINE_bool("papers", True, "run the per-paper benchmarks and print their ratio lines")
flags.DEFINE_string("began_run", "", "a finished began_cs run for began_oneshot.py (default: "
                    "train one first)")
flags.DEFINE_integer("began_steps", 2000, "steps of the BEGAN-CS run trained for began_oneshot")
FLAGS = flags.FLAGS

WIDTH, SIZE, BATCH, LATENT = 64, 64, 64, 100
WGAN_LATENT, N_CRITIC = 128, 5
TOY_BATCH, TOY_UNITS = 256, 128


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            have = next(l for l in f if l.startswith("flags")).split(":", 1)[1].split()
    except (OSError, StopIteration):
        return []
    return [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile") if f in have]


# ------------------------------------------------------------------ FLOPs (analytic)
def net_flops(latent):
    """Forward FLOPs (multiply-adds × 2) per example of the DCGAN G and D at SIZE, WIDTH."""
    s, top = SIZE, WIDTH * 8
    g = 2 * latent * 16 * top  # project
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
    return g, d


def dcgan_flops():
    """FLOPs of one training step, backward counted as 2× forward (weights and inputs):
    D step = G fwd + 2 D fwd + 2·2 D fwd back; G step = (G + D) fwd + 2·(G + D) back."""
    g, d = net_flops(LATENT)
    return BATCH * (g + 2 * d + 2 * (2 * d) + 3 * (g + d))


def wgan_gp_flops():
    """≈ FLOPs of one WGAN-GP step. Per critic update: G fwd + 3 D fwd (real, fake, interpolate)
    + D input backward for the penalty (≈ 1 D fwd) + weight backward of real/fake (2·2 D fwd)
    + the double backward through the penalty's graph (counted as 2 × its 2 D fwd); then the G
    step as in ``dcgan_flops``. The penalty's share is an estimate, not a count."""
    g, d = net_flops(WGAN_LATENT)
    critic = g + 3 * d + d + 4 * d + 4 * d
    return BATCH * (N_CRITIC * critic + 3 * (g + d))


def toy_flops():
    g = 2 * (2 * TOY_UNITS + 2 * TOY_UNITS * TOY_UNITS + TOY_UNITS * 2)
    d = 2 * (2 * TOY_UNITS + 2 * TOY_UNITS * TOY_UNITS + TOY_UNITS)
    return TOY_BATCH * (g + 2 * d + 4 * d + 3 * (g + d))


# ------------------------------------------------------------------ ours
def ours_dcgan(precision, jit_compile=False):
    with precision_policy(precision):
        keras.utils.set_random_seed(0)
        gan = variants.DCGAN(nets.dcgan_generator(LATENT, SIZE, 3, WIDTH),
                             nets.dcgan_discriminator(SIZE, 3, WIDTH), latent_dim=LATENT, seed=0)
        gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), jit_compile=jit_compile)
    data = tf.data.Dataset.from_tensors(
        tf.random.uniform((BATCH, SIZE, SIZE, 3), -1, 1, seed=0)).repeat()
    return gan, data


def ours_wgan_gp(precision, jit_compile=False):
    with precision_policy(precision):
        keras.utils.set_random_seed(0)
        gan = variants.WGANGP(
            nets.dcgan_generator(WGAN_LATENT, SIZE, 3, WIDTH),
            nets.dcgan_discriminator(SIZE, 3, WIDTH, normalization="layer"),
            latent_dim=WGAN_LATENT, d_steps=N_CRITIC, seed=0)
        gan.compile(g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
                    d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
                    jit_compile=jit_compile)
    data = tf.data.Dataset.from_tensors(
        tf.random.uniform((N_CRITIC * BATCH, SIZE, SIZE, 3), -1, 1, seed=0)).repeat()
    return gan, data


def ours_toy(jit_compile=False):
    keras.utils.set_random_seed(0)
    gan = variants.DCGAN(nets.mlp_generator(2, 2, (TOY_UNITS,) * 3),
                         nets.mlp_discriminator(2, (TOY_UNITS,) * 3), latent_dim=2, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), jit_compile=jit_compile)
    data = tf.data.Dataset.from_tensors(tf.random.normal((TOY_BATCH, 2), seed=0)).repeat()
    return gan, data


def time_ours(build, steps, reps):
    gan, data = build()
    return timing.interleaved_step_times({"ours": gan}, data, steps, reps)["ours"]


# ------------------------------------------------------------------ PyTorch eager
def torch_dcgan_nets(latent, norm):
    """The DCGAN G and D of ``nets`` in PyTorch (NCHW): ``norm`` "batch" or "layer" in D (Keras's
    LayerNormalization: over the channels of each pixel, ε 1e-3)."""
    import torch
    from torch import nn

    class ChannelLayerNorm(nn.LayerNorm):
        def forward(self, x):
            return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    top = WIDTH * 8
    g = nn.Sequential(nn.Linear(latent, 16 * top, bias=False), nn.Unflatten(1, (top, 4, 4)),
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
            d.append(nn.BatchNorm2d(out) if norm == "batch" else ChannelLayerNorm(out, eps=1e-3))
        d.append(nn.LeakyReLU(0.2))
        c = out
    d.extend([nn.Flatten(), nn.Linear(16 * c, 1)])
    for m in list(g) + list(d):  # N(0, 0.02) as ours
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
    return g, d


def torch_dcgan():
    import torch

    torch.manual_seed(0)
    g, d = torch_dcgan_nets(LATENT, "batch")
    return g, d, torch.rand(BATCH, 3, SIZE, SIZE) * 2 - 1, LATENT


def torch_wgan_gp():
    import torch

    torch.manual_seed(0)
    g, d = torch_dcgan_nets(WGAN_LATENT, "layer")
    return g, d, torch.rand(N_CRITIC * BATCH, 3, SIZE, SIZE) * 2 - 1, WGAN_LATENT


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


def torch_step(g, d, real, latent, bf16=False, wgan_gp=False):
    """One training step of the plain PyTorch reference: the non-saturating GAN step, or with
    ``wgan_gp`` Alg. 1 of Gulrajani et al. (``N_CRITIC`` critic updates on slices of ``real``)."""
    import contextlib

    import torch
    import torch.nn.functional as F

    lr, betas = (1e-4, (0.0, 0.9)) if wgan_gp else (2e-4, (0.5, 0.999))
    g_opt = torch.optim.Adam(g.parameters(), lr, betas=betas)
    d_opt = torch.optim.Adam(d.parameters(), lr, betas=betas)
    cast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    batch = real.shape[0] // (N_CRITIC if wgan_gp else 1)

    def d_update(r):
        with cast():
            fake = g(torch.randn(batch, latent)).detach()
            if wgan_gp:
                eps = torch.rand(batch, 1, 1, 1)
                x = (r + eps * (fake.float() - r)).requires_grad_(True)
                grad, = torch.autograd.grad(d(x).float().sum(), x, create_graph=True)
                norm = torch.sqrt(grad.float().pow(2).flatten(1).sum(1) + 1e-10)
                d_loss = (d(fake).float().mean() - d(r).float().mean()
                          + 10.0 * ((norm - 1.0) ** 2).mean())
            else:
                d_loss = F.softplus(-d(r).float()).mean() + F.softplus(d(fake).float()).mean()
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()

    def step():
        for i in range(N_CRITIC if wgan_gp else 1):
            d_update(real[i * batch:(i + 1) * batch])
        with cast():
            out = d(g(torch.randn(batch, latent))).float()
            g_loss = -out.mean() if wgan_gp else F.softplus(-out).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return float(g_loss.detach())

    return step


def time_torch(build, steps, reps, bf16=False, wgan_gp=False):
    step = torch_step(*build(), bf16=bf16, wgan_gp=wgan_gp)
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


def ratio_row(name, times, a, b):
    ma, mb = statistics.median(times[a]), statistics.median(times[b])
    return (f"| {name} | {ma * 1e3:.2f} ({min(times[a]) * 1e3:.2f}-{max(times[a]) * 1e3:.2f}) | "
            f"{mb * 1e3:.2f} ({min(times[b]) * 1e3:.2f}-{max(times[b]) * 1e3:.2f}) | "
            f"**{ma / mb:.2f}×** |")


def xla_table(cases):
    """Each float32 case with ``jit_compile=True`` against without, interleaved."""
    print("\nXLA (ours, float32; ratio > 1: XLA faster)\n")
    print("| case | without XLA ms/step (min-max) | with XLA ms/step (min-max) | without / with |")
    print("|---|---|---|---|")
    for name, build, steps in cases:
        (plain, data), (xla, _) = build(False), build(True)
        try:
            times = timing.interleaved_step_times({"plain": plain, "xla": xla}, data, steps,
                                                  FLAGS.reps)
        except Exception as e:  # an op XLA cannot compile on this device: say so, go on
            print(f"| {name} | | fails: {type(e).__name__}: {str(e).splitlines()[0][:120]} | |")
            continue
        print(ratio_row(name, times, "plain", "xla"), flush=True)


def pipeline_table():
    """The 64×64 DCGAN step fed by ``make_dataset`` against a constant batch, interleaved."""
    import tempfile

    import tensorflow_datasets as tfds

    from tfgan_latent import data as data_lib

    print("\nInput pipeline (ours, 64×64 DCGAN float32; data wait = 1 − constant / fed)\n")
    print("| data | fed ms/step (min-max) | constant batch ms/step (min-max) | fed / constant "
          "| data wait |")
    print("|---|---|---|---|---|")
    gan, constant = ours_dcgan("float32")
    with tempfile.TemporaryDirectory() as tmp, tfds.testing.mock_data(num_examples=2000):
        fed = {"shapes (5000 embedded images)": data_lib.make_dataset(
                   "shapes", batch_size=BATCH, seed=0, image_size=SIZE),
               "cifar10 (tfds mock, in-memory path, 32→64 px resize)": data_lib.make_dataset(
                   "cifar10", batch_size=BATCH, seed=0, image_size=SIZE, data_dir=tmp)}
        for name, dataset in fed.items():
            times = timing.interleaved_step_times(
                {"fed": gan, "constant": gan}, {"fed": dataset, "constant": constant},
                FLAGS.steps, FLAGS.reps)
            wait = 1 - statistics.median(times["constant"]) / statistics.median(times["fed"])
            print(ratio_row(name, times, "fed", "constant") + f" {100 * wait:.1f} % |",
                  flush=True)


def fit_table():
    """The toy run through ``runner.train`` with k = 1 against the automatic k; per step =
    (time of a 4000-step run − time of a 2000-step run) / 2000, so setup, tracing and the
    export cancel out; PyTorch's plain loop for scale."""
    import tempfile

    from tfgan_latent.train import runner
    from tfgan_latent.train.config import RunConfig

    def per_step(spe):
        spent = {}
        for steps in (2000, 4000):
            with tempfile.TemporaryDirectory() as tmp:
                run = RunConfig(model="dcgan", dataset="ring8", steps=steps, batch_size=TOY_BATCH,
                                log_every=50, sample_every=steps, checkpoint_every=steps,
                                steps_per_execution=spe, out=f"{tmp}/run",
                                export_dir=f"{tmp}/export", verbose=0)
                start = time.perf_counter()
                runner.train(run, runner.resolve_model_config(run, {"latent_dim": 2}))
                spent[steps] = time.perf_counter() - start
        return (spent[4000] - spent[2000]) / 2000

    auto = runner.auto_steps_per_execution(RunConfig(dataset="ring8", steps=4000, log_every=50))
    one, chosen = per_step(1), per_step(0)
    reference = statistics.median(time_torch(torch_toy, FLAGS.toy_steps, FLAGS.reps))
    print("\nToy run through train() (ring8, batch 256, log every 50 steps: callbacks, NaN guard,"
          " checkpoints)\n")
    print("| steps_per_execution | ours ms/step | PyTorch eager loop ms/step | PyTorch / ours |")
    print("|---|---|---|---|")
    for name, value in (("1", one), (f"automatic ({auto})", chosen)):
        print(f"| {name} | {value * 1e3:.2f} | {reference * 1e3:.2f} | **{reference / value:.2f}×** |",
              flush=True)


PAPER_BENCHMARKS = (  # (script, its flags: fewer repetitions than its own defaults)
    ("lis_overhead.py", ["--steps=3", "--reps=5"]),
    ("rf_overhead.py", ["--steps=3", "--reps=4"]),
    ("growing_cycle_speed.py", ["--steps=2", "--reps=2", "--all_cycles=false"]),
    ("inversion_batch.py", ["--reps=1"]),
    ("began_oneshot.py", ["--reps=3"]),
)


def papers_table():
    """Runs each per-paper benchmark as it is and prints its setup and ratio lines (their own
    result files are left alone: ``--out`` goes to a temporary folder). ``began_oneshot`` needs a
    trained BEGAN-CS run: ``--began_run``, else one is trained here first (``--began_steps``,
    16 px ``shapes``, width 8 and Adam 5e-4: the settings of ``experiments/began_cs.py``'s
    shapes runs, ``experiments/results/began_cs/shapes16.md``; the paper's width 128 takes
    minutes per thousand steps on 2 cores)."""
    import os
    import subprocess
    import sys
    import tempfile

    here = os.path.dirname(os.path.abspath(__file__))
    print("\nPer-paper ratios (each script's own lines; run alone, one after the other)\n")
    with tempfile.TemporaryDirectory() as tmp:
        began_run = FLAGS.began_run
        if not began_run:
            began_run = f"{tmp}/began_cs"
            train = [sys.executable, "-m", "tfgan_latent", "train", "--model=began_cs",
                     "--dataset=shapes", "--image_size=16", f"--steps={FLAGS.began_steps}",
                     "--width=8", "--g_lr=5e-4", "--d_lr=5e-4",
                     f"--log_every={FLAGS.began_steps}", f"--sample_every={FLAGS.began_steps}",
                     f"--checkpoint_every={FLAGS.began_steps}", f"--out={began_run}",
                     f"--export_dir={tmp}/began_export", "--verbose=0"]
            print(f"$ {' '.join(train[1:])}  (the run began_oneshot.py inverts)")
            done = subprocess.run(train, capture_output=True, text=True)
            if done.returncode:
                print(f"  failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
        for script, extra in PAPER_BENCHMARKS:
            extra = list(extra)
            if script in ("inversion_batch.py", "began_oneshot.py"):
                extra.append(f"--out={tmp}/{script}.txt")
            if script == "began_oneshot.py":
                extra.append(f"--run={began_run}")
            cmd = [sys.executable, os.path.join(here, script), *extra]
            done = subprocess.run(cmd, capture_output=True, text=True)
            shown = [e for e in extra if not e.startswith(("--out=", "--run="))]
            print(f"$ python benchmarks/{script} {' '.join(shown)}")
            if done.returncode:
                print(f"  failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
                continue
            lines = [l for l in done.stdout.splitlines()
                     if l.strip() and not l.startswith(("AMD", "Intel", "{"))
                     and "TF_ENABLE_ONEDNN" not in l]
            print("\n".join("    " + l for l in lines), flush=True)


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
              FLAGS.steps, False, False),
             ("wgan_gp64 float32", lambda: ours_wgan_gp("float32"), torch_wgan_gp,
              wgan_gp_flops(), FLAGS.wgan_steps, False, True),
             ("toy float32", ours_toy, torch_toy, toy_flops(), FLAGS.toy_steps, False, False)]
    if bf16:
        cases += [("dcgan64 bf16", lambda: ours_dcgan("bf16"), torch_dcgan, dcgan_flops(),
                   FLAGS.steps, True, False),
                  ("wgan_gp64 bf16", lambda: ours_wgan_gp("bf16"), torch_wgan_gp,
                   wgan_gp_flops(), FLAGS.wgan_steps, True, True)]
    if not FLAGS.steps_table:
        cases = []
    else:
        print(f"\n| case | ours ms/step (min-max) | PyTorch eager ms/step (min-max) | GFLOP/step "
              "| ours % of TF matmul rate | PyTorch % of its matmul rate | PyTorch / ours |")
        print("|---|---|---|---|---|---|---|")
    for name, ours, reference, flops, steps, use_bf16, wgan_gp in cases:
        a = time_ours(ours, steps, FLAGS.reps)
        b = time_torch(reference, steps, FLAGS.reps, bf16=use_bf16, wgan_gp=wgan_gp)
        ma, mb = statistics.median(a), statistics.median(b)
        tf_rate, torch_rate = rates["bfloat16" if use_bf16 else "float32"]
        print(f"| {name} | {ma * 1e3:.2f} ({min(a) * 1e3:.2f}-{max(a) * 1e3:.2f}) | "
              f"{mb * 1e3:.2f} ({min(b) * 1e3:.2f}-{max(b) * 1e3:.2f}) | {flops / 1e9:.3f} | "
              f"{100 * flops / ma / tf_rate:.0f} % | {100 * flops / mb / torch_rate:.0f} % | "
              f"**{mb / ma:.2f}×** |", flush=True)
    if FLAGS.steps_table and not bf16:
        print(f"\nbf16 not timed: the CPU has no AMX / AVX512_BF16 (TensorFlow emulates bf16 "
              "there; benchmarks/precision.py measured 14× slower); pass --bf16=on to time it.")
    if FLAGS.xla:
        xla_table([("dcgan64", lambda jit: ours_dcgan("float32", jit), FLAGS.steps),
                   ("wgan_gp64", lambda jit: ours_wgan_gp("float32", jit), FLAGS.wgan_steps),
                   ("toy", ours_toy, FLAGS.toy_steps)])
    if FLAGS.pipeline:
        pipeline_table()
    if FLAGS.fit:
        fit_table()
    if FLAGS.papers:
        papers_table()


if __name__ == "__main__":
    app.run(main)

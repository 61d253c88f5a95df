"""LIS parity harness: the authors' nets and training steps (aleju/gan-error-avoidance) in float64.

``python -m parity.lis --original=PATH`` (PATH: a checkout of the authors' repository, commit
4aa0076) builds the authors' ``GeneratorLearnedInputSpace``, ``build_generator``,
``build_discriminator`` and ``build_reverser`` (``common/model.py``) with their own layers
(``common/modules``), runs their forward passes and training steps in float64 on small nets
and writes the fixtures of ``tests/test_parity_lis.py`` to ``tests/fixtures/parity/lis/``.

Cases (B = 4, N_z = 16, RMSprop lr 2^-12, alpha 0.9, eps 1e-6 as ``g_lis/main.py:313``):

* ``forward32``: 32 px, nfeature 8 (nlayer 3): G-LIS generators with N = 1 and N = 3 at
  every K = 0..N (``n_execute_lis_layers``, eval mode) with their latents z'_k, the plain
  generator (R-iterative's), D and R (eval mode);
* ``glis32``: 6 G-LIS steps, N = 3, lambda_R = 0.9 (``g_lis/main.py:537-589``): D on a real
  batch and one fake batch, then G with ``BCE(D(G(z'_K)), 1) + sum_k 0.9^k MSE(z'_k, z)``;
  K drawn by their own ``random.random()`` early stop (seed chosen so that K = 0 and K = N
  occur and a module is skipped after having been trained, then trained again);
* ``rsep32``: 5 R-separate steps (``g_lis/train_r.py:406-428``) on a G-LIS N = 1 generator,
  R with 10% spatial dropout (masks injected);
* ``riter32``: 4 R-iterative batches, N_R = 3 (``r_iterative/main.py:443-535``), the
  training flags drawn by their ``random.random()``, R with 10% spatial dropout (masks
  injected);
* ``forward80`` / ``glis80``: the App. J 80 px layout (nlayer 4, 5x5 maps), nfeature 4:
  forward passes as above (B = 2; N = 3 only, images at K = 3, latents at every K) and 2
  G-LIS steps;
* ``import/``: ``last_gen.pt`` / ``last_dis.pt`` / ``_opt.pt`` / ``_state.pt`` of a float32
  G-LIS run, N = 1, 32 px, after 3 steps, written by ``torch.save`` as ``g_lis/main.py``
  ``save_state`` does; ``import/expected.npz``: that G's images and D's scores for fixed z, and
  the draws of the 4th step with the weights after it (an imported run must continue as
  theirs); the same ``state_dict`` in torch's legacy (pre-1.6, non-zip) format
  (``legacy_gen.pt``). ``--cases=import`` writes only these.

``--cases=method_shapes`` (no fixture; issue 30 "port or method"): their G-LIS training, the
iteration ``glis_step`` transcribes, run as their script runs it (their initialisation, float32,
their ``torch.randn`` / ``randperm`` / ``random.random()`` draws, their ``--augment none`` flip)
at the settings of our ``experiments/lis_toy.py`` shapes runs (batch 32, N_z 256, nfeature 32,
32 px, RMSprop 2e-4) on our ``shapes`` images, its samples scored by ``evaluate.score``;
``--method_seeds``, ``--method_settings`` (N:lambda_R), ``--method_steps``, ``--method_flip``,
``--method_out`` (default ``experiments/results/port_or_method``: ``lis_shapes.json`` / ``.md``,
resumable per (setting, seed, flip)). Needs ``tfgan_latent`` importable (``PYTHONPATH``).

Names in the fixtures: ``init/<role>/<their state_dict name>`` and ``after/...`` (role:
``gen``, ``dis``, ``r``: the files ``<prefix>_<role>.pt`` of their ``save_state``), in their
layout; the tests map them with ``tfgan_latent.papers.lis.checkpoint_map`` (the map
``tfgan-latent import`` uses). Images are stored channels-last in their [0, 1] coding.

Shims, each kept here (the original is never edited):

* ``common/modules/TPReLU.py:17`` mixes a tab into space indentation (a TabError in
  Python 3): the source is loaded with tabs expanded to 8 columns (Python 2's rule);
* ``torch.nn.modules.conv._ConvTransposeMixin`` (gone since torch 1.4): a stand-in with the
  2017 ``_output_padding(input, output_size)`` (``output_padding`` when no size is given);
* ``_ConvNd.__init__`` gained ``padding_mode``: defaulted to ``"zeros"`` for their 10
  positional arguments;
* ``tensor.sum(dim)`` kept the summed dimension in torch 0.1.12 (``keepdim=True`` by
  default); inside their ``weight_norm()`` calls ``sum`` defaults to ``keepdim=True``;
* module names with dots (``lis.0-1.linear``, ``level.0.conv``) are refused by today's
  ``add_module``: they are stored as 2017 torch stored them, so ``state_dict`` names are the
  original ones (``lis_layers.0.lis.0-1.linear.weight``);
* ``zero_grad()`` sets gradients to None since torch 2.0; the 2017 behaviour (zeros, so
  RMSprop keeps decaying the mean square of a LIS module skipped by the early stop) is
  ``zero_grad(set_to_none=False)``. ``meta["modern_zero_grad_drift"]`` records how far the
  modern default drifts;
* ``nn.Dropout2d`` draws its masks from the harness (stored in the fixture) with the same
  semantics (whole channels zeroed with probability p, survivors scaled by 1/(1 - p)).

The training loops are scripts in the original (argparse, data loading, CUDA at module
level), so their per-iteration bodies are transcribed below, line references beside.
"""
import argparse
import contextlib
import random
import sys
import types
from pathlib import Path

import numpy as np

from parity import fixtures

PAPER = "lis"
B, NZ, LR, RHO, EPS, LAMBDA = 4, 16, 2.0**-12, 0.9, 1e-6, 0.9


# ----------------------------------------------------------------------------- shims
def load_original(path):
    """The authors' ``common/model.py`` as a module, with the shims above applied."""
    import torch
    import torch.nn as nn
    import torch.nn.modules.conv as conv

    path = Path(path).resolve()
    if not (path / "common" / "model.py").is_file():
        raise SystemExit(f"--original={path}: no common/model.py (a checkout of "
                         "aleju/gan-error-avoidance is needed).")

    class _ConvTransposeMixin:  # torch 0.1.12's, as their ConvTranspose2d calls it
        def _output_padding(self, input, output_size):
            if output_size is not None:
                raise NotImplementedError("output_size is not used by the LIS code")
            return self.output_padding

    conv._ConvTransposeMixin = _ConvTransposeMixin
    init = conv._ConvNd.__init__

    def conv_init(self, *args, **kwargs):
        if len(args) == 10 and "padding_mode" not in kwargs:
            kwargs["padding_mode"] = "zeros"
        init(self, *args, **kwargs)

    conv._ConvNd.__init__ = conv_init
    add_module = nn.Module.add_module

    def add_dotted_module(self, name, module):
        if "." in name:  # torch 0.1.12 accepted it
            self._modules[name] = module
            return
        add_module(self, name, module)

    nn.Module.add_module = add_dotted_module

    sys.path.insert(0, str(path / "common"))
    import modules  # their common/modules package

    tprelu = types.ModuleType("modules.TPReLU")
    tprelu.__file__ = str(path / "common" / "modules" / "TPReLU.py")
    source = (path / "common" / "modules" / "TPReLU.py").read_text().expandtabs(8)
    exec(compile(source, tprelu.__file__, "exec"), tprelu.__dict__)
    sys.modules["modules.TPReLU"] = tprelu
    modules.TPReLU = tprelu
    import model as authors  # their common/model.py

    sum_ = torch.Tensor.sum

    @contextlib.contextmanager
    def keepdim_sums():
        torch.Tensor.sum = lambda self, *a, **k: sum_(self, *a, **{"keepdim": True, **k})
        try:
            yield
        finally:
            torch.Tensor.sum = sum_

    def keepdim(fn):
        def wrapped(self):
            with keepdim_sums():
                return fn(self)
        return wrapped

    for cls in (authors.WeightNormalizedLinear,
                sys.modules["modules.WeightNormalizedConv"]._WeightNormalizedConvNd):
        cls.weight_norm = keepdim(cls.weight_norm)
    return authors


class Masks:
    """Dropout2d masks from the harness: each training-mode call takes the next of ``masks``."""

    def __init__(self, rng, p):
        self.rng, self.p, self.drawn = rng, p, []

    def install(self):
        import torch
        import torch.nn as nn

        masks = self

        def forward(module, x):
            if not module.training or module.p == 0:
                return x
            keep = masks.rng.random((x.shape[0], x.shape[1])) >= module.p
            mask = keep / (1.0 - module.p)
            masks.drawn.append(mask)
            return x * torch.as_tensor(mask, dtype=x.dtype)[:, :, None, None]

        nn.Dropout2d.forward = forward


# ------------------------------------------------------------------------------ helpers
def state(net, role):
    return {f"{role}/{k}": v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}


def load(torch, net, arrays):
    """Copies ``arrays`` into ``net``'s parameters (today's ``load_state_dict(strict=True)``
    wrongly calls the names under dotted modules unexpected, though it loads them)."""
    params = net.state_dict(keep_vars=True)
    if set(params) != set(arrays):
        raise ValueError(f"names differ: {sorted(set(params) ^ set(arrays))}")
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.as_tensor(arrays[name]))


def randomize(net, rng):
    """Non-zero TPReLU thresholds, WN scales and biases; slopes spread over and outside
    [0, 1] (their clamp); raw kernels keep the authors' init."""
    import torch

    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith(".scale"):
                p.copy_(torch.as_tensor(rng.uniform(0.5, 1.5, p.shape)))
            elif name.endswith(".bias") and p.dim() == 4:  # affine WN bias
                p.copy_(torch.as_tensor(rng.normal(0.0, 0.1, p.shape)))
            elif name.endswith(".bias"):  # TPReLU threshold
                p.copy_(torch.as_tensor(rng.normal(0.0, 0.1, p.shape)))
            elif p.dim() == 1:  # TPReLU slope
                a = rng.uniform(0.05, 0.6, p.shape)
                a[0], a[-1] = 1.3, -0.2
                p.copy_(torch.as_tensor(a))


def nhwc(x):
    return x.detach().cpu().numpy().transpose(0, 2, 3, 1).copy()


def images(rng, n, size):
    """Real images in [0, 1] on a 2^-12 grid (exact in both codings, [0, 1] and [-1, 1])."""
    return np.round(rng.random((n, size, size, 3)) * 4096) / 4096


def rmsprop(torch, params, lr=LR):
    return torch.optim.RMSprop(params, lr=lr, eps=EPS, alpha=RHO)  # g_lis/main.py:313


def sim_k_draws(seed, n_modules, calls):
    """K of ``calls`` consecutive training forwards of their early stop (model.py:285-297)."""
    r = random.Random(seed)
    ks = []
    for _ in range(calls):
        k = 0
        for i in range(n_modules):
            if r.random() < 0.5 ** (n_modules - i):
                break
            k += 1
        ks.append(k)
    return ks


def choose_k_seed(n_modules, steps):
    """A seed whose draws (D then G per step) have K = 0 and K = N, and a module trained by
    G, skipped in a later G step and trained again (RMSprop's zero-gradient decay)."""
    for seed in range(10_000):
        ks = sim_k_draws(seed, n_modules, 2 * steps)
        g = ks[1::2]
        revisit = steps < 3 or any(g[a] >= 1 and g[b] == 0 and g[c] >= 1
                      for a in range(steps) for b in range(a + 1, steps) for c in range(b + 1, steps))
        if 0 in ks and n_modules in g and revisit:
            return seed
    raise RuntimeError("no seed found")


def bce(torch, p, target):
    return torch.nn.functional.binary_cross_entropy(p, torch.full_like(p, target))


# ------------------------------------------------------------------------------ cases
def forward_case(torch, authors, size, nfeature, seed, batch=B, ks=None):
    """Forward passes; ``ks``: {N: the K whose images are stored} (default: all K)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    nlayer = {32: 3, 80: 4}[size]
    arrays, meta = {}, {"size": size, "nfeature": nfeature, "nlayer": nlayer, "latent_dim": NZ,
                        "batch": batch, "dtype": "float64"}
    z = rng.standard_normal((batch, NZ))
    x = images(rng, batch, size)
    arrays["input/z"], arrays["input/real"] = z, x
    zt = torch.as_tensor(z)
    xt = torch.as_tensor(x.transpose(0, 3, 1, 2).copy())
    for n in sorted(ks or (1, 3)):
        gen = authors.GeneratorLearnedInputSpace(size, size, nfeature, nlayer, NZ, "weight", n,
                                                 "fractional")
        randomize(gen, rng)
        gen.eval()
        arrays.update({f"init/gen_n{n}/" + k.split("/", 1)[1]: v
                       for k, v in state(gen, "gen").items()})
        for k in range(n + 1):
            with torch.no_grad():
                out, lis = gen(zt, n_execute_lis_layers=k)
            if ks is None or k in ks[n]:
                arrays[f"out/gen_n{n}_k{k}"] = nhwc(out)
            for i, zk in enumerate(lis):
                arrays[f"out/gen_n{n}_k{k}_latent{i + 1}"] = zk.numpy().copy()
    plain = authors.build_generator(size, size, nfeature, nlayer, NZ, "weight")
    randomize(plain, rng)
    arrays.update({"init/gen_plain/" + k.split("/", 1)[1]: v
                   for k, v in state(plain, "gen").items()})
    dis = authors.build_discriminator(size, size, nfeature, nlayer, "weight", 0)
    rev = authors.build_reverser(size, size, nfeature // 2, nlayer, NZ, "weight", 0.1)
    for net, role in ((dis, "dis"), (rev, "r")):
        randomize(net, rng)
        net.eval()
        arrays.update({"init/" + k: v for k, v in state(net, role).items()})
    with torch.no_grad():
        arrays["out/gen_plain"] = nhwc(plain(zt))
        arrays["out/dis"] = dis(xt).numpy().copy()
        arrays["out/r"] = rev(xt).numpy().copy()
    return arrays, meta


def their_nlayer(size):
    """Their ``--nlayer`` default (g_lis/main.py:246-251): halvings while the side is >= 8."""
    nlayer = 0
    while size >= 8:
        size, nlayer = (size + 1) // 2, nlayer + 1
    return nlayer


def glis_nets(authors, size, nfeature, n_modules, latent_dim):
    """Their G-LIS G and D as g_lis/main.py:299-305 builds them (``--norm weight``, upscaling
    ``fractional``, D dropout 0), with their own initialisation."""
    nlayer = their_nlayer(size)
    gen = authors.GeneratorLearnedInputSpace(size, size, nfeature, nlayer, latent_dim, "weight",
                                             n_modules, "fractional")
    return gen, authors.build_discriminator(size, size, nfeature, nlayer, "weight", 0)


LOG_KEYS = ("k_d", "k_g", "d_real", "d_fake", "g_adv", "g_sim")


def glis_step(torch, gen, dis, gen_opt, dis_opt, real, z_d, z_g, lambda_r, zero_to_none=False):
    """One iteration of their G-LIS loop (g_lis/main.py:537-589): D on the real batch ``real``
    (NCHW, [0, 1]) and on G(``z_d``) (K drawn by G's early stop), then G on G(``z_g``) with
    ``BCE(D(G(z'_K)), 1) + sum_k lambda_r^k MSE(z'_k, z)`` (the sum skipped when lambda_r = 0,
    their ``do_train_r``). Returns the values of ``LOG_KEYS``."""
    for p in dis.parameters():
        p.requires_grad = True
    dis.zero_grad(set_to_none=zero_to_none)
    loss_d_real = bce(torch, dis(real), 1.0)
    loss_d_real.backward()
    with torch.no_grad():  # volatile=True in the original
        generated, lis = gen(z_d)
    k_d = len(lis)
    loss_d_fake = bce(torch, dis(generated.detach()), 0.0)
    loss_d_fake.backward()
    dis_opt.step()
    for p in dis.parameters():
        p.requires_grad = False
    gen.zero_grad(set_to_none=zero_to_none)
    generated, lis = gen(z_g)
    train_r = lambda_r > 0
    loss_g = bce(torch, dis(generated), 1.0)
    loss_g.backward(retain_graph=train_r and len(lis) > 0)
    sim = 0.0
    for i, zk in enumerate(lis if train_r else ()):
        loss_r = torch.nn.functional.mse_loss(zk, z_g) * lambda_r ** (i + 1)
        loss_r.backward(retain_graph=(i + 1) < len(lis))
        sim += loss_r.item()
    gen_opt.step()
    return k_d, len(lis), loss_d_real.item(), loss_d_fake.item(), loss_g.item(), sim


def glis_run(torch, authors, size, nfeature, n_modules, steps, seed, k_seed, zero_to_none=False,
             dtype=None, init=None, before_step=None):
    """Their G-LIS iteration (g_lis/main.py:537-589) for ``steps`` batches; returns arrays.
    ``init``: initial weights to load (torch draws other numbers in another dtype);
    ``before_step(step, gen, dis, gen_opt, dis_opt)``: called before each step."""
    torch.set_default_dtype(dtype or torch.float64)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    gen, dis = glis_nets(authors, size, nfeature, n_modules, NZ)
    randomize(gen, rng)
    randomize(dis, rng)
    if init is not None:
        for net, role in ((gen, "gen"), (dis, "dis")):
            load(torch, net, {k.split("/", 2)[2]: v for k, v in init.items()
                              if k.startswith(f"init/{role}/")})
    arrays = {**{"init/" + k: v for k, v in state(gen, "gen").items()},
              **{"init/" + k: v for k, v in state(dis, "dis").items()}}
    gen_opt, dis_opt = rmsprop(torch, gen.parameters()), rmsprop(torch, dis.parameters())
    z_d, z_g = rng.standard_normal((steps, B, NZ)), rng.standard_normal((steps, B, NZ))
    reals = images(rng, steps * B, size).reshape(steps, B, size, size, 3)
    random.seed(k_seed)
    logs = {k: [] for k in LOG_KEYS}
    t = lambda a: torch.as_tensor(a, dtype=torch.get_default_dtype())
    for step in range(steps):
        if before_step is not None:
            before_step(step, gen, dis, gen_opt, dis_opt)
        real = t(reals[step].transpose(0, 3, 1, 2).copy())
        out = glis_step(torch, gen, dis, gen_opt, dis_opt, real, t(z_d[step]), t(z_g[step]),
                        LAMBDA, zero_to_none)
        for key, value in zip(LOG_KEYS, out):
            logs[key].append(value)
    arrays.update({"input/z_d": z_d, "input/z_g": z_g, "input/real": reals})
    ks = sim_k_draws(k_seed, n_modules, 2 * steps)
    assert logs["k_d"] == ks[0::2] and logs["k_g"] == ks[1::2], "early-stop draws differ"
    arrays.update({f"draw/{k}": np.asarray(logs[k]) for k in ("k_d", "k_g")})
    arrays.update({f"loss/{k}": np.asarray(logs[k]) for k in ("d_real", "d_fake", "g_adv", "g_sim")})
    arrays.update({"after/" + k: v for k, v in state(gen, "gen").items()})
    arrays.update({"after/" + k: v for k, v in state(dis, "dis").items()})
    torch.set_default_dtype(torch.float64)
    return arrays, (gen, dis, gen_opt, dis_opt)


def glis_case(torch, authors, size, nfeature, steps, seed):
    n = 3
    k_seed = choose_k_seed(n, steps)
    arrays, _ = glis_run(torch, authors, size, nfeature, n, steps, seed, k_seed)
    modern, _ = glis_run(torch, authors, size, nfeature, n, steps, seed, k_seed, zero_to_none=True)
    f32, _ = glis_run(torch, authors, size, nfeature, n, steps, seed, k_seed, dtype=torch.float32,
                      init=arrays)

    def drift(other):
        return max(float(np.max(np.abs(other[k].astype(np.float64) - v)))
                   for k, v in arrays.items() if k.startswith("after/"))

    meta = {"size": size, "nfeature": nfeature, "latent_dim": NZ, "batch": B, "lis_modules": n,
            "lambda_r": LAMBDA, "lr": LR, "rho": RHO, "epsilon": EPS, "steps": steps,
            "dtype": "float64", "k_seed": k_seed,
            "modern_zero_grad_drift": drift(modern), "float32_drift": drift(f32)}
    return arrays, meta


def rsep_case(torch, authors, steps, seed):
    """R-separate (g_lis/train_r.py:406-428) on a G-LIS N = 1 generator, 32 px."""
    size, nfeature, nlayer, p = 32, 8, 3, 0.1
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    gen = authors.GeneratorLearnedInputSpace(size, size, nfeature, nlayer, NZ, "weight", 1,
                                             "fractional")
    dis = authors.build_discriminator(size, size, nfeature, nlayer, "weight", 0)
    rev = authors.build_reverser(size, size, nfeature // 2, nlayer, NZ, "weight", p)
    for net in (gen, dis, rev):
        randomize(net, rng)
    for param in dis.parameters():
        param.requires_grad = False
    arrays = {"init/" + k: v for net, role in ((gen, "gen"), (dis, "dis"), (rev, "r"))
              for k, v in state(net, role).items()}
    masks = Masks(np.random.default_rng(seed + 1), p)
    masks.install()
    r_opt = rmsprop(torch, rev.parameters())
    z = rng.standard_normal((steps, B, NZ))
    losses, fake0, fake1 = [], [], []
    for step in range(steps):
        code = torch.as_tensor(z[step])
        generated, _ = gen(code, n_execute_lis_layers=1)
        fake0.append(bce(torch, dis(generated.detach()), 0.0).item())
        rev.zero_grad(set_to_none=False)
        fixed = rev(generated)
        loss = torch.nn.functional.mse_loss(fixed, code)
        loss.backward()
        r_opt.step()
        losses.append(loss.item())
        generated_fixed, _ = gen(fixed, n_execute_lis_layers=1)
        fake1.append(bce(torch, dis(generated_fixed.detach()), 0.0).item())
    arrays.update({"input/z": z, "draw/masks": np.concatenate([m.reshape(-1) for m in masks.drawn]),
                   "loss/r": np.asarray(losses), "loss/d_fake": np.asarray(fake0),
                   "loss/d_fake_refined": np.asarray(fake1)})
    arrays.update({"after/" + k: v for k, v in state(rev, "r").items()})
    meta = {"size": size, "nfeature": nfeature, "r_nfeature": nfeature // 2, "latent_dim": NZ,
            "batch": B, "lis_modules": 1, "r_dropout": p, "lr": LR, "steps": steps,
            "dtype": "float64", "mask_shapes": [list(m.shape) for m in masks.drawn]}
    return arrays, meta


def riter_case(torch, authors, batches, seed):
    """R-iterative (r_iterative/main.py:443-535), N_R = 3, 32 px."""
    size, nfeature, nlayer, p, n_r = 32, 8, 3, 0.1, 3
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    gen = authors.build_generator(size, size, nfeature, nlayer, NZ, "weight")
    dis = authors.build_discriminator(size, size, nfeature, nlayer, "weight", 0)
    rev = authors.build_reverser(size, size, nfeature // 2, nlayer, NZ, "weight", p)
    for net in (gen, dis, rev):
        randomize(net, rng)
    arrays = {"init/" + k: v for net, role in ((gen, "gen"), (dis, "dis"), (rev, "r"))
              for k, v in state(net, role).items()}
    masks = Masks(np.random.default_rng(seed + 1), p)
    masks.install()
    gen_opt, r_opt, dis_opt = (rmsprop(torch, n.parameters()) for n in (gen, rev, dis))
    z0s = rng.standard_normal((batches, B, NZ))
    reals = images(rng, batches * (n_r + 1) * B, size).reshape(batches, n_r + 1, B, size, size, 3)
    random.seed(seed)
    flags, logs = [], {k: [] for k in ("g", "r", "d_real", "d_fake")}
    t = torch.as_tensor
    for batch in range(batches):
        last_images, last_code, last_trained = None, None, False
        for r_idx in range(1 + n_r):
            p_hit = (r_idx + 1) / (1 + n_r)
            do_train = last_trained or r_idx == n_r or random.random() <= p_hit
            flags.append(do_train)
            if last_images is None:
                code = t(z0s[batch])
                first_code = code
            else:
                code = rev(last_images.detach())
            if not do_train:
                last_images = gen(code.detach())
                last_code, last_trained = code, do_train
                for key in logs:
                    logs[key].append(np.nan)
                continue
            gen.zero_grad(set_to_none=False)
            for param in dis.parameters():
                param.requires_grad = False
            generated = gen(code.detach())
            loss_g = bce(torch, dis(generated), 1.0)
            loss_g.backward()
            gen_opt.step()
            logs["g"].append(loss_g.item())
            if last_code is not None:
                rev.zero_grad(set_to_none=False)
                loss_g2 = bce(torch, dis(gen(code)), 1.0)
                loss_r = torch.nn.functional.mse_loss(code, first_code.detach())
                lar = LAMBDA ** r_idx
                (lar * loss_r + (1 - lar) * loss_g2).backward()
                r_opt.step()
                logs["r"].append((lar * loss_r + (1 - lar) * loss_g2).item())
            else:
                logs["r"].append(np.nan)
            dis.zero_grad(set_to_none=False)
            for param in dis.parameters():
                param.requires_grad = True
            real = t(reals[batch, r_idx].transpose(0, 3, 1, 2).copy())
            loss_d_real = bce(torch, dis(real), 1.0)
            loss_d_real.backward()
            loss_d_fake = bce(torch, dis(generated.detach()), 0.0)
            loss_d_fake.backward()
            dis_opt.step()
            logs["d_real"].append(loss_d_real.item())
            logs["d_fake"].append(loss_d_fake.item())
            last_images, last_code, last_trained = generated, code, do_train
    arrays.update({"input/z0": z0s, "input/real": reals,
                   "draw/flags": np.asarray(flags, dtype=np.float64).reshape(batches, n_r + 1),
                   "draw/masks": np.concatenate([m.reshape(-1) for m in masks.drawn])})
    arrays.update({f"loss/{k}": np.asarray(v).reshape(batches, n_r + 1) for k, v in logs.items()})
    arrays.update({"after/" + k: v for net, role in ((gen, "gen"), (dis, "dis"), (rev, "r"))
                   for k, v in state(net, role).items()})
    meta = {"size": size, "nfeature": nfeature, "r_nfeature": nfeature // 2, "latent_dim": NZ,
            "batch": B, "r_iterations": n_r, "lambda_r": LAMBDA, "r_dropout": p, "lr": LR,
            "batches": batches, "dtype": "float64",
            "mask_shapes": [list(m.shape) for m in masks.drawn]}
    return arrays, meta


def import_case(torch, authors, out_dir, seed):
    """A float32 G-LIS checkpoint as their ``save_state`` writes it after 3 steps, the images and
    D scores of that G for fixed z, and the 4th step's draws and weights after it (a resumed
    import must continue as their run does)."""
    k_seed = choose_k_seed(1, 4)
    init, _ = glis_run(torch, authors, 32, 8, 1, 0, seed, k_seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    z = np.random.default_rng(seed + 5).standard_normal((3, NZ)).astype(np.float32)
    expected = {"z": z}

    def save(step, gen, dis, gen_opt, dis_opt):
        if step != 3:
            return
        for name, obj in (("gen", gen), ("dis", dis), ("gen_opt", gen_opt), ("dis_opt", dis_opt)):
            torch.save(obj.state_dict(), out_dir / f"last_{name}.pt")
        torch.save(gen.state_dict(), out_dir / "legacy_gen.pt",
                   _use_new_zipfile_serialization=False)
        torch.save({"current_iter": 3, "history": ""}, out_dir / "last_state.pt")
        draws = random.getstate()  # eval mode still calls random.random()
        gen.eval()
        with torch.no_grad():
            out, _ = gen(torch.as_tensor(z))
            expected.update(images=nhwc(out), d=dis(out).numpy())
        gen.train()
        random.setstate(draws)

    arrays, _ = glis_run(torch, authors, 32, 8, 1, 4, seed, k_seed, dtype=torch.float32,
                         init=init, before_step=save)
    for key in ("input/z_d", "input/z_g", "input/real", "draw/k_d", "draw/k_g"):
        expected["step4/" + key.split("/")[1]] = arrays[key][3]
    expected.update({k: v for k, v in arrays.items() if k.startswith("after/")})
    np.savez_compressed(out_dir / "expected.npz", **expected)
    torch.set_default_dtype(torch.float64)


# ------------------------------------------------ port or method: their G-LIS on our shapes data
METHOD_OUT = "experiments/results/port_or_method"
OURS_SHAPES = Path(__file__).resolve().parents[1] / "experiments" / "results" / "lis" / "shapes.json"
# What their g_lis/main.py does at these settings beside the iteration, against our run.
METHOD_NOTES = (
    "Their command, in effect: `python g_lis/main.py --dataset folder --image_size 32 "
    "--code_size 256 --norm weight --nfeature 32 --lr 0.0002 --batch_size 32 --r_iterations N "
    "--lambda_r 0.9 --niter 4000` (`--norm` defaults to `none` in main.py; the README's "
    "commands and App. J use `weight`, as ours).",
    "Same as ours at these settings: one D step (real batch, then a fake batch with its own z "
    "and its own early-stop K) and one G step (fresh z) per iteration; BCE on D's sigmoid; "
    "RMSprop alpha 0.9, eps 1e-6 outside the root (main.py:313), lr 2e-4 constant (no schedule "
    "in main.py); no weight clipping (TPReLU clamps its slope in its forward, in both); D "
    "dropout 0; every training image once per epoch in a fresh random order.",
    "Differences, none of them in the training maths: (1) their `--augment none` still flips "
    "every image left-right with p = 1/2 (main.py:227-228); our shapes runs do not flip (the "
    "registry flips only celeb_a, cifar10, lsun/bedroom). The shapes distribution is mirror "
    "symmetric (squares, circles, apex-up triangles, x uniform on a symmetric range), so the "
    "flip changes which images are seen, not their distribution; (2) their data index holds "
    "out `--final` (default 2000) images of the folder (common/split_data.py): here, as in "
    "ours, all 5000 images of the run are trained on; (3) at N = 0 the early stop and the "
    "2017 `zero_grad()` semantics do nothing; (4) their sample grids before training and every "
    "2000 batches (left out) draw nothing from torch's generator but do call `random.random()` "
    "(flips of 164 images; the early stop of G's eval forwards when N > 0): the flips and K take "
    "other uniforms of the same stream, with the same distribution.",
)
METHOD_RULE = ("verdict rule (fixed before the runs): for N = 0, \"method\" if the authors' code "
               "is also broken >= 90 % on every seed, \"port\" if it is broken < 90 % on every "
               "seed, else \"undecided (seed-dependent)\"")
# ``experiments/lis_toy.py shapes()``'s settings: batch 32, N_z 256, nfeature 32, RMSprop 2e-4
# constant, 5000 ``shapes`` images at 32 px rendered with the run's seed, 2000 fixed latents.
M_BATCH, M_NZ, M_NFEATURE, M_LR, M_SIZE, M_IMAGES, M_SAMPLES, M_Z_SEED = (
    32, 256, 32, 2e-4, 32, 5000, 2000, 7)


def method_run(torch, authors, images01, seed, n_modules, lambda_r, steps, flip=True, log=print):
    """Their G-LIS training as ``g_lis/main.py`` runs it (``--norm weight --code_size 256
    --nfeature 32 --lr 0.0002 --batch_size 32 --r_iterations N --lambda_r L``) on ``images01``
    (float32 [n, 3, S, S] in [0, 1], their ``ToTensor`` coding), float32, their own nets'
    initialisation and draws: ``torch.manual_seed(seed)`` / ``random.seed(seed)`` (their script
    seeds neither), then in their order G, D, ``vis_code`` (main.py:491), ``index_shuffle``
    (main.py:494, every image once per epoch, reshuffled by ``torch.randperm``; main.py:545-553),
    per image their ``--augment none`` ``RandomHorizontalFlip`` (torchvision 0.1.x:
    ``random.random() < 0.5``) when ``flip``, then z of D and of G (``torch.randn``). Left out:
    their ``test()`` (every 10000 batches, not reached) and their sample grids (main.py:500-523,
    619-624: before training and every 2000 batches), which draw nothing from torch's generator
    but do call ``random.random()`` (the flips of 164 images; the early stop of G's eval forwards
    when N > 0), so the flips and K here take other uniforms of the same stream than theirs
    would (the same distribution). Returns (gen, dis, logs, wall s, CPU s)."""
    import time

    torch.set_default_dtype(torch.float32)
    torch.manual_seed(seed)
    random.seed(seed)
    gen, dis = glis_nets(authors, images01.shape[-1], M_NFEATURE, n_modules, M_NZ)
    gen_opt, dis_opt = rmsprop(torch, gen.parameters(), M_LR), rmsprop(torch, dis.parameters(), M_LR)
    torch.randn(100, M_NZ)  # vis_code: --vis_size 10
    n = len(images01)
    index_shuffle, current = torch.randperm(n), 0
    logs = {k: [] for k in LOG_KEYS}
    wall, cpu = time.perf_counter(), time.process_time()
    for step in range(steps):
        batch = np.empty((M_BATCH,) + images01.shape[1:], np.float32)
        for i in range(M_BATCH):
            image = images01[int(index_shuffle[current])]
            batch[i] = image[:, :, ::-1] if flip and random.random() < 0.5 else image
            current += 1
            if current == n:
                current, index_shuffle = 0, torch.randperm(n)
        # their z of D and of G come one after the other from torch's generator: nothing
        # between them draws from it (D has no dropout; G's early stop uses ``random``)
        z_d, z_g = torch.randn(M_BATCH, M_NZ), torch.randn(M_BATCH, M_NZ)
        out = glis_step(torch, gen, dis, gen_opt, dis_opt, torch.as_tensor(batch), z_d, z_g,
                        lambda_r)
        for key, value in zip(LOG_KEYS, out):
            logs[key].append(value)
        if (step + 1) % 250 == 0 or step + 1 == steps:
            last = {k: float(np.mean(logs[k][-250:])) for k in ("d_real", "d_fake", "g_adv")}
            log(f"seed {seed} N={n_modules} step {step + 1}/{steps} {last} "
                f"{time.perf_counter() - wall:.0f} s wall", flush=True)
    return gen, dis, logs, time.perf_counter() - wall, time.process_time() - cpu


def method_samples(torch, gen, dis, z):
    """Per K = 0..N (eval mode, ``n_execute_lis_layers=K`` as their ``visualize``): G(z'_K) in
    our [-1, 1] NHWC coding, mean ||z'_K - z||^2 and mean D(G(z'_K))."""
    gen.eval()
    dis.eval()
    rows = []
    with torch.no_grad():
        for k in range(len(gen.lis_layers) + 1):
            x, dz2, d = [], [], []
            for chunk in np.array_split(z, max(1, len(z) // 500)):
                zt = torch.as_tensor(chunk)
                out, lis = gen(zt, n_execute_lis_layers=k)
                x.append(nhwc(out) * 2.0 - 1.0)
                zk = lis[-1] if lis else zt
                dz2.append(((zk - zt) ** 2).sum(1).numpy())
                d.append(dis(out).numpy().reshape(-1))
            rows.append({"k": k, "samples": np.concatenate(x).astype(np.float32),
                         "dz2": float(np.mean(np.concatenate(dz2))),
                         "d_fake": float(np.mean(np.concatenate(d)))})
    return rows


def save_grid(x, path):
    """An 8x8 grid of the first 64 images ([-1, 1] NHWC) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = x.shape[1]
    grid = ((x[:64] + 1) / 2).reshape(8, 8, s, s, 3).transpose(0, 2, 1, 3, 4).reshape(8 * s, 8 * s, 3)
    plt.imsave(path, np.clip(grid, 0, 1))


def method_shapes(torch, authors, args):
    """``--cases=method_shapes``: their G-LIS on our ``shapes`` runs' settings, per seed and
    setting, scored as ``experiments/lis_toy.py shapes()`` scores ours; resumable (finished
    (setting, seed) rows in ``lis_shapes.json`` are skipped)."""
    import datetime
    import json
    import subprocess

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from tfgan_latent.data.shapes import make_shapes
    from tfgan_latent.models.gan import prior_latents
    from tfgan_latent.train import evaluate

    out = Path(args.method_out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    path = out / "lis_shapes.json"
    doc = json.loads(path.read_text()) if path.exists() else {"rows": []}
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True,
                         text=True).stdout.split(":", 1)[-1].strip()
    z = prior_latents("normal", M_SAMPLES, M_NZ, M_Z_SEED)  # = our runs' gan.fixed_latents(2000, 7)
    flip = args.method_flip == "on"
    for seed in (int(s) for s in args.method_seeds.split(",")):
        for setting in args.method_settings.split(","):
            n, lam = int(setting.split(":")[0]), float(setting.split(":")[1])
            name = f"N={n}, lambda={lam:g}"
            if any((r["setting"], r["seed"], r["flip"]) == (name, seed, flip) for r in doc["rows"]):
                print(f"{name} seed {seed}: done, skipped", flush=True)
                continue
            images = make_shapes(M_IMAGES, M_SIZE, seed)[0]  # our run's data (its seed)
            images01 = ((images.transpose(0, 3, 1, 2) + 1.0) / 2.0).astype(np.float32)
            gen, dis, logs, wall, cpu_s = method_run(torch, authors, images01, seed, n, lam,
                                                     args.method_steps, flip=flip)
            tag = f"N{n}_lambda{lam:g}_seed{seed}" + ("" if flip else "_noflip")
            torch.save(gen.state_dict(), out / "logs" / f"lis_shapes_{tag}_gen.pt")
            for row in method_samples(torch, gen, dis, z):
                x = row.pop("samples")
                if row["k"] == n:
                    save_grid(x, out / f"lis_shapes_{tag}.png")
                s = evaluate.score(x, "shapes", seed=seed)
                row.update(setting=name, seed=seed, N=n, flip=flip, steps=args.method_steps,
                           broken_percent=100.0 - s["on_manifold_percent"], modes=s["modes"],
                           fid=s["fid"], train_wall_s=wall, train_cpu_s=cpu_s,
                           last250={k: float(np.mean(logs[k][-250:]))
                                    for k in ("d_real", "d_fake", "g_adv", "g_sim")},
                           cpu=cpu, date=datetime.datetime.now(datetime.timezone.utc)
                           .strftime("%Y-%m-%d %H:%M UTC"))
                doc["rows"].append(row)
                print(row, flush=True)
            doc.update(rule=METHOD_RULE)
            path.write_text(json.dumps(doc, indent=1) + "\n")
            write_method_report(doc, out / "lis_shapes.md")
    if doc["rows"]:  # a rerun with every row done rewrites the report alone
        doc.pop("command", None)  # written by the first version of this mode (commands: per row)
        path.write_text(json.dumps(doc, indent=1) + "\n")
        write_method_report(doc, out / "lis_shapes.md")


def method_verdict(rows):
    """``METHOD_RULE`` on the N = 0 rows of the authors' code (None before 3 seeds)."""
    broken = [r["broken_percent"] for r in rows if r["N"] == 0 and r["k"] == 0]
    if len(broken) < 3:
        return None
    if all(b >= 90 for b in broken):
        return "method"
    if all(b < 90 for b in broken):
        return "port"
    return "undecided (seed-dependent)"


def method_command(row, rows):
    """The command that wrote ``row``'s (setting, flip) group."""
    group = [r for r in rows if (r["setting"], r["flip"]) == (row["setting"], row["flip"])]
    seeds = ",".join(str(s) for s in dict.fromkeys(r["seed"] for r in group))
    return ("cd /work/main && PYTHONPATH=. nice -n 5 python -m parity.lis --original=/tmp/orig/lis "
            f"--cases=method_shapes --method_settings={row['N']}:{row['setting'].split('=')[-1]} "
            f"--method_seeds={seeds} --method_steps={row['steps']}"
            + ("" if row["flip"] else " --method_flip=off"))


def write_method_report(doc, path):
    import json

    ours = json.loads(OURS_SHAPES.read_text()) if OURS_SHAPES.exists() else []
    rows = doc["rows"]
    cell = lambda v, f: "–" if v is None else format(v, f)
    lines = ["# Port or method: the authors' G-LIS code on our shapes 32x32 settings (issue 30, item 5)",
             "", "Commands (one per setting; `--original` is a checkout of the authors' repository):", "",
             *[f"* `{c}`" for c in dict.fromkeys(method_command(r, rows) for r in rows)], "",
             "The authors' `g_lis/main.py` iteration (transcribed in `parity/lis.py` `glis_step`, "
             "their nets from `common/model.py` through `load_original`, their own initialisation, "
             "float32, their `torch.randn` / `randperm` / `random.random()` draws seeded with the "
             "seed) at the settings of `experiments/results/lis/shapes.md`: batch 32, N_z 256, "
             "nfeature 32, App. J 32 px layout (nlayer 3), RMSprop lr 2e-4 constant, alpha 0.9, "
             "eps 1e-6 (main.py:313; our `LISOptimizerConfig` rho 0.9, epsilon 1e-6: the same), "
             "on our 5000 `shapes` images of the seed (their [0, 1] coding). Scored as ours: "
             "G in eval mode on the same 2000 fixed latents (`prior_latents('normal', 2000, 256, "
             "7)`), images mapped to [-1, 1], `evaluate.score(x, 'shapes', seed=seed)`; broken % "
             "= 100 − on-manifold %. Ours: `experiments/results/lis/shapes.json`. Sample grids: "
             "`lis_shapes_N<N>_lambda<L>_seed<s>.png` (the first 64 latents, k = N; ours: "
             "`experiments/results/lis/shapes_N<N>_lambda<L>_seed<s>.png`).", "",
             f"CPU (`lscpu`): {', '.join(sorted({r['cpu'] for r in rows}))}; runs finished "
             f"{min(r['date'] for r in rows)} to {max(r['date'] for r in rows)}, shared 2 cores "
             "(train wall s ≈ 3 × CPU s).",
             "", *[f"* {note}" for note in METHOD_NOTES], "",
             f"{doc['rule'][0].upper()}{doc['rule'][1:]}.", "",
             "| setting | flip | seed | k of N | broken % theirs | broken % ours | modes theirs | "
             "modes ours | FID theirs | FID ours | mean D(G(z'_k)) theirs | ours | train wall s "
             "| train CPU s |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    match = lambda r: next((o for o in ours if (o["setting"], o["seed"], o["k"])
                            == (r["setting"], r["seed"], r["k"])), {})
    for r in rows:
        o = match(r)
        lines.append(
            f"| {r['setting']} | {'on' if r['flip'] else 'off'} | {r['seed']} | {r['k']} of {r['N']} "
            f"| {r['broken_percent']:.1f} | {cell(o.get('broken_percent'), '.1f')} | {r['modes']} "
            f"| {cell(o.get('modes'), 'd')} | {r['fid']:.2f} | {cell(o.get('fid'), '.2f')} "
            f"| {r['d_fake']:.3f} | {cell(o.get('d_fake'), '.3f')} | {r['train_wall_s']:.0f} "
            f"| {r['train_cpu_s']:.0f} |")
    lines += ["", "## Mean ± std over seeds", "",
              "| setting | flip | k of N | seeds | broken % theirs | broken % ours | modes theirs | "
              "modes ours | FID theirs | FID ours |", "|---|---|---|---|---|---|---|---|---|---|"]
    stat = lambda v: (f"{np.mean(v):.1f} ± {np.std(v, ddof=1) if len(v) > 1 else 0:.1f}"
                      if v else "–")
    for key in dict.fromkeys((r["setting"], r["flip"], r["k"], r["N"]) for r in rows):
        group = [r for r in rows if (r["setting"], r["flip"], r["k"], r["N"]) == key]
        mine = [match(r) for r in group if match(r)]
        lines.append(f"| {key[0]} | {'on' if key[1] else 'off'} | {key[2]} of {key[3]} "
                     f"| {len(group)} | " + " | ".join(
                         f"{stat([r[f] for r in group])} | {stat([r[f] for r in mine])}"
                         for f in ("broken_percent", "modes", "fid")) + " |")
    verdict = method_verdict([r for r in rows if r["flip"]])
    meaning = {"method": ": the authors' own code collapses at these settings too, so the "
                          "collapse of our N = 0 run is not the port's",
               "port": ": the authors' code does not collapse where ours does"}.get(verdict, "")
    lines += ["", f"Verdict (N = 0, flip on): **{verdict or 'pending (fewer than 3 seeds)'}**"
              f"{meaning}. The rule covers N = 0 alone; other settings are shown beside ours for "
              "comparison."]
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--original", required=True, help="checkout of aleju/gan-error-avoidance")
    parser.add_argument("--cases", default="", help="comma-separated cases (default: all, import); "
                        "method_shapes: their G-LIS on our shapes settings (not a fixture)")
    parser.add_argument("--method_seeds", default="0,1,2", help="method_shapes: seeds")
    parser.add_argument("--method_settings", default="0:0.9", help="method_shapes: N:lambda_R, ...")
    parser.add_argument("--method_steps", type=int, default=4000, help="method_shapes: batches")
    parser.add_argument("--method_flip", default="on", choices=("on", "off"),
                        help="method_shapes: their --augment none RandomHorizontalFlip")
    parser.add_argument("--method_out", default=METHOD_OUT, help="method_shapes: output folder")
    args = parser.parse_args(argv)
    import torch

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    authors = load_original(args.original)
    if args.cases == "method_shapes":
        return method_shapes(torch, authors, args)
    cases = {
        "forward32": lambda: forward_case(torch, authors, 32, 8, 1),
        "glis32": lambda: glis_case(torch, authors, 32, 8, 6, 2),
        "rsep32": lambda: rsep_case(torch, authors, 5, 3),
        "riter32": lambda: riter_case(torch, authors, 4, 4),
        "forward80": lambda: forward_case(torch, authors, 80, 4, 5, batch=2,
                                          ks={3: (3,)}),
        "glis80": lambda: glis_case(torch, authors, 80, 4, 2, 6),
    }
    chosen = [c for c in args.cases.split(",") if c] or list(cases) + ["import"]
    unknown = sorted(set(chosen) - set(cases) - {"import"})
    if unknown:
        raise SystemExit(f"--cases: unknown {unknown}; cases are {list(cases)} and import.")
    for name, build in cases.items():
        if name not in chosen:
            continue
        arrays, meta = build()
        path = fixtures.write(PAPER, name, arrays, meta)
        print(f"{path}: {len(arrays)} arrays, {path.stat().st_size / 1e3:.0f} kB",
              {k: v for k, v in meta.items() if "drift" in k or k in ("k_seed",)})
    if "import" not in chosen:
        return
    import_case(torch, authors, fixtures.ROOT / PAPER / "import", 7)
    print("import fixtures:", sorted(p.name for p in (fixtures.ROOT / PAPER / "import").iterdir()))


if __name__ == "__main__":
    main()

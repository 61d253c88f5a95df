"""Parity fixtures of latent-space growing from the authors' own TF1 code.

    python -m parity.growing --original=PATH   # a checkout of eriksandstroem/Latent-Space-Growing-of-GANs
    python -m parity.growing --original=PATH --cases=lggan,swiss_roll   # only these cases

Runs (in a separate environment with ``tensorflow-cpu`` 2.x; see parity/README.md) the
authors' ``celebA/{bGAN,clgGAN,lgGAN}/code`` graphs and ``Swiss_roll/gan`` scripts under
``tf.compat.v1`` and writes ``tests/fixtures/parity/growing/*``. Cases (all float64, the
original's graphs built with a dtype shim; ``meta["float32_drift"]`` holds the same run in
float32 against float64):

* ``bgan``: bGAN at 8 px (G layers 4, D layers 5), widths 16 at 4x4 / 8 at 8x8, z 8, batch 8
  (two of ProGAN's strided groups of 4 in the minibatch stddev): initial weights (the
  authors' init), z, reals, G(z), D(reals), D(G(z)); then 5 WGAN-GP steps of their
  ``GAN.train`` (one D, one G Adam step per batch, same z, γ of the penalty injected):
  losses per step and the weights after.
* ``clggan``: clgGAN cycle 1 (4 px, z 8, G 2 / D 3 layers) -> cycle 2 (8 px, z 16, G 4 /
  D 5 layers), batch 8: cycle-1 weights, forward, 2 steps, their ``Saver`` checkpoint;
  their ``subGAN.load`` (stage 'f') grows it into cycle 2 (old blocks copied, new ones
  drawn); cycle-2 forward at α = β = τ = 0 and at a fade (0.25, 0.25, 0.125) and (1, 1,
  0.5); 5 steps with α = β = p, τ = p / 2, p = 0, 1/4, 1/2, 3/4, 1 (their per-iteration
  increments ``0.25 / batch_idxs`` with 4 iterations of fade): losses and weights after.
* ``mbstd``: their three minibatch-stddev functions on one ``[8, 4, 4, 6]`` input: bGAN's
  groups of 4 (lgGAN's ``ops.py`` has the same function), clgGAN's whole batch, clgGAN's
  τ split at τ = 0, 0.3, 0.5.
* ``checkpoint/``: the clgGAN cycle-1 checkpoint their ``Saver`` wrote after 2 steps
  (float32, as the authors' code runs), for ``tfgan-latent import``.
* ``lggan``: lgGAN (their ``model_exact_pro.py``, which their ``subGAN.py`` imports; D's
  minibatch stddev in ProGAN's groups of 4, two groups in the batch of 8) cycle 1 (4 px, z 16,
  G 2 / D 3 layers, widths 16) -> cycle 2 (8 px, G 4 / D 5 layers, widths 16 / 8): cycle-1
  forward and 2 steps, their ``subGAN.save``; their ``subGAN.load`` (stage 'i': every old
  tensor restored, D's renumbered +2, the old toRGB / fromRGB kept for the fade); cycle-2
  forward at α = 0, ½, 1; 5 steps at α = 0, ⅓, ⅔, 1, 1 (their ``alpha += 1/(3*batch_idxs)``
  with one batch per epoch, capped at 1).
* ``swiss_roll``: ``Swiss_roll/gan/gan.py`` from ``# define the graph`` to ``# include
  saver`` (G and D of ``--arch 4.32``, the ``--l ns`` losses, the ``--opt rms`` RMSprop ops)
  with their ``arg`` at the thesis's run (``--zdim 2 --z u --tn 0.5``, batch 128): initial
  weights, forward, then 5 iterations of their loop body (``nd_steps`` = 10 ``disc_step``
  on one real batch and z, then ``ng_steps`` = 10 ``gen_step``): every update's loss, the
  weights after.
* ``swiss_roll_grown``: ``gan.py --zdim 1`` for 2 iterations and its ``saver.save``, then
  ``restore_and_retrain.py --init z`` executed up to its training loop (its own restore of
  the 1-d G, the new 2-d graph, D and G ``h2``.. restored, ``h1`` = [old kernel; 0] with the
  old bias, new RMSprop optimizers) and 3 iterations of the same loop body.

Shims (kept here, the original is never modified): graph mode with TF1 ref variables
(``disable_eager_execution``, ``disable_resource_variables``: their ``subGAN.load`` assigns
to ``get_tensor_by_name`` results); ``import tensorflow as tf`` is replaced by
a ``tf.compat.v1`` proxy whose ``float32`` is ``float64`` (``get_variable``, ``placeholder``,
``random_uniform`` and ``cast`` follow it); image I/O (``utils``), ``scipy.io`` and
``six.moves`` are stubbed; bGAN's fixed widths (``256*4*4`` in G, ``256/np.power(..)`` in
D, a float shape TF 2 refuses) are made a parameter, as lgGAN's D width
(``model_exact_pro.py``; its G is as wide as z); the penalty's γ (``tf.random_uniform``) is
fed per step. The step loop is their ``train``'s: ``d_optim`` then ``g_optim``
(``tf.train.AdamOptimizer(lr, beta1, beta2, epsilon).minimize``) on the same feed. Swiss
roll: ``tf.layers.dense`` (gone from TF 2 with Keras 3) is the shim's ``dense`` with TF1
``core.Dense``'s semantics (Glorot-uniform ``kernel`` from ``get_variable``'s default, zero
``bias``, ``MatMul`` + ``BiasAdd``, activation); their scripts run in a temporary folder
(their paths are ``../../models/...``); their reals (``training_data.sample_data_swissroll``, sklearn's
``make_swiss_roll``) are drawn with numpy in the same way, sklearn not being installed.
"""
import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import types
from pathlib import Path

import numpy as np

from parity import fixtures

PAPER = "growing"
BATCH = 8
LR, BETA1, BETA2, EPS = 1e-4, 0.0, 0.99, 1e-8  # their main.py


def _tf_shim(tf, dtype):
    """``tf.compat.v1`` with ``float32`` replaced by ``dtype``."""
    v1 = tf.compat.v1
    real = tf.float64 if dtype == "float64" else tf.float32

    class Shim(types.ModuleType):
        def __getattr__(self, name):
            return getattr(v1, name)

        def __dir__(self):
            return dir(v1)

    shim = Shim("tf_shim")
    shim.float32 = real

    def get_variable(name, shape=None, dtype=None, initializer=None, **kwargs):
        shape = None if shape is None else [int(d) for d in shape]
        return v1.get_variable(name, shape, dtype=dtype or real, initializer=initializer, **kwargs)

    def placeholder(dtype, shape=None, name=None):
        return v1.placeholder(real if dtype in (tf.float32, real) else dtype, shape, name)

    def random_uniform(shape, minval=0, maxval=None, dtype=None, seed=None, name=None):
        return v1.random_uniform(shape, minval, maxval, dtype=real, seed=seed, name=name)

    shim.get_variable, shim.placeholder, shim.random_uniform = get_variable, placeholder, random_uniform
    return shim


def _load_module(name, path, shim, patches=(), extra=None):
    """Executes the original ``path`` as module ``name`` with ``tf`` = the shim."""
    source = Path(path).read_text()
    for old, new in (("import scipy.io as sio", "sio = None"),
                     ("from six.moves import xrange", "xrange = range")):
        source = source.replace(old, new)
    for old, new in (("import tensorflow as tf", "tf = __tf_shim__"),) + tuple(patches):
        if old not in source:
            raise RuntimeError(f"{path}: the shim expects {old!r}; is this the 08b12dc checkout?")
        source = source.replace(old, new)
    module = types.ModuleType(name)
    module.__dict__.update(__tf_shim__=shim, __file__=str(path), **(extra or {}))
    sys.modules[name] = module
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def load_original(original, model, shim, width=None):
    """(ops, model, trainer class module) of ``celebA/<model>/code`` under the shim."""
    code = Path(original) / "celebA" / model / "code"
    sys.modules["utils"] = types.ModuleType("utils")  # image I/O: not used by the graphs
    with contextlib.redirect_stdout(io.StringIO()):
        ops = _load_module("ops", code / "ops.py", shim)
        patches, net_file = (), "model"
        if model == "bGAN":
            patches = (("conv4x4(z, 256*4*4,", f"conv4x4(z, {width}*4*4,"),
                       ("featureDim = 256/np.power(2,(layers-3)//2)",
                        f"featureDim = int({width}//np.power(2,(layers-3)//2))"))
        if model == "lgGAN":  # its subGAN.py imports model_exact_pro (model.py is unused)
            net_file = "model_exact_pro"
            patches = (("featureDim = 256/np.power(2,(layers-3)//2)",
                        f"featureDim = int({width}//np.power(2,(layers-3)//2))"),)
        net = _load_module(net_file, code / f"{net_file}.py", shim, patches)
        trainer = _load_module("trainer_" + model, code / ("GAN.py" if model == "bGAN" else "subGAN.py"),
                               shim, (("matplotlib.use('agg')", "pass"),))
    return ops, net, trainer


def _trainer(cls, **attrs):
    obj = object.__new__(cls)
    defaults = dict(crop=True, sample_num=BATCH, batch_size=BATCH, activation="lrelu",
                    feature_map_shrink="n", feature_map_growth="n", spatial_map_shrink="n",
                    spatial_map_growth="n", loss="wa", minibatch_std=True)
    for key, value in {**defaults, **attrs}.items():
        setattr(obj, key, value)
    with contextlib.redirect_stdout(io.StringIO()):
        obj.build_model()
    return obj


def _gamma_tensor(graph):
    """The penalty's ``tf.random_uniform`` output in the training graph (the first one)."""
    ops = [op for op in graph.get_operations() if op.type == "RandomUniform"]
    # build_model makes the training loss first, then the sample loss
    return ops[0].outputs[0], ops[0].name


def _variables(tf, sess):
    return {v.name.split(":")[0]: sess.run(v) for v in tf.compat.v1.trainable_variables()}


def _assign(tf, sess, arrays, prefix):
    """Loads ``arrays[prefix/<name>]`` (the float64 run's values) into the graph's variables,
    so that a float32 run starts where the float64 one did (TF draws differ per dtype)."""
    for v in tf.compat.v1.trainable_variables():
        v.load(arrays[f"{prefix}/{v.name.split(':')[0]}"].astype(v.dtype.as_numpy_dtype), sess)


def _draws(rng, steps, z_dim, size, dtype):
    """z normalised over the whole batch (their ``batch_z /= sqrt(sum(batch_z**2))``), reals
    in [-1, 1], γ ~ U(0, 1) per sample."""
    out = []
    for _ in range(steps):
        z = rng.normal(size=(BATCH, z_dim))
        z /= np.sqrt(np.sum(z ** 2))
        real = np.tanh(rng.normal(size=(BATCH, size, size, 3)))
        gamma = rng.uniform(size=(BATCH, 1, 1, 1))
        out.append((z.astype(dtype), real.astype(dtype), gamma.astype(dtype)))
    return out


def _steps(tf, sess, gan, draws, gamma, fades=None):
    """Their ``train`` loop: d_optim then g_optim on one feed; returns losses per step.

    ``fades``: per step, ``(α, β, τ)`` (clgGAN) or ``{placeholder attribute: value}``."""
    v1 = tf.compat.v1
    d_optim = v1.train.AdamOptimizer(LR, beta1=BETA1, beta2=BETA2, epsilon=EPS).minimize(
        gan.d_loss, var_list=gan.d_vars)
    g_optim = v1.train.AdamOptimizer(LR, beta1=BETA1, beta2=BETA2, epsilon=EPS).minimize(
        gan.g_loss, var_list=gan.g_vars)
    sess.run(v1.variables_initializer([v for v in v1.global_variables()
                                       if not sess.run(v1.is_variable_initialized(v))]))
    losses = {"d": [], "g": [], "gp": []}
    for i, (z, real, g) in enumerate(draws):
        feed = {gan.inputs: real, gan.z: z, gamma: g}
        if fades is not None:
            fade = fades[i]
            if not isinstance(fade, dict):
                fade = dict(zip(("alpha", "beta", "tau"), fade))
            feed.update({getattr(gan, name): value for name, value in fade.items()})
        _, d_loss, gp = sess.run([d_optim, gan.d_loss, _penalty(gan)], feed)
        _, g_loss = sess.run([g_optim, gan.g_loss], feed)
        losses["d"].append(d_loss)
        losses["g"].append(g_loss)
        losses["gp"].append(gp)
    return {k: np.array(v) for k, v in losses.items()}


def _penalty(gan):
    # d_loss_real = -mean(D(x)) + 10 * gp in their build_model: gp = (d_loss_real + mean D(x)) / 10
    import tensorflow as tf
    return (gan.d_loss_real + tf.reduce_mean(gan.D_real_logits)) / 10.0


def run_bgan(original, dtype, seed=547, init=None):
    import tensorflow as tf
    shim = _tf_shim(tf, dtype)
    _, _, trainer = load_original(original, "bGAN", shim, width=16)
    arrays, rng = {}, np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed)
        gan = _trainer(trainer.GAN, z_dim=8, g_layers=4, d_layers=5, output_size=8,
                       input_size=8, use_wscale=False, use_pixnorm=False, D_loss_extra=False)
        gamma, _ = _gamma_tensor(graph)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            if init is not None:
                _assign(tf, sess, init, "init")
            arrays.update({f"init/{k}": v for k, v in _variables(tf, sess).items()})
            draws = _draws(rng, 5, 8, 8, dtype)
            z, real, _ = draws[0]
            g, d_real, d_fake = sess.run([gan.G, gan.D_real_logits, gan.D_fake_logits],
                                         {gan.z: z, gan.inputs: real})
            arrays.update({"out/g": g, "out/d_real": d_real, "out/d_fake": d_fake})
            losses = _steps(tf, sess, gan, draws, gamma)
            arrays.update({f"after/{k}": v for k, v in _variables(tf, sess).items()})
    for i, (z, real, g_) in enumerate(draws):
        arrays.update({f"draw/z{i}": z, f"draw/real{i}": real, f"draw/gamma{i}": g_[:, 0, 0, 0]})
    arrays.update({f"loss/{k}": v for k, v in losses.items()})
    return arrays


def _clggan_trainer(trainer, cycle):
    z, g_layers, d_layers, size = ((8, 2, 3, 4), (16, 4, 5, 8))[cycle - 1]
    grown = "y" if cycle > 1 else "n"
    return _trainer(trainer.subGAN, z_dim=z, g_layers=g_layers, d_layers=d_layers,
                    output_size=size, input_size=size, useAlpha=grown, useBeta=grown,
                    useTau=grown, stage="f")


def run_clggan(original, dtype, seed=547, checkpoint_dir=None, init=None):
    import tensorflow as tf
    shim = _tf_shim(tf, dtype)
    _, _, trainer = load_original(original, "clgGAN", shim)
    arrays, rng = {}, np.random.default_rng(seed)
    work = Path(tempfile.mkdtemp(prefix="parity_growing_"))
    model_dir = "parity"
    old = work / "models" / model_dir / "stage_f_z8"
    old.mkdir(parents=True)
    (work / "code").mkdir()
    # cycle 1
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed)
        gan = _clggan_trainer(trainer, 1)
        gamma, _ = _gamma_tensor(graph)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            if init is not None:
                _assign(tf, sess, init, "c1_init")
            arrays.update({f"c1_init/{k}": v for k, v in _variables(tf, sess).items()})
            draws1 = _draws(rng, 2, 8, 4, dtype)
            z, real, _ = draws1[0]
            fade = {gan.alpha: 1.0, gan.beta: 1.0, gan.tau: 0.5}
            g, d_real, d_fake = sess.run([gan.G, gan.D_real_logits, gan.D_fake_logits],
                                         {gan.z: z, gan.inputs: real, **fade})
            arrays.update({"c1_out/g": g, "c1_out/d_real": d_real, "c1_out/d_fake": d_fake})
            losses1 = _steps(tf, sess, gan, draws1, gamma, [(1.0, 1.0, 0.5)] * 2)
            arrays.update({f"c1_after/{k}": v for k, v in _variables(tf, sess).items()})
            gan.saver.save(sess, str(old / "model"), global_step=2)
            if checkpoint_dir is not None:  # .index + .data (the .meta graph is not needed to read)
                gan.saver.save(sess, str(Path(checkpoint_dir) / "model"), global_step=2,
                               write_meta_graph=False)
    for i, (z, real, g_) in enumerate(draws1):
        arrays.update({f"c1_draw/z{i}": z, f"c1_draw/real{i}": real,
                       f"c1_draw/gamma{i}": g_[:, 0, 0, 0]})
    arrays.update({f"c1_loss/{k}": v for k, v in losses1.items()})
    # cycle 2: their subGAN.load (stage 'f') grows the checkpoint
    graph = tf.Graph()
    cwd = os.getcwd()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed + 1)
        gan = _clggan_trainer(trainer, 2)
        gamma, _ = _gamma_tensor(graph)
        gan.model_dir, gan.oldSpecs = model_dir, {"stage": "f", "z_dim": 8}
        with tf.compat.v1.Session(graph=graph) as sess:
            gan.sess = sess
            sess.run(tf.compat.v1.global_variables_initializer())
            np.random.seed(seed)
            os.chdir(work / "code")
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    gan.load()
            finally:
                os.chdir(cwd)
            if init is not None:  # the float64 run's grown weights (new TF draws differ per dtype)
                _assign(tf, sess, init, "c2_init")
            arrays.update({f"c2_init/{k}": v for k, v in _variables(tf, sess).items()})
            draws2 = _draws(rng, 5, 16, 8, dtype)
            z, real, _ = draws2[0]
            for tag, (a, b, t) in (("fade0", (0.0, 0.0, 0.0)), ("fade1", (0.25, 0.25, 0.125)),
                                   ("fade2", (1.0, 1.0, 0.5))):
                g, d_real, d_fake = sess.run(
                    [gan.G, gan.D_real_logits, gan.D_fake_logits],
                    {gan.z: z, gan.inputs: real, gan.alpha: a, gan.beta: b, gan.tau: t})
                arrays.update({f"c2_{tag}/g": g, f"c2_{tag}/d_real": d_real,
                               f"c2_{tag}/d_fake": d_fake, f"c2_{tag}/abt": np.array([a, b, t])})
            fades = [(p, p, p / 2) for p in (0.0, 0.25, 0.5, 0.75, 1.0)]
            losses2 = _steps(tf, sess, gan, draws2, gamma, fades)
            arrays.update({f"c2_after/{k}": v for k, v in _variables(tf, sess).items()})
    return _with_cycle2_draws(arrays, draws2, losses2, fades)



def _with_cycle2_draws(arrays, draws2, losses2, fades):
    """``arrays`` plus cycle 2's draws (z, reals, the penalty's γ), losses and fade values."""
    for i, (z, real, g_) in enumerate(draws2):
        arrays.update({f"c2_draw/z{i}": z, f"c2_draw/real{i}": real,
                       f"c2_draw/gamma{i}": g_[:, 0, 0, 0]})
    arrays.update({f"c2_loss/{k}": v for k, v in losses2.items()})
    arrays["c2_fades"] = np.array(fades)
    return arrays

def run_mbstd(original, dtype, seed=547, init=None):
    import tensorflow as tf
    shim = _tf_shim(tf, dtype)
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(BATCH, 4, 4, 6)) * rng.uniform(0.5, 2.0, size=(BATCH, 1, 1, 1)))
    x = x.astype(dtype)
    arrays = {"input/x": x}
    b_ops, _, _ = load_original(original, "bGAN", shim, width=16)
    c_ops, _, _ = load_original(original, "clgGAN", shim)
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        t = tf.constant(x)
        arrays["out/group4"] = sess.run(b_ops.minibatch_stddev_layer(t))
        arrays["out/whole"] = sess.run(c_ops.minibatch_stddev_layer(t, useTau="n"))
        for tau in (0.0, 0.3, 0.5):
            arrays[f"out/tau{tau}"] = sess.run(c_ops.minibatch_stddev_layer(
                t, useTau="y", tau=tf.constant(tau, t.dtype)))
    return arrays


LG_Z = 16  # lgGAN: z (= G's width at 4x4, their conv4x4(z, z·16)) and D's width at 4x4
LG_FADES = (0.0, 1 / 3, 2 / 3, 1.0, 1.0)  # their α += 1/(3·batch_idxs), batch_idxs = 1, capped


def _lggan_trainer(trainer, cycle):
    g_layers, d_layers, size = ((2, 3, 4), (4, 5, 8))[cycle - 1]
    return _trainer(trainer.subGAN, z_dim=LG_Z, g_layers=g_layers, d_layers=d_layers,
                    output_size=size, input_size=size, useAlpha="y" if cycle > 1 else "n",
                    useBeta="n", stage="i", g_batchnorm=True, d_batchnorm=True,
                    use_wscale=False, use_pixnorm=False, D_loss_extra=False)


def run_lggan(original, dtype, seed=547, init=None):
    """lgGAN (their ``model_exact_pro.py``, groups of 4 in the minibatch stddev) cycle 1
    (4 px) -> cycle 2 (8 px) through their ``subGAN.save`` / ``subGAN.load`` (stage 'i')."""
    import tensorflow as tf
    shim = _tf_shim(tf, dtype)
    _, _, trainer = load_original(original, "lgGAN", shim, width=LG_Z)
    arrays, rng = {}, np.random.default_rng(seed)
    work = Path(tempfile.mkdtemp(prefix="parity_lggan_"))
    (work / "code").mkdir()
    cwd = os.getcwd()

    def in_code_dir(fn):
        os.chdir(work / "code")  # their save / load use ../models/<model_dir>
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return fn()
        finally:
            os.chdir(cwd)

    # cycle 1
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed)
        gan = _lggan_trainer(trainer, 1)
        gan.model_dir, gan.model_dir_full = "parity", "parity/output_dim_4"
        gamma, _ = _gamma_tensor(graph)
        with tf.compat.v1.Session(graph=graph) as sess:
            gan.sess = sess
            sess.run(tf.compat.v1.global_variables_initializer())
            if init is not None:
                _assign(tf, sess, init, "c1_init")
            arrays.update({f"c1_init/{k}": v for k, v in _variables(tf, sess).items()})
            draws1 = _draws(rng, 2, LG_Z, 4, dtype)
            z, real, _ = draws1[0]
            g, d_real, d_fake = sess.run([gan.G, gan.D_real_logits, gan.D_fake_logits],
                                         {gan.z: z, gan.inputs: real})
            arrays.update({"c1_out/g": g, "c1_out/d_real": d_real, "c1_out/d_fake": d_fake})
            losses1 = _steps(tf, sess, gan, draws1, gamma)
            arrays.update({f"c1_after/{k}": v for k, v in _variables(tf, sess).items()})
            in_code_dir(lambda: gan.save(2))
    for i, (z, real, g_) in enumerate(draws1):
        arrays.update({f"c1_draw/z{i}": z, f"c1_draw/real{i}": real,
                       f"c1_draw/gamma{i}": g_[:, 0, 0, 0]})
    arrays.update({f"c1_loss/{k}": v for k, v in losses1.items()})
    # cycle 2: their load (stage 'i') restores every old variable (D's renumbered +2)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed + 1)
        gan = _lggan_trainer(trainer, 2)
        gan.model_dir, gan.oldSpecs = "parity", {"output_dims": 4, "stage": "i"}
        gamma, _ = _gamma_tensor(graph)
        with tf.compat.v1.Session(graph=graph) as sess:
            gan.sess = sess
            sess.run(tf.compat.v1.global_variables_initializer())
            loaded = in_code_dir(gan.load)
            if not loaded[0]:
                raise RuntimeError(f"their lgGAN load found no cycle-1 model: {loaded}")
            if init is not None:  # the float64 run's new layers (TF draws differ per dtype)
                _assign(tf, sess, init, "c2_init")
            arrays.update({f"c2_init/{k}": v for k, v in _variables(tf, sess).items()})
            draws2 = _draws(rng, len(LG_FADES), LG_Z, 8, dtype)
            z, real, _ = draws2[0]
            for tag, a in (("fade0", 0.0), ("fade1", 0.5), ("fade2", 1.0)):
                g, d_real, d_fake = sess.run([gan.G, gan.D_real_logits, gan.D_fake_logits],
                                             {gan.z: z, gan.inputs: real, gan.alpha: a})
                arrays.update({f"c2_{tag}/g": g, f"c2_{tag}/d_real": d_real,
                               f"c2_{tag}/d_fake": d_fake, f"c2_{tag}/alpha": np.array(a)})
            losses2 = _steps(tf, sess, gan, draws2, gamma, [{"alpha": a} for a in LG_FADES])
            arrays.update({f"c2_after/{k}": v for k, v in _variables(tf, sess).items()})
    return _with_cycle2_draws(arrays, draws2, losses2, LG_FADES)


# ----------------------------------------------------------------- Swiss roll (§7.1)
SR_BATCH, SR_NOISE, SR_ARCH = 128, 0.5, "4.32"  # §7.1: batch 128, noise 0.5, 4 x 32 (A3)


def _swiss_args(zdim):
    """Their argparse flags (``gan.py`` / ``restore_and_retrain.py``) at the thesis's run:
    ``--arch 4.32 --l ns --opt rms --z u --tn 0.5 --ptn 0.5 --init z``."""
    return types.SimpleNamespace(gpu=0, batchSize=SR_BATCH, lr=0.001, tn=SR_NOISE, ptn=SR_NOISE,
                                 i=0, z="u", opt="rms", zdim=zdim, arch=SR_ARCH, l="ns",
                                 d="standard", a="lre", init="z", advplot="standard", w="no",
                                 wiggle=0.01)


def _swiss_shim(tf, dtype):
    """The dtype shim plus ``tf.layers.dense`` (gone from TF 2 with Keras 3): TF1's
    ``core.Dense`` for a rank-2 input, i.e. ``kernel`` ``[in, units]`` from ``get_variable``'s
    default initializer (Glorot uniform), ``bias`` zeros, ``MatMul`` + ``BiasAdd``, then the
    activation, under ``variable_scope(name)`` (their ``GAN/Generator/h1/kernel`` names)."""
    shim = _tf_shim(tf, dtype)
    v1 = tf.compat.v1

    def dense(inputs, units, activation=None, name=None):
        with v1.variable_scope(name, default_name="dense"):
            kernel = shim.get_variable("kernel", [int(inputs.shape[-1]), units])
            bias = shim.get_variable("bias", [units], initializer=v1.zeros_initializer())
            out = v1.nn.bias_add(v1.matmul(inputs, kernel), bias)
            return out if activation is None else activation(out)

    shim.layers = types.SimpleNamespace(dense=dense)
    return shim


def _swiss_source(original, name):
    return (Path(original) / "Swiss_roll" / "gan" / name).read_text()


def _segment(source, start, end, name):
    if source.count(start) != 1 or (end is not None and source.count(end) != 1):
        raise RuntimeError(f"{name}: the harness expects one {start!r} and one {end!r}; is this "
                           "the 08b12dc checkout?")
    i = source.index(start)
    return source[i:] if end is None else source[i:source.index(end)]


def _swiss_roll_draws(rng, n, dtype):
    """Their ``training_data.sample_data_swissroll`` (sklearn ``make_swiss_roll(n, noise)``,
    columns 0 and 2), drawn here with numpy in sklearn's order (the harness's environment has
    no sklearn): t = 1.5π(1 + 2U), y = 21U, (t cos t, y, t sin t) + noise·N(0, I)."""
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=n))
    y = 21 * rng.uniform(size=n)
    x = np.vstack((t * np.cos(t), y, t * np.sin(t))) + SR_NOISE * rng.normal(size=(3, n))
    return x.T[:, [0, 2]].astype(dtype)


def _swiss_draws(rng, iterations, zdim, dtype):
    """Per iteration: a real batch and their ``sample_Z(batch, zdim, 'u')`` (U(-1, 1))."""
    return [(_swiss_roll_draws(rng, SR_BATCH, dtype),
             rng.uniform(-1.0, 1.0, size=(SR_BATCH, zdim)).astype(dtype))
            for _ in range(iterations)]


def _swiss_graph(original, shim, zdim, ns=None):
    """Executes ``gan.py`` from ``# define the graph`` to ``# include saver`` (G, D, the
    ``ns`` loss, RMSprop ``minimize`` ops) with their ``arg``; returns the namespace."""
    source = _swiss_source(original, "gan.py")
    ns = {"tf": shim, "np": np, "os": os, "arg": _swiss_args(zdim)}
    exec(compile(_segment(source, "# define the graph", "# include saver", "gan.py"),
                 "gan.py", "exec"), ns)
    ns["nd_steps"] = int(re.search(r"^nd_steps = (\d+)", source, re.M).group(1))
    ns["ng_steps"] = int(re.search(r"^ng_steps = (\d+)", source, re.M).group(1))
    return ns


def _swiss_forward(sess, ns, x, z):
    g, d_real, d_fake = sess.run([ns["G_sample"], ns["r_logits"], ns["f_logits"]],
                                 {ns["X"]: x, ns["Z"]: z})
    return {"g": g, "d_real": d_real, "d_fake": d_fake}


def _swiss_steps(sess, ns, draws):
    """Their loop body: ``nd_steps`` × ``disc_step`` on (X, Z), then ``ng_steps`` ×
    ``gen_step`` on Z, one real batch and one z per iteration; every update's loss."""
    d_losses, g_losses = [], []
    for x, z in draws:
        d_losses.append([sess.run([ns["disc_step"], ns["disc_loss"]],
                                  {ns["X"]: x, ns["Z"]: z})[1] for _ in range(ns["nd_steps"])])
        g_losses.append([sess.run([ns["gen_step"], ns["gen_loss"]], {ns["Z"]: z})[1]
                         for _ in range(ns["ng_steps"])])
    return {"d": np.array(d_losses), "g": np.array(g_losses)}


def _swiss_record(arrays, prefix, draws):
    for i, (x, z) in enumerate(draws):
        arrays.update({f"{prefix}/real{i}": x, f"{prefix}/z{i}": z})


def run_swiss_roll(original, dtype, seed=547, init=None):
    """From scratch (``gan.py --zdim 2``): forward, then 5 iterations of 10 D + 10 G updates."""
    import tensorflow as tf
    shim = _swiss_shim(tf, dtype)
    arrays, rng = {}, np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed)
        ns = _swiss_graph(original, shim, 2)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            if init is not None:
                _assign(tf, sess, init, "init")
            arrays.update({f"init/{k}": v for k, v in _variables(tf, sess).items()})
            draws = _swiss_draws(rng, 5, 2, dtype)
            arrays.update({f"out/{k}": v for k, v in _swiss_forward(sess, ns, *draws[0]).items()})
            losses = _swiss_steps(sess, ns, draws)
            arrays.update({f"after/{k}": v for k, v in _variables(tf, sess).items()})
    _swiss_record(arrays, "draw", draws)
    arrays.update({f"loss/{k}": v for k, v in losses.items()})
    return arrays


def run_swiss_roll_grown(original, dtype, seed=547, init=None):
    """Grown 1 -> 2: ``gan.py --zdim 1`` for 2 iterations and its ``saver.save``; then
    ``restore_and_retrain.py --init z`` up to its training loop (their 1-d restore, new graph,
    D and G h2.. restored, h1 = [old kernel; 0 row] with the old bias, new RMSprop) and 3
    iterations of their loop body."""
    import tensorflow as tf
    v1 = tf.compat.v1
    shim = _swiss_shim(tf, dtype)
    arrays, rng = {}, np.random.default_rng(seed)
    work = Path(tempfile.mkdtemp(prefix="parity_swiss_"))
    (work / "a" / "b").mkdir(parents=True)  # their paths are ../../models/...
    cwd = os.getcwd()
    gan_source = _swiss_source(original, "gan.py")
    save_line = re.search(r"^saver\.save\(sess, .*$", gan_source, re.M).group(0)
    make_dir = _segment(gan_source, "# create model directory",
                        "if not os.path.exists('../../logs/", "gan.py")
    # cycle 1: gan.py --zdim 1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        ns = _swiss_graph(original, shim, 1)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            if init is not None:
                _assign(tf, sess, init, "c1_init")
            arrays.update({f"c1_init/{k}": v for k, v in _variables(tf, sess).items()})
            draws1 = _swiss_draws(rng, 2, 1, dtype)
            arrays.update({f"c1_out/{k}": v
                           for k, v in _swiss_forward(sess, ns, *draws1[0]).items()})
            losses1 = _swiss_steps(sess, ns, draws1)
            arrays.update({f"c1_after/{k}": v for k, v in _variables(tf, sess).items()})
            ns.update(sess=sess, saver=v1.train.Saver())  # their `# include saver`
            os.chdir(work / "a" / "b")
            try:
                exec(make_dir + "\n" + save_line, ns)
            finally:
                os.chdir(cwd)
    _swiss_record(arrays, "c1_draw", draws1)
    arrays.update({f"c1_loss/{k}": v for k, v in losses1.items()})
    # cycle 2: restore_and_retrain.py up to its loop, in the default graph (it resets it)
    source = _swiss_source(original, "restore_and_retrain.py")
    loop = "\n    saver = tf.train.Saver()\n"
    segment = _segment(source, "config = tf.ConfigProto()", loop, "restore_and_retrain.py")
    draws2 = _swiss_draws(rng, 3, 2, dtype)
    results = {}

    def parity_loop(sess):  # in place of their loop, inside their session
        results.update({f"c2_init/{k}": v for k, v in _variables(tf, sess).items()})
        results.update({f"c2_out/{k}": v for k, v in _swiss_forward(sess, ns2, *draws2[0]).items()})
        results["losses"] = _swiss_steps(sess, ns2, draws2)
        results.update({f"c2_after/{k}": v for k, v in _variables(tf, sess).items()})

    ns2 = {"tf": shim, "np": np, "os": os, "arg": _swiss_args(2), "__parity_loop__": parity_loop,
           "sample_data_swissroll": lambda n, noise: _swiss_roll_draws(rng_unused, n, dtype)}
    rng_unused = np.random.default_rng(seed + 1)  # their x_plot (a plot's batch), not used
    v1.reset_default_graph()
    os.chdir(work / "a" / "b")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(segment + "\n    __parity_loop__(sess)\n", "restore_and_retrain.py",
                         "exec"), ns2)
    finally:
        os.chdir(cwd)
        v1.reset_default_graph()
    losses2 = results.pop("losses")
    arrays.update(results)
    _swiss_record(arrays, "c2_draw", draws2)
    arrays.update({f"c2_loss/{k}": v for k, v in losses2.items()})
    return arrays


def _drift(a64, a32):
    """max |float32 run - float64 run| per array of the case (the original against itself)."""
    return {k: float(np.max(np.abs(a64[k].astype(np.float64) - a32[k]))) for k in a64}


CASES = ("bgan", "clggan", "mbstd", "lggan", "swiss_roll", "swiss_roll_grown")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--original", required=True,
                        help="checkout of eriksandstroem/Latent-Space-Growing-of-GANs")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated cases to (re)write, of {', '.join(CASES)}")
    args = parser.parse_args(argv)
    original = Path(args.original)
    if not (original / "celebA" / "clgGAN" / "code" / "subGAN.py").exists():
        raise SystemExit(f"--original={original}: no celebA/clgGAN/code/subGAN.py there.")
    wanted = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(wanted) - set(CASES))
    if unknown:
        raise SystemExit(f"--cases: unknown {unknown}; cases are {CASES}.")
    import tensorflow as tf
    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.disable_resource_variables()  # TF1 ref variables: their load() assigns graph tensors
    ckpt = fixtures.ROOT / PAPER / "checkpoint"
    if "clggan" in wanted:
        ckpt.mkdir(parents=True, exist_ok=True)
        for old in ckpt.iterdir():
            old.unlink()
    source = {"original": "eriksandstroem/Latent-Space-Growing-of-GANs", "commit": "08b12dc",
              "tensorflow": tf.__version__, "batch": BATCH, "adam": [LR, BETA1, BETA2, EPS]}
    swiss = {**source, "batch": SR_BATCH, "adam": None, "arch": SR_ARCH, "noise": SR_NOISE,
             "rmsprop": {"lr": 0.001, "decay": 0.9, "epsilon": 1e-10, "accumulator_start": 1.0},
             "loss": "ns", "updates": [10, 10]}
    cases = (("bgan", run_bgan, source, {"model": "bgan", "image_size": 8, "latent_dim": 8,
                                         "top": 16, "group_size": 4, "steps": 5}),
             ("clggan", run_clggan, source, {"model": "clggan", "image_size": 8, "latent_dim": 16,
                                             "top": 16, "steps": [2, 5]}),
             ("mbstd", run_mbstd, source, {}),
             ("lggan", run_lggan, source, {"model": "lggan", "image_size": 8,
                                           "latent_dim": LG_Z, "top": LG_Z, "group_size": 4,
                                           "steps": [2, len(LG_FADES)], "fade_steps": 3}),
             ("swiss_roll", run_swiss_roll, swiss, {"model": "mlp_growing", "latent_dim": 2,
                                                    "iterations": 5}),
             ("swiss_roll_grown", run_swiss_roll_grown, swiss,
              {"model": "mlp_growing", "latent_dim": 2, "start_latent_dim": 1,
               "iterations": [2, 3]}))
    for case, run, base, meta in cases:
        if case not in wanted:
            continue
        arrays = run(original, "float64")
        extra = {"checkpoint_dir": ckpt} if case == "clggan" else {}  # float32, as their code runs
        drift = _drift(arrays, run(original, "float32", init=arrays, **extra))
        path = fixtures.write(PAPER, case, arrays, {**base, **meta, "dtype": "float64",
                                                    "float32_drift": drift})
        print(f"{path}: {len(arrays)} arrays, {path.stat().st_size / 1e3:.0f} kB")
    # Their Saver writes absolute paths into the state file; keep the fixture movable.
    state = ckpt / "checkpoint"
    if "clggan" in wanted and state.exists():
        names = sorted({Path(line.split('"')[1]).name for line in state.read_text().splitlines()
                        if '"' in line})
        state.write_text(f'model_checkpoint_path: "{names[-1]}"\n' + "".join(
            f'all_model_checkpoint_paths: "{n}"\n' for n in names))


if __name__ == "__main__":
    main()

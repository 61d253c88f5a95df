"""BEGAN-CS parity harness: the authors' TF1 code beside ours; writes the golden fixtures.

``python -m parity.began_cs --original=PATH`` (PATH: a checkout of chang810249/BEGAN-CS, the
commit ``a4ff342`` the research note read; run in the parity environment of ``parity/README.md``:
tensorflow-cpu 2.21 + tf_slim, this package installed). Nothing of theirs is copied here: the
harness imports their ``utils.py``, ``ops.py`` and ``BEGAN_CS.py`` from PATH and runs their own
``BEGAN_CS.__init__``, ``build_model`` and ``train`` (their loop: D step, G step on the same z,
k from losses recomputed with the updated nets; their ``Saver`` writes their checkpoints).

Shims (all here, none in their files):

* ``tensorflow`` → ``tf.compat.v1`` in graph mode; ``tf.contrib.slim`` and
  ``tf.contrib.framework.get_variables`` → ``tf_slim``;
* float64 (the ``_f64`` cases): their placeholders ``tf.placeholder(tf.float32, ...)`` become
  float64 and their k (``tf.Variable(0., trainable=False)``) too, so every weight slim creates
  follows the input's dtype; TF1's ``AdamOptimizer`` gets β1, β2, ε as numpy float64 (with
  Python floats it makes float32 tensors and float32 β^t variables even for float64 weights:
  a relative 1e-5 on the first steps); their learning rates stay float32 variables
  (``tf.Variable(g_lr)``) as in their code and in Keras (``backend.floatx()``), so Adam casts
  the same float32 1e-4 on both sides;
* image I/O: ``scipy.misc``, ``skimage``, ``PIL`` and ``matplotlib`` are stubs; their CelebA
  file list (``glob``) is a list of names of our uint8 images and ``get_celeba_image`` returns
  ``u / 127.5 − 1`` of those (their ``transform``); ``save_images`` writes nothing;
* their session is wrapped: the first run through it loads the initial weights (Glorot-uniform
  kernels as slim's initializer draws them and N(0, 0.1) biases, from a numpy seed, float32
  values, so the float32 and float64 cases start from the same point), and each of their runs
  also fetches the losses it computes (L(x), L(G(z)), L_c, k), read back from their graph.

Variants of their ``BEGAN_CS.py`` (a line replaced at import, asserted present once):
``released`` (as published: L(v) = ‖v − D(v)‖_F / B, L_c = α·mean|Enc(G(z)) − z|),
``recon_l1`` (their own commented-out ``reduce_mean(abs(out − x_))`` instead of the L2 line),
``constraint_l2`` (L_c = α·mean_b ‖Enc(G(z)) − z‖₂, our ``constraint_norm="l2"``).

Cases (``tests/fixtures/parity/began_cs/``; weights named by their variables, e.g.
``init/generator/g_block_0/Conv/weights``, k is ``Variable``): ``forward_f64`` (G(z), Enc(x),
Dec(Enc(x)), Enc(G(z)), Dec(Enc(G(z))) and the losses at the initial weights); ``train_f64``
(6 steps of the released code at their γ, λ_k); ``train_f64_k`` (6 steps, ``K_ACTIVE``: k moves);
``train_f64_recon_l1`` and ``train_f64_constraint_l2`` (5 steps each); ``train_f32``
(``train_f64_k`` in float32, ``meta["float32_drift"]`` = its max difference from the float64
run); ``checkpoint/``: the TF1 checkpoint their ``Saver`` wrote after the ``train_f32`` steps
(for ``tfgan-latent import``).

Port or method (issue 30; ``--port_or_method``, not a fixture): their released code trained on
our embedded 32 px ``shapes`` at experiments/began_cs.py's shapes settings (hidden_num 8 = our
``--width``, z_dim 64, batch 64, γ 0.5, λ_k 1e-3, g_lr = d_lr = 5e-4, their Adam defaults,
α 0 for BEGAN and their 0.1 for BEGAN-CS, 2,000 steps, seeds 0-2; their slim initializers and
their ``np.random``/TF draws seeded with the seed as their ``main.py`` seeds 124), their loader
fed our stream's uint8 images in our batch order; ``SIZE_SHIM`` lets their graph run at 32 px
(conv_block_repeat 3, 8×8 bottleneck: the layout of our nets at 32 px, 38,443 G and 162,531 D
parameters on both sides). Every 500 steps their test-time G on our fixed evaluation z is
clipped and scored by our ``evaluate.score(x, "shapes", seed=seed)``; single-threaded TF;
resumable per (model, seed) through ``--out``/began_shapes.json.
"""
import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

from parity import fixtures
from tfgan_latent.papers.began_cs import checkpoint_map

PAPER = "began_cs"
# small nets: their CelebA graph (64 px, 4 blocks, 8×8 bottleneck: fixed in their code) with
# hidden_num 4 instead of 128, z_dim 8, batch 4
SETTINGS = {"image_size": 64, "hidden_num": 4, "z_dim": 8, "batch_size": 4, "g_lr": 1e-4,
            "d_lr": 1e-4, "gamma": 0.5, "lambda_k": 1e-3, "alpha": 0.1, "seed": 124}
# k moves (L(G(z)) < γ·L(x) from the start, unclipped) with these; their γ = 0.5 keeps k at 0
# over the first steps of these small nets
K_ACTIVE = {"gamma": 1.5, "lambda_k": 5e-3}
# case: (dtype, variant of their BEGAN_CS.py, steps, settings over SETTINGS)
CASES = {"train_f64": ("float64", "released", 6, {}),
         "train_f64_k": ("float64", "released", 6, K_ACTIVE),
         "train_f64_recon_l1": ("float64", "recon_l1", 5, K_ACTIVE),
         "train_f64_constraint_l2": ("float64", "constraint_l2", 5, K_ACTIVE),
         "train_f32": ("float32", "released", 6, K_ACTIVE)}
VARIANTS = {
    "released": [],
    "recon_l1": [("            #recon_error = tf.reduce_mean(tf.abs(out - x_))",
                  "            recon_error = tf.reduce_mean(tf.abs(out - x_))"),
                 ("            recon_error = tf.sqrt(2 * tf.nn.l2_loss(out - x_)) / self.batch_size",
                  "            pass")],
    "constraint_l2": [
        ("self.latent_constraint = self.alpha * tf.reduce_mean(tf.abs(D_fake_code - self.z))",
         "self.latent_constraint = self.alpha * tf.reduce_mean(tf.norm(D_fake_code - self.z, "
         "axis=1))")],
}

# Their graph is 64 px only: __init__ sets output_height/width 64 and conv_block_repeat 4, and
# ``generator`` sets conv_block_repeat = 4 again. With this shim ``generator`` keeps the
# __init__ value, which ``_new_shapes_gan`` sets to log2(size) − 2 after __init__ (3 at 32 px:
# 32 → 16 → 8, so their hard-coded 8×8 reshapes stay right), with output_height/width = size.
# At 64 px it changes nothing. The shim's line is the generator's (8 spaces), not __init__'s.
SIZE_SHIM = [("\n        self.conv_block_repeat = 4\n",
              "\n        self.conv_block_repeat = self.conv_block_repeat  # parity shim\n")]


def _stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def _no_image_io(*args, **kwargs):
    raise RuntimeError("image I/O is stubbed out in the parity harness")


def _tf_shim(dtype):
    """``tensorflow`` as their code sees it: tf.compat.v1 + tf_slim, float32 inputs → ``dtype``."""
    import tensorflow as tf
    import tf_slim

    v1 = tf.compat.v1
    shim = _stub("tensorflow")
    shim.__dict__.update({k: getattr(v1, k) for k in dir(v1) if not k.startswith("__")})
    target = {"float32": v1.float32, "float64": v1.float64}[dtype]

    def placeholder(dt, *args, **kwargs):
        return v1.placeholder(target if dt == v1.float32 else dt, *args, **kwargs)

    def variable(initial_value=None, *args, **kwargs):
        if isinstance(initial_value, float) and kwargs.get("trainable") is False:  # their k
            kwargs.setdefault("dtype", target)
        return v1.Variable(initial_value, *args, **kwargs)

    shim.placeholder, shim.Variable = placeholder, variable
    if dtype == "float64":
        # TF1's AdamOptimizer turns Python-float β1, β2, ε into float32 tensors and float32
        # β-power variables even for float64 variables; numpy float64 ones keep them float64
        def adam(learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8, **kwargs):
            return v1.train.AdamOptimizer(learning_rate, np.float64(beta1), np.float64(beta2),
                                          np.float64(epsilon), **kwargs)

        shim.train = _stub("tensorflow.train", **{k: getattr(v1.train, k) for k in dir(v1.train)
                                                  if not k.startswith("__")})
        shim.train.AdamOptimizer = adam
    shim.contrib = _stub("tensorflow.contrib", slim=tf_slim,
                         framework=_stub("framework", get_variables=tf_slim.get_variables))
    return shim


def _load_original(original, dtype, variant, any_size=False):
    """Their ``BEGAN_CS`` module (with ``variant``'s line replacements, and ``SIZE_SHIM``'s when
    ``any_size``), importing their ``utils`` and ``ops`` under the shims; ``sys.modules`` is
    restored afterwards."""
    shim = _tf_shim(dtype)
    misc = _stub("scipy.misc", imread=lambda path, **kw: np.zeros((218, 178, 3)),
                 imsave=_no_image_io, imresize=_no_image_io)
    stubs = {"tensorflow": shim, "tensorflow.contrib": shim.contrib,
             "tensorflow.contrib.slim": shim.contrib.slim,
             "scipy": _stub("scipy", misc=misc), "scipy.misc": misc,
             "skimage": _stub("skimage"), "skimage.io": _stub("skimage.io"),
             "PIL": _stub("PIL", Image=_stub("PIL.Image")), "PIL.Image": _stub("PIL.Image"),
             "matplotlib": _stub("matplotlib"), "matplotlib.pyplot": _stub("matplotlib.pyplot")}
    saved = {name: sys.modules.get(name) for name in list(stubs) + ["utils", "ops"]}
    sys.modules.update(stubs)
    try:
        loaded = {}
        for name in ("utils", "ops", "BEGAN_CS"):
            source = (Path(original) / f"{name}.py").read_text()
            if name == "BEGAN_CS":
                for old, new in VARIANTS[variant] + (SIZE_SHIM if any_size else []):
                    if source.count(old) != 1:
                        raise ValueError(f"variant {variant!r}: line {old!r} not found once in "
                                         f"{original}/BEGAN_CS.py (another commit?)")
                    source = source.replace(old, new)
            module = types.ModuleType(name)
            module.__file__ = str(Path(original) / f"{name}.py")
            sys.modules[name] = module
            exec(compile(source, module.__file__, "exec"), module.__dict__)
            loaded[name] = module
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return loaded["BEGAN_CS"]


def _initial_weights(shapes, seed):
    """``{their name: float32 array}``: Glorot-uniform kernels (slim's ``xavier_initializer``
    fans: kh·kw·in and kh·kw·out) and N(0, 0.1) biases (non-zero, so the bias map is tested)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in sorted(shapes.items()):
        if name.endswith("/weights"):
            receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
            limit = np.sqrt(6.0 / (receptive * (shape[-2] + shape[-1])))
            out[name] = rng.uniform(-limit, limit, shape).astype(np.float32)
        else:
            out[name] = rng.normal(0.0, 0.1, shape).astype(np.float32)
    return out


def _images(steps, seed):
    """uint8 images [steps·B, 64, 64, 3]: smooth random blobs plus noise (a CelebA stand-in)."""
    rng = np.random.default_rng(seed)
    n, size = steps * SETTINGS["batch_size"], SETTINGS["image_size"]
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = np.empty((n, size, size, 3))
    for i in range(n):
        cy, cx, r = rng.uniform(0.2, 0.8, 3)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (0.05 + 0.1 * r))
        out[i] = blob[..., None] * rng.uniform(0, 255, 3) + rng.normal(0, 8, (size, size, 3))
    return np.clip(out, 0, 255).astype(np.uint8)


def _to_unit(images_u8):
    """Their ``transform`` (``/127.5 − 1``) then their ``astype(np.float32)`` of the batch."""
    return (images_u8 / 127.5 - 1.0).astype(np.float32)


def _new_gan(module, sess, images_u8, workdir, steps, settings=None):
    """Their ``BEGAN_CS`` built by their own ``__init__`` (data stubbed), then made small."""
    b = SETTINGS["batch_size"]
    names = [f"img_{i:05d}.jpg" for i in range(steps * b)]
    module.glob = lambda pattern: list(names)
    module.get_celeba_image = lambda path, **kw: images_u8[names.index(path)] / 127.5 - 1.0
    module.save_images = lambda *args, **kwargs: None
    gan = module.BEGAN_CS(sess, epoch=1, batch_size=b, z_dim=SETTINGS["z_dim"],
                          dataset_name="celebA", checkpoint_dir=str(workdir / "checkpoint"),
                          g_lr=SETTINGS["g_lr"], d_lr=SETTINGS["d_lr"],
                          result_dir=str(workdir / "results"), log_dir=str(workdir / "logs"))
    gan.hidden_num = SETTINGS["hidden_num"]
    settings = {**SETTINGS, **(settings or {})}
    gan.gamma, gan.lamda, gan.alpha = settings["gamma"], settings["lambda_k"], settings["alpha"]
    return gan


def _loss_tensors(gan):
    """Their L(x), L(G(z)), L_c, D total loss and k, read from their graph."""
    d_real_err = gan.d_loss.op.inputs[0]  # d_loss = D_real_err − k·D_fake_err
    return {"loss_real": d_real_err, "loss_fake": gan.g_loss, "constraint": gan.latent_constraint,
            "d_loss": gan.d_total_loss, "k": gan.k, "convergence": gan.M}


def _weights(sess, tf1):
    return {v.op.name: sess.run(v) for v in tf1.global_variables()}


def _load_weights(sess, tf1, values):
    for var in tf1.global_variables():
        if var.op.name in values:
            var.load(values[var.op.name], sess)


def _session_interface():
    from tensorflow.python.client import session

    return session.SessionInterface


class _SessionProxy(_session_interface()):
    """Their ``tf.Session`` (``self._sess``) behind a wrapper that adds to its ``run``."""

    @property
    def graph(self):
        return self._sess.graph

    @property
    def sess_str(self):
        return self._sess.sess_str

    def __getattr__(self, name):
        return getattr(self._sess, name)


class _RecordingSession(_SessionProxy):
    """Their session, plus: initial weights before their first run through it, and the losses
    of each training run (the fetched values of the same run, so pre-update for D and G)."""

    def __init__(self, sess, tf1, init):
        self._sess, self._tf1, self._init, self.gan = sess, tf1, init, None
        self.steps = []

    def run(self, fetches, feed_dict=None, **kwargs):
        gan = self.gan
        if self._init is not None:
            _load_weights(self._sess, self._tf1, self._init)
            self._init = None
        if not isinstance(fetches, list) or not fetches or gan is None:
            return self._sess.run(fetches, feed_dict, **kwargs)
        losses = _loss_tensors(gan)
        if fetches[0] is gan.d_optim:
            names = ("loss_real", "loss_fake", "constraint", "d_loss", "k")
            out = self._sess.run(fetches + [losses[n] for n in names], feed_dict, **kwargs)
            feeds = {"images": feed_dict[gan.inputs], "z": feed_dict[gan.z]}
            self.steps.append({"d": dict(zip(names, out[len(fetches):])), **feeds})
            return out[:len(fetches)]
        if fetches[0] is gan.g_optim:
            out = self._sess.run(fetches, feed_dict, **kwargs)
            assert np.array_equal(feed_dict[gan.z], self.steps[-1]["z"])  # their one batch_z
            self.steps[-1]["g_loss"] = out[2]
            return out
        if fetches[0] is gan.update_k:
            names = ("loss_real", "loss_fake", "convergence")
            out = self._sess.run(fetches + [losses[n] for n in names], feed_dict, **kwargs)
            post = dict(zip(names, out[len(fetches):]))
            post["k"] = self._sess.run(gan.k)  # after the update (their fetched k is racy)
            self.steps[-1]["post"] = post
            return out[:len(fetches)]
        return self._sess.run(fetches, feed_dict, **kwargs)


def run_training(original, dtype, variant, steps, workdir, init=None, settings=None):
    """Their ``train()`` for ``steps`` steps (one epoch of ``steps`` batches) from ``init``.

    Returns (initial weights, per-step records, weights after, checkpoint prefix)."""
    module = _load_original(original, dtype, variant)
    import tensorflow as tf

    tf1 = tf.compat.v1
    images = _images(steps, SETTINGS["seed"])
    with tf1.Graph().as_default(), tf1.Session() as raw:
        tf1.set_random_seed(SETTINGS["seed"])  # main.py's seeds
        np.random.seed(SETTINGS["seed"])
        sess = _RecordingSession(raw, tf1, None)
        gan = _new_gan(module, sess, images, workdir, steps, settings)
        gan.build_model()
        if init is None:
            init = _initial_weights({v.op.name: v.shape.as_list() for v in tf1.trainable_variables()
                                     if v.op.name.endswith(("/weights", "/biases"))},
                                    SETTINGS["seed"])
        sess._init, sess.gan = init, gan
        with raw.as_default():
            gan.train()
        after = _weights(raw, tf1)
    prefix = sorted((workdir / "checkpoint").rglob("*.index"), key=os.path.getmtime)[-1]
    return init, images, sess.steps, after, str(prefix)[:-len(".index")]


def run_forward(original, init):
    """Their test-time tensors at ``init`` on one batch and z (float64)."""
    module = _load_original(original, "float64", "released")
    import tensorflow as tf

    tf1 = tf.compat.v1
    images = _images(1, SETTINGS["seed"] + 1)
    z = np.random.default_rng(SETTINGS["seed"] + 1).uniform(
        -1, 1, (SETTINGS["batch_size"], SETTINGS["z_dim"])).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp, tf1.Graph().as_default(), tf1.Session() as sess:
        gan = _new_gan(module, sess, images, Path(tmp), 1)
        gan.build_model()
        sess.run(tf1.global_variables_initializer())
        _load_weights(sess, tf1, init)
        tensors = {"g": gan.fake_images, "enc_x": gan.x_code, "dec_enc_x": gan.AE_img,
                   "enc_g": gan.fake_code, "dec_enc_g": gan.AE_fake_images,
                   **{k: v for k, v in _loss_tensors(gan).items() if k != "k"}}
        out = sess.run(tensors, {gan.inputs: _to_unit(images), gan.z: z})
    return images, z, out


def _ours(weights):
    """``{their name: array}`` of their net weights and k (``Variable``): the tests map them
    with ``papers/began_cs/checkpoint_map.py``, so the map is under test too."""
    return {name: value for name, value in weights.items()
            if name == checkpoint_map.K_NAME or name.endswith(("/weights", "/biases"))}


def _step_arrays(steps):
    arrays = {}
    for t, step in enumerate(steps):
        arrays[f"draw/z_step{t}"] = step["z"]
        for key, value in step["d"].items():
            arrays[f"loss/d_{key}_step{t}"] = value
        arrays[f"loss/g_loss_step{t}"] = step["g_loss"]
        for key, value in step["post"].items():
            arrays[f"loss/post_{key}_step{t}"] = value
    return arrays


def _max_diff(a, b, relative=False, only=""):
    """max |a − b| over the common names containing ``only`` (relative: over max(|b|, 1e-12))."""
    out = 0.0
    for key in sorted(set(a) & set(b)):
        if only in key:
            x, y = np.asarray(a[key], np.float64), np.asarray(b[key], np.float64)
            diff = np.abs(x - y) / (np.maximum(np.abs(y), 1e-12) if relative else 1.0)
            out = max(out, float(np.max(diff)))
    return out


def _meta(original, dtype, variant, steps, settings=None, **extra):
    commit = subprocess.run(["git", "-C", original, "rev-parse", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown (not a git checkout)"
    import tensorflow as tf
    import tf_slim

    return {"original": "chang810249/BEGAN-CS", "original_commit": commit, "dtype": dtype,
            "variant": variant, "steps": steps,
            "settings": {**SETTINGS, **(settings or {})},
            "tensorflow": tf.__version__, "tf_slim": getattr(tf_slim, "__version__", "?"),
            "cpu": platform.processor() or platform.machine(),
            "images": "input/images_u8 → (u / 127.5 − 1).astype(float32) per their transform",
            **extra}


# ----------------------------------------------- port or method (issue 30): their code on shapes
# Their released code trained on our embedded 32 px ``shapes`` at experiments/began_cs.py's
# settings (experiments/results/began_cs/shapes32.md: --width=8 --image_size=32
# --shapes_lr=0.0005, batch 64, N_z 64, γ 0.5, λ_k 1e-3, 2,000 steps, seeds 0-2), scored by our
# ``evaluate.score``: did our BEGAN / BEGAN-CS collapse because of the port or the method?
POM = {"image_size": 32, "hidden_num": 8, "z_dim": 64, "batch_size": 64, "g_lr": 5e-4,
       "d_lr": 5e-4, "gamma": 0.5, "lambda_k": 1e-3, "num_images": 5000,
       "eval_samples": 1000, "final_samples": 2000}
POM_ALPHA = {"began": 0.0, "began_cs": 0.1}  # BEGAN: their graph with α = 0; BEGAN-CS: released α
POM_NAMES = {"began": "BEGAN", "began_cs": "BEGAN-CS"}
POM_THRESHOLD = 5.0  # % of samples on the manifold
POM_RULE = ("Rule (fixed before any run): per model, 'method' if the authors' code, too, has "
            f"<= {POM_THRESHOLD:g} % of its {POM['final_samples']} final samples on the manifold "
            f"on every seed; 'port' if it has > {POM_THRESHOLD:g} % on every seed (ours had 0 % "
            "on every seed); otherwise 'mixed' (the seeds disagree; no verdict).")


def _shapes_stream(seed, steps):
    """Our run's training data: the uint8 ``shapes`` images of ``make_dataset("shapes", seed)``
    and [steps, B] indices of its batches (the epoch permutations), checked on batch 0."""
    from tfgan_latent.data import make_dataset, make_shapes, pipeline

    n, b, size = POM["num_images"], POM["batch_size"], POM["image_size"]
    images, _ = make_shapes(n, size, seed)
    u8 = np.rint((images + 1.0) * 127.5).astype(np.uint8)  # colours are exactly ±1
    index = np.stack([pipeline.batch_indices(t, batch_size=b, num_elements=n, seed=seed).numpy()
                      for t in range(steps)])
    first = next(iter(make_dataset("shapes", batch_size=b, seed=seed, image_size=size,
                                   num_images=n))).numpy()
    if not np.array_equal(_to_unit(u8[index[0]]), first):
        raise AssertionError("the uint8 images fed to their loader are not our stream's batch 0")
    return u8, index


def _real_examples(seed, n):
    """``runner.fixed_real_examples``: batch 0 of the stream of seed + 1 (BEGAN's latent stats)."""
    from tfgan_latent.data import make_dataset

    return next(iter(make_dataset("shapes", batch_size=n, seed=seed + 1,
                                  image_size=POM["image_size"], num_images=POM["num_images"]))
                ).numpy()


class _ShapesSession(_SessionProxy):
    """Their session; after each of their k updates it counts a step, and every ``eval_every``
    steps (and at the last) it stores clipped samples of their test-time G(z) on our fixed
    evaluation z, and Enc(G(z)) and Enc(x) for BEGAN's latent statistics (scored later)."""

    def __init__(self, sess, steps, eval_every, seed, real):
        self._sess, self.gan, self.steps, self.eval_every = sess, None, steps, eval_every
        self.seed, self.real, self.step, self.evals = seed, real, 0, []
        self.start = None

    def _batched(self, tensor, feed, values):
        return np.concatenate([self._sess.run(tensor, {feed: values[i:i + 500]})
                               for i in range(0, len(values), 500)])

    def _evaluate(self, losses):
        from tfgan_latent.models.gan import prior_latents

        gan, d, final = self.gan, POM["z_dim"], self.step == self.steps
        n = POM["final_samples"] if final else POM["eval_samples"]
        z = prior_latents("uniform", n, d, self.seed)  # our evaluation z, U(−1, 1) as theirs
        samples = np.clip(self._batched(gan.fake_images, gan.z, z), -1.0, 1.0)
        z_extra = prior_latents("uniform", len(self.real), d, self.seed + 101)
        self.evals.append({
            "step": self.step, "samples": samples, "z_extra": z_extra,
            "codes_fake": self._batched(gan.fake_code, gan.z, z_extra),
            "codes_real": self._batched(gan.x_code, gan.inputs, self.real),
            "k": float(self._sess.run(gan.k)), **losses})

    def run(self, fetches, feed_dict=None, **kwargs):
        if self.start is None:
            self.start = time.perf_counter()
        out = self._sess.run(fetches, feed_dict, **kwargs)
        gan = self.gan
        if gan is not None and isinstance(fetches, list) and fetches and fetches[0] is gan.update_k:
            self.step += 1
            if self.step % 50 == 0 or self.step == self.steps:
                seconds = time.perf_counter() - self.start
                print(f"[port_or_method] step {self.step}/{self.steps}: {seconds:.1f} s "
                      f"({seconds / self.step:.3f} s/step), k {self._sess.run(gan.k):.5f}, "
                      f"M {out[2]:.4f}", flush=True)
            if self.step % self.eval_every == 0 or self.step == self.steps:
                real_err, fake_err = self._sess.run(
                    [gan.d_loss.op.inputs[0], gan.g_loss], feed_dict)
                self._evaluate({"loss_real": float(real_err), "loss_fake": float(fake_err),
                                "convergence": float(out[2])})
        return out


def train_shapes(original, model, seed, steps, eval_every, workdir):
    """Their ``train()`` on our shapes stream at POM's settings; (evaluations, train seconds)."""
    module = _load_original(original, "float32", "released", any_size=True)
    import tensorflow as tf

    tf1 = tf.compat.v1
    u8, index = _shapes_stream(seed, steps)
    real = _real_examples(seed, POM["eval_samples"])
    # their loader reads files in glob order (never shuffled): our stream's order, by name
    names = [f"step{t:05d}_{i:04d}.png" for t in range(steps) for i in index[t]]
    module.glob = lambda pattern: list(names)
    module.get_celeba_image = lambda path, **kw: u8[int(path[-8:-4])] / 127.5 - 1.0
    module.save_images = lambda *args, **kwargs: None
    config = tf1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    with tf1.Graph().as_default(), tf1.Session(config=config) as raw:
        tf1.set_random_seed(seed)  # main.py's seeding (their 124 → our seed)
        np.random.seed(seed)
        sess = _ShapesSession(raw, steps, eval_every, seed, real)
        gan = module.BEGAN_CS(sess, epoch=1, batch_size=POM["batch_size"], z_dim=POM["z_dim"],
                              dataset_name="celebA", checkpoint_dir=str(workdir / "checkpoint"),
                              g_lr=POM["g_lr"], d_lr=POM["d_lr"],
                              result_dir=str(workdir / "results"), log_dir=str(workdir / "logs"))
        size = POM["image_size"]
        gan.hidden_num = POM["hidden_num"]
        gan.output_height = gan.output_width = size
        gan.conv_block_repeat = int(np.log2(size)) - 2  # SIZE_SHIM: 8×8 bottleneck as ours
        gan.gamma, gan.lamda, gan.alpha = POM["gamma"], POM["lambda_k"], POM_ALPHA[model]
        if gan.num_batches != steps:
            raise AssertionError(f"their epoch has {gan.num_batches} batches, not {steps}")
        gan.build_model()
        sess.gan = gan
        if list(gan.fake_images.shape[1:]) != [size, size, 3]:
            raise AssertionError(f"their G makes {gan.fake_images.shape}, not {size} px")
        with raw.as_default():
            gan.train()
        seconds = time.perf_counter() - sess.start
    if sess.step != steps:
        raise AssertionError(f"their loop ran {sess.step} steps, not {steps}")
    return sess.evals, seconds


def _score_run(evals, seed):
    """Our metrics of each stored evaluation (``evaluate.score``, BEGAN's latent statistics)."""
    from tfgan_latent.papers.began_cs import analysis
    from tfgan_latent.train import evaluate

    out = []
    for ev in evals:
        row = {"step": ev["step"], "k": ev["k"], "loss_real": ev["loss_real"],
               "loss_fake": ev["loss_fake"], "convergence": ev["convergence"]}
        counts = sorted({POM["eval_samples"], len(ev["samples"])})
        for n in counts:  # the final evaluation: also on the first 1,000 z (ours scored 1,000)
            scores = evaluate.score(ev["samples"][:n], "shapes", seed=seed)
            suffix = "" if n == len(ev["samples"]) else f"_{n}"
            for key in ("on_manifold_percent", "modes", "fid", "num_samples"):
                row[key + suffix] = scores[key]
        stats = analysis.latent_pca(ev["codes_real"], ev["codes_fake"])
        row["latent_var_ratio"] = stats["var_gen"] / max(stats["var_real"], 1e-12)
        row["enc_g_error"] = float(np.mean(np.abs(ev["codes_fake"] - ev["z_extra"])))
        out.append(row)
    return out


def _mean_std(values):
    values = np.asarray(values, float)
    return {"mean": float(values.mean()), "std": float(values.std()), "values": values.tolist()}


def _pom_verdict(rows, seeds):
    """POM_RULE on the finished seeds; the seeds not run are named."""
    low = [r["on_manifold_percent"] <= POM_THRESHOLD for r in rows]
    verdict = "method" if all(low) else "port" if not any(low) else "mixed"
    missing = sorted(set(seeds) - {r["seed"] for r in rows})
    if missing:
        verdict += (f" on the {len(rows)} seeds run (seed {', '.join(map(str, missing))} not "
                    "run: 'every seed' covers only those)")
    return verdict


def _pom_write(out, state, ours_path, seeds):
    """began_shapes.json (every finished run, ours beside, summary, verdict) and .md."""
    ours = {}
    if Path(ours_path).is_file():
        for row in json.loads(Path(ours_path).read_text()):
            model = {v: k for k, v in POM_NAMES.items()}[row["config"]]
            ours[f"{model}/seed{row['seed']}"] = row
    summary, verdict = {}, {}
    keys = ("on_manifold_percent", "modes", "fid", "on_manifold_percent_1000", "modes_1000",
            "final_k", "enc_g_error", "latent_var_ratio")
    for model in POM_NAMES:
        rows = sorted((r for r in state["runs"].values() if r["model"] == model),
                      key=lambda r: r["seed"])
        if not rows:
            continue
        mine = [ours.get(f"{model}/seed{r['seed']}") for r in rows]
        summary[model] = {
            "theirs": {k: _mean_std([r[k] for r in rows]) for k in keys},
            "ours": {k: _mean_std([m[k] for m in mine]) for k in
                     ("on_manifold_percent", "modes", "fid", "final_k", "enc_g_error",
                      "latent_var_ratio") if all(mine)}}
        verdict[model] = _pom_verdict(rows, seeds)
    state.update(summary=summary, verdict=verdict, rule=POM_RULE,
                 ours={k: {kk: vv for kk, vv in v.items()} for k, v in ours.items()})
    (out / "began_shapes.json").write_text(json.dumps(state, indent=1) + "\n")

    def cell(stats, fmt="{:.3g}"):
        vals = ", ".join(fmt.format(v) for v in stats["values"])
        return f"{stats['mean']:.3g} ± {stats['std']:.2g} ({vals})"

    lines = [f"# Port or method: the authors' BEGAN / BEGAN-CS code on 32 px shapes "
             f"({state['date']})", "",
             f"Command: `{state['command']}`", "",
             f"CPU: {state['cpu']}; {state['threads']}.", "",
             f"Authors' code: {state['original']} (`BEGAN_CS.py`, released; commit "
             f"{state['original_commit']}), run by `parity/began_cs.py` under tf.compat.v1 + "
             f"tf_slim (TF {state['tensorflow']}); settings: {state['settings_text']}", "",
             POM_RULE, ""]
    lines += ["| model | seed | theirs: on manifold % (2000) | theirs: modes (2000) | "
              "theirs: on manifold % / modes (first 1000 z) | theirs: FID (2000) | theirs: "
              "final k | theirs: modes at 500/1000/1500/2000 (1000 z) | theirs: k at 500/1000/"
              "1500/2000 | ours: on manifold % (1000) | ours: modes | ours: FID | ours: final k "
              "| theirs: train s |", "|---" * 13 + "|"]
    for model in POM_NAMES:
        for r in sorted((r for r in state["runs"].values() if r["model"] == model),
                        key=lambda r: r["seed"]):
            m = ours.get(f"{model}/seed{r['seed']}", {})
            curve = "/".join(str(v) for _, v in r["curve"]["modes"])
            k_curve = "/".join(f"{v:.3g}" for _, v in r["curve_k"])
            lines.append(
                f"| {POM_NAMES[model]} | {r['seed']} | {r['on_manifold_percent']:.3g} | "
                f"{r['modes']} | {r['on_manifold_percent_1000']:.3g} / {r['modes_1000']} | "
                f"{r['fid']:.3g} | {r['final_k']:.3g} | {curve} | {k_curve} | "
                f"{m.get('on_manifold_percent', float('nan')):.3g} | {m.get('modes', '–')} | "
                f"{m.get('fid', float('nan')):.3g} | {m.get('final_k', float('nan')):.3g} | "
                f"{r['seconds_train']:.0f} |")
    lines += ["", "mean ± std over the finished seeds (values in brackets, by seed):", "",
              "| model | side | on manifold % | modes | FID | final k | enc_g_error | "
              "latent_var_ratio |", "|---" * 8 + "|"]
    for model, sides in summary.items():
        for side, stats in sides.items():
            if stats:
                lines.append(f"| {POM_NAMES[model]} | {side} | " + " | ".join(
                    cell(stats[k]) for k in ("on_manifold_percent", "modes", "fid", "final_k",
                                             "enc_g_error", "latent_var_ratio")) + " |")
    lines += ["", "Theirs: 2,000 final samples (our `prior_latents('uniform', 2000, 64, seed)`, "
              "U(−1, 1) as their `np.random.uniform(-1, 1)`), clipped to [−1, 1] as our "
              "`output_generator` and their saved samples; ours "
              "(experiments/results/began_cs/shapes32.json): 1,000 samples (its "
              "`eval_samples`), on the same first 1,000 z. enc_g_error and latent_var_ratio as "
              "our `BEGAN.evaluation_extras` (1,000 real images, z of seed + 101).", "",
              "Verdict: " + "; ".join(f"{POM_NAMES[m]}: **{v}**" for m, v in verdict.items()),
              ""]
    (out / "began_shapes.md").write_text("\n".join(lines))


def port_or_method(args):
    """Trains every (model, seed) not yet in ``out/began_shapes.json``; rewrites it after each."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "began_shapes.json"
    seeds = [int(s) for s in args.seeds.split(",")]
    models = args.models.split(",")
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True,
                         text=True).stdout.split(":", 1)[-1].strip() or platform.processor()
    commit = subprocess.run(["git", "-C", args.original, "rev-parse", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    settings = {**POM, "alpha": POM_ALPHA, "steps": args.steps, "eval_every": args.eval_every,
                "adam": "their tf.train.AdamOptimizer(lr) defaults: β1 0.9, β2 0.999, ε 1e-8"}
    state = json.loads(path.read_text()) if path.is_file() else {"runs": {}}
    if args.report_only:  # the tables again from the finished runs (their command and date)
        return _pom_write(out, state, args.ours, seeds)
    state = {k: v for k, v in state.items() if k == "runs"}
    state["runs"] = {k: r for k, r in state["runs"].items()
                     if r["steps"] == args.steps and r["eval_every"] == args.eval_every}
    state.update(
        command=("PYTHONPATH=. python -m parity.began_cs --original=PATH --port_or_method "
                 f"--models={args.models} --seeds={args.seeds} --steps={args.steps} "
                 f"--eval_every={args.eval_every} --out={args.out}"),
        cpu=cpu, date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        threads="TF intra/inter op threads 1, nice -n 5, on a 2-core machine shared with "
                "other jobs (seconds are wall time under that load)",
        original="chang810249/BEGAN-CS",
        original_commit=commit or "a4ff342 per research note (the checkout is not a git repo)",
        tensorflow=tf.__version__, settings=settings,
        settings_text=(f"{POM['image_size']} px (SIZE_SHIM: conv_block_repeat 3, 8×8 "
                       f"bottleneck), hidden_num {POM['hidden_num']}, z_dim {POM['z_dim']}, "
                       f"batch {POM['batch_size']}, γ {POM['gamma']}, λ_k {POM['lambda_k']}, "
                       f"g_lr = d_lr = {POM['g_lr']:g}, α 0 (BEGAN) / 0.1 (BEGAN-CS), "
                       f"{args.steps} steps, their Adam defaults, their initializers and "
                       "np/TF draws seeded with the seed, data: our shapes stream "
                       f"(5,000 images, our epoch permutations) through their loader."))
    for seed in seeds:
        for model in models:
            key = f"{model}/seed{seed}"
            if key in state["runs"]:
                print(f"[port_or_method] {key}: done already, skipped", flush=True)
                continue
            print(f"[port_or_method] {key}: training their code", flush=True)
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                evals, seconds = train_shapes(args.original, model, seed, args.steps,
                                              args.eval_every, Path(tmp))
            scored = _score_run(evals, seed)
            final = scored[-1]
            row = {"model": model, "config": POM_NAMES[model], "seed": seed, "steps": args.steps,
                   "eval_every": args.eval_every, "alpha": POM_ALPHA[model],
                   **{k: v for k, v in final.items() if k != "step"},
                   "final_k": final["k"], "final_convergence": final["convergence"],
                   "curve": {k: [[r["step"], r.get(f"{k}_1000", r[k])] for r in scored]
                             for k in ("on_manifold_percent", "modes", "fid")},
                   "curve_k": [[r["step"], r["k"]] for r in scored],
                   "curve_latent": [[r["step"], r["enc_g_error"], r["latent_var_ratio"]]
                                    for r in scored],
                   "seconds_train": round(seconds, 1),
                   "seconds_total": round(time.perf_counter() - start, 1),
                   "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
            state["runs"][key] = row
            print("[port_or_method] " + json.dumps({k: v for k, v in row.items()
                                                     if not k.startswith("curve")}), flush=True)
            _pom_write(out, state, args.ours, seeds)
    _pom_write(out, state, args.ours, seeds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", required=True,
                        help="a checkout of chang810249/BEGAN-CS (never downloaded here)")
    parser.add_argument("--port_or_method", action="store_true",
                        help="instead of the fixtures: their code trained on our 32 px shapes "
                             "(issue 30; see the port-or-method section), resumable")
    parser.add_argument("--models", default="began,began_cs", help="port_or_method: models")
    parser.add_argument("--seeds", default="0,1,2", help="port_or_method: seeds, in order")
    parser.add_argument("--steps", type=int, default=2000, help="port_or_method: steps")
    parser.add_argument("--eval_every", type=int, default=500, help="port_or_method: period")
    parser.add_argument("--out", default="experiments/results/port_or_method",
                        help="port_or_method: folder of began_shapes.json / .md")
    parser.add_argument("--report_only", action="store_true",
                        help="port_or_method: rewrite began_shapes.json/.md from the finished "
                             "runs without training (e.g. after an interrupted invocation)")
    parser.add_argument("--ours", default="experiments/results/began_cs/shapes32.json",
                        help="port_or_method: our runs' rows")
    args = parser.parse_args(argv)
    if not (Path(args.original) / "BEGAN_CS.py").is_file():
        parser.error(f"--original={args.original}: no BEGAN_CS.py there")
    if args.port_or_method:
        if set(args.models.split(",")) - set(POM_ALPHA):
            parser.error(f"--models: some of {sorted(POM_ALPHA)}")
        return port_or_method(args)
    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    folder = fixtures.ROOT / PAPER
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = {}
        for case, (dtype, variant, steps, settings) in CASES.items():
            init = runs["train_f64"][0] if runs else None
            runs[case] = run_training(args.original, dtype, variant, steps, tmp / case, init,
                                      settings)
        init = runs["train_f64"][0]
        for case, (_, images, steps, after, prefix) in runs.items():
            dtype, variant, _, settings = CASES[case]
            arrays = {**_step_arrays(steps), **{f"after/{k}": v for k, v in _ours(after).items()}}
            extra = {"shared": "input/images_u8 and init/* are train_f64's (same images, seed)"}
            if case == "train_f64":
                arrays.update({"input/images_u8": images,
                               **{f"init/{k}": v for k, v in _ours(init).items()}})
                extra = {}
            if dtype == "float32":
                ref = runs["train_f64_k"]
                extra["float32_drift"] = {
                    "reference": "train_f64_k (the same case in float64)",
                    "losses_rel": _max_diff(_step_arrays(steps), _step_arrays(ref[2]), True),
                    "k": _max_diff(_step_arrays(steps), _step_arrays(ref[2]), only="_k_"),
                    "weights_after": _max_diff(_ours(after), _ours(ref[3]))}
                ckpt = folder / "checkpoint"
                shutil.rmtree(ckpt, ignore_errors=True)
                ckpt.mkdir(parents=True)
                for suffix in (".index", ".data-00000-of-00001"):  # not the graph's .meta
                    shutil.copy(prefix + suffix, ckpt / f"BEGAN_CS.model{suffix}")
            path = fixtures.write(PAPER, case, arrays, _meta(args.original, dtype, variant,
                                                             len(steps), settings, **extra))
            print(f"{path.name}: {len(steps)} steps, {dtype}, {os.path.getsize(path)} bytes",
                  extra or "")
        images, z, out = run_forward(args.original, init)
        arrays = {"input/images_u8": images, "input/z": z,
                  **{f"init/{k}": v for k, v in _ours(init).items()},
                  **{f"out/{k}": v for k, v in out.items()}}
        path = fixtures.write(PAPER, "forward_f64", arrays,
                              _meta(args.original, "float64", "released", 0))
        print(f"{path.name}: forward, float64, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()

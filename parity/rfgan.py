"""RFGAN parity harness: the authors' TF1 graph (QuickSolverKyle/Tensorflow-MyGANs) beside ours.

``python -m parity.rfgan --original=PATH`` (PATH: a checkout of the authors' repository, at
1f05665) builds ``models/RFGAN.py`` with ``ops.py`` under ``tf.compat.v1`` + ``tf_slim`` in
float64 and in float32, sets random non-zero weights and biases (moving statistics included,
and non-zero biases on their G deconvs before batch norm, which we do not have) from our
layout through ``tfgan_latent.papers.rfgan.checkpoint_map``, feeds identical z, images and
salt-and-pepper draws, and writes under ``tests/fixtures/parity/rfgan/``:

* ``dcgan_forward``: G in inference and training mode, the plain DCGAN D (their
  ``discriminator`` with an empty RF input) in training mode, and both nets' moving statistics
  after that one training pass;
* ``dae_steps``: the authors' denoising AE (our ``--preset=authors_code`` layout): inference
  reconstruction at init, the training reconstruction of the first step, and 3 Adam steps on
  their salt-and-pepper inputs (their ``utils.noisy`` with its coordinates recorded);
* ``rf_steps``: the RF discriminator with its frozen encoder (the AE after those 3 steps):
  logits on real and fake images at init, then 5 DCGAN-RF iterations (1 D + 2 G steps on one
  z, their ``train`` loop without its logging ``sess.run``), losses and weights after;
* ``checkpoint/``: a ``tf.train.Saver`` checkpoint their ``save`` writes (depth 2, float32,
  after one AE and one GAN iteration), for ``tfgan-latent import``.

Sizes: 64 px (their nets are 64-px only: four stride-2 stages, hard-coded 8/16/32/64 decoder
shapes), ``depth`` 4 (their width; 64 in the release), z 8, batch 4, code 4×4×8.

Shims (kept here, the original is not edited): in ``RFGAN.py`` the blank ``train_dir = #`` /
``test_dir = #`` lines become ``""``; ``tensorflow`` is ``tf.compat.v1`` with
``tf.contrib.layers`` = ``tf_slim`` (``batch_norm``, ``xavier_initializer``, ``layer_norm``);
the image-I/O and plotting imports (``utils``, ``scipy``, ``matplotlib``, ``cv2``) are dropped
(``utils.noisy`` is run alone, its list index ``out[coords]`` as ``out[tuple(coords)]``, what
NumPy < 1.23 did); tf_slim 1.1 gets ``ops.Tensor`` back (TF ≥ 2.16 removed it). The float64 build adds a dtype shim: ``tf.float32`` and ``get_variable``'s
default dtype are float64, tf_slim's batch-norm variables are float64, its
``nn.fused_batch_norm`` (no float64 kernel) is the same computation written out (batch
moments, biased variance in the normalization, the (n−1) variance returned for the moving
average, as the kernel does), the batch-norm decay and Adam's learning rate, β1, β2 and ε are
float64 constants (TF1's ``assign_moving_average`` makes 1 − decay a float32 tensor from a
Python float, and Adam its four hyperparameters and its β2^t accumulator: the float32 learning
rate alone makes every step 2.5e-8 relative shorter, which the G step amplifies past 1e-8).
The float32 build uses TF's own kernels;
the max difference between the two builds (``meta["float32_drift"]``) shows the shim is
that computation.

Not replayed: their D's moving statistics after a step (the real and the fake call of one D
update both assign them, in no fixed order in the graph), and the logging ``sess.run`` every
50 iterations, which runs the training-mode AE and so moves the frozen encoder's moving
statistics (we keep them frozen; parity/README.md).
"""
import argparse
import ast
import contextlib
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from parity import fixtures
from tfgan_latent.papers.rfgan import checkpoint_map as cmap

PAPER = "rfgan"
SIZE, DEPTH, Z_DIM, BATCH, CODE, PATCH = 64, 4, 8, 4, 8, 4
DAE_STEPS, GAN_STEPS = 3, 5
SHOWN = 2  # image outputs stored: the first 2 of the batch (size); batch statistics use all 4


class _Proxy:
    """``base``'s attributes, some replaced."""

    def __init__(self, base, **replaced):
        self._base = base
        self.__dict__.update(replaced)

    def __getattr__(self, name):
        return getattr(self._base, name)


def _shimmed(path, replacements):
    text = Path(path).read_text()
    for old, new in replacements:
        if old not in text:
            raise SystemExit(f"{path}: expected {old!r}; is this commit 1f05665 of the original?")
        text = text.replace(old, new)
    return text


def _emulated_fused_batch_norm(tf):
    """``nn.fused_batch_norm`` for float64 (TF has no float64 kernel): the kernel's computation."""
    def fused(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
              is_training=True, name=None, exponential_avg_factor=1.0):
        assert data_format == "NHWC" and exponential_avg_factor == 1.0
        if is_training:
            mean, var = tf.nn.moments(x, [0, 1, 2])
            n = tf.cast(tf.reduce_prod(tf.shape(x)[:3]), x.dtype)
            y = (x - mean) * tf.math.rsqrt(var + epsilon) * scale + offset
            return y, mean, var * n / (n - 1.0)
        y = (x - mean) * tf.math.rsqrt(variance + epsilon) * scale + offset
        return y, mean, variance
    return fused


@contextlib.contextmanager
def _float64_slim(tf, slim_layers):
    saved = slim_layers.dtypes, slim_layers.nn
    slim_layers.dtypes = _Proxy(saved[0], float32=tf.float64)
    slim_layers.nn = _Proxy(saved[1], fused_batch_norm=_emulated_fused_batch_norm(tf))
    try:
        yield
    finally:
        slim_layers.dtypes, slim_layers.nn = saved


def load_original(original, dtype):
    """The namespace of the authors' ``ops.py`` + ``models/RFGAN.py`` (shims: module docstring)."""
    import tensorflow as tf
    import tf_slim

    from tensorflow.python.framework import ops as tf_ops
    if not hasattr(tf_ops, "Tensor"):  # tf_slim 1.1 still names it there (TF >= 2.16 does not)
        tf_ops.Tensor = tf.Tensor
    v1 = tf.compat.v1
    over = dict(contrib=_Proxy(None, layers=_Proxy(
        None, batch_norm=tf_slim.batch_norm, xavier_initializer=tf_slim.xavier_initializer,
        layer_norm=tf_slim.layer_norm)))
    if dtype == "float64":
        get_variable = v1.get_variable

        def get_variable64(name, shape=None, dtype=None, *args, **kwargs):
            return get_variable(name, shape, dtype or tf.float64, *args, **kwargs)
        def batch_norm64(*args, decay=0.999, **kwargs):
            return tf_slim.batch_norm(*args, decay=np.float64(decay), **kwargs)
        def adam64(learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8, **kwargs):
            # TF1's Adam turns Python-float lr, β1, β2, ε into float32 tensors (and β2^t into
            # a float32 variable); numpy float64 keeps them float64
            return v1.train.AdamOptimizer(np.float64(learning_rate), np.float64(beta1),
                                          np.float64(beta2), np.float64(epsilon), **kwargs)
        over["contrib"].layers.batch_norm = batch_norm64
        over.update(float32=tf.float64, get_variable=get_variable64,
                    train=_Proxy(v1.train, AdamOptimizer=adam64))
    ns = {"tf": _Proxy(v1, **over), "slim": tf_slim, "np": np, "__name__": "rfgan_original"}
    ops_src = _shimmed(Path(original) / "ops.py", [
        ("import tensorflow as tf\n", ""), ("import tensorflow.contrib.slim as slim\n", ""),
        ("from utils import *\n", ""), ("from scipy import signal\n", ""),
        ("from scipy.ndimage.filters import convolve\n", "")])
    exec(compile(ops_src, "ops.py", "exec"), ns)
    rfgan_src = _shimmed(Path(original) / "models" / "RFGAN.py", [
        ("import tensorflow as tf\n", ""), ("import matplotlib.pyplot as plt\n", ""),
        ("from ops import *\n", ""), ("from utils import *\n", ""),
        ("train_dir = # put train data directory here", 'train_dir = ""'),
        ("test_dir  = # put train data directory here", 'test_dir = ""')])
    exec(compile(rfgan_src, "RFGAN.py", "exec"), ns)
    return ns


def their_noisy(original):
    """Their ``utils.noisy`` alone, recording the coordinates it draws."""
    tree = ast.parse(Path(original, "utils.py").read_text())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "noisy")
    src = ast.get_source_segment(Path(original, "utils.py").read_text(), fn)
    for v in ("1", "0"):
        src = src.replace(f"out[coords] = {v}", f"out[tuple(coords)] = {v}")
    record = []

    class Random:
        def __init__(self):
            self.rng = np.random.RandomState(0)

        def randint(self, *args):
            record.append(self.rng.randint(*args))
            return record[-1]

    ns = {"np": _Proxy(np, random=Random())}
    exec(compile(src, "utils.py", "exec"), ns)
    return ns["noisy"], record


def our_shapes(depth):
    """{our path: shape} of the authors' nets at ``depth`` (our names, their architecture)."""
    c = [depth * 2**i for i in range(4)]
    shapes = {"generator/project/kernel": (Z_DIM, 16 * 16 * depth),
              "generator/project/bias": (16 * 16 * depth,), "generator/to_image/kernel":
              (5, 5, 3, depth * 2), "generator/to_image/bias": (3,)}
    g = [depth * 16, depth * 8, depth * 4, depth * 2]
    for name, ch in [("project_bn", g[0])] + [(f"deconv{i}_bn", g[i + 1]) for i in range(3)]:
        shapes.update({f"generator/{name}/{w}": (ch,) for w in cmap.BN_WEIGHTS})
    for i in range(3):
        shapes[f"generator/deconv{i}/kernel"] = (5, 5, g[i + 1], g[i])
    for net in ("discriminator", "encoder"):
        for i in range(4):
            shapes[f"{net}/conv{i}/kernel"] = (5, 5, 3 if i == 0 else c[i - 1], c[i])
            shapes[f"{net}/conv{i}/bias"] = (c[i],)
            if i:
                shapes.update({f"{net}/conv{i}_norm/{w}": (c[i],) for w in cmap.BN_WEIGHTS})
    shapes["encoder/bottleneck/kernel"], shapes["encoder/bottleneck/bias"] = (1, 1, c[3], CODE), (
        CODE,)
    dec = [depth * 4, depth * 4, depth * 2, depth]
    shapes.update({"decoder/entry/kernel": (1, 1, CODE, dec[0]), "decoder/entry/bias": (dec[0],),
                   "decoder/to_image/kernel": (5, 5, 3, depth), "decoder/to_image/bias": (3,)})
    shapes.update({f"decoder/entry_bn/{w}": (dec[0],) for w in cmap.BN_WEIGHTS})
    for i in range(3):
        shapes[f"decoder/deconv{i}/kernel"] = (5, 5, dec[i + 1], dec[i])
        shapes[f"decoder/deconv{i}/bias"] = (dec[i + 1],)
        shapes.update({f"decoder/deconv{i}_bn/{w}": (dec[i + 1],) for w in cmap.BN_WEIGHTS})
    return shapes


def random_weights(rng, shapes, head_in):
    """Random non-zero weights, biases and moving statistics in our layout (float64)."""
    out = {}
    for path, shape in shapes.items():
        fan_in = int(np.prod(shape[:-1])) if path.endswith("kernel") else 1
        if path.endswith("moving_variance"):
            out[path] = rng.uniform(0.5, 2.0, shape)
        elif path.endswith("gamma"):
            out[path] = rng.normal(1.0, 0.3, shape)
        elif path.endswith("kernel"):
            out[path] = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
        else:
            out[path] = rng.normal(0.0, 0.3, shape)
    out["discriminator/score/kernel"] = rng.normal(0.0, 1.0 / np.sqrt(head_in), (head_in, 1))
    out["discriminator/score/bias"] = rng.normal(0.0, 0.3, (1,))
    return out


class Original:
    """Their graph (one dtype) with assign/read helpers over their variable names."""

    def __init__(self, original, dtype, depth=DEPTH, batch=BATCH):
        import tensorflow as tf
        slim_layers = importlib.import_module("tf_slim.layers.layers")

        v1 = tf.compat.v1
        self.tf, self.v1, self.dtype = tf, v1, dtype
        self.graph = tf.Graph()
        f64 = _float64_slim(tf, slim_layers) if dtype == "float64" else contextlib.nullcontext()
        with self.graph.as_default(), f64:
            ns = load_original(original, dtype)
            self.tmp = tempfile.mkdtemp()
            self.sess = v1.Session(graph=self.graph, config=v1.ConfigProto(
                intra_op_parallelism_threads=1, inter_op_parallelism_threads=1))
            m = ns["RFGAN"](self.sess, 1, batch, Z_DIM, "celebA", CODE, PATCH, self.tmp,
                            self.tmp, self.tmp)
            m.depth = depth
            m.build_model()
            ftype = tf.float64 if dtype == "float64" else tf.float32
            with v1.variable_scope("dcgan"):  # the plain DCGAN D: an empty RF input
                self.d_plain = m.discriminator(m.inputs, tf.zeros([batch, PATCH, PATCH, 0],
                                                                  ftype))[1]
            self.m = m
            g = self.graph
            self.g_train = g.get_tensor_by_name("generator/Tanh:0")
            self.recon_train = g.get_tensor_by_name("decoder/de_dc4/Reshape:0")  # De
            self.real_logits = g.get_tensor_by_name("discriminator/disc_out_logit/add:0")
            self.fake_logits = g.get_tensor_by_name("discriminator_1/disc_out_logit/add:0")
            self.vars = {v.op.name: v for v in v1.global_variables()}
            self.sess.run(v1.global_variables_initializer())
            self.placeholders = {}
            for name, v in self.vars.items():
                p = v1.placeholder(v.dtype.base_dtype, v.shape)
                self.placeholders[name] = (p, v.assign(p))

    def set(self, values):
        ops, feed = [], {}
        for name, value in values.items():
            p, op = self.placeholders[name]
            ops.append(op)
            feed[p] = np.asarray(value, p.dtype.as_numpy_dtype)
        self.sess.run(ops, feed)

    def get(self, names):
        return dict(zip(names, self.sess.run([self.vars[n] for n in names])))

    def run(self, fetches, x=None, noisy=None, z=None):
        m, feed = self.m, {}
        for p, v in ((m.inputs, x), (m.noisy_inputs, noisy), (m.noise, z)):
            if v is not None:
                feed[p] = np.asarray(v, p.dtype.as_numpy_dtype)
        return self.sess.run(fetches, feed)


def scenario(orig, noisy, rng_seed=0):
    """Runs the three cases on one build; returns {case: (arrays, meta)}.

    ``noisy``: ``their_noisy(original)`` (their function and its coordinate record)."""
    rng = np.random.default_rng(rng_seed)
    shapes = our_shapes(DEPTH)
    f_d = PATCH * PATCH * DEPTH * 8
    init = random_weights(rng, shapes, 2 * f_d)
    plain_head = {"kernel": rng.normal(0, 1 / np.sqrt(f_d), (f_d, 1)), "bias": rng.normal(0, .3, 1)}
    g_biases = {f"{c}/biases": rng.normal(0.0, 0.3, shapes[f"generator/deconv{i}_bn/gamma"])
                for i, c in enumerate(cmap.G_BIASES_BEFORE_BN)}
    images = lambda: rng.integers(0, 256, (BATCH, SIZE, SIZE, 3))
    uniform_z = lambda: rng.uniform(-1.0, 1.0, (BATCH, Z_DIM))
    theirs = cmap.to_theirs(init, conv_bias_twice=True, g_biases=g_biases)
    pick = lambda d, net: {k: v for k, v in d.items() if k.startswith(net + "/")}
    out = {}

    # ---- dcgan_forward: G (both modes) and the plain D
    plain = {**pick(init, "generator"), **{k: v for k, v in pick(init, "discriminator").items()
                                           if "/score/" not in k},
             "discriminator/score/kernel": plain_head["kernel"],
             "discriminator/score/bias": plain_head["bias"]}
    plain_theirs = cmap.to_theirs(plain, True, g_biases)
    orig.set({("dcgan/" + k if k.startswith("discriminator/") else k): v
              for k, v in plain_theirs.items()})
    z, u8 = uniform_z(), images()
    x = u8 / 127.5 - 1.0
    g_infer = orig.run(orig.m.fake_images, z=z)
    d_logits = orig.run(orig.d_plain, x=x)
    g_train = orig.run(orig.g_train, z=z)
    bn = [k for k in plain_theirs if k.endswith(("moving_mean", "moving_variance"))]
    after = orig.get([("dcgan/" + k if k.startswith("discriminator/") else k) for k in bn])
    after = {k.replace("dcgan/", "", 1): v for k, v in after.items()}
    arrays = {**{f"init/{k}": v for k, v in plain.items()}, "input/z": z,
              "input/x_uint8": u8.astype(np.uint8), "out/g_inference": g_infer[:SHOWN],
              "out/g_training": g_train[:SHOWN], "out/d_logits": d_logits}
    arrays.update({f"after/{k}": v for k, v in cmap.to_ours(
        {**plain_theirs, **after}, True).items() if k.endswith(("moving_mean", "moving_variance"))})
    out["dcgan_forward"] = (arrays, {})

    # ---- dae_steps: their noisy() on uint8 images, 3 steps
    noisy_fn, record = noisy
    ae = {**pick(init, "encoder"), **pick(init, "decoder")}
    orig.set(cmap.to_theirs(ae, True))
    xs, noisies, salts, peppers = [], [], [], []
    for _ in range(DAE_STEPS):
        u8 = images()
        batch_noisy = []
        for img in u8:
            record.clear()
            batch_noisy.append(noisy_fn("s&p", img.astype(np.uint8), 0.25))
            salts.append(np.stack(record[:3], -1))
            peppers.append(np.stack(record[3:], -1))
        xs.append(u8.astype(np.uint8))
        noisies.append(np.stack(batch_noisy).astype(np.uint8))
    xs, noisies = np.stack(xs), np.stack(noisies)
    scaled = lambda a: a / 127.5 - 1.0
    recon_infer = orig.run(orig.m.De_test, x=scaled(xs[0]))
    losses, recon_train = [], None
    for t in range(DAE_STEPS):
        loss, rec, _ = orig.run([orig.m.ae_loss, orig.recon_train, orig.m.ae_optm],
                                x=scaled(xs[t]), noisy=scaled(noisies[t]))
        losses.append(loss)
        recon_train = rec if t == 0 else recon_train
    ae_names = list(cmap.to_theirs(ae, True))
    ae_after = cmap.to_ours(orig.get(ae_names), True)
    arrays = {**{f"init/{k}": v for k, v in ae.items()}, "input/x_uint8": xs,
              "draw/noisy_uint8": noisies,
              "draw/salt_coords": np.stack(salts).reshape((DAE_STEPS, BATCH) + salts[0].shape),
              "draw/pepper_coords": np.stack(peppers).reshape((DAE_STEPS, BATCH)
                                                              + peppers[0].shape),
              "out/reconstruction_inference": recon_infer[:SHOWN], "out/reconstruction_step0":
              recon_train[:SHOWN], "loss/ae": np.array(losses)}
    arrays.update({f"after/{k}": v for k, v in ae_after.items()})
    out["dae_steps"] = (arrays, {"steps": DAE_STEPS})

    # ---- rf_steps: the RF D with the frozen encoder (the AE after its steps), 5 iterations
    enc = pick(ae_after, "encoder")
    gd = {**pick(init, "generator"), **pick(init, "discriminator")}
    orig.set({k: v for k, v in theirs.items() if k.startswith(("generator/", "discriminator/"))})
    zs = [uniform_z() for _ in range(GAN_STEPS)]
    xs = np.stack([images() for _ in range(GAN_STEPS)]).astype(np.uint8)
    d_losses, g_losses, first = [], [], None
    for t in range(GAN_STEPS):
        d_loss, lr, lf, _ = orig.run([orig.m.dr_loss, orig.real_logits, orig.fake_logits,
                                      orig.m.dr_optm], x=scaled(xs[t]), z=zs[t])
        first = first or (lr, lf)
        d_losses.append(d_loss)
        for _ in range(orig.m.ge_iter):
            g_losses.append(orig.run([orig.m.ge_loss, orig.m.ge_optm], x=scaled(xs[t]),
                                     z=zs[t])[0])
    names = [n for n in theirs if n.startswith(("generator/", "discriminator/", "encoder/"))]
    after = cmap.to_ours(orig.get(names), True)
    for k, v in enc.items():  # frozen: their encoder is in no optimizer, in inference mode
        assert np.array_equal(after.pop(k), v), k
    arrays = {**{f"init/{k}": v for k, v in {**gd, **enc}.items()}, "input/x_uint8": xs,
              "input/z": np.stack(zs), "out/real_logits_step0": first[0],
              "out/fake_logits_step0": first[1], "loss/d": np.array(d_losses),
              "loss/g": np.array(g_losses)}
    arrays.update({f"after/{k}": v for k, v in after.items()
                   if not (k.startswith("discriminator/") and "moving" in k)})
    out["rf_steps"] = (arrays, {"steps": GAN_STEPS, "g_steps_per_iteration": orig.m.ge_iter})
    return out


def write_checkpoint(original, folder):
    """A depth-2 float32 checkpoint their ``save`` writes after one AE and one GAN iteration."""
    orig = Original(original, "float32", depth=2)
    rng = np.random.default_rng(7)
    z = rng.uniform(-1, 1, (BATCH, Z_DIM))
    x = rng.integers(0, 256, (BATCH, SIZE, SIZE, 3)) / 127.5 - 1.0
    orig.run(orig.m.ae_optm, x=x, noisy=x)
    orig.run(orig.m.dr_optm, x=x, z=z)
    orig.run(orig.m.ge_optm, x=x, z=z)
    with orig.graph.as_default():
        orig.m.saver = orig.v1.train.Saver()
        orig.m.save(orig.tmp, 1)
    src = Path(orig.tmp) / orig.m.model_dir / orig.m.model_name
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("*.meta"))  # the graph: unused
    (folder / "checkpoint").write_text(
        'model_checkpoint_path: "RFGAN.model-1"\nall_model_checkpoint_paths: "RFGAN.model-1"\n')
    reader = orig.tf.train.load_checkpoint(str(folder / "RFGAN.model-1"))
    return sorted(reader.get_variable_to_shape_map())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", required=True, help="checkout of the authors' repository")
    parser.add_argument("--skip_checkpoint", action="store_true",
                        help="write the float64 cases only, leaving checkpoint/ as it is")
    args = parser.parse_args(argv)
    original = Path(args.original)
    if not (original / "models" / "RFGAN.py").exists():
        raise SystemExit(f"--original={original}: no models/RFGAN.py there.")
    results = {}
    for dtype in ("float64", "float32"):
        results[dtype] = scenario(Original(original, dtype), their_noisy(original))
    for case, (arrays, meta) in results["float64"].items():
        f32 = results["float32"][case][0]
        drift = {}
        for k, v in arrays.items():
            if k.startswith(("out/", "loss/", "after/")):
                group = k.split("/")[0] + "/" + k.split("/")[1]
                d = float(np.max(np.abs(np.asarray(v) - f32[k]))) if np.size(v) else 0.0
                drift[group] = max(drift.get(group, 0.0), d)
        meta = {**meta, "dtype": "float64", "float32_drift": drift, "original":
                "QuickSolverKyle/Tensorflow-MyGANs@1f05665", "size": SIZE, "depth": DEPTH,
                "z_dim": Z_DIM, "batch": BATCH, "tf": __import__("tensorflow").__version__}
        path = fixtures.write(PAPER, case, arrays, meta)
        print(f"{case}: {path.stat().st_size / 1e6:.2f} MB; float32 drift "
              f"{max(drift.values()):.2e}")
    if args.skip_checkpoint:
        return
    names = write_checkpoint(original, fixtures.ROOT / PAPER / "checkpoint")
    print(f"checkpoint: {len(names)} variables")


if __name__ == "__main__":
    sys.exit(main())

"""LIS against the authors' own code: fixtures written by ``parity/lis.py`` (float64).

Each case loads the authors' weights (their ``state_dict`` names and layouts, mapped with
``papers/lis/checkpoint_map.py``, the map ``tfgan-latent import`` uses) into our nets built
under a float64 policy, feeds their inputs and random draws (z, the early-stop K, R-iterative's
training flags, spatial-dropout masks) and compares outputs, losses and weights after the
steps. Targets: forward <= 1e-10, >= 5 steps <= 1e-8 (issue 30). No torch, no original code.
"""
import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from parity import fixtures
from tfgan_latent.optimizers import TorchRMSprop
from tfgan_latent.papers.lis import checkpoint_map, nets
from tfgan_latent.papers.lis.models import GLIS, LISGenerator, RIterative, RSeparate

FORWARD_TOL, STEP_TOL = 1e-10, 1e-8


@contextlib.contextmanager
def float64():
    policy, floatx = keras.config.dtype_policy(), keras.config.floatx()
    keras.config.set_dtype_policy("float64")
    keras.config.set_floatx("float64")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(policy)
        keras.config.set_floatx(floatx)


def load(entries, arrays):
    """Assigns the authors' arrays (``{their name: array}``) to our variables via the map."""
    assert set(entries) == set(arrays), sorted(set(entries) ^ set(arrays))
    for name, entry in entries.items():
        entry.variable.assign(checkpoint_map.to_ours(entry, arrays[name]))


def load_model(model, arrays):
    """Loads every role (``gen``, ``dis``, ``r``) of ``model`` from ``init/``; returns the map."""
    entries = checkpoint_map.model_entries(model)
    for role, names in entries.items():
        load(names, fixtures.prefixed(arrays, f"init/{role}"))
    return entries


def max_weight_diff(entries, arrays):
    return max(float(np.max(np.abs(np.asarray(e.variable) - checkpoint_map.to_ours(e, arrays[n]))))
               for n, e in entries.items())


def generator(meta, n_modules=None):
    g = nets.wn_generator(meta["latent_dim"], meta["size"], 3, meta["nfeature"])
    return g if n_modules is None else LISGenerator(g, n_modules, seed=0)


def discriminator(meta):
    return nets.wn_discriminator(meta["size"], 3, meta["nfeature"])


def reverser(meta, dropout=0.0):
    return nets.wn_reverser(meta["latent_dim"], meta["size"], 3, meta["nfeature"] // 2,
                            dropout=dropout)


def rmsprop(meta):
    return TorchRMSprop(meta["lr"], rho=0.9, epsilon=1e-6)


def inject_masks(r, arrays, meta):
    """R's spatial dropout takes the authors' masks, in their order (one per conv 2..n)."""
    flat, masks = arrays["draw/masks"], []
    for shape in meta["mask_shapes"]:
        n = int(np.prod(shape))
        masks.append(flat[:n].reshape(shape))
        flat = flat[n:]
    it = iter(masks)
    for layer in r.layers:
        if isinstance(layer, keras.layers.SpatialDropout2D):
            layer.call = lambda x, training=None: x * next(it)[:, None, None, :]


def take(values):
    """A callable returning the next of ``values`` as a tensor."""
    it = iter(values)
    return lambda *a, **k: tf.constant(next(it))


def step(model, real):
    for m in model.metrics:
        m.reset_state()
    return {k: float(v) for k, v in model.train_step(tf.constant(real)).items()}


@pytest.mark.parametrize("case", ["forward32", "forward80"])
def test_forward(case):
    arrays, meta = fixtures.read("lis", case)
    z, real = arrays["input/z"], arrays["input/real"]
    with float64():
        for n in (1, 3):
            prefix = f"init/gen_n{n}"
            if not fixtures.prefixed(arrays, prefix):
                continue
            g = generator(meta, n)
            load(checkpoint_map.generator_entries(g.generator, g.lis_chain),
                 fixtures.prefixed(arrays, prefix))
            for k in range(n + 1):
                out = g.lis_forward(tf.constant(z), training=False, num_active=k)
                assert out["samples"].dtype == "float64"
                for i in range(k):
                    np.testing.assert_allclose(out["latents"][i],
                                               arrays[f"out/gen_n{n}_k{k}_latent{i + 1}"],
                                               rtol=0, atol=FORWARD_TOL)
                if f"out/gen_n{n}_k{k}" in arrays:
                    np.testing.assert_allclose((np.asarray(out["samples"]) + 1) / 2,
                                               arrays[f"out/gen_n{n}_k{k}"], rtol=0,
                                               atol=FORWARD_TOL)
        g = generator(meta)
        load(checkpoint_map.generator_entries(g), fixtures.prefixed(arrays, "init/gen_plain"))
        np.testing.assert_allclose((np.asarray(g(z)) + 1) / 2, arrays["out/gen_plain"],
                                   rtol=0, atol=FORWARD_TOL)
        d, r = discriminator(meta), reverser(meta, 0.1)
        load(checkpoint_map.encoder_entries(d, "score_conv"), fixtures.prefixed(arrays, "init/dis"))
        load(checkpoint_map.encoder_entries(r, "latent_conv"), fixtures.prefixed(arrays, "init/r"))
        x = 2 * real - 1
        np.testing.assert_allclose(tf.sigmoid(d(x)), arrays["out/dis"], rtol=0, atol=FORWARD_TOL)
        np.testing.assert_allclose(r(x, training=False), arrays["out/r"], rtol=0,
                                   atol=FORWARD_TOL)


def run_glis(arrays, meta):
    """Our G-LIS steps on the fixture's weights and draws; returns (entries, per-step logs)."""
    gan = GLIS(generator(meta, meta["lis_modules"]), discriminator(meta),
               lambda_r=meta["lambda_r"], latent_dim=meta["latent_dim"], seed=0)
    gan.compile(g_optimizer=rmsprop(meta), d_optimizer=rmsprop(meta))
    g = gan.generator
    entries = load_model(gan, arrays)
    zs = [z for pair in zip(arrays["input/z_d"], arrays["input/z_g"]) for z in pair]
    ks = [int(k) for pair in zip(arrays["draw/k_d"], arrays["draw/k_g"]) for k in pair]
    gan.sample_latent = take(zs)
    g.lis_chain.sample_num_active = take(np.asarray(ks, np.int32))
    logs = [step(gan, 2 * real - 1) for real in arrays["input/real"]]
    return entries, logs


def check_steps(entries, arrays):
    for role in entries:
        if not fixtures.prefixed(arrays, f"after/{role}"):  # frozen nets (R-separate's G, D)
            continue
        diff = max_weight_diff(entries[role], fixtures.prefixed(arrays, f"after/{role}"))
        assert diff <= STEP_TOL, (role, diff)


@pytest.mark.parametrize("case", ["glis32", "glis80"])
def test_glis_steps(case):
    arrays, meta = fixtures.read("lis", case)
    with float64():
        entries, logs = run_glis(arrays, meta)
        for t, log in enumerate(logs):
            assert log["d_loss"] == pytest.approx(
                arrays["loss/d_real"][t] + arrays["loss/d_fake"][t], abs=STEP_TOL)
            assert log["similarity"] == pytest.approx(arrays["loss/g_sim"][t], abs=STEP_TOL)
            assert log["g_loss"] == pytest.approx(
                arrays["loss/g_adv"][t] + arrays["loss/g_sim"][t], abs=STEP_TOL)
        check_steps(entries, arrays)


def test_glis_fixture_exercises_the_conventions():
    """The G-LIS fixture has K = 0 and K = N, and a module trained, skipped, trained again (where
    PyTorch's zero gradients keep decaying RMSprop's mean square: 2017 ``zero_grad``)."""
    arrays, meta = fixtures.read("lis", "glis32")
    g, n = [int(k) for k in arrays["draw/k_g"]], meta["lis_modules"]
    assert meta["steps"] >= 5 and 0 in g + [int(k) for k in arrays["draw/k_d"]] and n in g
    assert any(g[a] >= 1 and g[b] == 0 and g[c] >= 1 for a in range(len(g))
               for b in range(a + 1, len(g)) for c in range(b + 1, len(g)))
    assert meta["modern_zero_grad_drift"] > 1e3 * STEP_TOL  # the convention matters


def test_rseparate_steps():
    arrays, meta = fixtures.read("lis", "rsep32")
    with float64():
        g, d = generator(meta, meta["lis_modules"]), discriminator(meta)
        r = reverser(meta, meta["r_dropout"])
        model = RSeparate(g, d, r, latent_dim=meta["latent_dim"], seed=0)
        model.compile(r_optimizer=rmsprop(meta))
        entries = load_model(model, arrays)
        inject_masks(r, arrays, meta)
        model.sample_latent = take(arrays["input/z"])
        dummy = np.zeros((meta["batch"], meta["size"], meta["size"], 3))
        for t in range(meta["steps"]):
            log = step(model, dummy)
            for ours, theirs in (("r_loss", "r"), ("d_fake_loss", "d_fake"),
                                 ("d_fake_loss_refined", "d_fake_refined")):
                assert log[ours] == pytest.approx(arrays[f"loss/{theirs}"][t], abs=STEP_TOL), ours
        check_steps(entries, arrays)


def test_riterative_steps():
    arrays, meta = fixtures.read("lis", "riter32")
    n_r = meta["r_iterations"]
    with float64():
        g, d, r = generator(meta), discriminator(meta), reverser(meta, meta["r_dropout"])
        model = RIterative(g, d, r, iterations=n_r, lambda_r=meta["lambda_r"],
                           latent_dim=meta["latent_dim"], seed=0)
        model.compile(g_optimizer=rmsprop(meta), d_optimizer=rmsprop(meta),
                      r_optimizer=rmsprop(meta))
        entries = load_model(model, arrays)
        inject_masks(r, arrays, meta)
        model.sample_latent = take(arrays["input/z0"])
        flags = iter(arrays["draw/flags"])
        model.training_flags = lambda: [tf.constant(bool(f)) for f in next(flags)]
        for b in range(meta["batches"]):
            reals = arrays["input/real"][b]  # [N_R + 1, B, ...]; batch row j -> t = j % (N_R + 1)
            batch = reals.transpose(1, 0, 2, 3, 4).reshape((-1,) + reals.shape[2:])
            log = step(model, 2 * batch - 1)
            for t in range(n_r + 1):
                if not arrays["draw/flags"][b, t]:
                    continue
                assert log[f"g_loss_it{t}"] == pytest.approx(arrays["loss/g"][b, t], abs=STEP_TOL)
                assert log[f"d_loss_it{t}"] == pytest.approx(
                    arrays["loss/d_real"][b, t] + arrays["loss/d_fake"][b, t], abs=STEP_TOL)
            assert log["r_loss"] == pytest.approx(arrays["loss/r"][b, n_r], abs=STEP_TOL)
        assert arrays["draw/flags"].sum() < arrays["draw/flags"].size  # untrained iterations
        check_steps(entries, arrays)


def test_checkpoint_map_round_trip():
    """The authors' layout -> ours -> theirs is the identity."""
    arrays, meta = fixtures.read("lis", "forward32")
    with float64():
        g = generator(meta, 3)
        entries = checkpoint_map.generator_entries(g.generator, g.lis_chain)
        theirs = fixtures.prefixed(arrays, "init/gen_n3")
        load(entries, theirs)
        for name, entry in entries.items():
            back = checkpoint_map.to_theirs(entry, np.asarray(entry.variable), theirs[name].shape)
            np.testing.assert_array_equal(back, theirs[name])

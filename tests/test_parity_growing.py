"""Parity with the authors' growing code (eriksandstroem/Latent-Space-Growing-of-GANs @08b12dc).

The fixtures under ``tests/fixtures/parity/growing`` were written by ``python -m
parity.growing`` from the authors' own TF1 graphs (bGAN 8 px; clgGAN cycles 1 -> 2, 4 -> 8 px;
their three minibatch-stddev functions) in float64. Here our nets run under a float64 policy
with the authors' settings (``--preset=authors_code``: their init, their group size), their
weights mapped by ``checkpoint_map.tf1_name_map``, their z / reals / γ injected, and must
match: forward passes to 1e-10, weights after the WGAN-GP steps to 1e-8, losses to the float32
precision of ``losses.py`` / ``penalties.py`` (they cast to float32).
"""
import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from parity import fixtures
from tests.test_growing_cnn import set_schedule
from tfgan_latent.layers import MinibatchStddev
from tfgan_latent.papers.growing import checkpoint_map, cnn
from tfgan_latent.papers.growing.models import GrowingGAN

FORWARD = 1e-10
WEIGHTS = 1e-8
# bGAN with the authors' init starts with D features constant across the batch: gradients that
# are exactly 0 in exact arithmetic come out as float64 rounding noise (~1e-12, its size set by
# the summation order of each kernel), which Adam scales by lr / ε = 1e4 into the weights
# (measured: 1.9e-8 after 5 steps, oneDNN on). The bound is that gain on the noise.
WEIGHTS_CONSTANT_FEATURES = 1e-7
LOSS = 1e-6  # relative: the logged losses are float32 (Keras Mean trackers)


@contextlib.contextmanager
def float64():
    old = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(old)


def nets(arch, prev=None, group_size=None, beta_scope="authors"):
    return (cnn.build_generator(arch, prev, weight_init="authors", beta_scope=beta_scope),
            cnn.build_discriminator(arch, prev, weight_init="authors", group_size=group_size))


def load(g, d, arrays, prefix, names):
    for name, (layer, weight) in names.items():
        net = g if name.startswith("generator/") else d
        getattr(net.get_layer(layer), weight).assign(arrays[f"{prefix}/{name}"])


def ours(g, d, names):
    return {name: getattr((g if name.startswith("generator/") else d).get_layer(layer),
                          weight).numpy() for name, (layer, weight) in names.items()}


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def set_fade(g, d, alpha, beta, tau):
    for net in (g, d):
        set_schedule(net, alpha, beta, tau)


def check_forward(g, d, arrays, out, z, real):
    fake = g(z)
    assert max_diff(fake, arrays[f"{out}/g"]) <= FORWARD
    assert max_diff(d(real), arrays[f"{out}/d_real"]) <= FORWARD
    assert max_diff(d(fake), arrays[f"{out}/d_fake"]) <= FORWARD


def train(g, d, arch, arrays, draw, loss, steps, fade_steps=0, image_size=8):
    """Our train_step on their draws; returns the per-step logs."""
    gan = GrowingGAN(g, d, arch=arch, image_size=image_size, fade_steps=fade_steps,
                     latent_dim=arch.latent_dim, latent_normalization="batch", gp_weight=10.0)
    adam = lambda: keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.99, epsilon=1e-8)
    gan.compile(g_optimizer=adam(), d_optimizer=adam())
    current = {}
    gan.sample_latent = lambda batch: current["z"]
    gan.sample_uniform = lambda batch, rest_shape=(): current["gamma"]
    gan.discriminator_reals = lambda real, progress: real  # their reals are fed as D sees them
    logs = []
    for i in range(steps):
        current.update(z=tf.constant(arrays[f"{draw}/z{i}"]),
                       gamma=tf.constant(arrays[f"{draw}/gamma{i}"]))
        for tracker in gan.trackers.values():
            tracker.reset_state()  # the logs are running means: one step each
        out = gan.train_step(tf.constant(arrays[f"{draw}/real{i}"]))
        logs.append({k: float(v) for k, v in out.items()})
        np.testing.assert_allclose(out["d_loss"], arrays[f"{loss}/d"][i], rtol=LOSS, atol=1e-9)
        np.testing.assert_allclose(out["g_loss"], arrays[f"{loss}/g"][i], rtol=LOSS, atol=1e-9)
    return gan, logs


@pytest.fixture(scope="module")
def bgan():
    return fixtures.read("growing", "bgan")


@pytest.fixture(scope="module")
def clggan():
    return fixtures.read("growing", "clggan")


def test_bgan_forward_and_steps(bgan):
    arrays, meta = bgan
    with float64():
        arch = cnn.growth_plan("bgan", meta["image_size"], meta["latent_dim"], meta["top"])[0]
        names = checkpoint_map.tf1_name_map(arch)
        g, d = nets(arch, group_size=meta["group_size"])
        assert len(names) == len(g.trainable_weights) + len(d.trainable_weights)
        load(g, d, arrays, "init", names)
        check_forward(g, d, arrays, "out", arrays["draw/z0"], arrays["draw/real0"])
        train(g, d, arch, arrays, "draw", "loss", meta["steps"])
        after = ours(g, d, names)
    for name, value in after.items():
        assert max_diff(value, arrays[f"after/{name}"]) <= WEIGHTS_CONSTANT_FEATURES, name


def test_clggan_cycles_transfer_fades_and_steps(clggan):
    arrays, meta = clggan
    plan = cnn.growth_plan("clggan", meta["image_size"], meta["latent_dim"], meta["top"])
    arch1, arch2 = plan
    with float64():
        names1 = checkpoint_map.tf1_name_map(arch1)
        g1, d1 = nets(arch1)
        assert len(names1) == len(g1.trainable_weights) + len(d1.trainable_weights)
        load(g1, d1, arrays, "c1_init", names1)
        check_forward(g1, d1, arrays, "c1_out", arrays["c1_draw/z0"], arrays["c1_draw/real0"])
        train(g1, d1, arch1, arrays, "c1_draw", "c1_loss", meta["steps"][0])
        for name, value in ours(g1, d1, names1).items():
            assert max_diff(value, arrays[f"c1_after/{name}"]) <= WEIGHTS, name

        # transfer: their subGAN.load copies the old weights into the leading blocks (kernels
        # through float32); our transfer_weights must put the same values in the same places
        names2 = checkpoint_map.tf1_name_map(arch2, fading=True)
        source, index = {}, {}
        for name in names1:
            old = arrays[f"c1_after/{name}"]
            theirs = arrays[f"c2_init/{name}"]
            index[name] = old_block(name, old.shape, theirs.shape)
            source[name] = theirs[index[name]].reshape(old.shape)
            np.testing.assert_allclose(source[name], old, rtol=1e-7, atol=1e-12, err_msg=name)
        for name, (layer, weight) in names1.items():
            net = g1 if name.startswith("generator/") else d1
            getattr(net.get_layer(layer), weight).assign(source[name])
        g2, d2 = nets(arch2, arch1)
        assert len(names2) == len(g2.trainable_weights) + len(d2.trainable_weights)
        cnn.transfer_weights(g2, g1)
        cnn.transfer_weights(d2, d1)
        transferred = ours(g2, d2, names2)
        assert set(names1) <= set(names2)
        for name in names1:
            np.testing.assert_array_equal(transferred[name][index[name]],
                                          arrays[f"c2_init/{name}"][index[name]], err_msg=name)

        # fades: their new draws in, then α / β / τ
        load(g2, d2, arrays, "c2_init", names2)
        for tag in ("fade0", "fade1", "fade2"):
            set_fade(g2, d2, *arrays[f"c2_{tag}/abt"])
            check_forward(g2, d2, arrays, f"c2_{tag}", arrays["c2_draw/z0"],
                          arrays["c2_draw/real0"])
        set_fade(g2, d2, 0.0, 0.0, 0.0)
        # their 5 fading steps, p = 0, 1/4, 1/2, 3/4, 1 (α = β = p, τ = p / 2): our schedule
        # with fade_steps = 4 runs step i at p = i / 4, as the fixture's fades
        gan, logs = train(g2, d2, arch2, arrays, "c2_draw", "c2_loss", meta["steps"][1],
                          fade_steps=4)
        np.testing.assert_array_equal([log["fade"] for log in logs], arrays["c2_fades"][:, 0])
        np.testing.assert_array_equal(arrays["c2_fades"][:, 2], arrays["c2_fades"][:, 0] / 2)
        after = ours(g2, d2, names2)
    # g1's new biases are trained unscaled (their conv4x4's bias slice; beta_scope="authors"):
    # with them ×β the G weights depart by 2.8e-7 at p = 1/4 and 1e-4 after the 5 steps.
    for name, value in after.items():
        assert max_diff(value, arrays[f"c2_after/{name}"]) <= WEIGHTS, name


def test_g1_new_biases_unscaled_as_their_conv4x4():
    """Their ``conv4x4`` slices g1's ``C`` biases at ``16·C // 2`` (``biases[0:output_dim//2]``,
    ``output_dim = 16·C``), so ``biases_new`` is empty and no bias is ×β: ours with
    ``raw_bias=True`` (what ``beta_scope="authors"`` gives g1), against numpy."""
    from tfgan_latent.layers import BetaFadedLatentProjection
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 4))
    kernel, bias = rng.normal(size=(4, 16 * 6)), rng.normal(size=6)
    with float64():
        layer = BetaFadedLatentProjection(6, 4, old_input_dim=2, old_output_dim=3,
                                          initial_beta=0.25, raw_bias=True)
        layer.build(z.shape)
        layer.kernel.assign(kernel)
        layer.bias.assign(bias)
        out = layer(z).numpy()
    k = kernel.reshape(4, 4, 4, 6).copy()  # their partially_new_new and all_new blocks ×β
    k[:2, :, :, 3:] *= 0.25
    k[2:] *= 0.25
    want = (z @ k.reshape(4, -1)).reshape(3, 4, 4, 6) + bias  # every bias unscaled
    assert max_diff(out, want) <= 1e-12
    g = cnn.build_generator(cnn.growth_plan("clggan", 8, 16, 16)[1],
                            cnn.growth_plan("clggan", 8, 16, 16)[0], beta_scope="authors")
    assert g.get_layer("g1").raw_bias


def old_block(name, old_shape, new_shape):
    """Index of the pre-growth entries in a grown TF1 weight (their ``subGAN.load`` layout:
    old weights leading; d_std_h2's stddev input row stays last)."""
    if name.endswith("g_h1/kernel"):  # [z, 16 C] seen as [z, 4, 4, C]
        z_old, c_old = old_shape[0], old_shape[1] // 16
        rows = np.arange(z_old)[:, None, None, None]
        cells = np.arange(16).reshape(1, 4, 4, 1)
        cols = cells * (new_shape[1] // 16) + np.arange(c_old).reshape(1, 1, 1, c_old)
        return rows, cols.reshape(1, 4, 4, c_old)
    if len(old_shape) == 4:
        ins = np.arange(old_shape[2])
        if "d_std_h" in name:
            ins = np.concatenate([np.arange(old_shape[2] - 1), [new_shape[2] - 1]])
        return (slice(None), slice(None), ins[:, None], np.arange(old_shape[3])[None, :])
    return tuple(slice(0, n) for n in old_shape)


def test_minibatch_stddev_functions():
    arrays, _ = fixtures.read("growing", "mbstd")
    x = arrays["input/x"]
    with float64():
        group = MinibatchStddev(use_tau=False, group_size=4)(x)
        whole = MinibatchStddev(use_tau=False)(x)
        assert max_diff(group, arrays["out/group4"]) <= FORWARD
        assert max_diff(whole, arrays["out/whole"]) <= FORWARD
        for tau in (0.0, 0.3, 0.5):
            layer = MinibatchStddev(use_tau=True)
            layer.build(x.shape)
            layer.tau.assign(tau)
            assert max_diff(layer(x), arrays[f"out/tau{tau}"]) <= FORWARD
    # the authors' groups are not the whole batch (bGAN / lgGAN against bgGAN / cgGAN / clgGAN)
    assert max_diff(arrays["out/group4"], arrays["out/whole"]) > 1e-3


def test_authors_init_matches_their_draws():
    """``weight_init="authors"`` draws each kernel with the spread of the authors' (N(0, 2/(C·H·W))
    of the input map; g1 N(0, 2/C)): per layer, our std within sampling error of theirs."""
    arrays, meta = fixtures.read("growing", "bgan")
    arch = cnn.growth_plan("bgan", meta["image_size"], meta["latent_dim"], meta["top"])[0]
    keras.utils.set_random_seed(3)
    g, d = nets(arch, group_size=4)
    for name, (layer, weight) in checkpoint_map.tf1_name_map(arch).items():
        if weight != "kernel":
            continue
        theirs = arrays[f"init/{name}"]
        mine = getattr((g if name.startswith("generator/") else d).get_layer(layer), weight).numpy()
        ratio = mine.std() / theirs.std()
        assert abs(ratio - 1.0) < 6.0 / np.sqrt(theirs.size) + 0.05, (name, ratio)

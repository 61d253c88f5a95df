"""Parity with the authors' growing code (eriksandstroem/Latent-Space-Growing-of-GANs @08b12dc).

The fixtures under ``tests/fixtures/parity/growing`` were written by ``python -m
parity.growing`` from the authors' own TF1 graphs (bGAN 8 px; clgGAN and lgGAN cycles 1 -> 2,
4 -> 8 px; their three minibatch-stddev functions; the Swiss-roll MLP of ``Swiss_roll/gan``,
from scratch and grown 1 -> 2) in float64. Here our nets run under a float64 policy with the
authors' settings (``--preset=authors_code``: their init, their group size, TF1's RMSprop
accumulator), their weights mapped by name (``checkpoint_map.tf1_name_map``, ``lggan_name_map``,
``swiss_name_map``), their z / reals / γ injected, and must match: forward passes to 1e-10,
weights after the steps to 1e-8, losses to the float32 precision of the logged trackers.
``experiments/parity_growing_report.py`` runs these tests and prints the largest differences
they see (``MEASURED``) and the breaks they catch.
"""
import contextlib
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from parity import fixtures
from tests.test_growing_cnn import set_schedule
from tfgan_latent.layers import MinibatchStddev
from tfgan_latent.papers.growing import checkpoint_map, cnn, mlp, registration
from tfgan_latent.papers.growing.models import GrowingGAN
from tfgan_latent.train import presets, registry

FORWARD = 1e-10
WEIGHTS = 1e-8
# bGAN with the authors' init starts with D features constant across the batch: gradients that
# are exactly 0 in exact arithmetic come out as float64 rounding noise (~1e-12, its size set by
# the summation order of each kernel), which Adam scales by lr / ε = 1e4 into the weights
# (measured: 1.9e-8 after 5 steps, oneDNN on). The bound is that gain on the noise.
WEIGHTS_CONSTANT_FEATURES = 1e-7
LOSS = 1e-6  # relative: the logged losses are float32 (Keras Mean trackers)
# The Swiss-roll MLP's 100 RMSprop updates agree to ~1e-16 (no GP, no Adam β2^t): tighter than
# the issue's 1e-8, so that a float32 hyperparameter on either side fails (TF1's float32 lr /
# decay against exact float64 ones: 1e-9 after 2 iterations).
SWISS_WEIGHTS = 1e-12

# {case: {what: largest |ours - theirs| seen}}, filled as the tests compare (the case is the
# running test's); experiments/parity_growing_report.py runs the tests and prints it.
MEASURED = {}
_CASE = ["-"]


def case(name):
    _CASE[0] = name
    MEASURED.setdefault(name, {})


def measured(what, value):
    table = MEASURED.setdefault(_CASE[0], {})
    table[what] = max(table.get(what, 0.0), float(value))
    return value


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


def max_diff(a, b, what=None):
    """max |a - b|, noted in ``MEASURED`` under ``what`` (of the running case) if given."""
    diff = float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
    return diff if what is None else measured(what, diff)


def set_fade(g, d, alpha, beta, tau):
    for net in (g, d):
        set_schedule(net, alpha, beta, tau)


def check_forward(g, d, arrays, out, z, real):
    fake = g(z)
    assert max_diff(fake, arrays[f"{out}/g"], "forward G") <= FORWARD
    assert max_diff(d(real), arrays[f"{out}/d_real"], "forward D") <= FORWARD
    assert max_diff(d(fake), arrays[f"{out}/d_fake"], "forward D") <= FORWARD


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
        for key in ("d", "g"):
            theirs = arrays[f"{loss}/{key}"][i]
            measured("losses (relative)", abs(float(out[f"{key}_loss"]) / theirs - 1))
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
    case("bgan")
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
        assert max_diff(value, arrays[f"after/{name}"], "weights after the steps") \
            <= WEIGHTS_CONSTANT_FEATURES, name


def test_clggan_cycles_transfer_fades_and_steps(clggan):
    case("clggan")
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
            assert max_diff(value, arrays[f"c1_after/{name}"], "weights after cycle 1") \
                <= WEIGHTS, name

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
        assert max_diff(value, arrays[f"c2_after/{name}"], "weights after cycle 2") <= WEIGHTS, name


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


# ------------------------------------------------------------------------------- lgGAN
def lggan_name_map(arch, fading=False):
    """The authors' lgGAN names (``celebA/lgGAN/code/model_exact_pro.py``) on our lggan nets.

    G: as bGAN / clgGAN (``checkpoint_map.generator_map``). D: fromRGB ``d_h1_<L>``, the
    convs counted forwards ``d_h2`` .. ``d_h<L-1>`` (the 3x3 after the minibatch stddev)
    and ``d_h<L>`` (4x4 valid), ``d_out``; while fading, the previous fromRGB ``d_h1_<L-2>``.
    (Not in ``checkpoint_map``: ``tfgan-latent import`` maps bGAN and clgGAN only.)
    """
    layers = 2 * int(np.log2(arch.resolution // 4)) + 3
    names = checkpoint_map.generator_map(arch, fading)
    convs = [f"conv{s}{half}" for s in reversed(arch.resolutions[1:]) for half in "ab"]
    names.update({"discriminator/d_out/kernel": ("d1", "kernel"),
                  "discriminator/d_out/bias": ("d1", "bias")})
    pairs = [(f"d_h1_{layers}", "from_rgb")] + [
        (f"d_h{i}", ours) for i, ours in enumerate(convs + ["d3", "d2"], start=2)]
    if fading:
        pairs.append((f"d_h1_{layers - 2}", "from_rgb_old"))
    for theirs, ours in pairs:
        names.update({f"discriminator/{theirs}/w": (ours, "kernel"),
                      f"discriminator/{theirs}/biases": (ours, "bias")})
    return names


def authors_lggan_nets(arch, prev=None):
    """Our lggan nets with ``--preset=authors_code``'s settings (their init, their group size)."""
    values = presets.preset_values("lggan", "authors_code", "images")
    assert values["latent_normalization"] == "batch"  # the fixture's z: batch matrix / its norm
    return (cnn.build_generator(arch, prev, weight_init=values["weight_init"]),
            cnn.build_discriminator(arch, prev, weight_init=values["weight_init"],
                                    group_size=values.get("mbstd_group_size") or None))


def test_lggan_group_stddev_cycles_transfer_fade_and_steps():
    """lgGAN (ProGAN's strided groups of 4 in D's minibatch stddev; batch 8 = two groups):
    cycle 1 (4 px) forward and 2 steps; their ``subGAN.load`` (stage 'i') into cycle 2 (8 px)
    against our ``transfer_weights``; forward at α = 0, ½, 1; 5 steps with their α increments
    ``1/(3·batch_idxs)`` (α = 0, ⅓, ⅔, 1, 1: our ``fade_steps=3``)."""
    case("lggan")
    arrays, meta = fixtures.read("growing", "lggan")
    arch1, arch2 = cnn.growth_plan("lggan", meta["image_size"], meta["latent_dim"], meta["top"])
    with float64():
        names1 = lggan_name_map(arch1)
        g1, d1 = authors_lggan_nets(arch1)
        assert len(names1) == len(g1.trainable_weights) + len(d1.trainable_weights)
        load(g1, d1, arrays, "c1_init", names1)
        check_forward(g1, d1, arrays, "c1_out", arrays["c1_draw/z0"], arrays["c1_draw/real0"])
        train(g1, d1, arch1, arrays, "c1_draw", "c1_loss", meta["steps"][0], image_size=4)
        for name, value in ours(g1, d1, names1).items():
            assert max_diff(value, arrays[f"c1_after/{name}"], "weights after cycle 1") \
                <= WEIGHTS, name

        # transfer: their load restores every old tensor unchanged (D's renumbered +2, the
        # old toRGB / fromRGB kept for the fade); the new resolution's layers are new draws
        names2 = lggan_name_map(arch2, fading=True)
        load(g1, d1, arrays, "c1_after", names1)  # theirs exactly, as their Saver wrote it
        g2, d2 = authors_lggan_nets(arch2, arch1)
        assert len(names2) == len(g2.trainable_weights) + len(d2.trainable_weights)
        cnn.transfer_weights(g2, g1)
        cnn.transfer_weights(d2, d1)
        new_layers = {"conv8a", "conv8b", "to_rgb", "from_rgb"}
        transferred = 0
        for name, value in ours(g2, d2, names2).items():
            if names2[name][0] not in new_layers:
                np.testing.assert_array_equal(value, arrays[f"c2_init/{name}"], err_msg=name)
                transferred += 1
        assert transferred == len(names1)

        load(g2, d2, arrays, "c2_init", names2)
        for tag in ("fade0", "fade1", "fade2"):
            alpha = float(arrays[f"c2_{tag}/alpha"])
            set_fade(g2, d2, alpha, alpha, 0.0)
            check_forward(g2, d2, arrays, f"c2_{tag}", arrays["c2_draw/z0"],
                          arrays["c2_draw/real0"])
        set_fade(g2, d2, 0.0, 0.0, 0.0)
        _, logs = train(g2, d2, arch2, arrays, "c2_draw", "c2_loss", meta["steps"][1],
                        fade_steps=meta["fade_steps"])
        # the logged α is a float32 tracker's; the nets' α is float64 (fade_progress)
        np.testing.assert_allclose([log["fade"] for log in logs], arrays["c2_fades"], rtol=LOSS)
        after = ours(g2, d2, names2)
    for name, value in after.items():
        assert max_diff(value, arrays[f"c2_after/{name}"], "weights after cycle 2") <= WEIGHTS, name


# ------------------------------------------------------------------ Swiss-roll MLP (§7.1)
SWISS_RUN = types.SimpleNamespace(dataset="swiss_roll", steps=5, seed=0, execution_steps=1)


def swiss_name_map(num_layers):
    """``GAN/Generator/h1/kernel`` .. ``GAN/Discriminator/out/bias`` (their ``tf.layers.dense``
    names in ``gan.py``) -> (net, our layer, weight)."""
    names = {}
    for net, theirs in (("generator", "Generator"), ("discriminator", "Discriminator")):
        for layer in [f"h{i}" for i in range(1, num_layers + 1)] + ["out"]:
            for weight in ("kernel", "bias"):
                names[f"GAN/{theirs}/{layer}/{weight}"] = (net, layer, weight)
    return names


def tf1_constant(value):
    """A Python-float hyperparameter as TF1 applies it in a float64 graph: through a float32
    tensor (``ops.convert_to_tensor(0.001)``), then cast to the variable's dtype."""
    return float(np.float32(value))


def swiss_gan(meta, grow):
    """``--model=mlp_growing --preset=authors_code`` built by the registry at the fixture's
    settings. TF1 hands RMSprop its Python-float lr / decay / ε through float32 tensors (cast
    to the variables' float64), so ours gets the same float32-rounded values here."""
    spec = registry.get_model_spec("mlp_growing")
    values = presets.preset_values("mlp_growing", "authors_code", "points")
    rms = meta["rmsprop"]
    f32 = tf1_constant
    layers, units = (int(n) for n in meta["arch"].split("."))  # their --arch layers.units
    cfg = spec.config_cls(**{**values, "lr": f32(rms["lr"]), "rho": f32(rms["decay"]),
                             "epsilon": f32(rms["epsilon"]), "mlp_units": units,
                             "mlp_layers": layers, "grow": grow,
                             "grow_at": float(meta["iterations"][0]) if grow else 0.5,
                             "d_updates": meta["updates"][0], "g_updates": meta["updates"][1]})
    gan = registration.build_mlp_growing(SWISS_RUN, cfg)
    return gan, layers


def swiss_weights(gan, names):
    nets = {"generator": gan.generator, "discriminator": gan.discriminator}
    return {name: getattr(nets[net].get_layer(layer), weight)
            for name, (net, layer, weight) in names.items()}


def meta_batch(arrays, draw):
    return arrays[f"{draw}/z0"].shape[0]


def swiss_train(gan, arrays, draw, loss, steps, pad=None):
    """Our ``train_step`` (10 D then 10 G updates) on their reals and z; ``pad``: z columns
    appended for a G that takes more latents than theirs (ignored before the growth)."""
    z_in = tf.Variable(tf.zeros((meta_batch(arrays, draw), gan.latent_dim), tf.float64))
    gan.sample_latent = lambda batch: z_in.value()  # read when the compiled step runs
    step = tf.function(gan.train_step, autograph=False)  # 10 + 10 updates: tf.while_loops
    for i in range(steps):
        z = arrays[f"{draw}/z{i}"]
        if pad is not None:
            z = np.concatenate([z, pad[i]], axis=1)
        z_in.assign(z)
        for tracker in gan.trackers.values():
            tracker.reset_state()
        out = step(tf.constant(arrays[f"{draw}/real{i}"]))
        # the logs hold the last update's losses (their 10th sess.run of each)
        for key in ("d", "g"):
            theirs = arrays[f"{loss}/{key}"][i][-1]
            measured("losses (relative)", abs(float(out[f"{key}_loss"]) / theirs - 1))
        np.testing.assert_allclose(out["d_loss"], arrays[f"{loss}/d"][i][-1], rtol=LOSS)
        np.testing.assert_allclose(out["g_loss"], arrays[f"{loss}/g"][i][-1], rtol=LOSS)


def check_swiss_forward(gan, arrays, out, z, real):
    fake = gan.generator(z)
    assert max_diff(fake, arrays[f"{out}/g"], "forward G") <= FORWARD
    assert max_diff(gan.discriminator(real), arrays[f"{out}/d_real"], "forward D") <= FORWARD
    assert max_diff(gan.discriminator(fake), arrays[f"{out}/d_fake"], "forward D") <= FORWARD


def test_swiss_roll_mlp_forward_and_steps():
    """``gan.py --arch 4.32 --l ns --opt rms --zdim 2`` from scratch: forward, then 5
    iterations of 10 D + 10 G RMSprop updates (TF1's accumulator start 1)."""
    case("swiss_roll")
    arrays, meta = fixtures.read("growing", "swiss_roll")
    with float64():
        gan, layers = swiss_gan({**meta, "iterations": [meta["iterations"]]}, grow=False)
        names = swiss_name_map(layers)
        weights = swiss_weights(gan, names)
        assert len(weights) == len(gan.generator.trainable_weights) + len(
            gan.discriminator.trainable_weights)
        for name, variable in weights.items():
            variable.assign(arrays[f"init/{name}"])
        check_swiss_forward(gan, arrays, "out", arrays["draw/z0"], arrays["draw/real0"])
        swiss_train(gan, arrays, "draw", "loss", meta["iterations"])
        after = {name: v.numpy() for name, v in weights.items()}
    for name, value in after.items():
        assert max_diff(value, arrays[f"after/{name}"], "weights after the steps") \
            <= SWISS_WEIGHTS, name


def test_swiss_roll_mlp_grown_one_to_two():
    """``gan.py --zdim 1`` for 2 iterations, then ``restore_and_retrain.py --init z`` (h1's
    kernel gets a zero row, everything else kept, new RMSprop for G and D) and 3 iterations;
    ours: one ``MLPGrowingGAN`` with ``growth_step=2``."""
    case("swiss_roll_grown")
    arrays, meta = fixtures.read("growing", "swiss_roll_grown")
    before, grown = meta["iterations"]
    rng = np.random.default_rng(0)
    with float64():
        gan, layers = swiss_gan(meta, grow=True)
        assert int(gan.growth_step.numpy()) == before
        names = swiss_name_map(layers)
        weights = swiss_weights(gan, names)
        h1 = "GAN/Generator/h1/kernel"
        for name, variable in weights.items():
            value = arrays[f"c1_init/{name}"]
            if name == h1:  # their [1, 32] kernel; our new z_2 row stays as built (§6.1: 0)
                value = np.concatenate([value, variable.numpy()[1:]])
            variable.assign(value)
        # before the growth G ignores z_2: any values there (here random) change nothing
        pad = rng.uniform(-1, 1, size=(before, meta["batch"], 1))
        z0 = np.concatenate([arrays["c1_draw/z0"], pad[0]], axis=1)
        check_swiss_forward(gan, arrays, "c1_out", z0, arrays["c1_draw/real0"])
        swiss_train(gan, arrays, "c1_draw", "c1_loss", before, pad=pad)
        for name, variable in weights.items():
            want = arrays[f"c1_after/{name}"]
            got = variable.numpy()[:1] if name == h1 else variable.numpy()
            assert max_diff(got, want, "weights after cycle 1") <= SWISS_WEIGHTS, name
        # their growth (h1 = [old kernel; 0], old bias, D and G h2.. restored) is our state now
        for name, variable in weights.items():
            assert max_diff(variable.numpy(), arrays[f"c2_init/{name}"], "grown weights") \
                <= SWISS_WEIGHTS, name
        np.testing.assert_array_equal(weights[h1].numpy()[1:], 0.0)
        gan.growing_layer.beta.assign(1.0)  # what the growth step switches on
        check_swiss_forward(gan, arrays, "c2_out", arrays["c2_draw/z0"], arrays["c2_draw/real0"])
        gan.growing_layer.beta.assign(0.0)
        gan.step.assign(before)
        swiss_train(gan, arrays, "c2_draw", "c2_loss", grown)
        assert float(gan.growing_layer.beta.numpy()) == 1.0
        after = {name: v.numpy() for name, v in weights.items()}
    for name, value in after.items():
        assert max_diff(value, arrays[f"c2_after/{name}"], "weights after cycle 2") \
            <= SWISS_WEIGHTS, name


def test_swiss_roll_init_matches_their_draws():
    """Our MLP's default init against their ``tf.layers.dense`` draws (``gan.py``; the thesis
    does not say): Glorot-uniform kernels, per layer the same spread (std within sampling error)
    and the same support ``|w| <= sqrt(6 / (fan_in + fan_out))``, biases 0."""
    arrays, meta = fixtures.read("growing", "swiss_roll")
    layers, units = (int(n) for n in meta["arch"].split("."))
    keras.utils.set_random_seed(3)
    nets = {"generator": mlp.swiss_roll_generator(2, None, units, layers),
            "discriminator": mlp.swiss_roll_discriminator(units, layers)}
    for name, (net, layer, weight) in swiss_name_map(layers).items():
        theirs = arrays[f"init/{name}"]
        mine = getattr(nets[net].get_layer(layer), weight).numpy()
        if weight == "bias":
            assert not mine.any() and not theirs.any(), name
            continue
        limit = np.sqrt(6.0 / sum(theirs.shape))
        assert np.abs(theirs).max() <= limit and np.abs(mine).max() <= limit, name
        assert np.abs(mine).max() > 0.8 * limit, name  # uniform up to the limit, not a normal
        ratio = mine.std() / theirs.std()
        assert abs(ratio - 1.0) < 6.0 / np.sqrt(theirs.size) + 0.05, (name, ratio)

"""``tfgan-latent import`` on checkpoints the authors' code wrote (parity harness fixtures).

``tests/fixtures/parity/lis/import/``: ``last_gen.pt`` / ``last_dis.pt`` of a float32 G-LIS run
(N = 1, 32 px, N_z 16, nfeature 8, 3 steps) saved as the LIS code's ``save_state`` saves them,
the same G in torch's legacy format, and the authors' G(z) and D(G(z)) for fixed z.
"""
import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from parity import fixtures
from tests.helpers import tiny_run
from tfgan_latent.papers.lis import checkpoint_map
from tfgan_latent.train import evaluate, importer, presets, registry, runner

IMPORT = fixtures.ROOT / "lis" / "import"
PREFIX = IMPORT / "last"


def lis_run(tmp_path, **model):
    run_cfg = tiny_run(tmp_path, model="glis", dataset="shapes", image_size=32, steps=4,
                       batch_size=4, checkpoint_every=1, sample_every=4, log_every=1)
    model = {"latent_dim": 16, "nfeature": 8, "lis_modules": 1, **model}
    return run_cfg, runner.resolve_model_config(run_cfg, model)


def test_torch_reader_zip_and_legacy_agree():
    zipped, legacy = importer.read_torch(f"{PREFIX}_gen.pt"), importer.read_torch(IMPORT / "legacy_gen.pt")
    assert list(zipped) == list(legacy)
    assert "lis_layers.0.lis.0-1.linear.weight" in zipped
    for name in zipped:
        assert zipped[name].dtype == np.float32
        np.testing.assert_array_equal(zipped[name], legacy[name])
    assert importer.read_torch(f"{PREFIX}_state.pt")["current_iter"] == 3


def test_torch_reader_refuses_other_objects(tmp_path):
    path = tmp_path / "evil.pt"
    legacy = [0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}]
    path.write_bytes(b"".join(pickle.dumps(x) for x in legacy) + pickle.dumps(pytest.approx))
    with pytest.raises(pickle.UnpicklingError, match="is not a tensor or a dict"):
        importer.read_torch(path)


def test_import_lis_checkpoint_restores_evaluates_and_resumes(tmp_path):
    run_cfg, model_cfg = lis_run(tmp_path)
    result = importer.import_checkpoint(PREFIX, run_cfg, model_cfg)
    assert result["step"] == 3 and result["tensors"] == {"gen": 16, "dis": 12}
    expected = np.load(IMPORT / "expected.npz")
    _, _, gan, _, restored = runner.restore_latest(run_cfg, model_cfg, tmp_path / "run" / "checkpoints")
    assert restored.endswith("-3") and int(gan.step.numpy()) == 3
    images = gan.generator(tf.constant(expected["z"]), training=False)
    np.testing.assert_allclose((images.numpy() + 1) / 2, expected["images"], rtol=0, atol=2e-6)
    np.testing.assert_allclose(tf.sigmoid(gan.discriminator(images)), expected["d"], rtol=0,
                               atol=2e-6)
    # resume: `train` continues the imported run (step 3 -> 4) and exports it
    out = runner.train(run_cfg, model_cfg)
    assert out["step"] == 4 and "export" in out


def test_import_with_a_weight_average_starts_it_at_the_imported_generator(tmp_path):
    run_cfg, model_cfg = lis_run(tmp_path, ema_decay=0.999)
    importer.import_checkpoint(PREFIX, run_cfg, model_cfg)
    _, _, gan, _, _ = runner.restore_latest(run_cfg, model_cfg, tmp_path / "run" / "checkpoints")
    pairs = gan.average_pairs()
    assert pairs and len(pairs) == len(gan.generator_variables)
    theirs = importer.read_torch(f"{PREFIX}_gen.pt")
    for average, live in pairs:
        np.testing.assert_array_equal(average.numpy(), live.numpy())
    # the live weights are theirs (not the random initial ones the average began at)
    entries = checkpoint_map.model_entries(gan)["gen"]
    name = next(iter(theirs))
    np.testing.assert_array_equal(entries[name].variable.numpy(),
                                  checkpoint_map.to_ours(entries[name], theirs[name]))


def test_imported_run_continues_as_the_authors_run(tmp_path):
    """With the optimizer states imported, our next step equals their 4th (float32 both; their
    RMSprop: lr 2^-12, alpha 0.9, eps 1e-6)."""
    run_cfg, model_cfg = lis_run(tmp_path, lr=2.0**-12)
    assert importer.import_checkpoint(PREFIX, run_cfg, model_cfg)["optimizer_states"] == \
        ["gen", "dis"]
    expected = np.load(IMPORT / "expected.npz")
    _, _, gan, _, _ = runner.restore_latest(run_cfg, model_cfg, tmp_path / "run" / "checkpoints")
    entries = checkpoint_map.model_entries(gan)
    their_opt = importer.read_torch(f"{PREFIX}_gen_opt.pt")["state"]
    name = list(importer.read_torch(f"{PREFIX}_gen.pt"))[0]
    np.testing.assert_array_equal(gan.g_optimizer.velocity(entries["gen"][name].variable),
                                  checkpoint_map.to_ours(entries["gen"][name],
                                                         their_opt[0]["square_avg"]))
    assert int(gan.g_optimizer.iterations.numpy()) == 3
    draws = iter([expected["step4/z_d"], expected["step4/z_g"]])
    gan.sample_latent = lambda batch: tf.constant(next(draws), tf.float32)
    ks = iter([expected["step4/k_d"], expected["step4/k_g"]])
    gan.generator.lis_chain.sample_num_active = lambda: tf.constant(int(next(ks)), tf.int32)
    gan.train_step(tf.constant(2 * expected["step4/real"] - 1, tf.float32))
    for role, names in entries.items():
        for name, entry in names.items():
            np.testing.assert_allclose(
                entry.variable.numpy(),
                checkpoint_map.to_ours(entry, expected[f"after/{role}/{name}"]), rtol=0, atol=1e-6,
                err_msg=name)


def test_import_errors_name_the_tensors(tmp_path):
    run_cfg, model_cfg = lis_run(tmp_path, latent_dim=8)
    with pytest.raises(ValueError, match=r"initial_linear.0.weight has shape \(512, 16\)"):
        importer.import_checkpoint(PREFIX, run_cfg, model_cfg)
    run_cfg, model_cfg = lis_run(tmp_path / "b", lis_modules=2)
    with pytest.raises(ValueError, match=r"missing tensors .*lis_layers.1.lis.1-1.linear.weight"):
        importer.import_checkpoint(PREFIX, run_cfg, model_cfg)
    run_cfg, model_cfg = lis_run(tmp_path / "c", lis_modules=0)
    with pytest.raises(ValueError, match=r"unknown tensors .*lis_layers.0.lis.0-1.act.bias"):
        importer.import_checkpoint(PREFIX, run_cfg, model_cfg)
    with pytest.raises(ValueError, match="nothing_gen.pt is missing"):
        importer.import_checkpoint(IMPORT / "nothing", run_cfg, model_cfg)
    (tmp_path / "c" / "run").mkdir(parents=True, exist_ok=True)
    (tmp_path / "c" / "run" / "x").write_text("")
    with pytest.raises(ValueError, match="--out=.* is not empty"):
        importer.import_checkpoint(PREFIX, run_cfg, model_cfg)


# ------------------------------------------------------------------------------------ RFGAN
# tests/fixtures/parity/rfgan/checkpoint/: the Saver checkpoint of the authors' RFGAN.py
# (depth 2, z 8, 64 px, float32) after one AE, one D and one G update (parity/rfgan.py). The
# references below are their own graph's formulas (ops.py, models/RFGAN.py) written here with
# tf.nn on the checkpoint's arrays, read with tf.train.load_checkpoint: not our map.
RFGAN = fixtures.ROOT / "rfgan" / "checkpoint"
RF_PREFIX = RFGAN / "RFGAN.model-1"
# float32 forward passes of two codes, against the reference's largest value (G 0.03, the AE
# 0.013, D's logits 1.7 here): measured ≤ 4.3e-7 of it (7.5e-9, 6.5e-9, 4.8e-7) with oneDNN off,
# on, and on at AVX2 (AMD EPYC); skipping the −b of G's moving means moves G by 8.5e-5, a bias
# added 4 times instead of twice moves the AE by 7.7e-6.
RF_OUT = 5e-6


def assert_close(ours, reference):
    reference = np.asarray(reference)
    np.testing.assert_allclose(ours, reference, rtol=0, atol=RF_OUT * np.abs(reference).max())


def theirs_rfgan(prefix=RF_PREFIX):
    reader = tf.train.load_checkpoint(str(prefix))
    return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}


def authors_run(tmp_path, model, steps=1, **over):
    """``model`` at the fixture's sizes with ``--preset=authors_code`` (as the CLI applies it)."""
    spec = registry.get_model_spec(model)
    run_cfg = tiny_run(tmp_path, model=model, dataset="shapes", image_size=64, steps=steps,
                       batch_size=4, checkpoint_every=1, sample_every=steps, log_every=1)
    names = {f.name for f in dataclasses.fields(spec.config_cls)}
    values = {k: v for k, v in presets.preset_values(model, "authors_code", "images").items()
              if k in names}
    sizes = {"width": 2} if model == "dae" else {"width": 2, "latent_dim": 8, "g_top_width": 32}
    return run_cfg, runner.resolve_model_config(run_cfg, {**values, **sizes, **over})


def their_bn(x, t, scope):
    """ops.bn in inference (tf.contrib batch_norm: moving statistics, ε 1e-5)."""
    return (x - t[f"{scope}/moving_mean"]) / np.sqrt(t[f"{scope}/moving_variance"] + 1e-5) \
        * t[f"{scope}/gamma"] + t[f"{scope}/beta"]


def their_batch_bn(x, t, scope):
    """ops.bn in training mode (their D always): batch moments, biased variance."""
    mean, var = tf.nn.moments(x, [0, 1, 2])
    return (x - mean) / tf.sqrt(var + 1e-5) * t[f"{scope}/gamma"] + t[f"{scope}/beta"]


def their_conv(x, t, scope, stride=2):
    """ops.conv2d: SAME conv, then its bias added twice (``conv + b``, then ``bias_add``)."""
    y = tf.nn.conv2d(x, t[f"{scope}/w"], stride, "SAME")
    return y + 2 * t[f"{scope}/biases"]


def their_deconv(x, t, scope):
    """ops.deconv2d: conv2d_transpose to twice the size, then its bias (once)."""
    w = t[f"{scope}/w"]
    shape = [x.shape[0], 2 * x.shape[1], 2 * x.shape[2], w.shape[2]]
    return tf.nn.conv2d_transpose(x, w, shape, 2) + t[f"{scope}/biases"]


def lrelu(x):
    return tf.maximum(x, 0.2 * x)


def their_generator(t, z):
    """RFGAN.generator(is_training=False): linear, then BN + ReLU after each deconv, tanh."""
    net = tf.reshape(z @ t["generator/ge_fc_0/Matrix"] + t["generator/ge_fc_0/bias"],
                     [len(z), 4, 4, -1])
    net = tf.nn.relu(their_bn(net, t, "generator/ge_bn0"))
    for i in (1, 2, 3):
        net = tf.nn.relu(their_bn(their_deconv(net, t, f"generator/ge_dc{i}"), t,
                                  f"generator/ge_bn{i}"))
    return tf.tanh(their_deconv(net, t, "generator/ge_dc4"))


def their_encoder(t, x):
    """RFGAN.encoder(is_training=False): (code, the representative feature)."""
    net = lrelu(their_conv(x, t, "encoder/en_conv1"))
    for i in (2, 3, 4):
        net = lrelu(their_bn(their_conv(net, t, f"encoder/en_conv{i}"), t, f"encoder/en_bn{i}"))
    return their_conv(net, t, "encoder/en_conv5", 1), net


def their_reconstruction(t, x):
    """De_test: decoder(encoder(x)) in inference."""
    net = tf.nn.relu(their_bn(their_conv(their_encoder(t, x)[0], t, "decoder/de_dc0", 1), t,
                              "decoder/de_bn0"))
    for i in (1, 2, 3):
        net = tf.nn.relu(their_bn(their_deconv(net, t, f"decoder/de_dc{i}"), t, f"decoder/de_bn{i}"))
    return their_deconv(net, t, "decoder/de_dc4")


def their_rf_logits(t, x):
    """RFGAN.discriminator(x, E(x)) in training mode: D's last block beside E's, one linear."""
    net = lrelu(their_conv(x, t, "discriminator/disc_conv1"))
    for i in (2, 3, 4):
        net = lrelu(their_batch_bn(their_conv(net, t, f"discriminator/disc_conv{i}"), t,
                                   f"discriminator/disc_bn{i}"))
    net = tf.reshape(tf.concat([net, their_encoder(t, x)[1]], 3), [len(x), -1])
    return net @ t["discriminator/disc_out_logit/Matrix"] + t["discriminator/disc_out_logit/bias"]


def our_d_variable(gan, their_name):
    """Our variable of their D tensor (RFGAN.py scopes -> our trunk layers and RF head)."""
    scope, weight = their_name.split("/")[1:3]
    d = gan.discriminator
    if scope == "disc_out_logit":
        return {"Matrix": d.head.kernel, "bias": d.head.bias}[weight]
    i = int(scope[-1]) - 1
    layer = d.trunk.get_layer(f"conv{i}" if "conv" in scope else f"conv{i}_norm")
    return getattr(layer, {"w": "kernel", "biases": "bias"}.get(weight, weight))


def adam_steps(power, beta):
    """TF1 Adam's beta1_power after t updates is β^(t+1)."""
    return int(round(np.log(power) / np.log(beta))) - 1


def import_rfgan_pair(tmp_path, **gan_over):
    """The dae import, then a dcgan --rf import whose encoder comes from that run."""
    dae_run, dae_cfg = authors_run(tmp_path / "dae", "dae")
    dae = importer.import_checkpoint(RFGAN, dae_run, dae_cfg)  # the folder: its state file
    gan_run, gan_cfg = authors_run(tmp_path / "gan", "dcgan", steps=2, rf=True,
                                   encoder_from=dae["out"], **gan_over)
    return dae, (dae_run, dae_cfg), importer.import_checkpoint(RF_PREFIX, gan_run, gan_cfg), \
        (gan_run, gan_cfg)


def test_import_rfgan_dae_and_rf_gan_match_their_graph(tmp_path):
    t = theirs_rfgan()
    dae, (dae_run, dae_cfg), gan, (gan_run, gan_cfg) = import_rfgan_pair(tmp_path)
    assert dae["step"] == adam_steps(t["beta1_power"], 0.5) == 1
    assert dae["optimizer_states"] == ["autoencoder"] and Path(dae["files"]["encoder"]).exists()
    assert gan["step"] == adam_steps(t["beta1_power_2"], 0.5) == 1
    assert gan["optimizer_states"] == ["discriminator", "generator"]
    assert "dcgan/discriminator/disc_out_logit/Matrix" in gan["ignored"][""]  # the harness's D
    rng = np.random.default_rng(0)
    z = rng.uniform(-1, 1, (4, 8)).astype(np.float32)
    x = rng.uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)

    _, _, model, _, restored = runner.restore_latest(dae_run, dae_cfg,
                                                     tmp_path / "dae" / "run" / "checkpoints")
    assert restored.endswith("-1") and int(model.optimizer.iterations.numpy()) == 1
    assert_close(model(x, training=False), their_reconstruction(t, x))

    _, _, gan_model, _, _ = runner.restore_latest(gan_run, gan_cfg,
                                                  tmp_path / "gan" / "run" / "checkpoints")
    assert_close(gan_model.generator(z, training=False), their_generator(t, z))
    assert_close(gan_model.discriminator(x, training=True), their_rf_logits(t, x))
    # Adam: m is <name>/Adam, v <name>/Adam_1; the step count from beta1_power
    d_opt, g_opt = gan_model.d_optimizer, gan_model.g_optimizer
    for name in [n for n in t if n.startswith("discriminator/") and n.count("/") == 2
                 and "moving" not in n]:
        variable = our_d_variable(gan_model, name)
        index = d_opt._get_variable_index(variable)
        np.testing.assert_array_equal(d_opt._momentums[index], t[f"{name}/Adam"], err_msg=name)
        np.testing.assert_array_equal(d_opt._velocities[index], t[f"{name}/Adam_1"], err_msg=name)
    kernel = gan_model.generator.get_layer("to_image").kernel
    index = g_opt._get_variable_index(kernel)
    np.testing.assert_array_equal(g_opt._momentums[index], t["generator/ge_dc4/w/Adam"])
    np.testing.assert_array_equal(g_opt._velocities[index], t["generator/ge_dc4/w/Adam_1"])
    assert int(g_opt.iterations.numpy()) == adam_steps(t["beta1_power_1"], 0.5)
    assert int(d_opt.iterations.numpy()) == adam_steps(t["beta1_power_2"], 0.5)

    # resume: `train` continues the imported run (1 -> 2) and exports it; `sample` reads it
    out = runner.train(gan_run, gan_cfg)
    assert out["step"] == 2 and "export" in out
    png = evaluate.sample(out["out"], num=4, out=tmp_path / "s.png")
    assert Path(png).stat().st_size > 0


def test_import_rfgan_into_bias_once_convs_doubles_the_bias(tmp_path):
    """A plain conv (``--conv_bias_twice=false``) takes 2b; Adam's state of b is not that of 2b,
    so no optimizer state is imported then."""
    t = theirs_rfgan()
    _, _, gan, (gan_run, gan_cfg) = import_rfgan_pair(tmp_path, conv_bias_twice=False)
    assert gan["optimizer_states"] == [] and gan["step"] == 1
    _, _, model, _, _ = runner.restore_latest(gan_run, gan_cfg,
                                              tmp_path / "gan" / "run" / "checkpoints")
    np.testing.assert_array_equal(
        our_d_variable(model, "discriminator/disc_conv1/biases"),
        2 * t["discriminator/disc_conv1/biases"])
    np.testing.assert_array_equal(  # behind BN: the same moving mean shift
        our_d_variable(model, "discriminator/disc_conv2/biases"),
        2 * t["discriminator/disc_conv2/biases"])
    x = np.random.default_rng(1).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
    assert_close(model.discriminator(x, training=True), their_rf_logits(t, x))


def write_tf1(prefix, arrays):
    """A TF1 Saver-format checkpoint of ``{name: array}`` (what tf.train.Saver writes)."""
    names = sorted(arrays)
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(arrays[n]) for n in names])
    return prefix


def test_import_rfgan_errors_name_the_tensors(tmp_path):
    t = theirs_rfgan()
    run_cfg, cfg = authors_run(tmp_path / "a", "dae")
    dae = importer.import_checkpoint(RF_PREFIX, run_cfg, cfg)
    run_cfg, cfg = authors_run(tmp_path / "b", "dcgan")  # no --rf: D's head has no E half
    with pytest.raises(ValueError, match=r"disc_out_logit/Matrix has shape \(512, 1\)"):
        importer.import_checkpoint(RF_PREFIX, run_cfg, cfg)
    run_cfg, cfg = authors_run(tmp_path / "c", "dcgan", rf=True, encoder_from=dae["out"],
                               g_project_bias=False)
    with pytest.raises(ValueError, match=r"unknown tensors .*generator/ge_fc_0/bias"):
        importer.import_checkpoint(RF_PREFIX, run_cfg, cfg)
    run_cfg, cfg = authors_run(tmp_path / "d", "dcgan", rf=True, encoder_from=dae["out"],
                               latent_dim=16)
    with pytest.raises(ValueError, match=r"ge_fc_0/Matrix has shape \(8, 512\)"):
        importer.import_checkpoint(RF_PREFIX, run_cfg, cfg)
    broken = {k: v for k, v in t.items() if k != "generator/ge_dc2/biases"}
    broken["generator/ge_dc5/w"] = np.zeros((5, 5, 3, 3), np.float32)
    prefix = write_tf1(tmp_path / "broken" / "model-1", broken)
    run_cfg, cfg = authors_run(tmp_path / "e", "dcgan", rf=True, encoder_from=dae["out"])
    with pytest.raises(ValueError, match=r"unknown tensors .*generator/ge_dc5/w.*missing tensors"
                                         r" .*generator/ge_dc2/biases"):
        importer.import_checkpoint(prefix, run_cfg, cfg)
    run_cfg, cfg = authors_run(tmp_path / "f", "dae", dae_layout="paper")
    with pytest.raises(ValueError, match=r"our variables .*decoder/project/kernel have no tensor"):
        importer.import_checkpoint(RF_PREFIX, run_cfg, cfg)


# ---------------------------------------------------------------------------------- growing
# tests/fixtures/parity/growing/checkpoint/: the authors' clgGAN cycle 1 (4 px, z 8, 8 channels;
# float32) saved by their Saver after 2 steps (parity/growing.py). Their names, as their
# clgGAN model.py builds cycle 1, next to our layers (written here, not the library's map):
GROWING = fixtures.ROOT / "growing" / "checkpoint"
CLGGAN_CYCLE1 = {"generator/g_h1/kernel": ("g", "g1", "kernel"),
                 "generator/g_h1/biases": ("g", "g1", "bias"),
                 "generator/g_h2/w": ("g", "g2", "kernel"), "generator/g_h2/biases": ("g", "g2", "bias"),
                 "generator/g_out2/w": ("g", "to_rgb", "kernel"),
                 "generator/g_out2/biases": ("g", "to_rgb", "bias"),
                 "discriminator/d_h3_3/w": ("d", "from_rgb", "kernel"),
                 "discriminator/d_h3_3/biases": ("d", "from_rgb", "bias"),
                 "discriminator/d_std_h2/w": ("d", "d3", "kernel"),
                 "discriminator/d_std_h2/biases": ("d", "d3", "bias"),
                 "discriminator/d_h1/w": ("d", "d2", "kernel"),
                 "discriminator/d_h1/biases": ("d", "d2", "bias"),
                 "discriminator/d_out/kernel": ("d", "d1", "kernel"),
                 "discriminator/d_out/bias": ("d", "d1", "bias")}


def clggan_run(tmp_path, **over):
    """clgGAN 8 px, z 16, top 16, the authors' settings; the schedule of 12 steps puts the end
    of cycle 1 at step 4, the run stops there (--steps=4)."""
    registry.get_model_spec("clggan")
    run_cfg = tiny_run(tmp_path, model="clggan", dataset="shapes", image_size=8, steps=4,
                       batch_size=8, checkpoint_every=1, sample_every=4, log_every=1)
    values = presets.preset_values("clggan", "authors_code", "images")
    return run_cfg, runner.resolve_model_config(
        run_cfg, {**values, "latent_dim": 16, "top": 16, "schedule_steps": 12, **over})


def test_import_growing_checkpoint_restores_samples_and_resumes(tmp_path):
    reader = tf.train.load_checkpoint(str(GROWING / "model-2"))
    theirs = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}
    assert sorted(theirs) == sorted(CLGGAN_CYCLE1)
    run_cfg, model_cfg = clggan_run(tmp_path)
    # the folder: its state file names an absolute path of the machine that wrote it
    result = importer.import_checkpoint(GROWING, run_cfg, model_cfg)
    # their subGAN.train saves model-<counter> after step counter (counted from 0)
    assert result["step"] == 3 and result["tensors"] == {"": 14}
    ckpt_dir = tmp_path / "run" / "checkpoints"
    _, index, gan, _, restored = runner.restore_latest(run_cfg, model_cfg, ckpt_dir)
    assert index == 0 and restored.endswith("cycle_1/ckpt-3") and int(gan.step.numpy()) == 3
    nets = {"g": gan.generator, "d": gan.discriminator}
    for name, (net, layer, weight) in CLGGAN_CYCLE1.items():
        np.testing.assert_array_equal(getattr(nets[net].get_layer(layer), weight), theirs[name],
                                      err_msg=name)
    out = runner.train(run_cfg, model_cfg)  # resume: 3 -> 4, the end of cycle 1, exported
    assert out["step"] == 4 and "export" in out
    assert Path(evaluate.sample(out["out"], num=4, out=tmp_path / "s.png")).exists()


def test_import_growing_errors_name_the_tensors(tmp_path):
    run_cfg, model_cfg = clggan_run(tmp_path / "a", top=32)
    with pytest.raises(ValueError, match=r"g_h1/kernel has shape \(8, 128\)"):
        importer.import_checkpoint(GROWING, run_cfg, model_cfg)
    reader = tf.train.load_checkpoint(str(GROWING / "model-2"))
    arrays = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()
              if k != "discriminator/d_out/bias"}
    arrays["discriminator/d_h5_5/w"] = np.zeros((1, 1, 3, 8), np.float32)
    arrays["discriminator/d_out/kernel/Adam"] = np.zeros((8, 1), np.float32)  # ignored
    prefix = write_tf1(tmp_path / "broken" / "model-2", arrays)
    run_cfg, model_cfg = clggan_run(tmp_path / "b")
    with pytest.raises(ValueError, match=r"unknown tensors .*d_h5_5/w; .*missing tensors "
                                         r".*discriminator/d_out/bias\."):
        importer.import_checkpoint(prefix, run_cfg, model_cfg)

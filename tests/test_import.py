"""``tfgan-latent import`` on checkpoints the authors' code wrote (parity harness fixtures).

``tests/fixtures/parity/lis/import/``: ``last_gen.pt`` / ``last_dis.pt`` of a float32 G-LIS run
(N = 1, 32 px, N_z 16, nfeature 8, 3 steps) saved as the LIS code's ``save_state`` saves them,
the same G in torch's legacy format, and the authors' G(z) and D(G(z)) for fixed z.
"""
import pickle

import numpy as np
import pytest
import tensorflow as tf

from parity import fixtures
from tests.helpers import tiny_run
from tfgan_latent.papers.lis import checkpoint_map
from tfgan_latent.train import importer, runner

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

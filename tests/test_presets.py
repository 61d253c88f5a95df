"""``--preset``: named settings under the command line's own (train.presets), resolved in-process
as the CLI resolves them."""
import contextlib
import io

import tensorflow as tf
from absl import flags

from tfgan_latent.train import cli, presets, runner

FLAGS = flags.FLAGS


def resolve(*argv):
    """(RunConfig, model overrides, model config) of ``tfgan-latent train ARGV``."""
    cli.define_flags()
    FLAGS.unparse_flags()
    try:
        FLAGS(["tfgan-latent", *argv])
        run = cli._run_config("train")
        overrides = cli._model_overrides(run, "train")
        return run, overrides, runner.resolve_model_config(run, overrides)
    finally:
        FLAGS.unparse_flags()


class PresetTest(tf.test.TestCase):

    def tearDown(self):
        for key in [k for k in presets._PRESETS if k[0] == "test_model"]:
            del presets._PRESETS[key]
        super().tearDown()

    def test_paper_is_the_defaults(self):
        run, overrides, cfg = resolve("--model=glis")
        self.assertEqual(run.preset, "paper")
        self.assertEqual(overrides, {})
        # §3.3: 5e-4 for 100k batches, then 1e-4 (research/lis.md §1.9).
        self.assertEqual(cfg.schedule("glis"), (5e-4, 100_000, 1e-4))

    def test_authors_code_fills_unset_flags_and_explicit_flags_win(self):
        run, overrides, cfg = resolve("--model=glis", "--preset=authors_code")
        self.assertEqual(run.preset, "authors_code")
        # The README's G-LIS command: 2e-5 throughout (aleju/gan-error-avoidance README).
        self.assertEqual(cfg.schedule("glis"), (2e-5, 0, 2e-5))
        _, _, cfg = resolve("--model=glis", "--preset=authors_code", "--lr_preset=paper")
        self.assertEqual(cfg.schedule("glis"), (5e-4, 100_000, 1e-4))
        # Run settings of a preset (batch) and model settings (z) alike; the flag wins.
        run, _, cfg = resolve("--model=dcgan", "--preset=authors_code", "--batch_size=64")
        self.assertEqual((run.batch_size, cfg.latent_dim, cfg.weight_init), (64, 128, "glorot"))
        run, _, cfg = resolve("--model=dcgan", "--preset=authors_code", "--latent_dim=7")
        self.assertEqual((run.batch_size, cfg.latent_dim), (128, 7))
        # lgGAN's code fades over 3 epochs (subGAN.py:535), the thesis over 4 (§7.2.3).
        _, _, cfg = resolve("--model=lggan", "--preset=authors_code")
        self.assertEqual(cfg.fade_epochs, 3)
        _, _, cfg = resolve("--model=lggan")
        self.assertEqual(cfg.fade_epochs, 4)

    def test_kind_specific_values_on_top_of_any(self):
        presets.register_preset("test_model", "cpu", {"steps": 10, "width": 4}, source="test")
        presets.register_preset("test_model", "cpu", {"width": 8}, source="test", kind="points")
        self.assertEqual(presets.preset_values("test_model", "cpu", "images"),
                         {"steps": 10, "width": 4})
        self.assertEqual(presets.preset_values("test_model", "cpu", "points"),
                         {"steps": 10, "width": 8})
        run, mdl = presets.apply("test_model", "cpu", "points", {"steps": 3}, {}, {"steps"})
        self.assertEqual((run, mdl), ({"steps": 3}, {"width": 8}))
        self.assertEqual(presets.preset_values("test_model", "paper", "points"), {})
        with self.assertRaisesRegex(ValueError, "already registered"):
            presets.register_preset("test_model", "cpu", {}, source="test")
        # One data set's values on top of its kind's; the other points set keeps the kind's.
        presets.register_preset("test_model", "cpu", {"width": 16, "batch_size": 2},
                                source="test", kind="grid25")
        self.assertEqual(presets.preset_values("test_model", "cpu", "points", "grid25"),
                         {"steps": 10, "width": 16, "batch_size": 2})
        self.assertEqual(presets.preset_values("test_model", "cpu", "points", "ring8"),
                         {"steps": 10, "width": 8})
        run, mdl = presets.apply("test_model", "cpu", "points", {}, {}, {"steps", "batch_size"},
                                 "grid25")
        self.assertEqual((run, mdl), ({"steps": 10, "batch_size": 2}, {"width": 16}))
        with self.assertRaisesRegex(ValueError, "kind must be one of"):
            presets.register_preset("test_model", "cpu", {}, source="test", kind="grid26")

    def test_errors_name_the_flag(self):
        with self.assertRaisesRegex(ValueError, "--preset must be one of"):
            resolve("--model=glis", "--preset=mine")
        presets.register_preset("test_model", "cpu", {"width": 8}, source="test", kind="points")
        with self.assertRaisesRegex(ValueError, "--preset=cpu: no CPU preset of "
                                                "--model=test_model for images data yet "
                                                r"\(there is one for points\)"):
            presets.preset_values("test_model", "cpu", "images")
        with self.assertRaisesRegex(ValueError, "preset name must be one of"):
            presets.register_preset("test_model", "paper", {}, source="test")

    def test_models_lists_presets(self):
        cli.define_flags()
        FLAGS.unparse_flags()
        FLAGS(["tfgan-latent"])
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                self.assertEqual(cli.main(["tfgan-latent"], "models"), 0)
        finally:
            FLAGS.unparse_flags()
        glis = out.getvalue().split("\nglis ")[1].split("\nlggan")[0]
        self.assertIn("--preset=authors_code (any data): --lr_preset=code", glis)


if __name__ == "__main__":
    tf.test.main()


class RunTimeTest(tf.test.TestCase):

    def test_eta_is_remaining_steps_over_the_interval_rate(self):
        from tfgan_latent.train.callbacks import eta_text

        # 900 steps left at 4 steps/s = 225 s; 36,000 at 10/s = 1 h 00 min.
        self.assertEqual(eta_text({"step": 100, "steps_per_sec": 4.0}, 1000), " eta=3m45s")
        self.assertEqual(eta_text({"step": 4000, "steps_per_sec": 10.0}, 40000), " eta=1h00m")
        self.assertEqual(eta_text({"step": 1000, "steps_per_sec": 4.0}, 1000), "")
        self.assertEqual(eta_text({"step": 10}, 1000), "")

    def test_a_timed_preset_says_its_minutes_before_training(self):
        saved = {k: presets._PRESETS.pop(k) for k in list(presets._PRESETS)
                 if k[:2] == ("dcgan", "cpu")}
        presets.register_preset("dcgan", "cpu", {"steps": 40, "width": 8}, source="test",
                                kind="points", minutes=2.5, cpu="Test CPU")
        try:
            run, _, _ = resolve("--model=dcgan", "--dataset=ring8", "--preset=cpu")
            self.assertEqual(run.steps, 40)
            self.assertEqual(cli._preset_minutes(run),
                             "--preset=cpu: expect ~2.5 min of training for 40 steps on Test CPU "
                             "(AVX2-only CPUs: up to ~2x)")
            run, _, _ = resolve("--model=dcgan", "--dataset=ring8", "--preset=cpu", "--steps=80")
            self.assertIn("~5 min of training for 80 steps", cli._preset_minutes(run))
            run, _, _ = resolve("--model=dcgan", "--dataset=ring8")
            self.assertEqual(cli._preset_minutes(run), "")
        finally:
            del presets._PRESETS["dcgan", "cpu", "points"]
            presets._PRESETS.update(saved)


class CpuPresetRecordTest(tf.test.TestCase):
    """Every registered ``cpu`` preset is a search candidate that met the goal on its data, with
    the record's values and CPU minutes (experiments/results/presets/search.jsonl)."""

    def test_cpu_presets_match_their_search_records(self):
        import json
        from pathlib import Path

        from tfgan_latent.train import cpu_presets, registry

        registry.get_model_spec("dcgan")  # loads every registration
        path = Path(__file__).resolve().parents[1] / "experiments/results/presets/search.jsonl"
        records = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        # A normal-prior run's final score re-scored after the prior fix counts for its record
        # (experiments/rescore_prior.py); goals of issue 31 on the 2-D sets: 8 of 8, 20 of 25,
        # with at least 5 times the high-quality share of a uniform cloud over the data's square
        # (9.15 % ring8, 1.72 % grid25: experiments/results/presets/chance.md), which covers
        # the modes by chance.
        rescore = path.parents[1] / "prior_fix/rescore.jsonl"
        after = {r["run"]: r["after"] for r in map(json.loads, rescore.read_text().splitlines())}
        goal = {"ring8": (8, 5 * 9.15), "grid25": (20, 5 * 1.72)}

        def met(r):
            run = f"experiments/results/presets/runs/{r['dataset']}/{r['arm']}/" \
                  f"{r['candidate']}_seed{r['seed']}"
            if r["dataset"] not in goal:
                return r["meets_goal"]
            final = after.get(run, r["final"])
            modes, hq = goal[r["dataset"]]
            return final["modes"] >= modes and final["hq_percent"] >= hq

        self.assertNotEmpty(cpu_presets.FOUND)
        for model, data, cand, values, cpu_s, _ in cpu_presets.FOUND:
            arm, name = cand.split("/")
            hits = [r for r in records if (r["arm"], r["candidate"], r["dataset"]) ==
                    (arm, name, data) and met(r)]
            self.assertNotEmpty(hits, f"{model} {data} {cand}: no record that met the goal")
            self.assertIn(cpu_s, [r["cpu_s"] for r in hits])
            self.assertEqual(hits[0]["values"], values)
            registered = presets.preset_values(model, "cpu", "points" if data != "shapes"
                                               else "images", data)
            every = values["steps"] // 10
            self.assertEqual(registered, {**values, "log_every": every, "eval_every": every,
                                          "sample_every": every, "checkpoint_every": every})
            self.assertEqual(presets.preset_parts(model, "cpu", "points", data)[-1].minutes,
                             round(cpu_s / 60, 1))

"""The bad-input sweep (hardening issue): a table of wrong flags, constructor arguments and
exported-signature inputs. Each case must fail with a non-zero exit or an exception whose
message names the argument and matches the expected text, with no traceback or TensorFlow
internals in what the user reads.

The CLI cases run ``cli.main`` in this process (a fresh process per case would cost minutes);
``test_cli`` runs the same path in real processes for a few of them.
``python -m tests.test_bad_inputs --table`` prints the table (case, exit code, message).
"""
import contextlib
import io
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from absl import flags

from tfgan_latent import inversion, layers
from tfgan_latent.models import nets, variants
from tfgan_latent.papers.growing import mlp as growing_mlp
from tfgan_latent.train import cli, export, runner
from tfgan_latent.train.config import RunConfig

FLAGS = flags.FLAGS
TOY = ("--model=wgan_gp", "--dataset=ring8", "--mlp_units=8", "--mlp_layers=1", "--latent_dim=2",
       "--verbose=0",
       "--log_every=2", "--sample_every=2", "--checkpoint_every=2", "--steps=2")
# Text a user must never see: Python tracebacks and TensorFlow internals.
INTERNALS = ("Traceback", "tensorflow/", "tensorflow.python", "InvalidArgumentError", "Node:",
             "OpError", "File \"")

# (case, argv after the command, expected exit code, text the message must contain).
# {tmp} is a scratch folder holding: afile (a file), bad.npy (a [4, 3] array), empty/ (a folder
# with config.json = {}), garbled/config.json (not JSON), points/ (a finished toy run), exp/1 (its
# export).
CLI_CASES = [
    ("unknown model", "train --model=nope", 2, "--model must be one of"),
    ("unknown dataset", "train --dataset=nope", 2, "--dataset must be one of"),
    ("zero steps", "train --steps=0", 2, "--steps must be a positive integer"),
    ("steps not a number", "train --steps=abc", 1, "flag --steps=abc"),
    ("too many steps", "train --steps=10000000000", 2, "--steps must be at most 1e9"),
    ("negative batch", "train --batch_size=-1", 2, "--batch_size must be a positive integer"),
    ("zero batch", "train --batch_size=0", 2, "--batch_size must be a positive integer"),
    ("batch too big for memory", "train --model=dcgan --width=8 --image_size=64 "
     "--batch_size=1000000000 --out={tmp}/big", 2, "--batch_size=1000000000 needs about"),
    ("unknown strategy", "train --distribute=tpu", 2, "--distribute must be one of"),
    ("fp16 for R-iterative", "train --model=r_iterative --dataset=ring8 --precision=fp16", 2,
     "--precision=fp16 is not supported here (R-iterative"),
    ("unknown precision", "train --precision=fp8", 2, "--precision must be one of"),
    ("verbose out of range", "train --verbose=7", 2, "--verbose must be 0, 1 or 2"),
    ("eval_every not on a log step", "train --eval_every=75", 2,
     "--eval_every=75 must be a multiple of --log_every=50"),
    ("eval_samples too few", "train --eval_samples=5", 2, "--eval_samples must be an integer in"),
    ("negative eval_every", "train --eval_every=-50", 2, "--eval_every must be a non-negative"),
    ("eval_every of an autoencoder", "train --model=ae --width=2 --latent_dim=2 --eval_every=2 "
     "--log_every=2 --sample_every=2 --checkpoint_every=2 --steps=2 --out={tmp}/ae_eval", 2,
     "--eval_every=2: a --model=ae run has no generator to evaluate"),
    ("steps_per_execution not dividing", "train --steps_per_execution=30", 2,
     "must be a multiple of --steps_per_execution=30"),
    ("zero keep_checkpoints", "train --keep_checkpoints=0", 2, "--keep_checkpoints must be a"),
    ("zero num_images", "train --num_images=0", 2, "--num_images must be a positive"),
    ("negative toy_std", "train --dataset=ring8 --toy_std=-1", 2, "--toy_std must be >= 0"),
    ("zero ring radius", "train --dataset=ring8 --ring_radius=0", 2, "--ring_radius > 0"),
    ("unsupported image size", "train --dataset=shapes --image_size=48 --out={tmp}/s48", 2,
     "`image_size` must be one of"),
    ("flag of another model", "train --model=dcgan --lsgan_a=1", 2,
     "--lsgan_a does not apply to --model=dcgan"),
    ("unknown g_upsampling", "train --model=dcgan --g_upsampling=bilinear", 2,
     "--g_upsampling must be one of"),
    ("coord_conv on 2-D data", "train --model=dcgan --dataset=ring8 --coord_conv", 2,
     "--coord_conv and --g_upsampling apply to image nets"),
    ("zero latent_dim", "train --latent_dim=0", 2, "--latent_dim must be an integer in [1, 65536]"),
    ("huge latent_dim", "train --latent_dim=100000", 2, "--latent_dim must be an integer in"),
    ("zero width", "train --width=0", 2, "--width must be an integer in [1, 8192]"),
    ("zero mlp_units", "train --model=wgan_gp --dataset=ring8 --mlp_units=0", 2,
     "--mlp_units must be an integer in"),
    ("zero mlp_layers", "train --model=wgan_gp --dataset=ring8 --mlp_layers=0", 2,
     "--mlp_layers must be an integer in"),
    ("negative lis_modules", "train --model=glis --dataset=ring8 --lis_modules=-1", 2,
     "--lis_modules must be an integer in [0, 64]"),
    ("negative gp_weight", "train --model=wgan_gp --gp_weight=-1", 2,
     "--gp_weight must be a finite number >= 0"),
    ("zero learning rate", "train --g_lr=0", 2, "--g_lr must be a finite number > 0"),
    ("beta_1 of 1", "train --beta_1=1.0", 2, "--beta_1 must be in [0, 1)"),
    ("ema_decay of 1", "train --ema_decay=1.0", 2, "--ema_decay must be in [0, 1)"),
    ("zero d_steps", "train --d_steps=0", 2, "--d_steps must be an integer in"),
    ("bool flag given text", "train --download=maybe", 1, "flag --download=maybe"),
    ("crop of another data set", "train --dataset=cifar10 --crop=growing", 2,
     "--crop='growing' does not apply to --dataset=cifar10"),
    ("unknown flip", "train --flip=sometimes", 2, "--flip must be one of"),
    ("flip on points", "train --dataset=ring8 --flip=on", 2, "--flip=on applies to image sets"),
    ("out is a file", "train --out={tmp}/afile " + " ".join(TOY), 2, "needs a folder"),
    ("export_dir under a file", "train --export_dir={tmp}/afile/v --out={tmp}/r1 " + " ".join(TOY),
     2, "--export_dir={tmp}/afile/v needs a folder"),
    ("changed settings on resume", "train --out={tmp}/points --gp_weight=1 " + " ".join(TOY), 2,
     "gp_weight: 10.0 -> 1.0"),
    ("demo with an unknown model", "demo --model=nope", 2, "--model must be one of"),
    ("evaluate with a model flag", "evaluate --model=dcgan --run={tmp}/points", 2,
     "--model does not apply to `evaluate`"),
    ("evaluate with a train flag", "evaluate --steps=3 --run={tmp}/points", 2,
     "--steps does not apply to `evaluate`"),
    ("evaluate without a source", "evaluate", 2, "--run"),
    ("evaluate a missing run", "evaluate --run={tmp}/missing", 2, "{tmp}/missing"),
    ("grow without a run", "grow --out={tmp}/g --steps=4", 2, "grow needs --from_run"),
    ("grow with a train flag", "grow --from_run={tmp}/points --out={tmp}/g --steps=4 --model=bgan",
     2, "--model does not apply to `grow`"),
    ("grow a missing run", "grow --from_run={tmp}/missing --out={tmp}/g --steps=4", 2,
     "--from_run={tmp}/missing: no config.json"),
    ("grow a non-growing run", "grow --from_run={tmp}/points --out={tmp}/g --steps=4", 2,
     "`grow` continues bggan, cggan, lggan, clggan runs"),
    ("evaluate an empty config", "evaluate --run={tmp}/empty", 2,
     "config.json is not a run's settings file"),
    ("evaluate a garbled config", "evaluate --run={tmp}/garbled", 2, "config.json"),
    ("evaluate a missing .npy", "evaluate --images={tmp}/missing.npy", 2, "missing.npy"),
    ("evaluate a wrong-shape .npy", "evaluate --images={tmp}/bad.npy", 2, "--images"),
    ("evaluate zero samples", "evaluate --run={tmp}/points --num_samples=0", 2, "--num_samples"),
    ("evaluate an unknown extractor", "evaluate --run={tmp}/points --extractors=nope", 2,
     "--extractors must name some of"),
    ("evaluate image extractors on points", "evaluate --run={tmp}/points --extractors=inception",
     2, "apply to images; ring8 is a 2-D data set"),
    ("evaluate a missing export", "evaluate --saved_model={tmp}/missing_export", 2,
     "{tmp}/missing_export"),
    ("evaluate an unknown prior", "evaluate --saved_model={tmp}/exp/1 --latent_prior=cauchy", 2,
     "--latent_prior"),
    ("sample without --out", "sample --run={tmp}/points", 2, "sample needs --out"),
    ("sample zero images", "sample --run={tmp}/points --num=0 --out={tmp}/s.png", 2, "--num"),
    ("sample with a sweep flag", "sample --run={tmp}/points --dims=2 --out={tmp}/s.png", 2,
     "--dims does not apply to `sample`"),
    ("sample an unknown extension", "sample --run={tmp}/points --out={tmp}/s.gif", 2, "--out"),
    ("invert without --out", "invert --run={tmp}/points", 2, "invert needs --out"),
    ("invert two sources", "invert --run={tmp}/points --saved_model={tmp}/exp/1 --out={tmp}/i",
     2, "exactly one of --run=DIR or --saved_model=DIR"),
    ("invert one image", "invert --run={tmp}/points --num=1 --out={tmp}/i", 2,
     "--num must be an integer >= 2"),
    ("invert zero steps", "invert --run={tmp}/points --search_steps=0 --out={tmp}/i", 2,
     "--search_steps must be a positive integer"),
    ("invert a negative step size", "invert --run={tmp}/points --search_lr=-1 --out={tmp}/i", 2,
     "--search_lr must be > 0"),
    ("invert an unknown projection", "invert --run={tmp}/points --projection=cube --out={tmp}/i",
     2, "projection"),
    ("invert with a train flag", "invert --run={tmp}/points --batch_size=3 --out={tmp}/i", 2,
     "--batch_size does not apply to `invert`"),
    ("sweep without --out", "sweep --dataset=shapes", 2, "sweep needs --out"),
    ("sweep a zero dim", "sweep --dims=0 --out={tmp}/sw", 2, "--dims"),
    ("sweep a non-numeric dim", "sweep --dims=two --out={tmp}/sw", 2, "--dims"),
    ("sweep an unknown model", "sweep --models=nope --out={tmp}/sw", 2, "--models"),
    ("sweep an unknown image set", "sweep --image_sets=nope --out={tmp}/sw", 2, "--image_sets"),
    ("models with a flag", "models --steps=3", 2, "--steps does not apply to `models`"),
]


def _layer_call(layer, shape):
    return lambda: layer(np.ones(shape, "float32"))


def _mlp_pair():
    return nets.mlp_generator(2, hidden=(4,)), nets.mlp_discriminator(hidden=(4,))


# (case, callable, text the ValueError must contain).
API_CASES = [
    ("WeightNormDense zero units", lambda: layers.WeightNormDense(0), "`units` must be a positive"),
    ("WeightNormConv2D negative filters", lambda: layers.WeightNormConv2D(-1, 3), "`filters`"),
    ("WeightNormConv2DTranspose zero kernel", lambda: layers.WeightNormConv2DTranspose(4, 0),
     "`kernel_size` must be an int >= 1"),
    ("WeightNormConv2D text kernel", lambda: layers.WeightNormConv2D(4, "ab"), "`kernel_size`"),
    ("WeightNormConv2D bad padding", lambda: layers.WeightNormConv2D(4, 3, padding="full"),
     "`padding` must be 'valid' or 'same'"),
    ("WeightNormConv2DTranspose negative output_padding",
     lambda: layers.WeightNormConv2DTranspose(4, 3, output_padding=-1), "`output_padding`"),
    ("WeightNormDense negative epsilon", lambda: layers.WeightNormDense(3, epsilon=-1),
     "`epsilon` must be >= 0"),
    ("TPReLU rank 1", _layer_call(layers.TPReLU(), (3,)), "TPReLU expects a batch"),
    ("TPReLU inverted clip", lambda: layers.TPReLU(alpha_clip=(1.0, 0.0)), "`alpha_clip`"),
    ("LISModule rank 3", _layer_call(layers.LISModule(), (2, 3, 4)),
     "LISModule expects latents of shape [batch, latent_dim]"),
    ("LISChain rank 3", _layer_call(layers.LISChain(2), (2, 3, 4)), "LISChain expects latents"),
    ("LISChain negative modules", lambda: layers.LISChain(-1), "`num_modules` must be an int >= 0"),
    ("MinibatchStddev tau above 1", lambda: layers.MinibatchStddev(initial_tau=2.0),
     "`initial_tau` must be in [0, 1]"),
    ("BetaFadedDense beta above 1", lambda: layers.BetaFadedDense(3, initial_beta=1.5),
     "`initial_beta` must be in [0, 1]"),
    ("AlphaFade alpha below 0", lambda: layers.AlphaFade(initial_alpha=-0.1),
     "`initial_alpha` must be in [0, 1]"),
    ("mlp_generator hidden an int", lambda: nets.mlp_generator(2, hidden=5),
     "`hidden` must be a sequence of positive ints"),
    ("mlp_discriminator zero hidden", lambda: nets.mlp_discriminator(hidden=(0,)), "`hidden`"),
    ("dcgan_generator odd size", lambda: nets.dcgan_generator(8, 48), "`image_size` must be one of"),
    ("dcgan_discriminator zero width", lambda: nets.dcgan_discriminator(32, width=0), "`width`"),
    ("dcgan_discriminator bad norm", lambda: nets.dcgan_discriminator(32, normalization="group"),
     "`normalization` must be one of"),
    ("swiss roll generator start >= latent",
     lambda: growing_mlp.swiss_roll_generator(2, start_latent_dim=2), "`start_latent_dim`"),
    ("WGANGP negative gp_weight",
     lambda: variants.WGANGP(*_mlp_pair(), latent_dim=2, gp_weight=-1), "`gp_weight` must be"),
    ("DRAGAN NaN gp_weight",
     lambda: variants.DRAGAN(*_mlp_pair(), latent_dim=2, gp_weight=float("nan")), "`gp_weight`"),
    ("DRAGAN unknown perturbation",
     lambda: variants.DRAGAN(*_mlp_pair(), latent_dim=2, perturbation="laplace"), "`perturbation`"),
    ("LSGAN text label", lambda: variants.LSGAN(*_mlp_pair(), latent_dim=2, a="x"),
     "`a` must be a finite number"),
    ("DCGAN zero d_steps", lambda: variants.DCGAN(*_mlp_pair(), latent_dim=2, d_steps=0),
     "`d_steps` must be a positive int"),
    ("DCGAN unknown prior",
     lambda: variants.DCGAN(*_mlp_pair(), latent_dim=2, latent_distribution="cauchy"),
     "`latent_distribution` must be one of"),
    ("RunConfig zero steps", lambda: RunConfig(steps=0).resolved(), "--steps must be a positive"),
    ("RunConfig cpu_devices", lambda: RunConfig(cpu_devices=1000).resolved(), "--cpu_devices"),
    ("model config of another model",
     lambda: runner.resolve_model_config(RunConfig(model="dcgan"), {"lsgan_a": 1.0}),
     "--lsgan_a does not apply"),
    ("inversion radius of a zero dim", lambda: inversion.latent_ball_radius(0), "dim"),
]


def signature_cases():
    """(case, z fed to the toy export's ``serving_default`` (latent_dim 2), expected text)."""
    shape = "`z` must be float32 [batch, 2]"
    return [("z float64", tf.ones((2, 2), tf.float64), "expected to be a float tensor"),
            ("z int32", tf.ones((2, 2), tf.int32), "expected to be a float tensor"),
            ("z width 3", tf.ones((2, 3)), shape),
            ("z width 1", tf.ones((4, 1)), shape),
            ("z rank 1", tf.ones((4,)), shape),
            ("z rank 0", tf.constant(1.0), shape),
            ("z rank 3, width 3", tf.ones((2, 3, 1)), shape),
            ("z with NaN", tf.constant([[0.0, np.nan], [1.0, 1.0]]), "`z` must hold finite"),
            ("z with Inf", tf.constant([[0.0, np.inf], [1.0, 1.0]]), "`z` must hold finite")]


def _fill(text, tmp):
    return text.replace("{tmp}", tmp)


def run_cli(argv, tmp):
    """(exit code, what the user reads) of ``tfgan-latent <argv>`` run in this process."""
    command, *rest = _fill(argv, tmp).split()
    cli.define_flags()
    FLAGS.unparse_flags()
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            FLAGS(["tfgan-latent", *rest])
        except flags.Error as e:  # absl prints this and exits 1 ("FATAL Flags parsing error")
            return 1, f"FATAL Flags parsing error: {e}"
        try:
            code = cli.main(["tfgan-latent"], command)
        finally:
            FLAGS.unparse_flags()
    return code, err.getvalue() + out.getvalue()


def make_scratch(tmp):
    """The files the CLI cases point at (module docstring of CLI_CASES)."""
    tmp = Path(tmp)
    (tmp / "afile").write_text("x")
    np.save(tmp / "bad.npy", np.zeros((4, 3), np.float32))
    (tmp / "empty").mkdir()
    (tmp / "empty" / "config.json").write_text("{}")
    (tmp / "garbled").mkdir()
    (tmp / "garbled" / "config.json").write_text("{not json")
    cfg = RunConfig(model="wgan_gp", dataset="ring8", steps=2, batch_size=8, log_every=2,
                    sample_every=2, checkpoint_every=2, out=str(tmp / "points"),
                    export_dir=str(tmp / "exp"), verbose=0)
    runner.train(cfg, runner.resolve_model_config(cfg, {"mlp_units": 8, "mlp_layers": 1,
                                                         "latent_dim": 2}))


class BadInputSweepTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tmp = tempfile.TemporaryDirectory()
        make_scratch(cls._tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()
        super().tearDownClass()

    def _clean(self, case, message):
        for text in INTERNALS:
            self.assertNotIn(text, message, f"{case}: internals in {message!r}")

    def test_cli_cases(self):
        self.assertGreaterEqual(len(CLI_CASES) + len(API_CASES) + len(signature_cases()), 60)
        tmp = self._tmp.name
        for case, argv, code, expected in CLI_CASES:
            with self.subTest(case):
                got, message = run_cli(argv, tmp)
                self.assertEqual(got, code, f"{case}: {message}")
                self.assertIn(_fill(expected, tmp), message, case)
                self._clean(case, message)

    def test_api_cases(self):
        for case, fn, expected in API_CASES:
            with self.subTest(case):
                with self.assertRaises(ValueError) as caught:
                    fn()
                self.assertIn(expected, str(caught.exception), case)
                self._clean(case, str(caught.exception))

    def test_exported_signature_cases(self):
        """A fed ``z`` of the wrong width or rank, or with non-finite values, is refused from
        inside the SavedModel naming ``z`` and the expected float32 [batch, latent_dim]; the
        dtype is refused by the signature before the graph runs."""
        serving = tf.saved_model.load(str(Path(self._tmp.name) / "exp" / "1")
                                      ).signatures["serving_default"]
        for case, z, expected in signature_cases():
            with self.subTest(case):
                with self.assertRaises(tf.errors.InvalidArgumentError) as caught:
                    serving(z=z)
                self.assertIn(expected, str(caught.exception), case)
        # [batch, 2, 1] holds exactly batch × 2 values: read as [batch, 2].
        z = np.random.default_rng(0).normal(size=(3, 2)).astype("float32")
        self.assertAllClose(serving(z=tf.constant(z[:, :, None]))["points"],
                            serving(z=tf.constant(z))["points"])


def _table():
    with tempfile.TemporaryDirectory() as tmp:
        make_scratch(tmp)
        rows = [(f"CLI: {case}", *run_cli(argv, tmp)) for case, argv, _, _ in CLI_CASES]
        serving = tf.saved_model.load(str(Path(tmp) / "exp" / "1")).signatures["serving_default"]
        for case, z, _ in signature_cases():
            try:
                serving(z=z)
                rows.append((f"signature: {case}", "no error", ""))
            except Exception as e:  # the table shows what a client reads
                found = [l for l in str(e).splitlines() if "`z`" in l or "expected" in l]
                rows.append((f"signature: {case}", type(e).__name__, (found or [str(e)])[0]))
    for case, fn, _ in API_CASES:
        try:
            fn()
            rows.append((f"API: {case}", "no error", ""))
        except Exception as e:  # the table shows what a user would read
            rows.append((f"API: {case}", type(e).__name__, str(e)))
    print("| case | exit / exception | message |\n|---|---|---|")
    for case, code, message in rows:
        first = message.strip().splitlines()[0] if message.strip() else ""
        print(f"| {case} | {code} | {first.replace('|', '/')[:160]} |")
    print(f"\n{len(rows)} cases")


if __name__ == "__main__":
    if "--table" in sys.argv:
        _table()
    else:
        tf.test.main()

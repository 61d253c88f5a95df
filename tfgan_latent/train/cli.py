"""``tfgan-latent`` / ``python -m tfgan_latent``: train, evaluate, demo, models.

Every field of ``RunConfig`` and of every registered model config dataclass is an absl
flag (model flags default to the model's paper default; setting one that the chosen
model does not have is an error).
"""
import dataclasses
import json
import sys

from absl import app, flags, logging

from tfgan_latent.train import presets, registry, settings_help
from tfgan_latent.train.config import RunConfig

COMMANDS = {
    "train": "train a model: --model=NAME --dataset=NAME --steps=N ...",
    "evaluate": "print metrics as JSON: --run=DIR | --saved_model=DIR | --images=FILE.npy",
    "sample": "write samples: --run=DIR | --saved_model=DIR --num=N --out=FILE.png|.npy",
    "invert": "latents of real images: --run=DIR | --saved_model=DIR [--images=FILE.npy] --out=DIR "
              "(z*-search; one-shot Enc(x) for BEGAN-CS)",
    "sweep": "latent-dimension study: --dataset=NAME --dims=2,8,32 --steps=N --out=DIR "
             "(trains WGAN-GP + AE per dim, inverts image sets, writes curves.csv/png)",
    "grow": "continue a finished bggan/cggan/lggan/clggan run by one cycle (next resolution or "
            "latent size): --from_run=DIR --out=NEW --steps=N",
    "demo": "train the small offline default (DCGAN on `shapes` 32x32) and export it",
    "models": "list registered models; --model=NAME: its flags, defaults and their sources",
    "import": "a checkpoint of a paper's original code -> a run folder: --model=NAME "
              "--original=PREFIX --out=DIR (+ the run and model flags it was trained with)",
}
# The demo: training fits in 4 minutes on 2 CPU cores. Chosen by measurement
# (experiments/results/demo/): 2 G steps per D step (the DCGAN reference code's trick, also
# RFGAN's); width-32 nets whose G upsamples (nearest + 3x3 conv) and whose G and D see
# coordinate channels (CoordConv); a generator weight average. It still falls short of the
# 90 % on-manifold goal (see README "Evaluation"). Steps per execution: automatic (10 here:
# the same trajectory bitwise, ~12 % less time than 1).
DEMO_DEFAULTS = {"model": "dcgan", "dataset": "shapes", "image_size": 32, "steps": 5500,
                 "batch_size": 32, "sample_every": 1000, "checkpoint_every": 1000,
                 "log_every": 100, "out": "runs/demo",
                 "eval_samples": 2000}
# Adam ε 1e-7 (Keras's default, not the models' TF1 1e-8); batch 32, dim(z) = 8 (probes of
# stops 22-24, experiments/results/demo/probes/); width 32, --g_upsampling=nearest,
# --coord_conv, learning rates 1e-3 and --ema_decay=0.999 (probes of stop 27, probes/arch/),
# 5,500 steps; timed over three seeds in experiments/results/demo/demo27.md.
DEMO_MODEL_DEFAULTS = {"width": 32, "g_steps": 2, "adam_epsilon": 1e-7, "latent_dim": 8,
                       "g_lr": 1e-3, "d_lr": 1e-3, "g_upsampling": "nearest",
                       "coord_conv": True, "ema_decay": 0.999}

FLAGS = flags.FLAGS
_DEFINED = set()
_EVAL_FLAGS = ("run", "saved_model", "images", "num_samples", "num", "inception_graph",
               "keras_inception_weights", "extractors", "latent_prior", "search_steps",
               "search_lr", "projection", "search_start", "search_k", "traverse_dim", "dims",
               "models", "image_sets",
               "shift", "ood", "original")


def _define(name, default, help_text, allow_none=False):
    if name in _DEFINED:
        return
    _DEFINED.add(name)
    kind = type(default)
    value = None if allow_none else default
    if kind is bool:
        flags.DEFINE_boolean(name, value, help_text)
    elif kind is int:
        flags.DEFINE_integer(name, value, help_text)
    elif kind is float:
        flags.DEFINE_float(name, value, help_text)
    elif kind is str:
        flags.DEFINE_string(name, value, help_text)
    elif kind is tuple:
        flags.DEFINE_list(name, value, help_text)
    else:
        raise TypeError(f"cannot make a flag of {name}: {kind}")


def define_flags():
    """Defines every flag once (a second call, e.g. from tests running commands in-process,
    does nothing)."""
    if "run" in FLAGS:
        return
    run_comments = settings_help.field_comments(RunConfig)
    for f in dataclasses.fields(RunConfig):
        _define(f.name, f.default, f"run setting, default {settings_help.flag_value(f.default)}"
                + (f": {run_comments[f.name]}" if run_comments.get(f.name) else ""))
    registry.get_model_spec("dcgan")  # loads paper registrations
    readers = {}  # model flag → {model: (default, source comment)}
    for name, spec in sorted(registry.MODELS.items()):
        comments = settings_help.field_comments(spec.config_cls)
        for f in dataclasses.fields(spec.config_cls):
            readers.setdefault(f.name, {})[name] = (f.default, comments.get(f.name, ""))
    for flag, models in readers.items():
        default = next(iter(models.values()))[0]
        who = "every model" if len(models) == len(registry.MODELS) else ", ".join(models)
        if len(set(models.values())) == 1:
            value, comment = next(iter(models.values()))
            text = f"model setting of {who}, default {settings_help.flag_value(value)}: {comment}"
        else:
            text = (f"model setting of {who} (per-model defaults and their sources: "
                    "`tfgan-latent models --model=NAME`)")
        _define(flag, default, text, allow_none=True)
    flags.DEFINE_string("run", None, "evaluate/sample: the run folder")
    flags.DEFINE_string("saved_model", None, "evaluate/sample: an exported generator (version folder)")
    flags.DEFINE_string("images", None, "evaluate: an .npy array [N, S, S, C] in [-1, 1]")
    flags.DEFINE_integer("num_samples", 5000, "evaluate: samples to draw")
    flags.DEFINE_integer("num", 64, "sample: samples to write")
    flags.DEFINE_string("inception_graph", None,
                        "evaluate: classify_image_graph_def.pb of the 2015 Inception release "
                        "(adds fid_inception, kid_inception, inception_score)")
    flags.DEFINE_string("keras_inception_weights", None,
                        "evaluate: keras InceptionV3 weights file (metrics not comparable with "
                        "published numbers)")
    flags.DEFINE_list("extractors", [], "evaluate: extra feature extractors (inception, "
                      "keras_inception; shapes is automatic for shapes)")
    flags.DEFINE_integer("search_steps", 10_000, "invert: projected-Adam steps of the z*-search "
                         "(latent-dim paper §4.2, BEGAN-CS App. A: 10,000)")
    flags.DEFINE_float("search_lr", 1e-3, "invert: Adam step size of the z*-search")
    flags.DEFINE_string("search_start", "auto", "invert/sweep: start of the z*-search: zero "
                        "(latent-dim paper Fig. 2) | random | best_of_k | auto (zero unless the "
                        "gradient vanishes at z = 0, then best_of_k; tfgan_latent.inversion)")
    flags.DEFINE_integer("search_k", 4, "invert/sweep: random starts per image of best_of_k")
    flags.DEFINE_string("projection", "", "invert/sweep: ball | box | none (default: ball for a "
                        "normal prior, box for a uniform one; sweep: ball, latent-dim Eq. 5; "
                        "none for App. Fig. 10)")
    flags.DEFINE_list("dims", ["2", "8", "32"], "sweep: the latent sizes")
    flags.DEFINE_list("models", ["wgan_gp_resize", "ae"], "sweep: the models per latent size")
    flags.DEFINE_list("image_sets", ["train", "val", "shifted", "ood", "noise"],
                      "sweep: the image sets reconstructed (latent-dim paper §5.3)")
    flags.DEFINE_integer("shift", 4, "sweep: pixels of the `shifted` set's horizontal shift")
    flags.DEFINE_string("ood", "gratings", "sweep: the out-of-domain set (gratings offline, or a "
                        "data set name)")
    flags.DEFINE_integer("traverse_dim", 0, "invert: the latent coordinate traverse.png varies")
    flags.DEFINE_string("latent_prior", None, "evaluate/sample --saved_model: the latent prior "
                        "(default: the export's own, else normal)")
    flags.DEFINE_string("original", None, "import: the original code's checkpoint (LIS: the "
                        "prefix of its <prefix>_gen.pt / _dis.pt / _r.pt files; TF1: the "
                        "checkpoint prefix)")


def _given_run(command):
    """Run settings set on the command line (and the demo's own defaults under them)."""
    names = [f.name for f in dataclasses.fields(RunConfig)]
    given = {n: FLAGS[n].value for n in names if FLAGS[n].present}
    return {**DEMO_DEFAULTS, **given} if command == "demo" else given


def _preset(run_given, model_given):
    """``presets.apply`` for the command line's model, data set and ``--preset``."""
    from tfgan_latent import data

    run_fields = {f.name for f in dataclasses.fields(RunConfig)}
    model = run_given.get("model", FLAGS.model)
    dataset = run_given.get("dataset", FLAGS.dataset)
    try:
        kind = data.dataset_kind(dataset)
    except ValueError:
        kind = "images"  # an unknown data set is refused by RunConfig.validate
    return presets.apply(model, run_given.get("preset", FLAGS.preset), kind, run_given,
                         model_given, run_fields, dataset)


def _preset_minutes(run_cfg):
    """The line a preset with measured minutes prints before training ("" for none): its
    minutes, scaled by --steps over the preset's steps when the command line changed them."""
    from tfgan_latent import data

    try:
        kind = data.dataset_kind(run_cfg.dataset)
    except ValueError:
        return ""  # RunConfig.validate names the bad --dataset
    parts = presets.preset_parts(run_cfg.model, run_cfg.preset, kind, run_cfg.dataset)
    timed = [p for p in parts if p.minutes]
    if not timed:
        return ""
    steps = presets.preset_values(run_cfg.model, run_cfg.preset, kind,
                                  run_cfg.dataset).get("steps", run_cfg.steps)
    minutes = timed[-1].minutes * run_cfg.steps / steps
    return (f"--preset={run_cfg.preset}: expect ~{minutes:.3g} min of training for "
            f"{run_cfg.steps} steps on {timed[-1].cpu} (AVX2-only CPUs: up to ~2x)")


def _run_config(command):
    run_values, _ = _preset(_given_run(command), {})
    values = {}
    for f in dataclasses.fields(RunConfig):
        values[f.name] = run_values.get(f.name, FLAGS[f.name].value)
    if (command == "demo" and not FLAGS["eval_every"].present
            and values["steps"] % values["log_every"] == 0):
        values["eval_every"] = values["steps"]  # the demo scores its final generator
    return RunConfig(**values)


def _model_overrides(run_cfg, command):
    run_fields = {f.name for f in dataclasses.fields(RunConfig)}
    overrides = {}
    for name in _DEFINED - run_fields:
        if name in _EVAL_FLAGS:
            continue
        if FLAGS[name].present:
            value = FLAGS[name].value
            overrides[name] = tuple(value) if isinstance(value, list) else value
    if command == "demo":
        for k, v in DEMO_MODEL_DEFAULTS.items():
            overrides.setdefault(k, v)
    _, overrides = _preset(_given_run(command), overrides)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}


def _check_applicable(command):
    """Refuses a flag of ours that ``command`` does not read (e.g. ``evaluate --model=``)."""
    run_fields = {f.name for f in dataclasses.fields(RunConfig)}
    trains = run_fields | (_DEFINED - set(_EVAL_FLAGS))
    allowed = {
        "train": trains, "demo": trains,
        "sweep": trains | {"dims", "models", "image_sets", "num", "search_steps", "search_lr",
                           "projection", "search_start", "search_k", "shift", "ood"},
        "evaluate": {"run", "saved_model", "images", "dataset", "image_size", "latent_prior",
                     "num_samples", "seed", "extractors", "inception_graph",
                     "keras_inception_weights", "data_dir", "cpu_devices"},
        "sample": {"run", "saved_model", "num", "out", "seed", "latent_prior", "cpu_devices"},
        "invert": {"run", "saved_model", "images", "num", "out", "search_steps", "search_lr",
                   "projection", "search_start", "search_k", "traverse_dim", "seed", "data_dir",
                   "dataset"},
        "grow": {"from_run", "out", "export_dir", "steps", "verbose"},
        "import": trains | {"original"},
        "models": {"model"},
    }[command]
    ours = _DEFINED | set(_EVAL_FLAGS)
    unused = sorted(n for n in ours - allowed if FLAGS[n].present)
    if unused:
        names = ", ".join(f"--{n}" for n in unused)
        reads = ", ".join(f"--{n}" for n in sorted(allowed)) if len(allowed) < 20 else (
            "the run and model flags (`tfgan-latent train --helpfull`)")
        verb = "does" if len(unused) == 1 else "do"
        raise ValueError(f"{names} {verb} not apply to `{command}` (it reads {reads or 'no flags'}).")


def _given(name):
    """A run flag's value when the user set it, else None (evaluate reads the rest elsewhere)."""
    return FLAGS[name].value if FLAGS[name].present else None


def main(argv, command):
    from tfgan_latent.train import checkpoints, callbacks, runner
    from tfgan_latent.train.evaluate import evaluate, sample

    logging.set_verbosity(logging.WARNING)
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments {argv[1:]}; flags look like --name=value.")
    expected = (ValueError, OSError, checkpoints.RunLockedError, checkpoints.CheckpointError,
                checkpoints.StorageError)
    try:
        _check_applicable(command)
        if command == "models":
            only = FLAGS.model if FLAGS["model"].present else None
            if only is not None:
                print(settings_help.model_flags_help(only))  # an unknown name: error naming --model
            for name, spec in sorted(registry.MODELS.items()):
                if only not in (None, name):
                    continue
                print(f"{name:12s} {spec.description}" if only is None else
                      "presets:" if presets.presets_of(name) else "presets: none")
                for preset, kind, p in presets.presets_of(name):
                    when = (f"; ~{p.minutes:g} min of training on {p.cpu}" if p.minutes else "")
                    values = " ".join(f"--{k}={v}" for k, v in sorted(p.values.items()))
                    print(f"{'':12s}   --preset={preset} ({kind} data{when}): {values or '-'}"
                          f"  [{p.source}]")
            return 0
        if command == "evaluate":
            result = evaluate(
                FLAGS.run, saved_model=FLAGS.saved_model, images=FLAGS.images,
                dataset=_given("dataset"), image_size=_given("image_size"),
                latent_prior=FLAGS.latent_prior, num_samples=FLAGS.num_samples,
                seed=_given("seed"), extractors=FLAGS.extractors,
                inception_graph=FLAGS.inception_graph,
                keras_inception_weights=FLAGS.keras_inception_weights,
                data_dir=FLAGS.data_dir)
            print(json.dumps(result, sort_keys=True))
            return 0
        if command == "sample":
            if not FLAGS.out:
                raise ValueError("sample needs --out=FILE.png or --out=FILE.npy.")
            path = sample(FLAGS.run, saved_model=FLAGS.saved_model, num=FLAGS.num,
                          out=FLAGS.out, seed=FLAGS.seed, latent_prior=FLAGS.latent_prior)
            print(f"samples: {path}")
            return 0
        if command == "invert":
            from tfgan_latent.train.invert import invert_images

            result = invert_images(
                FLAGS.run, saved_model=FLAGS.saved_model, images=FLAGS.images,
                num=FLAGS.num if FLAGS["num"].present else 16, out=FLAGS.out,
                steps=FLAGS.search_steps, learning_rate=FLAGS.search_lr,
                start=FLAGS.search_start, start_k=FLAGS.search_k,
                projection=FLAGS.projection, traverse_dim=FLAGS.traverse_dim,
                seed=FLAGS.seed, data_dir=FLAGS.data_dir or None, dataset=_given("dataset"))
            print(json.dumps(result, sort_keys=True))
            return 0
        if command == "sweep":
            from tfgan_latent.train.sweep import sweep

            run_cfg = _run_config(command)
            if not FLAGS["out"].present:
                raise ValueError("sweep needs --out=DIR.")
            rows = sweep(run_cfg, _model_overrides(run_cfg, command), dims=FLAGS.dims,
                         models=FLAGS.models, sets=FLAGS.image_sets,
                         num=FLAGS.num if FLAGS["num"].present else 64,
                         search_steps=FLAGS.search_steps, search_lr=FLAGS.search_lr,
                         shift=FLAGS.shift, ood=FLAGS.ood, projection=FLAGS.projection,
                         search_start=FLAGS.search_start, search_k=FLAGS.search_k)
            print(f"{len(rows)} rows: {run_cfg.out}/curves.csv, {run_cfg.out}/curves.png")
            return 0
        if command == "import":
            from tfgan_latent.train.importer import import_checkpoint

            if not FLAGS.original or not FLAGS["out"].present:
                raise ValueError("import needs --original=PREFIX (the original code's "
                                 "checkpoint) and --out=NEW_DIR.")
            run_cfg = _run_config(command)
            model_cfg = runner.resolve_model_config(run_cfg, _model_overrides(run_cfg, command))
            print(json.dumps(import_checkpoint(FLAGS.original, run_cfg, model_cfg),
                             sort_keys=True))
            return 0
        if command == "grow":
            from tfgan_latent.papers.growing.grow import grow

            if not FLAGS.from_run or not FLAGS["out"].present or not FLAGS["steps"].present:
                raise ValueError("grow needs --from_run=DIR (a finished run), --out=NEW_DIR and "
                                 "--steps=N (the new cycle's steps).")
            result = grow(FLAGS.from_run, FLAGS.out, FLAGS.steps, export_dir=FLAGS.export_dir,
                          verbose=FLAGS.verbose if FLAGS["verbose"].present else None)
        else:
            run_cfg = _run_config(command)
            model_cfg = runner.resolve_model_config(run_cfg, _model_overrides(run_cfg, command))
            minutes = _preset_minutes(run_cfg)
            if minutes:
                print(minutes, flush=True)
            result = runner.train(run_cfg, model_cfg)
        if command == "demo" and "eval" not in result and "export" in result:
            # --steps not on a log step: score the final generator here instead.
            scores = evaluate(result["out"], num_samples=run_cfg.eval_samples)
            result["eval"] = {k: v for k, v in scores.items() if k not in ("run", "step")}
    except callbacks.NonFiniteLossError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except expected as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if "export" in result:
        print(f"samples: {result['samples']}\ncheckpoint: {result['checkpoint']}\n"
              f"exported {result['export_kind']}: {result['export']}\n"
              f"run folder: {result['out']}")
    if "eval" in result:
        print(f"scores at step {result['step']}: {json.dumps(result['eval'], sort_keys=True)}")
    return 0


def run(argv=None):
    argv = list(sys.argv if argv is None else argv)
    if len(argv) < 2 or argv[1] not in COMMANDS:
        lines = "\n".join(f"  {k:9s} {v}" for k, v in COMMANDS.items())
        print(f"usage: tfgan-latent COMMAND [--flags]\ncommands:\n{lines}\n"
              "`tfgan-latent train --helpfull` lists every flag.", file=sys.stderr)
        sys.exit(2)
    command = argv.pop(1)
    define_flags()
    if command == "train" and "--helpshort" in argv:
        sys.exit(_helpshort(argv))
    if command in ("train", "demo", "evaluate", "sample"):
        # Logical CPU devices must exist before TensorFlow initialises its runtime.
        _preparse_cpu_devices(argv)
    app.run(lambda a: sys.exit(main(a, command)), argv=argv)


def _helpshort(argv):
    """``train [--model=NAME] --helpshort``: the run flags, and that model's flags with their
    defaults and the sources they come from (``settings_help``); absl's ``--helpfull`` lists
    every flag of every model."""
    names = [a.split("=", 1)[1] for a in argv if a.startswith("--model=")]
    names += [b for a, b in zip(argv, argv[1:]) if a == "--model"]
    print("tfgan-latent train: the run flags (--flag=default, then what it means or cites)")
    print("\n".join(settings_help.flags_table(RunConfig)))
    if not names:
        print("pass --model=NAME (`tfgan-latent models` lists them) for that model's flags.")
        return 0
    try:
        print(settings_help.model_flags_help(names[-1]))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def _preparse_cpu_devices(argv):
    for arg in argv:
        if arg.startswith("--cpu_devices="):
            from tfgan_latent.train.config import MAX_CPU_DEVICES
            from tfgan_latent.train.strategy import configure_cpu_devices

            value = arg.split("=", 1)[1]
            if not value.isdigit() or int(value) > MAX_CPU_DEVICES:
                print(f"error: --cpu_devices must be an integer in [0, {MAX_CPU_DEVICES}], got "
                      f"{value!r}.", file=sys.stderr)
                sys.exit(2)
            configure_cpu_devices(int(value))

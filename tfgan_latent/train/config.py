"""Run configuration: frozen dataclasses, resolved from flags and written as config.json."""
import dataclasses
import json
import os
from pathlib import Path

DISTRIBUTE = ("none", "mirrored", "multiworker")
PRESET_NAMES = ("paper", "authors_code", "cpu")  # train.presets.NAMES
# Compute precisions: Keras dtype policies (variables, checkpoints and exports stay float32).
# bf16 needs no loss scaling; fp16 trains with a dynamic loss scale (models.gan.loss_scaled).
PRECISIONS = {"float32": "float32", "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
MAX_CPU_DEVICES = 64  # logical CPU devices for mirrored tests; far more only hangs TF's setup

# Fields a rerun may change without invalidating its checkpoints (``out``: a moved run folder
# resumes).
RESUMABLE_FIELDS = frozenset({
    "steps", "out", "export_dir", "log_every", "sample_every", "checkpoint_every",
    "keep_checkpoints", "steps_per_execution", "verbose", "distribute", "cpu_devices",
    "data_dir", "download", "eval_every", "eval_samples", "reexport", "deterministic",
})


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """What to train, on what, for how long, and where results go (the CLI contract)."""

    model: str = "dcgan"  # a registered model (`tfgan-latent models`)
    dataset: str = "shapes"  # tfgan_latent.data.DATASETS: the embedded shapes, 2-D sets, tfds sets
    # Named settings filling what the command line leaves unset (train.presets): paper (the
    # defaults), authors_code, cpu.
    preset: str = "paper"
    steps: int = 2000  # training steps (train_step calls: the model's D and G updates)
    batch_size: int = 64  # examples per D update (global, over all replicas)
    seed: int = 0  # weights, latents, data order, noise: bitwise repeatable on one machine
    out: str = ""  # default: runs/<model>_<dataset>
    image_size: int = 32  # image sets: side in pixels (shapes: 16, 32 or 64)
    # TF Serving's model base path for this run's exports (versions inside); "": the run's
    # own, saved_models/<run folder name> (``export_base``).
    export_dir: str = ""
    distribute: str = "none"  # none | mirrored | multiworker (tf.distribute strategies)
    cpu_devices: int = 0  # >1: split the CPU into this many logical devices (mirrored tests)
    log_every: int = 50  # steps between metrics.jsonl lines (and NaN-guard checks)
    sample_every: int = 500  # steps between sample grids (a multiple of --log_every)
    checkpoint_every: int = 500  # steps between checkpoints (a multiple of --log_every)
    keep_checkpoints: int = 3  # newest checkpoints kept per stage
    # Training steps per compiled call; 0 = automatic (runner.auto_steps_per_execution: the
    # largest divisor of --steps, --log_every, stage ends and the resume step up to
    # AUTO_EXECUTION_CAP; 1 under a strategy). Logs, checkpoints and the NaN guard work at log
    # steps, which every choice divides, and the trajectory is the same bitwise.
    steps_per_execution: int = 0
    data_dir: str = ""  # tensorflow-datasets folder ("": TFDS's default)
    download: bool = False  # let tensorflow-datasets download a missing set
    # Crop name of the data set (tfgan_latent.data.crop_names: celeb_a's CELEBA_CROPS, cifar10's
    # CIFAR_CROPS, "none"); "auto": the model's paper crop (registry.data_defaults).
    crop: str = "auto"
    # Random left-right flips of the training images: "on", "off", or "auto" (the model's code:
    # LIS flips on its paper's data sets; registry.data_defaults).
    flip: str = "auto"
    num_images: int = 5000  # size of the embedded `shapes` set
    toy_std: float = 0.0  # 2-D sets: mode std (swiss_roll: noise); 0 = the set's paper default
    ring_radius: float = 2.0  # ring8 radius (research/rfgan.md §1.3: Metz et al. 2016)
    verbose: int = 2  # 0 quiet | 1 Keras progress bar | 2 one line per log step
    eval_every: int = 0  # >0: score the fixed eval latents every N steps (metrics.jsonl, plot)
    eval_samples: int = 1000  # samples per --eval_every evaluation
    reexport: bool = False  # rerun of a finished run: export again (default: keep its export)
    precision: str = "float32"  # float32 | bf16 (mixed: bf16 compute, float32 variables)
    # TensorFlow op determinism (tf.config.experimental.enable_op_determinism): without it TF's
    # CPU kernels gave different results for 1 of 8 identical runs in one process (RF DRAGAN,
    # experiments noted in the README), which breaks bitwise resume. Once on, it stays on for
    # the process; --deterministic=false leaves it off for speed.
    deterministic: bool = True

    def resolved(self):
        """Fills the path defaults and validates every field."""
        tag = f"{self.model}_{self.dataset}".replace("/", "_")
        cfg = dataclasses.replace(self.data_resolved(), out=self.out or str(Path("runs") / tag))
        cfg.validate()
        return cfg

    def export_base(self, kind="generator"):
        """The folder this run's exports go to, one version each: ``--export_dir``, else
        ``saved_models/<run folder name>`` for a generator and ``saved_models/<run folder
        name>_<kind>`` for another export (``_autoencoder``), so runs in folders of different names
        never share a base (a TF Serving model) unless told to, while successive exports of one
        run number its versions."""
        if self.export_dir:
            return Path(self.export_dir)
        name = Path(os.path.abspath(self.out or ".")).name or "run"
        return Path("saved_models") / (name if kind == "generator" else f"{name}_{kind}")

    def data_resolved(self):
        """This config with ``--crop`` / ``--flip`` "auto" replaced by the model's paper settings
        (``registry.data_defaults``); what is stored and compared on resume."""
        if "auto" not in (self.crop, self.flip):
            return self
        from tfgan_latent.train import registry  # registry imports this module

        crop, flip = registry.data_defaults(self.model, self.dataset)
        return dataclasses.replace(self, crop=crop if self.crop == "auto" else self.crop,
                                   flip=flip if self.flip == "auto" else self.flip)

    @property
    def execution_steps(self):
        """``steps_per_execution`` for ``compile`` (automatic 0, unresolved outside ``train``: 1)."""
        return self.steps_per_execution or 1

    def toy_params(self):
        """Keyword arguments for the 2-D samplers (only those the user changed)."""
        params = {}
        if self.dataset == "ring8":
            params["radius"] = self.ring_radius
        if self.toy_std > 0:
            params["noise" if self.dataset == "swiss_roll" else "std"] = self.toy_std
        return params

    def validate(self):
        for name in ("steps", "batch_size", "image_size", "log_every", "sample_every",
                     "checkpoint_every", "keep_checkpoints", "num_images"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"--{name} must be a positive integer, got {value!r}.")
        spe = self.steps_per_execution
        if not isinstance(spe, int) or isinstance(spe, bool) or spe < 0:
            raise ValueError(f"--steps_per_execution must be a non-negative integer (0: automatic), "
                             f"got {spe!r}.")
        if (not isinstance(self.eval_every, int) or isinstance(self.eval_every, bool)
                or self.eval_every < 0):
            raise ValueError(f"--eval_every must be a non-negative integer, got {self.eval_every!r}.")
        if not isinstance(self.eval_samples, int) or not 10 <= self.eval_samples <= 100_000:
            raise ValueError(f"--eval_samples must be an integer in [10, 100000], got "
                             f"{self.eval_samples!r}.")
        for name in ("log_every", "steps") if spe else ():
            if getattr(self, name) % spe:
                raise ValueError(
                    f"--{name}={getattr(self, name)} must be a multiple of --steps_per_execution="
                    f"{self.steps_per_execution} (a compiled call runs that many steps at once).")
        for name in ("sample_every", "checkpoint_every", "eval_every"):
            if getattr(self, name) % self.log_every:
                raise ValueError(
                    f"--{name}={getattr(self, name)} must be a multiple of --log_every="
                    f"{self.log_every} (samples and checkpoints are taken at log steps)."
                )
        if self.preset not in PRESET_NAMES:
            raise ValueError(f"--preset must be one of {PRESET_NAMES}, got {self.preset!r}.")
        if self.verbose not in (0, 1, 2):
            raise ValueError(f"--verbose must be 0, 1 or 2, got {self.verbose!r}.")
        if self.steps > 10**9:
            raise ValueError(f"--steps must be at most 1e9, got {self.steps!r}.")
        if self.precision not in PRECISIONS:
            raise ValueError(f"--precision must be one of {tuple(PRECISIONS)}, got "
                             f"{self.precision!r}.")
        if self.distribute not in DISTRIBUTE:
            raise ValueError(f"--distribute must be one of {DISTRIBUTE}, got {self.distribute!r}.")
        from tfgan_latent import data

        if self.crop != "auto" and self.crop not in data.crop_names(self.dataset):
            raise ValueError(f"--crop={self.crop!r} does not apply to --dataset={self.dataset}; "
                             f"expected one of {['auto', *data.crop_names(self.dataset)]}.")
        if self.flip not in ("auto", "on", "off"):
            raise ValueError(f"--flip must be one of ['auto', 'on', 'off'], got {self.flip!r}.")
        if self.flip == "on" and self.dataset in data.DATASETS and data.dataset_kind(self.dataset) == "points":
            raise ValueError(f"--flip=on applies to image sets, not the point set "
                             f"--dataset={self.dataset}.")
        if self.toy_std < 0 or self.ring_radius <= 0:
            raise ValueError("--toy_std must be >= 0 and --ring_radius > 0.")
        if (not isinstance(self.cpu_devices, int) or isinstance(self.cpu_devices, bool)
                or not 0 <= self.cpu_devices <= MAX_CPU_DEVICES):
            raise ValueError(f"--cpu_devices must be an integer in [0, {MAX_CPU_DEVICES}], got "
                             f"{self.cpu_devices!r}.")


# Ranges of the settings many model configs share, checked by name (a config's own ``validate``
# covers the rest). A value equal to the config's default is never checked: defaults may be
# sentinels (BEGAN's 0 = "the paper value for this data").
_POSITIVE_INTS = {"latent_dim": 65_536, "width": 8_192, "mlp_units": 65_536, "mlp_layers": 256,
                  "d_steps": 1_000, "g_steps": 1_000, "kernel_size": 31}
_NON_NEGATIVE_INTS = {"lis_modules": 64}
_UNIT_INTERVAL = ("beta_1", "beta_2", "ema_decay")  # [0, 1)


def check_common_ranges(cfg, defaults):
    """Raises, naming the flag and its range, for a shared setting outside its range."""
    import math

    for f in dataclasses.fields(cfg):
        name, value = f.name, getattr(cfg, f.name)
        if value == getattr(defaults, name) or isinstance(value, (bool, str, tuple)):
            continue
        if name in _POSITIVE_INTS:
            top = _POSITIVE_INTS[name]
            if not isinstance(value, int) or not 1 <= value <= top:
                raise ValueError(f"--{name} must be an integer in [1, {top}], got {value!r}.")
        elif name in _NON_NEGATIVE_INTS:
            top = _NON_NEGATIVE_INTS[name]
            if not isinstance(value, int) or not 0 <= value <= top:
                raise ValueError(f"--{name} must be an integer in [0, {top}], got {value!r}.")
        elif name in _UNIT_INTERVAL:
            if not 0 <= value < 1:
                raise ValueError(f"--{name} must be in [0, 1), got {value!r}.")
        elif name == "lr" or name.endswith("_lr") or name == "adam_epsilon":
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"--{name} must be a finite number > 0, got {value!r}.")
        elif name.endswith("_weight"):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"--{name} must be a finite number >= 0, got {value!r}.")


def to_json(run_cfg, model_cfg):
    return {"run": dataclasses.asdict(run_cfg.data_resolved()),
            "model": dataclasses.asdict(model_cfg)}


def write_config(path, run_cfg, model_cfg):
    Path(path).write_text(json.dumps(to_json(run_cfg, model_cfg), indent=2, sort_keys=True) + "\n")


def stored_run_settings(run):
    """A stored config.json ``run`` dict as this version reads it: runs written before
    ``--crop`` was per data set stored ``crop="rfgan"`` for every set, where it had no effect
    unless the set has that crop; such a crop reads as "none". Runs written before ``--flip``
    read as ``flip="off"``."""
    from tfgan_latent import data

    run = dict(run)
    run.setdefault("flip", "off")  # runs written before --flip existed never flipped
    crop = run.get("crop")
    if crop not in (None, "auto") and crop not in data.crop_names(run.get("dataset", "")):
        run["crop"] = "none"
    return run


def stored_run_config(run):
    """``RunConfig`` of a stored ``run`` dict (``stored_run_settings``)."""
    return RunConfig(**stored_run_settings(run))


def read_run_folder(directory, flag="from_run", expected="a run folder written by "
                    "`tfgan-latent train`"):
    """``(stored config.json dict, its RunConfig)`` of a run folder; errors name ``--flag``."""
    config_path = Path(directory) / "config.json"
    if not config_path.is_file():
        raise ValueError(f"--{flag}={directory}: no config.json there; pass {expected}.")
    stored = json.loads(config_path.read_text())
    return stored, stored_run_config(stored["run"])


def settings_differences(stored, run_cfg, model_cfg, fixed=()):
    """``["key: old -> new", ...]`` between stored settings (``to_json``'s dict) and the current
    ones, over the fields that define what is trained.

    ``fixed``: run fields that are normally resumable but may not change for this model
    (a growing model plans its cycles over ``--steps``).
    """
    current = to_json(run_cfg, model_cfg)
    stored = {**stored, "run": stored_run_settings(stored.get("run", {}))}
    # A setting added after the run was written is absent there; at its default it changes nothing.
    defaults = {"run": {f.name: f.default for f in dataclasses.fields(run_cfg)},
                "model": {f.name: f.default for f in dataclasses.fields(model_cfg)}}
    diffs = []
    for section in ("run", "model"):
        for key in sorted(set(stored.get(section, {})) | set(current[section])):
            if section == "run" and key in RESUMABLE_FIELDS and key not in fixed:
                continue
            if (key not in stored.get(section, {})
                    and current[section].get(key) == defaults[section].get(key, object())):
                continue
            old, new = stored.get(section, {}).get(key), current[section].get(key)
            if isinstance(old, list):
                old = list(old)
            if isinstance(new, tuple):
                new = list(new)
            if old != new:
                diffs.append(f"{key}: {old!r} -> {new!r}")
    return diffs


def check_resume_compatible(path, run_cfg, model_cfg, fixed=()):
    """Raises if the run in ``path`` (its config.json) was made with settings that change what
    is trained (``settings_differences``)."""
    try:
        stored = json.loads(Path(path).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} (the run's settings) is not valid JSON ({e}); restore it, or "
                         "delete it to resume with the current flags.") from None
    if not isinstance(stored, dict):
        raise ValueError(f"{path} (the run's settings) is not a JSON object.")
    diffs = settings_differences(stored, run_cfg, model_cfg, fixed)
    if diffs:
        raise ValueError(
            f"{path} was written by a run with different settings ({'; '.join(diffs)}); "
            "resuming would mix them. Use another --out or the original flags."
        )

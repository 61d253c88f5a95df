"""Presets: named sets of flag values for one model, the one mechanism behind ``--preset``.

A preset fills the run and model settings that the command line leaves unset (an explicit flag
always wins), so it is exactly a saved command line. Three names exist for every model:

- ``paper``: no values; the config dataclasses' defaults are the paper's (each cites its
  section), so this preset is those defaults.
- ``authors_code``: the settings where the authors' released code differs from the paper's
  text (the README's per-paper table lists each, with its source); a model whose code adds
  nothing to its paper has an empty one.
- ``cpu``: settings found by ``experiments/preset_search.py`` on the embedded data sets, for
  a 2-core machine: the paper's architecture family, losses and schedule stay; widths, rates,
  steps, batch, a weight average, critic steps... are searched. Each names the search record
  it comes from and its expected minutes of training on the reference CPU.

A preset may hold separate values for image sets and 2-D point sets (``kind``), and for one data
set (``kind`` = its name, e.g. ``"grid25"``): the values of ``kind="any"`` apply to all, the data
kind's on top, the data set's on top of those.
"""
import dataclasses
import types

from tfgan_latent.train.config import PRESET_NAMES as NAMES
KINDS = ("any", "images", "points")


@dataclasses.dataclass(frozen=True)
class Preset:
    """One model's named settings for one kind of data.

    Args:
        values: flag name → value (run or model settings; unknown names are refused when the
            preset is applied).
        source: where the values come from (paper section, authors' file, search record).
        minutes: expected minutes of training on the reference 2-core CPU (0: not measured).
        cpu: the CPU those minutes were measured on.
    """

    values: types.MappingProxyType
    source: str = ""
    minutes: float = 0.0
    cpu: str = ""


_PRESETS = {}  # (model, name, kind) -> Preset


def register_preset(model, name, values, *, source, kind="any", minutes=0.0, cpu=""):
    """Adds preset ``name`` of ``model`` for data of ``kind`` ("any", "images", "points", or
    one data set's name)."""
    from tfgan_latent.data.pipeline import DATASETS

    if name not in NAMES or name == "paper":
        raise ValueError(f"preset name must be one of {NAMES[1:]} (paper is the defaults), "
                         f"got {name!r}.")
    if kind not in KINDS + DATASETS:
        raise ValueError(f"kind must be one of {KINDS} or a data set {DATASETS}, got {kind!r}.")
    if (model, name, kind) in _PRESETS:
        raise ValueError(f"preset {name!r} of {model!r} for {kind} data is already registered.")
    _PRESETS[model, name, kind] = Preset(types.MappingProxyType(dict(values)), source, minutes,
                                         cpu)


def preset_parts(model, name, kind, dataset=None):
    """The registered parts of preset ``name`` that apply to ``kind`` data and to ``dataset``
    ("any" first, the data set's last)."""
    if name not in NAMES:
        raise ValueError(f"--preset must be one of {NAMES}, got {name!r}.")
    keys = ("any", kind) + ((dataset,) if dataset else ())
    return [p for p in (_PRESETS.get((model, name, k)) for k in keys) if p is not None]


def preset_values(model, name, kind, dataset=None):
    """Flag name → value of preset ``name`` of ``model`` for ``kind`` data on ``dataset``
    (empty for paper).

    A ``cpu`` preset that was never found for this model and kind is an error that says so
    (an empty ``authors_code`` is legitimate: the code then adds nothing to the paper)."""
    parts = preset_parts(model, name, kind, dataset)
    if name == "cpu" and not parts:
        found = sorted({k for m, n, k in _PRESETS if m == model and n == "cpu"})
        raise ValueError(f"--preset=cpu: no CPU preset of --model={model} for {kind} data yet"
                         + (f" (there is one for {', '.join(found)})" if found else "")
                         + "; `tfgan-latent models` lists the presets.")
    values = {}
    for part in parts:
        values.update(part.values)
    return values


def presets_of(model):
    """[(name, kind, Preset)] registered for ``model``, for listings."""
    return sorted(((n, k, p) for (m, n, k), p in _PRESETS.items() if m == model),
                  key=lambda t: (NAMES.index(t[0]), KINDS.index(t[1]) if t[1] in KINDS else 9,
                                 t[1]))


def apply(model, name, kind, given_run, given_model, run_fields, dataset=None):
    """Fills what the command line left unset from the preset.

    Args:
        given_run: run settings set explicitly (flag name → value).
        given_model: model settings set explicitly.
        run_fields: the names of the run settings (``RunConfig``'s fields).

    Returns:
        ``(run_values, model_values)``: the preset's values under the explicit ones.
    """
    values = preset_values(model, name, kind, dataset)
    run = {k: v for k, v in values.items() if k in run_fields}
    mdl = {k: v for k, v in values.items() if k not in run_fields}
    return {**run, **given_run}, {**mdl, **given_model}

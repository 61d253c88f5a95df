"""``tfgan-latent import``: a checkpoint written by a paper's original code -> a run folder of ours.

Each paper registers the map of its authors' checkpoint (``register_map``, from its
``registration.py``; the names and layouts live in the paper's folder, e.g.
``papers/lis/checkpoint_map.py``). ``import_checkpoint`` builds our model from the same run and
model settings as ``train``, reads the original's arrays, checks that every one of their
tensors has a place in ours and every variable of ours is filled with the right shape
(unknown, missing and mis-shaped names are errors that name them), assigns them, and writes
``config.json`` and a checkpoint that ``train`` resumes and ``evaluate``, ``sample``,
``invert`` and export read.

Readers (no torch, no TF1 graph):

* ``torch``: ``<prefix>_<role>.pt`` files of ``torch.save(net.state_dict())``, either the zip
  format (torch >= 1.6: ``data.pkl`` + one file per storage) or the legacy one (torch
  <= 1.5, as the 2017 LIS code wrote: pickles followed by the raw storages). ``data.pkl`` is
  read by a restricted unpickler that only rebuilds dicts and tensors (as numpy arrays);
  anything else in the pickle is refused.
* ``tf1``: a TF1 ``Saver`` checkpoint prefix (or its folder), read with
  ``tf.train.load_checkpoint``.

A map's entries name their tensors; an entry's ``variable`` is ours, or None for a tensor of
theirs that has no variable of ours but is required and used by another entry (its ``shape``
is then checked; e.g. RFGAN's G biases before batch norm, folded into the moving means). An
entry may list ``needs``: names of other tensors of the same role that ``to_ours`` takes after
the array, and ``optimizer``: the name of the optimizer whose state it fills (tf1 maps: their
slots and step counters are entries; ``imported.json`` lists those optimizers). A staged model (growing) imports into its first stage.
"""
import collections
import dataclasses
import io
import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np

_MAPS = {}


@dataclasses.dataclass(frozen=True)
class ImportMap:
    """How the authors' checkpoint of one model maps onto ours.

    Args:
        reader: ``"torch"`` (one ``<prefix>_<role>.pt`` state_dict per role) or ``"tf1"``
            (one checkpoint; use the single role ``""``).
        entries: ``fn(our built model) -> {role: {their name: entry}}``; an entry has
            ``.variable`` (our ``keras.Variable``, or None: module docstring) and optionally
            ``.needs`` (their names passed to ``to_ours`` after the array) and ``.shape``.
        to_ours: ``fn(entry, array, *needed arrays) -> array`` in our variable's layout.
        source: the original code the map follows (for ``imported.json``).
        ignore: ``fn(their name, our model) -> bool`` for tensors that have no place in ours on
            purpose (optimizer slots, counters, nets the model does not have); they are listed
            in ``imported.json``.
        optimizers: torch only, optional: ``fn(our model) -> {role: (optimizer, {their slot:
            fn(optimizer, variable) -> our slot variable})}``; the optimizer state in
            ``<prefix>_<role>_opt.pt`` (parameters in ``state_dict`` order) is then imported
            too, in the layout of the parameter it belongs to, and the optimizer's
            ``iterations`` set to their ``step``.
        step: tf1 only, optional: ``fn(our model, {name: array}, saver step) -> int``, the
            run's step; default: the ``Saver``'s global step (the ``-N`` of the checkpoint's
            name), which is what each code counts in its own way.
        run_files: write the model's run files (``write_run_files``, e.g. a DAE's
            ``encoder.keras`` that ``--encoder_from`` reads) into the new folder.
        hint: the flags to check when a tensor's shape does not fit (error messages).
    """

    reader: str
    entries: object
    to_ours: object
    source: str
    ignore: object = None
    optimizers: object = None
    step: object = None
    run_files: bool = False
    hint: str = "--latent_dim, --nfeature, --image_size, modules"


def register_map(model, import_map):
    """Registers the checkpoint map of the original code of ``model``."""
    if import_map.reader not in ("torch", "tf1"):
        raise ValueError(f"reader must be 'torch' or 'tf1', got {import_map.reader!r}.")
    _MAPS[model] = import_map


def models_with_maps():
    return sorted(_MAPS)


# ------------------------------------------------------------------------- torch files
_STORAGES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
             "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
             "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class _Storage:
    def __init__(self, dtype, key, numel):
        self.dtype, self.key, self.numel, self.data = dtype, key, numel, None


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), stride

    def array(self):
        data = self.storage.data
        itemsize = data.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], self.size, [s * itemsize for s in self.stride])
        return np.array(view)


def _rebuild_tensor(storage, offset, size, stride, *unused):
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, *unused):
    return data


class _Unpickler(pickle.Unpickler):
    """Rebuilds dicts and tensors of a torch pickle; refuses every other class."""

    _ALLOWED = {("collections", "OrderedDict"): collections.OrderedDict,
                ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
                ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
                ("torch._utils", "_rebuild_parameter"): _rebuild_parameter}

    def __init__(self, file, path):
        super().__init__(file)
        self.path, self.storages = path, {}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return self._ALLOWED[module, name]
        if module == "torch" and name in _STORAGES:
            return name
        raise pickle.UnpicklingError(f"{self.path}: {module}.{name} is not a tensor or a dict; "
                                     "only state_dict files can be imported.")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"{self.path}: unknown persistent id {pid!r}.")
        kind, key, numel = pid[1], str(pid[2]), pid[4]
        if kind not in _STORAGES:
            raise pickle.UnpicklingError(f"{self.path}: unsupported storage type {kind!r}.")
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError(f"{self.path}: storage views are not supported.")
        return self.storages.setdefault(key, _Storage(np.dtype(_STORAGES[kind]), key, numel))


def _resolve(obj):
    if isinstance(obj, _Tensor):
        return obj.array()
    if isinstance(obj, dict):
        return type(obj)((k, _resolve(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_resolve(v) for v in obj)
    return obj


def read_torch(path):
    """The object of a ``torch.save`` file (state_dicts, optimizer states) with numpy arrays
    for tensors, read without torch."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            pkl = [n for n in names if n.endswith("/data.pkl")]
            if len(pkl) != 1:
                raise ValueError(f"{path}: not a torch.save file (no data.pkl).")
            root = pkl[0][:-len("data.pkl")]
            order = archive.read(root + "byteorder").decode() if root + "byteorder" in names \
                else "little"
            unpickler = _Unpickler(io.BytesIO(archive.read(pkl[0])), path)
            obj = unpickler.load()
            for key, storage in unpickler.storages.items():
                raw = archive.read(f"{root}data/{key}")
                storage.data = np.frombuffer(raw, storage.dtype.newbyteorder(
                    "<" if order == "little" else ">"), storage.numel)
        return _resolve(obj)
    with open(path, "rb") as f:  # legacy format: magic, protocol, sys info, object, keys, data
        try:
            if pickle.load(f) != 0x1950A86A20F9469CFC6C:
                raise ValueError
            pickle.load(f)
            sys_info = pickle.load(f)
        except Exception:
            raise ValueError(f"{path}: not a torch.save file.") from None
        unpickler = _Unpickler(f, path)
        obj = unpickler.load()
        order = "<" if sys_info.get("little_endian", True) else ">"
        for key in pickle.load(f):
            storage = unpickler.storages[str(key)]
            numel = int.from_bytes(f.read(8), "little" if order == "<" else "big")
            storage.data = np.frombuffer(f.read(numel * storage.dtype.itemsize),
                                         storage.dtype.newbyteorder(order), numel)
    return _resolve(obj)


def tf1_prefix(original):
    """The checkpoint prefix of ``original``: itself, or for a folder the checkpoint its
    ``checkpoint`` state file names, looked up in that folder (a ``Saver`` writes absolute
    paths there, which break once the folder is moved or copied)."""
    path = Path(original)
    if not path.is_dir():
        return str(original)
    state = path / "checkpoint"
    names = re.findall(r'^model_checkpoint_path:\s*"(.*)"\s*$',
                       state.read_text() if state.is_file() else "", re.M)
    if not names:
        raise ValueError(f"--original={original}: a folder without a 'checkpoint' state file "
                         "naming its checkpoint; pass the checkpoint prefix itself.")
    return str(path / Path(names[-1]).name)


def saver_step(prefix):
    """The global step a TF1 ``Saver`` appended to the checkpoint's name (``model-N``), else 0."""
    match = re.search(r"-(\d+)$", Path(str(prefix)).name)
    return int(match.group(1)) if match else 0


def adam_steps(power, beta_1):
    """The updates a TF1 ``AdamOptimizer`` has made, from its ``beta1_power`` (β1^(t+1))."""
    t = np.log(float(power)) / np.log(beta_1) - 1
    if abs(t - round(t)) > 1e-3 or round(t) < 0:
        raise ValueError(f"beta1_power {float(power)} is not a power of β1 = {beta_1} "
                         "(--beta_1 differs from the run that wrote it?)")
    return int(round(t))


def read_tf1(prefix):
    """``{variable name: array}`` of a TF1 ``Saver`` checkpoint (no graph needed)."""
    import tensorflow as tf

    prefix = tf1_prefix(prefix)
    try:
        reader = tf.train.load_checkpoint(str(prefix))
    except Exception as e:
        raise ValueError(f"--original={prefix}: not a readable TF checkpoint "
                         f"({str(e).splitlines()[0][:200]}).") from None
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


# ---------------------------------------------------------------------------- import
def read_original(import_map, original, roles):
    """``{role: {name: array}}`` of the original checkpoint for ``roles``."""
    if import_map.reader == "tf1":
        return {"": read_tf1(original)}
    out = {}
    for role in roles:
        path = Path(f"{original}_{role}.pt")
        if not path.is_file():
            raise ValueError(f"--original={original}: {path} is missing (the authors' code "
                             f"writes one <prefix>_<role>.pt per net; needed: "
                             f"{', '.join(roles)}).")
        state = read_torch(path)
        if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
            raise ValueError(f"{path}: not a state_dict (a dict of tensors).")
        out[role] = dict(state)
    return out


def ignored(import_map, arrays, model):
    """Their tensor names the map leaves out on purpose, ``{role: sorted names}``."""
    if not import_map.ignore:
        return {}
    return {role: sorted(k for k in names if import_map.ignore(k, model))
            for role, names in arrays.items()}


def _converted(import_map, entry, name, theirs):
    """``to_ours`` of one tensor (with the tensors it needs), None when it does not convert."""
    needs = [theirs[n] for n in getattr(entry, "needs", ()) if n in theirs]
    if len(needs) != len(getattr(entry, "needs", ())):
        return None
    try:
        return np.asarray(import_map.to_ours(entry, theirs[name], *needs))
    except ValueError:
        return None


def assign(import_map, entries, arrays, original, skip=None):
    """Checks names and shapes of every role, then assigns; errors name every bad tensor.

    ``skip``: ``{role: names}`` to leave out (``ignored``)."""
    problems = []
    skip = skip or {}
    for role, names in entries.items():
        theirs = {k: v for k, v in arrays.get(role, {}).items() if k not in skip.get(role, ())}
        where = f"{original}_{role}.pt" if role else str(original)
        unknown = sorted(set(theirs) - set(names))
        missing = sorted(set(names) - set(theirs))
        if unknown:
            problems.append(f"{where}: unknown tensors (no variable of ours): {', '.join(unknown)}")
        if missing:
            problems.append(f"{where}: missing tensors (our variables left empty): "
                            f"{', '.join(missing)}")
        for name in sorted(set(theirs) & set(names)):
            entry = names[name]
            value = _converted(import_map, entry, name, theirs)
            if entry.variable is None:
                want, ours = tuple(entry.shape), getattr(entry, "path", "the map")
            else:
                want, ours = tuple(entry.variable.shape), entry.variable.path
            if value is None or tuple(value.shape) != want:
                problems.append(f"{where}: {name} has shape {tuple(theirs[name].shape)}, which "
                                f"does not fit {ours} {want} (check the model flags: "
                                f"{import_map.hint})")
    if problems:
        raise ValueError("cannot import: " + "; ".join(problems) + ".")
    for role, names in entries.items():
        for name, entry in names.items():
            if entry.variable is not None:
                value = _converted(import_map, entry, name, arrays[role])
                entry.variable.assign(value.astype(entry.variable.dtype))


def assign_optimizers(import_map, model, entries, arrays, original):
    """Imports the optimizer states found beside the weights; returns the roles imported."""
    if import_map.reader != "torch" or import_map.optimizers is None:
        return []
    done = []
    for role, (optimizer, slots) in import_map.optimizers(model).items():
        path = Path(f"{original}_{role}_opt.pt")
        if role not in entries or optimizer is None or not path.is_file():
            continue
        state = read_torch(path)
        names = list(arrays[role])  # parameters() order == state_dict order (nets without buffers)
        params = [i for group in state.get("param_groups", ()) for i in group["params"]]
        if len(params) != len(names):
            raise ValueError(f"{path}: {len(params)} parameters, but {len(names)} tensors in "
                             f"{original}_{role}.pt.")
        steps = 0
        for index, name in zip(params, names):
            per = state["state"].get(index)
            if per is None:  # never stepped (no gradient yet): our slot stays at zero
                continue
            entry = entries[role][name]
            for their_slot, slot_of in slots.items():
                if their_slot not in per:
                    raise ValueError(f"{path}: parameter {index} ({name}) has no {their_slot!r} "
                                     f"(it has {sorted(per)}).")
                slot = slot_of(optimizer, entry.variable)
                value = import_map.to_ours(entry, per[their_slot])
                if tuple(value.shape) != tuple(slot.shape):
                    raise ValueError(f"{path}: {their_slot} of {name} has shape "
                                     f"{tuple(per[their_slot].shape)}, not {tuple(slot.shape)}.")
                slot.assign(value.astype(slot.dtype))
            steps = max(steps, int(np.asarray(per.get("step", 0))))
        optimizer.iterations.assign(steps)
        done.append(role)
    return done


def original_step(original):
    """The iteration of the authors' ``<prefix>_state.pt`` (``current_iter``), else 0."""
    path = Path(f"{original}_state.pt")
    if not path.is_file():
        return 0
    try:
        state = read_torch(path)
    except (pickle.UnpicklingError, ValueError):
        return 0
    return int(state.get("current_iter", 0)) if isinstance(state, dict) else 0


def import_checkpoint(original, run_cfg, model_cfg):
    """Writes run folder ``run_cfg.out`` from the original checkpoint ``original`` (torch: the
    prefix of the ``<prefix>_<role>.pt`` files; tf1: the checkpoint prefix). Returns a dict."""
    import keras

    from tfgan_latent.train import config as config_lib
    from tfgan_latent.train import registry, runner
    from tfgan_latent.train.checkpoints import Checkpointer

    if run_cfg.model not in _MAPS:
        raise ValueError(f"--model={run_cfg.model}: no map of the authors' checkpoints; import "
                         f"knows {', '.join(models_with_maps())}.")
    import_map = _MAPS[run_cfg.model]
    out = Path(run_cfg.out)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"--out={out} is not empty; import writes a new run folder.")
    keras.utils.set_random_seed(run_cfg.seed)
    stages = registry.model_stages(run_cfg, model_cfg)
    model = stages[0].build(None)  # a staged model (growing): its first stage
    entries = import_map.entries(model)
    arrays = read_original(import_map, original, list(entries))
    skipped = ignored(import_map, arrays, model)
    assign(import_map, entries, arrays, original, skipped)
    for average, live in model.average_pairs():  # --ema_decay: start at the imported G
        average.assign(live)
    optimizers = assign_optimizers(import_map, model, entries, arrays, original)
    if import_map.reader == "tf1":
        optimizers = sorted({getattr(e, "optimizer", "") for names in entries.values()
                             for e in names.values()} - {""})
    if import_map.reader == "torch":
        step = original_step(original)
    elif import_map.step is not None:
        step = int(import_map.step(model, arrays[""], saver_step(tf1_prefix(original))))
    else:
        step = saver_step(tf1_prefix(original))
    if len(stages) > 1 and step > stages[0].end_step:
        raise ValueError(f"--original={original} is at step {step}, past the end of stage "
                         f"{stages[0].name} (step {stages[0].end_step}) of this run's plan; "
                         "set --steps (or the schedule) so the imported stage has not ended.")
    model.step.assign(step)
    out.mkdir(parents=True, exist_ok=True)
    config_lib.write_config(out / "config.json", run_cfg, model_cfg)
    fixed = registry.get_model_spec(run_cfg.model).resume_fixed(model_cfg)
    checkpointer = Checkpointer(model, runner.stage_dirs(out / "checkpoints", stages)[0],
                                run_cfg.keep_checkpoints,
                                **runner.checkpoint_settings(run_cfg, model_cfg, fixed))
    path = checkpointer.save(step)
    record = {"original": str(original), "source": import_map.source, "step": step,
              "tensors": {role: sum(e.variable is not None for e in names.values())
                          for role, names in entries.items()},
              "optimizer_states": optimizers,
              "ignored": {role: names for role, names in skipped.items() if names}}
    if import_map.run_files:
        record["files"] = model.write_run_files(out)
    (out / "imported.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return {"out": str(out), "checkpoint": path, **record}

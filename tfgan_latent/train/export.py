"""Generator export for TF Serving (research/env.md §4).

``EXPORT_DIR/<version>/`` with ``serving_default``: input ``z`` float32 ``[None, latent_dim]``
→ a dict output (``images`` or ``points``) via ``keras.export.ExportArchive``, so the
signature names are stable. A new export never overwrites an old version: it takes the
next free version number (TF Serving serves the highest).

Exports are atomic: the SavedModel is written into a hidden ``.partial-<host>-<pid>-<id>``
folder beside the versions and renamed to its version number only when complete, so a kill
leaves no numbered folder that TF Serving would try to load. The rename claims the number:
when two runs share an export folder and pick the same number, the second rename fails on the
non-empty folder and that export takes the next number. Partial folders left by dead processes
of this host are removed by the next export.

Beside the graph, ``assets.extra/tfgan_latent.json`` records what a user needs to sample and
score the generator without its run folder (model, data set, image size, latent size and
prior); TF Serving ignores ``assets.extra``.
"""
import errno
import json
import os
import shutil
import socket
import uuid
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf


PARTIAL_PREFIX = ".partial-"


def next_version_dir(base):
    base = Path(base)
    versions = [int(p.name) for p in base.glob("*") if p.is_dir() and p.name.isdigit()]
    return base / str(max(versions, default=0) + 1)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def clean_partial_exports(base):
    """Removes the partial export folders of dead processes of this host; returns them."""
    removed = []
    host = socket.gethostname()
    for path in Path(base).glob(PARTIAL_PREFIX + "*"):
        parts = path.name[len(PARTIAL_PREFIX):].rsplit("-", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue  # another host's (it may be alive) or not ours
        if not _pid_alive(int(parts[1])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def partial_dir(base):
    """A fresh hidden folder in ``base`` to write one export into (see ``publish``)."""
    base = Path(base)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"--export_dir={base} is not a folder (a file is in the way).") from None
    clean_partial_exports(base)
    return base / f"{PARTIAL_PREFIX}{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def publish(partial, base):
    """Renames the complete export ``partial`` to the next free version of ``base``; its path.

    ``rename`` onto an existing non-empty folder fails, so a number another export took first
    is never overwritten: this export then tries the next one.
    """
    for _ in range(1000):
        path = next_version_dir(base)
        try:
            os.rename(partial, path)
            return path
        except OSError as e:
            if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    raise RuntimeError(f"could not claim a version number under {base}.")


def is_complete_export(path):
    """Whether ``path`` is a numbered export folder with its graph (what TF Serving loads)."""
    path = Path(path)
    return path.name.isdigit() and (path / "saved_model.pb").is_file()


def plain_copy(model):
    """A copy of ``model`` with ordinary (non-distributed) variables and the same weights.

    Call outside ``strategy.scope()``: the copy then holds no MirroredVariables.
    """
    try:
        copy = keras.models.clone_model(model)
    except ValueError:  # subclassed models (LIS, R-separate) rebuild from their config
        copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    copy.set_weights(model.get_weights())
    return copy


def _endpoint(fn, output_name):
    """``(model, z) -> dict`` for one extra signature (a closure: no Python defaults in the trace)."""
    def endpoint(model, z):
        outputs = fn(model, z)
        return outputs if isinstance(outputs, dict) else {output_name: outputs}
    return endpoint


METADATA_FILE = Path("assets.extra") / "tfgan_latent.json"


def read_metadata(export_dir):
    """The ``tfgan_latent.json`` of an export, or {} for a SavedModel made elsewhere."""
    path = Path(export_dir) / METADATA_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e}).") from None


def export_model(model, input_spec, endpoints, base_dir, metadata=None):
    """Writes the signatures ``endpoints`` of ``model`` under ``base_dir/<next version>/``.

    Args:
        model: the Keras model the endpoints call, or a dict of them (each copied to plain
            variables first; an endpoint then gets the dict of copies).
        input_spec: the ``tf.TensorSpec`` an endpoint takes (its name is the input's).
        endpoints: ``{signature name: fn(model, x) -> dict of tensors}``, or
            ``{name: (fn, spec)}`` for an endpoint with its own input; include
            ``serving_default``.
        metadata: a JSON-able dict written to ``assets.extra/tfgan_latent.json``.
    """
    if isinstance(model, dict):
        model = {key: plain_copy(m) for key, m in model.items()}
        tracked = list(model.values())
    else:
        model = plain_copy(model)
        tracked = [model]
    archive = keras.export.ExportArchive()
    for m in tracked:
        archive.track(m)
    for name, fn in endpoints.items():
        spec = input_spec
        if isinstance(fn, tuple):
            fn, spec = fn
        archive.add_endpoint(name=name, fn=_bind(fn, model, spec), input_signature=[spec])
    partial = partial_dir(base_dir)
    try:
        write_archive(archive, partial)
        if metadata is not None:
            (partial / METADATA_FILE).parent.mkdir(exist_ok=True)
            (partial / METADATA_FILE).write_text(
                json.dumps(metadata, indent=2, sort_keys=True) + "\n")
        return publish(partial, base_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def write_archive(archive, path):
    """Writes the SavedModel (one seam, so fault tests can interrupt an export)."""
    archive.write_out(str(path), verbose=False)


def _bind(fn, model, spec):
    """The endpoint, with its float input checked inside the graph, so a client (TF Serving
    included) gets an error naming the input instead of a TensorFlow-internal one or
    plausible-looking outputs:

    * its shape: a fed tensor skips the signature's declared shape (TF Serving and a loaded
      signature both feed it straight into the graph), so the check counts values, which no
      graph optimisation can fold away: ``size == batch × prod(declared non-batch dims)``, then
      reshapes to the declared shape (a ``[batch, d, 1]`` z is accepted as ``[batch, d]``);
    * finite values (no NaN or Inf).

    The dtype is enforced by the signature before the graph runs (the caller's error says
    "expected to be a float tensor"); it cannot be checked from inside.
    """
    if not spec.dtype.is_floating:
        return lambda x: _float32(fn(model, x))
    inner = list(spec.shape[1:])
    dims = ", ".join(str(d) for d in inner)
    expected = f"`{spec.name}` must be {spec.dtype.name} [batch, {dims}]"
    finite = f"`{spec.name}` must hold finite values (no NaN or Inf): {spec.dtype.name} {spec.shape}"

    def endpoint(x):
        if None not in inner:
            batch = tf.concat([tf.shape(x), [0]], 0)[0]  # the pad: a scalar has no batch
            fits = tf.equal(tf.size(x), batch * int(np.prod(inner, dtype=np.int64)))
            with tf.control_dependencies([tf.debugging.Assert(fits, [expected, "got shape",
                                                                   tf.shape(x)])]):
                x = tf.reshape(x, tf.concat([[batch], inner], 0))  # not folded away
        return _float32(fn(model, tf.debugging.assert_all_finite(x, finite)))
    return endpoint


def _float32(outputs):
    """Float outputs as float32 (a net computed in bf16 still serves float32)."""
    return {k: tf.cast(v, tf.float32) if v.dtype.is_floating else v for k, v in outputs.items()}


def export_generator(generator, latent_dim, base_dir, output_name="images", extra_endpoints=(),
                     metadata=None):
    """Writes ``generator`` as a SavedModel under ``base_dir/<next version>/``; returns the path.

    ``serving_default``: input ``z`` float32 [None, latent_dim] → ``{output_name: samples}``.

    Args:
        extra_endpoints: ``(name, fn(model, z) -> dict or tensor)`` pairs for additional
            signatures (a tensor is returned under ``output_name``).
        metadata: a JSON-able dict written to ``assets.extra/tfgan_latent.json``.
    """
    endpoints = {"serving_default": lambda m, z: {output_name: m(z, training=False)}}
    for name, fn in extra_endpoints:
        endpoints[name] = _endpoint(fn, output_name)
    spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    return export_model(generator, spec, endpoints, base_dir, metadata)

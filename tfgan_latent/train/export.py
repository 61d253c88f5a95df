"""Generator export for TF Serving (research/env.md §4).

``EXPORT_DIR/<version>/`` with ``serving_default``: input ``z`` float32 ``[None, latent_dim]``
→ a dict output (``images`` or ``points``) via ``keras.export.ExportArchive``, so the
signature names are stable. A new export never overwrites an old version: it takes the
next free version number (TF Serving serves the highest).

Beside the graph, ``assets.extra/tfgan_latent.json`` records what a user needs to sample and
score the generator without its run folder (model, data set, image size, latent size and
prior); TF Serving ignores ``assets.extra``.
"""
import json
from pathlib import Path

import keras
import tensorflow as tf


def next_version_dir(base):
    base = Path(base)
    versions = [int(p.name) for p in base.glob("*") if p.is_dir() and p.name.isdigit()]
    return base / str(max(versions, default=0) + 1)


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
        archive.add_endpoint(name=name, fn=_bind(fn, model), input_signature=[spec])
    path = next_version_dir(base_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    archive.write_out(str(path), verbose=False)
    if metadata is not None:
        (path / METADATA_FILE).parent.mkdir(exist_ok=True)
        (path / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")
    return path


def _bind(fn, model):
    return lambda x: fn(model, x)


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

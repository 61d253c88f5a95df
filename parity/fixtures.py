"""Golden fixtures: one ``.npz`` of named arrays + one ``.json`` of metadata per case.

The harness (``parity/<paper>.py``, run with the authors' code) writes them; the tests in CI
(``tests/test_parity_<paper>.py``) read them with numpy alone: no torch, no TF1, no original
code. Names are the harness's own, e.g. ``init/<our variable path>``, ``input/z``,
``draw/k_step3``, ``out/g``, ``loss/d_step0``, ``after/<our variable path>``. Arrays keep the
dtype the original ran in (float64 where it can run in float64); ``meta["float32_drift"]``
holds the original's own float32-vs-float64 drift where a float32 case is stored.
"""
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "parity"


def write(paper, case, arrays, meta):
    """Writes ``ROOT/<paper>/<case>.npz`` (compressed) and ``.json``; returns the npz path."""
    folder = ROOT / paper
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case}.npz"
    np.savez_compressed(path, **{k: np.asarray(v) for k, v in arrays.items()})
    (folder / f"{case}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return path


def read(paper, case):
    """(dict of arrays, metadata) of a fixture."""
    folder = ROOT / paper
    with np.load(folder / f"{case}.npz") as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads((folder / f"{case}.json").read_text())


def prefixed(arrays, prefix):
    """``{name without prefix: array}`` of the arrays whose name starts with ``prefix/``."""
    return {k[len(prefix) + 1:]: v for k, v in arrays.items() if k.startswith(prefix + "/")}

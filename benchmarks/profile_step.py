"""Where the time of our compiled train step goes: TensorFlow's profiler, summed per op type.

Profiles ``--steps`` calls of the compiled step of ``benchmarks/run.py``'s cases (after a
warm-up) and prints, per case, the wall time per step and the op types that take the most time
(ms per step, summed over TensorFlow's compute threads, and their share of all op time). Op
names are read from the profile's host plane (``xplane.pb``, parsed with the protobuf that ships
with TensorFlow): an op event is named ``<graph path>:<op type>``.

    python benchmarks/profile_step.py --cases=dcgan64_float32,dcgan64_bf16
"""
import collections
import glob
import tempfile
import time

from absl import app, flags

import run as cases_lib  # noqa: F401  (this folder's run.py: the cases and their builders)
import timing
import tensorflow as tf
from tensorflow.tsl.profiler.protobuf import xplane_pb2

CASES = {
    "dcgan64_float32": lambda: cases_lib.ours_dcgan("float32"),
    "dcgan64_bf16": lambda: cases_lib.ours_dcgan("bf16"),
    "wgan_gp64_float32": lambda: cases_lib.ours_wgan_gp("float32"),
    "wgan_gp64_bf16": lambda: cases_lib.ours_wgan_gp("bf16"),
    "toy_float32": cases_lib.ours_toy,
}
flags.DEFINE_list("cases", ["dcgan64_float32", "dcgan64_bf16"], f"of {sorted(CASES)}")
flags.DEFINE_integer("profile_steps", 3, "profiled steps per case")
flags.DEFINE_integer("top", 12, "op types shown per case")
FLAGS = flags.FLAGS


def op_times(logdir):
    """{op type: picoseconds} summed over the host plane's op events (``path:Type`` names)."""
    path = sorted(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True))[-1]
    space = xplane_pb2.XSpace()
    with open(path, "rb") as f:
        space.ParseFromString(f.read())
    totals = collections.Counter()
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if ":" in name and "/" in name.split(":")[0]:  # an op of the graph
                    totals[name.rsplit(":", 1)[1]] += event.duration_ps
    return totals


def profile(build, steps):
    gan, data = build()
    gan.make_train_function()
    iterator = iter(data)
    for _ in range(2):
        logs = gan.train_function(iterator)
    _ = [v.numpy() for v in logs.values()]
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        for _ in range(steps):
            logs = gan.train_function(iterator)
        _ = [v.numpy() for v in logs.values()]
        wall = (time.perf_counter() - start) / steps
        tf.profiler.experimental.stop()
        return wall, op_times(logdir)


def main(argv):
    del argv
    print(f"machine: {timing.machine()}, ISA {' '.join(cases_lib.cpu_flags())}")
    for name in FLAGS.cases:
        wall, totals = profile(CASES[name], FLAGS.profile_steps)
        total = sum(totals.values())
        print(f"\n{name}: {wall * 1e3:.1f} ms/step wall (profiled), op time summed over threads "
              f"{total / 1e9 / FLAGS.profile_steps:.1f} ms/step")
        print("| op type | ms/step | share of op time |")
        print("|---|---|---|")
        for op, ps in totals.most_common(FLAGS.top):
            print(f"| {op} | {ps / 1e9 / FLAGS.profile_steps:.1f} | {100 * ps / total:.1f} % |")
        groups = {"casts": ("Cast",), "batch norm": ("FusedBatchNorm",)}
        for group, keys in groups.items():
            share = sum(v for k, v in totals.items() if any(x in k for x in keys)) / total
            print(f"{group}: {100 * share:.1f} % of op time")


if __name__ == "__main__":
    app.run(main)

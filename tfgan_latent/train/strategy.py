"""tf.distribute strategies for ``--distribute=none|mirrored|multiworker``."""
import json
import os

import tensorflow as tf


def configure_cpu_devices(n):
    """Splits the host CPU into ``n`` logical devices (must run before TF uses devices)."""
    if n <= 1:
        return
    cpus = tf.config.list_physical_devices("CPU")
    current = tf.config.get_logical_device_configuration(cpus[0])
    if current is not None and len(current) == n:
        return
    tf.config.set_logical_device_configuration(
        cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
    )


def make_strategy(kind, cpu_devices=0):
    """The strategy named by ``--distribute``; ``none`` is the default (no-op) strategy."""
    if kind == "none":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        configure_cpu_devices(cpu_devices)
        if tf.config.list_physical_devices("GPU"):
            return tf.distribute.MirroredStrategy()
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        # Reduce through one device: CPU collectives reuse instance keys across strategies
        # made in one process ("Shape mismatch in the collective instance 100").
        return tf.distribute.MirroredStrategy(
            devices, cross_device_ops=tf.distribute.ReductionToOneDevice()
        )
    if kind == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError(
                "--distribute=multiworker needs the TF_CONFIG environment variable naming the "
                "cluster and this worker's task."
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"--distribute must be one of none, mirrored, multiworker; got {kind!r}.")


def worker_index():
    """(task index, is_chief) from TF_CONFIG; (0, True) without it."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}"))
    task = config.get("task", {})
    index = int(task.get("index", 0))
    kind = task.get("type", "worker")
    return index, (kind == "chief" or (kind == "worker" and index == 0))

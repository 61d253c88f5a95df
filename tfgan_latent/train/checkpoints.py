"""Run-folder lock and checkpoints that resume bitwise (research/env.md §3)."""
import contextlib
import errno
import fcntl
import json
import os
from pathlib import Path

import tensorflow as tf


class RunLockedError(RuntimeError):
    pass


class CheckpointError(RuntimeError):
    pass


class StorageError(RuntimeError):
    """Writing a run's file failed (disk full, read-only file system, permission)."""


@contextlib.contextmanager
def storage_errors(what, path):
    """Turns a failed write of ``what`` at ``path`` (an OSError, or TensorFlow's file-op
    error for checkpoints and summaries) into a StorageError naming both."""
    try:
        yield
    except StorageError:
        raise
    except (OSError, tf.errors.OpError) as e:
        reason = (e.strerror or str(e)) if isinstance(e, OSError) else e.message
        raise StorageError(
            f"could not write {what} {path}: {str(reason).splitlines()[0][:300]}.") from None


def last_good_checkpoint(ckpt_dir):
    """The newest checkpoint of a run's checkpoint folder (any stage's), or None."""
    found = []
    for index in Path(ckpt_dir).rglob("checkpoint"):
        try:
            path = tf.train.latest_checkpoint(str(index.parent))
        except Exception:  # a garbled index: not a good checkpoint
            path = None
        if path:
            found.append((int(path.rsplit("-", 1)[1]), path))
    return max(found)[1] if found else None


class SettingsMismatchError(ValueError):
    """A checkpoint was trained with settings that do not allow this run to resume from it."""


class RunLock:
    """Exclusive ``flock`` on ``DIR/.lock``: refuses a second live run on the same folder.

    The kernel drops the lock when its process dies, so a lock file left by a killed run
    never blocks the rerun. A folder this lock created and the run left empty (e.g. settings
    refused before anything was written) is removed again on exit.
    """

    def __init__(self, directory):
        self.path = Path(directory) / ".lock"
        self._fd = None
        self._created = False

    def __enter__(self):
        self._created = not self.path.parent.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            owner = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EACCES):
                raise RunLockedError(
                    f"{self.path.parent} is in use by a live run (pid {owner}); "
                    "wait for it or pass another --out."
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc):
        if self._created and [p.name for p in self.path.parent.iterdir()] == [".lock"]:
            self.path.unlink()  # still held: no other run can have taken it meanwhile
            self.path.parent.rmdir()
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


class Checkpointer:
    """``tf.train.CheckpointManager`` over ``gan.checkpoint_items()``.

    The items hold both optimizers (built before restore), the seed-generator state, the
    step counter and any schedule variables, so a resumed run continues bitwise.
    """

    SETTINGS_KEY = "settings/.ATTRIBUTES/VARIABLE_VALUE"

    def __init__(self, gan, directory, max_to_keep=3, settings=None, check_settings=None):
        """``settings``: a JSON string of the run's settings, saved in every checkpoint;
        ``check_settings(stored dict, path)`` raises when a checkpoint's stored settings do not
        allow this run to resume from it (so a deleted or edited config.json cannot)."""
        self.items = gan.checkpoint_items()
        self.check_settings = check_settings
        if settings is not None:
            self.items["settings"] = tf.Variable(settings, dtype=tf.string, trainable=False)
        self.checkpoint = tf.train.Checkpoint(**self.items)
        try:  # reads the folder's 'checkpoint' state file
            self.manager = tf.train.CheckpointManager(self.checkpoint, str(directory), max_to_keep)
        except (UnicodeDecodeError, ValueError) as e:
            raise CheckpointError(
                f"{Path(directory) / 'checkpoint'} (the checkpoint index) is garbled "
                f"({type(e).__name__}); restore it or delete {directory} to start over."
            ) from None

    @property
    def latest(self):
        return self.manager.latest_checkpoint

    def restore_latest(self):
        """Restores the newest checkpoint; returns its path or None for a fresh run.

        A checkpoint that exists but cannot be read is an error, never a fresh start.
        """
        directory = Path(self.manager.directory)
        path = self.latest
        if path is None:
            leftovers = [p.name for p in directory.glob("ckpt-*")] if directory.exists() else []
            if leftovers:
                raise CheckpointError(
                    f"{directory} holds checkpoint files ({', '.join(sorted(leftovers)[:3])}) but "
                    "no readable 'checkpoint' index; refusing to start fresh over them. Delete the "
                    "folder to start over."
                )
            return None
        checkpoint, stored = self.checkpoint, None
        try:
            if self.SETTINGS_KEY in {name for name, _ in tf.train.list_variables(path)}:
                stored = tf.train.load_variable(path, self.SETTINGS_KEY)
                stored = json.loads(stored.decode() if isinstance(stored, bytes) else stored)
            elif "settings" in self.items:  # written before settings were stored: the rest
                checkpoint = tf.train.Checkpoint(**{k: v for k, v in self.items.items()
                                                    if k != "settings"})
            if stored is not None and self.check_settings is not None:
                self.check_settings(stored, path)
            checkpoint.restore(path).assert_existing_objects_matched()
        except SettingsMismatchError:
            raise
        except Exception as e:  # any failure to read it: OpError, IndexError, AssertionError...
            raise self._corrupt(path, directory, e) from None
        return path

    @staticmethod
    def _corrupt(path, directory, e):
        return CheckpointError(
            f"checkpoint {path} is corrupt or does not match this model "
            f"({type(e).__name__}: {str(e).splitlines()[0][:300]}). Delete {directory} to "
            "start over, or point --out elsewhere.")

    def save(self, step):
        with storage_errors(f"the step-{int(step)} checkpoint in", self.manager.directory):
            return self.manager.save(checkpoint_number=int(step))

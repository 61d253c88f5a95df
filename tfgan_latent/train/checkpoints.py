"""Run-folder lock and checkpoints that resume bitwise (research/env.md §3)."""
import errno
import fcntl
import os
from pathlib import Path

import tensorflow as tf


class RunLockedError(RuntimeError):
    pass


class CheckpointError(RuntimeError):
    pass


class RunLock:
    """Exclusive ``flock`` on ``DIR/.lock``: refuses a second live run on the same folder.

    The kernel drops the lock when its process dies, so a lock file left by a killed run
    never blocks the rerun.
    """

    def __init__(self, directory):
        self.path = Path(directory) / ".lock"
        self._fd = None

    def __enter__(self):
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
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


class Checkpointer:
    """``tf.train.CheckpointManager`` over ``gan.checkpoint_items()``.

    The items hold both optimizers (built before restore), the seed-generator state, the
    step counter and any schedule variables, so a resumed run continues bitwise.
    """

    def __init__(self, gan, directory, max_to_keep=3):
        self.checkpoint = tf.train.Checkpoint(**gan.checkpoint_items())
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
        try:
            self.checkpoint.restore(path).assert_existing_objects_matched()
        except Exception as e:  # any failure to read it: OpError, IndexError, AssertionError...
            raise CheckpointError(
                f"checkpoint {path} is corrupt or does not match this model "
                f"({type(e).__name__}: {str(e).splitlines()[0][:300]}). Delete {directory} to "
                "start over, or point --out elsewhere."
            ) from None
        return path

    def save(self, step):
        return self.manager.save(checkpoint_number=int(step))

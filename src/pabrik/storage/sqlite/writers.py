"""Writers of one SQLite file take turns through two lock files, woken when the lock frees.

SQLite's busy handler polls for the write lock with sleeps that grow to 100 ms, so a small
write (a login, a session's touch) behind a process committing batches back to back can sleep
through many free moments, and the batch writer, which never sleeps, takes the lock again
first. Here every writer first holds the turn file, then blocks on the lock file (``flock``:
the kernel wakes it when the lock is freed) and lets the turn go once it holds the lock. A
writer that has just committed must pass the turn again, which the waiting one holds, so the
lock alternates instead of staying with the busiest process. ``flock`` locks belong to the open
file and the kernel drops them when a process dies, so a crash leaves nothing held. Tools that
do not take part (the sqlite3 shell, an older pabrik) still meet SQLite's own lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

PRIVATE_FILE = 0o600


class WriterQueue:
    """A store's place in the turn of all writers of its database file."""

    def __init__(self, database: Path) -> None:
        self._turn = _open(Path(f"{database}-turn"))
        try:
            self._lock = _open(Path(f"{database}-lock"))
        except OSError:
            os.close(self._turn)
            raise

    def acquire(self) -> None:
        """Block until this store may write: the turn, then the lock."""
        fcntl.flock(self._turn, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        finally:
            fcntl.flock(self._turn, fcntl.LOCK_UN)

    def release(self) -> None:
        """Let the next writer in."""
        fcntl.flock(self._lock, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close both lock files (which drops any lock still held)."""
        os.close(self._lock)
        os.close(self._turn)


def _open(path: Path) -> int:
    """A lock file beside the database, readable by this user only (as the database is)."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)

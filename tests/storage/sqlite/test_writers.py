"""Writers of one SQLite file take turns: a small write is not starved by a batch writer."""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import threading
from pathlib import Path

from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.sqlite.writers import WriterQueue


def _turn_taken(path: Path) -> bool:
    """Whether some writer holds the turn (it is waiting for the lock)."""
    fd = os.open(f"{path}-turn", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_writer_that_just_committed_waits_for_the_one_already_waiting(tmp_path: Path) -> None:
    path = tmp_path / "pabrik.sqlite"
    small = SqliteStore(path)
    small.upgrade()
    busy = WriterQueue(path)  # a batch writer, as another process sees it
    busy.acquire()
    waiter = threading.Thread(target=small.write, args=([],), kwargs={"checkpoints": {"p": "1"}})
    waiter.start()
    while not _turn_taken(path):  # the small write now waits for the lock
        waiter.join(0.01)
    busy.release()
    busy.acquire()  # the batch writer comes straight back, as ingest does
    try:
        assert small.checkpoint("p") == "1"  # the small write went first
    finally:
        busy.release()
        waiter.join()
        busy.close()
        small.close()


def _hold_and_die(path: Path) -> None:
    WriterQueue(path).acquire()
    os._exit(0)  # dies holding the lock, as a killed worker would


def test_a_writer_that_died_holding_the_lock_does_not_block_the_next(tmp_path: Path) -> None:
    path = tmp_path / "pabrik.sqlite"
    store = SqliteStore(path)
    store.upgrade()
    child = multiprocessing.get_context("spawn").Process(target=_hold_and_die, args=(path,))
    child.start()
    child.join()
    try:
        store.write([], checkpoints={"p": "2"})
        assert store.checkpoint("p") == "2"
    finally:
        store.close()


def test_a_failed_transaction_lets_the_next_writer_in(tmp_path: Path) -> None:
    path = tmp_path / "pabrik.sqlite"
    first, second = SqliteStore(path), SqliteStore(path)
    first.upgrade()
    try:
        # The failure is the point: the lock must be freed after it.
        with contextlib.suppress(Exception):
            first.write([], checkpoints={"p": object()})  # type: ignore[dict-item]
        second.write([], checkpoints={"p": "3"})
        assert second.checkpoint("p") == "3"
    finally:
        first.close()
        second.close()

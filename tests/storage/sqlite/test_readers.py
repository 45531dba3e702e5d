"""Reader connections outlive the threads that used them, so worker churn opens no new ones."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pabrik.model.records import StateRecord
from pabrik.model.states import StateClass
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2025, 1, 6, tzinfo=UTC)
AT_ONCE, ROUNDS = 4, 10


def _read_together(store: SqliteStore, gate: threading.Barrier, seen: list[int]) -> None:
    gate.wait()  # every thread of the round holds its reader at the same moment
    seen.append(len(store.states("m1", T0, T0 + timedelta(hours=1))))
    gate.wait()


def test_forty_short_lived_threads_four_at_a_time_share_four_readers(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.sqlite")
    store.upgrade()
    store.write([StateRecord("sim", "m1", T0, StateClass.RUNNING)])
    seen: list[int] = []
    try:
        for _ in range(ROUNDS):
            gate = threading.Barrier(AT_ONCE)
            threads = [
                threading.Thread(target=_read_together, args=(store, gate, seen))
                for _ in range(AT_ONCE)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert seen == [1] * (AT_ONCE * ROUNDS)
        assert store.readers_open() == AT_ONCE
    finally:
        store.close()
    assert store.readers_open() == 0

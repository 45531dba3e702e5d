"""Forward indexes exist only on a plant that forwards (issue 16): ingest elsewhere skips them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pabrik.model.records import SampleRecord
from pabrik.storage.sqlite.store import SqliteStore

FORWARD_INDEXES = {"states_fwd", "counts_fwd", "samples_fwd"}


def _indexes(store: SqliteStore) -> set[str]:
    rows = store._writer.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {str(r[0]) for r in rows} & FORWARD_INDEXES


def _sample(i: int) -> SampleRecord:
    return SampleRecord("mqtt", "m1", "temp", datetime(2025, 3, 10, 8, i, tzinfo=UTC), float(i))


def test_a_plant_that_never_forwards_has_no_forward_index(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.sqlite")
    store.upgrade()
    store.write([_sample(1), _sample(2)])
    assert _indexes(store) == set()
    store.close()


def test_the_first_forward_read_makes_the_indexes_and_keeps_the_order(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.sqlite")
    store.upgrade()
    store.write([_sample(3), _sample(1)])
    store.write([_sample(2)])
    rows, last = store.forward_rows("samples", (-1,), None, 10)
    assert _indexes(store) == FORWARD_INDEXES
    assert [(r[0], r[3]) for r in rows] == [(1, _ms(1)), (1, _ms(3)), (2, _ms(2))]
    assert last == (2, "m1", "temp", _ms(2), "mqtt")
    assert store.forward_pending("samples", (1,)) == 1
    store.close()


def test_a_reopened_forwarding_store_keeps_its_indexes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.sqlite")
    store.upgrade()
    store.forward_head()
    store.close()
    again = SqliteStore(tmp_path / "p.sqlite")
    again.upgrade()
    assert _indexes(again) == FORWARD_INDEXES
    again.close()


def _ms(minute: int) -> int:
    return int(datetime(2025, 3, 10, 8, minute, tzinfo=UTC).timestamp() * 1000)

"""The plant's disk budget: alarm at 80 %, only confirmed samples deleted, reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pabrik.model.records import CountRecord, SampleRecord
from pabrik.runtime.federation.forward import Forwarder
from pabrik.runtime.federation.forward_disk import DiskWatch
from pabrik.storage.sqlite.store import SqliteStore

NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


class Sink:
    """Takes every batch and status (a central that always confirms)."""

    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = []

    def post(self, path: str, body: bytes) -> dict[str, Any]:
        if path.endswith("/status"):
            self.statuses.append(json.loads(body))
        return {}

    def close(self) -> None:
        pass


def _write(store: SqliteStore, start: int, n: int) -> None:
    store.write(
        [
            SampleRecord("mqtt", "imm-01", "temp", NOW + timedelta(seconds=i), float(i))
            for i in range(start, start + n)
        ]
    )


def test_over_budget_only_confirmed_samples_go_and_the_central_is_told(tmp_path: Path) -> None:
    db = tmp_path / "plant.db"
    store = SqliteStore(db)
    store.upgrade()
    store.write([CountRecord("mqtt", "imm-01", NOW, 1, 0)])
    for k in range(10):
        _write(store, 2000 * k, 2000)
    sink = Sink()
    forwarder = Forwarder(store, sink)
    while forwarder.step():
        pass
    _write(store, 100_000, 2000)  # not yet confirmed
    used = store.store_bytes()
    watch = DiskWatch(store, sink, db, budget=int(used * 0.7))
    status = watch.check(forwarder.pending(), force=True)
    assert status is not None
    assert status.deleted_samples > 0
    assert status.share is not None
    assert status.share < 1.0
    assert sink.statuses[-1]["deleted_samples"] == status.deleted_samples
    assert store.forward_pending("samples", store.forward_cursors()["done"]["samples"]) == 2000
    counts = store.row_counts()
    assert counts["counts"] == 1  # never deleted for space
    assert counts["samples"] == 22_000 - status.deleted_samples
    store.close()


def test_the_alarm_rises_at_80_percent_and_nothing_is_deleted_below_the_budget(
    tmp_path: Path,
) -> None:
    db = tmp_path / "plant.db"
    store = SqliteStore(db)
    store.upgrade()
    _write(store, 0, 5000)
    sink = Sink()
    used = store.store_bytes()
    high = DiskWatch(store, sink, db, budget=int(used / 0.85)).check(5000, force=True)
    assert high is not None
    assert high.alarm
    assert high.deleted_samples == 0
    site = DiskWatch(store, sink, db, budget=used * 2, site=lambda: (3, "site: {}"))
    low = site.check(5000, force=True)
    site.check(5000, force=True)  # the same version is not sent again
    assert low is not None
    assert not low.alarm
    assert sink.statuses[0]["alarm"] is True
    assert sink.statuses[1]["site_document"] == "site: {}"
    assert "site_document" not in sink.statuses[2]
    assert store.row_counts()["samples"] == 5000
    store.close()

"""The plant's disk budget as an alarm of its own alarm list, forwarded to the central (issue 15).

The plant is a real SQLite store with the demo site; the central a PostgreSQL store. The alarm
rises at 80 % of the budget and returns to normal below; its transitions reach the central like
every other alarm's, and the group view shows the plant's disk use and counts the alarm.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from pabrik.alarms.definitions import Priority
from pabrik.alarms.states import Acknowledge, AlarmState
from pabrik.model.errors import ConfigError
from pabrik.model.records import SampleRecord
from pabrik.runtime.alarms import queries
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.alarms.wiring import build_alarms
from pabrik.runtime.federation.central import receive_batch, receive_status
from pabrik.runtime.federation.forward import Forwarder
from pabrik.runtime.federation.forward_disk import DiskWatch
from pabrik.runtime.federation.group import Group
from pabrik.runtime.federation.plants import add_plant, authenticate_plant
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.storage.accounts import TenantRow
from pabrik.storage.alarms import TransitionFilter
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

# A Monday, 10:00 in Cikarang: inside the plant's production day.
NOW = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)
DEMO_TEXT = DEMO.read_text(encoding="utf-8")


class Central:
    """A poster handing batches and statuses to the central's runtime over its store."""

    def __init__(self, store: PostgresStore, credential: str) -> None:
        self.store, self.credential = store, credential

    def post(self, path: str, body: bytes) -> dict[str, Any]:
        plant = authenticate_plant(self.store, self.credential)
        if path.endswith("/status"):
            receive_status(self.store, plant, body, NOW)
            return {}
        answer = receive_batch(self.store, plant, body, NOW)
        return {"offered": answer.offered, "inserted": answer.inserted}

    def close(self) -> None:
        pass


@pytest.fixture
def central(pg_url: str) -> Iterator[tuple[PostgresStore, str]]:
    store = PostgresStore(pg_url)
    store.upgrade()
    store.save_tenant(TenantRow("pt-satu", "PT Satu", None, None, None, "medium", "[]",
                                NOW, NOW), [])  # fmt: skip
    yield store, add_plant(store, "plant-a", "pt-satu", "Plant A", NOW)
    store.close()


def _plant(tmp_path: Path) -> tuple[SqliteStore, AlarmService]:
    store = SqliteStore(tmp_path / "plant.db")
    store.upgrade()
    ts = [NOW + timedelta(seconds=i) for i in range(3000)]
    store.write([SampleRecord("mqtt", "imm-01", "temp", t, 60.0) for t in ts])
    site = parse_site(DEMO_TEXT)
    return store, build_alarms(site, site.plant(), store, lambda: NOW)


def test_the_disk_alarm_rises_at_80_percent_clears_below_and_reaches_the_central(
    tmp_path: Path, central: tuple[PostgresStore, str]
) -> None:
    store, alarms = _plant(tmp_path)
    poster = Central(*central)
    used = store.store_bytes()
    watch = DiskWatch(store, poster, tmp_path / "plant.db", int(used / 0.85),
                      site=lambda: (1, DEMO_TEXT), raise_alarm=alarms.observe_disk)  # fmt: skip
    assert watch.check(3000, force=True) is not None
    [raised] = queries.alarms(alarms)
    assert (raised.definition_id, raised.kind, raised.machine_id) == ("disk_budget",) * 2 + ("",)
    assert raised.priority is Priority.MEDIUM
    assert raised.state is AlarmState.ACTIVE_UNACK
    assert raised.value is not None
    assert raised.value >= 80
    assert "80 %" in raised.message.get("id")
    assert queries.counts(alarms)[Priority.MEDIUM] == 1  # the banner counts it
    watch.check(3000, force=True)  # still above: nothing new
    watch.budget = used * 4
    watch.check(3000, force=True)
    [back] = queries.alarms(alarms)
    assert back.state is AlarmState.RTN_UNACK  # returned to normal, awaiting acknowledgement
    alarms.act("disk_budget", Acknowledge(NOW, "operator"), "operator")
    assert queries.alarms(alarms)[0].state is AlarmState.NORMAL

    forwarder = Forwarder(store, poster)
    while forwarder.step():
        pass
    central_store = central[0]
    day = TransitionFilter(NOW - timedelta(days=1), NOW + timedelta(days=1))
    rows = central_store.alarm_transitions(day, 100)
    assert [(r.key, r.machine_id, r.event) for r in reversed(rows)] == [
        ("plant:plant-a/disk_budget", "plant:plant-a", "activate"),
        ("plant:plant-a/disk_budget", "plant:plant-a", "clear"),
        ("plant:plant-a/disk_budget", "plant:plant-a", "acknowledge"),
    ]
    [summary] = Group(central_store, lambda: NOW).overview("pt-satu").plants
    assert summary.alarms == 1
    assert summary.disk is not None
    assert summary.disk.budget_bytes == used * 4
    assert summary.disk.share is not None
    assert summary.disk.share < 0.8
    assert not summary.disk.alarm
    plant_row = central_store.plant("plant-a")
    assert plant_row is not None
    assert json.loads(plant_row.status_json or "{}")["budget_bytes"] == used * 4
    store.close()


def test_a_site_file_cannot_declare_the_built_in_disk_alarm() -> None:
    data = yaml.safe_load(DEMO_TEXT)
    own = {"id": "penuh", "scope": {}, "condition": {"kind": "disk_budget"}, "message": {"id": "x"}}
    data["alarms"]["definitions"].append(own)
    with pytest.raises(ConfigError, match="built in"):
        parse_site(yaml.safe_dump(data, allow_unicode=True))

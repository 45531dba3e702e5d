"""Who hears what: scope and priority, flood digests, quiet hours, shift reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.site import Plant
from pabrik.runtime.notify.reports import schedule_reports
from pabrik.runtime.notify.router import Router
from pabrik.runtime.notify.sender import outgoing
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.notify import NotifyEventRow
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO
from tests.runtime.notify.helpers import T0, words


@pytest.fixture(scope="module")
def plant() -> Plant:
    return load_site(DEMO).plant()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "p.sqlite")
    s.upgrade()
    yield s
    s.close()


def alarm(n: int, machine: str = "imm-01", priority: str = "high") -> NotifyEventRow:
    body = {"machine": machine, "priority": priority, "definition": "oli-panas", "value": 61.0}
    at = T0 + timedelta(minutes=n)
    return NotifyEventRow(f"alarm/oli-panas/{machine}/{n}/0", "alarm", at, json.dumps(body))


def test_scope_and_priority_choose_the_subscribers(plant: Plant, store: SqliteStore) -> None:
    subs = [
        Subscription("budi", "c", lines=("cetak-tutup",)),
        Subscription("sari", "c", areas=("pengemasan",), priorities=("low",)),
        Subscription("eko", "c", machines=("filler-01",), priorities=("high", "low")),
    ]
    store.add_notify_events([alarm(1), alarm(2, "filler-01", "low"), alarm(3, "imm-03")])
    Router(store, plant).route(subs, T0)
    got = sorted((m.username, m.event_ids[0].split("/")[2]) for m in store.notify_messages())
    assert got == [("budi", "imm-01"), ("eko", "filler-01"), ("sari", "filler-01")]


def test_a_flood_becomes_one_digest_per_subscriber(plant: Plant, store: SqliteStore) -> None:
    subs = [Subscription("budi", "c", flood_over=3, flood_minutes=10), Subscription("ana", "c")]
    router = Router(store, plant)
    store.add_notify_events([alarm(0), alarm(1, "imm-02")])
    router.route(subs, T0)
    store.add_notify_events([alarm(2, m) for m in ("imm-03", "imm-04", "filler-01", "packer-01")])
    router.route(subs, T0 + timedelta(minutes=2))
    store.add_notify_events([alarm(3, "labeller-01")])
    router.route(subs, T0 + timedelta(minutes=3))
    budi = store.notify_messages(username="budi")
    assert sorted(m.kind for m in budi) == ["alarm", "alarm", "digest"]
    [digest] = [m for m in budi if m.kind == "digest"]
    assert len(digest.event_ids) == 5
    assert (digest.status, digest.due_at) == ("gathering", T0 + timedelta(minutes=12))
    assert len(store.notify_messages(username="ana")) == 7  # under her limit of 10
    rendered = words(plant)(outgoing(digest, store.notify_events(digest.event_ids)))
    assert rendered.title == "Ringkasan: 5 alarm"
    assert rendered.body.count("Suhu oli hidraulik tinggi") == 5


def test_quiet_hours_hold_alarms_until_they_end(plant: Plant, store: SqliteStore) -> None:
    night = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 23:00 in Cikarang
    sub = Subscription("budi", "c", quiet_start="22:00", quiet_end="06:00", language="en")
    assert sub.quiet_until(night, "Asia/Jakarta") == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert sub.quiet_until(T0, "Asia/Jakarta") is None
    store.add_notify_events([alarm(1)])
    Router(store, plant).route([sub], T0 + timedelta(hours=2))  # too old to tell: dropped
    assert store.notify_messages() == []
    store.add_notify_events([alarm(15 * 60)])  # at 23:00
    Router(store, plant).route([sub], night)
    [m] = store.notify_messages()
    morning = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert (m.kind, m.status, m.due_at) == ("digest", "gathering", morning)


def test_each_shift_end_queues_one_report_for_report_subscribers(
    plant: Plant, store: SqliteStore
) -> None:
    after_morning = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)  # 15:05 in Cikarang
    assert schedule_reports(store, plant, after_morning) == 1
    assert schedule_reports(store, plant, after_morning + timedelta(minutes=5)) == 0
    subs = [Subscription("budi", "c", reports=True), Subscription("ana", "c")]
    Router(store, plant).route(subs, after_morning)
    [m] = store.notify_messages()
    assert (m.username, m.kind) == ("budi", "report")
    rendered = words(plant)(outgoing(m, store.notify_events(m.event_ids)))
    assert rendered.title.startswith("Laporan shift 2026-03-02/")
    assert "/kpi/shift-report.pdf?day=2026-03-02" in rendered.body

"""The alarm store behaves the same on SQLite and PostgreSQL: compare-and-set, history, restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier, Thread

import pytest

from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.alarms import AlarmStateRow, AlarmTransitionRow, TransitionFilter
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
Backend = SqliteStore | PostgresStore


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    s: Backend
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "p.sqlite")
    else:
        s = PostgresStore(request.getfixturevalue("pg_url"), pool_size=4)
    s.upgrade()
    yield s
    s.close()


def state(version: int, shown: str = "active_unack", key: str = "hot/m1") -> AlarmStateRow:
    body = f'{{"v": {version}}}'
    return AlarmStateRow(key, "hot", "m1", shown, "high", "line-1", body, version, T0)


def step(version: int, event: str, s: float, *, occurrence: bool = False) -> AlarmTransitionRow:
    return AlarmTransitionRow(
        "hot/m1", version, 0, "hot", "m1", "high", "line-1", T0 + timedelta(seconds=s), event,
        "normal", "active_unack", "budi" if event == "acknowledge" else None, None, 91.5,
        occurrence,
    )  # fmt: skip


def test_a_save_names_the_version_it_read(store: Backend) -> None:
    assert store.save_alarm(state(1), [step(1, "activate", 0, occurrence=True)])
    assert not store.save_alarm(state(1), [step(1, "activate", 1, occurrence=True)])
    assert not store.save_alarm(state(3))
    audit = AuditLogRow("pt-a", "budi", "alarm.acknowledge", "hot/m1", None, "{}", T0)
    assert store.save_alarm(state(2, "active_ack"), [step(2, "acknowledge", 5)], [audit])
    [row] = store.alarm_states()
    assert (row.version, row.state, row.body_json) == (2, "active_ack", '{"v": 2}')
    assert store.alarm_states(["nope"]) == []
    assert store.alarm_states([]) == []


def test_history_filters_newest_first(store: Backend) -> None:
    store.save_alarm(state(1), [step(1, "activate", 0, occurrence=True)])
    store.save_alarm(state(2), [step(2, "acknowledge", 60)])
    everything = TransitionFilter(T0, T0 + timedelta(hours=1))
    rows = store.alarm_transitions(everything)
    assert [r.event for r in rows] == ["acknowledge", "activate"]
    assert rows[1].occurrence
    assert rows[1].value == pytest.approx(91.5)
    assert rows[0].actor == "budi"
    only = TransitionFilter(T0, T0 + timedelta(hours=1), machine_id="m1", event="activate")
    assert [r.version for r in store.alarm_transitions(only)] == [1]
    assert store.alarm_transitions(TransitionFilter(T0, T0 + timedelta(seconds=30), key="x")) == []
    assert len(store.alarm_transitions(everything, limit=1)) == 1


def test_two_writers_racing_for_one_condition_record_it_once(store: Backend) -> None:
    barrier, wins = Barrier(2), []

    def raise_alarm() -> None:
        barrier.wait()
        wins.append(store.save_alarm(state(1), [step(1, "activate", 0, occurrence=True)]))

    threads = [Thread(target=raise_alarm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, True]
    assert len(store.alarm_transitions(TransitionFilter(T0, T0 + timedelta(hours=1)))) == 1


def test_alarm_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    first = SqliteStore(path)
    first.upgrade()
    first.save_alarm(state(1), [step(1, "activate", 0, occurrence=True)])
    first.close()
    again = SqliteStore(path)
    again.upgrade()
    assert [r.version for r in again.alarm_states()] == [1]
    again.close()

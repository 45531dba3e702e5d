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
from tests.pg import PgServer

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
Backend = SqliteStore | PostgresStore


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer
) -> Iterator[Backend]:
    """One migrated store per backend for the module; each test uses its own alarm keys."""
    s: Backend
    url = None
    if request.param == "sqlite":
        s = SqliteStore(tmp_path_factory.mktemp("alarms") / "p.sqlite")
    else:
        url = pg_server.create_database()
        s = PostgresStore(url, pool_size=4)
    s.upgrade()
    yield s
    s.close()
    if url is not None:
        pg_server.drop_database(url)


def state(key: str, version: int, shown: str = "active_unack") -> AlarmStateRow:
    body = f'{{"v": {version}}}'
    return AlarmStateRow(key, "hot", key[4:], shown, "high", "line-1", body, version, T0)


def step(
    key: str, version: int, event: str, s: float, *, occurrence: bool = False
) -> AlarmTransitionRow:
    return AlarmTransitionRow(
        key, version, 0, "hot", key[4:], "high", "line-1", T0 + timedelta(seconds=s), event,
        "normal", "active_unack", "budi" if event == "acknowledge" else None, None, 91.5,
        occurrence,
    )  # fmt: skip


def test_a_save_names_the_version_it_read(store: Backend) -> None:
    k = "hot/m1"
    assert store.save_alarm(state(k, 1), [step(k, 1, "activate", 0, occurrence=True)])
    assert not store.save_alarm(state(k, 1), [step(k, 1, "activate", 1, occurrence=True)])
    assert not store.save_alarm(state(k, 3))
    audit = AuditLogRow("pt-a", "budi", "alarm.acknowledge", k, None, "{}", T0)
    assert store.save_alarm(state(k, 2, "active_ack"), [step(k, 2, "acknowledge", 5)], [audit])
    [row] = store.alarm_states([k])
    assert (row.version, row.state, row.body_json) == (2, "active_ack", '{"v": 2}')
    assert store.alarm_states(["nope"]) == []
    assert store.alarm_states([]) == []
    assert store.save_alarms([(state("hot/m9", 1), [], []), (state(k, 2), [], [])]) == [True, False]


def test_the_keys_of_alarms_in_given_states_are_read_without_their_rows(store: Backend) -> None:
    shown = {"kin/m2": "rtn_unack", "kin/m1": "active_unack", "kin/m3": "normal"}
    for key, now in shown.items():
        assert store.save_alarm(state(key, 1, now))
    mine = [kv for kv in store.alarm_keys_in(["active_unack", "rtn_unack"]) if kv[0][:4] == "kin/"]
    assert mine == [("kin/m1", "active_unack"), ("kin/m2", "rtn_unack")]
    assert [kv for kv in store.alarm_keys_in(["normal"]) if kv[0][:4] == "kin/"] == [
        ("kin/m3", "normal")
    ]
    assert store.alarm_keys_in([]) == []


def test_history_filters_newest_first(store: Backend) -> None:
    k = "hot/m2"
    store.save_alarm(state(k, 1), [step(k, 1, "activate", 0, occurrence=True)])
    store.save_alarm(state(k, 2), [step(k, 2, "acknowledge", 60)])
    everything = TransitionFilter(T0, T0 + timedelta(hours=1), key=k)
    rows = store.alarm_transitions(everything)
    assert [r.event for r in rows] == ["acknowledge", "activate"]
    assert rows[1].occurrence
    assert rows[1].value == pytest.approx(91.5)
    assert rows[0].actor == "budi"
    only = TransitionFilter(T0, T0 + timedelta(hours=1), machine_id="m2", event="activate")
    assert [r.version for r in store.alarm_transitions(only)] == [1]
    assert store.alarm_transitions(TransitionFilter(T0, T0 + timedelta(seconds=30), key="x")) == []
    assert len(store.alarm_transitions(everything, limit=1)) == 1


def test_two_writers_racing_for_one_condition_record_it_once(store: Backend) -> None:
    k, barrier, wins = "hot/m3", Barrier(2), []

    def raise_alarm() -> None:
        barrier.wait()
        wins.append(store.save_alarm(state(k, 1), [step(k, 1, "activate", 0, occurrence=True)]))

    threads = [Thread(target=raise_alarm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, True]
    assert len(store.alarm_transitions(TransitionFilter(T0, T0 + timedelta(hours=1), key=k))) == 1


def test_alarm_state_survives_a_restart(tmp_path: Path) -> None:
    path, k = tmp_path / "p.sqlite", "hot/m4"
    first = SqliteStore(path)
    first.upgrade()
    first.save_alarm(state(k, 1), [step(k, 1, "activate", 0, occurrence=True)])
    first.close()
    again = SqliteStore(path)
    again.upgrade()
    assert [r.version for r in again.alarm_states()] == [1]
    again.close()

"""``alarm_versions`` reads what ``alarm_states`` reads of a save's basis, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from pabrik.storage.alarms import AlarmStateRow
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _row(key: str, version: int) -> AlarmStateRow:
    body = f'{{"key": "{key}", "v": {version}}}'
    return AlarmStateRow(key, "hot", "m1", "normal", "high", "line-1", body, version, T0)


def test_versions_and_bodies_are_those_of_the_stored_rows(
    store: SqliteStore | PostgresStore,
) -> None:
    keys = [f"hot/m{i:03d}" for i in range(600)]
    assert all(store.save_alarms([(_row(k, 1), [], []) for k in keys]))
    # Some alarms move on, one of them twice; one save names a stale version and fails.
    assert store.save_alarms([(_row(k, 2), [], []) for k in keys[:10]]) == [True] * 10
    assert store.save_alarms([(_row(keys[0], 3), [], []), (_row(keys[20], 3), [], [])]) == [
        True,
        False,
    ]
    asked = [*keys[::7], keys[0], "hot/none"]
    found = store.alarm_versions(asked)
    assert found == {r.key: (r.version, r.body_json) for r in store.alarm_states(asked)}
    assert found[keys[0]] == (3, '{"key": "hot/m000", "v": 3}')
    assert found[keys[7]] == (2, '{"key": "hot/m007", "v": 2}')
    assert found[keys[21]] == (1, '{"key": "hot/m021", "v": 1}')
    assert "hot/none" not in found
    assert store.alarm_versions([]) == {}

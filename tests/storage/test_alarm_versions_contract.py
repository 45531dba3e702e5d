"""``alarm_versions`` and batches of compare-and-set saves, the same on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pabrik.storage.alarms import AlarmSave, AlarmStateRow, AlarmTransitionRow, TransitionFilter
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


def _step(key: str, version: int) -> AlarmTransitionRow:
    return AlarmTransitionRow(
        key, version, 0, "hot", "m1", "high", "line-1", T0, "activate", "normal", "active_unack"
    )


def _saves(keys: list[str], versions: list[int]) -> list[AlarmSave]:
    return [(_row(k, v), [_step(k, v)], []) for k, v in zip(keys, versions, strict=True)]


def test_a_batch_of_saves_succeeds_and_fails_row_by_row_as_single_saves(
    store: SqliteStore | PostgresStore,
) -> None:
    keys = [f"cas/m{i}" for i in range(6)]
    assert store.save_alarms(_saves(keys, [1] * 6)) == [True] * 6
    # All move on: one statement.
    assert store.save_alarms(_saves(keys, [2] * 6)) == [True] * 6
    # One names a stale version: it alone fails, and it alone records no transition.
    assert store.save_alarms(_saves(keys, [3, 3, 2, 3, 3, 3])) == [True, True, False] + [True] * 3
    # A key twice goes on twice, in order, and once when both name one version.
    assert store.save_alarms(_saves([keys[3], keys[3], keys[4]], [4, 5, 4])) == [True] * 3
    assert store.save_alarms(_saves([keys[3], keys[3]], [6, 6])) == [True, False]
    # A new alarm among updates is inserted.
    again = _saves([keys[0], keys[0], keys[1], "cas/new"], [4, 5, 4, 1])
    assert store.save_alarms(again) == [True, True, True, True]
    versions = store.alarm_versions([*keys, "cas/new"])
    assert {k: v for k, (v, _) in versions.items()} == {
        keys[0]: 5,
        keys[1]: 4,
        keys[2]: 2,
        keys[3]: 6,
        keys[4]: 4,
        keys[5]: 3,
        "cas/new": 1,
    }
    steps = store.alarm_transitions(TransitionFilter(T0, T0 + timedelta(seconds=1)))
    recorded = sorted((t.key, t.version) for t in steps if t.key.startswith("cas/"))
    assert recorded == sorted(
        [(k, v) for k in keys for v in (1, 2)]
        + [(k, 3) for k in keys if k != keys[2]]
        + [(keys[0], 4), (keys[0], 5), (keys[1], 4), ("cas/new", 1)]
        + [(keys[3], 4), (keys[3], 5), (keys[3], 6), (keys[4], 4)]
    )


def test_a_transaction_counts_the_rows_a_statement_changed_over_all_its_parameters(
    store: SqliteStore | PostgresStore,
) -> None:
    keys = [f"count/m{i}" for i in range(3)]
    assert all(store.save_alarms(_saves(keys, [1] * 3)))
    sql = "UPDATE alarm_states SET version = version + 1 WHERE alarm_key = ?"
    with store._tx() as tx:
        assert tx.executemany(sql, [(k,) for k in [*keys, "count/none"]]) == 3
        assert tx.executemany(sql, []) == 0

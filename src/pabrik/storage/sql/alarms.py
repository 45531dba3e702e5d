"""The alarm store once for both backends: compare-and-set saves, transitions and history.

Two ingest workers may see the same condition at once; the version check on the state row
lets exactly one of them record it, and the other reads the new state and finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.alarms import AlarmSave, AlarmStateRow, AlarmTransitionRow, TransitionFilter
from pabrik.storage.sql.account_rows import INSERT_AUDIT, audit_params
from pabrik.storage.sql.base import SqlBase, SqlTx
from pabrik.storage.sql.notify import INSERT_EVENT, SqlNotify, alarm_event_params, told

_STATE_COLS = (
    "alarm_key, definition_id, machine_id, state, priority, position, body_json, version,"
    " updated_at_ms"
)
_TRANSITION_COLS = (
    "alarm_key, version, idx, definition_id, machine_id, priority, position, at_ms, event,"
    " before_state, after_state, actor, comment, value, occurrence"
)
_INSERT_STATE = (
    f"INSERT INTO alarm_states ({_STATE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (alarm_key) DO NOTHING"
)
_UPDATE_STATE = (
    "UPDATE alarm_states SET state = ?, priority = ?, position = ?, body_json = ?, version = ?,"
    " updated_at_ms = ? WHERE alarm_key = ? AND version = ?"
)
_INSERT_TRANSITION = (
    f"INSERT INTO alarm_transitions ({_TRANSITION_COLS})"  # noqa: S608
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _state_row(r: tuple[Any, ...]) -> AlarmStateRow:
    return AlarmStateRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]), from_epoch_ms(r[8]))


def _transition_row(r: tuple[Any, ...]) -> AlarmTransitionRow:
    return AlarmTransitionRow(
        key=r[0],
        version=int(r[1]),
        idx=int(r[2]),
        definition_id=r[3],
        machine_id=r[4],
        priority=r[5],
        position=r[6],
        at=from_epoch_ms(r[7]),
        event=r[8],
        before=r[9],
        after=r[10],
        actor=r[11],
        comment=r[12],
        value=None if r[13] is None else float(r[13]),
        occurrence=bool(r[14]),
    )


def _transition_params(t: AlarmTransitionRow) -> tuple[Any, ...]:
    return (
        t.key,
        t.version,
        t.idx,
        t.definition_id,
        t.machine_id,
        t.priority,
        t.position,
        to_epoch_ms(t.at),
        t.event,
        t.before,
        t.after,
        t.actor,
        t.comment,
        t.value,
        t.occurrence,
    )


def _write_state(tx: SqlTx, row: AlarmStateRow) -> bool:
    """Insert version 1 or move version n-1 to n; False when the stored version differs."""
    at = to_epoch_ms(row.updated_at)
    if row.version == 1:
        ident = (row.key, row.definition_id, row.machine_id, row.state, row.priority)
        changed = tx.execute(_INSERT_STATE, (*ident, row.position, row.body_json, 1, at))
    else:
        changed = tx.execute(_UPDATE_STATE, _update_params(row))
    return changed == 1


def _update_params(row: AlarmStateRow) -> tuple[Any, ...]:
    at = to_epoch_ms(row.updated_at)
    body = (row.state, row.priority, row.position, row.body_json, row.version, at)
    return (*body, row.key, row.version - 1)


def _write_states(tx: SqlTx, rows: Sequence[AlarmStateRow]) -> list[bool]:
    """``_write_state`` of each row in turn, as one statement when every one succeeds."""
    # The ingest worker moves some 300 alarms a batch on to their next versions. executemany
    # runs the same updates in the same order, each changing at most one row (by key), so
    # all succeeded exactly when the changes add up to their number; otherwise (a race lost)
    # the savepoint undoes them and each goes alone. New alarms (inserts) always go alone.
    if len(rows) > 1 and all(r.version > 1 for r in rows):
        tx.execute("SAVEPOINT alarm_saves")
        changed = tx.executemany(_UPDATE_STATE, [_update_params(r) for r in rows])
        if changed == len(rows):
            tx.execute("RELEASE SAVEPOINT alarm_saves")
            return [True] * len(rows)
        tx.execute("ROLLBACK TO SAVEPOINT alarm_saves")
        tx.execute("RELEASE SAVEPOINT alarm_saves")
    return [_write_state(tx, r) for r in rows]


class SqlAlarms(SqlNotify, SqlBase):
    """The ``alarm_states`` and ``alarm_transitions`` tables, and the notification outbox."""

    def alarm_states(self, keys: Sequence[str] | None = None) -> list[AlarmStateRow]:
        """The stored alarms, all or those with ``keys``, ordered by key."""
        sql = f"SELECT {_STATE_COLS} FROM alarm_states"  # noqa: S608
        params: tuple[Any, ...] = ()
        if keys is not None:
            if not keys:
                return []
            sql += f" WHERE alarm_key IN ({', '.join('?' for _ in keys)})"
            params = tuple(keys)
        sql += f" ORDER BY alarm_key{self._BINARY_ORDER}"
        return [_state_row(r) for r in self._rows(sql, params)]

    def alarm_keys_in(self, states: Sequence[str]) -> list[tuple[str, str]]:
        """Key and state of each stored alarm in one of ``states``, ordered by key."""
        if not states:
            return []
        marks = ", ".join("?" for _ in states)
        sql = (
            f"SELECT alarm_key, state FROM alarm_states WHERE state IN ({marks})"  # noqa: S608
            f" ORDER BY alarm_key{self._BINARY_ORDER}"
        )
        return [(str(k), str(v)) for k, v in self._rows(sql, tuple(states))]

    def alarm_versions(self, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        """The version and body of each stored alarm among ``keys`` (what a save needs)."""
        # The ingest worker reads some 500 alarms a batch: plain tuples, not state rows.
        if not keys:
            return {}
        marks = ", ".join("?" for _ in keys)
        sql = f"SELECT alarm_key, version, body_json FROM alarm_states WHERE alarm_key IN ({marks})"  # noqa: S608
        return {k: (int(v), b) for k, v, b in self._rows(sql, tuple(keys))}

    def save_alarm(
        self,
        row: AlarmStateRow,
        transitions: Sequence[AlarmTransitionRow] = (),
        audit: Sequence[AuditLogRow] = (),
    ) -> bool:
        """Store ``row`` if the stored version is ``row.version - 1``, with its transitions."""
        return self.save_alarms([(row, transitions, audit)])[0]

    def save_alarms(self, items: Sequence[AlarmSave]) -> list[bool]:
        """Several compare-and-set saves in one transaction; each succeeds or fails alone."""
        with self._tx() as tx:
            done = _write_states(tx, [row for row, _, _ in items])
            for (_, transitions, audit), ok in zip(items, done, strict=True):
                if not ok or not (transitions or audit):
                    continue  # most saves of a batch only move an alarm's memory on
                tx.executemany(_INSERT_TRANSITION, [_transition_params(t) for t in transitions])
                tx.executemany(INSERT_AUDIT, audit_params(audit))
                # The store is the outbox: an announced alarm's notification (and its
                # return to normal) commits with it.
                notes = [alarm_event_params(t) for t in transitions if told(t)]
                tx.executemany(INSERT_EVENT, notes)
        return done

    def alarm_transitions(
        self, where: TransitionFilter, limit: int = 1000
    ) -> list[AlarmTransitionRow]:
        """Transitions in [start, end) matching the filter, newest first, at most ``limit``."""
        clauses = ["at_ms >= ?", "at_ms < ?"]
        params: list[Any] = [to_epoch_ms(where.start), to_epoch_ms(where.end)]
        for column, value in (
            ("machine_id", where.machine_id),
            ("definition_id", where.definition_id),
            ("priority", where.priority),
            ("event", where.event),
            ("alarm_key", where.key),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        sql = (
            f"SELECT {_TRANSITION_COLS} FROM alarm_transitions"  # noqa: S608
            f" WHERE {' AND '.join(clauses)}"
            " ORDER BY at_ms DESC, version DESC, idx DESC LIMIT ?"
        )
        return [_transition_row(r) for r in self._rows(sql, (*params, max(0, limit)))]

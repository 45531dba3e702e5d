"""SQLite backend: WAL mode, batched idempotent writes, one writer and per-thread readers."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

from pabrik.model.errors import StoreUnavailableError
from pabrik.model.records import (
    CountRecord,
    DeadLetter,
    Record,
    SampleRecord,
    StateRecord,
    from_epoch_ms,
    to_epoch_ms,
)
from pabrik.model.states import Quality, StateClass
from pabrik.storage.sqlite.accounts import SqliteAccounts
from pabrik.storage.sqlite.assessments import SqliteAssessments
from pabrik.storage.sqlite.rollups import SqliteRollups
from pabrik.storage.store import (
    DEAD_LETTER_PAYLOAD_CAP,
    PurgeResult,
    RetentionRule,
    WriteResult,
)

_INSERT_STATE = (
    "INSERT INTO states (machine_id, ts_ms, source, state, reason, product_id, order_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_COUNT = (
    "INSERT INTO counts (machine_id, ts_ms, source, good, scrap, rework, product_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_SAMPLE = (
    "INSERT INTO samples (machine_id, signal_id, ts_ms, source, value, quality)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
# An operator's reason (state_reasons, issue 7) wins over the raw one, which stays stored.
_STATE_SELECT = (
    "SELECT s.machine_id, s.ts_ms, s.source, s.state, coalesce(o.reason, s.reason),"
    " s.product_id, s.order_id FROM states s LEFT JOIN state_reasons o"
    " ON o.machine_id = s.machine_id AND o.ts_ms = s.ts_ms AND o.source = s.source"
)
_UPSERT_CHECKPOINT = (
    "INSERT INTO checkpoints (name, value) VALUES (?, ?)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


def migrations() -> list[tuple[int, str]]:
    """The versioned SQL migrations shipped with pabrik, in order."""
    folder = resources.files("pabrik.storage.sqlite").joinpath("migrations")
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def _insert_dead_letters(conn: sqlite3.Connection, letters: Sequence[DeadLetter]) -> None:
    rows = [
        (
            d.source[:200],
            to_epoch_ms(d.received_at),
            d.reason_code,
            d.detail[:2000],
            d.payload[:DEAD_LETTER_PAYLOAD_CAP],
            None if d.context is None else json.dumps(d.context, sort_keys=True),
        )
        for d in letters
    ]
    conn.executemany(
        "INSERT INTO dead_letters (source, received_at_ms, reason_code, detail, payload, context)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def sql_statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers included) without committing."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer)
            buffer = ""
    return statements


class SqliteStore(SqliteAssessments, SqliteRollups, SqliteAccounts):
    """A store in one SQLite file (plant records, and assessments through the mixin)."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        if synchronous not in {"FULL", "NORMAL"}:
            raise ValueError("synchronous must be FULL or NORMAL")
        self.path = path
        self._synchronous = synchronous
        self._lock = threading.Lock()
        self._local = threading.local()
        self._writer = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA busy_timeout=10000")
        except (sqlite3.Error, OSError) as err:
            raise StoreUnavailableError(
                f"cannot open {self.path}: {err}", path=str(self.path)
            ) from err
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    def _applied(self) -> int:
        row = self._writer.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def upgrade(self) -> list[str]:
        """Apply pending migrations, each with its version bump in one transaction."""
        applied: list[str] = []
        for version, sql in migrations():
            with self._transaction() as conn:
                # Re-read inside the write lock: another process may have just applied it.
                if version <= self._applied():
                    continue
                for statement in sql_statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version:d}")
            applied.append(f"{version:04d}")
        return applied

    def schema_status(self) -> tuple[int, int]:
        """The applied and the latest known schema version."""
        return self._applied(), max(v for v, _ in migrations())

    def write(
        self,
        records: Sequence[Record],
        checkpoints: dict[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (),
    ) -> WriteResult:
        """Write a batch, its dead letters and checkpoints in one transaction; no duplicates."""
        states, counts, samples = rows_by_table(records)
        with self._transaction() as conn:
            if dead_letters:
                _insert_dead_letters(conn, dead_letters)
            before = conn.total_changes
            if states:
                conn.executemany(_INSERT_STATE, states)
            if counts:
                conn.executemany(_INSERT_COUNT, counts)
            if samples:
                conn.executemany(_INSERT_SAMPLE, samples)
            inserted = conn.total_changes - before
            self._mark_rollups_dirty(conn, states, counts, samples)
            if checkpoints:
                conn.executemany(_UPSERT_CHECKPOINT, list(checkpoints.items()))
        return WriteResult(offered=len(records), inserted=inserted)

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep rejected inputs, with their payload capped in size."""
        with self._transaction() as conn:
            _insert_dead_letters(conn, letters)

    def checkpoint(self, name: str) -> str | None:
        """The committed position of a source."""
        row = (
            self._reader()
            .execute("SELECT value FROM checkpoints WHERE name = ?", (name,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def states(self, machine_id: str, start: datetime, end: datetime) -> list[StateRecord]:
        """State records in [start, end), with the last one before and the first one after.

        The record after the window tells how long the window's last state lasted, which
        decides whether a stop was a micro-stop.
        """
        s, e = to_epoch_ms(start), to_epoch_ms(end)
        conn = self._reader()
        cols = _STATE_SELECT
        prior = conn.execute(
            f"{cols} WHERE s.machine_id = ? AND s.ts_ms < ? ORDER BY s.ts_ms DESC LIMIT 1",
            (machine_id, s),
        ).fetchall()
        inside = conn.execute(
            f"{cols} WHERE s.machine_id = ? AND s.ts_ms >= ? AND s.ts_ms < ? ORDER BY s.ts_ms",
            (machine_id, s, e),
        ).fetchall()
        after = conn.execute(
            f"{cols} WHERE s.machine_id = ? AND s.ts_ms >= ? ORDER BY s.ts_ms LIMIT 1",
            (machine_id, max(e, s)),
        ).fetchall()
        return [_state(r) for r in (*prior, *inside, *after)]

    def counts(self, machine_id: str, start: datetime, end: datetime) -> list[CountRecord]:
        """Count records with start < ts <= end."""
        rows = (
            self._reader()
            .execute(
                "SELECT machine_id, ts_ms, source, good, scrap, rework, product_id FROM counts"
                " WHERE machine_id = ? AND ts_ms > ? AND ts_ms <= ? ORDER BY ts_ms",
                (machine_id, to_epoch_ms(start), to_epoch_ms(end)),
            )
            .fetchall()
        )
        return [CountRecord(r[2], r[0], from_epoch_ms(r[1]), r[3], r[4], r[5], r[6]) for r in rows]

    def samples(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime
    ) -> list[SampleRecord]:
        """Samples of one signal in [start, end)."""
        rows = (
            self._reader()
            .execute(
                "SELECT ts_ms, source, value, quality FROM samples WHERE machine_id = ?"
                " AND signal_id = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms",
                (machine_id, signal_id, to_epoch_ms(start), to_epoch_ms(end)),
            )
            .fetchall()
        )
        return [
            SampleRecord(r[1], machine_id, signal_id, from_epoch_ms(r[0]), r[2], Quality(r[3]))
            for r in rows
        ]

    def dead_letters(self, limit: int, offset: int) -> list[DeadLetter]:
        """Rejected inputs, newest first."""
        rows = (
            self._reader()
            .execute(
                f"SELECT {_LETTER_COLUMNS} FROM dead_letters"  # noqa: S608
                " ORDER BY id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            )
            .fetchall()
        )
        return [_letter(r) for r in rows]

    def dead_letters_by_id(self, ids: Sequence[int]) -> list[DeadLetter]:
        """The dead letters with these ids, oldest first; unknown ids are skipped."""
        found: list[DeadLetter] = []
        conn = self._reader()
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT {_LETTER_COLUMNS} FROM dead_letters WHERE id IN ({marks})",  # noqa: S608
                chunk,
            ).fetchall()
            found.extend(_letter(r) for r in rows)
        return sorted(found, key=lambda d: d.id or 0)

    def dead_letter_ids(
        self, reason_code: str | None = None, source: str | None = None
    ) -> list[int]:
        """Ids of dead letters, oldest first, optionally of one reason and one source."""
        rows = (
            self._reader()
            .execute(
                "SELECT id FROM dead_letters WHERE (? IS NULL OR reason_code = ?)"
                " AND (? IS NULL OR source = ?) ORDER BY id",
                (reason_code, reason_code, source, source),
            )
            .fetchall()
        )
        return [int(r[0]) for r in rows]

    def settle_dead_letters(
        self, replayed: Sequence[int], still_rejected: Sequence[tuple[int, str, str]]
    ) -> None:
        """Delete replayed letters; give the others their new reason and count the attempt."""
        with self._transaction() as conn:
            conn.executemany("DELETE FROM dead_letters WHERE id = ?", [(i,) for i in replayed])
            conn.executemany(
                "UPDATE dead_letters SET reason_code = ?, detail = ?, replays = replays + 1"
                " WHERE id = ?",
                [(code, detail[:2000], i) for i, code, detail in still_rejected],
            )

    def dead_letter_count(self) -> int:
        """How many rejected inputs are kept."""
        return int(self._reader().execute("SELECT count(*) FROM dead_letters").fetchone()[0])

    def row_counts(self) -> dict[str, int]:
        """Rows per data table."""
        conn = self._reader()
        tables = ("states", "counts", "samples", "dead_letters")
        return {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
            for t in tables
        }

    def ping(self) -> None:
        """Answer a trivial query, or raise ``StoreUnavailableError``."""
        try:
            self._reader().execute("SELECT 1").fetchone()
        except sqlite3.Error as err:
            raise StoreUnavailableError(f"{self.path}: {err}", path=str(self.path)) from err

    def purge(self, rules: Sequence[RetentionRule], *, dry_run: bool = False) -> list[PurgeResult]:
        """Delete rows older than each rule's cut-off, in batches of short transactions."""
        return [
            PurgeResult(rule, sum(self._purge_scope(s, rule, dry_run) for s in self._scopes(rule)))
            for rule in rules
        ]

    def _scopes(self, rule: RetentionRule) -> list[tuple[str, tuple[object, ...]]]:
        """Key-prefix conditions that keep each batch on the primary key."""
        if rule.table not in _RETENTION:
            raise ValueError(f"no retention for table {rule.table!r}")
        if rule.machine_id is not None or rule.signal_id is not None:
            if rule.table != "samples" or rule.machine_id is None or rule.signal_id is None:
                raise ValueError("a per-signal rule names samples, a machine and a signal")
            return [("machine_id = ? AND signal_id = ?", (rule.machine_id, rule.signal_id))]
        if rule.table == "dead_letters":
            return [("1 = 1", ())]
        conn = self._reader()
        machines = [r[0] for r in conn.execute(_distinct_sql(rule.table, "machine_id", ""))]
        if rule.table != "samples":
            return [("machine_id = ?", (m,)) for m in machines]
        return [
            ("machine_id = ? AND signal_id = ?", (m, sig[0]))
            for m in machines
            for sig in conn.execute(
                _distinct_sql("samples", "signal_id", "machine_id = ? AND "), (m, m)
            )
        ]

    def _purge_scope(
        self, scope: tuple[str, tuple[object, ...]], rule: RetentionRule, dry_run: bool
    ) -> int:
        prefix, params = scope
        ts, key = _RETENTION[rule.table]
        cut = to_epoch_ms(rule.before)
        if dry_run:
            row = (
                self._reader()
                .execute(
                    f"SELECT count(*) FROM {rule.table} WHERE {prefix} AND {ts} < ?",  # noqa: S608
                    (*params, cut),
                )
                .fetchone()
            )
            return int(row[0])
        statement = (
            f"DELETE FROM {rule.table} WHERE {prefix} AND {key} IN"  # noqa: S608
            f" (SELECT {key} FROM {rule.table} WHERE {prefix} AND {ts} < ? LIMIT ?)"
            f" AND {ts} < ?"
        )
        total = 0
        while True:
            with self._transaction() as conn:
                done = conn.execute(statement, (*params, *params, cut, 5000, cut)).rowcount
            total += done
            if done < 5000:
                return total

    def close(self) -> None:
        """Close the writer and this thread's reader."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self._writer.close()


def rows_by_table(
    records: Sequence[Record],
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Records as parameter rows for the states, counts and samples tables."""
    states: list[tuple[object, ...]] = []
    counts: list[tuple[object, ...]] = []
    samples: list[tuple[object, ...]] = []
    for r in records:
        ts = to_epoch_ms(r.ts)
        if isinstance(r, SampleRecord):
            samples.append((r.machine_id, r.signal_id, ts, r.source, r.value, r.quality.value))
        elif isinstance(r, CountRecord):
            counts.append((r.machine_id, ts, r.source, r.good, r.scrap, r.rework, r.product_id))
        else:
            states.append(
                (r.machine_id, ts, r.source, r.state.value, r.reason, r.product_id, r.order_id)
            )
    return states, counts, samples


# Table -> (time column, the key column a batch selects within one machine's key prefix).
_RETENTION = {
    "states": ("ts_ms", "ts_ms"),
    "counts": ("ts_ms", "ts_ms"),
    "samples": ("ts_ms", "ts_ms"),
    "dead_letters": ("received_at_ms", "id"),
    "kpi_rollup_hour": ("start_ms", "start_ms"),
    "kpi_rollup_minute": ("start_ms", "start_ms"),
    "kpi_rollup_downtime": ("start_ms", "start_ms"),
}


def _distinct_sql(table: str, column: str, prefix: str) -> str:
    """Distinct values of a key column by index hops (a loose index scan), not a full scan."""
    return (
        f"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM {table} WHERE {prefix}1 = 1"  # noqa: S608
        f" UNION ALL SELECT (SELECT min({column}) FROM {table} WHERE {prefix}{column} > v.x)"
        " FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL"
    )


_LETTER_COLUMNS = "id, source, received_at_ms, reason_code, detail, payload, context"


def _letter(r: tuple[object, ...]) -> DeadLetter:
    context = json.loads(str(r[6])) if r[6] is not None else None
    return DeadLetter(
        str(r[1]),
        from_epoch_ms(int(r[2])),  # type: ignore[call-overload]
        str(r[3]),
        str(r[4]),
        str(r[5]),
        id=int(r[0]),  # type: ignore[call-overload]
        context=context,
    )


def _state(r: tuple[object, ...]) -> StateRecord:
    return StateRecord(
        source=str(r[2]),
        machine_id=str(r[0]),
        ts=from_epoch_ms(int(r[1])),  # type: ignore[call-overload]
        state=StateClass(str(r[3])),
        reason=None if r[4] is None else str(r[4]),
        product_id=None if r[5] is None else str(r[5]),
        order_id=None if r[6] is None else str(r[6]),
    )

"""PostgreSQL backend: binary COPY into staging, idempotent inserts, monthly partitions.

Connections come from a small ``psycopg_pool`` pool rather than one writer plus per-thread
readers: the web tier answers from up to 40 threads, so a pool bounds the connections each
process opens on a shared server, checks a connection before lending it, and replaces the
ones a server restart broke, which is what lets a worker ride out a database restart.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from pabrik.model.errors import StoreUnavailableError
from pabrik.model.records import (
    CountRecord,
    DeadLetter,
    Record,
    SampleRecord,
    StateRecord,
)
from pabrik.model.states import Quality, StateClass
from pabrik.storage.postgres import migrate as pgmigrate
from pabrik.storage.postgres import retention as pgretention
from pabrik.storage.postgres.accounts import PgAccounts
from pabrik.storage.postgres.alarms import PgAlarms
from pabrik.storage.postgres.assessments import PgAssessments
from pabrik.storage.postgres.batch_copy import (
    Conn,
    copy_and_move,
    copy_rows,
    create_stages,
    floor_ms,
    rows_by_table,
)
from pabrik.storage.postgres.dead_letters import PgDeadLetters, insert_dead_letters
from pabrik.storage.postgres.federation import PgFederation
from pabrik.storage.postgres.manual import PgManual
from pabrik.storage.postgres.partitions import PARTITIONED, Month, Partitions, months_between
from pabrik.storage.postgres.rollups import PgRollups, mark_rollups_dirty
from pabrik.storage.postgres.sharing import PgSharing
from pabrik.storage.postgres.siteconfig import PgSiteConfig
from pabrik.storage.postgres.state_runs import PgStateRuns
from pabrik.storage.store import (
    PurgeResult,
    RetentionRule,
    SampleBucket,
    WriteResult,
    bucket_step_us,
    epoch_us,
)

log = logging.getLogger(__name__)


# One statement for a batch's checkpoints (the worker saves some 100 detector periods with
# each batch), in name order so two writers lock the rows they share in the same order. The
# arrays go in binary: as text, every quote of the JSON values is escaped in the client.
_UPSERT_CHECKPOINTS = (
    "INSERT INTO checkpoints (name, value)"
    " SELECT * FROM unnest(%b::text[], %b::text[]) ORDER BY 1"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
# An operator's reason (state_reasons, issue 7) wins over the raw one, which stays stored.
_STATE_COLUMNS = (
    "s.machine_id, s.ts, s.source, s.state, coalesce(o.reason, s.reason) AS reason,"
    " s.product_id, s.order_id"
)
_STATE_FROM = (
    "states s LEFT JOIN state_reasons o"
    " ON o.machine_id = s.machine_id AND o.ts = s.ts AND o.source = s.source"
)


def _configure(conn: Conn) -> None:
    """Every session reads and writes instants in UTC."""
    conn.execute("SET TIME ZONE 'UTC'")


# A connection that answered this recently is lent without the pool's check (a round trip
# per checkout, a third of a short query's time); a broken one then fails its query, which
# reports StoreUnavailableError as the check would have, and the pool drops it.
TRUSTED_S = 1.0


class _RecentCheck:
    """The pool's connection check, skipped for a connection that worked moments ago."""

    def __init__(self) -> None:
        self.used: weakref.WeakKeyDictionary[Conn, float] = weakref.WeakKeyDictionary()

    def __call__(self, conn: Conn) -> None:
        last = self.used.get(conn)
        if last is None or time.monotonic() - last > TRUSTED_S:
            ConnectionPool.check_connection(conn)


class PostgresStore(
    PgRollups,
    PgAssessments,
    PgAccounts,
    PgDeadLetters,
    PgManual,
    PgAlarms,
    PgSiteConfig,
    PgSharing,
    PgFederation,
    PgStateRuns,
):
    """A store in one PostgreSQL database, shared by any number of processes."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        timeout_s: float = 5.0,
        label: str = "postgresql",
    ) -> None:
        self.label = label
        self._partitions = Partitions()
        self._merging = False
        self._check = _RecentCheck()
        # Opening does not wait: the pool connects in the background, so a process starts
        # while the database is down and the caller decides how to wait (see runtime.ops).
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(pool_size, 1),
            open=False,
            kwargs={"autocommit": True, "connect_timeout": max(int(timeout_s), 1)},
            configure=_configure,
            check=self._check,
            timeout=timeout_s,
            name="pabrik",
        )
        self._pool.open(wait=False)

    @contextmanager
    def _conn(self) -> Iterator[Conn]:
        """A pooled connection; unreachable servers become ``StoreUnavailableError``."""
        try:
            with self._pool.connection() as conn:
                yield conn
                self._check.used[conn] = time.monotonic()
        except PoolTimeout as err:
            raise StoreUnavailableError(
                f"no connection to {self.label}: {err}", url=self.label
            ) from err
        except psycopg.OperationalError as err:
            raise StoreUnavailableError(f"{self.label}: {err}", url=self.label) from err

    def upgrade(self) -> list[str]:
        """Apply pending migrations, then make this month's and next month's partitions."""
        with self._conn() as conn:
            applied = pgmigrate.upgrade(conn)
            month = Month.of(datetime.now(UTC))
            self._partitions.forget()
            self._partitions.ensure(
                conn, [(t, m) for t in PARTITIONED for m in (month, month.next())]
            )
        return applied

    def schema_status(self) -> tuple[int, int]:
        """The applied and the latest known schema version."""
        with self._conn() as conn:
            return pgmigrate.status(conn)

    def write(
        self,
        records: Sequence[Record],
        checkpoints: dict[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (),
    ) -> WriteResult:
        """Write a batch, its dead letters and checkpoints in one transaction; no duplicates."""
        tables, first, last = rows_by_table(records)
        with self._conn() as conn:
            if tables:
                self._ensure_partitions(conn, list(tables), first, last)
            with conn.transaction():
                if dead_letters:
                    insert_dead_letters(conn, dead_letters)
                inserted = self._insert(conn, tables)
                mark_rollups_dirty(conn, tables)
                if checkpoints:
                    conn.execute(
                        _UPSERT_CHECKPOINTS, (list(checkpoints), list(checkpoints.values()))
                    )
        return WriteResult(offered=len(records), inserted=inserted)

    def _insert(self, conn: Conn, tables: dict[str, Sequence[tuple[Any, ...]]]) -> int:
        """Binary COPY straight into the tables; on a duplicate key, merge through staging.

        New data is the common case and COPY is the fastest path into PostgreSQL. A replay
        after a crash hits existing keys: the savepoint undoes the failed COPY and the rows
        go through staging tables and ``INSERT ... ON CONFLICT DO NOTHING`` instead. Replays
        come in runs, so later batches merge directly until one has no duplicates.
        """
        if not tables:
            return 0
        if not self._merging:
            try:
                with conn.transaction():
                    return sum(copy_rows(conn, sql.Identifier(t), t, r) for t, r in tables.items())
            except psycopg.errors.UniqueViolation:
                self._merging = True
        # IF NOT EXISTS each time: a rolled-back batch also rolls back a stage it made.
        create_stages(conn)
        inserted = sum(copy_and_move(conn, t, r) for t, r in tables.items())
        self._merging = inserted < sum(len(r) for r in tables.values())
        return inserted

    def _ensure_partitions(
        self, conn: Conn, tables: list[str], first: datetime, last: datetime
    ) -> None:
        # Next month too, so the month boundary never waits on DDL mid-stream.
        months = [*months_between(first, last)]
        months.append(months[-1].next())
        self._partitions.ensure(conn, [(t, m) for t in tables for m in months])

    def checkpoint(self, name: str) -> str | None:
        """The committed position of a source."""
        with self._conn() as conn:
            row = conn.execute("SELECT value FROM checkpoints WHERE name = %s", (name,)).fetchone()
        return None if row is None else str(row[0])

    def states(self, machine_id: str, start: datetime, end: datetime) -> list[StateRecord]:
        """State records in [start, end), with the last one before and the first one after."""
        s, e = floor_ms(start), floor_ms(end)
        query = (
            f"(SELECT 0 AS part, {_STATE_COLUMNS} FROM {_STATE_FROM}"  # noqa: S608
            " WHERE s.machine_id = %(m)s AND s.ts < %(s)s ORDER BY s.ts DESC, s.source DESC"
            f" LIMIT 1) UNION ALL (SELECT 1, {_STATE_COLUMNS} FROM {_STATE_FROM}"
            " WHERE s.machine_id = %(m)s AND s.ts >= %(s)s AND s.ts < %(e)s)"
            f" UNION ALL (SELECT 2, {_STATE_COLUMNS} FROM {_STATE_FROM}"
            " WHERE s.machine_id = %(m)s AND s.ts >= %(after)s ORDER BY s.ts, s.source LIMIT 1)"
            " ORDER BY part, ts, source"
        )
        with self._conn() as conn:
            rows = conn.execute(query, {"m": machine_id, "s": s, "e": e, "after": max(s, e)})
            return [_state(r[1:]) for r in rows.fetchall()]

    def counts(self, machine_id: str, start: datetime, end: datetime) -> list[CountRecord]:
        """Count records with start < ts <= end."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT machine_id, ts, source, good, scrap, rework, product_id FROM counts"
                " WHERE machine_id = %s AND ts > %s AND ts <= %s ORDER BY ts, source",
                (machine_id, floor_ms(start), floor_ms(end)),
            ).fetchall()
        return [CountRecord(r[2], r[0], r[1], r[3], r[4], r[5], r[6]) for r in rows]

    def samples(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime
    ) -> list[SampleRecord]:
        """Samples of one signal in [start, end)."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT ts, source, value, quality FROM samples WHERE machine_id = %s"
                " AND signal_id = %s AND ts >= %s AND ts < %s ORDER BY ts, source",
                (machine_id, signal_id, floor_ms(start), floor_ms(end)),
            ).fetchall()
        return [SampleRecord(r[1], machine_id, signal_id, r[0], r[2], Quality(r[3])) for r in rows]

    def meter_readings(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime, reach_ms: int
    ) -> list[SampleRecord]:
        """Samples in [start, end), back to and on to the good readings that bound it."""
        s, e, reach = floor_ms(start), floor_ms(end), timedelta(milliseconds=reach_ms)
        query = (
            "SELECT ts, source, value, quality FROM samples WHERE machine_id = %(m)s"
            " AND signal_id = %(g)s AND ts >= %(lo)s AND ts < %(hi)s"  # prunes partitions
            " AND ts >= coalesce((SELECT max(ts) FROM samples"
            " WHERE machine_id = %(m)s AND signal_id = %(g)s AND quality <> 'bad'"
            " AND ts >= %(lo)s AND ts <= %(s)s), %(s)s) AND (ts < %(e)s OR ts <= (SELECT"
            " min(ts) FROM samples WHERE machine_id = %(m)s AND signal_id = %(g)s"
            " AND quality <> 'bad' AND ts >= %(e)s AND ts < %(hi)s)) ORDER BY ts, source"
        )
        args = {"m": machine_id, "g": signal_id, "s": s, "e": e, "lo": s - reach, "hi": e + reach}
        with self._conn() as conn:
            rows = conn.execute(query, args).fetchall()
        return [SampleRecord(r[1], machine_id, signal_id, r[0], r[2], Quality(r[3])) for r in rows]

    def sample_buckets(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime, buckets: int
    ) -> list[SampleBucket]:
        """Mean and count of ``samples`` per non-empty slice k = offset_us // bucket_step_us."""
        # bigint division truncates toward zero, as SQLite's and Python's int() do.
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT ((extract(epoch FROM ts) * 1000000)::bigint - %s) / %s AS k,"
                " avg(value), count(*) FROM samples WHERE machine_id = %s AND signal_id = %s"
                " AND ts >= %s AND ts < %s GROUP BY k ORDER BY k",
                (
                    epoch_us(start),
                    bucket_step_us(start, end, buckets),
                    machine_id,
                    signal_id,
                    floor_ms(start),
                    floor_ms(end),
                ),
            ).fetchall()
        return [SampleBucket(int(r[0]), float(r[1]), int(r[2])) for r in rows]

    def row_counts(self) -> dict[str, int]:
        """Rows per data table (exact, so slow on big tables: diagnostics and tests only)."""
        tables = ("states", "counts", "samples", "dead_letters")
        with self._conn() as conn:
            return {t: _count(conn, t) for t in tables}

    def ping(self) -> None:
        """Answer a trivial query, or raise ``StoreUnavailableError``."""
        with self._conn() as conn:
            conn.execute("SELECT 1")

    def purge(self, rules: Sequence[RetentionRule], *, dry_run: bool = False) -> list[PurgeResult]:
        """Drop expired monthly partitions and delete the rest in batches."""
        with self._conn() as conn:
            results = [pgretention.purge(conn, rule, dry_run=dry_run) for rule in rules]
        if not dry_run and any(r.partitions for r in results):
            self._partitions.forget()
        return results

    def close(self) -> None:
        """Close the pool and its connections."""
        self._pool.close()


def _count(conn: Conn, table: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0


def _state(r: Sequence[Any]) -> StateRecord:
    return StateRecord(
        source=str(r[2]),
        machine_id=str(r[0]),
        ts=r[1],
        state=StateClass(str(r[3])),
        reason=r[4],
        product_id=r[5],
        order_id=r[6],
    )

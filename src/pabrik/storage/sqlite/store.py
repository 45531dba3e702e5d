"""SQLite backend: WAL mode, batched idempotent writes, one writer and per-thread readers."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from pabrik.model.batch import group_by_series
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
from pabrik.storage.sqlite.alarms import SqliteAlarms
from pabrik.storage.sqlite.assessments import SqliteAssessments
from pabrik.storage.sqlite.dead_letters import SqliteDeadLetters, insert_dead_letters
from pabrik.storage.sqlite.federation import SqliteFederation
from pabrik.storage.sqlite.forward import SqliteForward
from pabrik.storage.sqlite.frames import (
    FrameMark,
    FrameWriter,
    framed_values,
    register,
    signal_rows,
    split_rows,
)
from pabrik.storage.sqlite.manual import SqliteManual
from pabrik.storage.sqlite.meters import SqliteMeters
from pabrik.storage.sqlite.record_rows import rows_by_table
from pabrik.storage.sqlite.retention import SqliteRetention
from pabrik.storage.sqlite.rollups import SqliteRollups
from pabrik.storage.sqlite.schema import migrations, sql_statements
from pabrik.storage.sqlite.sharing import SqliteSharing
from pabrik.storage.sqlite.siteconfig import SqliteSiteConfig
from pabrik.storage.sqlite.state_runs import SqliteStateRuns
from pabrik.storage.sqlite.writers import WriterQueue
from pabrik.storage.store import SampleBucket, WriteResult, bucket_step_us, epoch_us

# Each write takes the next forward batch number, stored with its rows (store-and-forward).
# It is written into the statements as a literal: a subquery would run once per row.
_NEXT_BATCH = "UPDATE forward_clock SET batch = batch + 1 RETURNING batch"
_INSERT_STATE = (
    "INSERT INTO states"
    " (machine_id, ts_ms, source, state, reason, product_id, order_id, fwd_batch)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, {batch:d}) ON CONFLICT DO NOTHING"
)
_INSERT_COUNT = (
    "INSERT INTO counts"
    " (machine_id, ts_ms, source, good, scrap, rework, product_id, fwd_batch)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, {batch:d}) ON CONFLICT DO NOTHING"
)
_INSERT_SAMPLE = (
    "INSERT INTO samples (machine_id, signal_id, ts_ms, source, value, quality, fwd_batch)"
    " VALUES (?, ?, ?, ?, ?, ?, {batch:d}) ON CONFLICT DO NOTHING"
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
# Mean and count per slice of one signal, read from samples or from the all_samples view.
_BUCKETS = (
    "SELECT (ts_ms * 1000 - ?) / ? AS k, avg(value), count(*) FROM {table}"
    " WHERE machine_id = ? AND signal_id = ? AND ts_ms >= ? AND ts_ms < ?"
    " GROUP BY k ORDER BY k"
)


class SqliteStore(
    SqliteAssessments,
    SqliteRollups,
    SqliteAccounts,
    SqliteDeadLetters,
    SqliteRetention,
    SqliteMeters,
    SqliteManual,
    SqliteAlarms,
    SqliteSiteConfig,
    SqliteSharing,
    SqliteForward,
    SqliteFederation,
    SqliteStateRuns,
):
    """A store in one SQLite file (plant records, and assessments through the mixin)."""

    def __init__(
        self, path: Path, *, synchronous: str = "FULL", queue_writers: bool = True
    ) -> None:
        if synchronous not in {"FULL", "NORMAL"}:
            raise ValueError("synchronous must be FULL or NORMAL")
        self.path = path
        self._synchronous = synchronous
        self._lock = threading.Lock()
        # Off only to measure SQLite's busy handler alone (bench/sqlite_wait.py).
        self._queue: WriterQueue | None = None
        self._local = threading.local()
        # Readers outlive their threads: a worker pool that ends idle threads and starts new
        # ones would otherwise open (and fill the page cache of) a connection per new thread.
        self._readers: list[tuple[sqlite3.Connection, weakref.ref[threading.Thread]]] = []
        self._readers_guard = threading.Lock()
        self._frames = FrameWriter()
        self._writer = self._connect()
        if queue_writers:
            self._queue = WriterQueue(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            _private_file(self.path)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            _private_companions(self.path)
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA busy_timeout=10000")
            register(conn)
        except (sqlite3.Error, OSError) as err:
            raise StoreUnavailableError(
                f"cannot open {self.path}: {err}", path=str(self.path)
            ) from err
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._lend_reader()
            self._local.conn = conn
        return conn

    def _lend_reader(self) -> sqlite3.Connection:
        """The reader of a thread that has ended, else a new one: one per live reading thread."""
        me = weakref.ref(threading.current_thread())
        with self._readers_guard:
            for i, (conn, owner) in enumerate(self._readers):
                if not _alive(owner):
                    self._readers[i] = (conn, me)
                    return conn
        conn = self._connect()
        with self._readers_guard:
            self._readers.append((conn, me))
        return conn

    def readers_open(self) -> int:
        """How many reader connections the store holds (at most the threads that read at once)."""
        with self._readers_guard:
            return len(self._readers)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._queue is not None:
                self._queue.acquire()
            try:
                self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield self._writer
                except BaseException:
                    self._writer.execute("ROLLBACK")
                    raise
                self._writer.execute("COMMIT")
            finally:
                if self._queue is not None:
                    self._queue.release()

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
        samples, columns = split_rows(samples)
        samples = list(samples)  # may be the caller's rows
        group_by_series(samples)
        try:
            with self._transaction() as conn:
                if dead_letters:
                    insert_dead_letters(conn, dead_letters)
                inserted, marks = 0, list[FrameMark]()
                if states or counts or samples or columns:
                    batch = int(conn.execute(_NEXT_BATCH).fetchall()[0][0])
                if columns:  # frames first: a read that cannot be one comes back as rows
                    inserted, rows, marks = self._frames.write(conn, columns, batch)
                    samples = [*samples, *rows] if rows else samples
                before = conn.total_changes
                if states:
                    conn.executemany(_INSERT_STATE.format(batch=batch), states)
                if counts:
                    conn.executemany(_INSERT_COUNT.format(batch=batch), counts)
                if samples:
                    conn.executemany(_INSERT_SAMPLE.format(batch=batch), samples)
                inserted += conn.total_changes - before
                self._mark_rollups_dirty(conn, states, counts, samples, marks)
                if checkpoints:
                    conn.executemany(_UPSERT_CHECKPOINT, list(checkpoints.items()))
        except BaseException:
            self._frames.forget()  # a layout made in the rolled-back write is gone
            raise
        return WriteResult(offered=len(records), inserted=inserted)

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
                "SELECT ts_ms, source, value, quality FROM all_samples WHERE machine_id = ?"
                " AND signal_id = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms",
                (machine_id, signal_id, to_epoch_ms(start), to_epoch_ms(end)),
            )
            .fetchall()
        )
        return [
            SampleRecord(r[1], machine_id, signal_id, from_epoch_ms(r[0]), r[2], Quality(r[3]))
            for r in rows
        ]

    def sample_buckets(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime, buckets: int
    ) -> list[SampleBucket]:
        """Mean and count of ``samples`` per non-empty slice k = offset_us // bucket_step_us."""
        args = (
            epoch_us(start),
            bucket_step_us(start, end, buckets),
            machine_id,
            signal_id,
            to_epoch_ms(start),
            to_epoch_ms(end),
        )
        rows = signal_rows(self._reader(), machine_id, signal_id, _BUCKETS, args)
        return [SampleBucket(int(r[0]), float(r[1]), int(r[2])) for r in rows]

    def row_counts(self) -> dict[str, int]:
        """Rows per data table."""
        conn = self._reader()
        tables = ("states", "counts", "samples", "dead_letters")
        found = {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
            for t in tables
        }
        found["samples"] += framed_values(conn)
        return found

    def ping(self) -> None:
        """Answer a trivial query, or raise ``StoreUnavailableError``."""
        try:
            self._reader().execute("SELECT 1").fetchone()
        except sqlite3.Error as err:
            raise StoreUnavailableError(f"{self.path}: {err}", path=str(self.path)) from err

    def close(self) -> None:
        """Close the writer, this thread's reader and those of ended threads."""
        with self._readers_guard:
            readers, self._readers = self._readers, []
        me = threading.current_thread()
        for conn, owner in readers:
            # A reader still held by a live thread is left to that thread (closed with it).
            if owner() is me or not _alive(owner):
                conn.close()
        self._local.conn = None
        self._writer.close()
        if self._queue is not None:
            self._queue.close()


def _alive(owner: weakref.ref[threading.Thread]) -> bool:
    thread = owner()
    return thread is not None and thread.is_alive()


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


PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def _private_file(path: Path) -> None:
    """Create the database file (and a new folder for it) readable by this user only."""
    if not path.parent.exists():
        path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True)
        path.parent.chmod(PRIVATE_FOLDER)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))


def _private_companions(path: Path) -> None:
    """The database, its write-ahead log and shared-memory file: this user's only."""
    for suffix in ("", "-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            with suppress(PermissionError):  # another user's file: theirs to protect
                companion.chmod(PRIVATE_FILE)

"""Monthly range partitions of the PostgreSQL time-series tables, made on demand."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

PARTITIONED = ("states", "counts", "samples")
# One advisory lock for all partition DDL, so two workers never race on one month.
DDL_LOCK = 0x70616272696B01
_NAME = re.compile(r"^(states|counts|samples)_p(\d{4})(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month in UTC: the span of one partition."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1970 <= self.year <= 9999 and 1 <= self.month <= 12):
            raise ValueError(f"month out of range: {self.year}-{self.month}")

    @classmethod
    def of(cls, ts: datetime) -> Month:
        """The UTC month that holds an aware instant."""
        utc = ts.astimezone(UTC)
        return cls(utc.year, utc.month)

    def next(self) -> Month:
        """The month after this one."""
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def start(self) -> datetime:
        """First instant of the month."""
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """First instant of the next month."""
        return self.next().start

    def partition(self, table: str) -> str:
        """The partition name for a table, from validated numbers only."""
        if table not in PARTITIONED:
            raise ValueError(f"not a partitioned table: {table}")
        return f"{table}_p{self.year:04d}{self.month:02d}"


def months_between(first: datetime, last: datetime) -> Iterator[Month]:
    """Every month from the one holding ``first`` to the one holding ``last``."""
    month, stop = Month.of(first), Month.of(last)
    while month <= stop:
        yield month
        month = month.next()


def parse_partition(name: str) -> tuple[str, Month] | None:
    """The table and month of a partition name, or None for other tables."""
    found = _NAME.match(name)
    if found is None:
        return None
    return found.group(1), Month(int(found.group(2)), int(found.group(3)))


def existing(conn: psycopg.Connection[tuple[object, ...]]) -> set[tuple[str, Month]]:
    """Monthly partitions that exist now."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_class p ON p.oid = i.inhparent"
        " WHERE p.relname = ANY(%s) AND p.relnamespace = c.relnamespace"
        " AND pg_table_is_visible(p.oid)",
        (list(PARTITIONED),),
    ).fetchall()
    found = (parse_partition(str(r[0])) for r in rows)
    return {p for p in found if p is not None}


class Partitions:
    """Creates missing monthly partitions, once per process and month."""

    def __init__(self, lock_timeout_ms: int = 5000) -> None:
        self._known: set[tuple[str, Month]] | None = None
        self._lock = threading.Lock()
        self._lock_timeout_ms = lock_timeout_ms

    def forget(self) -> None:
        """Drop the cache, e.g. after retention dropped partitions."""
        with self._lock:
            self._known = None

    def ensure(
        self, conn: psycopg.Connection[tuple[object, ...]], needed: Iterable[tuple[str, Month]]
    ) -> None:
        """Create the partitions in ``needed`` that do not exist yet."""
        with self._lock:
            if self._known is None:
                self._known = existing(conn)
            missing = sorted(set(needed) - self._known)
            for table, month in missing:
                if self._create(conn, table, month):
                    self._known.add((table, month))

    def _create(
        self, conn: psycopg.Connection[tuple[object, ...]], table: str, month: Month
    ) -> bool:
        """Create one partition in its own short transaction; False if it must wait."""
        try:
            with conn.transaction():
                conn.execute(
                    sql.SQL("SET LOCAL lock_timeout = {}").format(
                        sql.Literal(f"{self._lock_timeout_ms}ms")
                    )
                )
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
                create_partition(conn, table, month)
        except psycopg.errors.LockNotAvailable:
            # Readers hold the table: the rows go to the default partition for now and move
            # into their month when a later write creates it.
            log.warning("partition %s deferred: lock timeout", month.partition(table))
            return False
        return True


def create_partition(
    conn: psycopg.Connection[tuple[object, ...]], table: str, month: Month
) -> None:
    """Create, fill from the default partition, and attach one month (caller holds the lock)."""
    name = month.partition(table)
    row = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
    if row is not None and row[0] is not None:
        return
    ident, parent = sql.Identifier(name), sql.Identifier(table)
    default = sql.Identifier(f"{table}_default")
    conn.execute(
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(
            ident, parent
        )
    )
    # Attaching fails while the default partition holds rows of this month, so move them.
    conn.execute(
        sql.SQL(
            "WITH moved AS (DELETE FROM {} WHERE ts >= %s AND ts < %s RETURNING *)"
            " INSERT INTO {} SELECT * FROM moved"
        ).format(default, ident),
        (month.start, month.end),
    )
    conn.execute(
        sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
            parent, ident, sql.Literal(month.start), sql.Literal(month.end)
        )
    )
    log.info("created partition %s", name)


def expired(
    conn: psycopg.Connection[tuple[object, ...]], table: str, before: datetime
) -> list[Month]:
    """Months of a table's partitions that lie wholly before ``before``, oldest first."""
    return sorted(m for t, m in existing(conn) if t == table and m.end <= before)

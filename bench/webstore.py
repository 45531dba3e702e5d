"""The dashboard bench's store: the SQLite file in the data folder, or a PostgreSQL database.

With ``--store postgres`` each run makes its own uniquely named database on bench/postgres.py's
server (PABRIK_BENCH_PG, else PABRIK_TEST_PG, else 127.0.0.1:5432 as ``postgres``) and drops it
afterwards, so the history is prepared again every run (``--data`` keeps only the SQLite one).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import postgres as pgbench

_NEWEST = "SELECT MAX(ts_ms) FROM samples WHERE machine_id = ? AND signal_id = ? AND source = ?"
_STORED = "SELECT COUNT(*) FROM samples WHERE source = ? AND ts_ms >= ? AND ts_ms < ?"
# PostgreSQL keeps a timestamptz where SQLite keeps epoch milliseconds.
_PG_NEWEST = (
    "SELECT (extract(epoch FROM MAX(ts)) * 1000)::bigint FROM samples"
    " WHERE machine_id = %s AND signal_id = %s AND source = %s"
)
_PG_STORED = (
    "SELECT COUNT(*) FROM samples WHERE source = %s"
    " AND ts >= to_timestamp(%s / 1000.0) AND ts < to_timestamp(%s / 1000.0)"
)


@dataclass(frozen=True)
class BenchStore:
    """Where the server, the worker and the lag watch find the records."""

    sqlite: Path
    url: str = ""
    """A PostgreSQL URL, or empty for the SQLite file."""

    def env(self) -> dict[str, str]:
        """What the server and worker subprocesses need in their environment."""
        return {"PABRIK_DATABASE_URL": self.url} if self.url else {}

    def one(self, sql: str, args: tuple[object, ...]) -> object:
        """The first column of the first row of a read (on a connection of its own)."""
        if self.url:
            with psycopg.connect(self.url, autocommit=True) as conn:
                row = conn.execute(sql, args).fetchone()
                return None if row is None else row[0]
        with sqlite3.connect(f"file:{self.sqlite}?mode=ro", uri=True, timeout=30) as lite:
            return lite.execute(sql, args).fetchone()[0]

    def newest_ms(self, keys: list[tuple[str, str]], source: str) -> int | None:
        """The newest time stamp of ``source`` stored, one primary-key seek per machine."""
        if self.url:
            with psycopg.connect(self.url, autocommit=True) as conn:
                found = [
                    row[0]
                    for m, s in keys
                    if (row := conn.execute(_PG_NEWEST, (m, s, source)).fetchone())
                ]
        else:
            with sqlite3.connect(f"file:{self.sqlite}?mode=ro", uri=True, timeout=5) as lite:
                found = [lite.execute(_NEWEST, (m, s, source)).fetchone()[0] for m, s in keys]
        stamps = [int(v) for v in found if v is not None]
        return max(stamps) if stamps else None

    def stored(self, source: str, first_ms: int, last_ms: int) -> int:
        """Points of ``source`` stored whose send time falls in ``[first_ms, last_ms)``."""
        sql = _PG_STORED if self.url else _STORED
        return int(str(self.one(sql, (source, first_ms, last_ms))))


@contextmanager
def bench_store(kind: str, data: Path) -> Iterator[BenchStore]:
    """The SQLite file in ``data``, or a fresh PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield BenchStore(data / "pabrik.sqlite")
        return
    with pgbench._database(pgbench._server()) as url:
        yield BenchStore(data / "pabrik.sqlite", url)

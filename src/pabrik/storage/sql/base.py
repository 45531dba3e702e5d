"""The primitives the dialect-neutral stores (``sql_assessments``, ``sql_accounts``) run on.

Shared SQL is written with ``?`` placeholders and never contains a ``?`` (or ``%``) in a
literal; the PostgreSQL primitives translate the placeholders to ``%s``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import Any, Protocol

import psycopg

Conn = psycopg.Connection[tuple[Any, ...]]


class SqlTx(Protocol):
    """Statements inside one write transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> int:
        """Run one statement per parameter row (nothing when there are none); rows changed."""
        ...


class SqlBase:
    """Reads and write transactions, provided by a dialect mixin below."""

    # Appended to an ORDER BY term on text, so both backends sort by code point.
    _BINARY_ORDER = ""

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _tx(self) -> AbstractContextManager[SqlTx]:
        raise NotImplementedError


class SqliteTx:
    """A transaction on the SQLite writer."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        return self.conn.execute(sql, tuple(params)).rowcount

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> int:
        """Run one statement per parameter row (nothing when there are none); rows changed."""
        if not params:
            return 0
        return self.conn.executemany(sql, [tuple(p) for p in params]).rowcount


class SqliteSql(SqlBase):
    """The primitives over the writer and per-thread readers of ``SqliteStore``."""

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._reader().execute(sql, tuple(params)).fetchall())

    @contextmanager
    def _tx(self) -> Iterator[SqliteTx]:
        with self._transaction() as conn:
            yield SqliteTx(conn)


@lru_cache(maxsize=256)
def pg_sql(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s``."""
    return sql.replace("?", "%s")


class PgTx:
    """A transaction on one pooled PostgreSQL connection."""

    def __init__(self, conn: Conn, cur: psycopg.Cursor[tuple[Any, ...]]) -> None:
        self.conn = conn
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        return self._cur.execute(pg_sql(sql), tuple(params)).rowcount

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> int:
        """Run one statement per parameter row (nothing when there are none); rows changed."""
        if not params:
            return 0
        self._cur.executemany(pg_sql(sql), [tuple(p) for p in params])
        return self._cur.rowcount


class PgSql(SqlBase):
    """The primitives over the connection pool of ``PostgresStore``."""

    _BINARY_ORDER = ' COLLATE "C"'

    def _conn(self) -> AbstractContextManager[Conn]:
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            return conn.execute(pg_sql(sql), tuple(params)).fetchall()

    @contextmanager
    def _tx(self) -> Iterator[PgTx]:
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            yield PgTx(conn, cur)

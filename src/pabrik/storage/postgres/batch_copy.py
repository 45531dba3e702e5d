"""Binary COPY of a batch into PostgreSQL: rows per table, and staging for replayed batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

import psycopg
from psycopg import sql

from pabrik.model.records import (
    EPOCH,
    CountRecord,
    Record,
    SampleRecord,
    from_epoch_ms,
    to_epoch_ms,
)

Conn = psycopg.Connection[tuple[Any, ...]]

# Column types for binary COPY, and the session temp tables a replayed batch is merged from.
_STAGES: dict[str, tuple[str, list[str]]] = {
    "states": (
        "machine_id text, ts timestamptz, source text, state text, reason text,"
        " product_id text, order_id text",
        ["text", "timestamptz", "text", "text", "text", "text", "text"],
    ),
    "counts": (
        "machine_id text, ts timestamptz, source text, good bigint, scrap bigint,"
        " rework bigint, product_id text",
        ["text", "timestamptz", "text", "int8", "int8", "int8", "text"],
    ),
    "samples": (
        "machine_id text, signal_id text, ts timestamptz, source text,"
        " value double precision, quality text",
        ["text", "text", "timestamptz", "text", "float8", "text"],
    ),
}
_COLUMNS = {
    "states": "machine_id, ts, source, state, reason, product_id, order_id",
    "counts": "machine_id, ts, source, good, scrap, rework, product_id",
    "samples": "machine_id, signal_id, ts, source, value, quality",
}


def floor_ms(ts: datetime) -> datetime:
    """An instant floored to the millisecond, as SQLite stores it."""
    return from_epoch_ms(to_epoch_ms(ts))


def pg_text(value: str) -> str:
    """PostgreSQL text cannot hold NUL, which raw rejected input may carry."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _maybe(value: str | None) -> str | None:
    return None if value is None else pg_text(value)


_TS = attrgetter("ts")


def rows_by_table(
    records: Sequence[Record],
) -> tuple[dict[str, list[tuple[Any, ...]]], datetime, datetime]:
    """COPY rows per non-empty table, and the first and last instant of the batch."""
    states: list[tuple[Any, ...]] = []
    counts: list[tuple[Any, ...]] = []
    samples: list[tuple[Any, ...]] = []
    for r in records:
        ts = r.ts
        if ts.microsecond % 1000:
            ts = floor_ms(ts)  # milliseconds, as on SQLite, so both backends agree on keys
        if isinstance(r, SampleRecord):
            # StrEnum members are str: COPY dumps them as text without .value.
            samples.append((r.machine_id, r.signal_id, ts, r.source, r.value, r.quality))
        elif isinstance(r, CountRecord):
            counts.append(
                (r.machine_id, ts, pg_text(r.source), r.good, r.scrap, r.rework, r.product_id)
            )
        else:
            states.append(
                (
                    r.machine_id,
                    ts,
                    pg_text(r.source),
                    r.state,
                    _maybe(r.reason),
                    _maybe(r.product_id),
                    _maybe(r.order_id),
                )
            )
    tables = {"states": states, "counts": counts, "samples": samples}
    if not records:
        return {}, EPOCH, EPOCH
    first, last = min(map(_TS, records)), max(map(_TS, records))
    return {t: rows for t, rows in tables.items() if rows}, first, last


def create_stages(conn: Conn) -> None:
    """The session's stage tables, made when missing (a rolled-back batch drops its own)."""
    for table, (columns, _) in _STAGES.items():
        conn.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} (" + columns + ") ON COMMIT DELETE ROWS"
            ).format(sql.Identifier(f"_pabrik_stage_{table}"))
        )


def copy_rows(conn: Conn, target: sql.Identifier, table: str, rows: list[tuple[Any, ...]]) -> int:
    """Binary COPY of rows into a table (or its stage); return the rows copied."""
    columns = sql.SQL(_COLUMNS[table])
    with conn.cursor() as cur:
        query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(target, columns)
        with cur.copy(query) as copy:
            copy.set_types(_STAGES[table][1])
            for row in rows:
                copy.write_row(row)
        return max(cur.rowcount, 0)


def copy_and_move(conn: Conn, table: str, rows: list[tuple[Any, ...]]) -> int:
    """COPY into the session's stage, then insert only what is new; return rows inserted."""
    stage = sql.Identifier(f"_pabrik_stage_{table}")
    copy_rows(conn, stage, table, rows)
    columns = sql.SQL(_COLUMNS[table])
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
                sql.Identifier(table), columns, columns, stage
            )
        )
        return max(cur.rowcount, 0)

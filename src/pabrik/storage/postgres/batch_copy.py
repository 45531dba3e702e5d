"""Binary COPY of a batch into PostgreSQL: rows per table, and staging for replayed batches.

Rows carry their instant as epoch milliseconds, as SQLite's do: the ingest path's sample rows
are copied as they come, with no record or ``datetime`` made per value, and a dumper of
this module turns each into the binary ``timestamptz`` (microseconds since 2000).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg import postgres, sql
from psycopg.adapt import Dumper
from psycopg.pq import Format

from pabrik.model.batch import RecordBatch, group_by_series
from pabrik.model.records import (
    EPOCH,
    CountRecord,
    Record,
    SampleRecord,
    from_epoch_ms,
    to_epoch_ms,
)

Conn = psycopg.Connection[tuple[Any, ...]]

_PG_EPOCH_MS = 946_684_800_000
"""2000-01-01 UTC, where PostgreSQL's binary timestamps count from, in Unix milliseconds."""
_INT8 = struct.Struct("!q")


class EpochMsDumper(Dumper):
    """An instant in epoch milliseconds as a binary ``timestamptz``, for COPY only."""

    format = Format.BINARY
    oid = postgres.types["timestamptz"].oid

    def dump(self, obj: Any) -> bytes:
        """Microseconds since 2000-01-01 UTC, big-endian."""
        return _INT8.pack((obj - _PG_EPOCH_MS) * 1000)


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


def rows_by_table(
    records: Sequence[Record],
) -> tuple[dict[str, Sequence[tuple[Any, ...]]], datetime, datetime]:
    """COPY rows per non-empty table (instants in epoch ms), and the batch's first and last."""
    states: list[tuple[Any, ...]] = []
    counts: list[tuple[Any, ...]] = []
    samples: list[tuple[Any, ...]] = []
    rows: Sequence[tuple[Any, ...]] = ()
    if isinstance(records, RecordBatch):
        # (machine, signal, ts ms, source, value, quality): the samples table's columns.
        rows, records = records.rows, records.records
    # Records of one instant share it (a tick, a multi-value message): convert each once.
    epoch_ms: dict[datetime, int] = {}
    for r in records:
        ts = epoch_ms.get(r.ts)
        if ts is None:
            # Floored to milliseconds, as on SQLite, so both backends agree on keys.
            ts = epoch_ms[r.ts] = to_epoch_ms(r.ts)
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
    stamps = list(epoch_ms.values())
    if rows:
        stamps += (min(r[2] for r in rows), max(r[2] for r in rows))
    samples.extend(rows)
    group_by_series(samples)  # a sixth less server time a COPY here
    tables = {"states": states, "counts": counts, "samples": samples}
    if not stamps:
        return {}, EPOCH, EPOCH
    first, last = from_epoch_ms(min(stamps)), from_epoch_ms(max(stamps))
    return {t: made for t, made in tables.items() if made}, first, last


def create_stages(conn: Conn) -> None:
    """The session's stage tables, made when missing (a rolled-back batch drops its own)."""
    for table, (columns, _) in _STAGES.items():
        conn.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} (" + columns + ") ON COMMIT DELETE ROWS"
            ).format(sql.Identifier(f"_pabrik_stage_{table}"))
        )


def copy_rows(
    conn: Conn, target: sql.Identifier, table: str, rows: Sequence[tuple[Any, ...]]
) -> int:
    """Binary COPY of rows into a table (or its stage); return the rows copied."""
    columns = sql.SQL(_COLUMNS[table])
    with conn.cursor() as cur:
        # By type oid only, so only this COPY's set_types picks it: queries still dump
        # datetimes and ints as usual.
        cur.adapters.register_dumper(None, EpochMsDumper)
        query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(target, columns)
        with cur.copy(query) as copy:
            copy.set_types(_STAGES[table][1])
            for row in rows:
                copy.write_row(row)
        return max(cur.rowcount, 0)


def copy_and_move(conn: Conn, table: str, rows: Sequence[tuple[Any, ...]]) -> int:
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

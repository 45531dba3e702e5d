"""The plant side of store-and-forward on SQLite: rows in forward order and committed cursors.

Every record row carries ``fwd_batch``, the number of the write that stored it (migration
0017), so the record tables themselves are the buffer. A stream is read in (batch, key) order;
dead letters by id and alarm transitions by rowid, both of which only grow.

The (batch) indexes that make those reads cheap cost about a quarter of ingest, so only a
forwarding plant has them: the first forward read of a store makes them (migration 0020).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import AbstractContextManager
from typing import Any

from pabrik.storage.federation import Position, Row
from pabrik.storage.sqlite.frames import purge_forwarded_frames

_CURSORS = "forward:cursors"
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS states_fwd ON states (fwd_batch)",
    "CREATE INDEX IF NOT EXISTS counts_fwd ON counts (fwd_batch)",
    "CREATE INDEX IF NOT EXISTS samples_fwd ON samples (fwd_batch)",
    "CREATE INDEX IF NOT EXISTS frames_fwd ON frames (fwd_batch)",
)
# A frame is read as its values (the view all_samples), which must be sorted into the
# stream's order: a page reads frames in windows of batches, this many frames at first.
_FRAMES_WINDOW = 8
# stream -> (columns sent, natural-key columns); the rows are read with the batch first.
_RECORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "states": (
        "machine_id, ts_ms, source, state, reason, product_id, order_id",
        ("machine_id", "ts_ms", "source"),
    ),
    "counts": (
        "machine_id, ts_ms, source, good, scrap, rework, product_id",
        ("machine_id", "ts_ms", "source"),
    ),
    "samples": (
        "machine_id, signal_id, ts_ms, source, value, quality",
        ("machine_id", "signal_id", "ts_ms", "source"),
    ),
}
_OTHERS: dict[str, tuple[str, str, str]] = {
    "dead_letters": ("dead_letters", "id", "id, source, received_at_ms, reason_code, detail"),
    "alarm_transitions": (
        "alarm_transitions",
        "rowid",
        "alarm_key, version, idx, definition_id, machine_id, priority, position, at_ms, event,"
        " before_state, after_state, actor, comment, value, occurrence",
    ),
}


def position_of(stream: str, row: Row) -> Position:
    """The position of a row as ``forward_rows`` returns it (batch or id first)."""
    if stream not in _RECORDS:
        return (row[0],)
    names = _RECORDS[stream][0].split(", ")
    return (row[0], *(row[1 + names.index(k)] for k in _RECORDS[stream][1]))


class SqliteForward:
    """Forward reads and cursors over ``SqliteStore``'s writer and readers."""

    _writer: sqlite3.Connection
    _lock: threading.Lock
    _forward_indexed = False

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _forward_indexes(self) -> None:
        """Make the forward indexes once per store: this plant forwards (a no-op when made)."""
        if self._forward_indexed:
            return
        # A plant with a long history builds them once here; its writes wait meanwhile.
        with self._transaction() as conn:
            for statement in _INDEXES:
                conn.execute(statement)
        self._forward_indexed = True

    def forward_head(self) -> int:
        """The number of the newest write batch."""
        self._forward_indexes()
        row = self._reader().execute("SELECT batch FROM forward_clock").fetchone()
        return int(row[0]) if row else 0

    def forward_rows(
        self, stream: str, after: Position, upto_batch: int | None, limit: int
    ) -> tuple[list[Row], Position]:
        """Up to ``limit`` rows after ``after`` (to ``upto_batch`` when given); the last position.

        Each row starts with its batch (records) or id (the others); the rest is what is sent.
        """
        self._forward_indexes()
        if stream == "samples" and self._frames_after(after):
            rows = self._framed_rows(after, upto_batch, limit)
        else:
            sql, params = self._forward_query(stream, after, upto_batch)
            rows = self._reader().execute(f"{sql} LIMIT ?", (*params, limit)).fetchall()
        last = position_of(stream, rows[-1]) if rows else after
        return rows, last

    def _frames_after(self, after: Position) -> bool:
        """Whether a frame lies at or after a position's batch (else samples is the stream)."""
        found = self._reader().execute(
            "SELECT 1 FROM frames WHERE fwd_batch >= ? LIMIT 1", (after[0],)
        )
        return found.fetchone() is not None

    def _framed_rows(self, after: Position, upto_batch: int | None, limit: int) -> list[Row]:
        """Samples and frame values in stream order, a window of batches at a time."""
        rows: list[Row] = []
        conn, at, frames = self._reader(), after, _FRAMES_WINDOW
        while len(rows) < limit:
            edge = conn.execute(
                "SELECT fwd_batch FROM frames WHERE fwd_batch >= ? ORDER BY fwd_batch"
                " LIMIT 1 OFFSET ?",
                (at[0], frames),
            ).fetchone()
            upto = upto_batch if edge is None else int(edge[0])
            if upto is not None and upto_batch is not None:
                upto = min(upto, upto_batch)
            sql, params = self._forward_query("samples", at, upto, "forward_samples")
            rows += conn.execute(f"{sql} LIMIT ?", (*params, limit - len(rows))).fetchall()
            if upto is None or upto == upto_batch or len(rows) >= limit:
                break
            at, frames = (upto,), frames * 2  # every row up to that batch is read
        return rows

    def forward_pending(self, stream: str, after: Position) -> int:
        """How many rows of a stream lie after a position."""
        self._forward_indexes()
        table = "forward_samples" if stream == "samples" and self._frames_after(after) else stream
        sql, params = self._forward_query(stream, after, None, table)
        counted = f"SELECT count(*) FROM ({sql})"  # noqa: S608
        return int(self._reader().execute(counted, params).fetchone()[0])

    def _forward_query(
        self, stream: str, after: Position, upto_batch: int | None, table: str | None = None
    ) -> tuple[str, tuple[Any, ...]]:
        if stream in _OTHERS:
            table, order, cols = _OTHERS[stream]
            sql = f"SELECT {order}, {cols} FROM {table} WHERE {order} > ? ORDER BY {order}"  # noqa: S608
            return sql, (after[0],)
        cols, key = _RECORDS[stream]
        ordered = ", ".join(("fwd_batch", *key))
        if len(after) == 1:  # the start, or a position that names only a batch
            where, params = "fwd_batch > ?", tuple(after)
        else:
            marks = ", ".join("?" for _ in after)
            where, params = f"({ordered}) > ({marks})", tuple(after)
        if upto_batch is not None:
            where, params = f"{where} AND fwd_batch <= ?", (*params, upto_batch)
        source = table or stream
        sql = f"SELECT fwd_batch, {cols} FROM {source} WHERE {where} ORDER BY {ordered}"  # noqa: S608
        return sql, params

    def forward_cursors(self) -> dict[str, Any]:
        """The committed cursors (JSON-shaped), empty before the first delivery."""
        row = (
            self._reader()
            .execute("SELECT value FROM checkpoints WHERE name = ?", (_CURSORS,))
            .fetchone()
        )
        found: dict[str, Any] = json.loads(row[0]) if row else {}
        return found

    def save_forward_cursors(self, cursors: dict[str, Any]) -> None:
        """Commit the cursors after the central confirmed."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO checkpoints (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (_CURSORS, json.dumps(cursors, separators=(",", ":"))),
            )

    def store_bytes(self) -> int:
        """Bytes the database's live pages take (free pages, which SQLite reuses, excluded)."""
        conn = self._reader()
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        return (pages - free) * size

    def purge_forwarded_samples(self, limit: int) -> int:
        """Delete up to ``limit`` of the oldest samples the central has confirmed; how many."""
        self._forward_indexes()
        done = self.forward_cursors().get("done", {}).get("samples", [-1])
        with self._transaction() as conn:
            gone = int(
                conn.execute(
                    "DELETE FROM samples WHERE (fwd_batch, machine_id, signal_id, ts_ms, source)"
                    " IN (SELECT fwd_batch, machine_id, signal_id, ts_ms, source FROM samples"
                    " WHERE fwd_batch < ? ORDER BY fwd_batch LIMIT ?)",
                    (int(done[0]), limit),
                ).rowcount
            )
            if gone < limit:  # then whole frames, about as many values as are left
                gone += purge_forwarded_frames(conn, int(done[0]), limit - gone)
        with self._lock:  # give the log's pages back (no reader holds it long)
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return gone

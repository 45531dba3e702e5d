"""Dead letters in SQLite: rejected inputs kept with their reason, listed, replayed, settled."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from pabrik.model.records import DeadLetter, from_epoch_ms, to_epoch_ms
from pabrik.storage.sql.base import SqliteSql
from pabrik.storage.store import DEAD_LETTER_PAYLOAD_CAP

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


def insert_dead_letters(conn: sqlite3.Connection, letters: Sequence[DeadLetter]) -> None:
    """Insert rejected inputs inside the caller's transaction, each field capped in size."""
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


class SqliteDeadLetters(SqliteSql):
    """The ``dead_letters`` table over the writer and per-thread readers of ``SqliteStore``."""

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep rejected inputs, with their payload capped in size."""
        with self._transaction() as conn:
            insert_dead_letters(conn, letters)

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

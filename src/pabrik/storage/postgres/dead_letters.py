"""Dead letters in PostgreSQL: rejected inputs kept with their reason, listed, replayed, settled."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pabrik.model.records import DeadLetter
from pabrik.storage.postgres.batch_copy import Conn, pg_text
from pabrik.storage.sql.base import PgSql
from pabrik.storage.store import DEAD_LETTER_PAYLOAD_CAP

_LETTER_COLUMNS = "id, source, received_at, reason_code, detail, payload, context"


def _letter(r: Sequence[Any]) -> DeadLetter:
    return DeadLetter(str(r[1]), r[2], str(r[3]), str(r[4]), str(r[5]), id=int(r[0]), context=r[6])


def insert_dead_letters(conn: Conn, letters: Sequence[DeadLetter]) -> None:
    """Insert rejected inputs inside the caller's transaction, each field capped in size."""
    rows = [
        (
            pg_text(d.source[:200]),
            d.received_at,
            pg_text(d.reason_code),
            pg_text(d.detail[:2000]),
            pg_text(d.payload[:DEAD_LETTER_PAYLOAD_CAP]),
            None if d.context is None else json.dumps(d.context, sort_keys=True),
        )
        for d in letters
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO dead_letters (source, received_at, reason_code, detail, payload, context)"
            " VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
            rows,
        )


class PgDeadLetters(PgSql):
    """The ``dead_letters`` table over the connection pool of ``PostgresStore``."""

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep rejected inputs, with their payload capped in size."""
        if not letters:
            return
        with self._conn() as conn, conn.transaction():
            insert_dead_letters(conn, letters)

    def dead_letters(self, limit: int, offset: int) -> list[DeadLetter]:
        """Rejected inputs, newest first."""
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT {_LETTER_COLUMNS} FROM dead_letters"  # noqa: S608
                " ORDER BY id DESC LIMIT %s OFFSET %s",
                (limit, offset),
            ).fetchall()
        return [_letter(r) for r in rows]

    def dead_letter_count(self) -> int:
        """How many rejected inputs are kept."""
        with self._conn() as conn:
            row = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
        return int(row[0]) if row else 0

    def dead_letters_by_id(self, ids: Sequence[int]) -> list[DeadLetter]:
        """The dead letters with these ids, oldest first; unknown ids are skipped."""
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT {_LETTER_COLUMNS} FROM dead_letters"  # noqa: S608
                " WHERE id = ANY(%s) ORDER BY id",
                (list(ids),),
            ).fetchall()
        return [_letter(r) for r in rows]

    def dead_letter_ids(
        self, reason_code: str | None = None, source: str | None = None
    ) -> list[int]:
        """Ids of dead letters, oldest first, optionally of one reason and one source."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT id FROM dead_letters WHERE (%(r)s::text IS NULL OR reason_code = %(r)s)"
                " AND (%(s)s::text IS NULL OR source = %(s)s) ORDER BY id",
                {"r": reason_code, "s": source},
            ).fetchall()
        return [int(r[0]) for r in rows]

    def settle_dead_letters(
        self, replayed: Sequence[int], still_rejected: Sequence[tuple[int, str, str]]
    ) -> None:
        """Delete replayed letters; give the others their new reason and count the attempt."""
        with self._conn() as conn, conn.transaction():
            conn.execute("DELETE FROM dead_letters WHERE id = ANY(%s)", (list(replayed),))
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE dead_letters SET reason_code = %s, detail = %s,"
                    " replays = replays + 1 WHERE id = %s",
                    [
                        (pg_text(code), pg_text(detail[:2000]), i)
                        for i, code, detail in still_rejected
                    ],
                )

"""Sessions, API tokens, password resets and login throttling, once for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import (
    AuditLogRow,
    ResetRow,
    SessionRow,
    ThrottleRow,
    TokenRow,
)
from pabrik.storage.sql.account_rows import (
    DELETE_USER_SESSIONS,
    HASH_RESET,
    INSERT_AUDIT,
    SESSION_COLS,
    TOKEN_COLS,
    UPSERT_SESSION,
    UPSERT_TOKEN,
    at_or_none,
    audit_params,
    ms_or_none,
    session_row,
    token_row,
)
from pabrik.storage.sql.people import SqlPeople


class SqlLogins(SqlPeople):
    """How people and integrations get in: sessions, tokens, resets and the throttle."""

    # --- sessions --------------------------------------------------------------------------

    def save_session(self, row: SessionRow) -> None:
        """Insert or update a session."""
        self._apply(UPSERT_SESSION, _session_params(row))

    def open_session(
        self, row: SessionRow, audit: AuditLogRow, cleared: Sequence[str] = ()
    ) -> None:
        """A login at once: its session, its audit row, and the throttle keys it clears."""
        # One transaction: under ingest each write transaction queues behind the writer.
        with self._tx() as tx:
            tx.executemany("DELETE FROM login_throttle WHERE key = ?", [(k,) for k in cleared])
            tx.execute(UPSERT_SESSION, _session_params(row))
            tx.executemany(INSERT_AUDIT, audit_params([audit]))

    def session(self, token_hash: str) -> SessionRow | None:
        """A session by the hash of its token."""
        sql = f"SELECT {SESSION_COLS} FROM sessions WHERE token_hash = ?"  # noqa: S608
        rows = self._rows(sql, (token_hash,))
        return session_row(rows[0]) if rows else None

    def delete_sessions(self, *, token_hash: str | None = None, user_id: str | None = None) -> None:
        """End one session, or every session of a user."""
        with self._tx() as tx:
            if token_hash is not None:
                tx.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
            if user_id is not None:
                tx.execute(DELETE_USER_SESSIONS, (user_id,))

    # --- API tokens ------------------------------------------------------------------------

    def save_token(self, row: TokenRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update an API token."""
        t = row
        params = (
            t.id,
            t.token_hash,
            t.tenant_id,
            t.role,
            t.label,
            t.created_by,
            to_epoch_ms(t.created_at),
            ms_or_none(t.revoked_at),
            ms_or_none(t.last_used),
        )
        self._apply(UPSERT_TOKEN, params, audit)

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        """An API token by the hash of its secret."""
        sql = f"SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = ?"  # noqa: S608
        rows = self._rows(sql, (token_hash,))
        return token_row(rows[0]) if rows else None

    def tokens(self, tenant_id: str | None) -> list[TokenRow]:
        """The API tokens of a tenant (every token when None), newest first."""
        sql = (
            f"SELECT {TOKEN_COLS} FROM api_tokens"  # noqa: S608
            " WHERE (CAST(? AS text) IS NULL OR tenant_id = ?)"
            f" ORDER BY created_at_ms DESC, id{self._BINARY_ORDER}"
        )
        return [token_row(r) for r in self._rows(sql, (tenant_id, tenant_id))]

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record a token's last use."""
        sql = "UPDATE api_tokens SET last_used_ms = ? WHERE id = ?"
        self._apply(sql, (to_epoch_ms(at), token_id))

    # --- password resets -------------------------------------------------------------------

    def save_reset(self, row: ResetRow) -> None:
        """Insert or update a reset token; a new one revokes the user's older unspent ones."""
        sql = (
            "INSERT INTO reset_tokens (token_hash, user_id, expires_at_ms, used_at_ms)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (token_hash)"
            " DO UPDATE SET used_at_ms = excluded.used_at_ms"
        )
        params = (row.token_hash, row.user_id, to_epoch_ms(row.expires_at), ms_or_none(row.used_at))
        with self._tx() as tx:
            if row.used_at is None:
                tx.execute(
                    "DELETE FROM reset_tokens WHERE user_id = ? AND used_at_ms IS NULL"
                    " AND token_hash <> ?",
                    (row.user_id, row.token_hash),
                )
            tx.execute(sql, params)

    def reset(self, token_hash: str) -> ResetRow | None:
        """A reset token by its hash."""
        sql = (
            "SELECT token_hash, user_id, expires_at_ms, used_at_ms FROM reset_tokens"
            " WHERE token_hash = ?"
        )
        rows = self._rows(sql, (token_hash,))
        if not rows:
            return None
        r = rows[0]
        return ResetRow(r[0], r[1], from_epoch_ms(r[2]), at_or_none(r[3]))

    def use_reset(
        self, token_hash: str, user_id: str, new_hash: str, at: datetime, audit: AuditLogRow
    ) -> bool:
        """Spend a reset token and set the new password hash at once; False when already spent."""
        with self._tx() as tx:
            # The write lock (SQLite) or row lock (PostgreSQL) makes a concurrent second use
            # wait, then find it spent.
            spent = tx.execute(
                "UPDATE reset_tokens SET used_at_ms = ?"
                " WHERE token_hash = ? AND used_at_ms IS NULL",
                (to_epoch_ms(at), token_hash),
            )
            if spent != 1:
                return False
            # The hash column alone: an admin's change since the user was read stays.
            tx.execute(HASH_RESET, (new_hash, to_epoch_ms(at), user_id))
            tx.execute(DELETE_USER_SESSIONS, (user_id,))
            tx.executemany(INSERT_AUDIT, audit_params([audit]))
        return True

    # --- login throttling ------------------------------------------------------------------

    def throttle(self, keys: Sequence[str]) -> list[ThrottleRow]:
        """The throttle state of some keys, in the order asked."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        sql = (
            "SELECT key, failures, window_start_ms, locked_until_ms FROM login_throttle"  # noqa: S608
            f" WHERE key IN ({marks})"
        )
        found = {str(r[0]): r for r in self._rows(sql, wanted)}
        return [
            ThrottleRow(r[0], int(r[1]), from_epoch_ms(r[2]), from_epoch_ms(r[3]))
            for r in (found.get(k) for k in wanted)
            if r is not None
        ]

    def save_throttle(self, rows: Sequence[ThrottleRow]) -> None:
        """Store throttle states."""
        sql = (
            "INSERT INTO login_throttle (key, failures, window_start_ms, locked_until_ms)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " failures = excluded.failures, window_start_ms = excluded.window_start_ms,"
            " locked_until_ms = excluded.locked_until_ms"
        )
        params = [
            (r.key, r.failures, to_epoch_ms(r.window_start), to_epoch_ms(r.locked_until))
            for r in rows
        ]
        if not params:
            return
        with self._tx() as tx:
            tx.executemany(sql, params)

    def clear_throttle(self, keys: Sequence[str]) -> None:
        """Forget failures after a successful login."""
        if not keys:
            return
        with self._tx() as tx:
            tx.executemany("DELETE FROM login_throttle WHERE key = ?", [(k,) for k in keys])


def _session_params(s: SessionRow) -> tuple[object, ...]:
    return (
        s.token_hash,
        s.user_id,
        s.csrf_token,
        s.active_tenant,
        to_epoch_ms(s.created_at),
        to_epoch_ms(s.last_seen),
        to_epoch_ms(s.expires_at),
    )

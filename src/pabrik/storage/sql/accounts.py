"""The account store once for both backends; ``SqliteSql``/``PgSql`` run its SQL.

Instants are epoch milliseconds on both backends, except ``state_reasons.ts``: the key of the
state it overrides, which each dialect stores its own way (see the ``_REASON_TS`` hooks).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import (
    AuditLogRow,
    ProgrammeResultRow,
    ResetRow,
    SessionRow,
    StateReasonRow,
    TenantRow,
    ThrottleRow,
    TokenRow,
    UserRow,
)
from pabrik.storage.sql.base import SqlBase, SqlTx

_TENANT_COLS = (
    "id, name, registration_no, kbli, province, size, sites_json, created_at_ms, updated_at_ms"
)
_USER_COLS = (
    "id, username, display_name, tenant_id, role, password_hash, disabled, created_at_ms,"
    " updated_at_ms"
)
_SESSION_COLS = (
    "token_hash, user_id, csrf_token, active_tenant, created_at_ms, last_seen_ms, expires_at_ms"
)
_TOKEN_COLS = (
    "id, token_hash, tenant_id, role, label, created_by, created_at_ms, revoked_at_ms,"  # noqa: S105 - column names
    " last_used_ms"
)
_AUDIT_COLS = "tenant_id, actor, action, subject, before_json, after_json, at_ms"


def _marks(cols: str) -> str:
    return ", ".join("?" for _ in cols.split(","))


_UPSERT_TENANT = (
    f"INSERT INTO tenants ({_TENANT_COLS}) VALUES ({_marks(_TENANT_COLS)})"  # noqa: S608
    " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
    " registration_no = excluded.registration_no, kbli = excluded.kbli,"
    " province = excluded.province, size = excluded.size, sites_json = excluded.sites_json,"
    " updated_at_ms = excluded.updated_at_ms"
)
_UPSERT_USER = (
    f"INSERT INTO users ({_USER_COLS}) VALUES ({_marks(_USER_COLS)})"  # noqa: S608
    " ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,"
    " tenant_id = excluded.tenant_id, role = excluded.role,"
    " password_hash = excluded.password_hash, disabled = excluded.disabled,"
    " updated_at_ms = excluded.updated_at_ms"
)
_UPSERT_SESSION = (
    f"INSERT INTO sessions ({_SESSION_COLS}) VALUES ({_marks(_SESSION_COLS)})"  # noqa: S608
    " ON CONFLICT (token_hash) DO UPDATE SET active_tenant = excluded.active_tenant,"
    " last_seen_ms = excluded.last_seen_ms, expires_at_ms = excluded.expires_at_ms"
)
_UPSERT_TOKEN = (
    f"INSERT INTO api_tokens ({_TOKEN_COLS}) VALUES ({_marks(_TOKEN_COLS)})"  # noqa: S608
    " ON CONFLICT (id) DO UPDATE SET label = excluded.label,"
    " revoked_at_ms = excluded.revoked_at_ms"
)
_INSERT_AUDIT = f"INSERT INTO audit_log ({_AUDIT_COLS}) VALUES ({_marks(_AUDIT_COLS)})"  # noqa: S608
_UPSERT_RESULT = (
    "INSERT INTO programme_results (tenant_id, year, model_id, overall, level, pillars_json,"
    " fields_json, verified, imported_by, imported_at_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, year, model_id) DO UPDATE SET overall = excluded.overall,"
    " level = excluded.level, pillars_json = excluded.pillars_json,"
    " fields_json = excluded.fields_json, verified = excluded.verified,"
    " imported_by = excluded.imported_by, imported_at_ms = excluded.imported_at_ms"
)
_DELETE_USER_SESSIONS = "DELETE FROM sessions WHERE user_id = ?"


def _ms(ts: datetime | None) -> int | None:
    return None if ts is None else to_epoch_ms(ts)


def _at(ms: int | None) -> datetime | None:
    return None if ms is None else from_epoch_ms(int(ms))


def _tenant(r: Sequence[Any]) -> TenantRow:
    return TenantRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]), from_epoch_ms(r[8])
    )


def _user(r: Sequence[Any]) -> UserRow:
    return UserRow(
        r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), from_epoch_ms(r[7]), from_epoch_ms(r[8])
    )


def _session(r: Sequence[Any]) -> SessionRow:
    return SessionRow(
        r[0], r[1], r[2], r[3], from_epoch_ms(r[4]), from_epoch_ms(r[5]), from_epoch_ms(r[6])
    )


def _token(r: Sequence[Any]) -> TokenRow:
    return TokenRow(r[0], r[1], r[2], r[3], r[4], r[5], from_epoch_ms(r[6]), _at(r[7]), _at(r[8]))


def _audit_params(rows: Sequence[AuditLogRow]) -> list[tuple[Any, ...]]:
    return [
        (a.tenant_id, a.actor, a.action, a.subject, a.before_json, a.after_json, to_epoch_ms(a.at))
        for a in rows
    ]


def _tenant_params(t: TenantRow) -> tuple[Any, ...]:
    return (
        t.id,
        t.name,
        t.registration_no,
        t.kbli,
        t.province,
        t.size,
        t.sites_json,
        to_epoch_ms(t.created_at),
        to_epoch_ms(t.updated_at),
    )


def _user_params(u: UserRow) -> tuple[Any, ...]:
    # A bool binds as a boolean in PostgreSQL and as 0/1 in SQLite.
    return (
        u.id,
        u.username,
        u.display_name,
        u.tenant_id,
        u.role,
        u.password_hash,
        bool(u.disabled),
        to_epoch_ms(u.created_at),
        to_epoch_ms(u.updated_at),
    )


class SqlAccounts(SqlBase):
    """Account tables, in the SQLite file or the PostgreSQL database of the plant records."""

    # Dialect hooks.
    # A user's login name compared case-insensitively with one parameter.
    _USERNAME_MATCHES = "lower(username) = lower(?)"
    # The ORDER BY of ``users``: by name, case-insensitively.
    _USERS_ORDER = "lower(username), username"
    # The column of ``state_reasons`` keyed on the instant of the state.
    _REASON_TS = "ts_ms"

    def _reason_key(self, ts: datetime) -> Any:
        """An instant as ``state_reasons`` keys it."""
        return to_epoch_ms(ts)

    def _reason_instant(self, value: Any) -> datetime:
        """A ``state_reasons`` key as an instant."""
        return from_epoch_ms(value)

    def _mark_reason_dirty(self, tx: SqlTx, key: tuple[Any, ...]) -> None:
        """In the write transaction: mark the rollups a reason for the state ``key`` changes."""
        raise NotImplementedError

    def _apply(self, sql: str, params: Sequence[Any], audit: Sequence[AuditLogRow] = ()) -> None:
        """One change and its audit rows in one transaction."""
        with self._tx() as tx:
            tx.execute(sql, params)
            tx.executemany(_INSERT_AUDIT, _audit_params(audit))

    # --- tenants ---------------------------------------------------------------------------

    def save_tenant(self, row: TenantRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update a tenant."""
        self._apply(_UPSERT_TENANT, _tenant_params(row), audit)

    def tenant(self, tenant_id: str) -> TenantRow | None:
        """One tenant."""
        rows = self._rows(f"SELECT {_TENANT_COLS} FROM tenants WHERE id = ?", (tenant_id,))  # noqa: S608
        return _tenant(rows[0]) if rows else None

    def tenant_by_registration(self, registration_no: str) -> TenantRow | None:
        """The tenant with a registration number (NIB)."""
        sql = f"SELECT {_TENANT_COLS} FROM tenants WHERE registration_no = ?"  # noqa: S608
        rows = self._rows(sql, (registration_no,))
        return _tenant(rows[0]) if rows else None

    def tenants(self) -> list[TenantRow]:
        """Every tenant, by id."""
        sql = f"SELECT {_TENANT_COLS} FROM tenants ORDER BY id{self._BINARY_ORDER}"  # noqa: S608
        return [_tenant(r) for r in self._rows(sql)]

    # --- users -----------------------------------------------------------------------------

    def save_user(self, row: UserRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update a user."""
        self._apply(_UPSERT_USER, _user_params(row), audit)

    def user(self, user_id: str) -> UserRow | None:
        """A user by id."""
        rows = self._rows(f"SELECT {_USER_COLS} FROM users WHERE id = ?", (user_id,))  # noqa: S608
        return _user(rows[0]) if rows else None

    def user_by_name(self, username: str) -> UserRow | None:
        """A user by login name (case-insensitive)."""
        sql = f"SELECT {_USER_COLS} FROM users WHERE {self._USERNAME_MATCHES}"  # noqa: S608
        rows = self._rows(sql, (username,))
        return _user(rows[0]) if rows else None

    def users(self, tenant_id: str | None) -> list[UserRow]:
        """The users of one tenant (every user when None), by name."""
        sql = (
            f"SELECT {_USER_COLS} FROM users WHERE (CAST(? AS text) IS NULL OR tenant_id = ?)"  # noqa: S608
            f" ORDER BY {self._USERS_ORDER}"
        )
        return [_user(r) for r in self._rows(sql, (tenant_id, tenant_id))]

    def assign(self, user_id: str, tenant_id: str, audit: Sequence[AuditLogRow]) -> None:
        """Let an assessor verify a company's assessments."""
        sql = (
            "INSERT INTO assessor_assignments (user_id, tenant_id) VALUES (?, ?)"
            " ON CONFLICT DO NOTHING"
        )
        self._apply(sql, (user_id, tenant_id), audit)

    def assignments(self, user_id: str) -> list[str]:
        """Tenant ids an assessor is assigned to."""
        sql = (
            "SELECT tenant_id FROM assessor_assignments WHERE user_id = ?"  # noqa: S608
            f" ORDER BY tenant_id{self._BINARY_ORDER}"
        )
        return [str(r[0]) for r in self._rows(sql, (user_id,))]

    # --- sessions --------------------------------------------------------------------------

    def save_session(self, row: SessionRow) -> None:
        """Insert or update a session."""
        s = row
        params = (
            s.token_hash,
            s.user_id,
            s.csrf_token,
            s.active_tenant,
            to_epoch_ms(s.created_at),
            to_epoch_ms(s.last_seen),
            to_epoch_ms(s.expires_at),
        )
        self._apply(_UPSERT_SESSION, params)

    def session(self, token_hash: str) -> SessionRow | None:
        """A session by the hash of its token."""
        sql = f"SELECT {_SESSION_COLS} FROM sessions WHERE token_hash = ?"  # noqa: S608
        rows = self._rows(sql, (token_hash,))
        return _session(rows[0]) if rows else None

    def delete_sessions(self, *, token_hash: str | None = None, user_id: str | None = None) -> None:
        """End one session, or every session of a user."""
        with self._tx() as tx:
            if token_hash is not None:
                tx.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
            if user_id is not None:
                tx.execute(_DELETE_USER_SESSIONS, (user_id,))

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
            _ms(t.revoked_at),
            _ms(t.last_used),
        )
        self._apply(_UPSERT_TOKEN, params, audit)

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        """An API token by the hash of its secret."""
        sql = f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE token_hash = ?"  # noqa: S608
        rows = self._rows(sql, (token_hash,))
        return _token(rows[0]) if rows else None

    def tokens(self, tenant_id: str | None) -> list[TokenRow]:
        """The API tokens of a tenant (every token when None), newest first."""
        sql = (
            f"SELECT {_TOKEN_COLS} FROM api_tokens"  # noqa: S608
            " WHERE (CAST(? AS text) IS NULL OR tenant_id = ?)"
            f" ORDER BY created_at_ms DESC, id{self._BINARY_ORDER}"
        )
        return [_token(r) for r in self._rows(sql, (tenant_id, tenant_id))]

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record a token's last use."""
        sql = "UPDATE api_tokens SET last_used_ms = ? WHERE id = ?"
        self._apply(sql, (to_epoch_ms(at), token_id))

    # --- password resets -------------------------------------------------------------------

    def save_reset(self, row: ResetRow) -> None:
        """Insert or update a reset token."""
        sql = (
            "INSERT INTO reset_tokens (token_hash, user_id, expires_at_ms, used_at_ms)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (token_hash)"
            " DO UPDATE SET used_at_ms = excluded.used_at_ms"
        )
        params = (row.token_hash, row.user_id, to_epoch_ms(row.expires_at), _ms(row.used_at))
        self._apply(sql, params)

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
        return ResetRow(r[0], r[1], from_epoch_ms(r[2]), _at(r[3]))

    def use_reset(self, token_hash: str, user: UserRow, at: datetime, audit: AuditLogRow) -> bool:
        """Spend a reset token and set the new password at once; False when already spent."""
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
            tx.execute(_UPSERT_USER, _user_params(user))
            tx.execute(_DELETE_USER_SESSIONS, (user.id,))
            tx.executemany(_INSERT_AUDIT, _audit_params([audit]))
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

    # --- audit -----------------------------------------------------------------------------

    def write_audit(self, rows: Sequence[AuditLogRow]) -> None:
        """Append audit rows."""
        with self._tx() as tx:
            tx.executemany(_INSERT_AUDIT, _audit_params(rows))

    def audit_entries(self, tenant_id: str | None, limit: int, offset: int) -> list[AuditLogRow]:
        """Audit rows of a tenant (all when None), newest first."""
        sql = (
            f"SELECT {_AUDIT_COLS}, id FROM audit_log"  # noqa: S608
            " WHERE (CAST(? AS text) IS NULL OR tenant_id = ?)"
            " ORDER BY id DESC LIMIT ? OFFSET ?"
        )
        return [
            AuditLogRow(r[0], r[1], r[2], r[3], r[4], r[5], from_epoch_ms(r[6]), int(r[7]))
            for r in self._rows(sql, (tenant_id, tenant_id, limit, offset))
        ]

    # --- operator reasons ------------------------------------------------------------------

    def save_state_reason(self, row: StateReasonRow, audit: AuditLogRow) -> None:
        """Store an operator's reason for a stop and mark the rollups it changes."""
        ts = self._REASON_TS
        sql = (
            f"INSERT INTO state_reasons (machine_id, {ts}, source, reason, entered_by,"  # noqa: S608
            f" entered_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (machine_id, {ts}, source)"
            " DO UPDATE SET reason = excluded.reason, entered_by = excluded.entered_by,"
            " entered_at_ms = excluded.entered_at_ms"
        )
        key = (row.machine_id, self._reason_key(row.ts), row.source)
        with self._tx() as tx:
            tx.execute(sql, (*key, row.reason, row.entered_by, to_epoch_ms(row.entered_at)))
            tx.executemany(_INSERT_AUDIT, _audit_params([audit]))
            # The reason moves downtime between Pareto rows, so the hours it reaches roll up again.
            self._mark_reason_dirty(tx, key)

    def state_reasons(
        self, machine_id: str, start: datetime, end: datetime
    ) -> list[StateReasonRow]:
        """Operator reasons of a machine's stops in [start, end)."""
        ts = self._REASON_TS
        sql = (
            f"SELECT machine_id, {ts}, source, reason, entered_by, entered_at_ms"  # noqa: S608
            f" FROM state_reasons WHERE machine_id = ? AND {ts} >= ? AND {ts} < ?"
            f" ORDER BY {ts}, source{self._BINARY_ORDER}"
        )
        params = (machine_id, self._reason_key(start), self._reason_key(end))
        return [
            StateReasonRow(r[0], self._reason_instant(r[1]), r[2], r[3], r[4], from_epoch_ms(r[5]))
            for r in self._rows(sql, params)
        ]

    # --- programme -------------------------------------------------------------------------

    def save_programme_results(
        self,
        rows: Sequence[ProgrammeResultRow],
        tenants: Sequence[TenantRow],
        actor: str,
        audit: AuditLogRow,
    ) -> None:
        """Upsert imported results and the tenants they belong to in one transaction."""
        now = to_epoch_ms(audit.at)
        params = [
            (
                r.tenant_id,
                r.year,
                r.model_id,
                r.overall,
                r.level,
                r.pillars_json,
                r.fields_json,
                bool(r.verified),
                actor,
                now,
            )
            for r in rows
        ]
        with self._tx() as tx:
            tx.executemany(_UPSERT_TENANT, [_tenant_params(t) for t in tenants])
            tx.executemany(_UPSERT_RESULT, params)
            tx.executemany(_INSERT_AUDIT, _audit_params([audit]))

    def programme_results(self) -> list[ProgrammeResultRow]:
        """Every company's results: native (scored assessments) and imported."""
        c = self._BINARY_ORDER
        # The newest result of each assessment under its own model version, with the
        # company's attributes; names are never selected.
        native_sql = f"""
SELECT r.tenant_id, r.scored_at_ms, r.model_id, r.overall, r.level, r.result_json,
       a.status, t.kbli, t.province, t.size, a.id
FROM assess_results r
JOIN assess_assessments a ON a.tenant_id = r.tenant_id AND a.id = r.assessment_id
JOIN tenants t ON t.id = r.tenant_id
WHERE r.model_id = a.model_id AND r.model_version = a.model_version
  AND r.id = (SELECT max(r2.id) FROM assess_results r2
              WHERE r2.tenant_id = r.tenant_id AND r2.assessment_id = r.assessment_id
                AND r2.model_id = a.model_id AND r2.model_version = a.model_version)
ORDER BY r.tenant_id{c}, r.scored_at_ms
"""  # noqa: S608
        imported_sql = f"""
SELECT p.tenant_id, p.year, p.model_id, p.overall, p.level, p.pillars_json, p.fields_json,
       p.verified, t.kbli, t.province, t.size
FROM programme_results p JOIN tenants t ON t.id = p.tenant_id
ORDER BY p.tenant_id{c}, p.year
"""  # noqa: S608
        native = [
            ProgrammeResultRow(
                tenant_id=r[0],
                year=from_epoch_ms(r[1]).year,
                model_id=r[2],
                overall=float(r[3]),
                level=int(r[4]),
                pillars_json="{}",
                fields_json="{}",
                verified=r[6] == "verified",
                kbli=r[7],
                province=r[8],
                size=r[9],
                source="native",
                assessment_id=r[10],
                result_json=r[5],
            )
            for r in self._rows(native_sql)
        ]
        imported = [
            ProgrammeResultRow(
                r[0],
                int(r[1]),
                r[2],
                float(r[3]),
                int(r[4]),
                r[5],
                r[6],
                bool(r[7]),
                r[8],
                r[9],
                r[10],
                "import",
            )
            for r in self._rows(imported_sql)
        ]
        return native + imported

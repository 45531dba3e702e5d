"""PostgreSQL implementation of the account store, mixed into ``PostgresStore``.

The tables and semantics follow ``sqlite_accounts``: instants are bigint epoch milliseconds,
except ``state_reasons.ts``, which is the ``timestamptz`` key of the state it overrides.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import psycopg

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
from pabrik.storage.pg_rollups import mark_rollups_dirty

Conn = psycopg.Connection[tuple[Any, ...]]

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
_REASON_COLS = "machine_id, ts, source, reason, entered_by, entered_at_ms"


def _marks(cols: str) -> str:
    return ", ".join("%s" for _ in cols.split(","))


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
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (tenant_id, year, model_id) DO UPDATE SET overall = excluded.overall,"
    " level = excluded.level, pillars_json = excluded.pillars_json,"
    " fields_json = excluded.fields_json, verified = excluded.verified,"
    " imported_by = excluded.imported_by, imported_at_ms = excluded.imported_at_ms"
)
_UPSERT_REASON = (
    f"INSERT INTO state_reasons ({_REASON_COLS}) VALUES ({_marks(_REASON_COLS)})"  # noqa: S608
    " ON CONFLICT (machine_id, ts, source) DO UPDATE SET reason = excluded.reason,"
    " entered_by = excluded.entered_by, entered_at_ms = excluded.entered_at_ms"
)
# The newest result of each assessment under its own model version, with the company's
# attributes; names are never selected.
_NATIVE_RESULTS = """
SELECT r.tenant_id, r.scored_at_ms, r.model_id, r.overall, r.level, r.result_json,
       a.status, t.kbli, t.province, t.size, a.id
FROM assess_results r
JOIN assess_assessments a ON a.tenant_id = r.tenant_id AND a.id = r.assessment_id
JOIN tenants t ON t.id = r.tenant_id
WHERE r.model_id = a.model_id AND r.model_version = a.model_version
  AND r.id = (SELECT max(r2.id) FROM assess_results r2
              WHERE r2.tenant_id = r.tenant_id AND r2.assessment_id = r.assessment_id
                AND r2.model_id = a.model_id AND r2.model_version = a.model_version)
ORDER BY r.tenant_id COLLATE "C", r.scored_at_ms
"""
_IMPORTED_RESULTS = """
SELECT p.tenant_id, p.year, p.model_id, p.overall, p.level, p.pillars_json, p.fields_json,
       p.verified, t.kbli, t.province, t.size
FROM programme_results p JOIN tenants t ON t.id = p.tenant_id
ORDER BY p.tenant_id COLLATE "C", p.year
"""


def _ms(ts: datetime | None) -> int | None:
    return None if ts is None else to_epoch_ms(ts)


def _at(ms: int | None) -> datetime | None:
    return None if ms is None else from_epoch_ms(int(ms))


def _instant(ts: datetime) -> datetime:
    """An instant floored to the millisecond, as states are keyed on both backends."""
    return from_epoch_ms(to_epoch_ms(ts))


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


def _write_audit(conn: Conn, rows: Sequence[AuditLogRow]) -> None:
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_INSERT_AUDIT, _audit_params(rows))


class PgAccounts:
    """Account tables in the same database as the plant records."""

    def _conn(self) -> AbstractContextManager[Conn]:
        raise NotImplementedError

    def _apply(self, query: str, params: Sequence[Any], audit: Sequence[AuditLogRow] = ()) -> None:
        """One change and its audit rows in one transaction."""
        with self._conn() as conn, conn.transaction():
            conn.execute(query, tuple(params))
            _write_audit(conn, audit)

    def _fetch(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            return conn.execute(query, tuple(params)).fetchall()

    # --- tenants ---------------------------------------------------------------------------

    def save_tenant(self, row: TenantRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update a tenant."""
        self._apply(_UPSERT_TENANT, _tenant_params(row), audit)

    def tenant(self, tenant_id: str) -> TenantRow | None:
        """One tenant."""
        rows = self._fetch(f"SELECT {_TENANT_COLS} FROM tenants WHERE id = %s", (tenant_id,))  # noqa: S608
        return _tenant(rows[0]) if rows else None

    def tenant_by_registration(self, registration_no: str) -> TenantRow | None:
        """The tenant with a registration number (NIB)."""
        query = f"SELECT {_TENANT_COLS} FROM tenants WHERE registration_no = %s"  # noqa: S608
        rows = self._fetch(query, (registration_no,))
        return _tenant(rows[0]) if rows else None

    def tenants(self) -> list[TenantRow]:
        """Every tenant, by id."""
        query = f'SELECT {_TENANT_COLS} FROM tenants ORDER BY id COLLATE "C"'  # noqa: S608
        return [_tenant(r) for r in self._fetch(query)]

    # --- users -----------------------------------------------------------------------------

    def save_user(self, row: UserRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update a user."""
        self._apply(_UPSERT_USER, _user_params(row), audit)

    def user(self, user_id: str) -> UserRow | None:
        """A user by id."""
        rows = self._fetch(f"SELECT {_USER_COLS} FROM users WHERE id = %s", (user_id,))  # noqa: S608
        return _user(rows[0]) if rows else None

    def user_by_name(self, username: str) -> UserRow | None:
        """A user by login name (case-insensitive)."""
        query = f"SELECT {_USER_COLS} FROM users WHERE lower(username) = lower(%s)"  # noqa: S608
        rows = self._fetch(query, (username,))
        return _user(rows[0]) if rows else None

    def users(self, tenant_id: str | None) -> list[UserRow]:
        """The users of one tenant (every user when None), by name."""
        query = (
            f"SELECT {_USER_COLS} FROM users WHERE (%(t)s::text IS NULL OR tenant_id = %(t)s)"  # noqa: S608
            ' ORDER BY lower(username) COLLATE "C", username COLLATE "C"'
        )
        with self._conn() as conn:
            rows = conn.execute(query, {"t": tenant_id}).fetchall()
        return [_user(r) for r in rows]

    def assign(self, user_id: str, tenant_id: str, audit: Sequence[AuditLogRow]) -> None:
        """Let an assessor verify a company's assessments."""
        query = (
            "INSERT INTO assessor_assignments (user_id, tenant_id) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING"
        )
        self._apply(query, (user_id, tenant_id), audit)

    def assignments(self, user_id: str) -> list[str]:
        """Tenant ids an assessor is assigned to."""
        query = (
            "SELECT tenant_id FROM assessor_assignments WHERE user_id = %s"
            ' ORDER BY tenant_id COLLATE "C"'
        )
        return [str(r[0]) for r in self._fetch(query, (user_id,))]

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
        query = f"SELECT {_SESSION_COLS} FROM sessions WHERE token_hash = %s"  # noqa: S608
        rows = self._fetch(query, (token_hash,))
        return _session(rows[0]) if rows else None

    def delete_sessions(self, *, token_hash: str | None = None, user_id: str | None = None) -> None:
        """End one session, or every session of a user."""
        with self._conn() as conn, conn.transaction():
            if token_hash is not None:
                conn.execute("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))
            if user_id is not None:
                conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))

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
        query = f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE token_hash = %s"  # noqa: S608
        rows = self._fetch(query, (token_hash,))
        return _token(rows[0]) if rows else None

    def tokens(self, tenant_id: str | None) -> list[TokenRow]:
        """The API tokens of a tenant (every token when None), newest first."""
        query = (
            f"SELECT {_TOKEN_COLS} FROM api_tokens"  # noqa: S608
            " WHERE (%(t)s::text IS NULL OR tenant_id = %(t)s)"
            ' ORDER BY created_at_ms DESC, id COLLATE "C"'
        )
        with self._conn() as conn:
            rows = conn.execute(query, {"t": tenant_id}).fetchall()
        return [_token(r) for r in rows]

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record a token's last use."""
        query = "UPDATE api_tokens SET last_used_ms = %s WHERE id = %s"
        self._apply(query, (to_epoch_ms(at), token_id))

    # --- password resets -------------------------------------------------------------------

    def save_reset(self, row: ResetRow) -> None:
        """Insert or update a reset token."""
        query = (
            "INSERT INTO reset_tokens (token_hash, user_id, expires_at_ms, used_at_ms)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (token_hash)"
            " DO UPDATE SET used_at_ms = excluded.used_at_ms"
        )
        params = (row.token_hash, row.user_id, to_epoch_ms(row.expires_at), _ms(row.used_at))
        self._apply(query, params)

    def reset(self, token_hash: str) -> ResetRow | None:
        """A reset token by its hash."""
        query = (
            "SELECT token_hash, user_id, expires_at_ms, used_at_ms FROM reset_tokens"
            " WHERE token_hash = %s"
        )
        rows = self._fetch(query, (token_hash,))
        if not rows:
            return None
        r = rows[0]
        return ResetRow(r[0], r[1], from_epoch_ms(r[2]), _at(r[3]))

    def use_reset(self, token_hash: str, user: UserRow, at: datetime, audit: AuditLogRow) -> bool:
        """Spend a reset token and set the new password at once; False when already spent."""
        with self._conn() as conn, conn.transaction():
            # The row lock makes a concurrent second use wait, then find it spent.
            spent = conn.execute(
                "UPDATE reset_tokens SET used_at_ms = %s"
                " WHERE token_hash = %s AND used_at_ms IS NULL",
                (to_epoch_ms(at), token_hash),
            ).rowcount
            if spent != 1:
                return False
            conn.execute(_UPSERT_USER, _user_params(user))
            conn.execute("DELETE FROM sessions WHERE user_id = %s", (user.id,))
            _write_audit(conn, [audit])
        return True

    # --- login throttling ------------------------------------------------------------------

    def throttle(self, keys: Sequence[str]) -> list[ThrottleRow]:
        """The throttle state of some keys."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT key, failures, window_start_ms, locked_until_ms FROM login_throttle"
                " WHERE key = ANY(%s)",
                (list(keys),),
            ).fetchall()
        found = {str(r[0]): r for r in rows}
        # In the order asked, as the SQLite store answers.
        return [
            ThrottleRow(r[0], int(r[1]), from_epoch_ms(r[2]), from_epoch_ms(r[3]))
            for r in (found.get(k) for k in dict.fromkeys(keys))
            if r is not None
        ]

    def save_throttle(self, rows: Sequence[ThrottleRow]) -> None:
        """Store throttle states."""
        query = (
            "INSERT INTO login_throttle (key, failures, window_start_ms, locked_until_ms)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
            " failures = excluded.failures, window_start_ms = excluded.window_start_ms,"
            " locked_until_ms = excluded.locked_until_ms"
        )
        params = [
            (r.key, r.failures, to_epoch_ms(r.window_start), to_epoch_ms(r.locked_until))
            for r in rows
        ]
        if not params:
            return
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(query, params)

    def clear_throttle(self, keys: Sequence[str]) -> None:
        """Forget failures after a successful login."""
        with self._conn() as conn:
            conn.execute("DELETE FROM login_throttle WHERE key = ANY(%s)", (list(keys),))

    # --- audit -----------------------------------------------------------------------------

    def write_audit(self, rows: Sequence[AuditLogRow]) -> None:
        """Append audit rows."""
        with self._conn() as conn, conn.transaction():
            _write_audit(conn, rows)

    def audit_entries(self, tenant_id: str | None, limit: int, offset: int) -> list[AuditLogRow]:
        """Audit rows of a tenant (all when None), newest first."""
        query = (
            f"SELECT {_AUDIT_COLS}, id FROM audit_log"  # noqa: S608
            " WHERE (%(t)s::text IS NULL OR tenant_id = %(t)s)"
            " ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s"
        )
        with self._conn() as conn:
            rows = conn.execute(
                query, {"t": tenant_id, "limit": limit, "offset": offset}
            ).fetchall()
        return [
            AuditLogRow(r[0], r[1], r[2], r[3], r[4], r[5], from_epoch_ms(r[6]), int(r[7]))
            for r in rows
        ]

    # --- operator reasons ------------------------------------------------------------------

    def save_state_reason(self, row: StateReasonRow, audit: AuditLogRow) -> None:
        """Store an operator's reason for a stop and mark the rollups it changes."""
        ts = _instant(row.ts)
        params = (row.machine_id, ts, row.source, row.reason, row.entered_by)
        with self._conn() as conn, conn.transaction():
            conn.execute(_UPSERT_REASON, (*params, to_epoch_ms(row.entered_at)))
            _write_audit(conn, [audit])
            # The reason moves downtime between Pareto rows, so the hours it reaches roll up again.
            mark_rollups_dirty(conn, {"states": [(row.machine_id, ts, row.source)]})

    def state_reasons(
        self, machine_id: str, start: datetime, end: datetime
    ) -> list[StateReasonRow]:
        """Operator reasons of a machine's stops in [start, end)."""
        query = (
            f"SELECT {_REASON_COLS} FROM state_reasons"  # noqa: S608
            ' WHERE machine_id = %s AND ts >= %s AND ts < %s ORDER BY ts, source COLLATE "C"'
        )
        rows = self._fetch(query, (machine_id, _instant(start), _instant(end)))
        return [StateReasonRow(r[0], r[1], r[2], r[3], r[4], from_epoch_ms(r[5])) for r in rows]

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
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            if tenants:
                cur.executemany(_UPSERT_TENANT, [_tenant_params(t) for t in tenants])
            if params:
                cur.executemany(_UPSERT_RESULT, params)
            _write_audit(conn, [audit])

    def programme_results(self) -> list[ProgrammeResultRow]:
        """Every company's results: native (scored assessments) and imported."""
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
            for r in self._fetch(_NATIVE_RESULTS)
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
            for r in self._fetch(_IMPORTED_RESULTS)
        ]
        return native + imported

"""The account tables' columns, shared statements, and rows to and from their parameters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow, SessionRow, TenantRow, TokenRow, UserRow

TENANT_COLS = (
    "id, name, registration_no, kbli, province, size, sites_json, created_at_ms, updated_at_ms"
)
USER_COLS = (
    "id, username, display_name, tenant_id, role, password_hash, disabled, created_at_ms,"
    " updated_at_ms"
)
SESSION_COLS = (
    "token_hash, user_id, csrf_token, active_tenant, created_at_ms, last_seen_ms, expires_at_ms"
)
TOKEN_COLS = (
    "id, token_hash, tenant_id, role, label, created_by, created_at_ms, revoked_at_ms,"  # noqa: S105 - column names
    " last_used_ms"
)
AUDIT_COLS = "tenant_id, actor, action, subject, before_json, after_json, at_ms"


def _marks(cols: str) -> str:
    return ", ".join("?" for _ in cols.split(","))


UPSERT_TENANT = (
    f"INSERT INTO tenants ({TENANT_COLS}) VALUES ({_marks(TENANT_COLS)})"  # noqa: S608
    " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
    " registration_no = excluded.registration_no, kbli = excluded.kbli,"
    " province = excluded.province, size = excluded.size, sites_json = excluded.sites_json,"
    " updated_at_ms = excluded.updated_at_ms"
)
UPSERT_USER = (
    f"INSERT INTO users ({USER_COLS}) VALUES ({_marks(USER_COLS)})"  # noqa: S608
    " ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,"
    " tenant_id = excluded.tenant_id, role = excluded.role,"
    " disabled = excluded.disabled, updated_at_ms = excluded.updated_at_ms"
)
# The hash alone, and only while it is the one read: a password change or renewal must not
# write back a row read before an admin disabled the user, nor undo a change made meanwhile.
HASH_RENEWAL = "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?"
HASH_CHANGE = (
    "UPDATE users SET password_hash = ?, updated_at_ms = ? WHERE id = ? AND password_hash = ?"
)
HASH_RESET = "UPDATE users SET password_hash = ?, updated_at_ms = ? WHERE id = ?"
UPSERT_SESSION = (
    f"INSERT INTO sessions ({SESSION_COLS}) VALUES ({_marks(SESSION_COLS)})"  # noqa: S608
    " ON CONFLICT (token_hash) DO UPDATE SET active_tenant = excluded.active_tenant,"
    " last_seen_ms = excluded.last_seen_ms, expires_at_ms = excluded.expires_at_ms"
)
UPSERT_TOKEN = (
    f"INSERT INTO api_tokens ({TOKEN_COLS}) VALUES ({_marks(TOKEN_COLS)})"  # noqa: S608
    " ON CONFLICT (id) DO UPDATE SET label = excluded.label,"
    " revoked_at_ms = excluded.revoked_at_ms"
)
INSERT_AUDIT = f"INSERT INTO audit_log ({AUDIT_COLS}) VALUES ({_marks(AUDIT_COLS)})"  # noqa: S608
UPSERT_RESULT = (
    "INSERT INTO programme_results (tenant_id, year, model_id, overall, level, pillars_json,"
    " fields_json, verified, imported_by, imported_at_ms, source_file)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, year, model_id) DO UPDATE SET overall = excluded.overall,"
    " level = excluded.level, pillars_json = excluded.pillars_json,"
    " fields_json = excluded.fields_json, verified = excluded.verified,"
    " imported_by = excluded.imported_by, imported_at_ms = excluded.imported_at_ms,"
    " source_file = excluded.source_file"
)
INSERT_NEW_TENANT = (
    f"INSERT INTO tenants ({TENANT_COLS}) VALUES ({_marks(TENANT_COLS)})"  # noqa: S608
    " ON CONFLICT (id) DO NOTHING"
)
DELETE_USER_SESSIONS = "DELETE FROM sessions WHERE user_id = ?"


def ms_or_none(ts: datetime | None) -> int | None:
    """An optional instant as epoch milliseconds."""
    return None if ts is None else to_epoch_ms(ts)


def at_or_none(ms: int | None) -> datetime | None:
    """Optional epoch milliseconds as an instant."""
    return None if ms is None else from_epoch_ms(int(ms))


def tenant_row(r: Sequence[Any]) -> TenantRow:
    """A tenant from a row of ``TENANT_COLS``."""
    return TenantRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]), from_epoch_ms(r[8])
    )


def user_row(r: Sequence[Any]) -> UserRow:
    """A user from a row of ``USER_COLS``."""
    return UserRow(
        r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), from_epoch_ms(r[7]), from_epoch_ms(r[8])
    )


def session_row(r: Sequence[Any]) -> SessionRow:
    """A session from a row of ``SESSION_COLS``."""
    return SessionRow(
        r[0], r[1], r[2], r[3], from_epoch_ms(r[4]), from_epoch_ms(r[5]), from_epoch_ms(r[6])
    )


def token_row(r: Sequence[Any]) -> TokenRow:
    """An API token from a row of ``TOKEN_COLS``."""
    return TokenRow(
        r[0], r[1], r[2], r[3], r[4], r[5], from_epoch_ms(r[6]), at_or_none(r[7]), at_or_none(r[8])
    )


def audit_params(rows: Sequence[AuditLogRow]) -> list[tuple[Any, ...]]:
    """Parameter rows of ``INSERT_AUDIT``."""
    return [
        (a.tenant_id, a.actor, a.action, a.subject, a.before_json, a.after_json, to_epoch_ms(a.at))
        for a in rows
    ]


def tenant_params(t: TenantRow) -> tuple[Any, ...]:
    """The parameters of ``UPSERT_TENANT``."""
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


def user_params(u: UserRow) -> tuple[Any, ...]:
    """The parameters of ``UPSERT_USER``."""
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

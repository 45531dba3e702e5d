"""Tenants, users, assessor assignments and the audit log, once for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow, TenantRow, UserRow
from pabrik.storage.sql.account_rows import (
    AUDIT_COLS,
    DELETE_USER_SESSIONS,
    HASH_CHANGE,
    HASH_RENEWAL,
    INSERT_AUDIT,
    TENANT_COLS,
    UPSERT_TENANT,
    UPSERT_USER,
    USER_COLS,
    audit_params,
    tenant_params,
    tenant_row,
    user_params,
    user_row,
)
from pabrik.storage.sql.base import SqlBase


class SqlPeople(SqlBase):
    """Who the accounts are: tenants, their users, and the audit of changes."""

    # Dialect hooks.
    # A user's login name compared case-insensitively with one parameter.
    _USERNAME_MATCHES = "lower(username) = lower(?)"
    # The ORDER BY of ``users``: by name, case-insensitively.
    _USERS_ORDER = "lower(username), username"

    def _apply(self, sql: str, params: Sequence[Any], audit: Sequence[AuditLogRow] = ()) -> None:
        """One change and its audit rows in one transaction."""
        with self._tx() as tx:
            tx.execute(sql, params)
            tx.executemany(INSERT_AUDIT, audit_params(audit))

    # --- tenants ---------------------------------------------------------------------------

    def save_tenant(self, row: TenantRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update a tenant."""
        self._apply(UPSERT_TENANT, tenant_params(row), audit)

    def tenant(self, tenant_id: str) -> TenantRow | None:
        """One tenant."""
        rows = self._rows(f"SELECT {TENANT_COLS} FROM tenants WHERE id = ?", (tenant_id,))  # noqa: S608
        return tenant_row(rows[0]) if rows else None

    def tenant_by_registration(self, registration_no: str) -> TenantRow | None:
        """The tenant with a registration number (NIB)."""
        sql = f"SELECT {TENANT_COLS} FROM tenants WHERE registration_no = ?"  # noqa: S608
        rows = self._rows(sql, (registration_no,))
        return tenant_row(rows[0]) if rows else None

    def tenants(self) -> list[TenantRow]:
        """Every tenant, by id."""
        sql = f"SELECT {TENANT_COLS} FROM tenants ORDER BY id{self._BINARY_ORDER}"  # noqa: S608
        return [tenant_row(r) for r in self._rows(sql)]

    # --- users -----------------------------------------------------------------------------

    def save_user(self, row: UserRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert a user, or update all but their password hash."""
        self._apply(UPSERT_USER, user_params(row), audit)

    def renew_password_hash(self, user_id: str, old_hash: str, new_hash: str) -> bool:
        """Replace a user's password hash only if it is still ``old_hash``; whether it was."""
        with self._tx() as tx:
            return tx.execute(HASH_RENEWAL, (new_hash, user_id, old_hash)) == 1

    def change_password_hash(
        self, user_id: str, old_hash: str, new_hash: str, at: datetime, audit: AuditLogRow
    ) -> bool:
        """Set a new hash and end the user's sessions, only if the hash is still ``old_hash``."""
        with self._tx() as tx:
            if tx.execute(HASH_CHANGE, (new_hash, to_epoch_ms(at), user_id, old_hash)) != 1:
                return False
            tx.execute(DELETE_USER_SESSIONS, (user_id,))
            tx.executemany(INSERT_AUDIT, audit_params([audit]))
        return True

    def user(self, user_id: str) -> UserRow | None:
        """A user by id."""
        rows = self._rows(f"SELECT {USER_COLS} FROM users WHERE id = ?", (user_id,))  # noqa: S608
        return user_row(rows[0]) if rows else None

    def user_by_name(self, username: str) -> UserRow | None:
        """A user by login name (case-insensitive)."""
        sql = f"SELECT {USER_COLS} FROM users WHERE {self._USERNAME_MATCHES}"  # noqa: S608
        rows = self._rows(sql, (username,))
        return user_row(rows[0]) if rows else None

    def users(self, tenant_id: str | None) -> list[UserRow]:
        """The users of one tenant (every user when None), by name."""
        sql = (
            f"SELECT {USER_COLS} FROM users WHERE (CAST(? AS text) IS NULL OR tenant_id = ?)"  # noqa: S608
            f" ORDER BY {self._USERS_ORDER}"
        )
        return [user_row(r) for r in self._rows(sql, (tenant_id, tenant_id))]

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

    # --- audit -----------------------------------------------------------------------------

    def write_audit(self, rows: Sequence[AuditLogRow]) -> None:
        """Append audit rows."""
        with self._tx() as tx:
            tx.executemany(INSERT_AUDIT, audit_params(rows))

    def audit_entries(self, tenant_id: str | None, limit: int, offset: int) -> list[AuditLogRow]:
        """Audit rows of a tenant (all when None), newest first."""
        sql = (
            f"SELECT {AUDIT_COLS}, id FROM audit_log"  # noqa: S608
            " WHERE (CAST(? AS text) IS NULL OR tenant_id = ?)"
            " ORDER BY id DESC LIMIT ? OFFSET ?"
        )
        return [
            AuditLogRow(r[0], r[1], r[2], r[3], r[4], r[5], from_epoch_ms(r[6]), int(r[7]))
            for r in self._rows(sql, (tenant_id, tenant_id, limit, offset))
        ]

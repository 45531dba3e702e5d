"""The account store contract: tenants, users, sessions, tokens, throttling and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class TenantRow:
    """A company: registration number (NIB), KBLI code, province, size class and sites."""

    id: str
    name: str
    registration_no: str | None
    kbli: str | None
    province: str | None
    size: str
    sites_json: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UserRow:
    """A person who logs in; the password is an argon2 hash."""

    id: str
    username: str
    display_name: str
    tenant_id: str | None
    role: str
    password_hash: str
    disabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A server-side session, found by the hash of its cookie value."""

    token_hash: str
    user_id: str
    csrf_token: str
    active_tenant: str | None
    created_at: datetime
    last_seen: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenRow:
    """An API token for a machine or an integration: one tenant, one role, stored hashed."""

    id: str
    token_hash: str
    tenant_id: str
    role: str
    label: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResetRow:
    """A one-time password reset token."""

    token_hash: str
    user_id: str
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ThrottleRow:
    """Failed logins of one key inside the current window, and the lock they caused."""

    key: str
    failures: int
    window_start: datetime
    locked_until: datetime


@dataclass(frozen=True, slots=True)
class AuditLogRow:
    """Who changed what and when, with the values before and after (JSON)."""

    tenant_id: str | None
    actor: str
    action: str
    subject: str
    before_json: str | None
    after_json: str | None
    at: datetime
    id: int | None = None


@dataclass(frozen=True, slots=True)
class StateReasonRow:
    """An operator's reason for a stop, keyed by the state record's natural key."""

    machine_id: str
    ts: datetime
    source: str
    reason: str
    entered_by: str
    entered_at: datetime


@dataclass(frozen=True, slots=True)
class ProgrammeResultRow:
    """One company's result in one year, native or imported (by whom, from which file)."""

    tenant_id: str
    year: int
    model_id: str
    overall: float
    level: int
    pillars_json: str
    fields_json: str
    verified: bool
    kbli: str | None
    province: str | None
    size: str
    source: str
    assessment_id: str | None = None
    result_json: str | None = None
    registration_no: str | None = None
    imported_by: str = ""
    source_file: str = ""
    steps_json: str = ""
    """The roadmap steps a company shared (JSON list; empty for the other sources)."""
    assessor: str = ""
    """Who verified a shared result."""


@runtime_checkable
class AccountStore(Protocol):
    """Durable storage of accounts; every change carries its audit rows in one transaction."""

    def save_tenant(self, row: TenantRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update a tenant."""
        ...

    def tenant(self, tenant_id: str) -> TenantRow | None:
        """One tenant."""
        ...

    def tenant_by_registration(self, registration_no: str) -> TenantRow | None:
        """The tenant with a registration number (NIB)."""
        ...

    def tenants(self) -> list[TenantRow]:
        """Every tenant, by id."""
        ...

    def save_user(self, row: UserRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert a user, or update all but their password hash."""
        ...

    def renew_password_hash(self, user_id: str, old_hash: str, new_hash: str) -> bool:
        """Replace a user's password hash only if it is still ``old_hash``; whether it was."""
        ...

    def change_password_hash(
        self, user_id: str, old_hash: str, new_hash: str, at: datetime, audit: AuditLogRow
    ) -> bool:
        """Set a new hash and end the user's sessions, only if the hash is still ``old_hash``."""
        ...

    def user(self, user_id: str) -> UserRow | None:
        """A user by id."""
        ...

    def user_by_name(self, username: str) -> UserRow | None:
        """A user by login name (case-insensitive)."""
        ...

    def users(self, tenant_id: str | None) -> list[UserRow]:
        """The users of one tenant (every user when None), by name."""
        ...

    def assign(self, user_id: str, tenant_id: str, audit: Sequence[AuditLogRow]) -> None:
        """Let an assessor verify a company's assessments."""
        ...

    def assignments(self, user_id: str) -> list[str]:
        """Tenant ids an assessor is assigned to."""
        ...

    def save_session(self, row: SessionRow) -> None:
        """Insert or update a session."""
        ...

    def open_session(
        self, row: SessionRow, audit: AuditLogRow, cleared: Sequence[str] = ()
    ) -> None:
        """A login at once: its session, its audit row, and the throttle keys it clears."""
        ...

    def session(self, token_hash: str) -> SessionRow | None:
        """A session by the hash of its token."""
        ...

    def delete_sessions(self, *, token_hash: str | None = None, user_id: str | None = None) -> None:
        """End one session, or every session of a user."""
        ...

    def save_token(self, row: TokenRow, audit: Sequence[AuditLogRow]) -> None:
        """Insert or update an API token."""
        ...

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        """An API token by the hash of its secret."""
        ...

    def tokens(self, tenant_id: str | None) -> list[TokenRow]:
        """The API tokens of a tenant (every token when None), newest first."""
        ...

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record a token's last use."""
        ...

    def save_reset(self, row: ResetRow) -> None:
        """Insert or update a reset token."""
        ...

    def reset(self, token_hash: str) -> ResetRow | None:
        """A reset token by its hash."""
        ...

    def use_reset(
        self, token_hash: str, user_id: str, new_hash: str, at: datetime, audit: AuditLogRow
    ) -> bool:
        """Spend a reset token and set the new password hash at once; False when already spent."""
        ...

    def throttle(self, keys: Sequence[str]) -> list[ThrottleRow]:
        """The throttle state of some keys."""
        ...

    def save_throttle(self, rows: Sequence[ThrottleRow]) -> None:
        """Store throttle states."""
        ...

    def clear_throttle(self, keys: Sequence[str]) -> None:
        """Forget failures after a successful login."""
        ...

    def write_audit(self, rows: Sequence[AuditLogRow]) -> None:
        """Append audit rows."""
        ...

    def audit_entries(self, tenant_id: str | None, limit: int, offset: int) -> list[AuditLogRow]:
        """Audit rows of a tenant (all when None), newest first."""
        ...

    def save_state_reason(self, row: StateReasonRow, audit: AuditLogRow) -> None:
        """Store an operator's reason for a stop and mark the rollups it changes."""
        ...

    def state_reasons(
        self, machine_id: str, start: datetime, end: datetime
    ) -> list[StateReasonRow]:
        """Operator reasons of a machine's stops in [start, end)."""
        ...

    def save_programme_results(
        self,
        rows: Sequence[ProgrammeResultRow],
        tenants: Sequence[TenantRow],
        actor: str,
        audit: AuditLogRow,
    ) -> None:
        """Upsert imported results, add their new tenants (never change one) and audit it."""
        ...

    def programme_results(self) -> list[ProgrammeResultRow]:
        """Every company's results: native (scored assessments) and imported."""
        ...

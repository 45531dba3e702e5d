"""Consented sharing with a programme, and a group's plants: row types and the store contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pabrik.storage.accounts import AuditLogRow


class SharedSave(StrEnum):
    """What a programme did with a delivered shared result."""

    STORED = "stored"
    REPEATED = "repeated"
    """Its idempotency key was stored already: nothing changed."""
    WITHDRAWN = "withdrawn"
    """The company withdrew this share id already: refused, never stored again."""


@dataclass(frozen=True, slots=True)
class ShareRow:
    """Company side: one assessment shared with one programme server."""

    tenant_id: str
    id: str
    assessment_id: str
    programme_url: str
    token: str
    status: str
    shared_by: str
    created_at: datetime
    updated_at: datetime
    revoked_by: str = ""
    last_error: str = ""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A share or revoke still to deliver (``done_at`` is set once the programme confirmed)."""

    tenant_id: str
    share_id: str
    action: str
    idempotency_key: str
    payload: str
    next_at: datetime
    attempts: int = 0
    last_error: str = ""
    done_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    """Programme side: a registration token (hashed) issued to one company."""

    id: str
    tenant_id: str
    token_hash: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SharedResultRow:
    """Programme side: the scores, levels and roadmap steps one company shared."""

    tenant_id: str
    share_id: str
    registration_id: str
    model_id: str
    year: int
    overall: float
    level: int
    pillars_json: str
    fields_json: str
    steps_json: str
    verified: bool
    assessor: str
    kbli: str | None
    province: str | None
    size: str
    idempotency_key: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class GroupSiteRow:
    """Central side: one plant of a tenant with its site document (YAML)."""

    tenant_id: str
    site_id: str
    name: str
    document: str
    updated_at: datetime


@runtime_checkable
class SharingStore(Protocol):
    """Shares and their outbox, registrations and shared results, and a group's plants."""

    def save_share(
        self, share: ShareRow, outbox: OutboxRow | None, audit: AuditLogRow | None
    ) -> None:
        """Insert or update a share, with its outbox row and audit row, in one transaction."""
        ...

    def shares(self, tenant_id: str, assessment_id: str | None = None) -> list[ShareRow]:
        """A tenant's shares (of one assessment), newest first."""
        ...

    def share(self, tenant_id: str, share_id: str) -> ShareRow | None:
        """One share."""
        ...

    def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Undelivered outbox rows whose next attempt is due, oldest first."""
        ...

    def finish_outbox(self, row: OutboxRow, share: ShareRow, audit: AuditLogRow | None) -> None:
        """Mark an outbox row delivered and update its share (and audit) in one transaction."""
        ...

    def retry_outbox(self, row: OutboxRow, next_at: datetime, error: str) -> None:
        """Count a failed attempt and schedule the next one."""
        ...

    def save_registration(self, row: RegistrationRow, audit: AuditLogRow) -> None:
        """Insert or update a registration."""
        ...

    def registration_by_hash(self, token_hash: str) -> RegistrationRow | None:
        """The registration of a token hash."""
        ...

    def registrations(self) -> list[RegistrationRow]:
        """Every registration, newest first."""
        ...

    def save_shared_result(self, row: SharedResultRow, audit: AuditLogRow | None) -> SharedSave:
        """Store a shared result, unless its key was stored already or its id was withdrawn."""
        ...

    def delete_shared_result(self, tenant_id: str, share_id: str, audit: AuditLogRow) -> bool:
        """Withdraw a share id for good and delete its result; whether one existed."""
        ...

    def shared_results(self) -> list[SharedResultRow]:
        """Every shared result."""
        ...

    def save_group_site(self, row: GroupSiteRow) -> None:
        """Insert or update a plant's site document."""
        ...

    def group_sites(self, tenant_id: str) -> list[GroupSiteRow]:
        """A tenant's plants, by site id."""
        ...

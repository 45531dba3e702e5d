"""The partner directory store contract: entries who can help, and companies' contact requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from pabrik.storage.accounts import AuditLogRow


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """One directory entry; its tags (practices, skills, sectors...) are a JSON object."""

    id: str
    kind: str
    name: str
    origin: str
    description: str
    website: str
    email: str
    tags_json: str
    sample: bool
    active: bool
    updated_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A company's request to be contacted by an entry, with exactly what it chose to share."""

    partner_id: str
    tenant_id: str
    actor: str
    topic: str
    message: str
    shared_json: str
    at: datetime
    id: int | None = None


@runtime_checkable
class PartnerStore(Protocol):
    """Durable storage of the directory; every change carries its audit rows in one transaction."""

    def save_partners(self, rows: Sequence[PartnerRow], audit: Sequence[AuditLogRow]) -> None:
        """Insert or update entries."""
        ...

    def partner(self, partner_id: str) -> PartnerRow | None:
        """One entry."""
        ...

    def partners(self) -> list[PartnerRow]:
        """Every entry, by id."""
        ...

    def save_contact(self, row: ContactRow, audit: Sequence[AuditLogRow]) -> None:
        """Log a contact request."""
        ...

    def contacts(self, tenant_id: str | None) -> list[ContactRow]:
        """Contact requests of one company (all when None), newest first."""
        ...

"""The store contract for operator-terminal data: corrections, scrap reasons, handover notes.

Manual states and counts themselves are ordinary rows of ``states`` and ``counts`` (source
``manual:{user}``), written through ``Store.write`` like every connector's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pabrik.storage.accounts import AuditLogRow

MANUAL_PREFIX = "manual:"
"""The source of every record typed in at a terminal starts with this."""


@dataclass(frozen=True, slots=True)
class HandoverRow:
    """A shift handover note for a machine or a line, keyed by the device's idempotency key."""

    key: str
    scope_id: str
    shift_key: str
    text: str
    written_by: str
    written_at: datetime


class ManualStore(Protocol):
    """Corrections of manual records (audited, rollups follow) and handover notes."""

    def correct_count(
        self, machine_id: str, ts: datetime, source: str, good: int, scrap: int, audit: AuditLogRow
    ) -> bool:
        """Set a manual count's good and scrap; False when no such manual record exists."""
        ...

    def correct_state(
        self,
        machine_id: str,
        ts: datetime,
        source: str,
        state: str,
        reason: str | None,
        audit: AuditLogRow,
    ) -> bool:
        """Set a manual state's class and reason; False when no such manual record exists."""
        ...

    def save_count_reason(self, machine_id: str, ts: datetime, source: str, reason: str) -> None:
        """Give a count's scrap a reason (the last one given wins)."""
        ...

    def scrap_by_reason(self, machine_id: str, start: datetime, end: datetime) -> dict[str, int]:
        """Scrap units of a machine's counts with start < ts <= end, by the reason given."""
        ...

    def save_handover(self, row: HandoverRow) -> bool:
        """Keep a handover note once per key; False when the key was already stored."""
        ...

    def handovers(self, scope_id: str, limit: int) -> list[HandoverRow]:
        """The newest handover notes of a machine or line."""
        ...

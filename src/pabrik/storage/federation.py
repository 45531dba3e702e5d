"""The federation store contract: a plant's forward reads and a central's plants and receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Row = tuple[Any, ...]
Position = tuple[Any, ...]
"""Where a forward stream stands: (batch, *natural key) for records, (id,) for the others."""

RECORD_STREAMS = ("states", "counts", "samples")
STREAMS = (*RECORD_STREAMS, "dead_letters", "alarm_transitions")
START: Position = (-1,)


@dataclass(frozen=True, slots=True)
class PlantRow:
    """A plant that may forward to this central, with its hashed credential."""

    plant_id: str
    tenant_id: str
    name: str
    secret_hash: str
    created_at_ms: int
    revoked_at_ms: int | None = None
    last_seen_ms: int | None = None
    status_json: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the central answered for one batch (kept under the batch's idempotency key)."""

    batch_key: str
    lane: str
    offered: int
    inserted: int


class ForwardSource(Protocol):
    """The plant side: rows in forward order behind a position, and the committed cursors."""

    def forward_head(self) -> int:
        """The number of the newest write batch."""
        ...

    def forward_rows(
        self, stream: str, after: Position, upto_batch: int | None, limit: int
    ) -> tuple[list[Row], Position]:
        """Up to ``limit`` rows after ``after`` (to ``upto_batch``), and the last position."""
        ...

    def forward_pending(self, stream: str, after: Position) -> int:
        """How many rows of a stream lie after a position."""
        ...

    def forward_cursors(self) -> dict[str, Any]:
        """The committed cursors (JSON-shaped), empty before the first delivery."""
        ...

    def save_forward_cursors(self, cursors: dict[str, Any]) -> None:
        """Commit the cursors after the central confirmed."""
        ...


class CentralStore(Protocol):
    """The central side: plants and credentials, machine ownership, summaries and receipts."""

    def add_plant(self, row: PlantRow) -> bool:
        """Register a plant; False if its id is taken."""
        ...

    def plant(self, plant_id: str) -> PlantRow | None:
        """One plant, revoked or not."""
        ...

    def plants(self, tenant_id: str | None = None) -> list[PlantRow]:
        """The plants, of one tenant when named, by id."""
        ...

    def set_plant_secret(self, plant_id: str, secret_hash: str) -> bool:
        """Give a plant a new credential (and un-revoke it); False if unknown."""
        ...

    def revoke_plant(self, plant_id: str, at_ms: int) -> bool:
        """Revoke a plant's credential; False if unknown."""
        ...

    def plant_seen(self, plant_id: str, at_ms: int, status_json: str | None = None) -> None:
        """Note a plant's latest request, and its reported status when given."""
        ...

    def claim_machines(self, plant_id: str, machine_ids: Sequence[str]) -> dict[str, str]:
        """Own new machines for a plant; the owning tenant of each machine named."""
        ...

    def receipt(self, plant_id: str, batch_key: str) -> Receipt | None:
        """The answer already given to a batch."""
        ...

    def prune_receipts(self, plant_id: str, before_ms: int) -> int:
        """Forget a plant's batch receipts older than a time; how many."""
        ...

    def receive_extras(
        self,
        plant_id: str,
        dead_letters: Sequence[Row],
        transitions: Sequence[Row],
        receipt: Receipt,
        at_ms: int,
    ) -> int:
        """Store dead-letter summaries, alarm transitions and the receipt; rows inserted."""
        ...

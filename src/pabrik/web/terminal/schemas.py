"""Request and response bodies of the terminal API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pabrik.model.states import StateClass
from pabrik.runtime.terminal.entries import Entry, EntryKind, EntryResult
from pabrik.web.deps import parse_instant

MAX_BATCH = 500


class EntryIn(BaseModel):
    """One entry as the device queued it; ``key`` and ``ts`` are made on the device."""

    key: str = Field(min_length=1, max_length=80, description="The device's idempotency key")
    machine_id: str = Field(min_length=1, max_length=64)
    ts: str = Field(max_length=40, description="Entry instant, ISO 8601 with offset (ms)")
    kind: Literal["state", "count", "total"]
    state: StateClass | None = None
    reason: str | None = Field(default=None, max_length=64)
    product_id: str | None = Field(default=None, max_length=64)
    good: int | None = Field(default=None, ge=0, le=10_000_000, description="None: no change")
    scrap: int | None = Field(default=None, ge=0, le=10_000_000, description="None: no change")
    scrap_reason: str | None = Field(default=None, max_length=64)

    def entry(self) -> Entry:
        """The runtime's entry."""
        return Entry(
            key=self.key,
            machine_id=self.machine_id,
            ts=parse_instant(self.ts, "ts"),
            kind=EntryKind(self.kind),
            state=self.state,
            reason=self.reason or None,
            product_id=self.product_id or None,
            good=self.good,
            scrap=self.scrap,
            scrap_reason=self.scrap_reason or None,
        )


class EntriesIn(BaseModel):
    """A batch of queued entries (a device sends what it kept while offline)."""

    entries: list[EntryIn] = Field(max_length=MAX_BATCH)


class EntryOut(BaseModel):
    """What became of one entry."""

    key: str
    outcome: str
    code: str | None

    @classmethod
    def of(cls, r: EntryResult) -> EntryOut:
        """From the runtime's result."""
        return cls(key=r.key, outcome=r.outcome.value, code=r.code)


class HandoverIn(BaseModel):
    """A handover note for a machine or a line."""

    key: str = Field(min_length=1, max_length=80)
    scope_id: str = Field(min_length=1, max_length=64)
    ts: str = Field(max_length=40)
    text: str = Field(min_length=1, max_length=2000)


class CountFix(BaseModel):
    """A supervisor's correction of a manual count."""

    machine_id: str = Field(min_length=1, max_length=64)
    ts: str = Field(max_length=40)
    source: str = Field(min_length=1, max_length=200)
    good: int = Field(ge=0, le=10_000_000)
    scrap: int = Field(ge=0, le=10_000_000)


class StateFix(BaseModel):
    """A supervisor's correction of a manual state."""

    machine_id: str = Field(min_length=1, max_length=64)
    ts: str = Field(max_length=40)
    source: str = Field(min_length=1, max_length=200)
    state: StateClass
    reason: str | None = Field(default=None, max_length=64)

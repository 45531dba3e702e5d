"""Records that flow from connectors through ingest into the store.

Each record has a natural key (source, machine, [signal,] timestamp) so that a
replay after a crash never counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pabrik.model.states import Quality, StateClass


@dataclass(frozen=True, slots=True)
class StateRecord:
    """A machine entered a state at ``ts``; it lasts until the next state record."""

    source: str
    machine_id: str
    ts: datetime
    state: StateClass
    reason: str | None = None
    product_id: str | None = None
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class CountRecord:
    """Units made since the previous count record of the same machine (a delta)."""

    source: str
    machine_id: str
    ts: datetime
    good: int
    scrap: int
    rework: int = 0
    product_id: str | None = None


@dataclass(frozen=True, slots=True)
class SampleRecord:
    """One value of one signal (sensor reading or meter)."""

    source: str
    machine_id: str
    signal_id: str
    ts: datetime
    value: float
    quality: Quality = Quality.GOOD


Record = StateRecord | CountRecord | SampleRecord


def record_kind(record: Record) -> str:
    """The topic kind of a record: state, count or sample."""
    if isinstance(record, StateRecord):
        return "state"
    if isinstance(record, CountRecord):
        return "count"
    return "sample"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_epoch_ms(ts: datetime) -> int:
    """Milliseconds since the epoch for an aware datetime (exact, floors sub-ms)."""
    return (ts - EPOCH) // _MS


def from_epoch_ms(ms: int) -> datetime:
    """An aware UTC datetime from epoch milliseconds."""
    return EPOCH + timedelta(milliseconds=ms)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A rejected input, kept with its raw payload and the reason it was refused."""

    source: str
    received_at: datetime
    reason_code: str
    detail: str
    payload: str
    id: int | None = None
    # What a replay needs besides the payload: format, topic, kind, machine, signal...
    context: dict[str, str] | None = None

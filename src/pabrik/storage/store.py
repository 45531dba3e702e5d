"""The store contract that every backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pabrik.model.records import EPOCH, CountRecord, DeadLetter, Record, SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.storage.accounts import AccountStore
from pabrik.storage.alarms import AlarmStore
from pabrik.storage.assessments import AssessmentStore
from pabrik.storage.federation import CentralStore
from pabrik.storage.manual import ManualStore
from pabrik.storage.partners import PartnerStore
from pabrik.storage.sharing import SharingStore
from pabrik.storage.siteconfig import SiteConfigStore

DEAD_LETTER_PAYLOAD_CAP = 8192


@dataclass(frozen=True, slots=True)
class WriteResult:
    """How many records a batch offered and how many were new."""

    offered: int
    inserted: int


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """Delete rows of ``table`` older than ``before``, for one signal when named."""

    table: str
    before: datetime
    machine_id: str | None = None
    signal_id: str | None = None


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What one retention rule removed (or would remove, in a dry run)."""

    rule: RetentionRule
    rows: int
    partitions: tuple[str, ...] = ()


RETAINED_TABLES = ("states", "counts", "samples", "dead_letters")

_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class StateRun:
    """A machine's state record in force, and the instant its run of equal states began."""

    state: StateClass
    product_id: str | None
    since: datetime


@dataclass(frozen=True, slots=True)
class SampleBucket:
    """The mean and the number of a signal's samples in one equal slice of an interval."""

    index: int
    mean: float
    count: int


def epoch_us(ts: datetime) -> int:
    """Microseconds since the epoch for an aware datetime (exact)."""
    return (ts - EPOCH) // _US


def bucket_step_us(start: datetime, end: datetime, buckets: int) -> int:
    """Width of one of ``buckets`` equal slices of [start, end), rounded as timedelta rounds."""
    return max(1, ((end - start) / buckets) // _US)


class Store(
    AssessmentStore,
    AccountStore,
    PartnerStore,
    AlarmStore,
    ManualStore,
    SiteConfigStore,
    SharingStore,
    CentralStore,
    Protocol,
):
    """Durable, idempotent storage of plant records, and of the assessments and accounts."""

    def upgrade(self) -> list[str]:
        """Apply pending migrations; return the versions applied."""
        ...

    def schema_status(self) -> tuple[int, int]:
        """The applied and the latest known schema version."""
        ...

    def write(
        self,
        records: Sequence[Record],
        checkpoints: dict[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (),
    ) -> WriteResult:
        """Write a batch, its dead letters and checkpoints in one transaction; no duplicates."""
        ...

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep rejected inputs with their reasons."""
        ...

    def checkpoint(self, name: str) -> str | None:
        """The committed position of a source."""
        ...

    def states(self, machine_id: str, start: datetime, end: datetime) -> list[StateRecord]:
        """State records in [start, end), with the last one before and the first one after."""
        ...

    def state_runs(
        self, machine_ids: Sequence[str], end: datetime, start: datetime, *, with_end: bool = False
    ) -> dict[str, StateRun]:
        """Per machine, its state record in force at ``end`` and since when that state held.

        Records count in the order of ``states`` (instant, then source), whole milliseconds:
        the last one before ``end``, or with ``with_end`` the first one at ``end`` if any.
        Its run of equal states is followed back no further than the last record before
        ``start``. A machine with no record before ``end`` is left out.
        """
        ...

    def counts(self, machine_id: str, start: datetime, end: datetime) -> list[CountRecord]:
        """Count records with start < ts <= end."""
        ...

    def samples(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime
    ) -> list[SampleRecord]:
        """Samples of one signal in [start, end)."""
        ...

    def meter_readings(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime, reach_ms: int
    ) -> list[SampleRecord]:
        """Samples in [start, end), back to and on to the good readings that bound it.

        The bounds are the last reading not of bad quality at or before ``start`` and the first
        at or after ``end``, each within ``reach_ms``, with every sample at a bound's instant:
        what a cumulative meter's deltas over the window need, in the order of ``samples``.
        """
        ...

    def sample_buckets(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime, buckets: int
    ) -> list[SampleBucket]:
        """Mean and count of ``samples`` per non-empty slice k = offset_us // bucket_step_us."""
        # Every quality counts, as in ``samples``; the offset truncates toward zero, so a
        # sample in the millisecond that holds a sub-millisecond ``start`` falls in slice 0.
        ...

    def dead_letters(self, limit: int, offset: int) -> list[DeadLetter]:
        """Rejected inputs, newest first."""
        ...

    def dead_letter_count(self) -> int:
        """How many rejected inputs are kept."""
        ...

    def dead_letters_by_id(self, ids: Sequence[int]) -> list[DeadLetter]:
        """The dead letters with these ids, oldest first; unknown ids are skipped."""
        ...

    def dead_letter_ids(
        self, reason_code: str | None = None, source: str | None = None
    ) -> list[int]:
        """Ids of dead letters, oldest first, optionally of one reason and one source."""
        ...

    def settle_dead_letters(
        self, replayed: Sequence[int], still_rejected: Sequence[tuple[int, str, str]]
    ) -> None:
        """Delete replayed letters; give the others their new reason and count the attempt."""
        ...

    def row_counts(self) -> dict[str, int]:
        """Rows per table, for diagnostics and tests."""
        ...

    def ping(self) -> None:
        """Answer a trivial query, or raise ``StoreUnavailableError``."""
        ...

    def purge(self, rules: Sequence[RetentionRule], *, dry_run: bool = False) -> list[PurgeResult]:
        """Remove rows older than each rule's cut-off; a dry run only counts them."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...

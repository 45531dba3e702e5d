"""The rollup part of the store contract: per-machine buckets of KPI elements as integers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Grain = Literal["hour", "minute"]
HOUR_MS = 3_600_000
MINUTE_MS = 60_000

ROLLUP_COLUMNS: tuple[str, ...] = (
    "pot", "pdot", "pbt", "apt", "aust", "adet", "adot", "unknown",
    "pq", "gq", "sq", "rq", "ideal_ns", "ideal_good_ns", "micro_ms",
    "fe", "cmt", "pmt", "aoet", "psq_micro", "energy_wh", "scrap_cost_sen", "order_data",
    "sq_startup", "ideal_startup_ns", "energy_run_wh",
)  # fmt: skip
"""The integer columns of a rollup row, in storage order (``order_data`` is 0 or 1)."""


@dataclass(frozen=True, slots=True)
class RollupRow:
    """One bucket of one machine: integer values in ``ROLLUP_COLUMNS`` order."""

    machine_id: str
    start_ms: int
    values: tuple[int, ...]
    downtime: Mapping[tuple[str, str], int]
    """Availability-loss ms by (state, reason); reason '' when none was given."""


@dataclass(frozen=True, slots=True)
class RollupConfig:
    """What the rollups of a machine were computed with, and the reach of a write."""

    fingerprint: str
    state_margin_ms: int
    count_margin_ms: int
    sample_margin_ms: int


@dataclass(frozen=True, slots=True)
class RollupSum:
    """Summed valid buckets of one machine: how many there were, and the column sums.

    ``order_data`` holds the minimum, so 1 means every bucket had order data.
    """

    buckets: int
    values: tuple[int, ...]


@runtime_checkable
class RollupStore(Protocol):
    """Storage of KPI rollups; writes mark the touched buckets dirty in their transaction.

    A backend offers it beside `Store`; the KPI engine computes from raw records when the
    store it is given does not.
    """

    def rollup_configs(self) -> dict[str, RollupConfig]:
        """The configuration each machine's rollups were computed with."""
        ...

    def reset_rollups(self, machine_id: str, config: RollupConfig) -> None:
        """Drop a machine's rollups (its configuration changed) and record the new one."""
        ...

    def rollup_seq(self, machine_ids: Sequence[str]) -> dict[str, int]:
        """Each machine's write sequence number (0 before any write)."""
        ...

    def dirty_hours(
        self, machine_ids: Sequence[str] | None, start_ms: int, end_ms: int
    ) -> list[tuple[str, int]]:
        """Dirty (machine, hour start) pairs with start_ms <= hour < end_ms."""
        ...

    def save_rollups(
        self,
        hours: Sequence[RollupRow],
        minutes: Sequence[RollupRow],
        expected_seq: Mapping[str, int],
    ) -> set[str]:
        """Store buckets of machines whose write sequence is still the expected one.

        Saving an hour replaces its downtime rows and minute rows and clears its dirty
        mark. Returns the machines that were skipped because a write came in between.
        """
        ...

    def rollup_sums(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int, grain: Grain
    ) -> dict[str, RollupSum]:
        """Sums of each machine's valid (not dirty) buckets with start in [start, end)."""
        ...

    def rollup_starts(self, machine_id: str, start_ms: int, end_ms: int, grain: Grain) -> list[int]:
        """Starts of a machine's valid buckets in [start, end)."""
        ...

    def rollup_downtime(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int
    ) -> dict[tuple[str, str, str], int]:
        """Downtime ms by (machine, state, reason) over valid hours in [start, end)."""
        ...

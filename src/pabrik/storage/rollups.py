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


Hour = tuple[str, int]
"""A machine's hour: (machine id, hour start in epoch ms)."""


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
    energy_signal: str | None = None
    """The one signal whose samples a rollup reads; samples of others dirty nothing."""


@dataclass(frozen=True, slots=True)
class RollupSum:
    """Summed valid buckets of one machine: how many there were, and the column sums.

    ``order_data`` holds the minimum, so 1 means every bucket had order data.
    """

    buckets: int
    values: tuple[int, ...]


@runtime_checkable
class RollupStore(Protocol):
    """Storage of KPI rollups; writes mark the hours they reach dirty in their transaction.

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

    def claim_hours(self, hours: Sequence[Hour]) -> dict[Hour, int]:
        """Mark hours about to be computed from raw; return each one's generation.

        A claimed hour counts as dirty until it is saved. A write that reaches it moves its
        generation on, so the save of a computation that began before that write is refused.
        """
        ...

    def save_rollups(
        self, hours: Sequence[RollupRow], minutes: Sequence[RollupRow], claims: Mapping[Hour, int]
    ) -> set[Hour]:
        """Store the claimed hours whose generation is unchanged; return the others.

        Saving an hour replaces its row (none when it is not in ``hours``), its downtime
        rows and minute rows, and clears its dirty mark. Writes meanwhile to other hours, or
        of records no rollup reads, do not hold a save back.
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

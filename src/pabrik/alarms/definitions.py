"""Alarm definitions as data: what is watched, where, how urgently, and in which words."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from pabrik.model.fields import Identifier, StrictModel, Text
from pabrik.model.states import StateClass


class Priority(StrEnum):
    """How urgently an operator must act (ISA-18.2), most urgent first."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    DIAGNOSTIC = "diagnostic"


# By design an alarm means nothing while its machine is deliberately not producing.
DEFAULT_SUPPRESS = (StateClass.PLANNED_STOP, StateClass.CHANGEOVER)
_DELAY = Field(default=0.0, ge=0, le=86400)


class Scope(StrictModel):
    """Where a definition applies: a signal on some machines, narrowed by line or product."""

    machine: Identifier | None = None
    line: Identifier | None = None
    signal: Identifier | None = None
    product: Identifier | None = None
    """Only while the machine runs this product."""


class LimitCondition(StrictModel):
    """A value above a high limit (or below a low one), with deadband and delays."""

    kind: Literal["high", "low"]
    limit: float = Field(allow_inf_nan=False)
    deadband: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """The value must come back this far inside the limit before the alarm clears."""
    on_delay_s: float = _DELAY
    off_delay_s: float = _DELAY


class RateCondition(StrictModel):
    """A value changing faster than ``max_per_minute`` (either way) between two samples."""

    kind: Literal["rate"]
    max_per_minute: float = Field(gt=0, allow_inf_nan=False)
    on_delay_s: float = _DELAY
    off_delay_s: float = _DELAY


class StaleCondition(StrictModel):
    """No sample (or only bad ones) of a signal for ``max_age_s``."""

    kind: Literal["stale"]
    max_age_s: float = Field(gt=0, le=7 * 86400)


class LongStopCondition(StrictModel):
    """An unplanned stop that has lasted longer than ``minutes``."""

    kind: Literal["long_stop"]
    minutes: float = Field(gt=0, le=7 * 1440)


class IdleInShiftCondition(StrictModel):
    """A machine idle for longer than ``minutes`` inside a planned production shift."""

    kind: Literal["idle_in_shift"]
    minutes: float = Field(gt=0, le=1440)


class BehindTargetCondition(StrictModel):
    """At ``at_fraction`` of a shift, the shift's OEE or output is below its share of target."""

    kind: Literal["behind_target"]
    measure: Literal["oee", "output"]
    target: float = Field(gt=0, allow_inf_nan=False)
    """OEE as a fraction (0.65), or units for the whole shift."""
    at_fraction: float = Field(default=0.5, gt=0, le=1)


class AnomalyCondition(StrictModel):
    """An anomaly score in [0, 1] above ``threshold``; it turns detection on for its signal."""

    kind: Literal["anomaly"]
    threshold: float = Field(gt=0, lt=1)
    on_delay_s: float = _DELAY
    off_delay_s: float = _DELAY
    detector: Literal["context", "gaussian"] = "context"
    """The streaming detector scoring the signal on ingest (``context``: the default)."""
    with_signals: list[Identifier] = Field(default_factory=list, max_length=16)
    """More signals of the machine: one per-machine detector reads them with the scope's."""
    period_s: float = Field(default=1.0, ge=0.001, le=3600)
    """The detector reads one value per signal per period: the mean of its good samples."""


class DiskBudgetCondition(StrictModel):
    """The plant store's share of its disk budget at or above ``percent`` (built in)."""

    kind: Literal["disk_budget"]
    percent: float = Field(default=80, gt=0, le=100)


Condition = Annotated[
    LimitCondition
    | RateCondition
    | StaleCondition
    | LongStopCondition
    | IdleInShiftCondition
    | BehindTargetCondition
    | AnomalyCondition
    | DiskBudgetCondition,
    Field(discriminator="kind"),
]

# Conditions computed from a signal's samples need the signal named in the scope.
SIGNAL_KINDS = frozenset({"high", "low", "rate", "stale", "anomaly"})
# Kinds pabrik raises itself, for the whole plant; a site file cannot declare them.
BUILT_IN_KINDS = frozenset({"disk_budget"})


class AlarmDefinition(StrictModel):
    """One alarm as the site file declares it."""

    id: Identifier
    scope: Scope
    condition: Condition
    priority: Priority = Priority.LOW
    message: Text
    position: Identifier | None = None
    """The operator position that answers it (default: the machine's line)."""
    latched: bool = False
    """Stays until an operator resets it, even after the value returns to normal."""
    suppress_in: tuple[StateClass, ...] = DEFAULT_SUPPRESS
    """Machine states in which the alarm is suppressed by design."""
    enabled: bool = True

    @model_validator(mode="after")
    def _signal_when_needed(self) -> Self:
        if self.condition.kind in SIGNAL_KINDS and self.scope.signal is None:
            raise ValueError(f"a '{self.condition.kind}' alarm needs scope.signal")
        return self

    @property
    def kind(self) -> str:
        """The condition kind."""
        return self.condition.kind


class AlarmSettings(StrictModel):
    """The ``alarms`` section of a site file."""

    definitions: list[AlarmDefinition] = Field(default_factory=list)
    max_shelve_h: float = Field(default=8, gt=0, le=24 * 7)
    """The longest a shelve may last; every shelve expires by then at the latest."""

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [d.id for d in self.definitions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate alarm id(s): {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _no_built_in_kinds(self) -> Self:
        for d in self.definitions:
            if d.kind in BUILT_IN_KINDS:
                raise ValueError(f"alarm '{d.id}': a '{d.kind}' alarm is built in")
        return self

    @model_validator(mode="after")
    def _one_detector_per_signal(self) -> Self:
        # Where scopes only overlap, the first definition's detector scores the signal.
        seen: dict[Scope, tuple[str, tuple[str, ...], float]] = {}
        for d in self.definitions:
            c = d.condition
            if isinstance(c, AnomalyCondition) and d.enabled:
                setup = (c.detector, tuple(sorted(c.with_signals)), c.period_s)
                if seen.setdefault(d.scope, setup) != setup:
                    raise ValueError(
                        f"the anomaly alarms on signal '{d.scope.signal}' must name one detector"
                        " and the same with_signals and period_s (one detector scores a signal)"
                    )
        return self

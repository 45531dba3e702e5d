"""One alarm meets one input: the condition, its delays, suppression and shelf expiry.

The caller routes inputs (a sample, a score, a look at the machine) to the alarms they
concern and stores what comes back; this module decides everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pabrik.alarms import conditions as c
from pabrik.alarms.definitions import (
    AlarmDefinition,
    AnomalyCondition,
    BehindTargetCondition,
    DiskBudgetCondition,
    IdleInShiftCondition,
    LimitCondition,
    LongStopCondition,
    RateCondition,
    StaleCondition,
)
from pabrik.alarms.states import (
    Activate,
    AlarmStatus,
    Clear,
    Event,
    Expire,
    Release,
    Suppress,
    Transition,
    apply,
)
from pabrik.model.states import StateClass


@dataclass(frozen=True, slots=True)
class Tracked:
    """An alarm's whole runtime state: the ISA-18.2 status and its condition's memory."""

    status: AlarmStatus = field(default_factory=AlarmStatus)
    memory: c.Memory = field(default_factory=c.Memory)


@dataclass(frozen=True, slots=True)
class MachineView:
    """The machine as the alarm needs it at one instant."""

    at: datetime
    state: StateClass | None = None
    state_since: datetime | None = None
    product: str | None = None
    in_shift: bool = False
    shift_elapsed: float | None = None
    """Share of the running shift gone by; None outside a shift."""
    shift_actual: float | None = None
    """The running shift's OEE (fraction) or good output, as the definition measures."""


@dataclass(frozen=True, slots=True)
class Reading:
    """A sample value or an anomaly score of the alarm's signal."""

    at: datetime
    value: float
    good: bool = True


def tracked_for(definition: AlarmDefinition) -> Tracked:
    """A fresh alarm in normal state."""
    return Tracked(AlarmStatus(latching=definition.latched))


def delays(definition: AlarmDefinition) -> tuple[float, float]:
    """The condition's on- and off-delay in seconds (none for time conditions)."""
    cond = definition.condition
    # isinstance, not getattr with a default: a miss on a pydantic model raises inside it,
    # which cost ingest more than the rest of a reading's evaluation.
    if isinstance(cond, LimitCondition | RateCondition | AnomalyCondition):
        return cond.on_delay_s, cond.off_delay_s
    return 0.0, 0.0


def _applies(definition: AlarmDefinition, view: MachineView | None) -> bool:
    product = definition.scope.product
    return product is None or (view is not None and view.product == product)


def _reading_holds(definition: AlarmDefinition, t: Tracked, r: Reading) -> bool | None:
    if not r.good:
        return None
    match definition.condition:
        case LimitCondition() as cond:
            return c.limit_holds(cond, t.memory.raw, r.value)
        case RateCondition() as cond:
            return c.rate_holds(cond, t.memory, r.at, r.value)
        case AnomalyCondition() as cond:
            return c.anomaly_holds(cond, r.value)
        case DiskBudgetCondition() as cond:
            return c.disk_budget_holds(cond, r.value)
    return None


def _view_holds(definition: AlarmDefinition, t: Tracked, v: MachineView) -> bool | None:
    match definition.condition:
        case StaleCondition() as cond:
            return c.stale_holds(cond, t.memory.last_ts, v.at)
        case LongStopCondition() as cond:
            return c.long_stop_holds(cond, v.state, v.state_since, v.at)
        case IdleInShiftCondition() as cond:
            return c.idle_in_shift_holds(cond, v.state, v.state_since, v.in_shift, v.at)
        case BehindTargetCondition() as cond:
            if v.in_shift and v.shift_elapsed is None:
                return None  # a record's look carries no shift figure: the clock's tick judges
            judged = t.status.condition
            return c.behind_target_holds(cond, v.shift_elapsed, v.shift_actual, judged)
    return None


def _condition_events(
    definition: AlarmDefinition, t: Tracked, raw: bool | None, at: datetime, value: float | None
) -> tuple[c.Memory, list[Event]]:
    if raw is None:
        return t.memory, []
    memory = c.remember(t.memory, raw, at)
    active = c.delayed(t.status.condition, memory, at, *delays(definition))
    if active == t.status.condition:
        return memory, []
    return memory, [Activate(at, value) if active else Clear(at, value)]


def _run(
    t: Tracked, memory: c.Memory, events: list[Event], at: datetime
) -> tuple[Tracked, list[Transition]]:
    # Most inputs change nothing the operator sees; they skip the state machine.
    if t.status.shelf is not None:
        events = [*events, Expire(at)]
    if not events:
        return (t if memory is t.memory else Tracked(t.status, memory)), []
    status, out = t.status, []
    for event in events:
        status, transition = apply(status, event)
        if transition is not None:
            out.append(transition)
    return Tracked(status, memory), out


def _suppression(
    definition: AlarmDefinition, status: AlarmStatus, view: MachineView, at: datetime
) -> list[Event]:
    wanted = view.state in definition.suppress_in
    if wanted and not status.suppressed:
        return [Suppress(at)]
    if not wanted and status.suppressed:
        return [Release(at)]
    return []


def on_reading(
    definition: AlarmDefinition, t: Tracked, reading: Reading, view: MachineView | None = None
) -> tuple[Tracked, list[Transition]]:
    """A sample (or score) of the alarm's signal arrived (``view``: the machine at or before)."""
    raw = _reading_holds(definition, t, reading) if _applies(definition, view) else False
    memory, events = _condition_events(definition, t, raw, reading.at, reading.value)
    if reading.good:
        memory = c.Memory(memory.raw, memory.raw_since, reading.value, reading.at)
    if view is not None and (view.state in definition.suppress_in) != t.status.suppressed:
        events = _suppression(definition, t.status, view, reading.at) + events
    return _run(t, memory, events, reading.at)


def on_view(
    definition: AlarmDefinition, t: Tracked, view: MachineView
) -> tuple[Tracked, list[Transition]]:
    """Time passed or the machine changed: suppression, time conditions and shelf expiry."""
    raw = _view_holds(definition, t, view) if _applies(definition, view) else False
    memory, events = _condition_events(definition, t, raw, view.at, None)
    # A pending delayed condition may have matured without a new input.
    if raw is None and not events and t.memory.raw != t.status.condition:
        memory, events = _condition_events(
            definition, t, t.memory.raw, view.at, t.memory.last_value
        )
    suppression = _suppression(definition, t.status, view, view.at)
    return _run(t, memory, [*suppression, *events], view.at)

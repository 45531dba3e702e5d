"""What a terminal shows: the machine's state, product, time in state, shift target and actual.

The shift's figures come from the one measure function (``runtime/kpi/measure.py``); the
target is the planned busy time so far at the ideal cycle time (``runtime/kpi/targets.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pabrik.model.equipment import DowntimeReason, Product, QualityReason
from pabrik.model.errors import NotFoundError
from pabrik.model.site import Line, Machine
from pabrik.model.states import StateClass
from pabrik.model.windows import named_window
from pabrik.runtime.app import Runtime
from pabrik.runtime.kpi.measure import measure
from pabrik.runtime.kpi.targets import cycle_target
from pabrik.runtime.terminal.entries import is_manual, machine_of, manual_store, state_at
from pabrik.storage.manual import HandoverRow

NOTES_SHOWN = 3


@dataclass(frozen=True, slots=True)
class MachineTerminal:
    """One machine as its terminal shows it."""

    machine: Machine
    line_id: str
    state: StateClass
    reason: str | None
    product: Product
    since: datetime | None
    seconds_in_state: int | None
    automatic: bool
    shift_key: str
    shift_start: datetime
    target: int
    good: int
    scrap: int
    reasons: dict[StateClass, list[DowntimeReason]]
    scrap_reasons: list[QualityReason]
    notes: list[HandoverRow]


@dataclass(frozen=True, slots=True)
class LineTerminal:
    """A line's machines, each with its terminal view."""

    line: Line
    machines: list[MachineTerminal]


def _line_of(runtime: Runtime, machine_id: str) -> str:
    return next(ln.id for ln in runtime.plant.lines() if machine_id in {m.id for m in ln.machines})


def machine_reasons(runtime: Runtime, machine: Machine) -> dict[StateClass, list[DowntimeReason]]:
    """The machine's reasons by the state class they explain."""
    grouped: dict[StateClass, list[DowntimeReason]] = {}
    for reason_id in machine.reasons:
        reason = runtime.plant.reason(reason_id)
        if reason is not None:
            grouped.setdefault(reason.state, []).append(reason)
    return grouped


def machine_terminal(
    runtime: Runtime, machine_id: str, now: datetime | None = None
) -> MachineTerminal:
    """The terminal view of one machine at ``now``."""
    machine = machine_of(runtime, machine_id)
    at = now or runtime.now()
    current = state_at(runtime, machine_id, at)
    product = machine.product(current.product_id if current else None)
    shift = named_window(runtime.plant.calendar, "shift", at)
    total = measure(runtime.engine, machine_id, shift).total.elements
    target = cycle_target(total, machine, product.id)
    since = current.ts if current else None
    return MachineTerminal(
        machine=machine,
        line_id=_line_of(runtime, machine_id),
        state=current.state if current else StateClass.UNKNOWN,
        reason=current.reason if current else None,
        product=product,
        since=since,
        seconds_in_state=int((at - since).total_seconds()) if since else None,
        automatic=current is not None and not is_manual(current.source),
        shift_key=shift.start.isoformat(),
        shift_start=shift.start,
        target=target,
        good=total.gq,
        scrap=total.sq,
        reasons=machine_reasons(runtime, machine),
        scrap_reasons=runtime.plant.scrap_reasons_for(machine_id, product.id),
        notes=manual_store(runtime).handovers(machine_id, NOTES_SHOWN),
    )


def line_terminal(runtime: Runtime, line_id: str, now: datetime | None = None) -> LineTerminal:
    """The terminal view of every machine of a line."""
    line = next((ln for ln in runtime.plant.lines() if ln.id == line_id), None)
    if line is None:
        raise NotFoundError(f"line '{line_id}' not found", line_id=line_id)
    at = now or runtime.now()
    return LineTerminal(line, [machine_terminal(runtime, m.id, at) for m in line.machines])

"""A line's time cut into work, break and off-shift blocks from the plant calendar."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from pabrik.connectors.simulator.config import LineRoster
from pabrik.model.calendar import ShiftInstance, shift_instances
from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.model.shifts import Calendar, Weekday

_WEEKDAYS = list(Weekday)
_DAY = timedelta(days=1)


class BlockKind(StrEnum):
    """What the calendar says a line should be doing."""

    WORK = "work"
    BREAK = "break"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Block:
    """A calendar interval [start, end) in epoch ms; ``opens_shift`` marks a shift's first work."""

    start: int
    end: int
    kind: BlockKind
    opens_shift: bool = False


def staffed(instance: ShiftInstance, roster: LineRoster | None) -> bool:
    """Whether the line works this shift instance."""
    if roster is None:
        return True
    if roster.shifts is not None and instance.shift_id not in roster.shifts:
        return False
    day = _WEEKDAYS[instance.production_day.weekday()]
    return roster.days is None or day in roster.days


def _within(inst: ShiftInstance, start: int) -> Iterator[Block]:
    """Work and break blocks of one instance, from ``start`` on."""
    t = max(start, to_epoch_ms(inst.start))
    end = to_epoch_ms(inst.end)
    opens = t == to_epoch_ms(inst.start)
    for brk in inst.breaks:
        b_start, b_end = to_epoch_ms(brk.start), min(to_epoch_ms(brk.end), end)
        if b_start > t:
            yield Block(t, b_start, BlockKind.WORK, opens)
            opens = False
        if b_end > t:
            yield Block(max(t, b_start), b_end, BlockKind.BREAK)
            t = b_end
    if end > t:
        yield Block(t, end, BlockKind.WORK, opens)


def blocks(calendar: Calendar, roster: LineRoster | None, start: int) -> Iterator[Block]:
    """Contiguous blocks from ``start`` on, forever; overlapping shifts are merged in order."""
    t = start
    lo = from_epoch_ms(start)
    first = True
    while True:
        hi = lo + _DAY
        for inst in shift_instances(calendar, lo, hi):
            # Later windows take only instances starting in them: shifts last under a day,
            # so any other overlapping instance was taken by the window before.
            if not (first or inst.start >= lo) or not staffed(inst, roster):
                continue
            if to_epoch_ms(inst.start) > t:
                yield Block(t, to_epoch_ms(inst.start), BlockKind.OFF)
            for block in _within(inst, t):
                yield block
                t = block.end
        # Nothing else starts before ``hi``, so the rest of the window is off shift.
        if to_epoch_ms(hi) > t:
            yield Block(t, to_epoch_ms(hi), BlockKind.OFF)
            t = to_epoch_ms(hi)
        lo, first = hi, False

"""When the plant works: shifts with their breaks and weekdays, holidays, and line patterns."""

from __future__ import annotations

import zoneinfo
from datetime import date, time
from enum import StrEnum
from typing import Self

from pydantic import Field, field_validator, model_validator

from pabrik.model.fields import Identifier, StrictModel, Text


class Break(StrictModel):
    """A planned break inside a shift, in local wall-clock time."""

    name: Text | None = None
    start: time
    end: time


class Weekday(StrEnum):
    """Days of the week, ISO order."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class LineCalendar(StrictModel):
    """A line's own shift pattern: a subset of the plant's shifts and weekdays."""

    shifts: list[Identifier] | None = None
    days: list[Weekday] | None = None


class Shift(StrictModel):
    """A shift pattern in local time; an end before the start crosses midnight."""

    id: Identifier
    name: Text
    start: time
    end: time
    days: list[Weekday] = Field(default_factory=lambda: list(Weekday))
    breaks: list[Break] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("a shift must not start and end at the same time")
        return self


class Holidays(StrictModel):
    """Days without planned operation: a shipped national list plus the plant's own changes."""

    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """ISO 3166 code of a shipped holiday list (``ID``: Indonesia), or None for none."""
    extra: list[date] = Field(default_factory=list)
    """More days off (company holidays, cuti bersama the plant observes)."""
    working: list[date] = Field(default_factory=list)
    """Listed holidays on which the plant works anyway."""


class Calendar(StrictModel):
    """Shifts and the zone they are written in."""

    timezone: str = "Asia/Jakarta"
    shifts: list[Shift] = Field(min_length=1)
    holidays: Holidays = Holidays()

    @model_validator(mode="after")
    def _shifts_do_not_overlap(self) -> Self:
        conflict = _shift_overlap(self.shifts)
        if conflict:
            raise ValueError(conflict)
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown IANA time zone '{value}'") from err
        return value


_DAY_S = 24 * 3600
_WEEK_S = 7 * _DAY_S


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _weekly_spans(shift: Shift) -> list[tuple[int, int, Weekday]]:
    """The shift's spans in seconds of a local week (Monday 00:00 = 0), wrapping Sunday night."""
    start = _seconds(shift.start)
    length = (_seconds(shift.end) - start) % _DAY_S
    out: list[tuple[int, int, Weekday]] = []
    for day in shift.days:
        s = list(Weekday).index(day) * _DAY_S + start
        e = s + length
        out.append((s, min(e, _WEEK_S), day))
        if e > _WEEK_S:
            out.append((0, e - _WEEK_S, day))
    return out


def _clock(seconds: int) -> str:
    seconds %= _DAY_S
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def _shift_overlap(shifts: list[Shift]) -> str | None:
    """A description of the first two shifts whose weekly wall-clock spans overlap, if any."""
    spans = [(s, e, day, shift.id) for shift in shifts for s, e, day in _weekly_spans(shift)]
    spans.sort()
    for i, (s1, e1, day1, id1) in enumerate(spans):
        for s2, e2, _, id2 in spans[i + 1 :]:
            if s2 >= e1:
                break
            lo, hi = max(s1, s2), min(e1, e2)
            where = list(Weekday)[lo // _DAY_S].value
            names = f"'{id1}' and '{id2}'" if id1 != id2 else f"'{id1}' (started {day1.value})"
            return f"shifts {names} overlap on {where} from {_clock(lo)} to {_clock(hi)}"
    return None

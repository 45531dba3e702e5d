"""Builders shared by the calendar and window tests: instants, calendars, day and night shifts."""

from __future__ import annotations

from datetime import UTC, datetime, time

from pabrik.model.fields import Text
from pabrik.model.shifts import Break, Calendar, Shift


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def calendar(*shifts: Shift, zone: str = "Europe/Berlin") -> Calendar:
    """A calendar of the given shifts in a zone (Berlin by default, for DST cases)."""
    return Calendar(timezone=zone, shifts=list(shifts))


NIGHT = Shift(
    id="night",
    name=Text(id="Malam"),
    start=time(22),
    end=time(6),
    breaks=[Break(start=time(2), end=time(2, 30))],
)
DAY = Shift(
    id="day",
    name=Text(id="Pagi"),
    start=time(6),
    end=time(14),
    breaks=[Break(start=time(10), end=time(10, 30))],
)

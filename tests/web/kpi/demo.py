"""The demo plant as the test sees it: its scopes, and two fixed clocks with their windows.

Everything here is read from examples/demo-plant.yaml or written down from it by hand, never
computed by pabrik, so it can say what the right window is.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import yaml

from tests.paths import DEMO

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")

HISTORY_DAYS = 7
"""Simulated days before the earlier clock: enough for the 7-day window of both clocks."""


def _local(y: int, mo: int, d: int, h: int) -> datetime:
    return datetime(y, mo, d, h, tzinfo=JAKARTA)


@dataclass(frozen=True, slots=True)
class Clock:
    """A fixed "now" on the demo plant, with the shift the demo YAML runs at that moment."""

    name: str
    now: datetime
    shift: str
    production_day: date
    shift_start: datetime
    shift_end: datetime

    def bounds(self, window: str) -> tuple[datetime, datetime]:
        """A named window as the demo YAML defines it, independently of pabrik's code.

        A production day starts with the first shift (pagi, 07:00 WIB) and ends when the next
        day's starts; 7d and 30d are that many production days, today included.
        """
        if window == "shift":
            return self.shift_start, self.shift_end
        days = {"day": 1, "7d": 7, "30d": 30}[window]
        first = self.production_day - timedelta(days=days - 1)
        last = self.production_day + timedelta(days=1)
        return _day_start(first), _day_start(last)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(7), tzinfo=JAKARTA)


# Tuesday 11 March 2025, 10:30 WIB: inside the morning shift (pagi, 07:00-15:00).
MORNING = Clock(
    "morning",
    datetime(2025, 3, 11, 3, 30, tzinfo=UTC),
    "pagi",
    date(2025, 3, 11),
    _local(2025, 3, 11, 7),
    _local(2025, 3, 11, 15),
)
# The night before, 02:30 WIB: inside the night shift (malam, 23:00-07:00), which belongs to
# the production day on which it starts (Monday). Packaging runs no night shift.
NIGHT = Clock(
    "night",
    datetime(2025, 3, 10, 19, 30, tzinfo=UTC),
    "malam",
    date(2025, 3, 10),
    _local(2025, 3, 10, 23),
    _local(2025, 3, 11, 7),
)
CLOCKS = {c.name: c for c in (NIGHT, MORNING)}


def _hierarchy() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    lines_of: dict[str, list[str]] = {"plant": []}
    machines_of: dict[str, list[str]] = {}
    for area in doc["areas"]:
        lines_of[area["id"]] = [line["id"] for line in area["lines"]]
        lines_of["plant"] += lines_of[area["id"]]
        for line in area["lines"]:
            machines_of[line["id"]] = [m["id"] for m in line["machines"]]
    return lines_of, machines_of


LINES_OF, MACHINES_OF = _hierarchy()
AREAS = [s for s in LINES_OF if s != "plant"]
LINES = list(MACHINES_OF)
MACHINES = [m for line in LINES for m in MACHINES_OF[line]]
SCOPES = ["plant", *AREAS, *LINES, *MACHINES]

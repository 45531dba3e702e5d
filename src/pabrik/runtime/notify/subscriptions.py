"""What a user wants to hear: where, which priorities, quiet hours, language, digests, reports.

Old stored subscriptions lack the newer wishes (``cleared``); they read as the defaults.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pabrik.model.errors import InvalidRequestError
from pabrik.model.site import Plant
from pabrik.storage.notify import SubscriptionRow

LANGUAGES = ("id", "en", "ko")
PRIORITIES = ("high", "medium", "low", "diagnostic")


@dataclass(frozen=True, slots=True)
class Subscription:
    """One user's wishes on one channel; empty scope lists mean the whole plant."""

    username: str
    channel_id: str
    address: str = ""
    areas: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    machines: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ("high", "medium")
    quiet_start: str = ""
    """Local time (site zone) "HH:MM" when quiet hours begin; empty: none."""
    quiet_end: str = ""
    language: str = "id"
    reports: bool = False
    """Whether the shift report goes to this subscriber at each shift's end."""
    cleared: bool = False
    """Whether this subscriber also hears when an alarm returns to normal."""
    flood_over: int = 10
    """More than this many alarms within ``flood_minutes`` become one digest."""
    flood_minutes: int = 10
    enabled: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidRequestError("unknown language", reason="bad_language")
        if any(p not in PRIORITIES for p in self.priorities):
            raise InvalidRequestError("unknown priority", reason="bad_priority")
        for t in (self.quiet_start, self.quiet_end):
            if t:
                _clock(t)
        if self.flood_over < 1 or self.flood_minutes < 1:
            raise InvalidRequestError("flood limits are positive", reason="bad_flood")

    def covers(self, plant: Plant, machine_id: str) -> bool:
        """Whether ``machine_id`` is inside this subscription's areas, lines or machines."""
        if not (self.areas or self.lines or self.machines):
            return True
        if machine_id in self.machines:
            return True
        for area in plant.areas:
            for line in area.lines:
                if any(m.id == machine_id for m in line.machines):
                    return area.id in self.areas or line.id in self.lines
        return False

    def wants(self, plant: Plant, machine_id: str, priority: str) -> bool:
        """Whether an alarm of ``priority`` on ``machine_id`` goes to this subscriber."""
        return self.enabled and priority in self.priorities and self.covers(plant, machine_id)

    def quiet_until(self, at: datetime, zone: str) -> datetime | None:
        """The end of the quiet hours ``at`` falls in (UTC), or None outside quiet hours."""
        if not (self.quiet_start and self.quiet_end) or self.quiet_start == self.quiet_end:
            return None
        tz = ZoneInfo(zone)
        local = at.astimezone(tz)
        start, end = _clock(self.quiet_start), _clock(self.quiet_end)
        now = local.time()
        inside = start <= now < end if start < end else (now >= start or now < end)
        if not inside:
            return None
        day = local.date() if now < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError as err:
        raise InvalidRequestError("quiet hours read HH:MM", reason="bad_quiet") from err


def to_row(sub: Subscription, at: datetime) -> SubscriptionRow:
    """The stored form."""
    body = asdict(sub)
    for k in ("username", "channel_id", "address", "enabled"):
        body.pop(k)
    return SubscriptionRow(
        sub.username, sub.channel_id, sub.address, json.dumps(body, sort_keys=True), sub.enabled, at
    )


def from_row(row: SubscriptionRow) -> Subscription:
    """A subscription from its stored form."""
    body = json.loads(row.body_json)
    for k in ("areas", "lines", "machines", "priorities"):
        body[k] = tuple(body.get(k, ()))
    return Subscription(row.username, row.channel_id, row.address, enabled=row.enabled, **body)

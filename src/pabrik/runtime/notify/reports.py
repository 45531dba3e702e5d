"""Scheduled reports: at each shift's end, a report event enters the same outbox as alarms."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pabrik.model.calendar import shift_instances
from pabrik.model.site import Plant
from pabrik.storage.notify import NotifyEventRow, NotifyStore

LOOKBACK = timedelta(hours=2)
"""Shifts that ended this long ago still get their report (a sender that was down catches up)."""


def ended_shift_events(plant: Plant, now: datetime) -> list[NotifyEventRow]:
    """One report event per shift that ended within the look-back; ids are the shift keys."""
    out: list[NotifyEventRow] = []
    for shift in shift_instances(plant.calendar, now - LOOKBACK - timedelta(days=1), now):
        if now - LOOKBACK <= shift.end <= now:
            body = {"shift": shift.key, "day": shift.production_day.isoformat(),
                    "shift_id": shift.shift_id, "scope": "plant"}  # fmt: skip
            out.append(NotifyEventRow(f"report/{shift.key}", "report", shift.end,
                                      json.dumps(body, sort_keys=True)))  # fmt: skip
    return out


def schedule_reports(store: NotifyStore, plant: Plant, now: datetime) -> int:
    """Add the report events of shifts just ended (once each); how many were new."""
    events = ended_shift_events(plant, now)
    return store.add_notify_events(events) if events else 0

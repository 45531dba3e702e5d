"""Machine state classes and sample quality."""

from __future__ import annotations

from enum import StrEnum


class StateClass(StrEnum):
    """What a machine is doing, independent of its vendor's state codes."""

    RUNNING = "running"
    IDLE = "idle"
    CHANGEOVER = "changeover"
    PLANNED_STOP = "planned_stop"
    UNPLANNED_STOP = "unplanned_stop"
    UNKNOWN = "unknown"


class Quality(StrEnum):
    """Trust in a sample, mapped from the protocol status or from staleness."""

    GOOD = "good"
    UNCERTAIN = "uncertain"
    BAD = "bad"

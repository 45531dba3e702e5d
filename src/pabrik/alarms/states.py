"""The ISA-18.2 alarm state machine: a status, an event, the next status and its transition.

The status keeps the process condition, the acknowledgement and the latch apart from three
overlays that hide an alarm from the operator: shelved (by a person, always expiring),
suppressed by design (by the machine's state) and out of service (maintenance). While an
overlay hides the alarm its condition is still tracked; when the last overlay lifts, an alarm
whose condition still holds is announced again and must be acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class AlarmState(StrEnum):
    """What an operator sees of one alarm."""

    NORMAL = "normal"
    ACTIVE_UNACK = "active_unack"
    ACTIVE_ACK = "active_ack"
    RTN_UNACK = "rtn_unack"
    LATCHED = "latched"
    SHELVED = "shelved"
    SUPPRESSED = "suppressed"
    OUT_OF_SERVICE = "out_of_service"


# States that ask something of the operator, for banners and counts.
NEEDS_ATTENTION = frozenset(
    {AlarmState.ACTIVE_UNACK, AlarmState.ACTIVE_ACK, AlarmState.RTN_UNACK, AlarmState.LATCHED}
)


@dataclass(frozen=True, slots=True)
class Shelf:
    """Who shelved an alarm, why, and until when (a one-shot shelf also ends on return)."""

    by: str
    reason: str
    at: datetime
    until: datetime
    one_shot: bool = False


@dataclass(frozen=True, slots=True)
class Service:
    """Who took an alarm out of service, why, and when."""

    by: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AlarmStatus:
    """Everything the state machine remembers of one alarm."""

    latching: bool = False
    condition: bool = False
    acked: bool = True
    latch: bool = False
    shelf: Shelf | None = None
    suppressed: bool = False
    service: Service | None = None
    since: datetime | None = None
    value: float | None = None

    @property
    def hidden(self) -> bool:
        """Whether an overlay keeps the alarm from the operator."""
        return self.service is not None or self.suppressed or self.shelf is not None

    @property
    def state(self) -> AlarmState:
        """The state an operator sees, overlays first."""
        if self.service is not None:
            return AlarmState.OUT_OF_SERVICE
        if self.suppressed:
            return AlarmState.SUPPRESSED
        if self.shelf is not None:
            return AlarmState.SHELVED
        if self.condition:
            return AlarmState.ACTIVE_ACK if self.acked else AlarmState.ACTIVE_UNACK
        if self.latch:
            return AlarmState.LATCHED
        return AlarmState.NORMAL if self.acked else AlarmState.RTN_UNACK


@dataclass(frozen=True, slots=True)
class Activate:
    """The process condition began (after its on-delay)."""

    at: datetime
    value: float | None = None


@dataclass(frozen=True, slots=True)
class Clear:
    """The process condition ended (after deadband and off-delay)."""

    at: datetime
    value: float | None = None


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """An operator acknowledged (and, for a latched alarm, reset) it."""

    at: datetime
    by: str
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Shelve:
    """An operator shelved it until ``until``."""

    at: datetime
    by: str
    reason: str
    until: datetime
    one_shot: bool = False


@dataclass(frozen=True, slots=True)
class Unshelve:
    """An operator took it off the shelf early."""

    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Expire:
    """Time passed: a shelf whose time is up comes off."""

    at: datetime


@dataclass(frozen=True, slots=True)
class Suppress:
    """The machine entered a state in which the alarm means nothing."""

    at: datetime


@dataclass(frozen=True, slots=True)
class Release:
    """The machine left such a state."""

    at: datetime


@dataclass(frozen=True, slots=True)
class RemoveFromService:
    """Maintenance took the alarm out of service."""

    at: datetime
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReturnToService:
    """Maintenance put the alarm back in service."""

    at: datetime
    by: str


Event = (
    Activate
    | Clear
    | Acknowledge
    | Shelve
    | Unshelve
    | Expire
    | Suppress
    | Release
    | RemoveFromService
    | ReturnToService
)

EVENT_NAMES: dict[type, str] = {
    Activate: "activate",
    Clear: "clear",
    Acknowledge: "acknowledge",
    Shelve: "shelve",
    Unshelve: "unshelve",
    Expire: "expire",
    Suppress: "suppress",
    Release: "release",
    RemoveFromService: "remove",
    ReturnToService: "restore",
}
# Operator actions are recorded even when what the operator sees stays the same.
_ACTIONS = frozenset({Shelve, RemoveFromService})


@dataclass(frozen=True, slots=True)
class Transition:
    """One recorded step of an alarm: an event that changed what it shows or was an action."""

    at: datetime
    event: str
    before: AlarmState
    after: AlarmState
    by: str | None = None
    comment: str | None = None
    value: float | None = None
    occurrence: bool = False
    """True when the process condition was announced to the operator: one alarm, as counted."""


def _reveal(status: AlarmStatus) -> AlarmStatus:
    # The last overlay lifted: a condition that still holds is announced again.
    if status.hidden:
        return status
    return replace(status, acked=not status.condition)


def _activate(s: AlarmStatus, e: Activate) -> AlarmStatus:
    if s.condition:
        return s
    return replace(s, condition=True, since=e.at, value=e.value, acked=s.acked and s.hidden)


def _clear(s: AlarmStatus, e: Clear) -> AlarmStatus:
    if not s.condition:
        return s
    latch = s.latch or (s.latching and not s.hidden)
    cleared = replace(s, condition=False, value=e.value, latch=latch)
    if s.shelf is not None and s.shelf.one_shot:
        return _reveal(replace(cleared, shelf=None))
    return cleared


def _acknowledge(s: AlarmStatus, _e: Acknowledge) -> AlarmStatus:
    # On a latched alarm the acknowledgement is also the reset.
    if s.state in {AlarmState.ACTIVE_UNACK, AlarmState.RTN_UNACK, AlarmState.LATCHED}:
        return replace(s, acked=True, latch=False)
    return s


def _shelve(s: AlarmStatus, e: Shelve) -> AlarmStatus:
    if s.service is not None or e.until <= e.at:
        return s
    return replace(s, shelf=Shelf(e.by, e.reason, e.at, e.until, e.one_shot))


def _step(s: AlarmStatus, e: Event) -> AlarmStatus:  # noqa: PLR0911 - one arm per event
    match e:
        case Activate():
            return _activate(s, e)
        case Clear():
            return _clear(s, e)
        case Acknowledge():
            return _acknowledge(s, e)
        case Shelve():
            return _shelve(s, e)
        case Unshelve():
            return _reveal(replace(s, shelf=None)) if s.shelf is not None else s
        case Expire():
            expired = s.shelf is not None and e.at >= s.shelf.until
            return _reveal(replace(s, shelf=None)) if expired else s
        case Suppress():
            return s if s.suppressed else replace(s, suppressed=True)
        case Release():
            return _reveal(replace(s, suppressed=False)) if s.suppressed else s
        case RemoveFromService():
            return s if s.service else replace(s, service=Service(e.by, e.reason, e.at))
        case ReturnToService():
            return _reveal(replace(s, service=None)) if s.service is not None else s


def apply(status: AlarmStatus, event: Event) -> tuple[AlarmStatus, Transition | None]:
    """The status after ``event``, and the transition to record (None when nothing shows)."""
    after = _step(status, event)
    if after == status:
        return status, None
    if after.state is status.state and type(event) not in _ACTIONS:
        return after, None
    return after, Transition(
        at=event.at,
        event=EVENT_NAMES[type(event)],
        before=status.state,
        after=after.state,
        by=getattr(event, "by", None),
        comment=getattr(event, "comment", None) or getattr(event, "reason", None),
        value=getattr(event, "value", None),
        occurrence=isinstance(event, Activate) and after.state is AlarmState.ACTIVE_UNACK,
    )

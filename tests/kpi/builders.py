"""Small builders for records, shifts and machines used by the KPI tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pabrik.model.calendar import Interval, ShiftInstance
from pabrik.model.equipment import Product
from pabrik.model.fields import Text
from pabrik.model.records import CountRecord, StateRecord
from pabrik.model.site import Machine
from pabrik.model.states import StateClass

DAY0 = datetime(2024, 9, 3, tzinfo=UTC)
MIN = 60_000
HOUR = 60 * MIN

RUNNING = StateClass.RUNNING
IDLE = StateClass.IDLE
CHANGEOVER = StateClass.CHANGEOVER
PLANNED = StateClass.PLANNED_STOP
UNPLANNED = StateClass.UNPLANNED_STOP
UNKNOWN = StateClass.UNKNOWN


def at(hour: int = 0, minute: int = 0, second: int = 0, *, base: datetime = DAY0) -> datetime:
    """A UTC instant ``hour:minute:second`` after ``base`` (hours may pass 24)."""
    return base + timedelta(hours=hour, minutes=minute, seconds=second)


def machine(*cycle_times: str) -> Machine:
    """A machine whose products p0, p1, ... have the given ideal cycle times in seconds."""
    products = [
        Product(id=f"p{i}", name=Text(id=f"Produk {i}"), ideal_cycle_time_s=Decimal(ct))
        for i, ct in enumerate(cycle_times or ("1",))
    ]
    return Machine(id="press-1", name=Text(id="Press"), products=products)


def state(ts: datetime, cls: StateClass, reason: str | None = None) -> StateRecord:
    """A state record of the test machine."""
    return StateRecord(source="test", machine_id="press-1", ts=ts, state=cls, reason=reason)


def count(
    ts: datetime, good: int, scrap: int = 0, rework: int = 0, product: str | None = None
) -> CountRecord:
    """A delta count record of the test machine, stamped at the end of its period."""
    return CountRecord(
        source="test",
        machine_id="press-1",
        ts=ts,
        good=good,
        scrap=scrap,
        rework=rework,
        product_id=product,
    )


def shift(start: datetime, end: datetime, *breaks: tuple[datetime, datetime]) -> ShiftInstance:
    """A shift instance in UTC with its breaks."""
    return ShiftInstance(
        shift_id="s",
        production_day=start.date(),
        start=start,
        end=end,
        breaks=tuple(Interval(b0, b1) for b0, b1 in breaks),
    )


def window(start: datetime, end: datetime) -> Interval:
    """A query window."""
    return Interval(start, end)

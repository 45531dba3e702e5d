"""The long view: OEE week by week over twelve months, and the machines ranked by their OEE.

Every figure is an ``OeeView`` from the one measure function, so a week here is what the loss
page shows for the same production days (summed rollups, one definition of OEE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pabrik.model.fields import Text
from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.model.site import Machine
from pabrik.model.windows import Window, custom_window, days_window, production_day_of
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.measure import measure_scopes
from pabrik.runtime.kpi.summary import oee_view
from pabrik.runtime.kpi.views import OeeView

WEEKS = 52
"""Twelve months of weeks."""
_WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One week (Monday to Sunday, production days) of a scope."""

    monday: date
    view: OeeView


@dataclass(frozen=True, slots=True)
class RankRow:
    """One machine's figures over the whole trend."""

    machine_id: str
    name: Text
    view: OeeView


@dataclass(frozen=True, slots=True)
class Trend:
    """A scope's weeks with data, oldest first, and its machines from the highest OEE down."""

    scope: str
    window: Window
    weeks: list[WeekPoint]
    ranking: list[RankRow]


def trend_window(engine: KpiEngine, weeks: int = WEEKS) -> Window:
    """The ``weeks`` whole weeks up to and including this one, as production days."""
    calendar = engine.plant.calendar
    today = production_day_of(calendar, engine.clock())
    monday = today - timedelta(days=today.weekday())
    first = monday - (weeks - 1) * _WEEK
    return days_window(calendar, first, monday + timedelta(days=6), engine.clock())


def first_rolled(engine: KpiEngine, machines: list[Machine], window: Window) -> datetime | None:
    """The first hour of the window with a rollup of any of the machines: where data begins."""
    if engine.rollups is None:
        return None
    lo, hi = to_epoch_ms(window.start), to_epoch_ms(window.measured_end)
    starts = [engine.rollups.rollup_starts(m.id, lo, hi, "hour")[:1] for m in machines]
    found = [s[0] for s in starts if s]
    return from_epoch_ms(min(found)) if found else None


def oee_trend(engine: KpiEngine, scope: str, weeks: int = WEEKS) -> Trend:
    """OEE by week over ``weeks`` weeks, and the scope's machines ranked over that span."""
    # Weeks before the first rolled-up hour hold no data and are not measured (measuring
    # them would compute and store empty hours); the ranking covers the weeks measured.
    span = trend_window(engine, weeks)
    calendar = engine.plant.calendar
    machines = engine.machines(scope)
    begins = first_rolled(engine, machines, span) or span.now
    first = production_day_of(calendar, span.start)
    points: list[WeekPoint] = []
    measured: Window | None = None
    for n in range(weeks):
        monday = first + n * _WEEK
        week = days_window(calendar, monday, monday + timedelta(days=6), span.now)
        if week.is_future:
            break
        if week.end <= begins:
            continue
        measured = measured or week
        m = measure_scopes(engine, [scope], week, detail=False)[scope]
        points.append(WeekPoint(monday, oee_view(engine.plant, m)))
    ranked = custom_window((measured or span).start, span.end, span.now)
    each = measure_scopes(engine, [m.id for m in machines], ranked, detail=False)
    rows = [RankRow(m.id, m.name, oee_view(engine.plant, each[m.id])) for m in machines]
    rows.sort(key=lambda r: (r.view.oee.value is None, -(r.view.oee.value or 0), r.machine_id))
    return Trend(scope, ranked, points, rows)

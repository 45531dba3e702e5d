"""A one-machine plant for the rollup tests, minutes from a fixed start, and a claimed save."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pabrik.model.equipment import Product, Signal, SignalKind
from pabrik.model.fields import Text
from pabrik.model.shifts import Break, Calendar, Shift
from pabrik.model.site import Area, IngestLimits, KpiSettings, Line, Machine, Plant, SiteInfo
from pabrik.storage.rollups import HOUR_MS, Hour, RollupRow, RollupStore

T0 = datetime(2025, 1, 6, tzinfo=UTC)
NOW = T0 + timedelta(days=3)


def rollup_plant(
    micro_s: float = 60, debounce_s: float = 10, period_s: float = 300, startup_s: float = 1800
) -> Plant:
    machine = Machine(
        id="m1",
        name=Text(id="M1"),
        products=[
            Product(id="a", name=Text(id="A"), ideal_cycle_time_s="1.5"),  # type: ignore[arg-type]
            Product(id="b", name=Text(id="B"), ideal_cycle_time_s="0.225"),  # type: ignore[arg-type]
        ],
        signals=[Signal(id="kwh", name=Text(id="kWh"), unit="kWh", kind=SignalKind.COUNTER)],
        energy_signal="kwh",
    )
    shifts = [
        Shift(id="pagi", name=Text(id="Pagi"), start="07:00", end="15:00",  # type: ignore[arg-type]
              breaks=[Break(start="11:30", end="12:00")]),  # type: ignore[arg-type]
        Shift(id="malam", name=Text(id="Malam"), start="23:00", end="07:00"),  # type: ignore[arg-type]
    ]  # fmt: skip
    return Plant(
        site=SiteInfo(id="s", name="S"),
        areas=[
            Area(
                id="a",
                name=Text(id="A"),
                lines=[Line(id="l", name=Text(id="L"), machines=[machine])],
            )
        ],
        calendar=Calendar(timezone="Asia/Jakarta", shifts=shifts),
        limits=IngestLimits(micro_stop_s=micro_s),
        kpi=KpiSettings(debounce_s=debounce_s, count_period_s=period_s, startup_window_s=startup_s),
    )


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def save(
    store: RollupStore, hours: Sequence[RollupRow], minutes: Sequence[RollupRow] = ()
) -> set[Hour]:
    """Claim the rows' hours and save them, as the KPI engine does around a recompute."""
    keys = {(r.machine_id, r.start_ms) for r in hours}
    keys |= {(r.machine_id, r.start_ms - r.start_ms % HOUR_MS) for r in minutes}
    return store.save_rollups(hours, minutes, store.claim_hours(sorted(keys)))

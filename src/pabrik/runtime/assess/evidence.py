"""Observe the connected plant: what share is connected, how fresh and deep its data is."""

from __future__ import annotations

from datetime import datetime, timedelta

from pabrik.assessment.evidence import PlantObservation
from pabrik.model.equipment import SignalKind
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.storage.store import Store

RECENT = timedelta(hours=24)
WEEK = timedelta(days=7)
HISTORY_PROBES_DAYS = (365, 180, 90, 30, 7, 1)
LIVE = timedelta(minutes=15)


def _recent_ts(store: Store, machine_id: str, now: datetime) -> datetime | None:
    """The newest state or count time of a machine within the last day."""
    start = now - RECENT
    times = [s.ts for s in store.states(machine_id, start, now) if start <= s.ts <= now]
    times += [c.ts for c in store.counts(machine_id, start, now)]
    return max(times, default=None)


def _history_days(store: Store, plant: Plant, now: datetime) -> float:
    """How far back state data goes, probed at a few depths."""
    for days in HISTORY_PROBES_DAYS:
        probe = now - timedelta(days=days)
        for m in plant.machines():
            if any(s.ts < probe for s in store.states(m.id, probe, probe)):
                return float(days)
    return 0.0


def _newest_state(store: Store, plant: Plant, now: datetime) -> datetime | None:
    """The newest state time of any machine (the store returns the record before ``now``)."""
    times = [s.ts for m in plant.machines() for s in store.states(m.id, now, now) if s.ts <= now]
    return max(times, default=None)


def _recency(newest: datetime | None, now: datetime) -> int:
    """Data age as 0 (no data) to 4 (minutes old), matching the model's evidence bands."""
    if newest is None:
        return 0
    age = now - newest
    if age <= LIVE:
        return 4
    if age <= RECENT:
        return 3
    return 2 if age <= WEEK else 1


def _has_maintenance_kpis(store: Store, plant: Plant, now: datetime, history: float) -> bool:
    """MTBF and MTTR need a week of states in which unplanned stops carry a reason."""
    if history < 7:
        return False
    for m in plant.machines():
        states = store.states(m.id, now - WEEK, now)
        if any(s.state is StateClass.UNPLANNED_STOP and s.reason for s in states):
            return True
    return False


def _alarm_share(plant: Plant) -> float:
    analog = [s for m in plant.machines() for s in m.signals if s.kind is not SignalKind.COUNTER]
    if not analog:
        return 0.0
    return sum(1 for s in analog if s.low is not None or s.high is not None) / len(analog)


def observe_plant(store: Store, plant: Plant, now: datetime) -> PlantObservation:
    """What the store and the site configuration show about the plant at ``now``."""
    machines = plant.machines()
    newest: list[datetime] = []
    oee_auto = 0
    for m in machines:
        ts = _recent_ts(store, m.id, now)
        if ts is not None:
            newest.append(ts)
        has_states = any(s.ts >= now - RECENT for s in store.states(m.id, now - RECENT, now))
        if has_states and store.counts(m.id, now - RECENT, now):
            oee_auto += 1
    history = _history_days(store, plant, now)
    last_state = _newest_state(store, plant, now)
    latest = max([*newest, *([last_state] if last_state else [])], default=None)
    total = len(machines) or 1
    return PlantObservation(
        machines=len(machines),
        connected_share=len(newest) / total,
        oee_auto_share=oee_auto / total,
        data_recency=_recency(latest, now),
        alarm_share=_alarm_share(plant),
        maintenance_kpis=_has_maintenance_kpis(store, plant, now, history),
        history_days=history,
    )

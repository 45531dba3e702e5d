"""A run of readings taken at once gives exactly what ``on_reading`` gives on each in turn."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.alarms.conditions import Memory
from pabrik.alarms.definitions import AlarmDefinition
from pabrik.alarms.evaluation import MachineView, Reading, Tracked, on_reading
from pabrik.alarms.runs import Readings, from_us, on_readings
from pabrik.alarms.states import Transition
from pabrik.model.states import StateClass
from tests.alarms.strategies import T0, T0_US, tracked

LIMIT = 50.0

delays = st.sampled_from([0.0, 0.0, 0.5, 2.0, 5.0, 30.0])
conditions = st.one_of(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["high", "low"]),
            "limit": st.just(LIMIT),
            "deadband": st.sampled_from([0.0, 0.5, 3.0]),
            "on_delay_s": delays,
            "off_delay_s": delays,
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("rate"),
            "max_per_minute": st.sampled_from([10.0, 600.0, 6000.0]),
            "on_delay_s": delays,
            "off_delay_s": delays,
        }
    ),
    st.fixed_dictionaries({"kind": st.just("stale"), "max_age_s": st.just(60.0)}),
    st.fixed_dictionaries({"kind": st.just("anomaly"), "threshold": st.just(0.5)}),
)


@st.composite
def definitions(draw: st.DrawFn) -> AlarmDefinition:
    scope: dict[str, Any] = {"machine": "m1", "signal": "temp"}
    if draw(st.booleans()):
        scope["product"] = "cap"
    data: dict[str, Any] = {
        "id": "a",
        "scope": scope,
        "condition": draw(conditions),
        "message": {"id": "x"},
        "latched": draw(st.booleans()),
    }
    if draw(st.booleans()):
        data["suppress_in"] = ["idle"]
    return AlarmDefinition.model_validate(data)


views = st.one_of(
    st.none(),
    st.builds(
        lambda state, product: MachineView(T0, state, T0, product),
        st.sampled_from([StateClass.RUNNING, StateClass.IDLE, None]),
        st.sampled_from(["cap", "bottle", None]),
    ),
)


# The edges themselves (limit, limit -/+ deadband) come up often, as steady readings do.
EDGES = [LIMIT + e for e in (-3.0, -0.5, 0.0, 0.5, 3.0)]
values = st.one_of(st.sampled_from(EDGES), st.floats(LIMIT - 5, LIMIT + 5, width=16))


@st.composite
def runs(draw: st.DrawFn, view: MachineView | None) -> Readings:
    run = Readings(view)
    us = T0_US
    for _ in range(draw(st.integers(0, 40))):
        # Whole milliseconds as rows carry, now and then sub-millisecond or equal instants.
        us += draw(st.sampled_from([0, 1, 250, 1000, 100_000, 1_000_000, 4_000_000, 60_000_000]))
        run.at_us.append(us)
        run.values.append(draw(values))
        run.good.append(draw(st.integers(0, 5)) > 0)
    return run


def one_by_one(d: AlarmDefinition, t: Tracked, run: Readings) -> tuple[Tracked, list[Transition]]:
    out: list[Transition] = []
    for us, value, good in zip(run.at_us, run.values, run.good, strict=True):
        t, ts = on_reading(d, t, Reading(from_us(us), value, good), run.view)
        out += ts
    return t, out


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_run_of_readings_equals_each_reading_in_turn(data: st.DataObject) -> None:
    d = data.draw(definitions())
    t = data.draw(tracked(d.latched))
    run = data.draw(runs(data.draw(views)))
    assert on_readings(d, t, run) == one_by_one(d, t, run)


def test_a_quiet_run_keeps_only_its_last_good_reading_and_the_raw_change() -> None:
    d = AlarmDefinition.model_validate(
        {
            "id": "a",
            "scope": {"machine": "m1", "signal": "temp"},
            "condition": {"kind": "high", "limit": 55, "deadband": 2, "on_delay_s": 120},
            "message": {"id": "x"},
        }
    )
    run = Readings(
        None, [T0_US, T0_US + 1000, T0_US + 2000], [40.0, 60.0, 70.0], [True, True, False]
    )
    t, out = on_readings(d, Tracked(), run)
    assert out == []
    assert t.memory == Memory(True, from_us(T0_US + 1000), 60.0, from_us(T0_US + 1000))

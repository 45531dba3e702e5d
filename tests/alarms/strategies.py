"""Hypothesis strategies for alarm states, shared by the run and batch-row equivalence tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from pabrik.alarms.conditions import Memory
from pabrik.alarms.evaluation import Tracked
from pabrik.alarms.runs import at_us, from_us
from pabrik.alarms.states import AlarmStatus, Shelf

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
T0_US = at_us(T0)

instants = st.one_of(st.none(), st.integers(-120_000_000, 0).map(lambda us: from_us(T0_US + us)))


@st.composite
def tracked(draw: st.DrawFn, latching: bool) -> Tracked:
    shelf = None
    if draw(st.integers(0, 4)) == 0:
        until = from_us(T0_US + draw(st.integers(0, 20_000_000)))
        shelf = Shelf("ani", "noise", T0 - timedelta(minutes=5), until, draw(st.booleans()))
    status = AlarmStatus(
        latching=latching,
        condition=draw(st.booleans()),
        acked=draw(st.booleans()),
        latch=draw(st.booleans()),
        shelf=shelf,
        suppressed=draw(st.booleans()),
        since=draw(instants),
        value=draw(st.one_of(st.none(), st.floats(0, 100))),
    )
    memory = Memory(
        draw(st.booleans()),
        draw(instants),
        draw(st.one_of(st.none(), st.floats(0, 100))),
        draw(instants),
    )
    return Tracked(status, memory)

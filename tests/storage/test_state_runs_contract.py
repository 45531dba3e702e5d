"""``state_runs`` gives, on SQLite and PostgreSQL, what walking ``states`` back gave per machine.

The reference is the alarm service's per-machine view before ``state_runs``
(tests/storage/state_walk.py).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.model.records import StateRecord
from pabrik.model.states import StateClass
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import StateRun
from tests.storage.state_walk import LOOK_BACK, walked

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
Backend = SqliteStore | PostgresStore
_MACHINES = itertools.count()
_STATES = [StateClass.RUNNING, StateClass.IDLE, StateClass.UNPLANNED_STOP]


def _check(store: Backend, machines: list[str], at: datetime) -> None:
    for before in (True, False):
        # The service reads the record at ``at`` itself when ``at`` is past its millisecond.
        with_end = not before or at.microsecond % 1000 != 0
        runs = store.state_runs(machines, at, at - LOOK_BACK[-1], with_end=with_end)
        want = {m: walked(store, m, at, before=before) for m in machines}
        assert runs == {m: w for m, w in want.items() if w is not None}, (at, before)


# Instants in whole milliseconds over three days, bunched so that ties, the hour and the
# day bounds all come up; sources and products vary so ties and products are told apart.
_offsets = st.one_of(
    st.integers(0, 3 * 86_400_000),
    st.sampled_from([0, 1, 2, 3_600_000, 3_600_001, 86_400_000, 86_400_001, 90_000_000]),
)
_record = st.tuples(
    _offsets, st.sampled_from("abc"), st.sampled_from(_STATES), st.sampled_from([None, "p1"])
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    histories=st.lists(st.lists(_record, max_size=12), min_size=1, max_size=3),
    ats=st.lists(
        st.tuples(
            st.one_of(st.integers(0, 4 * 86_400_000), st.sampled_from([3_600_000, 86_400_002])),
            st.sampled_from([0, 0, 1, 999]),
        ),
        min_size=1,
        max_size=4,
    ),
    picks=st.lists(st.integers(0, 11), max_size=3),
)
def test_state_runs_are_the_walk_back_through_states(
    store: Backend,
    histories: list[list[tuple[int, str, StateClass, str | None]]],
    ats: list[tuple[int, int]],
    picks: list[int],
) -> None:
    machines = [f"m{next(_MACHINES)}" for _ in histories]
    records = [
        StateRecord(source, m, T0 + timedelta(milliseconds=ms), state, product_id=product)
        for m, history in zip(machines, histories, strict=True)
        for ms, source, state, product in history
    ]
    store.write(records)
    instants = [T0 + timedelta(milliseconds=ms, microseconds=us) for ms, us in ats]
    # Exactly at a record, and just past it within its millisecond.
    for i in picks:
        if records:
            ts = records[i % len(records)].ts
            instants += [ts, ts + timedelta(microseconds=500)]
    for at in instants:
        _check(store, [*machines, "nobody"], at)


def test_a_long_run_is_followed_back_to_the_last_record_before_start(store: Backend) -> None:
    hours = [
        StateRecord("a", "long", T0 + timedelta(hours=h), StateClass.RUNNING) for h in range(50)
    ]
    store.write([StateRecord("a", "long", T0 - timedelta(hours=1), StateClass.IDLE), *hours])
    at = T0 + timedelta(hours=60)
    runs = store.state_runs(["long"], at, at - timedelta(days=1))
    # The run began at T0, but it is followed back only to the last record before the day.
    assert runs == {"long": StateRun(StateClass.RUNNING, None, T0 + timedelta(hours=35))}
    assert runs["long"] == walked(store, "long", at, before=True)
    assert store.state_runs([], at, at) == {}

"""The ISA-18.2 state machine: worked sequences and properties over random event streams."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.alarms.states import (
    Acknowledge,
    Activate,
    AlarmState,
    AlarmStatus,
    Clear,
    Event,
    Expire,
    Release,
    RemoveFromService,
    ReturnToService,
    Shelve,
    Suppress,
    Transition,
    Unshelve,
    apply,
)

A = AlarmState
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def run(status: AlarmStatus, events: list[Event]) -> tuple[AlarmStatus, list[Transition]]:
    out = []
    for e in events:
        status, t = apply(status, e)
        if t is not None:
            out.append(t)
    return status, out


def test_alarm_goes_active_unack_then_ack_then_normal() -> None:
    events: list[Event] = [Activate(at(0), 91.0), Acknowledge(at(5), "budi", "cek"), Clear(at(9))]
    s, ts = run(AlarmStatus(), events)
    assert [t.after for t in ts] == [A.ACTIVE_UNACK, A.ACTIVE_ACK, A.NORMAL]
    assert ts[0].occurrence
    assert ts[0].value == 91.0
    assert ts[1].by == "budi"
    assert ts[1].comment == "cek"
    assert s.state is AlarmState.NORMAL


def test_unacknowledged_alarm_that_returns_waits_for_ack() -> None:
    s, _ts = run(AlarmStatus(), [Activate(at(0)), Clear(at(3))])
    assert s.state is AlarmState.RTN_UNACK
    s, _ = apply(s, Acknowledge(at(4), "sari"))
    assert s.state is AlarmState.NORMAL


def test_latched_alarm_stays_until_reset() -> None:
    s, _ = run(AlarmStatus(latching=True), [Activate(at(0)), Acknowledge(at(1), "a"), Clear(at(2))])
    assert s.state is AlarmState.LATCHED
    s, t = apply(s, Acknowledge(at(3), "a"))
    assert s.state is AlarmState.NORMAL
    assert t is not None
    assert t.before is AlarmState.LATCHED


def test_shelved_alarm_is_hidden_then_announced_when_the_shelf_expires() -> None:
    s, ts = run(
        AlarmStatus(),
        [Shelve(at(0), "sari", "sensor diganti", at(600)), Activate(at(10)), Expire(at(300))],
    )
    assert s.state is AlarmState.SHELVED
    assert [t.event for t in ts] == ["shelve"]
    s, t = apply(s, Expire(at(600)))
    assert s.state is AlarmState.ACTIVE_UNACK
    assert t is not None
    assert t.event == "expire"
    assert not t.occurrence


def test_one_shot_shelf_ends_when_the_alarm_returns() -> None:
    s, _ = run(AlarmStatus(), [Activate(at(0)), Shelve(at(1), "a", "r", at(3600), one_shot=True)])
    s, _t = apply(s, Clear(at(5)))
    assert s.state is AlarmState.NORMAL
    assert s.shelf is None


def test_suppressed_by_design_then_released_while_active() -> None:
    _s, ts = run(AlarmStatus(), [Suppress(at(0)), Activate(at(1)), Release(at(2))])
    assert [t.after for t in ts] == [AlarmState.SUPPRESSED, AlarmState.ACTIVE_UNACK]
    assert not any(t.occurrence for t in ts)


def test_out_of_service_outranks_everything_and_needs_a_person_to_end() -> None:
    s, _ = run(
        AlarmStatus(),
        [RemoveFromService(at(0), "teknisi", "kalibrasi"), Activate(at(1)), Expire(at(99999))],
    )
    assert s.state is AlarmState.OUT_OF_SERVICE
    s, _ = apply(s, ReturnToService(at(2), "teknisi"))
    assert s.state is AlarmState.ACTIVE_UNACK


def test_a_shelf_that_ends_before_it_starts_is_refused() -> None:
    s, t = apply(AlarmStatus(), Shelve(at(10), "a", "r", at(10)))
    assert t is None
    assert s.shelf is None


def _events() -> st.SearchStrategy[list[Event]]:
    step = st.integers(min_value=0, max_value=120)
    kinds = st.sampled_from(
        ["act", "clr", "ack", "shelve", "shelve1", "unshelve", "expire", "sup", "rel", "oos", "ret"]
    )
    return st.lists(st.tuples(step, kinds, st.integers(1, 900)), max_size=40).map(_build)


def _event(kind: str, t: datetime, length: int) -> Event:
    until = t + timedelta(seconds=length)
    match kind:
        case "act":
            return Activate(t, 1.0)
        case "clr":
            return Clear(t, 0.0)
        case "ack":
            return Acknowledge(t, "op")
        case "shelve" | "shelve1":
            return Shelve(t, "op", "why", until, one_shot=kind == "shelve1")
        case "unshelve":
            return Unshelve(t, "op")
        case "expire":
            return Expire(t)
        case "sup":
            return Suppress(t)
        case "rel":
            return Release(t)
        case "oos":
            return RemoveFromService(t, "tech", "maint")
    return ReturnToService(t, "tech")


def _build(raw: list[tuple[int, str, int]]) -> list[Event]:
    out: list[Event] = []
    now = 0.0
    for dt, kind, length in raw:
        now += dt
        out.append(_event(kind, at(now), length))
    return out


@settings(max_examples=150, deadline=None)
@given(_events(), st.booleans())
def test_transitions_chain_and_match_the_status(events: list[Event], latching: bool) -> None:
    status = AlarmStatus(latching=latching)
    seen = status.state
    for e in events:
        before = status
        status, t = apply(status, e)
        if t is not None:
            assert t.before is seen
            assert t.after is status.state
            seen = t.after
        else:
            # Nothing recorded means nothing the operator sees changed.
            assert status.state is before.state
    assert status.state is seen


@settings(max_examples=150, deadline=None)
@given(_events())
def test_hidden_alarms_never_count_and_acks_never_change_the_process(events: list[Event]) -> None:
    status = AlarmStatus()
    for e in events:
        before = status
        status, t = apply(status, e)
        if isinstance(e, Acknowledge):
            assert status.condition == before.condition
        if t is not None and t.occurrence:
            assert not before.hidden
            assert not before.condition
            assert isinstance(e, Activate)


@settings(max_examples=150, deadline=None)
@given(_events(), st.integers(0, 10**6))
def test_every_shelf_expires(events: list[Event], later: int) -> None:
    status = AlarmStatus()
    for e in events:
        status, _ = apply(status, e)
    if status.shelf is not None:
        status, _ = apply(status, Expire(status.shelf.until + timedelta(seconds=later)))
    assert status.shelf is None
    assert status.state is not AlarmState.SHELVED


@settings(max_examples=150, deadline=None)
@given(_events())
def test_normal_means_quiet_and_unhidden(events: list[Event]) -> None:
    status = AlarmStatus(latching=True)
    for e in events:
        status, _ = apply(status, e)
        quiet = not status.condition and status.acked and not status.latch and not status.hidden
        assert (status.state is AlarmState.NORMAL) == quiet

"""Properties of the time model and OEE that must hold for any data."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.kpi.account import TimeAccount
from pabrik.kpi.losses import loss_breakdown
from pabrik.kpi.oee import combined_oee, oee
from pabrik.kpi.quantities import Period, planned_in, window_part
from pabrik.kpi.timemodel import account
from pabrik.model.calendar import Interval, ShiftInstance
from pabrik.model.records import CountRecord, StateRecord
from pabrik.model.states import StateClass

from .builders import DAY0, MIN, UNKNOWN, count, machine, shift, state

T = 12 * 60  # window length in minutes
M = machine("1.5", "30")
FAST = settings(max_examples=60, deadline=None)


def _t(minutes: int, base: datetime = DAY0) -> datetime:
    return base + timedelta(minutes=minutes)


@st.composite
def _shifts(draw: st.DrawFn, lo: int, hi: int) -> list[ShiftInstance]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(lo, hi - 1))
        end = draw(st.integers(start + 1, hi))
        breaks = []
        for _ in range(draw(st.integers(0, 2))):
            b0 = draw(st.integers(start, end - 1))
            b1 = draw(st.integers(b0 + 1, end))
            breaks.append((_t(b0), _t(b1)))
        out.append(shift(_t(start), _t(end), *breaks))
    return out


def _states(lo: int, hi: int) -> st.SearchStrategy[list[StateRecord]]:
    one = st.builds(
        lambda m, cls, reason: state(_t(m), cls, reason),
        st.integers(lo, hi),
        st.sampled_from(list(StateClass)),
        st.sampled_from([None, "jam", "die"]),
    )
    return st.lists(one, max_size=12).map(lambda xs: sorted(xs, key=lambda r: r.ts))


def _counts(lo: int, hi: int) -> st.SearchStrategy[list[CountRecord]]:
    one = st.builds(
        lambda m, g, s, r, p: count(_t(m), g, s, r, p),
        st.integers(lo, hi),
        st.integers(0, 400),
        st.integers(0, 20),
        st.integers(0, 20),
        st.sampled_from([None, "p0", "p1"]),
    )
    return st.lists(one, max_size=8)


_micro = st.integers(0, 5).map(lambda m: m * MIN)


def _same(a: TimeAccount, b: TimeAccount) -> None:
    assert a.elements == b.elements
    assert a.downtime_ms == b.downtime_ms
    assert a.micro_stop_time_ms == b.micro_stop_time_ms


@FAST
@given(
    shifts=_shifts(-120, T + 120),
    states=_states(-60, T + 60),
    counts=_counts(-60, T + 60),
    mid=st.integers(0, T),
    micro=_micro,
)
def test_splitting_a_window_in_two_sums_to_the_whole_window(
    shifts: list[ShiftInstance],
    states: list[StateRecord],
    counts: list[CountRecord],
    mid: int,
    micro: int,
) -> None:
    def acc(a: int, b: int) -> TimeAccount:
        return account(Interval(_t(a), _t(b)), shifts, states, counts, M, micro_stop_ms=micro)

    _same(acc(0, mid) + acc(mid, T), acc(0, T))


@FAST
@given(
    shifts_a=_shifts(0, T),
    shifts_b=_shifts(0, T),
    states_a=_states(0, T - 1),
    states_b=_states(0, T - 1),
    counts_a=_counts(1, T),
    counts_b=_counts(1, T),
    micro=_micro,
)
def test_oee_of_two_machines_summed_equals_oee_of_their_data_end_to_end(
    shifts_a: list[ShiftInstance],
    shifts_b: list[ShiftInstance],
    states_a: list[StateRecord],
    states_b: list[StateRecord],
    counts_a: list[CountRecord],
    counts_b: list[CountRecord],
    micro: int,
) -> None:
    """Machine B's data is moved to follow A's; each stream ends in an explicit unknown."""
    end_a, end_b = [state(_t(T), UNKNOWN)], [state(_t(T), UNKNOWN)]
    win = Interval(_t(0), _t(T))
    a = account(win, shifts_a, states_a + end_a, counts_a, M, micro_stop_ms=micro)
    b = account(win, shifts_b, states_b + end_b, counts_b, M, micro_stop_ms=micro)

    later = timedelta(minutes=T)
    moved_shifts = [
        ShiftInstance(
            s.shift_id,
            s.production_day,
            s.start + later,
            s.end + later,
            tuple(Interval(x.start + later, x.end + later) for x in s.breaks),
        )
        for s in shifts_b
    ]
    moved_states = [state(r.ts + later, r.state, r.reason) for r in states_b + end_b]
    moved_counts = [count(c.ts + later, c.good, c.scrap, c.rework, c.product_id) for c in counts_b]
    both = account(
        Interval(_t(0), _t(2 * T)),
        shifts_a + moved_shifts,
        states_a + end_a + moved_states,
        counts_a + moved_counts,
        M,
        micro_stop_ms=micro,
    )

    _same(a + b, both)
    assert combined_oee([a.elements, b.elements]) == oee(both.elements)


@FAST
@given(shifts=_shifts(-60, T + 60), states=_states(-60, T), counts=_counts(0, T), micro=_micro)
def test_availability_quality_and_oee_stay_within_zero_and_one(
    shifts: list[ShiftInstance], states: list[StateRecord], counts: list[CountRecord], micro: int
) -> None:
    result = oee(
        account(Interval(_t(0), _t(T)), shifts, states, counts, M, micro_stop_ms=micro).elements
    )
    for value in (result.availability, result.quality):
        assert value is None or 0 <= value <= 1
    assert result.performance is None or result.performance >= 0
    if result.oee is not None:
        assert result.oee >= 0
        if result.performance is None or result.performance <= 1:
            assert result.oee <= 1
    assert set(result.missing) == {
        name
        for name in ("availability", "performance", "quality", "oee")
        if getattr(result, name) is None
    }


@FAST
@given(shifts=_shifts(-60, T + 60), states=_states(-60, T + 60), counts=_counts(0, T), micro=_micro)
def test_states_tile_planned_busy_time_and_losses_account_for_it(
    shifts: list[ShiftInstance], states: list[StateRecord], counts: list[CountRecord], micro: int
) -> None:
    acc = account(Interval(_t(0), _t(T)), shifts, states, counts, M, micro_stop_ms=micro)
    e = acc.elements
    assert e.tiled
    assert e.pbt == e.apt + e.aust + e.adet + e.adot + e.unknown
    assert min(e.pot, e.pdot, e.pbt, e.apt, e.aust, e.adet, e.adot, e.unknown) >= 0
    assert sum(acc.downtime_ms.values()) == e.aust + e.adet + e.adot
    assert acc.micro_stop_time_ms <= e.apt
    if e.ideal_ms <= e.apt:
        assert sum(loss.ms for loss in loss_breakdown(acc)) + e.ideal_good_ms == e.known_pbt


@FAST
@given(states=_states(-60, T + 60), counts=_counts(0, T), data=st.data())
def test_record_order_does_not_change_the_elements(
    states: list[StateRecord], counts: list[CountRecord], data: st.DataObject
) -> None:
    shifts = [shift(_t(0), _t(T))]
    win = Interval(_t(0), _t(T))
    shuffled = data.draw(st.permutations(states))
    # Records sharing a timestamp keep their relative order (the later one wins), so only
    # records with different timestamps trade places.
    groups = {ts: [r for r in states if r.ts == ts] for ts in {r.ts for r in states}}
    restored = [groups[r.ts].pop(0) for r in shuffled]
    shuffled_counts = data.draw(st.permutations(counts))
    assert account(win, shifts, restored, shuffled_counts, M) == account(
        win, shifts, states, counts, M
    )


@st.composite
def _planned(draw: st.DrawFn) -> list[tuple[int, int]]:
    edges = sorted(set(draw(st.lists(st.integers(0, 1000), max_size=8))))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=False) if a < b]


@settings(max_examples=400, deadline=None)
@given(
    _planned(),
    st.integers(0, 1000),
    st.integers(0, 300),
    st.one_of(st.integers(-2, 2), st.integers(-20, 320)),
    st.one_of(st.integers(-2, 2), st.integers(-320, 20)),
    st.integers(0, 5000),
    st.booleans(),
)
def test_a_window_takes_the_formulas_share_of_a_count(
    pot: list[tuple[int, int]], a: int, length: int, lead: int, lag: int, n: int, elapsed: bool
) -> None:
    """window_part equals floor(n W(e)/W(b)) - floor(n W(s)/W(b)), shortcuts included."""
    b = a + length
    s, e = a + lead, b + lag  # window edges near the period's as often as anywhere
    weight = b - a if elapsed else planned_in(a, b, pot)
    used = None if elapsed else pot

    def w(t: int) -> int:
        t = min(max(t, a), b)
        return t - a if used is None else planned_in(a, t, used)

    if a == b:
        inside = used is None or any(x < b <= y for x, y in used)
        expected = n if s < b <= e and inside else 0
    elif weight == 0 or e <= a or s >= b:
        expected = 0
    else:
        expected = n * w(e) // weight - n * w(s) // weight
    assert window_part(n, Period(a, b, weight), s, e, used) == expected

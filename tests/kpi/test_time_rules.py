"""Time rules beyond the OEE core: mapping, order reading, debounce, count periods, energy, KPIs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.kpi.account import TimeAccount
from pabrik.kpi.capability import capability
from pabrik.kpi.catalogue import KpiContext, MissingDataError, evaluate, supported
from pabrik.kpi.energy import wasted_energy_wh
from pabrik.kpi.losses import BigLoss, six_big_losses
from pabrik.kpi.orders import OrderSpan
from pabrik.kpi.quantities import energy_deltas
from pabrik.kpi.rules import TimeRules
from pabrik.kpi.timemodel import account, account_buckets
from pabrik.model.calendar import Interval
from pabrik.model.equipment import TimeElement, TimeModelMap
from pabrik.model.records import StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.data import kpi_catalogue

from .builders import (
    CHANGEOVER,
    DAY0,
    HOUR,
    IDLE,
    MIN,
    RUNNING,
    UNPLANNED,
    at,
    count,
    machine,
    shift,
    state,
    window,
)

M = machine("1.5", "30")
CATALOGUE = kpi_catalogue()
DAY = [shift(at(6), at(14))]


def _order(start: datetime, end: datetime, **kw: object) -> OrderSpan:
    fields: dict[str, object] = {
        "order_id": "wo-1",
        "start": to_epoch_ms(start),
        "end": to_epoch_ms(end),
        "product_id": None,
        "pri_ms": None,
        "planned_scrap_ratio": Fraction(0),
        "quantity": 100,
    } | kw
    return OrderSpan(**fields)  # type: ignore[arg-type]


def test_a_machine_can_book_a_state_or_a_reason_to_another_element() -> None:
    m = M.model_copy(
        update={
            "time_model": TimeModelMap(
                states={StateClass.CHANGEOVER: TimeElement.ADET},
                reasons={"waiting_operator": TimeElement.ADOT},
            )
        }
    )
    states = [
        state(at(6), CHANGEOVER),
        state(at(7), UNPLANNED, "waiting_operator"),
        state(at(8), RUNNING),
    ]
    e = account(window(at(6), at(9)), DAY, states, [], m).elements
    assert (e.aust, e.adet, e.adot, e.apt) == (0, HOUR, HOUR, HOUR)


def test_idle_with_an_order_registered_is_a_delay_and_without_one_is_down_time() -> None:
    """OPC 40001-1: not executing with an order is ADET; without, ADOT."""
    states = [state(at(6), IDLE), state(at(8), RUNNING)]
    order = _order(at(7), at(12))
    acc = account(window(at(6), at(9)), DAY, states, [], M, orders=[order])
    assert (acc.elements.adot, acc.elements.adet) == (HOUR, HOUR)
    assert acc.order_data
    assert acc.extras.aoet == 2 * HOUR


def test_an_order_id_on_the_state_record_is_order_data_too() -> None:
    rec = StateRecord("t", "press-1", at(6), IDLE, order_id="wo-9")
    acc = account(window(at(6), at(7)), DAY, [rec], [], M)
    assert (acc.elements.adet, acc.elements.adot, acc.order_data) == (HOUR, 0, True)


def test_without_order_data_the_machine_state_reading_is_used_and_said() -> None:
    acc = account(window(at(6), at(7)), DAY, [state(at(6), IDLE)], [], M)
    assert (acc.elements.adot, acc.order_data) == (HOUR, False)


def test_a_flicker_shorter_than_the_debounce_takes_the_previous_state() -> None:
    states = [state(at(6), RUNNING), state(at(7), UNPLANNED), state(at(7, 0, 2), RUNNING)]
    plain = account(window(at(6), at(8)), DAY, states, [], M).elements
    rules = TimeRules(debounce_ms=5000)
    smooth = account(window(at(6), at(8)), DAY, states, [], M, rules=rules)
    assert plain.adet == 2000
    assert smooth.elements.adet == 0
    assert smooth.elements.apt == 2 * HOUR
    assert smooth.debounce_ms == 5000
    assert smooth.extras.fe == 0


def test_failure_events_count_unplanned_runs_that_start_in_planned_busy_time() -> None:
    states = [
        state(at(5), UNPLANNED, "breakdown"),  # starts before the shift: not counted
        state(at(6, 30), RUNNING),
        state(at(7), UNPLANNED, "jam"),
        state(at(7, 0, 30), RUNNING),  # a micro-stop: not a failure
        state(at(8), UNPLANNED, "breakdown"),
        state(at(8, 10), UNPLANNED, "breakdown"),  # same run
        state(at(9), RUNNING),
    ]
    rules = TimeRules(micro_stop_ms=MIN)
    acc = account(window(at(4), at(10)), DAY, states, [], M, rules=rules)
    assert acc.extras.fe == 1
    assert acc.extras.cmt == 30 * MIN + HOUR


def test_a_count_over_a_window_border_is_split_by_planned_time() -> None:
    """Period (07:50, 08:10] of 20 units: 10 before and 10 after 08:00."""
    rules = TimeRules(count_period_ms=HOUR)
    counts = [count(at(7, 50), 0), count(at(8, 10), 20, 0)]
    states = [state(at(6), RUNNING)]
    a = account(window(at(6), at(8)), DAY, states, counts, M, rules=rules).elements
    b = account(window(at(8), at(10)), DAY, states, counts, M, rules=rules).elements
    assert (a.pq, b.pq) == (10, 10)


def test_a_split_count_only_counts_planned_time_and_keeps_whole_units() -> None:
    """Period (05:30, 06:30]: only 06:00-06:30 is planned, so all 7 units land there."""
    rules = TimeRules(count_period_ms=HOUR)
    counts = [count(at(6, 30), 7)]
    whole = account(window(at(5), at(7)), DAY, [], counts, M, rules=rules).elements
    parts = [
        account(window(at(5), at(6, 10)), DAY, [], counts, M, rules=rules).elements,
        account(window(at(6, 10), at(6, 20)), DAY, [], counts, M, rules=rules).elements,
        account(window(at(6, 20), at(7)), DAY, [], counts, M, rules=rules).elements,
    ]
    assert whole.pq == 7
    assert [p.pq for p in parts] == [2, 2, 3]


def test_an_order_sets_pri_and_planned_scrap() -> None:
    order = _order(at(6), at(14), pri_ms=Fraction(2000), planned_scrap_ratio=Fraction(1, 50))
    acc = account(
        window(at(6), at(8)),
        DAY,
        [state(at(6), RUNNING)],
        [count(at(7), 90, 10)],
        M,
        orders=[order],
    )
    assert acc.elements.ideal_ms == 100 * 2000
    assert acc.extras.psq == 2
    ctx = KpiContext(acc, 2 * HOUR, has_orders=True)
    assert evaluate(CATALOGUE.get("actual_to_planned_scrap_ratio"), ctx).value == 5


def test_energy_meter_resets_and_gaps() -> None:
    base = DAY0
    readings = [
        (base, 100.0),
        (base + timedelta(minutes=1), 100.5),
        (base + timedelta(minutes=2), 0.2),
        (base + timedelta(hours=5), 3.0),
    ]
    deltas = energy_deltas(readings, 2 * HOUR)
    assert [d.wh for d in deltas] == [500, 200]


def test_energy_is_split_over_elapsed_time() -> None:
    readings = [(at(6), 10.0), (at(8), 12.0)]
    a = account(window(at(6), at(7)), DAY, [], [], M, energy=readings).extras.energy_wh
    b = account(window(at(7), at(8)), DAY, [], [], M, energy=readings).extras.energy_wh
    assert (a, b) == (1000, 1000)


def test_a_kpi_without_its_data_names_what_is_missing() -> None:
    acc = account(window(at(6), at(7)), DAY, [state(at(6), RUNNING)], [], M)
    ctx = KpiContext(acc, HOUR)
    with pytest.raises(MissingDataError, match="energy meter"):
        evaluate(CATALOGUE.get("sec"), ctx)
    with pytest.raises(MissingDataError, match=r"spec limits \(lsl and usl\) for signal 'weight'"):
        evaluate(CATALOGUE.get("cpk"), KpiContext(acc, HOUR, signal="weight"))
    with pytest.raises(MissingDataError, match="personnel"):
        evaluate(CATALOGUE.get("worker_efficiency"), ctx)
    ids = {v.id for v in supported(CATALOGUE, ctx)}
    assert "oee" in ids
    assert "sec" not in ids


def test_zero_denominators_have_no_value_and_a_reason() -> None:
    acc = account(window(at(6), at(7)), DAY, [state(at(6), RUNNING)], [], M)
    ctx = KpiContext(acc, HOUR)
    assert evaluate(CATALOGUE.get("quality_ratio"), ctx).missing == "no_units_produced"
    assert evaluate(CATALOGUE.get("mtbf"), ctx).missing == "no_failures"


def test_effectiveness_above_one_is_raw_flagged_and_capped_only_in_the_capped_view() -> None:
    acc = account(window(at(6), at(7)), DAY, [state(at(6), RUNNING)], [count(at(7), 3000)], M)
    eff = evaluate(CATALOGUE.get("effectiveness"), KpiContext(acc, HOUR))
    assert eff.value == Fraction(5, 4)
    assert eff.flags == ("above_one",)
    assert eff.capped == 1
    assert evaluate(CATALOGUE.get("oee_capped"), KpiContext(acc, HOUR)).value == 1


def test_capability_of_a_centred_process() -> None:
    values = [10.0, 10.2, 9.8, 10.1, 9.9] * 4
    cap = capability(values, 9.0, 11.0)
    assert cap.cm is not None
    assert cap.cmk is not None
    assert cap.cm > 1
    assert abs(cap.cmk - cap.cm) < 1e-9
    assert cap.cp is not None
    assert cap.cpk is not None
    assert capability([1.0], 0, 2).missing == "too_few_samples"


def test_six_big_losses_and_fully_productive_time_add_up_to_pbt() -> None:
    states = [state(at(6), CHANGEOVER), state(at(6, 20), RUNNING), state(at(8), UNPLANNED),
              state(at(8, 30), IDLE), state(at(9), RUNNING)]  # fmt: skip
    acc = account(window(at(6), at(10)), DAY, states, [count(at(10), 4000, 100, 20)], M)
    losses = six_big_losses(acc)
    assert sum(losses.values()) + acc.elements.ideal_good_ms == acc.elements.known_pbt
    assert losses[BigLoss.EQUIPMENT_FAILURE] == 30 * MIN


# -- properties ----------------------------------------------------------------------------

FAST = settings(max_examples=40, deadline=None)
T = 10 * 60


def _t(minutes: int) -> datetime:
    return DAY0 + timedelta(minutes=minutes)


_state = st.builds(
    lambda m, cls, reason, order: StateRecord("t", "press-1", _t(m), cls, reason, None, order),
    st.integers(-60, T + 60),
    st.sampled_from(list(StateClass)),
    st.sampled_from([None, "jam", "pm", "breakdown"]),
    st.sampled_from([None, None, "wo-1"]),
)
_count = st.builds(
    lambda m, g, s, r, p: count(_t(m), g, s, r, p),
    st.integers(-60, T + 60),
    st.integers(0, 300),
    st.integers(0, 20),
    st.integers(0, 20),
    st.sampled_from([None, "p0", "p1"]),
)
_rules = st.builds(
    TimeRules,
    micro_stop_ms=st.sampled_from([0, MIN, 5 * MIN]),
    debounce_ms=st.sampled_from([0, 30_000, 2 * MIN]),
    count_period_ms=st.sampled_from([0, 5 * MIN, HOUR]),
    startup_window_ms=st.sampled_from([0, 10 * MIN, HOUR]),
    preventive_reasons=st.just(frozenset({"pm"})),
    corrective_reasons=st.sampled_from([None, frozenset({"breakdown"})]),
)
_map = st.sampled_from([
    TimeModelMap(),
    TimeModelMap(states={StateClass.CHANGEOVER: TimeElement.ADET}),
    TimeModelMap(reasons={"jam": TimeElement.APT, "pm": TimeElement.ADOT}),
])  # fmt: skip
_energy = st.lists(st.tuples(st.integers(-120, T + 120), st.floats(0, 50)), max_size=8).map(
    lambda xs: [(_t(m), v) for m, v in sorted(xs)]
)
SHIFTS = [shift(_t(0), _t(300), (_t(100), _t(130))), shift(_t(300), _t(T))]
ORDERS = [_order(_t(50), _t(200), pri_ms=Fraction(1200), planned_scrap_ratio=Fraction(1, 100))]


def _same(a: TimeAccount, b: TimeAccount) -> None:
    assert a.elements == b.elements
    assert a.extras == b.extras
    assert {k: v for k, v in a.downtime_ms.items() if v} == {
        k: v for k, v in b.downtime_ms.items() if v
    }
    assert a.micro_stop_time_ms == b.micro_stop_time_ms


@FAST
@given(
    states=st.lists(_state, max_size=14),
    counts=st.lists(_count, max_size=8),
    energy=_energy,
    rules=_rules,
    mapping=_map,
    cuts=st.lists(st.integers(1, T - 1), max_size=4),
    orders=st.sampled_from([[], ORDERS]),
)
def test_buckets_of_a_window_sum_to_the_window_under_every_rule(
    states: list[StateRecord],
    counts: list,  # type: ignore[type-arg]
    energy: list[tuple[datetime, float]],
    rules: TimeRules,
    mapping: TimeModelMap,
    cuts: list[int],
    orders: list[OrderSpan],
) -> None:
    m = M.model_copy(update={"time_model": mapping})
    edges = sorted({0, T, *cuts})
    buckets = [Interval(_t(a), _t(b)) for a, b in itertools.pairwise(edges)]
    kw = {"rules": rules, "orders": orders, "energy": energy}
    parts = account_buckets(buckets, SHIFTS, states, counts, m, **kw)  # type: ignore[arg-type]
    whole = account(Interval(_t(0), _t(T)), SHIFTS, states, counts, m, **kw)  # type: ignore[arg-type]
    total = parts[0]
    for p in parts[1:]:
        total += p
    _same(total, whole)
    for b, p in zip(buckets, parts, strict=True):
        _same(account(b, SHIFTS, states, counts, m, **kw), p)  # type: ignore[arg-type]
        assert 0 <= p.elements.sq_startup <= p.elements.sq
        assert 0 <= p.elements.ideal_startup_ms <= p.elements.ideal_ms - p.elements.ideal_good_ms


ABOVE_ONE = {d.id for d in CATALOGUE.definitions.values() if d.above_one}


@FAST
@given(states=st.lists(_state, max_size=14), counts=st.lists(_count, max_size=8), rules=_rules)
def test_every_ratio_lies_in_0_1_except_those_allowed_above_one(
    states: list[StateRecord],
    counts: list,
    rules: TimeRules,  # type: ignore[type-arg]
) -> None:
    acc = account(Interval(_t(0), _t(T)), SHIFTS, states, counts, M, rules=rules, orders=ORDERS)
    ctx = KpiContext(acc, T * MIN, has_orders=True, has_preventive_reasons=True)
    for v in supported(CATALOGUE, ctx):
        if v.unit == "ratio" and v.value is not None and v.id not in ABOVE_ONE:
            assert 0 <= v.value <= 1, v


@FAST
@given(states=st.lists(_state, min_size=1, max_size=14), rules=_rules, mapping=_map)
def test_planned_busy_time_is_busy_plus_down_time_when_states_tile_it(
    states: list[StateRecord], rules: TimeRules, mapping: TimeModelMap
) -> None:
    m = M.model_copy(update={"time_model": mapping})
    first = StateRecord("t", "press-1", _t(-100), StateClass.RUNNING)
    e = account(Interval(_t(0), _t(T)), SHIFTS, [first, *states], [], m, rules=rules).elements
    assert e.unknown == 0 or any(s.state is StateClass.UNKNOWN for s in states)
    assert e.pbt == e.aubt + e.adot + e.unknown
    assert e.pot == e.pbt + e.pdot


def test_utc_only() -> None:
    assert _t(0).tzinfo is UTC


def test_energy_outside_production_time_and_scraps_share_are_wasted() -> None:
    """10 kWh over 2 h: 1 h running (5 kWh, 90 of 100 units good), 1 h idle (5 kWh)."""
    readings = [(at(6), 0.0), (at(8), 10.0)]
    states = [state(at(6), RUNNING), state(at(7), IDLE)]
    acc = account(window(at(6), at(8)), DAY, states, [count(at(7), 90, 10)], M, energy=readings)
    assert (acc.extras.energy_wh, acc.extras.energy_run_wh) == (10_000, 5_000)
    assert wasted_energy_wh(acc) == 5_000 + 500

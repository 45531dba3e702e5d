"""Behaviour of the simulated plant over the demo site."""

from __future__ import annotations

import math
import subprocess
import sys
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from statistics import mean

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.connectors.simulator import LineRoster, SimulatedPlant, SimulatorConfig
from pabrik.model.calendar import shift_instances
from pabrik.model.errors import ConfigError
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord
from pabrik.model.shifts import Weekday
from pabrik.model.site import Machine, Plant
from pabrik.model.states import Quality, StateClass

# A Monday 07:00 in Jakarta: the week starts with the morning shift.
WEEK_START = datetime(2024, 6, 3, tzinfo=UTC)
WEEK_END = WEEK_START + timedelta(days=7)
JAKARTA = timedelta(hours=7)
# An odd anchor (mid-shift, sub-millisecond) and a window with a shift change and a break.
SPLIT_ANCHOR = datetime(2024, 6, 3, 6, 10, 7, 250301, tzinfo=UTC)
SPLIT_US = 10 * 3_600_000_000


class History:
    """One machine's state records, looked up by instant."""

    def __init__(self, states: list[StateRecord]) -> None:
        self.states = states
        self.stamps = [s.ts for s in states]

    def at(self, ts: datetime) -> StateRecord:
        return self.states[bisect_right(self.stamps, ts) - 1]

    def during(self, start: datetime, end: datetime) -> list[StateRecord]:
        """States in force at some instant of [start, end)."""
        return self.states[bisect_right(self.stamps, start) - 1 : bisect_left(self.stamps, end)]

    def intervals(self) -> list[tuple[datetime, datetime, StateRecord]]:
        ends = [*self.stamps[1:], WEEK_END]
        return [(s.ts, e, s) for s, e in zip(self.states, ends, strict=True)]


def histories(records: list[Record]) -> dict[str, History]:
    states: dict[str, list[StateRecord]] = defaultdict(list)
    for r in records:
        if isinstance(r, StateRecord):
            states[r.machine_id].append(r)
    return {m: History(s) for m, s in states.items()}


def samples_of(records: list[Record], signal: str) -> dict[str, list[SampleRecord]]:
    out: dict[str, list[SampleRecord]] = defaultdict(list)
    for r in records:
        if isinstance(r, SampleRecord) and r.signal_id == signal:
            out[r.machine_id].append(r)
    return out


def cycle_s(plant: Plant, machine_id: str, product_id: str | None) -> float:
    machine = plant.machine(machine_id)
    assert isinstance(machine, Machine)
    return float(machine.product(product_id).ideal_cycle_time_s)


@pytest.fixture(scope="module")
def week(demo_plant: Plant, demo_config: SimulatorConfig) -> list[Record]:
    return SimulatedPlant(demo_plant, demo_config, WEEK_START).advance_to(WEEK_END)


@pytest.fixture(scope="module")
def week_states(week: list[Record]) -> dict[str, History]:
    return histories(week)


@pytest.fixture(scope="module")
def split_config(demo_config: SimulatorConfig) -> SimulatorConfig:
    return demo_config.model_copy(update={"sample_period_s": 300})


@pytest.fixture(scope="module")
def split_reference(demo_plant: Plant, split_config: SimulatorConfig) -> list[Record]:
    sim = SimulatedPlant(demo_plant, split_config, SPLIT_ANCHOR)
    return sim.advance_to(SPLIT_ANCHOR + timedelta(microseconds=SPLIT_US))


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=-60_000_000, max_value=SPLIT_US), max_size=8))
def test_any_split_of_advance_calls_yields_the_same_records_as_one_call(
    demo_plant: Plant,
    split_config: SimulatorConfig,
    split_reference: list[Record],
    cuts: list[int],
) -> None:
    sim = SimulatedPlant(demo_plant, split_config, SPLIT_ANCHOR)
    got: list[Record] = []
    for us in [*sorted(cuts), SPLIT_US]:
        got.extend(sim.advance_to(SPLIT_ANCHOR + timedelta(microseconds=us)))
    assert got == split_reference


def test_same_seed_gives_same_records_and_another_seed_other_records(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    end = WEEK_START + timedelta(hours=6)
    first = SimulatedPlant(demo_plant, demo_config, WEEK_START).advance_to(end)
    again = SimulatedPlant(demo_plant, demo_config, WEEK_START).advance_to(end)
    other_config = demo_config.model_copy(update={"seed": demo_config.seed + 1})
    other = SimulatedPlant(demo_plant, other_config, WEEK_START).advance_to(end)
    assert first == again
    assert first != other


def test_sampling_faster_or_slower_leaves_states_and_counts_unchanged(
    demo_plant: Plant, demo_config: SimulatorConfig, split_reference: list[Record]
) -> None:
    end = SPLIT_ANCHOR + timedelta(microseconds=SPLIT_US)
    default = SimulatedPlant(demo_plant, demo_config, SPLIT_ANCHOR).advance_to(end)
    assert demo_config.sample_period_s != 300
    assert [r for r in default if not isinstance(r, SampleRecord)] == [
        r for r in split_reference if not isinstance(r, SampleRecord)
    ]


SUBPROCESS = """
import sys, yaml
from datetime import datetime, timedelta
from pabrik.connectors.simulator import SimulatedPlant, SimulatorConfig
from pabrik.model.site import Plant
data = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
plant = Plant.model_validate({k: v for k, v in data.items() if k not in {"connectors", "alarms"}})
config = SimulatorConfig.model_validate(data["connectors"][0])
start = datetime.fromisoformat(sys.argv[2])
sys.stdout.write(repr(SimulatedPlant(plant, config, start).advance_to(start + timedelta(hours=2))))
"""


def test_records_do_not_depend_on_the_process_hash_seed(
    demo_plant: Plant, demo_config: SimulatorConfig, demo_path: Path
) -> None:
    here = SimulatedPlant(demo_plant, demo_config, WEEK_START).advance_to(
        WEEK_START + timedelta(hours=2)
    )
    done = subprocess.run(
        [sys.executable, "-c", SUBPROCESS, str(demo_path), WEEK_START.isoformat()],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert done.stdout == repr(here)


def test_records_are_in_timestamp_order_inside_the_window_and_sourced_from_the_connector(
    week: list[Record], demo_config: SimulatorConfig
) -> None:
    stamps = [r.ts for r in week]
    assert stamps == sorted(stamps)
    assert stamps[0] >= WEEK_START
    assert stamps[-1] < WEEK_END
    assert {r.source for r in week} == {demo_config.id}
    assert {r.ts.utcoffset() for r in week} == {timedelta(0)}
    assert len({natural_key(r) for r in week}) == len(week)


def test_a_week_of_the_demo_plant_is_well_over_100k_records(week: list[Record]) -> None:
    assert len(week) > 200_000


def test_states_use_known_classes_and_reasons_whose_class_they_match(
    week_states: dict[str, History], demo_plant: Plant
) -> None:
    reasons = {r.id: r for r in demo_plant.downtime_reasons}
    assert set(week_states) == {m.id for m in demo_plant.machines()}
    for machine_id, history in week_states.items():
        machine = demo_plant.machine(machine_id)
        assert machine is not None
        products = {p.id for p in machine.products}
        for s in history.states:
            assert s.state in set(StateClass) - {StateClass.UNKNOWN}
            assert s.product_id in products
            if s.state is StateClass.RUNNING:
                assert s.reason is None
            else:
                assert s.reason in machine.reasons
                assert reasons[s.reason].state is s.state


def test_a_state_record_is_emitted_only_when_something_changes(
    week_states: dict[str, History],
) -> None:
    for history in week_states.values():
        states = history.states
        assert states[0].ts == WEEK_START
        for a, b in pairwise(states):
            assert (a.state, a.reason, a.product_id) != (b.state, b.reason, b.product_id)
            assert a.ts < b.ts


def staffed_breaks(
    plant: Plant, config: SimulatorConfig, line_id: str
) -> set[tuple[datetime, datetime]]:
    roster = config.rosters.get(line_id, LineRoster())
    days = list(Weekday)
    found = set()
    for inst in shift_instances(plant.calendar, WEEK_START, WEEK_END):
        day = days[inst.production_day.weekday()]
        if roster.shifts is not None and inst.shift_id not in roster.shifts:
            continue
        if roster.days is not None and day not in roster.days:
            continue
        found |= {(b.start, b.end) for b in inst.breaks if WEEK_START <= b.start < WEEK_END}
    return found


def test_machines_are_in_planned_stop_exactly_during_calendar_breaks(
    week_states: dict[str, History], demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    for machine_id, history in week_states.items():
        line = demo_plant.line_of(machine_id)
        assert line is not None
        expected = staffed_breaks(demo_plant, demo_config, line.id)
        breaks = [(start, end, s) for start, end, s in history.intervals() if s.reason == "break"]
        assert {s.state for _, _, s in breaks} == {StateClass.PLANNED_STOP}
        assert {(start, end) for start, end, _ in breaks} == expected
        assert len(expected) >= 12


def test_packaging_is_planned_stopped_for_no_shift_at_night_and_on_sunday(
    week_states: dict[str, History],
) -> None:
    sunday_10 = datetime(2024, 6, 9, 10, tzinfo=UTC) - JAKARTA
    wednesday_02 = datetime(2024, 6, 5, 2, tzinfo=UTC) - JAKARTA
    for machine_id in ("filler-01", "labeller-01", "packer-01"):
        for ts in (sunday_10, wednesday_02):
            s = week_states[machine_id].at(ts)
            assert (s.state, s.reason) == (StateClass.PLANNED_STOP, "no_shift")
    moulding = week_states["imm-01"].at(sunday_10)
    assert moulding.reason != "no_shift"


def test_stops_include_micro_stops_breakdowns_changeovers_and_idle_time(
    week_states: dict[str, History],
) -> None:
    durations: dict[str | None, list[float]] = defaultdict(list)
    for history in week_states.values():
        for start, end, s in history.intervals():
            durations[s.reason].append((end - start).total_seconds())
    assert sum(1 for d in durations["jam"] if d < 120) > 100
    assert len(durations["breakdown"]) >= 3
    assert len(durations["changeover"]) >= 3
    for reason in ("material_shortage", "waiting_operator", "quality_check", "no_order"):
        assert durations[reason], reason


def test_counts_never_exceed_the_ideal_rate(
    week: list[Record],
    week_states: dict[str, History],
    demo_plant: Plant,
    demo_config: SimulatorConfig,
) -> None:
    period = demo_config.count_period_s
    made: dict[str, int] = defaultdict(int)
    for r in week:
        if isinstance(r, CountRecord):
            assert r.good >= 0
            assert r.scrap >= 0
            units = r.good + r.scrap
            assert units <= math.ceil(period / cycle_s(demo_plant, r.machine_id, r.product_id))
            made[r.machine_id] += units
    for machine_id, history in week_states.items():
        ideal = sum(
            (end - start).total_seconds() / cycle_s(demo_plant, machine_id, s.product_id)
            for start, end, s in history.intervals()
            if s.state is StateClass.RUNNING
        )
        assert 0.75 * ideal < made[machine_id] <= ideal


def test_counts_come_only_from_periods_with_running_time(
    week: list[Record], week_states: dict[str, History], demo_config: SimulatorConfig
) -> None:
    period = timedelta(seconds=demo_config.count_period_s)
    for r in week:
        if isinstance(r, CountRecord):
            during = week_states[r.machine_id].during(r.ts - period, r.ts)
            running = {s.product_id for s in during if s.state is StateClass.RUNNING}
            assert r.product_id in running


def natural_key(r: Record) -> tuple[str, str, str, datetime]:
    kind = r.signal_id if isinstance(r, SampleRecord) else type(r).__name__
    return r.source, r.machine_id, kind, r.ts


def test_natural_keys_stay_unique_when_a_product_changes_inside_a_count_period(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    config = demo_config.model_copy(update={"count_period_s": 3600, "changeover_every_hours": 1})
    records = SimulatedPlant(demo_plant, config, WEEK_START).advance_to(
        WEEK_START + timedelta(days=1)
    )
    counts = [r for r in records if isinstance(r, CountRecord)]
    off_grid = [r for r in counts if r.ts.minute or r.ts.second or r.ts.microsecond]
    assert off_grid, "expected counts closed early by a product change"
    assert len({natural_key(r) for r in records}) == len(records)


def test_startup_after_a_changeover_makes_more_scrap(
    week: list[Record], week_states: dict[str, History]
) -> None:
    startups: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for machine_id, history in week_states.items():
        for _, end, s in history.intervals():
            if s.reason == "changeover":
                startups[machine_id].append((end, end + timedelta(minutes=15)))
    after, steady = [0, 0], [0, 0]
    for r in week:
        if isinstance(r, CountRecord):
            recent = any(a < r.ts <= b for a, b in startups[r.machine_id])
            bucket = after if recent else steady
            bucket[0] += r.scrap
            bucket[1] += r.good + r.scrap
    assert after[0] / after[1] > 3 * steady[0] / steady[1]
    assert 0.005 < steady[0] / steady[1] < 0.05


def test_machines_sometimes_run_well_below_ideal_speed(
    week: list[Record],
    week_states: dict[str, History],
    demo_plant: Plant,
    demo_config: SimulatorConfig,
) -> None:
    period = timedelta(seconds=demo_config.count_period_s)
    ratios = []
    for r in week:
        if isinstance(r, CountRecord) and r.machine_id == "imm-01":
            during = week_states[r.machine_id].during(r.ts - period, r.ts)
            if len(during) == 1 and during[0].ts <= r.ts - period:
                ideal = period.total_seconds() / cycle_s(demo_plant, r.machine_id, r.product_id)
                ratios.append((r.good + r.scrap) / ideal)
    assert max(ratios) <= 1.01
    slow = sum(1 for x in ratios if x < 0.85) / len(ratios)
    assert 0.05 < slow < 0.5


def test_energy_meter_never_runs_backwards_and_rises_faster_when_running(
    week: list[Record], week_states: dict[str, History]
) -> None:
    for machine_id, samples in samples_of(week, "energy_kwh").items():
        values = [s.value for s in samples]
        assert values == sorted(values)
        running: list[float] = []
        stopped: list[float] = []
        for a, b in pairwise(samples):
            during = week_states[machine_id].during(a.ts, b.ts)
            if len(during) == 1:
                rate = (b.value - a.value) / (b.ts - a.ts).total_seconds()
                (running if during[0].state is StateClass.RUNNING else stopped).append(rate)
        assert mean(running) > 2 * mean(stopped)


def test_vibration_climbs_in_the_hour_before_a_breakdown(
    week: list[Record], week_states: dict[str, History]
) -> None:
    before, usual = [], []
    for machine_id, samples in samples_of(week, "vibration").items():
        history = week_states[machine_id]
        breakdowns = [s.ts for s in history.states if s.reason == "breakdown"]
        for s in samples:
            if history.at(s.ts).state is StateClass.RUNNING:
                usual.append(s.value)
                if any(timedelta(0) < b - s.ts <= timedelta(hours=1) for b in breakdowns):
                    before.append(s.value)
    assert len(before) > 30
    assert mean(before) > 1.5 * mean(usual)


def test_samples_are_good_and_gauges_stay_near_their_limits(
    week: list[Record], demo_plant: Plant
) -> None:
    limits = {
        (m.id, s.id): (s.low, s.high)
        for m in demo_plant.machines()
        for s in m.signals
        if s.low is not None and s.high is not None
    }
    for r in week:
        if isinstance(r, SampleRecord):
            assert r.quality is Quality.GOOD
            if (r.machine_id, r.signal_id) in limits:
                low, high = limits[r.machine_id, r.signal_id]
                assert max(0.0, low - (high - low) / 2) <= r.value <= high + (high - low) / 2


def test_advancing_to_the_past_returns_nothing(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    sim = SimulatedPlant(demo_plant, demo_config, WEEK_START)
    assert sim.advance_to(WEEK_START) == []
    assert sim.advance_to(WEEK_START + timedelta(minutes=5))
    assert sim.advance_to(WEEK_START + timedelta(minutes=1)) == []
    assert sim.position == WEEK_START + timedelta(minutes=5)


def test_naive_datetimes_are_refused(demo_plant: Plant, demo_config: SimulatorConfig) -> None:
    with pytest.raises(ValueError, match="naive"):
        SimulatedPlant(demo_plant, demo_config, datetime(2024, 6, 3))  # noqa: DTZ001
    sim = SimulatedPlant(demo_plant, demo_config, WEEK_START)
    with pytest.raises(ValueError, match="naive"):
        sim.advance_to(datetime(2024, 6, 4))  # noqa: DTZ001


def test_rosters_naming_unknown_lines_or_shifts_are_config_errors(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    roster = {"no-such-line": LineRoster(shifts=["dawn"])}
    config = demo_config.model_copy(update={"rosters": roster})
    with pytest.raises(ConfigError) as caught:
        SimulatedPlant(demo_plant, config, WEEK_START)
    assert [i.path for i in caught.value.issues] == [
        "connectors.sim.rosters.no-such-line",
        "connectors.sim.rosters.no-such-line.shifts",
    ]


def test_config_refuses_unknown_keys_and_needs_a_seed() -> None:
    with pytest.raises(ValueError, match="extra"):
        SimulatorConfig.model_validate({"kind": "simulator", "seed": 1, "speed": 2})
    with pytest.raises(ValueError, match="seed"):
        SimulatorConfig.model_validate({"kind": "simulator"})

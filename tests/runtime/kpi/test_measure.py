"""One measurement per scope and window: never past now, unknown time left out, coverage said."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.windows import custom_window, named_window
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.kpi.engine import KpiEngine, QueryStats
from pabrik.runtime.kpi.measure import NOT_YET, measure, measure_scopes, measure_windows
from pabrik.runtime.kpi.reports import kpi_report
from pabrik.runtime.kpi.shift_report import shift_report
from pabrik.runtime.kpi.summary import scope_oee
from pabrik.runtime.settings import Settings
from tests.paths import DEMO

NOW = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)  # 10:30 in Cikarang, the morning shift


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    settings = Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("measure"))
    rt = build_runtime(settings, clock=lambda: NOW)
    rt.backfill(days=1)
    yield rt
    rt.close()


def test_a_future_window_has_no_values_and_says_why(runtime: Runtime) -> None:
    window = custom_window(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC), NOW)
    view = scope_oee(runtime.engine, "imm-01", window)
    for ratio in (view.availability, view.performance, view.quality, view.oee):
        assert (ratio.value, ratio.reason) == (None, NOT_YET)
    assert (view.planned_ms, view.run_ms, view.good) == (0, 0, 0)
    assert view.future_ms == 86_400_000
    report = kpi_report(runtime.engine, "plant", window, ["oee", "availability"])
    assert [(v.value, v.missing) for v in report.values] == [(None, NOT_YET), (None, NOT_YET)]


def test_a_future_shift_report_makes_up_no_figures(runtime: Runtime) -> None:
    report = shift_report(runtime.engine, "imm-01", NOW.date() + timedelta(days=30), "pagi")
    assert all(v.value is None for v in report.kpis)
    assert report.summary.oee.reason == NOT_YET


def test_a_window_that_straddles_now_is_measured_up_to_now(runtime: Runtime) -> None:
    hour = timedelta(hours=1)
    straddling = measure(runtime.engine, "imm-01", custom_window(NOW - hour, NOW + hour, NOW))
    past = measure(runtime.engine, "imm-01", custom_window(NOW - hour, NOW, NOW))
    assert straddling.total.elements == past.total.elements
    assert straddling.window.future == hour
    assert straddling.oee == past.oee


def test_the_running_shift_is_planned_only_up_to_now(runtime: Runtime) -> None:
    shift = named_window(runtime.plant.calendar, "shift", NOW)
    m = measure(runtime.engine, "imm-01", shift)
    assert shift.end > NOW
    assert m.total.elements.pot <= int((NOW - shift.start).total_seconds() * 1000)


def test_time_before_the_first_data_is_coverage_not_a_low_oee(tmp_path: Path) -> None:
    """Started four hours into a shift: a few minutes of data, not an OEE near zero."""
    start = NOW - timedelta(minutes=5)
    rt = build_runtime(Settings(config=DEMO, data_dir=tmp_path), clock=lambda: start)
    rt.start_simulation(0)
    rt.simulation.advance_to(NOW)  # type: ignore[union-attr]
    rt.ingestor.flush()
    rt.clock = lambda: NOW
    rt.engine.clock = rt.clock
    view = scope_oee(rt.engine, "imm-01", named_window(rt.plant.calendar, "shift", NOW))
    rt.close()
    assert view.known_ms < view.planned_ms
    assert view.provisional
    if view.run_ms:
        assert view.availability.value is not None
        assert view.availability.value > 0.5


def test_every_scope_kind_is_accepted(runtime: Runtime) -> None:
    day = named_window(runtime.plant.calendar, "day", NOW)
    area = runtime.plant.areas[0].id
    line = runtime.plant.lines()[0].id
    views = {s: scope_oee(runtime.engine, s, day) for s in ("plant", area, line, "imm-01")}
    assert views["plant"].planned_ms >= views[area].planned_ms >= views[line].planned_ms
    assert views[line].planned_ms >= views["imm-01"].planned_ms > 0


def test_windows_ending_at_one_instant_share_their_raw_edge_and_equal_separate_ones(
    runtime: Runtime,
) -> None:
    engine = KpiEngine(runtime.plant, runtime.store, lambda: NOW)  # no reuse of measurements
    machines = runtime.plant.machines()
    scopes = [m.id for m in machines] + [ln.id for ln in runtime.plant.lines()] + ["plant"]
    shift = named_window(runtime.plant.calendar, "shift", NOW)
    day = named_window(runtime.plant.calendar, "day", NOW)
    apart = [measure_scopes(engine, scopes, w) for w in (shift, day)]
    engine.stats = QueryStats()
    again = [measure_scopes(engine, scopes, w) for w in (shift, day)]
    assert again == apart
    # Both windows start on a whole hour and end now: each needs 10:00-10:30 from raw.
    assert engine.stats.raw_edges == 2 * len(machines)
    engine.stats = QueryStats()
    assert measure_windows(engine, scopes, [shift, day]) == apart
    assert engine.stats.raw_edges == len(machines)


def test_in_the_first_hour_of_the_day_its_first_shift_shares_the_day_s_raw_span(
    runtime: Runtime,
) -> None:
    first = named_window(runtime.plant.calendar, "day", NOW).start + timedelta(minutes=30)
    engine = KpiEngine(runtime.plant, runtime.store, lambda: first)
    machines = runtime.plant.machines()
    scopes = [m.id for m in machines] + ["plant"]
    shift = named_window(runtime.plant.calendar, "shift", first)
    day = named_window(runtime.plant.calendar, "day", first)
    assert shift.start == day.start  # the day's first shift: both windows are 30 min of raw
    apart = [measure_scopes(engine, scopes, w) for w in (shift, day)]
    engine.stats = QueryStats()
    assert measure_windows(engine, scopes, [shift, day]) == apart
    assert engine.stats.raw_edges == len(machines)

"""The demo's terminal line: no connector, its shifts typed in as SAMPLE manual entries, and
its OEE, losses and shift report made of them alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.demo.manual import (
    SAMPLE_ACTOR,
    add_sample_manual_entries,
    demo_site_file,
    manual_machines,
)
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.kpi.shift_report import latest_shift, shift_report
from pabrik.runtime.settings import Settings
from tests.paths import DEMO

NOW = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)
LINE = "cetak-preform-krat"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    folder: Path = tmp_path_factory.mktemp("manual-demo")
    settings = Settings(config=demo_site_file(DEMO, folder), data_dir=folder)
    rt = build_runtime(settings, clock=lambda: NOW)
    rt.backfill(days=0.6)
    yield rt
    rt.close()


def test_the_demo_line_is_typed_in_once_and_its_figures_come_from_it(runtime: Runtime) -> None:
    machines = [m.id for m in manual_machines(runtime)]
    assert machines == ["imm-03", "imm-04"]
    first = add_sample_manual_entries(runtime, 0.6)
    assert first.entries > 40
    assert first.notes >= 2
    start, end = NOW - timedelta(days=0.6), NOW
    before = [len(runtime.store.counts(m, start, end)) for m in machines]
    add_sample_manual_entries(runtime, 0.6)
    assert [len(runtime.store.counts(m, start, end)) for m in machines] == before, "idempotent"
    for machine in machines:
        sources = {s.source for s in runtime.store.states(machine, start, end)}
        sources |= {c.source for c in runtime.store.counts(machine, start, end)}
        assert sources == {f"manual:{SAMPLE_ACTOR}"}

    day, shift = latest_shift(runtime.engine)
    report = shift_report(runtime.engine, LINE, day, shift)
    assert report.summary.oee.value is not None
    assert 0.5 < float(report.summary.oee.value) < 1
    assert sum(m.good for m in report.machines) > 0
    assert all(m.target > 0 for m in report.machines)
    losses = loss_report(runtime.engine, LINE, runtime.window(None, report.start, report.end))
    assert {p.code for p in losses.pareto} & {"jam", "short_shot", "mold_change"}


def test_a_data_folder_simulated_before_keeps_its_simulated_line(tmp_path: Path) -> None:
    (tmp_path / "pabrik.sqlite").write_bytes(b"")
    assert demo_site_file(DEMO, tmp_path) == DEMO
    fresh = tmp_path / "fresh"
    made = demo_site_file(DEMO, fresh)
    assert made == fresh / "demo-plant.yaml"
    assert "\n    manual_lines: [cetak-preform-krat]" in made.read_text(encoding="utf-8")
    (fresh / "pabrik.sqlite").write_bytes(b"")
    assert demo_site_file(DEMO, fresh) == made, "a demo folder of its own keeps its site file"

"""Terminal entries in the runtime: the manual source, and a reload of the same entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.states import StateClass
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.runtime.terminal.entries import Entry, EntryKind, Outcome, record_entries
from pabrik.runtime.terminal.view import machine_terminal
from tests.paths import DEMO

NOW = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = build_runtime(Settings(config=DEMO, data_dir=tmp_path), clock=lambda: NOW)
    yield rt
    rt.close()


def test_a_stop_typed_twice_is_one_manual_record_and_shows_on_the_terminal(
    runtime: Runtime,
) -> None:
    scope = TenantScope("t", Role.OPERATOR, "ani")
    ts = NOW - timedelta(minutes=5)
    stop = Entry("k1", "imm-01", ts, EntryKind.STATE, StateClass.UNPLANNED_STOP, "jam")
    assert record_entries(runtime, scope, [stop, stop])[0].outcome is Outcome.STORED
    states = [s for s in runtime.store.states("imm-01", ts, NOW) if s.ts == ts]
    assert [(s.source, s.reason) for s in states] == [("manual:ani", "jam")]
    view = machine_terminal(runtime, "imm-01")
    assert view.state is StateClass.UNPLANNED_STOP
    assert view.seconds_in_state == 300
    assert not view.automatic

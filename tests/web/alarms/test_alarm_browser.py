"""A real Chromium journey: an alarm fires in the demo, is acknowledged, shelved, comes back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from pabrik.model.records import SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.web.browser import browser_log_in, served
from tests.web.demo_app import NOW

pytestmark = pytest.mark.browser
KEY = "suhu-tinggi/imm-01"


class Clock:
    """The demo's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


CLOCK = Clock()


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The demo plant over the last half day, with imm-01 running hot up to now."""
    rt = build_runtime(settings, clock=CLOCK)
    rt.backfill(days=0.5)
    at = [NOW - timedelta(minutes=m) for m in (4, 3, 2, 1)]
    rt.ingestor.ingest(
        [
            StateRecord("test/alarms", "imm-01", at[0], StateClass.RUNNING, None, "tutup-28-biru"),
            *(SampleRecord("test/alarms", "imm-01", "temperature", t, 80.0) for t in at[1:]),
        ]
    )
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def base_url(settings: Settings, runtime: Runtime, accounts: Accounts) -> Iterator[str]:
    with served(create_app(settings, runtime)) as url:
        yield url


def test_a_supervisor_acknowledges_shelves_and_sees_the_alarm_return(
    chromium: object, base_url: str, runtime: Runtime
) -> None:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    browser_log_in(page, base_url)

    # The banner on the overview counts the high-priority alarm.
    page.goto(f"{base_url}/")
    high = page.locator('[data-testid="alarm-banner"] [data-priority="high"] b')
    high.wait_for(timeout=10_000)
    assert int(high.inner_text()) >= 1

    page.locator('[data-testid="alarm-banner"]').click()
    page.wait_for_url(f"{base_url}/alarms")
    row = page.locator(f'tr[data-key="{KEY}"]').first
    assert row.get_attribute("data-state") == "active_unack"
    row.locator('input[name="comment"]').fill("sudah dicek")
    with page.expect_navigation():
        row.locator('[data-testid="ack"]').click()
    row = page.locator(f'tr[data-key="{KEY}"]').first
    assert row.get_attribute("data-state") == "active_ack"

    row.locator('input[name="reason"]').fill("sensor diganti")
    row.locator('input[name="minutes"]').fill("5")
    with page.expect_navigation():
        row.locator('[data-testid="shelve"]').click()
    row = page.locator(f'tr[data-key="{KEY}"]').first
    assert row.get_attribute("data-state") == "shelved"
    assert "sensor diganti" in row.inner_text()

    # Six minutes later the shelf has run out and the alarm, still active, is announced again.
    CLOCK.now = NOW + timedelta(minutes=6)
    runtime.alarms.tick()
    page.reload()
    row = page.locator(f'tr[data-key="{KEY}"]').first
    assert row.get_attribute("data-state") == "active_unack"

    page.goto(f"{base_url}/alarms/history?machine=imm-01")
    events = page.locator("tr[data-event]").evaluate_all("rows => rows.map(r => r.dataset.event)")
    assert {"activate", "acknowledge", "shelve", "expire"} <= set(events)

    # The period of this alarm only: the demo's anomaly alarms outrank it over a whole day.
    period = urlencode(
        {"from": (NOW - timedelta(minutes=5)).isoformat(), "to": CLOCK.now.isoformat()}
    )
    page.goto(f"{base_url}/alarms/report?{period}")
    assert int(page.locator('[data-figure="total"] td').nth(1).inner_text()) >= 1
    assert KEY in page.locator('[data-testid="fix-first"]').inner_text()
    assert problems == []
    context.close()

"""The issue's journey in Chromium: from an empty data folder and no YAML to live data.

The wizard makes a site with one line of two machines; the engineer adds a Modbus connector
against a real pymodbus slave (live preview, test, save) and an OPC UA connector against a real
asyncua server (browse, tick two variables, map, save); the overview then shows both machines
running. The stored configuration exports, passes ``config check`` and imports into a fresh
folder as the same file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pabrik.cli.app import app as cli_app
from pabrik.runtime.accounts.permissions import Role
from tests.web.browser import browser_log_in, launched_chromium, served
from tests.web.connectors.devices import TEMPERATURE, Devices, running_devices
from tests.web.session import PASSWORD
from tests.web.setup.instance import empty_instance
from tests.web.setup.journey import MACHINE_IDS, run_wizard_in_browser

WAIT_MS = 30_000


def _add_modbus(page: Any, devices: Devices) -> None:
    from playwright.sync_api import expect

    page.goto(page.url.split("/connectors")[0] + "/connectors/new/modbus")
    page.fill('[name="id"]', "plc-kemas")
    page.fill('[name="devices.0.id"]', "plc-1")
    page.fill('[name="devices.0.host"]', "127.0.0.1")
    page.fill('[name="devices.0.port"]', str(devices.modbus_port))
    page.fill('[name="devices.0.poll_interval_s"]', "0.5")
    page.fill('[name="devices.0.points.0.machine"]', "filler-1")
    page.select_option('[name="devices.0.points.0.role"]', "state")
    page.fill('[name="devices.0.points.0.address"]', "0")
    page.fill('[name="devices.0.points.0.states"]', "1: running\n0: idle")
    page.click('[data-testid="add-devices.0.points"]')
    page.wait_for_selector('[name="devices.0.points.1.machine"]')
    page.fill('[name="devices.0.points.1.machine"]', "filler-1")
    page.fill('[name="devices.0.points.1.signal"]', "suhu")
    page.fill('[name="devices.0.points.1.address"]', "1")
    page.select_option('[name="devices.0.points.1.type"]', "float32")
    # The slave stores the float low word first: the preview shows the wrong order at once.
    page.click('[data-testid="preview"]')
    wrong = page.locator('tr[data-point="1"] [data-testid="preview-value"]')
    expect(wrong).not_to_have_text(str(TEMPERATURE), timeout=WAIT_MS)
    page.select_option('[name="devices.0.points.1.word_order"]', "little")
    page.click('[data-testid="preview"]')
    expect(wrong).to_have_text(str(TEMPERATURE), timeout=WAIT_MS)
    expect(page.locator('tr[data-point="0"] [data-testid="preview-value"]')).to_have_text("1")
    # Keep updating: the preview asks again by itself (no script evaluation, the CSP forbids it).
    page.check('[data-testid="preview-live"]')
    expect(page.locator('[data-testid="preview-poll"]')).to_have_count(1, timeout=WAIT_MS)
    with page.expect_response(lambda r: r.url.endswith("/modbus/preview"), timeout=WAIT_MS):
        pass
    expect(wrong).to_have_text(str(TEMPERATURE))
    page.uncheck('[data-testid="preview-live"]')
    expect(page.locator('[data-testid="preview-poll"]')).to_have_count(0, timeout=WAIT_MS)
    page.click('[data-testid="conn-test"]')
    result = page.locator('[data-testid="conn-result"]')
    expect(result).to_have_attribute("data-ok", "true", timeout=WAIT_MS)
    with page.expect_navigation():
        page.click('[data-testid="conn-save"]')
    expect(page.locator('[data-testid="conn-saved"]')).to_be_visible()
    state = page.locator("#conn-state .conn-state")
    expect(state).to_have_attribute("data-state", "running", timeout=WAIT_MS)


def _row_of(page: Any, node: str) -> int:
    for i in range(page.locator('[name$=".node"]').count()):
        if page.input_value(f'[name="signals.{i}.node"]') == node:
            return i
    raise AssertionError(f"no row maps {node}")


def _add_opcua(page: Any, base: str, devices: Devices) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/connectors/new/opcua")
    page.fill('[name="id"]', "opc-label")
    page.fill('[name="endpoint"]', devices.opcua_url)
    page.click('[data-testid="browse"]')
    page.click('summary:has-text("labeller-1")')
    for name in ("Status", "Speed"):
        box = page.locator(f'[data-testid="pick"][data-path="labeller-1/{name}"]')
        box.check(timeout=WAIT_MS)
    page.click('[data-testid="map-picked"]')
    page.wait_for_selector('[name="signals.1.node"]')
    assert page.locator('[name="signals.2.node"]').count() == 0
    status = _row_of(page, "ns=2;s=Labeller.Status")
    speed = _row_of(page, "ns=2;s=Labeller.Speed")
    # The machine is guessed from the object's name; the status becomes the machine's state.
    expect(page.locator(f'[name="signals.{speed}.machine"]')).to_have_value("labeller-1")
    expect(page.locator(f'[name="signals.{speed}.signal"]')).to_have_value("speed")
    page.fill(f'[name="signals.{speed}.signal"]', "kecepatan")
    page.select_option(f'[name="signals.{status}.role"]', "state")
    page.fill(f'[name="signals.{status}.signal"]', "")
    page.fill(f'[name="signals.{status}.states"]', "1: running\n0: idle")
    page.click('[data-testid="conn-test"]')
    result = page.locator('[data-testid="conn-result"]')
    expect(result).to_have_attribute("data-ok", "true", timeout=WAIT_MS)
    with page.expect_navigation():
        page.click('[data-testid="conn-save"]')
    state = page.locator("#conn-state .conn-state")
    expect(state).to_have_attribute("data-state", "running", timeout=WAIT_MS)


def _overview_shows_running(page: Any, base: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/")
    for machine in MACHINE_IDS:
        card = page.locator(f'article.machine[data-scope="{machine}"]')
        expect(card).to_have_class(re.compile(r"state-edge-running"), timeout=WAIT_MS)


def _machines_page_shows_the_sources(page: Any, base: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/machines")
    for machine, source in (("filler-1", "plc-kemas"), ("labeller-1", "opc-label")):
        row = page.locator(f'tr[data-machine="{machine}"]')
        expect(row.locator("code", has_text=source)).to_be_visible()
        expect(row.locator("time")).to_be_visible()  # its last data
        expect(row.locator(f'a[href$="/connectors/{source}"]')).to_be_visible()


def _export_check_import(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    exported = tmp_path / "site.yaml"
    r = runner.invoke(
        cli_app, ["config", "export", "--data-dir", str(data_dir), "--out", str(exported)]
    )
    assert r.exit_code == 0, r.output
    text = exported.read_text(encoding="utf-8")
    assert "plc-kemas" in text
    assert "opc-label" in text
    assert "kecepatan" in text
    assert runner.invoke(cli_app, ["config", "check", str(exported)]).exit_code == 0
    fresh = tmp_path / "fresh"
    r = runner.invoke(cli_app, ["config", "import", str(exported), "--data-dir", str(fresh)])
    assert r.exit_code == 0, r.output
    again = tmp_path / "again.yaml"
    r = runner.invoke(cli_app, ["config", "export", "--data-dir", str(fresh), "--out", str(again)])
    assert r.exit_code == 0, r.output
    assert again.read_bytes() == exported.read_bytes()


def test_an_engineer_sets_up_a_plant_in_the_browser_from_an_empty_folder(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    data_dir = tmp_path / "data"
    with empty_instance(data_dir) as inst, running_devices() as devices:
        engineer = inst.users[Role.ENGINEER]
        with served(inst.app(live=True)) as base, launched_chromium() as browser:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda err: problems.append(str(err)))
            browser_log_in(page, base, engineer, PASSWORD)
            run_wizard_in_browser(page, base)
            page.goto(f"{base}/connectors")
            _add_modbus(page, devices)
            _add_opcua(page, base, devices)
            _overview_shows_running(page, base)
            _machines_page_shows_the_sources(page, base)
            page.close()
            assert not problems  # no script error, nothing the CSP refused
        _export_check_import(data_dir, tmp_path)

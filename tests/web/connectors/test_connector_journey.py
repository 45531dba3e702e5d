"""The issue's journey in Chromium: from an empty data folder and no YAML to live data.

The wizard makes a site with one line of two machines; the engineer adds a Modbus connector
against a real pymodbus slave (live preview, test, save) and an OPC UA connector against a real
asyncua server (browse, tick two variables, map, save); the overview then shows both machines
running. The stored configuration exports, passes ``config check`` and imports into a fresh
folder as the same file.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from pabrik.cli.app import app as cli_app
from pabrik.runtime.accounts.permissions import Role
from tests.web.browser import browser_log_in, launched_chromium, served
from tests.web.connectors.devices import TEMPERATURE, Devices, running_devices
from tests.web.session import PASSWORD, SAFE, log_in
from tests.web.setup.instance import empty_instance
from tests.web.setup.steps import run_wizard

WAIT_MS = 30_000


async def _wizard_over_http(base: str, username: str) -> None:
    """B1's wizard steps as form posts to the live server (its Chromium helper replaces this)."""
    token: dict[str, str] = {}

    async def add_csrf(request: httpx.Request) -> None:
        if request.method not in SAFE:
            request.headers["X-CSRF-Token"] = token.get("value", "")

    async with httpx.AsyncClient(base_url=base, event_hooks={"request": [add_csrf]}) as client:
        assert (await log_in(client, username, PASSWORD)).status_code == 303
        token["value"] = (await client.get("/api/v1/me")).json()["csrf_token"]
        saved = await run_wizard(client)
        assert saved.status_code == 303, saved.text[-2000:]


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
    page.fill('[name="devices.0.points.1.signal"]', "temperature")
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
    for machine in ("filler-1", "labeller-1"):
        card = page.locator(f'article.machine[data-scope="{machine}"]')
        expect(card).to_have_class(re.compile(r"state-edge-running"), timeout=WAIT_MS)


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
    assert runner.invoke(cli_app, ["config", "check", str(exported)]).exit_code == 0
    fresh = tmp_path / "fresh"
    r = runner.invoke(cli_app, ["config", "import", str(exported), "--data-dir", str(fresh)])
    assert r.exit_code == 0, r.output
    again = tmp_path / "again.yaml"
    r = runner.invoke(cli_app, ["config", "export", "--data-dir", str(fresh), "--out", str(again)])
    assert r.exit_code == 0, r.output
    assert again.read_bytes() == exported.read_bytes()


def _bootable_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until configstore.placeholder_site() validates (helper A), boot with a valid stand-in."""
    from pydantic import ValidationError

    from pabrik.runtime.plant import configstore
    from pabrik.runtime.plant.siteconfig import SiteConfig

    try:
        configstore.placeholder_site()
    except ValidationError:
        text = {"id": "-"}
        data: Any = configstore._PLACEHOLDER
        area = {**data["areas"][0], "name": text}
        line = {**area["lines"][0], "name": text}
        machine = {**line["machines"][0], "name": text}
        machine["products"] = [{**machine["products"][0], "name": text}]
        line["machines"] = [machine]
        area["lines"] = [line]
        shifts = [{"id": "s", "name": text, "start": "00:00", "end": "23:59"}]
        site = SiteConfig.model_validate({**data, "areas": [area], "calendar": {"shifts": shifts}})
        monkeypatch.setattr("pabrik.runtime.app.placeholder_site", lambda: site)


def test_an_engineer_sets_up_a_plant_in_the_browser_from_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("playwright.sync_api")
    _bootable_placeholder(monkeypatch)
    data_dir = tmp_path / "data"
    with empty_instance(data_dir) as inst, running_devices() as devices:
        engineer = inst.users[Role.ENGINEER]
        with served(inst.app(live=True)) as base:
            asyncio.run(_wizard_over_http(base, engineer))
            with launched_chromium() as browser:
                page = browser.new_page()
                browser_log_in(page, base, engineer, PASSWORD)
                page.goto(f"{base}/connectors")
                _add_modbus(page, devices)
                _add_opcua(page, base, devices)
                _overview_shows_running(page, base)
                page.close()
        _export_check_import(data_dir, tmp_path)

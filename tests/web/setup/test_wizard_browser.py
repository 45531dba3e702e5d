"""A real Chromium from an empty data folder through the setup wizard to the machines page."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from pabrik.runtime.accounts.permissions import Role
from tests.web.browser import browser_log_in, served
from tests.web.session import PASSWORD
from tests.web.setup.instance import Instance, empty_instance
from tests.web.setup.journey import LINE_ID, MACHINE_IDS, SITE_ID, run_wizard_in_browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    with empty_instance(tmp_path_factory.mktemp("browser-empty"), (Role.ENGINEER,)) as inst:
        yield inst


def test_an_engineer_sets_up_a_plant_in_the_browser(
    chromium: object, instance: Instance, tmp_path: Path
) -> None:
    with served(instance.app(live=True)) as base_url:
        context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")  # type: ignore[attr-defined]
        page = context.new_page()
        requests: list[str] = []
        problems: list[str] = []
        page.on("request", lambda req: requests.append(req.url))
        page.on("pageerror", lambda err: problems.append(str(err)))
        browser_log_in(page, base_url, instance.users[Role.ENGINEER], PASSWORD)

        run_wizard_in_browser(page, base_url)
        page.screenshot(path=str(tmp_path / "machines.png"), full_page=True)
        assert page.locator("h1").inner_text() == "Mesin"
        rows = page.locator("[data-machine]")
        assert [rows.nth(i).get_attribute("data-machine") for i in range(2)] == list(MACHINE_IDS)
        assert "versi 1" in page.locator('[data-testid="setup-saved"]').inner_text()

        rt = instance.runtime
        assert rt.configured
        assert rt.plant.site.id == SITE_ID
        assert [ln.id for ln in rt.plant.lines()] == [LINE_ID]
        assert rt.plant.lines()[0].downtime_cost_per_hour_idr == Decimal(2500000)
        assert rt.plant.reason("menunggu-forklift") is not None
        assert len(rt.plant.calendar.shifts) == 3

        page.click('[data-testid="add-machine-link"]')
        page.wait_for_selector('[data-testid="add-machine"]')
        page.fill('input[name="name"]', "Mesin Tutup")
        page.fill('input[name="product_name"]', "Tutup 28 mm")
        page.fill('input[name="cycle_s"]', "0,4")
        with page.expect_navigation():
            page.click('[data-testid="add-machine-save"]')
        page.wait_for_selector('[data-machine="mesin-tutup"]')
        assert "versi 2" in page.locator('[data-testid="setup-saved"]').inner_text()
        assert rt.plant.line_of("mesin-tutup").id == LINE_ID  # type: ignore[union-attr]

        page.goto(f"{base_url}/")
        assert page.locator("h1").inner_text() == "Ringkasan pabrik"
        assert page.locator(".site-name").inner_text() == "Pabrik Bekasi"
        context.close()
        foreign = [url for url in requests if not url.startswith(base_url)]
        assert not foreign, f"requests left the server: {foreign}"
        assert not problems, problems

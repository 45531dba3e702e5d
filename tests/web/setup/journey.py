"""The setup wizard in a real browser, as a reusable journey for the issue 13 journeys.

``run_wizard_in_browser(page, base_url)`` starts at the overview of an unconfigured pabrik (the
caller has logged in as a company admin or engineer), follows the redirect to the wizard, fills
every step as a person would, saves, and returns on the machines page. The site it makes:
``pabrik-bekasi``, one area, ONE line ``lini-kemas`` with two machines, ``filler-1`` (signals
``suhu`` °C and ``tekanan`` bar) and ``labeller-1`` (signal ``kecepatan`` m/menit), each making
``botol-600`` at 0.5 s, three shifts Monday to Saturday in Asia/Jakarta, Indonesian holidays off.
"""

from __future__ import annotations

from typing import Any

from tests.web.setup.steps import MACHINES, PRODUCTS, SITE

MACHINE_IDS = ("filler-1", "labeller-1")
LINE_ID = "lini-kemas"
SITE_ID = "pabrik-bekasi"


def _next(page: Any, step: str) -> None:
    """Press Next and wait for the following step's form."""
    page.click('[data-testid="setup-next"]')
    page.wait_for_selector(f'[data-testid="setup-{step}"]')


def fill_site(page: Any) -> None:
    """The company and site step."""
    page.fill('input[name="company"]', SITE["company"])
    page.fill('input[name="name"]', SITE["name"])
    page.select_option('select[name="province"]', SITE["province"])
    page.select_option('select[name="timezone"]', SITE["timezone"])


def fill_machines(page: Any) -> None:
    """One line of two machines, with their signals."""
    for name, value in MACHINES.items():
        page.fill(f'input[name="{name}"]', value)


def fill_products(page: Any) -> None:
    """One product on all machines."""
    page.select_option('select[name="product-0-machine"]', PRODUCTS["product-0-machine"])
    for name in ("product-0-name", "product-0-code", "product-0-cycle_s", "product-0-scrap_idr"):
        page.fill(f'input[name="{name}"]', PRODUCTS[name])


def run_wizard_in_browser(page: Any, base_url: str) -> None:
    """From the overview of an empty site to the machines page after the wizard's save."""
    page.goto(f"{base_url}/")
    page.wait_for_selector('[data-testid="setup-site"]')
    fill_site(page)
    _next(page, "plant")
    fill_machines(page)
    _next(page, "products")
    fill_products(page)
    _next(page, "reasons")
    # The offered defaults stay ticked; one reason of the plant's own is added.
    page.fill('input[name="own_stop-0-name"]', "Menunggu forklift")
    _next(page, "shifts")
    assert page.input_value('input[name="shift-0-start"]') == "07:00"
    _next(page, "costs")
    page.fill('input[name="line_cost-lini-kemas"]', "2.500.000")
    _next(page, "review")
    with page.expect_navigation():
        page.click('[data-testid="setup-save"]')
    page.wait_for_selector('[data-testid="machine-health"]')

"""A real Chromium journey: an admin adds a person, who sees only their own plant; the analyst
sees the programme view without any company name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.app import Runtime
from pabrik.runtime.programme.bulk_import import import_results
from tests.web.browser import browser_log_in, served
from tests.web.programme.results import HEADER, add_natives, rows
from tests.web.session import PASSWORD
from tests.web.world import World

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(app: FastAPI, world: World, runtime: Runtime, accounts: Accounts) -> Iterator[str]:
    # Imported rows never make up k where companies assess themselves (docs/security.md):
    # five plastics companies assess themselves in pabrik, so their sector can be shown.
    add_natives(runtime, accounts, 5, "22220", "Jawa Barat")
    csv = "\n".join([HEADER, *rows()]).encode()
    import_results(app.state.assessments, TenantScope(None, Role.ANALYST, "setup"), csv, "p.csv")
    with served(app, lifespan="off") as url:
        yield url


def _page(chromium: object) -> object:
    context = chromium.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.problems = problems
    return page


def test_an_admin_adds_a_person_who_sees_only_their_own_plant(
    chromium: object, server: str, world: World
) -> None:
    admin = _page(chromium)
    browser_log_in(admin, server, world.users[("company_admin", "own")], PASSWORD)
    admin.goto(f"{server}/admin/users")  # type: ignore[attr-defined]
    form = admin.locator('[data-testid="add-user"]')  # type: ignore[attr-defined]
    form.locator('input[name="username"]').fill("rina")
    form.locator('input[name="display_name"]').fill("Rina Operator")
    form.locator('select[name="role"]').select_option("operator")
    form.locator('input[name="password"]').fill("rina password 2025")
    with admin.expect_navigation():  # type: ignore[attr-defined]
        form.locator('button[type="submit"]').click()
    assert "rina" in admin.locator('[data-testid="users"]').inner_text()  # type: ignore[attr-defined]

    rina = _page(chromium)
    browser_log_in(rina, server, "rina", "rina password 2025")
    assert rina.url == f"{server}/"  # type: ignore[attr-defined]
    assert rina.locator("h1").inner_text() == "Ringkasan pabrik"  # type: ignore[attr-defined]
    assert rina.locator(".machine").count() >= 4  # type: ignore[attr-defined]
    assert "Plastindo" in rina.locator(".site-name").inner_text()  # type: ignore[attr-defined]
    nav = rina.locator("nav.nav").inner_text()  # type: ignore[attr-defined]
    assert "Program" not in nav
    assert "Pengguna" not in nav
    rina.goto(f"{server}/admin/users")  # type: ignore[attr-defined]
    assert rina.locator(".error-status").inner_text() == "403"  # type: ignore[attr-defined]

    stranger = _page(chromium)
    browser_log_in(stranger, server, world.users[("engineer", "other")], PASSWORD)
    assert stranger.url.endswith("/assess")  # type: ignore[attr-defined]
    stranger.goto(f"{server}/machines/imm-01")  # type: ignore[attr-defined]
    assert stranger.locator(".error-status").inner_text() == "404"  # type: ignore[attr-defined]
    body = stranger.locator("body").inner_text()  # type: ignore[attr-defined]
    assert "Mesin Injeksi" not in body
    assert "Plastindo" not in body
    assert not rina.problems
    assert not admin.problems


def test_the_analyst_sees_the_programme_and_no_company_names(
    chromium: object, server: str, world: World
) -> None:
    page = _page(chromium)
    browser_log_in(page, server, world.users[("analyst", "own")], PASSWORD)
    assert page.url == f"{server}/programme"  # type: ignore[attr-defined]
    page.wait_for_selector("#programme-heat-map canvas", timeout=15_000)  # type: ignore[attr-defined]
    text = page.locator("body").inner_text()  # type: ignore[attr-defined]
    assert "Semua perusahaan" in text
    for name in ("PT Rahasia", "PT Lain", "Plastindo", "Jawa Timur"):
        assert name not in text
    assert not page.problems  # type: ignore[attr-defined]

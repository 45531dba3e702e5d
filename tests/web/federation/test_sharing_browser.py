"""A real Chromium journey across two pabrik instances: a company (SQLite) shares an assessment
with a programme server (PostgreSQL); the programme analyst sees it counted; the company
revokes it; it is gone (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.federation.sharing import Sharing
from pabrik.runtime.federation.sharing_outbox import deliver_due, https_transport
from pabrik.runtime.programme.shared import ProgrammeSharing
from pabrik.runtime.settings import Settings
from tests.paths import DEMO
from tests.pg import PgServer
from tests.web.browser import browser_log_in, served
from tests.web.federation.programme import ADMIN, ANALYST, Programme, programme_app
from tests.web.world import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OWN_NIB = "9120000000888"


@pytest.fixture(scope="module")
def pg_programme(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Programme]:
    """The programme server on its own PostgreSQL database, served by uvicorn."""
    url = pg_server.create_database("pabrik_programme")
    settings = Settings(
        config=DEMO,
        data_dir=tmp_path_factory.mktemp("pg-programme"),
        database_url=url,
        k_anonymity=2,
    )
    app = programme_app(settings)
    with served(app) as base:
        yield Programme(app, base)
    pg_server.drop_database(url)


@pytest.fixture(scope="module")
def company(app: FastAPI) -> Iterator[str]:
    """The company's pabrik (the two-company world on SQLite), served by uvicorn."""
    with served(app) as base:
        yield base


def _company(app: FastAPI, tenant: str) -> Assessments:
    base: Assessments = app.state.assessments
    return base.for_tenant(tenant, "", "admin-lain", with_plant=False)


def test_a_company_shares_an_assessment_and_takes_it_back(
    chromium: object, app: FastAPI, world: World, pg_programme: Programme, company: str
) -> None:
    # The other company shared already, so a second company makes k = 2.
    sharing = ProgrammeSharing(pg_programme.app.state.assessments)
    scope = TenantScope(None, Role.PROGRAMME_ADMIN, ADMIN)
    other_token = sharing.issue(scope, "PT Lain Sekali", "9120000000001").token
    other = _company(app, world.other)
    Sharing(other).share(world.assessments["other"], pg_programme.url, other_token, "x", True)
    assert deliver_due(other.store, https_transport(), other.clock) == 1

    def context(locale: str = "id-ID") -> object:
        return chromium.new_context(viewport={"width": 1280, "height": 900}, locale=locale)  # type: ignore[attr-defined]

    # The programme admin registers the company and hands over its token.
    boss = context().new_page()  # type: ignore[attr-defined]
    browser_log_in(boss, pg_programme.url, ADMIN)
    boss.goto(f"{pg_programme.url}/programme?lang=id")
    boss.click('a[href$="/programme/registrations"]')
    boss.fill('input[name="name"]', "Plastindo")
    boss.fill('input[name="registration_no"]', OWN_NIB)
    boss.click('button[type="submit"].primary')
    token = boss.locator('[data-testid="registration-token"]').inner_text().strip()
    assert token.startswith("pgr_")

    # The company admin shares the assessment's results from its results page.
    admin = context().new_page()  # type: ignore[attr-defined]
    browser_log_in(admin, company, world.users[("company_admin", "own")])
    admin.goto(f"{company}/assess/{world.assessments['own']}/results?lang=id")
    admin.click('[data-testid="share-link"]')
    assert "Bagikan hasil ke program" in admin.locator("h1").inner_text()
    admin.fill('input[name="programme_url"]', pg_programme.url)
    admin.fill('input[name="token"]', token)
    admin.check('input[name="consent"]')
    admin.click('button[type="submit"].primary')
    status = admin.locator('[data-testid="share-status"]').first
    assert status.inner_text() == "Dibagikan"

    # The programme analyst sees both companies counted as self-assessed.
    analyst = context("en-GB").new_page()  # type: ignore[attr-defined]
    browser_log_in(analyst, pg_programme.url, ANALYST)
    analyst.goto(f"{pg_programme.url}/programme?lang=en")
    counted = analyst.locator('[data-provenance="self_assessed"]')
    assert counted.inner_text() == "2"

    # The company takes it back; the programme deletes it.
    admin.click('[data-testid="revoke"]')
    assert status.inner_text() == "Ditarik"
    analyst.reload()
    assert counted.inner_text() != "2"
    shared = pg_programme.app.state.assessments.store.shared_results()
    assert [r.tenant_id for r in shared] == ["nib-9120000000001"]
    for page in (boss, admin, analyst):
        page.context.close()

"""Consented sharing between two pabrik instances over real HTTP (issue 15).

The company is the two-company world on SQLite; the programme is a second instance served by
uvicorn. Shares and revokes go through the company's outbox and the programme's public API with
a registration token and an idempotency key.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI

from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.federation.sharing import Sharing
from pabrik.runtime.federation.sharing_outbox import deliver_due, https_transport
from pabrik.runtime.programme.view import programme_view
from tests.web.federation.programme import Programme
from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio
OWN_NIB = "9120000000777"
TOKEN = re.compile(r'data-testid="registration-token">([^<]+)<')


def _company(app: FastAPI, tenant: str) -> Assessments:
    base: Assessments = app.state.assessments
    return base.for_tenant(tenant, "", "company-admin", with_plant=False)


def _programme_service(programme: Programme) -> Assessments:
    service: Assessments = programme.app.state.assessments
    return service


async def _register(programme: Programme, nib: str, name: str) -> str:
    async with logged_in(programme.app, programme.admin, PASSWORD) as c:
        r = await c.post("/programme/registrations", data={"name": name, "registration_no": nib})
    assert r.status_code == 200, r.text
    found = TOKEN.search(r.text)
    assert found, "the new token is shown once"
    return found.group(1)


async def _share_page(app: FastAPI, user: str, assessment: str, data: dict[str, str]) -> str:
    async with logged_in(app, user, PASSWORD) as c:
        r = await c.post(f"/assess/{assessment}/share", data=data)
        assert r.status_code in (303, 422), r.text
        page = await c.get(f"/assess/{assessment}/share")
    assert page.status_code == 200
    return page.text if r.status_code == 303 else r.text


@pytest.fixture(scope="module")
def tokens(programme: Programme, world: World) -> dict[str, str]:
    """Registration tokens for both companies (the other one by its NIB, the own one new)."""
    import anyio

    async def both() -> dict[str, str]:
        return {
            "own": await _register(programme, OWN_NIB, "Plastindo"),
            "other": await _register(programme, "9120000000001", "PT Lain Sekali"),
        }

    return anyio.run(both)


async def test_a_shared_assessment_counts_on_the_programme_and_a_revoke_deletes_it(
    app: FastAPI, world: World, programme: Programme, tokens: dict[str, str]
) -> None:
    form = {"programme_url": programme.url, "token": tokens["own"], "consent": "yes"}
    page = await _share_page(
        app, world.users[("company_admin", "own")], world.assessments["own"], form
    )
    assert "share-shared" in page, page
    other = Sharing(_company(app, world.other))
    other.share(world.assessments["other"], programme.url, tokens["other"], "admin-lain", True)
    service = _company(app, world.own)
    assert deliver_due(service.store, https_transport(), service.clock) == 1

    prog = _programme_service(programme)
    shared = prog.store.shared_results()
    assert len(shared) == 2
    assert {r.verified for r in shared} == {False}
    view = programme_view(prog, 2)
    assert view.assessed == 2
    assert view.provenance["self_assessed"] == 2
    mine = next(r for r in shared if r.tenant_id == f"nib-{OWN_NIB}")
    assert mine.kbli is not None or mine.size in ("small", "medium", "large")
    assert isinstance(json.loads(mine.steps_json), list)
    async with logged_in(programme.app, programme.analyst, PASSWORD) as c:
        r = await c.get("/api/v1/programme")
    assert r.json()["provenance"]["self_assessed"] == 2

    share_id = other.shares(world.assessments["other"])[0].id
    other.revoke(share_id, "admin-lain")
    assert deliver_due(service.store, https_transport(), service.clock) == 1
    assert other.shares(world.assessments["other"])[0].status == "revoked"
    assert {r.tenant_id for r in prog.store.shared_results()} == {f"nib-{OWN_NIB}"}
    assert programme_view(prog, 2).assessed is None  # one company left: below k
    company_audit = [a.action for a in service.store.audit_entries(world.other, 100, 0)]
    assert {"programme.share", "programme.revoke", "programme.revoke.confirmed"} <= set(
        company_audit
    )
    programme_audit = [a.action for a in prog.store.audit_entries("nib-9120000000001", 100, 0)]
    assert {"programme.shared", "programme.withdrawn"} <= set(programme_audit)

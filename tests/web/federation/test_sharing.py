"""Consented sharing between two pabrik instances over real HTTP (issue 15).

The company is the two-company world on SQLite; the programme is a second instance served by
uvicorn. Shares and revokes go through the company's outbox and the programme's public API with
a registration token and an idempotency key.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.federation.sharing import Sharing
from pabrik.runtime.federation.sharing_outbox import Answer, deliver_due, https_transport
from pabrik.runtime.programme.shared import ProgrammeSharing
from pabrik.runtime.programme.view import programme_view
from tests.web.federation.programme import Programme
from tests.web.programme.results import HEADER
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


async def test_an_import_never_overwrites_a_shared_result(
    programme: Programme, tokens: dict[str, str], app: FastAPI, world: World
) -> None:
    if not _programme_service(programme).store.shared_results():
        form = {"programme_url": programme.url, "token": tokens["own"], "consent": "yes"}
        user = world.users[("company_admin", "own")]
        await _share_page(app, user, world.assessments["own"], form)
    before = {r.tenant_id: r for r in _programme_service(programme).store.shared_results()}
    assert f"nib-{OWN_NIB}" in before
    line = f"{OWN_NIB},Plastindo,22220,Jawa Barat,40,2025,3.9,3.9,3.9,ya"
    files = {"file": ("history.csv", f"{HEADER}\n{line}".encode(), "text/csv")}
    async with logged_in(programme.app, programme.admin, PASSWORD) as c:
        r = await c.post("/api/v1/programme/import", files=files)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 0
    assert r.json()["conflicts"] == 1
    after = {r.tenant_id: r for r in _programme_service(programme).store.shared_results()}
    assert after == before


async def test_the_analyst_cannot_import_or_issue_registration_tokens(
    programme: Programme,
) -> None:
    async with logged_in(programme.app, programme.analyst, PASSWORD) as c:
        r = await c.post("/programme/registrations", data={"registration_no": OWN_NIB})
        assert r.status_code == 403
        files = {"file": ("x.csv", HEADER.encode(), "text/csv")}
        assert (await c.post("/api/v1/programme/import", files=files)).status_code == 403


async def test_only_the_company_admin_shares(app: FastAPI, world: World) -> None:
    assessment = world.assessments["own"]
    for role in ("engineer", "operator", "analyst"):
        async with logged_in(app, world.users[(role, "own")], PASSWORD) as c:
            assert (await c.get(f"/assess/{assessment}/share")).status_code in (403, 404)
    async with logged_in(app, world.users[("company_admin", "other")], PASSWORD) as c:
        assert (await c.get(f"/assess/{assessment}/share")).status_code == 404


async def test_sharing_needs_consent_and_an_https_address(
    app: FastAPI, world: World, programme: Programme, tokens: dict[str, str]
) -> None:
    user, assessment = world.users[("company_admin", "other")], world.assessments["other"]
    no_consent = {"programme_url": programme.url, "token": tokens["other"]}
    page = await _share_page(app, user, assessment, no_consent)
    assert 'role="alert"' in page
    plain = {"programme_url": "http://programme.example.org", "token": "x", "consent": "yes"}
    assert 'role="alert"' in await _share_page(app, user, assessment, plain)
    before = len(Sharing(_company(app, world.other)).shares(assessment))
    assert before == len(Sharing(_company(app, world.other)).shares(assessment))


async def test_the_programme_refuses_unknown_and_revoked_tokens_and_bad_results(
    programme: Programme,
) -> None:
    prog = _programme_service(programme)
    sharing = ProgrammeSharing(prog)
    scope = TenantScope(None, Role.PROGRAMME_ADMIN, programme.admin)
    issued = sharing.issue(scope, "PT Dicabut", "9120000000999")
    body = {
        "share_id": "abc123",
        "model_id": "indi40",
        "year": 2026,
        "overall": 2.0,
        "level": 2,
        "pillars": {},
        "fields": {},
        "steps": [],
        "provenance": "self_assessed",
        "company": {},
    }
    async with httpx.AsyncClient(base_url=programme.url) as c:
        url = "/api/v1/programme/shared"
        key = {"Idempotency-Key": "k1"}
        bad = await c.post(url, json=body, headers={**key, "Authorization": "Bearer nope"})
        assert bad.status_code == 401
        auth = {**key, "Authorization": f"Bearer {issued.token}"}
        wrong = await c.post(url, json={**body, "overall": 99}, headers=auth)
        assert wrong.status_code == 422
        first = await c.post(url, json=body, headers=auth)
        again = await c.post(url, json=body, headers=auth)
        assert (first.json()["stored"], again.json()["stored"]) == (True, False)
        sharing.revoke_registration(scope, issued.registration.id)
        assert (await c.post(url, json=body, headers=auth)).status_code == 401
        gone = await c.delete(f"{url}/abc123", headers=auth)
        assert gone.status_code == 401


async def test_a_share_arriving_after_its_revoke_is_refused_for_good(
    programme: Programme,
) -> None:
    sharing = ProgrammeSharing(_programme_service(programme))
    scope = TenantScope(None, Role.PROGRAMME_ADMIN, programme.admin)
    issued = sharing.issue(scope, "PT Terlambat", "9120000000998")
    body = {
        "share_id": "late1", "model_id": "indi40", "year": 2026, "overall": 2.0, "level": 2,
        "pillars": {}, "fields": {}, "steps": [], "provenance": "self_assessed", "company": {},
    }  # fmt: skip
    auth = {"Authorization": f"Bearer {issued.token}"}
    async with httpx.AsyncClient(base_url=programme.url) as c:
        url = "/api/v1/programme/shared"
        # The revoke overtook its share in the network: nothing to delete yet.
        assert (await c.delete(f"{url}/late1", headers=auth)).status_code == 404
        late = await c.post(url, json=body, headers={**auth, "Idempotency-Key": "late-k1"})
        assert late.status_code == 422
        assert late.json()["error"]["details"]["reason"] == "share_withdrawn"
    stored = _programme_service(programme).store.shared_results()
    assert "late1" not in {r.share_id for r in stored}


def test_a_share_waits_in_the_outbox_while_the_programme_is_down(
    app: FastAPI, world: World, programme: Programme, tokens: dict[str, str]
) -> None:
    service = _company(app, world.other)
    sharing = Sharing(service)
    assessment = world.assessments["other"]
    for s in sharing.shares(assessment):
        sharing.revoke(s.id, "admin-lain")
    deliver_due(service.store, https_transport(), service.clock)
    down = "http://127.0.0.1:9"  # the discard port: nobody answers
    row = sharing.share(assessment, down, tokens["other"], "admin-lain", True)
    assert deliver_due(service.store, https_transport(), service.clock) == 0
    waiting = service.store.share(world.other, row.id)
    assert waiting is not None
    assert (waiting.status, bool(waiting.last_error)) == ("sharing", True)
    pending = list(service.store.due_outbox(datetime.now(UTC) + timedelta(hours=1)))
    assert [o.attempts for o in pending if o.share_id == row.id] == [1]

    def recorded(method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
        sent.append((method, url, key))
        return https_transport()(method, programme.url + url.removeprefix(down), token, key, body)

    sent: list[tuple[str, str, str]] = []
    later = lambda: datetime.now(UTC) + timedelta(hours=1)  # noqa: E731
    assert deliver_due(service.store, recorded, later) == 1
    assert sent[0][0] == "POST"
    delivered = service.store.share(world.other, row.id)
    assert delivered is not None
    assert delivered.status == "shared"


async def test_a_company_admins_token_shares_and_revokes_through_the_api(
    app: FastAPI, world: World, programme: Programme, tokens: dict[str, str]
) -> None:
    assessment = world.assessments["own"]
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as c:
        base = f"/api/v1/assessments/{assessment}/shares"
        for s in (await c.get(base)).json():
            if s["status"] in ("sharing", "shared"):
                await c.delete(f"{base}/{s['id']}")
        refused = await c.post(base, json={"programme_url": programme.url, "token": "x"})
        assert refused.status_code == 422
        body = {"programme_url": programme.url, "token": tokens["own"], "consent": True}
        made = await c.post(base, json=body)
        assert made.status_code == 201, made.text
        assert made.json()["status"] == "shared"
        assert "token" not in made.json()
        gone = await c.delete(f"{base}/{made.json()['id']}")
        assert gone.json()["status"] == "revoked"
        assert (await c.delete(f"{base}/nope")).status_code == 404
    async with logged_in(app, world.users[("engineer", "own")], PASSWORD) as c:
        assert (await c.get(f"/api/v1/assessments/{assessment}/shares")).status_code == 403


async def test_the_share_page_speaks_korean_and_english(app: FastAPI, world: World) -> None:
    assessment = world.assessments["own"]
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as c:
        ko = await c.get(f"/assess/{assessment}/share?lang=ko")
        en = await c.get(f"/assess/{assessment}/share?lang=en")
    assert "프로그램과 결과 공유" in ko.text
    assert "Share results with a programme" in en.text

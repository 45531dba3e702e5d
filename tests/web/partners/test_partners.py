"""The partner directory over HTTP: who manages it, who sees matches, and contact requests."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from pabrik.runtime.partners.directory import Partners
from pabrik.runtime.partners.example import load_example
from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def example(app: FastAPI, world: World) -> int:
    svc = app.state.assessments
    return load_example(Partners(svc.store, svc.catalogue, svc.clock))


async def test_a_programme_admin_creates_edits_and_sees_the_audit(
    app: FastAPI, world: World, example: int
) -> None:
    form = {
        "mode": "create",
        "id": "mitra-uji",
        "kind": "polytechnic",
        "name": "Poltek Uji",
        "skills": ["plc_programming", "spc"],
        "provinces": ["Banten"],
        "active": "yes",
    }
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        r = await c.post("/partners/admin", data=form)
        assert r.status_code == 303
        bad = await c.post("/partners/admin", data=form | {"kind": "wizard"})
        assert bad.status_code == 422
        assert "kind:" in bad.text
        edit = await c.post("/partners/admin", data=form | {"mode": "edit", "name": "Poltek Baru"})
        assert edit.status_code == 303
        page = await c.get("/partners/admin")
        one = await c.get("/partners/admin/mitra-uji")
    assert "Poltek Baru" in page.text
    assert "partners.edit" in page.text
    assert "partners.create" in page.text
    assert 'value="Poltek Baru"' in one.text


async def test_an_import_names_each_refused_row_and_the_template_downloads(
    app: FastAPI, world: World
) -> None:
    text = "id,kind,name,practices,provinces\nimp-1,integrator,Imp,cmms,Bali\nimp-2,x,,y,Mars\n"
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        files = {"file": ("mitra.csv", text.encode(), "text/csv")}
        r = await c.post("/partners/admin/import", files=files)
        template = await c.get("/partners/admin/template.csv")
        programme_csv = await c.get("/programme/import-template.csv")
        programme_xlsx = await c.get("/programme/import-template.xlsx")
    assert r.status_code == 200
    assert 'data-testid="import-report"' in r.text
    assert "kind:" in r.text
    assert "provinces:" in r.text
    assert template.text.startswith("id,kind,name")
    assert "contoh / sample" in template.text
    assert programme_csv.text.startswith("nib,name,kbli,province,workforce,year")
    assert "contoh / sample" in programme_csv.text
    assert programme_xlsx.content[:2] == b"PK"


async def test_who_may_manage_and_who_may_only_look(app: FastAPI, world: World) -> None:
    async with logged_in(app, world.users[("analyst", "own")], PASSWORD) as c:
        assert (await c.get("/partners")).status_code == 200
        assert (await c.get("/partners/admin")).status_code == 403
        assert (await c.get("/programme/import-template.csv")).status_code == 403
    async with logged_in(app, world.users[("operator", "own")], PASSWORD) as c:
        assert (await c.get("/partners")).status_code == 403


async def test_the_roadmap_shows_who_can_help_near_the_company(
    app: FastAPI, world: World, example: int
) -> None:
    own, other = world.assessments["own"], world.assessments["other"]
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as c:
        roadmap = await c.get(f"/assess/{own}/roadmap")
        panel = await c.get(f"/partners/help/{own}", headers={"HX-Request": "true"})
        page = await c.get(f"/partners/help/{own}")
        tight = await c.get(f"/partners/help/{own}", params={"budget": "Rp1"})
        foreign = await c.get(f"/partners/help/{other}")
    assert f'hx-get="/partners/help/{own}' in roadmap.text
    assert panel.status_code == 200
    assert "<html" not in panel.text
    assert "contoh / sample" in panel.text
    assert "/contact?topic=" in panel.text
    assert "<html" in page.text
    assert foreign.status_code == 404
    rows = '"><th scope="row">'
    assert tight.text.count(rows) < page.text.count(rows)  # the plan within the page's budget
    # Beside each roadmap step and each skills gap: a link to who can help with it.
    links = set(re.findall(r'class="help-link" href="#((?:help|need)-[\w.-]+)"', roadmap.text))
    rows_for = set(re.findall(r'<tr id="((?:help|need)-[\w.-]+)">', panel.text))
    assert any(x.startswith("help-") for x in links)
    assert any(x.startswith("need-") for x in links)
    assert links == rows_for


async def test_a_contact_request_is_sent_only_with_consent_and_is_audited(
    app: FastAPI, world: World, example: int
) -> None:
    url = "/partners/contoh-balai-pelatihan/contact"
    async with logged_in(app, world.users[("company_admin", "other")], PASSWORD) as c:
        form = await c.get(url, params={"topic": "operator"})
        refused = await c.post(url, data={"topic": "operator", "message": "Halo"})
        svc = app.state.assessments
        assert svc.store.contacts(world.other) == []
        sent = await c.post(url, data={"topic": "operator", "message": "Halo", "consent": "yes"})
        after = await c.get(sent.headers["location"])
        audit = await c.get("/admin/audit")
    assert "PT Lain Sekali" in form.text
    assert refused.status_code == 422
    assert sent.status_code == 303
    assert 'data-testid="contact-sent"' in after.text
    (row,) = svc.store.contacts(world.other)
    assert (row.partner_id, row.topic, row.message) == (
        "contoh-balai-pelatihan",
        "operator",
        "Halo",
    )
    assert "partners.contact" in audit.text
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        admin = await c.get("/partners/admin")
    assert "PT Lain Sekali" in admin.text

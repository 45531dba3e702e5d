"""The first-run setup wizard over HTTP: who may run it, what it refuses and in which words."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from tests.web.session import PASSWORD, logged_in
from tests.web.setup.instance import OTHER_ROLES, Instance, empty_instance
from tests.web.setup.steps import MACHINES, PRODUCTS, REASONS, SHIFTS, SITE, draft_of, post

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    with empty_instance(tmp_path_factory.mktemp("empty")) as inst:
        yield inst


@pytest.fixture(scope="module")
def app(instance: Instance) -> FastAPI:
    return instance.app()


@pytest.fixture
async def engineer(app: FastAPI, instance: Instance) -> AsyncIterator[httpx.AsyncClient]:
    async with logged_in(app, instance.users[Role.ENGINEER], PASSWORD) as c:
        yield c


async def test_the_overview_sends_an_engineer_to_the_wizard(engineer: httpx.AsyncClient) -> None:
    r = await engineer.get("/")
    assert r.status_code == 303
    assert r.headers["location"].endswith("/setup")
    page = await engineer.get("/setup")
    assert page.status_code == 200
    assert 'data-testid="setup-site"' in page.text


async def test_an_operator_is_told_the_plant_is_not_set_up(
    app: FastAPI, instance: Instance
) -> None:
    async with logged_in(app, instance.users[Role.OPERATOR], PASSWORD) as c:
        r = await c.get("/?lang=en")
        assert r.status_code == 200
        assert "The plant is not set up yet" in r.text
        assert (await c.get("/machines?lang=id")).text.count("Pabrik belum diatur") >= 1


@pytest.mark.parametrize("role", [Role.OPERATOR, *OTHER_ROLES])
async def test_only_the_company_admin_and_the_engineer_may_run_the_wizard(
    app: FastAPI, instance: Instance, role: Role
) -> None:
    async with logged_in(app, instance.users[role], PASSWORD) as c:
        assert (await c.get("/setup")).status_code == 403
        r = await c.post("/setup/site", data={**SITE, "draft": "", "action": "next"})
        assert r.status_code == 403


async def test_the_company_admin_may_open_the_wizard(app: FastAPI, instance: Instance) -> None:
    async with logged_in(app, instance.users[Role.COMPANY_ADMIN], PASSWORD) as c:
        assert (await c.get("/setup")).status_code == 200


async def test_site_fields_are_checked_with_messages_in_the_users_language(
    engineer: httpx.AsyncClient,
) -> None:
    bad = {"company": "", "name": "x" * 201, "site_id": "Not An Id!", "timezone": "Asia/Tokyo"}
    r = await post(engineer, "site", "", bad, lang="id")
    assert r.status_code == 422
    assert "Wajib diisi." in r.text
    assert "Terlalu panjang: paling banyak 200 karakter." in r.text
    assert "Pilih salah satu zona waktu Indonesia." in r.text
    r = await post(engineer, "site", "", bad, lang="en")
    assert r.status_code == 422
    assert "Required." in r.text
    assert "Choose one of Indonesia&#39;s time zones." in r.text
    assert 'data-error-for="site_id"' in r.text


async def test_machines_products_and_shifts_refuse_bad_values(
    engineer: httpx.AsyncClient,
) -> None:
    draft = draft_of((await post(engineer, "site", "", SITE)).text)
    twin = {**MACHINES, "machine-1-code": "filler-1"}
    r = await post(engineer, "plant", draft, twin, lang="en")
    assert r.status_code == 422
    assert "&#39;filler-1&#39; is used already" in r.text
    draft = draft_of((await post(engineer, "plant", draft, MACHINES)).text)
    only_one = {**PRODUCTS, "product-0-machine": "filler-1", "product-0-cycle_s": "cepat"}
    r = await post(engineer, "products", draft, only_one, lang="id")
    assert r.status_code == 422
    assert "Bukan angka." in r.text
    assert "Mesin ini belum punya produk: labeller-1." in r.text
    draft = draft_of((await post(engineer, "products", draft, PRODUCTS)).text)
    draft = draft_of((await post(engineer, "reasons", draft, REASONS)).text)
    overlapping = {
        **SHIFTS,
        "shift-1-name": "Siang",
        "shift-1-start": "14:00",
        "shift-1-end": "22:00",
        "shift-1-break_start": "23:00",
        "shift-1-break_end": "23:30",
        "shift-2-name": "Malam",
        "shift-2-start": "25:00",
        "shift-2-end": "06:00",
    }
    r = await post(engineer, "shifts", draft, overlapping, lang="en")
    assert r.status_code == 422
    assert "The break must lie inside the shift." in r.text
    assert "Write the time as HH:MM, for example 07:00." in r.text
    del overlapping["shift-1-break_start"], overlapping["shift-1-break_end"]
    del overlapping["shift-2-name"], overlapping["shift-2-start"], overlapping["shift-2-end"]
    r = await post(engineer, "shifts", draft, overlapping, lang="en")
    assert r.status_code == 422
    assert "Shifts &#39;Pagi&#39; and &#39;Siang&#39; overlap." in r.text
    r = await post(engineer, "costs", draft, {"energy_per_kwh_idr": "-5"}, lang="id")
    assert r.status_code == 422
    assert "Tidak boleh negatif." in r.text


async def test_a_tampered_draft_or_an_unknown_step_is_a_client_error(
    engineer: httpx.AsyncClient,
) -> None:
    r = await post(engineer, "plant", '{"site": {"company": 5, "bogus": 1}}', MACHINES)
    assert r.status_code == 422
    assert (await post(engineer, "nowhere", "", {})).status_code == 404
    r = await post(engineer, "review", "", {"action": "save"}, lang="en")
    assert r.status_code == 422
    assert "Step &#39;Company and site&#39; is not filled in yet." in r.text


async def test_more_rows_and_back_keep_what_was_typed(engineer: httpx.AsyncClient) -> None:
    draft = draft_of((await post(engineer, "site", "", SITE)).text)
    r = await post(engineer, "plant", draft, {**MACHINES, "action": "more"})
    assert r.status_code == 200
    assert 'name="machine-5-name"' in r.text
    assert 'value="Mesin Label"' in r.text
    r = await post(engineer, "plant", draft, {**MACHINES, "action": "back"})
    assert 'data-testid="setup-site"' in r.text
    assert 'value="PT Maju Bersama"' in r.text

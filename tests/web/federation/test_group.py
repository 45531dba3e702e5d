"""The group view on a central: a company's plants side by side (issue 15).

The central's store holds two plants of the site's tenant (their site documents seeded directly,
as store-and-forward would leave them) and records for both over one production day.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from fastapi import FastAPI

from pabrik.model.records import CountRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.model.windows import WindowName, named_window
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.federation.group import Group
from pabrik.runtime.federation.plants import add_plant
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.runtime.settings import Settings
from pabrik.storage.alarms import AlarmStateRow, AlarmTransitionRow
from pabrik.storage.sharing import GroupSiteRow
from pabrik.web.app import create_app
from tests.paths import DEMO
from tests.web.session import PASSWORD, logged_in

pytestmark = pytest.mark.anyio
# A Tuesday, 10:30 in Cikarang: the production day began at 07:00 local (00:00 UTC).
NOW = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)
DAY_START = datetime(2025, 3, 11, 0, 0, tzinfo=UTC)


def site_document(site_id: str, prefix: str) -> str:
    """The demo plant's first line as another plant, its machine ids prefixed."""
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for key in ("connectors", "alarms", "scrap_reasons"):
        data.pop(key, None)
    data["site"] = {"id": site_id, "name": f"Pabrik {prefix.upper()}", "tenant": "default"}
    area = data["areas"][0]
    line = area["lines"][0]
    for m in line["machines"]:
        m["id"] = f"{prefix}-{m['id']}"
    line["id"] = f"{prefix}-{line['id']}"
    area["id"] = f"{prefix}-{area['id']}"
    area["lines"] = [line]
    data["areas"] = [area]
    return yaml.safe_dump(data, allow_unicode=True)


def _records(
    machines: list[str], stop_minutes: int, batches: int
) -> list[StateRecord | CountRecord]:
    """Running all morning with one breakdown on every machine, and ``batches`` counts."""
    out: list[StateRecord | CountRecord] = []
    stop = DAY_START + timedelta(hours=1)
    for m in machines:
        out += [
            StateRecord("test", m, DAY_START, StateClass.RUNNING),
            StateRecord("test", m, stop, StateClass.UNPLANNED_STOP, reason="breakdown"),
            StateRecord("test", m, stop + timedelta(minutes=stop_minutes), StateClass.RUNNING),
        ]
        out += [
            CountRecord("test", m, DAY_START + timedelta(minutes=i), good=200, scrap=2)
            for i in range(0, batches * 10, 10)
        ]
    return out


def _alarm(rt: Runtime, machine: str, times: int) -> None:
    """An alarm on a machine that became active ``times`` times this morning."""
    key = f"oli-panas/{machine}"
    steps = [
        AlarmTransitionRow(
            key, 1, i, "oli-panas", machine, "high", "", DAY_START + timedelta(hours=i + 1),
            "activate", "normal", "active_unack", occurrence=True,
        )
        for i in range(times)
    ]  # fmt: skip
    state = AlarmStateRow(key, "oli-panas", machine, "active_unack", "high", "", "{}", 1, NOW)
    assert rt.store.save_alarm(state, steps)


@pytest.fixture(name="runtime", scope="module")
def central_runtime(settings: Settings) -> Iterator[Runtime]:
    """The central: two forwarded plants of the site's tenant in its store."""
    rt = build_runtime(settings)
    for site_id, prefix, stop, batches in (("plant-a", "a", 20, 20), ("plant-b", "b", 90, 10)):
        text = site_document(site_id, prefix)
        plant = parse_site(text).plant()
        rt.store.save_group_site(GroupSiteRow("default", site_id, plant.site.name, text, NOW))
        rt.store.write(_records([m.id for m in plant.machines()], stop, batches))
    _alarm(rt, "b-imm-01", 2)
    add_plant(rt.store, "plant-b", "default", "Pabrik B", NOW)
    status = {"used_bytes": 900 * 2**20, "budget_bytes": 1000 * 2**20, "share": 0.9,
              "alarm": True, "pending_rows": 0, "deleted_samples": 0}  # fmt: skip
    rt.store.plant_seen("plant-b", int(NOW.timestamp() * 1000), json.dumps(status))
    yield rt
    rt.close()


def test_each_plant_has_the_kpi_engines_figures_and_the_best_oee_ranks_first(
    runtime: Runtime,
) -> None:
    group = Group(runtime.store, lambda: NOW).overview("default")
    assert [p.site_id for p in group.plants] == ["plant-a", "plant-b"]
    assert [p.rank for p in group.plants] == [1, 2]
    assert [p.alarms for p in group.plants] == [0, 2]
    for p in group.plants:
        _, plant = Group(runtime.store, lambda: NOW).site("default", p.site_id)
        day = named_window(plant.calendar, WindowName.DAY, NOW)
        direct = loss_report(KpiEngine(plant, runtime.store, lambda: NOW), "plant", day)
        assert p.oee.oee == direct.summary.oee
        assert p.cost_idr == direct.total_idr
        assert p.losses[0].code == "breakdown"
        assert p.cost_idr > 0
    assert group.plants[0].oee.oee.value > group.plants[1].oee.oee.value  # type: ignore[operator]


@pytest.fixture(name="app", scope="module")
def central_app(settings: Settings, runtime: Runtime) -> FastAPI:
    """The central's app, with an engineer of the site's company, another company's admin and
    a programme analyst (no more: the group needs no other people)."""
    app = create_app(settings, runtime)
    accounts = app.state.accounts
    own = accounts.site_tenant
    accounts.create_tenant("setup", tenant_id="pt-lain", name="PT Lain")
    people = (("insinyur", Role.ENGINEER, own), ("admin-lain", Role.COMPANY_ADMIN, "pt-lain"))
    for name, role, tenant in (*people, ("analis", Role.ANALYST, None)):
        accounts.create_user(None, username=name, password=PASSWORD, role=role, tenant_id=tenant)
    return app


async def test_the_company_sees_its_group_and_drills_into_a_plant(app: FastAPI) -> None:
    app.state.group = Group(app.state.pabrik.runtime.store, lambda: NOW)
    async with logged_in(app, "insinyur", PASSWORD) as c:
        page = await c.get("/group")
        assert page.status_code == 200
        # A plant of this company forwards here: the navigation offers the group.
        assert 'href="/group"' in (await c.get("/")).text
        assert page.text.index('data-site="plant-a"') < page.text.index('data-site="plant-b"')
        data = (await c.get("/api/v1/group")).json()
        assert [p["rank"] for p in data["plants"]] == [1, 2]
        assert data["plants"][0]["top_losses"]["breakdown"] == 20 * 60_000 * 2
        # The plant's disk use as it reported it; plant-a never did.
        assert [p["disk_share"] for p in data["plants"]] == [None, 0.9]
        assert [p["disk_alarm"] for p in data["plants"]] == [False, True]
        row_b = page.text[page.text.index('data-site="plant-b"') :]
        assert 'data-testid="disk-alarm"' in row_b
        assert "900 MB" in row_b.split("</tr>")[0]
        site = await c.get("/group/plant-b")
        assert site.status_code == 200
        assert "b-imm-01" in site.text
        assert (await c.get("/group/nowhere")).status_code == 404
        assert 'href="/group/plant-b/machines/b-imm-01"' in site.text


async def test_a_group_user_opens_a_plants_machine_and_losses(app: FastAPI) -> None:
    app.state.group = Group(app.state.pabrik.runtime.store, lambda: NOW)
    async with logged_in(app, "insinyur", PASSWORD) as c:
        machine = await c.get("/group/plant-b/machines/b-imm-01?window=day")
        assert machine.status_code == 200, machine.text
        assert 'data-figure="oee"' in machine.text
        # The live numbers poll this plant's machine through the group, not the central's own.
        live = "/group/plant-b/partials/machines/b-imm-01?window=day"
        assert live in machine.text
        assert (await c.get(live)).status_code == 200
        losses = await c.get("/group/plant-b/losses")
        assert losses.status_code == 200
        assert 'data-testid="loss-table"' in losses.text
        assert 'data-code="breakdown"' in machine.text
        # A machine of the company's other plant is not a machine of this one.
        assert (await c.get("/group/plant-b/machines/a-imm-01")).status_code == 404
        assert (await c.get("/group/plant-b/losses?window=nonsense")).status_code in (400, 422)


async def test_another_company_opens_no_machine_or_losses_of_these_plants(app: FastAPI) -> None:
    async with logged_in(app, "admin-lain", PASSWORD) as c:
        assert (await c.get("/group/plant-b/machines/b-imm-01")).status_code == 404
        assert (await c.get("/group/plant-b/partials/machines/b-imm-01")).status_code == 404
        assert (await c.get("/group/plant-b/losses")).status_code == 404
    async with logged_in(app, "analis", PASSWORD) as c:
        assert (await c.get("/group/plant-b/machines/b-imm-01")).status_code == 403
        assert (await c.get("/group/plant-b/losses")).status_code == 403


async def test_another_company_sees_none_of_these_plants(app: FastAPI) -> None:
    async with logged_in(app, "admin-lain", PASSWORD) as c:
        assert 'href="/group"' not in (await c.get("/assess")).text  # none of its plants here
        r = await c.get("/api/v1/group")
        assert r.status_code == 200, r.text
        assert r.json()["plants"] == []
        assert (await c.get("/group/plant-a")).status_code == 404
    async with logged_in(app, "analis", PASSWORD) as c:
        assert (await c.get("/group")).status_code == 403

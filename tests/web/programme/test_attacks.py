"""The attacks from the security test fail (issue 11, docs/security.md).

A fresh world: two companies assess themselves in pabrik; the other one ("pt-lain", NIB
9120000000001) is alone in its sector (22) and its province (Banten).
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from pabrik.runtime.programme import sheets
from pabrik.web.programme import routes
from tests.web.programme.results import HEADER, fake_rows, huge_xlsx
from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio
OTHER_NIB = "9120000000001"


async def _import(app: FastAPI, world: World, lines: list[str], name: str) -> dict[str, object]:
    files = {"file": (name, "\n".join([HEADER, *lines]).encode(), "text/csv")}
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        r = await c.post("/api/v1/programme/import", files=files)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _numbers(data: object) -> list[float]:
    if isinstance(data, dict):
        return [n for v in data.values() for n in _numbers(v)]
    if isinstance(data, list):
        return [n for v in data for n in _numbers(v)]
    return [float(data)] if isinstance(data, int | float) and not isinstance(data, bool) else []


async def test_fake_companies_never_unmask_the_one_company_in_its_sector(
    app: FastAPI, world: World
) -> None:
    # Four made-up companies at 1.0 beside the real one (2.0): a shown mean of 1.2 would give
    # its score away.
    report = await _import(app, world, fake_rows("22220", "Banten", 4), "palsu.csv")
    assert report["accepted"] == 4
    for role in ("analyst", "programme_admin"):
        async with logged_in(app, world.users[(role, "own")], PASSWORD) as c:
            api = (await c.get("/api/v1/programme")).json()
            export = (await c.get("/api/v1/programme/export.csv")).text
        groups = [g for b in api["breakdowns"] for g in b["groups"]]
        assert groups == []
        assert api["total"] is None
        assert api["heat_map_rows"] == []
        assert 1.2 not in _numbers(api)
        assert "1.200" not in export


async def test_an_import_never_overwrites_a_companys_own_result(app: FastAPI, world: World) -> None:
    year = datetime.now(UTC).year
    lines = [
        f"{OTHER_NIB},PT Lain,22220,Banten,20,2100,4.0,4.0,4.0,ya",
        f"{OTHER_NIB},PT Lain,22220,Banten,20,{year},4.0,4.0,4.0,ya",
    ]
    report = await _import(app, world, lines, "timpa.csv")
    assert report["accepted"] == 0
    assert report["conflicts"] == 1
    problems = {p["row"]: " ".join(p["reasons"]) for p in report["problems"]}
    assert f"year: expected 2015..{year}" in problems[2]
    assert "conflict" in problems[3]
    assert "own results" in problems[3]
    async with logged_in(app, world.users[("company_admin", "other")], PASSWORD) as c:
        bench = (await c.get("/api/v1/benchmark")).json()
    assert bench["overall"] == 2.0
    imported = [r for r in app.state.assessments.store.programme_results() if r.source != "native"]
    assert all(r.tenant_id != world.other for r in imported)


async def test_an_import_never_renames_a_company(app: FastAPI, world: World) -> None:
    accounts = app.state.accounts
    accounts.create_tenant("setup", tenant_id="nib-9555000000001", name="PT Asli")
    line = "9555000000001,PT Palsu,22220,Banten,20,2024,3.0,3.0,3.0,ya"
    report = await _import(app, world, [line], "nama.csv")
    assert report["conflicts"] == 1
    tenant = app.state.assessments.store.tenant("nib-9555000000001")
    assert (tenant.name, tenant.registration_no) == ("PT Asli", None)


async def test_years_before_2015_or_after_this_year_are_refused(app: FastAPI, world: World) -> None:
    year = datetime.now(UTC).year
    lines = [
        f"96000000000{i:02d},PT Tahun {i},20111,Banten,20,{y},2.0,2.0,1.0,tidak"
        for i, y in enumerate((2014, 2015, year, year + 1))
    ]
    report = await _import(app, world, lines, "tahun.csv")
    assert report["accepted"] == 2
    assert [p["row"] for p in report["problems"]] == [2, 5]


async def test_the_analyst_only_views_and_the_programme_admin_imports(
    app: FastAPI, world: World
) -> None:
    files = {"file": ("a.csv", HEADER.encode(), "text/csv")}
    async with logged_in(app, world.users[("analyst", "own")], PASSWORD) as c:
        assert (await c.get("/api/v1/programme")).status_code == 200
        assert (await c.post("/api/v1/programme/import", files=files)).status_code == 403
        assert "programme/import" not in (await c.get("/programme")).text
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        assert (await c.post("/api/v1/programme/import", files=files)).status_code == 200
        assert (await c.get("/api/v1/assessments")).status_code == 403


async def test_every_import_is_audited_with_who_the_file_and_the_counts(
    app: FastAPI, world: World
) -> None:
    await _import(app, world, ["1,x"], "audit-me.csv")
    entries = app.state.assessments.store.audit_entries(None, 200, 0)
    entry = next(
        e for e in entries if e.action == "programme.import" and e.subject == "audit-me.csv"
    )
    assert entry.actor == world.users[("programme_admin", "own")]
    counts = json.loads(entry.after_json)
    assert counts == {
        "file": "audit-me.csv", "rows": 0, "new_companies": 0, "refused": 1, "conflicts": 0
    }  # fmt: skip


async def test_the_page_api_and_export_show_where_results_came_from(
    app: FastAPI, world: World
) -> None:
    lines = fake_rows("10750", "Jawa Timur", 5, first=9700000000000)
    await _import(app, world, lines, "asal.csv")
    async with logged_in(app, world.users[("analyst", "own")], PASSWORD) as c:
        api = (await c.get("/api/v1/programme")).json()
        export = (await c.get("/api/v1/programme/export.csv")).text
        page = (await c.get("/programme")).text
    assert 'data-provenance="verified">0<' in page
    assert f'data-provenance="imported">{api["provenance"]["imported"]}<' in page
    assert "asal.csv — diimpor oleh" in page
    assert set(api["provenance"]) == {"self_assessed", "verified", "imported"}
    assert api["provenance"]["verified"] == 0
    source = next(i for i in api["imports"] if i["file"] == "asal.csv")
    assert source == {
        "file": "asal.csv", "imported_by": world.users[("programme_admin", "own")], "companies": 5
    }  # fmt: skip
    assert "provenance,verified,0," in export
    assert f"import,asal.csv,5,{world.users[('programme_admin', 'own')]}" in export


async def test_a_small_xlsx_that_unpacks_to_a_million_rows_is_refused_early(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    chunks = sheets.part_chunks

    def counted(archive: object, name: str) -> object:
        for chunk in chunks(archive, name):  # type: ignore[arg-type]
            read.append(chunk.count(b"<row>"))
            yield chunk

    monkeypatch.setattr(sheets, "part_chunks", counted)
    data = huge_xlsx(1_000_000)
    assert len(data) < 200_000
    files = {"file": ("bom.xlsx", data, "application/octet-stream")}
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        r = await c.post("/api/v1/programme/import", files=files)
    assert r.status_code == 422
    assert sheets.MAX_ROWS < sum(read) < sheets.MAX_ROWS + 10_000


async def test_an_import_runs_off_the_event_loop_so_healthz_answers_meanwhile(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    loop_thread = threading.get_ident()
    threads: list[int] = []
    real = routes.import_results

    def slow(*args: object) -> object:
        threads.append(threading.get_ident())
        started.set()
        release.wait(timeout=5)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(routes, "import_results", slow)
    files = {"file": ("a.csv", HEADER.encode(), "text/csv")}
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        task = asyncio.ensure_future(c.post("/api/v1/programme/import", files=files))
        for _ in range(500):
            if started.is_set():
                break
            await asyncio.sleep(0.01)
        health = await c.get("/healthz")
        release.set()
        r = await task
    assert health.status_code == 200
    assert r.status_code == 200
    assert threads
    assert threads[0] != loop_thread

"""The programme view under k-anonymity, the spreadsheet import and company benchmarking.

The world has two companies that assess themselves (one, the site's owner, without a
registration number); five more with registration numbers assess themselves in textiles (13),
and fifteen are imported by the programme admin.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from pabrik.assessment.programme import CompanyResult, benchmark, breakdown, merge_small
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime
from tests.web.programme.results import HEADER, add_natives, rows, xlsx
from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
async def imported(
    app: FastAPI, world: World, runtime: Runtime, accounts: Accounts
) -> dict[str, object]:
    """Five companies assess themselves; fifteen are imported (one row is refused)."""
    add_natives(runtime, accounts, 5, "13111", "Bali")
    text = "\n".join([HEADER, *rows(), "123,PT Salah,99999,Atlantis,abc,1999,9,9,9,maybe"])
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        files = {"file": ("indi.csv", text.encode(), "text/csv")}
        r = await c.post("/api/v1/programme/import", files=files)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_import_saves_valid_rows_and_reports_the_others(
    imported: dict[str, object],
) -> None:
    assert imported["accepted"] == 15
    assert imported["new_companies"] == 15
    problems = imported["problems"]
    assert isinstance(problems, list)
    assert len(problems) == 1
    assert problems[0]["row"] == 17
    reasons = " ".join(problems[0]["reasons"])
    for word in ("nib", "kbli", "province", "workforce", "year", "overall", "verified"):
        assert word in reasons


async def test_a_group_of_four_is_never_shown_and_a_group_of_six_is(
    app: FastAPI, world: World, imported: dict[str, object]
) -> None:
    async with logged_in(app, world.users[("analyst", "own")], PASSWORD) as c:
        api = (await c.get("/api/v1/programme")).json()
        page = (await c.get("/programme")).text
        export = (await c.get("/api/v1/programme/export.csv")).text
        page_csv = (await c.get("/programme/export.csv")).text
    sectors = {
        g["group"]: g for b in api["breakdowns"] if b["dimension"] == "sector" for g in b["groups"]
    }
    provinces = {
        g["group"]: g
        for b in api["breakdowns"]
        if b["dimension"] == "province"
        for g in b["groups"]
    }
    assert sectors["20"]["companies"] == 6  # six imported, none assessed in pabrik
    # Four imported and one company's own result: only the one counts toward k.
    assert "22" not in sectors
    assert "10" not in sectors
    assert "Jawa Timur" not in provinces
    assert sectors["other"]["companies"] >= 5
    assert min(g["companies"] for g in [*sectors.values(), *provinces.values()]) >= 5
    for text in (page, export, page_csv):
        assert "Jawa Timur" not in text
        assert "Industri makanan" not in text
        assert "Food products" not in text
    assert "Industri bahan kimia" in page  # the group of six, by its KBLI division name
    assert export == page_csv
    for line in export.splitlines()[1:]:
        cells = line.split(",")
        if len(cells) > 2 and cells[0] in {"sector", "province", "size", "all", "year"}:
            assert int(cells[2]) >= 5


async def test_the_analyst_sees_no_company_names(
    app: FastAPI, world: World, imported: dict[str, object]
) -> None:
    async with logged_in(app, world.users[("analyst", "own")], PASSWORD) as c:
        texts = [
            (await c.get(p)).text
            for p in ("/programme", "/api/v1/programme", "/api/v1/programme/export.csv", "/account")
        ]
        assert (await c.get(f"/assess/{world.assessments['own']}/results")).status_code == 403
        assert (await c.get("/api/v1/assessments")).status_code == 403
    for text in texts:
        for name in ("PT Rahasia", "PT Lain", "Plastindo", "pt-lain", "nib-"):
            assert name not in text


async def test_the_heat_map_shows_sectors_where_five_or_more_count(
    app: FastAPI, world: World, imported: dict[str, object]
) -> None:
    async with logged_in(app, world.users[("analyst", "own")], PASSWORD) as c:
        api = (await c.get("/api/v1/programme")).json()
    assert "20" in api["heat_map_rows"]
    assert "22" not in api["heat_map_rows"]
    assert "10" not in api["heat_map_rows"]
    assert api["assessed"] == 22
    assert api["verified"] == 15


async def test_a_company_sees_its_scores_against_anonymous_sector_percentiles(
    app: FastAPI, world: World, imported: dict[str, object]
) -> None:
    async with logged_in(app, world.users[("company_admin", "other")], PASSWORD) as c:
        bench = (await c.get("/api/v1/benchmark")).json()
        page = (await c.get("/benchmark")).text
    # Its sector has only four imported peers, so all twenty-one other companies are used: six
    # assess themselves (five with a registration number count toward k), fifteen imported.
    assert bench["peers"] == "all"
    assert bench["peer_companies"] == 21
    assert set(bench["overall_percentiles"]) == {"p25", "p50", "p75"}
    assert "PT Rahasia" not in page


def _result(company: str, sector: str, overall: float) -> CompanyResult:
    return CompanyResult(
        company, 2024, sector, "Jawa Barat", "small", overall, int(overall), {"p": overall}
    )


def _group(key: str, n: int) -> list[CompanyResult]:
    return [_result(f"{key}{i}", key, 2.0) for i in range(n)]


def test_merging_never_leaves_a_lone_small_group_to_subtract() -> None:
    groups = {"a": _group("a", 9), "b": _group("b", 5), "c": _group("c", 2)}
    mapping, suppressed = merge_small(groups, 5)
    assert suppressed == 0
    assert mapping["c"] == "other"
    assert mapping["b"] == "other"
    assert mapping["a"] == "a"


def test_fewer_than_k_companies_in_total_shows_nothing() -> None:
    results = [_result(str(i), "10", 2.0) for i in range(4)]
    assert breakdown(results, "sector", lambda r: r.sector, 5, 4).groups == ()


def test_a_benchmark_needs_k_peers_besides_the_company() -> None:
    own = _result("me", "22", 2.0)
    peers = [_result(str(i), "22", 1.0 + i / 2) for i in range(4)]
    assert benchmark(own, [own, *peers], ["p"], 5).peers is None
    more = [*peers, _result("x", "22", 3.0)]
    result = benchmark(own, [own, *more], ["p"], 5)
    assert result.peers == "sector"
    assert result.n == 5
    assert result.overall_pct[50] == 2.0


async def test_an_xlsx_export_is_imported_too(app: FastAPI, world: World) -> None:
    header: list[object] = [
        "NIB",
        "Nama Perusahaan",
        "KBLI",
        "Provinsi",
        "Tenaga Kerja",
        "Tahun",
        "Nilai INDI",
        "Terverifikasi",
    ]
    body: list[list[object]] = [
        ["9300000000001", "PT Excel", "22230", "jawa barat", 150, 2023, 2.75, "tidak"],
        ["93", "PT Rusak", "22230", "Jawa Barat", 10, 2023, 2.0, "ya"],
    ]
    files = {"file": ("indi.xlsx", xlsx(header, body), "application/octet-stream")}
    async with logged_in(app, world.users[("system_admin", "own")], PASSWORD) as c:
        r = await c.post("/programme/import", files=files)
        tenants = (await c.get("/api/v1/tenants")).json()
    assert r.status_code == 200, r.text[r.text.find("form-error") :][:300]
    assert "1 baris disimpan" in r.text or "1 rows saved" in r.text
    excel = next(t for t in tenants if t["registration_no"] == "9300000000001")
    assert (excel["province"], excel["size"]) == ("Jawa Barat", "large")


async def test_a_file_that_is_not_a_spreadsheet_is_refused(app: FastAPI, world: World) -> None:
    async with logged_in(app, world.users[("programme_admin", "own")], PASSWORD) as c:
        files = {"file": ("evil.xlsx", b"<html>not a zip</html>", "application/octet-stream")}
        r = await c.post("/api/v1/programme/import", files=files)
    assert r.status_code == 422

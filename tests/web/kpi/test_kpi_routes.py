"""KPI API, exports, loss and cost pages, and the signed shift report (HTML and PDF)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from pabrik.runtime.app import Runtime

pytestmark = pytest.mark.anyio


def _window(runtime: Runtime, hours: int = 20) -> dict[str, str]:
    now = runtime.now()
    return {"from": (now - timedelta(hours=hours)).isoformat(), "to": now.isoformat()}


async def test_kpi_api_gives_exact_values_elements_and_rules(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    r = await client.get("/api/v1/kpi", params={"scope": "plant", **_window(runtime)})
    assert r.status_code == 200
    body = r.json()
    ids = {k["id"] for k in body["kpis"]}
    assert {"oee", "availability", "effectiveness", "mtbf", "sec", "teep", "nee"} <= ids
    assert "worker_efficiency" not in ids
    oee = next(k for k in body["kpis"] if k["id"] == "oee")
    num, den = (int(x) for x in oee["exact"].split("/"))
    assert abs(num / den - oee["value"]) < 1e-12
    assert body["rules"]["micro_stop_ms"] == 120_000
    assert body["elements"]["pbt_ms"] > 0
    assert "machine_state_reading" in body["flags"]


async def test_asking_for_kpis_by_id(client: httpx.AsyncClient, runtime: Runtime) -> None:
    params = {"scope": "cetak-tutup", **_window(runtime), "kpi": "oee,mttr"}
    r = await client.get("/api/v1/kpi", params=params)
    assert [k["id"] for k in r.json()["kpis"]] == ["oee", "mttr"]


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"scope": "no-such-line"}, 404, "no-such-line"),
        ({"scope": "imm-01", "kpi": "cpk", "signal": "temperature"}, 422, "spec limits"),
        ({"scope": "plant", "kpi": "cpk", "signal": "pressure"}, 422, "one machine"),
        ({"scope": "imm-01", "kpi": "cpk"}, 422, "signal"),
        ({"scope": "plant", "kpi": "inventory_turns"}, 422, "inventory"),
        ({"scope": "plant", "kpi": "no_such_kpi"}, 422, "unknown KPI"),
    ],
)
async def test_kpi_api_errors_name_the_problem(
    client: httpx.AsyncClient, runtime: Runtime, params: dict[str, str], status: int, needle: str
) -> None:
    r = await client.get("/api/v1/kpi", params={**_window(runtime), **params})
    assert r.status_code == status
    assert needle in r.text


async def test_a_window_ending_before_it_starts_is_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    w = _window(runtime)
    r = await client.get("/api/v1/kpi", params={"scope": "plant", "from": w["to"], "to": w["from"]})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["reason"] == "window_order"


async def test_capability_of_a_signal_with_spec_limits(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    params = {"scope": "imm-01", **_window(runtime), "kpi": "cp,cpk", "signal": "pressure"}
    r = await client.get("/api/v1/kpi", params=params)
    assert r.status_code == 200
    assert all(k["value"] is not None for k in r.json()["kpis"])


async def test_xlsx_export_opens_with_kpis_losses_and_costs(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    r = await client.get("/api/v1/kpi/export.xlsx", params={"scope": "plant", **_window(runtime)})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["KPIs", "Elements", "Window", "Losses", "Costs", "Quality"]
    rows = list(wb["KPIs"].iter_rows(values_only=True))
    assert rows[0][0] == "kpi"
    assert any(row[0] == "oee" and isinstance(row[3], float) for row in rows[1:])


async def test_csv_export(client: httpx.AsyncClient, runtime: Runtime) -> None:
    r = await client.get("/api/v1/kpi/export.csv", params={"scope": "imm-01", **_window(runtime)})
    assert r.status_code == 200
    assert r.text.startswith("kpi,iso,name,value")
    assert "element.pbt_ms" in r.text


async def test_catalogue_lists_metadata(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/kpi/catalogue", params={"lang": "en"})
    oee = next(k for k in r.json() if k["id"] == "oee")
    assert (oee["iso"], oee["trend"], oee["name"]) == (6, "higher", "OEE")


@pytest.mark.parametrize(
    "path", ["/kpi/losses", "/kpi/costs", "/kpi/losses?window=7d&scope=imm-01"]
)
async def test_loss_and_cost_pages_render_with_charts_and_nav(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    assert 'id="pabrik-kpi-config"' in r.text
    assert "/static/kpi.js" in r.text
    assert 'href="/kpi/losses"' in r.text


async def test_cost_page_prices_an_oee_point(client: httpx.AsyncClient) -> None:
    r = await client.get("/kpi/costs", params={"lang": "en", "window": "day"})
    assert "One OEE point is worth" in r.text
    assert "Rp " in r.text


async def test_shift_report_html_has_counts_kpis_losses_energy_and_signatures(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/kpi/shift-report", params={"lang": "en"})
    assert r.status_code == 200
    for text in (
        "Production counts",
        "Top 5 losses",
        "Energy used",
        "Supervisor (name, signature)",
    ):
        assert text in r.text


def _pdf_text_and_info(pdf: Path) -> tuple[str, str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return text.stdout, info.stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
async def test_shift_report_pdf_is_one_printable_page(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    r = await client.get("/kpi/shift-report.pdf", params={"scope": "cetak-tutup", "lang": "en"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    text, info = _pdf_text_and_info(pdf)
    assert "Shift report" in text
    assert "Injection machine 1" in text
    assert "Supervisor" in text
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)


async def test_an_unknown_shift_is_not_found(client: httpx.AsyncClient) -> None:
    r = await client.get("/kpi/shift-report", params={"day": "2025-01-06", "shift": "nope"})
    assert r.status_code == 404

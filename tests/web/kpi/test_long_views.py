"""The views a plant lives by: a custom date range on the KPI pages, target against actual per
shift and per order, and the twelve-month OEE trend with the machines ranked."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from pabrik.model.windows import days_window
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.kpi.measure import measure
from pabrik.runtime.kpi.summary import scope_oee
from pabrik.runtime.kpi.targets import order_targets, shift_targets
from pabrik.runtime.kpi.trend import oee_trend
from pabrik.runtime.settings import Settings
from tests.paths import DEMO
from tests.web.demo_app import NOW

pytestmark = pytest.mark.anyio
ORDERS = """
orders:
  - id: PO-7781
    machine: imm-01
    start: "2025-03-10T00:00:00+00:00"
    end: "2025-03-11T00:00:00+00:00"
    quantity: 40000
"""


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder: Path = tmp_path_factory.mktemp("long-views")
    site = folder / "site.yaml"
    site.write_text(DEMO.read_text(encoding="utf-8") + ORDERS, encoding="utf-8")
    return Settings(config=site, data_dir=folder / "data")


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=lambda: NOW)
    rt.backfill(days=1.2)  # from Sunday's night shift: two weeks of the trend
    yield rt
    rt.close()


HOSTILE = [
    ("window=custom&from_day=2025-03-12&to_day=2025-03-01", "harus setelah"),
    ("window=custom&from_day=2025-02-30&to_day=2025-03-01", "Tanggal tidak valid"),
    ("window=custom&from_day=<script>&to_day=2025-03-01", "Tanggal tidak valid"),
    ("window=custom&from_day=0001-01-01&to_day=9999-12-31", "1970"),
    ("window=custom&from_day=2020-01-01&to_day=2025-03-01", "terlalu panjang"),
    ("window=fortnight", "periode tidak dikenal"),
    ("window=custom", "Tanggal tidak valid"),
]


async def test_a_hostile_date_range_is_refused_in_the_users_language(
    client: httpx.AsyncClient,
) -> None:
    for query, words in HOSTILE:
        for page in ("/kpi/losses", "/kpi/costs", "/kpi/targets", "/kpi/quality-losses"):
            r = await client.get(f"{page}?scope=imm-01&{query}")
            assert 400 <= r.status_code < 500, (page, query)
            assert "<script>" not in r.text
            assert words in r.text, (page, query)


async def test_a_custom_range_of_production_days_gives_the_same_oee_as_the_api(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    page = await client.get(
        "/kpi/losses?scope=imm-01&window=custom&from_day=2025-03-09&to_day=2025-03-10"
    )
    assert page.status_code == 200
    assert 'value="2025-03-09"' in page.text
    assert '<option value="custom" selected' in page.text
    window = days_window(runtime.plant.calendar, date(2025, 3, 9), date(2025, 3, 10), NOW)
    span = f"from={window.start.isoformat()}&amp;to={window.end.isoformat()}"
    assert span.replace("+", "%2B") in page.text, "the exports ask for the same days"
    api = await client.get(
        "/api/v1/kpi",
        params={"scope": "imm-01", "from": window.start.isoformat(), "to": window.end.isoformat()},
    )
    oee = next(k["value"] for k in api.json()["kpis"] if k["id"] == "oee")
    assert oee == pytest.approx(float(scope_oee(runtime.engine, "imm-01", window).oee.value or 0))
    english = await client.get(
        "/kpi/losses?window=custom&from_day=2025-03-10&to_day=2025-03-08&lang=en"
    )
    assert english.status_code == 422
    assert "must be after" in english.text


async def test_target_against_actual_per_shift_and_per_order(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    window = runtime.window("7d")
    shifts = shift_targets(runtime.engine, "imm-01", window)
    assert shifts, "the backfilled shifts have targets"
    last = shifts[-2]
    m = measure(runtime.engine, "imm-01", runtime.window(None, last.start, last.end))
    assert last.good == m.total.elements.gq
    ideal_s = runtime.plant.machine("imm-01").products[0].ideal_cycle_time_s  # type: ignore[union-attr]
    assert abs(last.target - m.total.elements.pbt / 1000 / float(ideal_s)) <= 1
    assert 0 < float(last.attainment or 0) < 1.5
    (order,) = order_targets(runtime.engine, "imm-01", window)
    assert (order.key, order.target) == ("PO-7781", 40000)
    day = runtime.window(None, order.start, order.end)
    assert order.good == measure(runtime.engine, "imm-01", day).total.elements.gq

    page = await client.get("/kpi/targets?scope=imm-01&window=7d")
    assert page.status_code == 200
    assert 'data-order="PO-7781"' in page.text
    assert page.text.count("data-shift=") == len(shifts)
    report = await client.get(f"/kpi/shift-report?scope=imm-01&day={last.key[:10]}&shift=pagi")
    assert 'data-figure="target"' in report.text


async def test_the_twelve_month_trend_uses_the_one_oee_and_ranks_the_machines(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    # One line's hours rolled up (as `pabrik demo` and the live refresh do for every machine).
    line = "cetak-tutup"
    measure(runtime.engine, line, runtime.window(None, NOW - timedelta(days=1.2), NOW))
    trend = oee_trend(runtime.engine, line)
    assert 2 <= len(trend.weeks) <= 3, "only weeks with data, at most 52"
    week = trend.weeks[-2]
    same = runtime.window(None, week.view.start, week.view.end)
    assert week.view.oee == scope_oee(runtime.engine, line, same).oee
    assert week.view.end - week.view.start >= timedelta(days=7) - timedelta(hours=2)
    oees = [r.view.oee.value for r in trend.ranking]
    assert len(oees) == len(runtime.engine.machines(line)) >= 2
    assert oees == sorted(oees, key=lambda v: -(v or 0))
    page = await client.get(f"/kpi/trend?scope={line}")
    assert page.status_code == 200
    assert "<polyline" in page.text
    assert page.text.count('data-machine="') == len(oees)
    assert (await client.get(f"/kpi/trend?scope={line}&lang=ko")).status_code == 200


def _pdf_pages(path: Path) -> tuple[int, str, str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    pages = int(next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1])
    size = next(ln for ln in info.stdout.splitlines() if ln.startswith("Page size:"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return pages, size, text.stdout.decode("utf-8")


@pytest.mark.parametrize("lang", ["id", "ko"])
async def test_the_shift_report_has_pickers_and_prints_on_one_a4_page_with_signatures(
    client: httpx.AsyncClient, tmp_path: Path, lang: str
) -> None:
    query = f"scope=plant&day=2025-03-10&shift=siang&lang={lang}"
    page = await client.get(f"/kpi/shift-report?{query}")
    assert page.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page.text)
    assert icon is not None
    assert (await client.get(icon.group(1))).status_code == 200
    assert 'type="date" name="day" value="2025-03-10"' in page.text
    assert '<option value="siang" selected' in page.text
    assert '<option value="cetak-tutup"' in page.text
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    pdf = await client.get(f"/kpi/shift-report.pdf?{query}")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    pages, size, text = _pdf_pages(path)
    assert pages == 1, "the whole plant's shift report, signatures included, is one page"
    assert "A4" in size
    sign = {"id": "Supervisor", "en": "Supervisor", "ko": "감독자"}[lang]
    assert sign in text


async def test_the_wall_shows_every_line_and_refuses_a_hostile_rotation(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    page = await client.get("/wall?lang=ko")
    assert page.status_code == 200
    for line in runtime.plant.lines():
        assert f'data-line="{line.id}"' in page.text
    assert page.text.count("data-machine=") == len(list(runtime.plant.machines()))
    assert "cdn" not in page.text.lower()
    assert (await client.get("/wall?seconds=1")).status_code == 422
    assert (await client.get("/wall?refresh=x")).status_code == 422
    assert 'data-line="' in (await client.get("/partials/wall")).text

"""The demo plant with its preform and crate line run from the terminal alone: a morning shift
typed in, one count corrected by a supervisor, and the line's OEE, losses, quality Pareto and
one-page shift report PDF all come out of the manual entries."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import openpyxl
import pytest

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from tests.paths import DEMO
from tests.web.demo_app import NOW

pytestmark = pytest.mark.anyio
SHIFT = datetime.fromisoformat("2025-03-11T00:00:00+00:00")  # 07:00 in Cikarang, shift pagi
LINE = "cetak-preform-krat"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("manual-line")
    site = folder / "site.yaml"
    text = DEMO.read_text(encoding="utf-8")
    site.write_text(text.replace("# manual_lines: [", "manual_lines: ["), encoding="utf-8")
    return Settings(config=site, data_dir=folder / "data")


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=lambda: NOW)
    rt.backfill(days=0.2)
    yield rt
    rt.close()


def _at(minutes: int) -> str:
    return (SHIFT + timedelta(minutes=minutes)).isoformat()


def _entry(machine: str, key: str, minutes: int, kind: str, **kw: object) -> dict[str, object]:
    return {
        "key": f"{machine}-{key}",
        "machine_id": machine,
        "ts": _at(minutes),
        "kind": kind,
        **kw,
    }


def _shift_entries() -> list[dict[str, object]]:
    """imm-03 and imm-04 from 07:00 to 10:30: running, a jam, counts every 30 minutes, scrap."""
    out: list[dict[str, object]] = []
    for m, product, good in (("imm-03", "preform-24g", 3500), ("imm-04", "krat-botol-24", 33)):
        out.append(_entry(m, "run", 0, "state", state="running", product_id=product))
        out.append(_entry(m, "jam", 90, "state", state="unplanned_stop", reason="jam"))
        out.append(_entry(m, "back", 110, "state", state="running"))
        out.extend(
            _entry(m, f"n{h}", 30 * h, "count", good=good, scrap=2, scrap_reason="short_shot")
            for h in range(1, 8)
        )
    return out


def _pdf_text(path: Path) -> str:
    run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return run.stdout.decode("utf-8")


async def test_a_shift_typed_in_gives_the_line_its_figures(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    assert not runtime.store.states("imm-03", SHIFT - timedelta(days=1), NOW)
    r = await client.post("/api/v1/terminal/entries", json={"entries": _shift_entries()})
    assert {x["outcome"] for x in r.json()} == {"stored"}
    fix = {
        "machine_id": "imm-03",
        "ts": _at(30),
        "source": "manual:root-admin",
        "good": 3400,
        "scrap": 2,
    }
    assert (await client.put("/api/v1/terminal/corrections/count", json=fix)).status_code == 200

    kpi = (await client.get(f"/api/v1/kpi?scope={LINE}&window=shift")).json()
    assert kpi["elements"]["gq"] == 7 * 3500 - 100 + 7 * 33
    oee = next(k["value"] for k in kpi["kpis"] if k["id"] == "oee")
    assert oee is not None
    assert 0.5 < oee < 1
    losses = await client.get(f"/kpi/losses?scope={LINE}&window=shift")
    assert "Macet" in losses.text
    quality = (await client.get(f"/api/v1/kpi/quality-losses?scope={LINE}&window=shift")).json()
    assert quality["rows"][0]["reason"] == "short_shot"
    xlsx = await client.get(f"/api/v1/kpi/export.xlsx?scope={LINE}&window=shift")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Quality"]
    assert [c.value for c in sheet[2]][:3] == ["short_shot", "Cetakan tidak penuh", 28]

    pdf = await client.get(f"/kpi/shift-report.pdf?scope={LINE}&day=2025-03-11&shift=pagi")
    assert pdf.status_code == 200
    path = tmp_path / "shift.pdf"
    path.write_bytes(pdf.content)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    text = _pdf_text(path)
    assert "Preform" in text
    assert text.count("\f") <= 1, "the shift report fits one page"

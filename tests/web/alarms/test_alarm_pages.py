"""Alarm pages and API over HTTP: banner, list, acknowledge, shelve, history, report and CSV."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from pabrik.model.records import SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.runtime.app import Runtime
from tests.web.demo_app import NOW

pytestmark = pytest.mark.anyio
KEY = "suhu-tinggi/imm-01"


@pytest.fixture(scope="module", autouse=True)
def hot_machine(runtime: Runtime) -> None:
    """imm-01 runs hot for three minutes before now, so its high-temperature alarm is active."""
    at = [NOW - timedelta(minutes=m) for m in (4, 3, 2, 1)]
    records = [
        StateRecord("test/alarms", "imm-01", at[0], StateClass.RUNNING, None, "tutup-28-biru"),
        *(SampleRecord("test/alarms", "imm-01", "temperature", t, 80.0) for t in at[1:]),
    ]
    runtime.ingestor.ingest(records)


async def test_the_banner_counts_alarms_by_priority(client: httpx.AsyncClient) -> None:
    r = await client.get("/partials/alarms/banner")
    assert r.status_code == 200
    assert 'data-priority="high"' in r.text
    assert 'data-testid="alarm-banner"' in r.text


async def test_the_alarm_list_is_in_the_navigation_even_when_nothing_is_active(
    client: httpx.AsyncClient,
) -> None:
    # Before: /alarms was reachable only through the banner, which is empty with no alarm.
    r = await client.get("/kpi/losses")
    assert 'href="/alarms"' in r.text


async def test_the_list_and_api_show_the_hot_machine(client: httpx.AsyncClient) -> None:
    page = await client.get("/alarms")
    assert page.status_code == 200
    assert f'data-key="{KEY}"' in page.text
    alarms = (await client.get("/api/v1/alarms")).json()
    hot = next(a for a in alarms if a["key"] == KEY)
    assert (hot["priority"], hot["state"], hot["value"]) == ("high", "active_unack", 80.0)
    assert hot["message_en"] == "Temperature too high"
    mine = (await client.get("/api/v1/alarms", params={"machine": "imm-01"})).json()
    assert {a["machine_id"] for a in mine} == {"imm-01"}
    part = await client.get("/partials/machines/imm-01/alarms")
    assert KEY in part.text


async def test_acknowledge_and_shelve_are_recorded_with_who_and_why(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/alarms/acknowledge", data={"key": KEY, "comment": "dicek"})
    assert r.status_code == 303
    body = {"key": KEY, "reason": "sensor diganti", "minutes": 30}
    shelved = await client.post("/api/v1/alarms/shelve", json=body)
    assert shelved.status_code == 200
    [step] = shelved.json()
    assert (step["event"], step["after"], step["comment"]) == (
        "shelve",
        "shelved",
        "sensor diganti",
    )
    history = (await client.get("/api/v1/alarms/history", params={"event": "acknowledge"})).json()
    assert any(h["key"] == KEY and h["comment"] == "dicek" for h in history)
    page = await client.get("/alarms/history", params={"machine": "imm-01"})
    assert 'data-event="shelve"' in page.text
    again = await client.post("/api/v1/alarms/acknowledge", json={"key": KEY})
    assert again.json() == [], again.text
    unknown = await client.post("/api/v1/alarms/acknowledge", json={"key": "nope/imm-01"})
    assert unknown.status_code == 404


async def test_maintenance_takes_an_alarm_out_of_service_and_back(
    client: httpx.AsyncClient,
) -> None:
    key = "getaran-tinggi/imm-02"
    form = {"key": key, "action": "remove", "note": "kalibrasi sensor"}
    assert (await client.post("/alarms/service", data=form)).status_code == 303
    every = (await client.get("/api/v1/alarms", params={"all": "true"})).json()
    assert next(a for a in every if a["key"] == key)["state"] == "out_of_service"
    back = {"key": key, "action": "restore"}
    assert (await client.post("/alarms/service", data=back)).status_code == 303
    events = (await client.get("/api/v1/alarms/history", params={"machine": "imm-02"})).json()
    assert [e["event"] for e in events if e["key"] == key][:2] == ["restore", "remove"]


async def test_the_report_and_its_csv(client: httpx.AsyncClient) -> None:
    page = await client.get("/alarms/report")
    assert page.status_code == 200
    assert 'data-figure="flood"' in page.text
    csv = await client.get("/alarms/report.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("Angka,Nilai")
    assert "Urutan,Alarm,Jumlah,Masalah" in lines
    assert any(line.startswith("1,") and "/" in line for line in lines)
    for lang in ("en", "ko"):
        assert (await client.get("/alarms/report", params={"lang": lang})).status_code == 200


async def test_the_report_as_pdf(client: httpx.AsyncClient) -> None:
    r = await client.get("/alarms/report.pdf")
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


async def test_strangers_see_no_alarms(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/v1/alarms")
    assert r.status_code in {401, 403}

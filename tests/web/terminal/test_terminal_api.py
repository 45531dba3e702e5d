"""The terminal over HTTP: entries become manual:{user} records once per key, totals, mixed
machines, handover notes, corrections audited within the window, pages and the QR sheet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from pabrik.model.records import StateRecord
from pabrik.model.states import StateClass
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from tests.web.demo_app import NOW

pytestmark = pytest.mark.anyio
T = NOW - timedelta(minutes=30)


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The demo plant with no connector data: every machine is run from the terminal."""
    rt = build_runtime(settings, clock=lambda: NOW)
    yield rt
    rt.close()


def _at(minutes: float) -> str:
    return (T + timedelta(minutes=minutes)).isoformat()


def _state(
    key: str, minutes: float, state: str, reason: str | None = None, **kw: str
) -> dict[str, object]:
    return {
        "key": key,
        "machine_id": "imm-03",
        "ts": _at(minutes),
        "kind": "state",
        "state": state,
        "reason": reason,
        **kw,
    }


def _count(key: str, minutes: float, good: int, scrap: int = 0) -> dict[str, object]:
    return {
        "key": key,
        "machine_id": "imm-03",
        "ts": _at(minutes),
        "kind": "count",
        "good": good,
        "scrap": scrap,
    }


async def test_entries_are_manual_records_stored_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    batch = [
        _state("d-1", 0, "running", product_id="preform-24g"),
        _count("d-2", 1, 10),
        _count("d-3", 1.5, 1, 2),
        _state("d-4", 2, "unplanned_stop", "jam"),
    ]
    first = await client.post("/api/v1/terminal/entries", json={"entries": batch})
    again = await client.post("/api/v1/terminal/entries", json={"entries": batch})
    assert first.status_code == 200, first.text
    assert [r["outcome"] for r in first.json()] == ["stored"] * 4
    assert [r["outcome"] for r in again.json()] == ["stored"] * 4
    counts = runtime.store.counts("imm-03", T, NOW)
    assert [(c.source, c.good, c.scrap) for c in counts] == [
        ("manual:root-admin", 10, 0),
        ("manual:root-admin", 1, 2),
    ]
    assert counts[0].product_id == "preform-24g"
    states = [s for s in runtime.store.states("imm-03", T, NOW) if s.ts >= T]
    assert [(s.state, s.reason) for s in states] == [
        (StateClass.RUNNING, None),
        (StateClass.UNPLANNED_STOP, "jam"),
    ]


async def test_a_typed_total_stores_what_it_adds(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    total = {"key": "d-5", "machine_id": "imm-03", "ts": _at(3), "kind": "total", "good": 50}
    r = await client.post("/api/v1/terminal/entries", json={"entries": [total]})
    assert r.json()[0]["outcome"] == "stored"
    last = runtime.store.counts("imm-03", T, NOW)[-1]
    assert (last.good, last.scrap) == (39, 0)
    low = {**total, "key": "d-6", "ts": _at(4), "good": 5}
    r = await client.post("/api/v1/terminal/entries", json={"entries": [low]})
    assert r.json()[0] == {"key": "d-6", "outcome": "rejected", "code": "total_below_recorded"}


async def test_a_reason_outside_the_machine_list_is_refused(client: httpx.AsyncClient) -> None:
    bad = _state("d-7", 5, "unplanned_stop", "break")
    r = await client.post("/api/v1/terminal/entries", json={"entries": [bad]})
    assert r.json()[0]["outcome"] == "rejected"


async def test_on_a_connected_machine_the_operator_reason_annotates_its_stop(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.ingestor.ingest([StateRecord("plc", "imm-04", T, StateClass.UNPLANNED_STOP)])
    stop = {**_state("d-8", 1, "unplanned_stop", "breakdown"), "machine_id": "imm-04"}
    run = {**_state("d-9", 2, "running"), "machine_id": "imm-04"}
    r = await client.post("/api/v1/terminal/entries", json={"entries": [stop, run]})
    assert [x["outcome"] for x in r.json()] == ["annotated", "rejected"]
    states = [s for s in runtime.store.states("imm-04", T, NOW) if s.ts >= T]
    assert [(s.source, s.reason) for s in states] == [("plc", "breakdown")]


async def test_a_supervisor_corrects_a_count_and_the_kpi_follows(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    page = await client.get("/terminal/corrections/imm-03")
    assert page.status_code == 200
    fix = {
        "machine_id": "imm-03",
        "ts": _at(1),
        "source": "manual:root-admin",
        "good": 7,
        "scrap": 0,
    }
    r = await client.put("/api/v1/terminal/corrections/count", json=fix)
    assert r.status_code == 200, r.text
    first = runtime.store.counts("imm-03", T, NOW)[0]
    assert first.good == 7
    audit = (await client.get("/api/v1/audit")).json()
    entry = next(a for a in audit if a["action"] == "terminal.correct")
    assert '"good": 10' in entry["before"]
    assert '"good": 7' in entry["after"]
    machine = await client.get("/terminal/machines/imm-03")
    assert "data-actual-good>47<" in machine.text, machine.text[
        machine.text.find("data-actual-good") - 300 :
    ][:500]
    old = {**fix, "ts": (NOW - timedelta(hours=30)).isoformat()}
    r = await client.put("/api/v1/terminal/corrections/count", json=old)
    assert r.status_code == 422


async def test_a_handover_note_is_kept_once_and_shown(client: httpx.AsyncClient) -> None:
    note = {"key": "n-1", "scope_id": "imm-03", "ts": _at(6), "text": "Cetakan 3 perlu dibersihkan"}
    assert (await client.post("/api/v1/terminal/handover", json=note)).json() == {"saved": True}
    assert (await client.post("/api/v1/terminal/handover", json=note)).json() == {"saved": False}
    page = await client.get("/terminal/machines/imm-03")
    assert page.text.count("Cetakan 3 perlu dibersihkan") == 1


async def test_terminal_pages_and_qr_sheet(client: httpx.AsyncClient) -> None:
    line = await client.get("/terminal/lines/cetak-tutup")
    assert line.status_code == 200
    assert 'name="viewport"' in line.text
    assert 'data-machine="imm-02"' in line.text
    assert "Berhenti" in line.text
    qr = await client.get("/terminal/qr")
    assert qr.text.count("<svg") == 7
    assert "/terminal/machines/packer-01" in qr.text
    worker = await client.get("/terminal/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")

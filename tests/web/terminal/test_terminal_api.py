"""The terminal over HTTP: entries become manual:{user} records once per key, totals, mixed
machines, handover notes, corrections audited within the window, pages and the QR sheet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from pabrik.model.records import StateRecord
from pabrik.model.states import StateClass
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from tests.web.demo_app import NOW
from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

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
    key: str,
    minutes: float,
    state: str,
    reason: str | None = None,
    machine: str = "imm-03",
    **kw: str,
) -> dict[str, object]:
    return {
        "key": key,
        "machine_id": machine,
        "ts": _at(minutes),
        "kind": "state",
        "state": state,
        "reason": reason,
        **kw,
    }


def _count(
    key: str, minutes: float, good: int, scrap: int = 0, machine: str = "imm-03", **kw: str
) -> dict[str, object]:
    return {
        "key": key,
        "machine_id": machine,
        "ts": _at(minutes),
        "kind": "count",
        "good": good,
        "scrap": scrap,
        **kw,
    }


async def _send(client: httpx.AsyncClient, *entries: dict[str, object]) -> list[dict[str, object]]:
    r = await client.post("/api/v1/terminal/entries", json={"entries": list(entries)})
    assert r.status_code == 200, r.text
    result: list[dict[str, object]] = r.json()
    return result


async def test_entries_are_manual_records_stored_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    batch = [
        _state("d-1", 0, "running", product_id="preform-24g"),
        _count("d-2", 1, 10),
        _count("d-3", 1.5, 1, 2),
        _state("d-4", 2, "unplanned_stop", "jam"),
    ]
    first = await _send(client, *batch)
    again = await _send(client, *batch)
    assert [r["outcome"] for r in first] == ["stored"] * 4
    assert [r["outcome"] for r in again] == ["stored"] * 4
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
    await _send(client, _count("t-1", 1, 11, machine="filler-01"))
    total = {"key": "t-2", "machine_id": "filler-01", "ts": _at(3), "kind": "total", "good": 50}
    assert (await _send(client, total))[0]["outcome"] == "stored"
    last = runtime.store.counts("filler-01", T, NOW)[-1]
    assert (last.good, last.scrap) == (39, 0)
    low = {**total, "key": "t-3", "ts": _at(4), "good": 5}
    assert (await _send(client, low))[0] == {
        "key": "t-3",
        "outcome": "rejected",
        "code": "total_below_recorded",
    }


async def test_a_reason_outside_the_machine_list_is_refused(client: httpx.AsyncClient) -> None:
    bad = _state("r-1", 5, "unplanned_stop", "break", machine="imm-02")
    assert (await _send(client, bad))[0]["outcome"] == "rejected"


async def test_on_a_connected_machine_the_operator_reason_annotates_its_stop(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.ingestor.ingest([StateRecord("plc", "imm-04", T, StateClass.UNPLANNED_STOP)])
    stop = _state("a-1", 1, "unplanned_stop", "breakdown", machine="imm-04")
    run = _state("a-2", 2, "running", machine="imm-04")
    assert [x["outcome"] for x in await _send(client, stop, run)] == ["annotated", "rejected"]
    states = [s for s in runtime.store.states("imm-04", T, NOW) if s.ts >= T]
    assert [(s.source, s.reason) for s in states] == [("plc", "breakdown")]


async def test_a_supervisor_corrects_a_count_and_the_kpi_follows(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await _send(client, _count("c-1", 1, 10, machine="labeller-01"))
    await _send(client, _count("c-2", 2, 5, machine="labeller-01"))
    page = await client.get("/terminal/corrections/labeller-01")
    assert page.status_code == 200
    fix = {
        "machine_id": "labeller-01",
        "ts": _at(1),
        "source": "manual:root-admin",
        "good": 7,
        "scrap": 0,
    }
    r = await client.put("/api/v1/terminal/corrections/count", json=fix)
    assert r.status_code == 200, r.text
    assert runtime.store.counts("labeller-01", T, NOW)[0].good == 7
    audit = (await client.get("/api/v1/audit")).json()
    entry = next(a for a in audit if a["action"] == "terminal.correct")
    assert '"good": 10' in entry["before"]
    assert '"good": 7' in entry["after"]
    machine = await client.get("/terminal/machines/labeller-01")
    assert "data-actual-good>12<" in machine.text
    old = {**fix, "ts": (NOW - timedelta(hours=30)).isoformat()}
    r = await client.put("/api/v1/terminal/corrections/count", json=old)
    assert r.status_code == 422


async def test_scrap_reasons_make_the_quality_pareto(client: httpx.AsyncClient) -> None:
    results = await _send(
        client,
        _count("q-1", 1, 20, 3, machine="imm-01", scrap_reason="short_shot"),
        _count("q-2", 2, 20, 1, machine="imm-01"),
        _count("q-3", 3, 0, 1, machine="imm-01", scrap_reason="underfill"),
    )
    assert [r["outcome"] for r in results] == ["stored", "stored", "rejected"]
    r = await client.get("/api/v1/kpi/quality-losses?scope=imm-01&window=shift")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scrap"] == 4
    assert [(x["reason"], x["units"]) for x in body["rows"]] == [
        ("short_shot", 3),
        ("unexplained", 1),
    ]
    csv = await client.get("/api/v1/kpi/quality-losses.csv?scope=imm-01&window=shift")
    assert "short_shot,Cetakan tidak penuh,3,0.7500" in csv.text
    page = await client.get("/kpi/quality-losses?scope=imm-01&window=shift")
    assert "Cetakan tidak penuh" in page.text


async def test_a_handover_note_is_kept_once_and_shown(client: httpx.AsyncClient) -> None:
    note = {
        "key": "n-1",
        "scope_id": "packer-01",
        "ts": _at(6),
        "text": "Cetakan 3 perlu dibersihkan",
    }
    assert (await client.post("/api/v1/terminal/handover", json=note)).json() == {"saved": True}
    assert (await client.post("/api/v1/terminal/handover", json=note)).json() == {"saved": False}
    page = await client.get("/terminal/machines/packer-01")
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


async def test_roles_and_companies_are_checked(app: FastAPI, world: World) -> None:
    entry = _count("w-1", 1, 1, machine="imm-02")
    async with logged_in(app, world.users[("operator", "own")], PASSWORD) as op:
        assert (await op.get("/terminal/machines/imm-02")).status_code == 200
        assert (await _send(op, entry))[0]["outcome"] == "stored"
        assert (await op.get("/terminal/corrections/imm-02")).status_code == 403
    async with logged_in(app, world.users[("operator", "other")], PASSWORD) as other:
        assert (await other.get("/terminal/machines/imm-02")).status_code == 404
        r = await other.post("/api/v1/terminal/entries", json={"entries": [entry]})
        assert r.status_code == 404
    async with logged_in(app, world.users[("analyst", "own")], PASSWORD) as analyst:
        assert (await analyst.get("/terminal/machines/imm-02")).status_code == 403


async def test_instants_ingest_would_refuse_are_refused_before_any_lookup(
    client: httpx.AsyncClient,
) -> None:
    last = {**_count("f-1", 0, 1), "ts": "9999-12-31T23:59:59.999+00:00"}
    first = {**_count("f-2", 0, 1), "ts": "0001-01-01T00:00:00+00:00"}
    assert [(r["outcome"], r["code"]) for r in await _send(client, last, first)] == [
        ("rejected", "too_old"),
        ("rejected", "clock_skew"),
    ]
    note = {"key": "f-3", "scope_id": "imm-03", "ts": last["ts"], "text": "x"}
    assert (await client.post("/api/v1/terminal/handover", json=note)).status_code == 422
    fix = {"machine_id": "imm-03", "ts": last["ts"], "source": "manual:x", "state": "running"}
    assert (await client.put("/api/v1/terminal/corrections/state", json=fix)).status_code == 422

"""Entering and reviewing an assessment on the web: budgets as people type them, the review of
every answer, deleting drafts, the consultant's order, plant data and one radar everywhere."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from tests.assessment.answers import uniform

pytestmark = pytest.mark.anyio
ZONE = ZoneInfo("Asia/Jakarta")
RADAR = re.compile(r'<svg[^>]*class="radar-svg".*?</svg>', re.DOTALL)


def service(app: FastAPI) -> Any:
    return app.state.assessments


def scored(app: FastAPI, model: str = "indi40", level: int = 1) -> str:
    svc = service(app)
    row = svc.create(model, title=f"web {model} {level}")
    svc.save_answers(row.id, list(uniform(svc.model_of(row), level).values()))
    svc.submit(row.id)
    return str(row.id)


AMOUNTS = {
    "Rp150juta": "Rp 150 juta",
    "150 juta": "Rp 150 juta",
    "1,5 miliar": "Rp 1,5 miliar",
    "Rp 1.500.000.000": "Rp 1,5 miliar",
}


async def test_the_budget_reads_indonesian_amounts(client: httpx.AsyncClient, app: FastAPI) -> None:
    assessment = scored(app)
    for typed, shown in AMOUNTS.items():
        page = await client.get(f"/assess/{assessment}/roadmap", params={"budget": typed})
        assert page.status_code == 200
        assert f"Anggaran:</strong> {shown}" in page.text or f"Anggaran: {shown}" in page.text
        # The plan and its PDF links keep the typed amount.
        assert "budget=" in page.text
    created = service(app).get(assessment).created_at.astimezone(ZONE).date()
    own = await client.get(f"/assess/{assessment}/roadmap?lang=en")
    assert f'name="start" value="{created.isoformat()}"' in own.text
    picked = await client.get(f"/assess/{assessment}/roadmap?start=2027-01-15&lang=en")
    assert "The roadmap starts on Jan 15, 2027" in picked.text
    wrong = await client.get(f"/assess/{assessment}/roadmap?start=besok&lang=en")
    assert wrong.status_code == 422
    assert "The start date could not be read" in wrong.text


async def test_a_negative_budget_returns_to_the_form_with_a_message_in_the_users_language(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    assessment = scored(app)
    page = await client.get(f"/assess/{assessment}/roadmap", params={"budget": "-5"})
    assert page.status_code == 422
    assert "Anggaran tidak boleh negatif" in page.text
    assert 'name="budget" value="-5"' in page.text
    assert f'action="/assess/{assessment}/roadmap"' in page.text
    assert "bad_budget" not in page.text
    assert "negative_budget" not in page.text
    english = await client.get(
        f"/assess/{assessment}/roadmap", params={"budget": "lima juta", "lang": "en"}
    )
    assert english.status_code == 422
    assert "The budget could not be read" in english.text
    report = await client.get(
        f"/assess/{assessment}/report", params={"budget": "-5", "format": "pdf"}
    )
    assert report.status_code == 303
    assert report.headers["location"].startswith(f"/assess/{assessment}/roadmap?budget=-5")


async def test_the_review_page_lists_every_answer_with_a_link_to_change_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    svc = service(app)
    row = svc.create("indi40", title="periksa")
    model = svc.model_of(row)
    answers = uniform(model, 3)
    first = model.questions[0]
    svc.save_answers(row.id, [answers[first.id]])
    page = await client.get(f"/assess/{row.id}/review?lang=id")
    assert "Semua jawaban" in page.text
    step_of = {f.id: n for n, p in enumerate(model.pillars, start=1) for f in p.fields}
    for q in model.questions:
        assert f'data-question="{q.id}"' in page.text
        assert f"/assess/{row.id}/step/{step_of[q.field_id]}#q-{q.id}" in page.text
    label = first.option(answers[first.id].selected[0]).label.get("id")
    assert label in page.text
    assert page.text.count("Belum dijawab") == len(model.questions) - 1


async def test_a_draft_is_deleted_from_its_review_page_and_audited(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    svc = service(app)
    row = svc.create("indi40", title="hapus saya")
    review = await client.get(f"/assess/{row.id}/review")
    assert f'action="/assess/{row.id}/delete"' in review.text
    assert f'action="/assess/{row.id}/delete"' in (await client.get("/assess")).text
    r = await client.post(f"/assess/{row.id}/delete")
    assert r.status_code == 303
    assert r.headers["location"] == "/assess?deleted=1"
    gone = await client.get(f"/assess/{row.id}/review")
    assert gone.status_code == 404
    assert svc.store.audit_log(svc.tenant_id, row.id)[-1].action == "delete"
    listing = await client.get("/assess?deleted=1&lang=id")
    assert "Draf dihapus" in listing.text
    assert "hapus saya" not in listing.text


async def test_the_consultant_moves_a_gap_and_it_stays_pinned_with_its_reason(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    assessment = scored(app)
    before = [g.field_id for g in service(app).gaps(assessment)]
    r = await client.post(
        f"/assess/{assessment}/ranking", data={"field": before[1], "action": "up"}
    )
    assert r.status_code == 303
    page = await client.get(f"/assess/{assessment}/roadmap?lang=en")
    rows = re.findall(r'<tr data-field="([a-z_]+)"', page.text)
    assert rows[:2] == [before[1], before[0]]
    assert "Rank 1: set by the consultant (computed rank 2)" in page.text
    assert "Rank 2: scores" in page.text
    indonesian = await client.get(f"/assess/{assessment}/roadmap?lang=id")
    assert "Peringkat 1: ditetapkan oleh konsultan (urutan hitungan 2)" in indonesian.text


async def test_korean_results_show_the_plants_data(client: httpx.AsyncClient, app: FastAPI) -> None:
    assessment = scored(app, "korea-sf", 1)
    page = await client.get(f"/assess/{assessment}/results?lang=en")
    assert "No plant data is available as evidence yet." not in page.text
    assert "The plant&#39;s data from" in page.text or "The plant's data from" in page.text
    assert 'data-observe="connected_share"' in page.text


async def test_the_web_radar_is_the_pdfs_radar(client: httpx.AsyncClient, app: FastAPI) -> None:
    assessment = scored(app, "indi40", 2)
    results = await client.get(f"/assess/{assessment}/results?lang=id")
    report = await client.get(f"/assess/{assessment}/report?kind=full&format=html&lang=id")
    web = RADAR.search(results.text)
    pdf = RADAR.search(report.text)
    assert web is not None
    assert pdf is not None
    assert web.group(0) == pdf.group(0)
    assert ">Orang dan</tspan>" in web.group(0)
    assert ">Budaya</tspan>" in web.group(0)

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.assessment.answers import uniform
from tests.web.links import collect

pytestmark = pytest.mark.anyio


def service(app: FastAPI) -> Any:
    return app.state.assessments


async def walk_wizard(client: httpx.AsyncClient, app: FastAPI, level: int) -> str:
    r = await client.post("/assess", data={"model": "indi40", "title": "Uji web"})
    assert r.status_code == 303
    assessment = r.headers["location"].split("/")[2]
    svc = service(app)
    model = svc.model_of(svc.get(assessment))
    answers = uniform(model, level)
    for number, pillar in enumerate(model.pillars, start=1):
        page = await client.get(f"/assess/{assessment}/step/{number}")
        assert page.status_code == 200
        fields = {f.id for f in pillar.fields}
        form: dict[str, Any] = {"action": "next"}
        for q in model.questions:
            if q.field_id in fields:
                form[f"q.{q.id}"] = list(answers[q.id].selected)
                form[f"note.{q.id}"] = "bukti"
        r = await client.post(f"/assess/{assessment}/step/{number}", data=form)
        assert r.status_code == 303, r.text
    return assessment


async def test_history_page_offers_models_and_the_blank_questionnaire(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/assess?lang=id")
    assert r.status_code == 200
    assert "Penilaian kesiapan" in r.text
    assert "INDI 4.0 — Indeks Kesiapan Industri 4.0" in r.text
    assert "/assess/questionnaire.pdf?model=indi40" in r.text
    assert 'href="/assess" aria-current="page"' in r.text


async def test_the_wizard_saves_each_step_and_resumes_where_it_stopped(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    r = await client.post("/assess", data={"model": "indi40"})
    assessment = r.headers["location"].split("/")[2]
    form = {
        "q.strategy.plan": "plan",
        "q.investment.areas": ["sensors", "none"],
        "note.strategy.plan": "SOP 2025",
        "action": "save",
    }
    r = await client.post(f"/assess/{assessment}/step/1", data=form)
    assert r.headers["location"].endswith("/step/1?saved=1")
    saved = service(app).answers(assessment)
    assert saved["strategy.plan"].note == "SOP 2025"
    assert saved["investment.areas"].selected == ("none",)
    page = await client.get(f"/assess/{assessment}/step/1")
    assert 'value="plan" checked' in page.text
    assert "2 dari 27 pertanyaan wajib terjawab" in page.text
    resume = await client.get(f"/assess/{assessment}")
    assert resume.headers["location"].endswith(f"/assess/{assessment}/step/1")


async def test_a_complete_wizard_submits_and_shows_results_roadmap_and_reports(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    assessment = await walk_wizard(client, app, 2)
    review = await client.get(f"/assess/{assessment}/review")
    assert "Semua pertanyaan wajib sudah dijawab." in review.text
    r = await client.post(f"/assess/{assessment}/submit")
    assert r.headers["location"].endswith(f"/assess/{assessment}/results")
    results = await client.get(f"/assess/{assessment}/results")
    assert results.status_code == 200
    assert "Kesiapan sedang" in results.text
    assert 'class="radar-svg"' in results.text
    assert collect(results.text).inline_scripts == 0
    roadmap = await client.get(f"/assess/{assessment}/roadmap?budget=300.000.000")
    assert roadmap.status_code == 200
    assert "0–6 bulan" in roadmap.text
    assert "Rp 300 juta" in roadmap.text
    summary = await client.get(f"/assess/{assessment}/report?kind=summary&format=html&lang=en")
    assert "Industry 4.0 readiness: executive summary" in summary.text
    assert "<svg" in summary.text
    assert "unofficial" in summary.text
    pdf = await client.get(f"/assess/{assessment}/report?kind=full&format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment;" in pdf.headers["content-disposition"]
    scores = await client.get(f"/assess/{assessment}/scores.csv?lang=en")
    assert scores.text.startswith("kind,id,name,score,level")
    answers = await client.get(f"/assess/{assessment}/answers.yaml")
    assert "model: indi40" in answers.text


async def test_every_asset_of_the_assessment_pages_is_local(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    assessment = await walk_wizard(client, app, 1)
    await client.post(f"/assess/{assessment}/submit")
    for path in (
        "/assess",
        f"/assess/{assessment}/step/2",
        f"/assess/{assessment}/results",
        f"/assess/{assessment}/roadmap",
    ):
        r = await client.get(path)
        links = collect(r.text)
        assert links.inline_scripts == 0, path
        for tag, _, url in links.urls:
            assert not urlsplit(url).netloc, url
            if tag in {"script", "link"}:
                assert (await client.get(url)).status_code == 200, url


async def test_attachments_are_downloads_with_a_checked_type(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    r = await client.post("/assess", data={"model": "indi40"})
    assessment = r.headers["location"].split("/")[2]
    files = {"file.strategy.plan": ("rencana.png", b"\x89PNG\r\n\x1a\nxxxx", "text/html")}
    r = await client.post(f"/assess/{assessment}/step/1", data={"action": "save"}, files=files)
    assert r.status_code == 303
    attachment = service(app).answers(assessment)["strategy.plan"].attachment_id
    download = await client.get(f"/assess/attachments/{attachment}")
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"] == 'attachment; filename="rencana.png"'
    assert download.headers["x-content-type-options"] == "nosniff"
    hostile = {"file.strategy.plan": ("x.html", b"<script>alert(1)</script>", "text/html")}
    r = await client.post(f"/assess/{assessment}/step/1", data={"action": "save"}, files=hostile)
    assert r.status_code == 422
    assert "Jenis berkas tidak diizinkan" in r.text


async def test_the_api_scores_explains_gaps_and_plans(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    r = await client.post("/api/v1/assessments", json={"model": "korea-sf", "title": "API"})
    assert r.status_code == 201
    assessment = r.json()["id"]
    model = service(app).registry.get("korea-sf")
    answers = [
        {"question": a.question_id, "selected": list(a.selected)}
        for a in uniform(model, 2).values()
    ]
    bad = await client.put(
        f"/api/v1/assessments/{assessment}/answers",
        json={"answers": [{"question": "ghost", "selected": ["x"]}]},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["issues"][0]["code"] == "unknown_question"
    early = await client.post(f"/api/v1/assessments/{assessment}/submit")
    assert early.status_code == 422
    assert {i["code"] for i in early.json()["error"]["details"]["issues"]} == {"missing"}
    r = await client.put(f"/api/v1/assessments/{assessment}/answers", json={"answers": answers})
    assert r.json()["answered"] == r.json()["required"] == 10
    result = (await client.post(f"/api/v1/assessments/{assessment}/submit")).json()
    assert (result["overall_exact"], result["points"], result["capability_level"]) == (
        "2/1",
        500.0,
        3,
    )
    assert result["built_system"]["field_automation"] == 2
    gaps = (await client.get(f"/api/v1/assessments/{assessment}/gaps")).json()
    assert gaps[0]["rank"] == 1
    assert gaps[0]["reasons"][0]["code"] == "gap_size"
    plan = (await client.get(f"/api/v1/assessments/{assessment}/roadmap?budget=0")).json()
    assert plan["steps"] == []
    assert plan["deferred"]
    later = await client.get(f"/api/v1/assessments/{assessment}/roadmap?start=2027-01-15")
    planned = later.json()
    assert planned["start"] == "2027-01-15"
    assert planned["steps"][0]["begins"] >= "2027-01-15"
    assert {p["basis"] for p in planned["in_place"]} <= {"answers", "data"}
    assert gaps[0]["computed_rank"] == 1
    assert gaps[0]["pinned"] is False
    await client.post(f"/api/v1/assessments/{assessment}/verification/start")
    adj = await client.post(
        f"/api/v1/assessments/{assessment}/verification/adjustments",
        json={"question": "process.quality", "score": 0, "reason": "SPC kertas"},
    )
    assert adj.status_code == 200
    closed = (await client.post(f"/api/v1/assessments/{assessment}/verification/close")).json()
    assert closed["overall"] < result["overall"]
    audit = (await client.get(f"/api/v1/assessments/{assessment}/audit")).json()
    assert "adjust" in [a["action"] for a in audit]
    models = (await client.get("/api/v1/assessment-models?lang=en")).json()
    assert {m["id"] for m in models} == {"indi40", "korea-sf"}
    missing = await client.get("/api/v1/assessments/nope")
    assert missing.status_code == 404


async def test_the_blank_questionnaire_is_a_pdf(client: httpx.AsyncClient) -> None:
    r = await client.get("/assess/questionnaire.pdf?model=korea-sf&lang=en")
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")
    assert "korea-sf-v1-questionnaire-en.pdf" in r.headers["content-disposition"]

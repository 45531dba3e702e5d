from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction

import pytest

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.gaps import CompanyProfile
from pabrik.assessment.loader import parse_model
from pabrik.assessment.scoring import Answer, AnswerError
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.assess.data import load_registry
from pabrik.runtime.assess.files import AttachmentRejectedError
from pabrik.runtime.assess.reports import report_data
from pabrik.runtime.assess.service import Assessments, build_assessments
from pabrik.runtime.settings import Settings
from tests.assessment.answers import uniform
from tests.assessment.sources import raw
from tests.paths import DEMO


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = build_runtime(Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("assess")))
    rt.backfill(days=1)
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def svc(runtime: Runtime) -> Assessments:
    v2 = copy.deepcopy(raw("indi40-v1"))
    v2["version"] = 2
    v2["pillars"][0]["weight"] = 40
    registry = load_registry(extra=(parse_model(v2, "indi40-v2"),))
    return build_assessments(runtime, registry)


def fill(svc: Assessments, level: int, model: str = "indi40", version: int = 1) -> str:
    row = svc.create(model, version=version, title=f"level {level}")
    svc.save_answers(row.id, list(uniform(svc.model_of(row), level).values()))
    return row.id


def test_every_row_belongs_to_the_default_tenant_and_company(svc: Assessments) -> None:
    row = svc.get(fill(svc, 1))
    assert (row.tenant_id, row.company_id) == ("default", "default")
    assert svc.company().name == "PT Plastindo Maju Sejahtera"
    assert row.status == "draft"


def test_answers_save_as_you_go_and_progress_counts_required(svc: Assessments) -> None:
    row = svc.create("indi40")
    model = svc.model_of(row)
    first = model.questions[0]
    svc.save_answers(row.id, [Answer(first.id, (first.options[1].id,), "lihat SOP")])
    progress = svc.progress(row.id)
    assert (progress.answered, progress.required) == (1, len(model.questions))
    assert svc.answers(row.id)[first.id].note == "lihat SOP"
    with pytest.raises(AnswerError) as err:
        svc.submit(row.id)
    assert len(err.value.issues) == len(model.questions) - 1
    assert svc.result(row.id) is None


def test_bad_answers_are_refused_per_question_and_nothing_is_saved(svc: Assessments) -> None:
    row = svc.create("indi40")
    with pytest.raises(AnswerError) as err:
        svc.save_answers(
            row.id,
            [
                Answer("strategy.plan", ("plan",)),
                Answer("nope", ("x",)),
                Answer("culture.data", ("sometimes",)),
            ],
        )
    assert {(i.question_id, i.code) for i in err.value.issues} == {
        ("nope", "unknown_question"),
        ("culture.data", "unknown_option"),
    }
    assert svc.answers(row.id) == {}


def test_none_of_these_is_stored_alone(svc: Assessments) -> None:
    row = svc.create("indi40")
    saved = svc.save_answers(row.id, [Answer("investment.areas", ("sensors", "none"))])
    assert saved["investment.areas"].selected == ("none",)


def test_verification_keeps_the_original_score_and_audits_everything(svc: Assessments) -> None:
    aid = fill(svc, 3)
    self_assessed = svc.submit(aid)
    assert self_assessed.overall == 3
    with pytest.raises(InvalidRequestError):
        svc.adjust(aid, "strategy.plan", 1, "not yet")
    svc.start_verification(aid)
    with pytest.raises(InvalidRequestError):
        svc.save_answers(aid, [Answer("strategy.plan", ("none",))])
    svc.add_visit_note(aid, "Dasbor OEE belum dipakai di rapat harian.")
    svc.adjust(aid, "culture.data", 1, "Rapat harian belum memakai angka")
    verified = svc.verify(aid)
    assert verified.overall < self_assessed.overall
    assert svc.get(aid).status == "verified"
    assert "Dasbor OEE" in svc.get(aid).visit_notes
    adj = svc.adjustments(aid)[0]
    assert (adj.original_score, adj.adjusted_score) == (3, 1)
    actions = [a.action for a in svc.audit(aid)]
    assert actions[0] == "create"
    for needed in ("answer", "score", "status", "visit_note", "adjust"):
        assert needed in actions
    status = [a for a in svc.audit(aid) if a.action == "status"]
    assert [(a.before_json, a.after_json) for a in status] == [
        ('"draft"', '"self_assessed"'),
        ('"self_assessed"', '"under_verification"'),
        ('"under_verification"', '"verified"'),
    ]
    assert [s.basis for s in svc.snapshots(aid)] == ["self_assessed", "verified"]


def test_an_old_result_keeps_its_score_when_rescored_under_a_new_version(
    svc: Assessments,
) -> None:
    answers = uniform(svc.registry.get("indi40", 1), 2)
    answers["strategy.plan"] = Answer("strategy.plan", ("core",))
    row = svc.create("indi40", version=1)
    svc.save_answers(row.id, list(answers.values()))
    v1 = svc.submit(row.id)
    v2 = svc.rescore(row.id, 2)
    assert v1.model_key == "indi40@1"
    assert v2.model_key == "indi40@2"
    assert v1.overall != v2.overall
    assert svc.result(row.id) == v1
    assert [s.result.model_key for s in svc.snapshots(row.id)] == ["indi40@1", "indi40@2"]


def test_history_shows_the_trend_against_the_previous_assessment(svc: Assessments) -> None:
    first = fill(svc, 1)
    svc.submit(first)
    second = fill(svc, 2)
    svc.submit(second)
    entries = [e for e in svc.history() if e.assessment.id in {first, second}]
    assert entries[-1].trend is not None
    assert entries[-1].trend.overall == 1
    assert svc.previous_result(second) == svc.result(first)


def test_evidence_proposes_answers_and_flags_contradictions(svc: Assessments) -> None:
    aid = fill(svc, 0)
    observation = svc.observation()
    assert observation is not None
    assert observation.machines == 7
    assert observation.connected_share == 1
    assert observation.data_recency >= 3
    proposals = {p.question_id: p for p in svc.evidence(aid)}
    connectivity = proposals["connectivity.machines"]
    assert (connectivity.option_id, connectivity.reported_option) == ("all", "none")
    assert connectivity.status == "contradicts"
    assert proposals["machines.alarms"].option_id == "all"


def test_gaps_follow_the_company_profile_and_the_roadmap_respects_the_budget(
    svc: Assessments,
) -> None:
    aid = fill(svc, 1)
    svc.submit(aid)
    svc.update_company(
        size=PlantSize.SMALL,
        profile=CompanyProfile(
            {"energy": 3, "quality": 1}, {"energy": Fraction(50), "materials": Fraction(50)}
        ),
    )
    svc.set_targets(aid, {"smart_machines": 3})
    assert svc.targets(aid)["smart_machines"] == 3
    assert svc.targets(aid)["culture"] == 2
    gaps = svc.gaps(aid)
    assert gaps[0].field_id in {g.field_id for g in gaps}
    plan = svc.roadmap(aid, budget=150_000_000)
    assert plan.size is PlantSize.SMALL
    assert plan.budget == 150_000_000
    assert svc.training(plan)
    data = report_data(svc, aid)
    assert data.result.overall == 1
    assert data.gaps
    with pytest.raises(InvalidRequestError):
        svc.roadmap(aid, budget=-1)


def test_attachments_are_type_checked_and_linked_to_the_answer(svc: Assessments) -> None:
    aid = fill(svc, 1)
    record = svc.attach(aid, "strategy.plan", "../../rencana.pdf", b"%PDF-1.7\n...")
    assert record.filename == "rencana.pdf"
    assert record.content_type == "application/pdf"
    assert svc.answers(aid)["strategy.plan"].attachment_id == record.id
    stored, data = svc.attachment(record.id)
    assert data.startswith(b"%PDF")
    assert stored.size_bytes == len(data)
    assert "attachments/default/" in stored.stored_path
    for name, content, reason in [
        ("page.html", b"<script>alert(1)</script>", "type"),
        ("fake.pdf", b"<html>not a pdf</html>", "content"),
        ("big.csv", b"a" * (10 * 1024 * 1024 + 1), "size"),
        ("binary.csv", b"a,b\x00c", "content"),
    ]:
        with pytest.raises(AttachmentRejectedError) as err:
            svc.attach(aid, "strategy.plan", name, content)
        assert err.value.details["reason"] == reason


def test_a_verified_assessment_cannot_be_changed(svc: Assessments) -> None:
    aid = fill(svc, 2)
    svc.submit(aid)
    svc.start_verification(aid)
    svc.verify(aid)
    with pytest.raises(InvalidRequestError):
        svc.save_answers(aid, [Answer("strategy.plan", ("none",))])
    with pytest.raises(InvalidRequestError):
        svc.submit(aid)
    assert replace(svc.get(aid)).status == "verified"

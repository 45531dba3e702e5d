"""The assessment JSON API under ``/api/v1/assessments``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from pabrik.present.assess.schemas import (
    AdjustmentIn,
    AnswersUpdate,
    AssessmentCreate,
    AssessmentPublic,
    AuditPublic,
    GapPublic,
    ModelPublic,
    NoteIn,
    ProposalPublic,
    RescoreIn,
    ResultPublic,
    RoadmapPublic,
    TargetsUpdate,
)
from pabrik.runtime.assess.formats import scores_csv
from pabrik.web.deps import AssessmentsDep, LocaleDep
from pabrik.web.schemas import ErrorPublic

router = APIRouter(
    prefix="/api/v1",
    tags=["assessments"],
    responses={
        404: {"model": ErrorPublic, "description": "Unknown assessment or model"},
        422: {"model": ErrorPublic, "description": "Invalid answers, one problem per question"},
    },
)


def _public(svc: AssessmentsDep, assessment_id: str) -> AssessmentPublic:
    row = svc.get(assessment_id)
    return AssessmentPublic.of(row, svc.progress(row.id), svc.answers(row.id))


@router.get("/assessment-models", summary="Assessment models")
def list_models(svc: AssessmentsDep, locale: LocaleDep) -> list[ModelPublic]:
    """Every model version pabrik ships (INDI 4.0, Korean profile)."""
    return [ModelPublic.of(m, locale) for m in svc.registry.models]


@router.get("/assessments", summary="List assessments")
def list_assessments(svc: AssessmentsDep) -> list[AssessmentPublic]:
    """The company's assessments, newest first."""
    return [_public(svc, row.id) for row in svc.all()]


@router.post("/assessments", status_code=201, summary="Start an assessment")
def create_assessment(svc: AssessmentsDep, body: AssessmentCreate) -> AssessmentPublic:
    """A new draft assessment against a model version."""
    row = svc.create(body.model, title=body.title, version=body.version)
    return _public(svc, row.id)


@router.get("/assessments/{assessment_id}", summary="One assessment")
def get_assessment(svc: AssessmentsDep, assessment_id: str) -> AssessmentPublic:
    """Status, progress and answers."""
    return _public(svc, assessment_id)


@router.put("/assessments/{assessment_id}/answers", summary="Save answers")
def put_answers(svc: AssessmentsDep, assessment_id: str, body: AnswersUpdate) -> AssessmentPublic:
    """Save answers; an unknown question or option fails the whole request, per question."""
    svc.save_answers(assessment_id, body.domain())
    return _public(svc, assessment_id)


@router.post("/assessments/{assessment_id}/submit", summary="Score the self-assessment")
def submit(svc: AssessmentsDep, assessment_id: str) -> ResultPublic:
    """Score complete answers; missing required answers are listed per question."""
    return ResultPublic.of(svc.submit(assessment_id))


@router.get("/assessments/{assessment_id}/result", summary="Current result")
def get_result(svc: AssessmentsDep, assessment_id: str) -> ResultPublic:
    """The newest result under the assessment's own model version."""
    return ResultPublic.of(svc.require_result(assessment_id))


@router.post("/assessments/{assessment_id}/rescore", summary="Re-score under another version")
def rescore(svc: AssessmentsDep, assessment_id: str, body: RescoreIn) -> ResultPublic:
    """Score the same answers under another model version; the old result is kept."""
    return ResultPublic.of(svc.rescore(assessment_id, body.version))


@router.get("/assessments/{assessment_id}/evidence", summary="Evidence from plant data")
def get_evidence(svc: AssessmentsDep, assessment_id: str) -> list[ProposalPublic]:
    """Answers the plant's data proposes, beside the self-reported ones."""
    return [ProposalPublic.of(p) for p in svc.evidence(assessment_id)]


@router.put("/assessments/{assessment_id}/targets", summary="Set target levels")
def put_targets(svc: AssessmentsDep, assessment_id: str, body: TargetsUpdate) -> dict[str, int]:
    """Target level per field; fields not set keep the suggested target."""
    svc.set_targets(assessment_id, body.targets)
    return svc.targets(assessment_id)


@router.get("/assessments/{assessment_id}/gaps", summary="Ranked gaps")
def get_gaps(svc: AssessmentsDep, assessment_id: str) -> list[GapPublic]:
    """Gaps ranked by size, business impact and effort, with reasons."""
    return [GapPublic.of(i, g) for i, g in enumerate(svc.gaps(assessment_id), start=1)]


@router.get("/assessments/{assessment_id}/roadmap", summary="Phased roadmap")
def get_roadmap(
    svc: AssessmentsDep,
    assessment_id: str,
    budget: Annotated[int | None, Query(ge=0, description="Budget cap in rupiah")] = None,
    start: Annotated[
        date | None, Query(description="First day of the plan; the assessment's date if absent")
    ] = None,
) -> RoadmapPublic:
    """Steps in 0–6, 6–12 and 12–24 months after their prerequisites, with a training plan."""
    roadmap = svc.roadmap(assessment_id, budget=budget, start=start)
    return RoadmapPublic.of(roadmap, svc.training(roadmap))


@router.post("/assessments/{assessment_id}/verification/start", summary="Start verification")
def start_verification(svc: AssessmentsDep, assessment_id: str) -> AssessmentPublic:
    """Move a self-assessed result under verification."""
    svc.start_verification(assessment_id)
    return _public(svc, assessment_id)


@router.post("/assessments/{assessment_id}/verification/notes", summary="Add a visit note")
def add_note(svc: AssessmentsDep, assessment_id: str, body: NoteIn) -> AssessmentPublic:
    """Append an assessor's visit note."""
    svc.add_visit_note(assessment_id, body.note)
    return _public(svc, assessment_id)


@router.post("/assessments/{assessment_id}/verification/adjustments", summary="Adjust a score")
def adjust(svc: AssessmentsDep, assessment_id: str, body: AdjustmentIn) -> AssessmentPublic:
    """An assessor's score for one question; the self-assessed score is kept."""
    svc.adjust(assessment_id, body.question, body.score, body.reason)
    return _public(svc, assessment_id)


@router.post("/assessments/{assessment_id}/verification/close", summary="Mark verified")
def close_verification(svc: AssessmentsDep, assessment_id: str) -> ResultPublic:
    """Re-score with the adjustments and mark the assessment verified."""
    return ResultPublic.of(svc.verify(assessment_id))


@router.get("/assessments/{assessment_id}/audit", summary="Audit trail")
def get_audit(svc: AssessmentsDep, assessment_id: str) -> list[AuditPublic]:
    """Who changed what, when, with before and after."""
    return [AuditPublic.of(a) for a in svc.audit(assessment_id)]


@router.get(
    "/assessments/{assessment_id}/scores.csv",
    summary="Scores as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_scores_csv(svc: AssessmentsDep, assessment_id: str, locale: LocaleDep) -> Response:
    """Overall, pillar and field scores as CSV."""
    row = svc.get(assessment_id)
    text = scores_csv(svc.model_of(row), svc.require_result(assessment_id), locale)
    return Response(
        text, media_type="text/csv; charset=utf-8", headers={"X-Content-Type-Options": "nosniff"}
    )

"""The data behind an assessment's executive summary and full report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pabrik.assessment.catalogue import Catalogue
from pabrik.assessment.evidence import PlantObservation, Proposal
from pabrik.assessment.gaps import Gap
from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.people import TrainingNeed
from pabrik.assessment.roadmap import Roadmap
from pabrik.assessment.scoring import Answer, Result, Trend, trend
from pabrik.runtime.assess.company import Company
from pabrik.runtime.assess.service import Assessments
from pabrik.storage.assessments import AdjustmentRow, AssessmentRow, AttachmentRow


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows about one assessment, gathered in one place."""

    assessment: AssessmentRow
    model: AssessmentModel
    catalogue: Catalogue
    company: Company
    result: Result
    previous: Result | None
    trend: Trend | None
    answers: dict[str, Answer]
    adjustments: dict[str, AdjustmentRow]
    attachments: dict[str, AttachmentRow]
    evidence: list[Proposal]
    observation: PlantObservation | None
    gaps: list[Gap]
    targets: dict[str, int]
    roadmap: Roadmap
    training: list[TrainingNeed]
    generated_at: datetime


def report_data(
    service: Assessments,
    assessment_id: str,
    *,
    budget: int | None = None,
    start: date | None = None,
) -> ReportData:
    """The data of the executive summary and the full report."""
    row = service.get(assessment_id)
    result = service.require_result(assessment_id)
    previous = service.previous_result(assessment_id)
    roadmap = service.roadmap(assessment_id, budget=budget, start=start)
    return ReportData(
        assessment=row,
        model=service.model_of(row),
        catalogue=service.catalogue,
        company=service.company(),
        result=result,
        previous=previous,
        trend=trend(result, previous),
        answers=service.answers(assessment_id),
        adjustments={a.question_id: a for a in service.adjustments(assessment_id)},
        attachments=service.attachments(assessment_id),
        evidence=service.evidence(assessment_id),
        observation=service.observation(),
        gaps=service.gaps(assessment_id),
        targets=service.targets(assessment_id),
        roadmap=roadmap,
        training=service.training(roadmap),
        generated_at=service.clock(),
    )

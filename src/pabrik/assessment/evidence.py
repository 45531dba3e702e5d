"""Answers proposed from what the plant really runs, and the self-reports they contradict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import Answer

CONTRADICTION = 2


@dataclass(frozen=True, slots=True)
class PlantObservation:
    """Facts about the plant measured from its data (shares are 0–1)."""

    machines: int
    connected_share: float
    oee_auto_share: float
    data_recency: int
    alarm_share: float
    maintenance_kpis: bool
    history_days: float

    def value(self, name: str) -> float:
        """An observation by its name in the model's evidence rules."""
        return float(getattr(self, name))


OBSERVATIONS = frozenset(f.name for f in fields(PlantObservation)) - {"machines"}


@dataclass(frozen=True, slots=True)
class Proposal:
    """The answer the data suggests for a question, set beside the self-reported one."""

    question_id: str
    field_id: str
    observe: str
    value: float
    option_id: str
    score: int
    reported_option: str | None
    reported_score: int | None
    status: str


def _status(proposed: int, reported: int | None) -> str:
    if reported is None:
        return "no_answer"
    gap = abs(reported - proposed)
    if gap == 0:
        return "agrees"
    return "contradicts" if gap >= CONTRADICTION else "differs"


def propose(
    model: AssessmentModel, observation: PlantObservation, answers: Mapping[str, Answer]
) -> list[Proposal]:
    """A proposal for every question the plant's data can answer, in model order."""
    proposals: list[Proposal] = []
    for q in model.questions:
        if q.evidence is None:
            continue
        value = observation.value(q.evidence.observe)
        option = q.option(q.evidence.option_for(value))
        if option is None:
            continue
        answer = answers.get(q.id)
        reported = q.option(answer.selected[0]) if answer and answer.selected else None
        proposals.append(
            Proposal(
                question_id=q.id,
                field_id=q.field_id,
                observe=q.evidence.observe,
                value=value,
                option_id=option.id,
                score=option.score,
                reported_option=reported.id if reported else None,
                reported_score=reported.score if reported else None,
                status=_status(option.score, reported.score if reported else None),
            )
        )
    return proposals

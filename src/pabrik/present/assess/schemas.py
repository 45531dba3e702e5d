"""Public JSON models of the assessment API (create, update and public shapes)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from pabrik.assessment.evidence import Proposal
from pabrik.assessment.gaps import Gap
from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.people import TrainingNeed
from pabrik.assessment.roadmap import Roadmap
from pabrik.assessment.scoring import Answer, Result
from pabrik.runtime.assess.answers import Progress
from pabrik.runtime.assess.codec import fraction_text
from pabrik.runtime.assess.lifecycle import AssessmentRecord, AuditRecord


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class AssessmentCreate(BaseModel):
    """A new assessment."""

    model: str = Field(default="indi40", description="Model id, e.g. indi40 or korea-sf")
    version: int | None = Field(default=None, ge=1, description="Model version; newest if null")
    title: str = Field(default="", max_length=200)


class AnswerIn(BaseModel):
    """One answer: option ids (one for single choice) and an evidence note."""

    question: str
    selected: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=4000)


class AnswersUpdate(BaseModel):
    """Answers to save; questions not listed keep their answers."""

    answers: list[AnswerIn] = Field(max_length=500)

    def domain(self) -> list[Answer]:
        """The answers as domain values."""
        return [Answer(a.question, tuple(a.selected), a.note) for a in self.answers]


class TargetsUpdate(BaseModel):
    """Target levels per field id."""

    targets: dict[str, int]


class AdjustmentIn(BaseModel):
    """An assessor's score for one question, with the reason."""

    question: str
    score: int = Field(ge=0, le=4)
    reason: str = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    """An assessor's visit note."""

    note: str = Field(min_length=1, max_length=4000)


class RescoreIn(BaseModel):
    """Re-score the answers under another version of the model."""

    version: int = Field(ge=1)


class ModelPublic(_Public):
    """An assessment model version."""

    id: str
    version: int
    name: str
    pillars: int
    fields: int
    questions: int
    weights_official: bool
    weights_source: str

    @classmethod
    def of(cls, m: AssessmentModel, locale: str) -> ModelPublic:
        """The public form of a model."""
        return cls(
            id=m.id,
            version=m.version,
            name=m.name.get(locale),
            pillars=len(m.pillars),
            fields=len(m.fields()),
            questions=len(m.questions),
            weights_official=m.weights.official,
            weights_source=m.weights.source,
        )


class AnswerPublic(_Public):
    """A stored answer."""

    question: str
    selected: list[str]
    note: str
    attachment_id: str | None


class AssessmentPublic(_Public):
    """An assessment with its status and progress."""

    id: str
    tenant_id: str
    company_id: str
    model: str
    model_version: int
    title: str
    status: str
    created_at: datetime
    updated_at: datetime
    answered: int
    required: int
    answers: list[AnswerPublic]

    @classmethod
    def of(
        cls, row: AssessmentRecord, progress: Progress, answers: dict[str, Answer]
    ) -> AssessmentPublic:
        """The public form of an assessment."""
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            company_id=row.company_id,
            model=row.model_id,
            model_version=row.model_version,
            title=row.title,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            answered=progress.answered,
            required=progress.required,
            answers=[
                AnswerPublic(
                    question=a.question_id,
                    selected=list(a.selected),
                    note=a.note,
                    attachment_id=a.attachment_id,
                )
                for a in answers.values()
            ],
        )


class ScorePublic(_Public):
    """A score: a float for display and the exact fraction."""

    id: str
    score: float
    exact: str
    level: int


class ResultPublic(_Public):
    """A scored result, stamped with the model version."""

    model: str
    model_version: int
    overall: float
    overall_exact: str
    level: int
    pillars: list[ScorePublic]
    fields: list[ScorePublic]
    weakest: list[str]
    strongest: list[str]
    points: float | None
    capability_level: int | None
    built_system: dict[str, int]

    @classmethod
    def of(cls, r: Result) -> ResultPublic:
        """The public form of a result."""
        return cls(
            model=r.model_id,
            model_version=r.model_version,
            overall=round(float(r.overall), 4),
            overall_exact=fraction_text(r.overall),
            level=r.level,
            pillars=[
                ScorePublic(
                    id=p.pillar_id,
                    score=round(float(p.score), 4),
                    exact=fraction_text(p.score),
                    level=p.level,
                )
                for p in r.pillars
            ],
            fields=[
                ScorePublic(
                    id=f.field_id,
                    score=round(float(f.score), 4),
                    exact=fraction_text(f.score),
                    level=f.level,
                )
                for f in r.fields
            ],
            weakest=list(r.weakest),
            strongest=list(r.strongest),
            points=None if r.points is None else round(float(r.points), 1),
            capability_level=r.capability_level,
            built_system={a.area_id: a.level for a in r.areas},
        )


class ProposalPublic(_Public):
    """An answer proposed from plant data beside the self-reported one."""

    question: str
    field: str
    observe: str
    value: float
    proposed_option: str
    proposed_score: int
    reported_option: str | None
    reported_score: int | None
    status: str

    @classmethod
    def of(cls, p: Proposal) -> ProposalPublic:
        """The public form of a proposal."""
        return cls(
            question=p.question_id,
            field=p.field_id,
            observe=p.observe,
            value=p.value,
            proposed_option=p.option_id,
            proposed_score=p.score,
            reported_option=p.reported_option,
            reported_score=p.reported_score,
            status=p.status,
        )


class GapPublic(_Public):
    """A ranked gap with the reasons for its rank."""

    rank: int
    field: str
    current: float
    target: int
    size: float
    impact: float
    effort: int
    priority: float
    quadrant: str
    reasons: list[dict[str, str]]
    computed_rank: int
    pinned: bool

    @classmethod
    def of(cls, rank: int, g: Gap) -> GapPublic:
        """The public form of a gap."""
        return cls(
            rank=rank,
            field=g.field_id,
            current=round(float(g.current), 4),
            target=g.target,
            size=round(float(g.size), 4),
            impact=round(float(g.impact), 4),
            effort=g.effort,
            priority=round(float(g.priority), 4),
            quadrant=g.quadrant,
            reasons=[{"code": r.code, **dict(r.params)} for r in g.reasons],
            computed_rank=g.computed_rank,
            pinned=g.pinned,
        )


class StepPublic(_Public):
    """A roadmap step."""

    practice: str
    field: str
    phase: str
    start_month: int
    end_month: int
    begins: date
    due: date
    owner: str
    kpi: str
    cost_idr: tuple[int, int]
    prerequisites: list[str]


class TrainingPublic(_Public):
    """A role to train for the roadmap."""

    role: str
    topics: list[str]
    head_count: int
    phase: str


class RoadmapPublic(_Public):
    """A phased roadmap with deferred practices and the training plan."""

    start: date
    size: str
    budget_idr: int | None
    cost_idr: tuple[int, int]
    steps: list[StepPublic]
    deferred: list[dict[str, str]]
    # Practices needing no step: basis "answers" (with the fields) or "data" (observe, value).
    in_place: list[dict[str, str | float | list[str]]]
    training: list[TrainingPublic]

    @classmethod
    def of(cls, rm: Roadmap, training: list[TrainingNeed]) -> RoadmapPublic:
        """The public form of a roadmap."""
        return cls(
            start=rm.start,
            size=rm.size.value,
            budget_idr=rm.budget,
            cost_idr=rm.cost,
            steps=[
                StepPublic(
                    practice=s.practice_id,
                    field=s.field_id,
                    phase=s.phase,
                    start_month=s.start_month,
                    end_month=s.end_month,
                    begins=s.begins,
                    due=s.due,
                    owner=s.owner,
                    kpi=s.kpi,
                    cost_idr=s.cost,
                    prerequisites=list(s.prerequisites),
                )
                for s in rm.steps
            ],
            deferred=[
                {"practice": d.practice_id, "field": d.field_id, "reason": d.reason}
                for d in rm.deferred
            ],
            in_place=[
                {"practice": p.practice_id, "basis": p.basis, "fields": list(p.fields)}
                | ({"observe": p.observe, "value": p.value} if p.observe else {})
                for p in rm.in_place
            ],
            training=[
                TrainingPublic(
                    role=n.role, topics=list(n.topics), head_count=n.head_count, phase=n.phase
                )
                for n in training
            ],
        )


class AuditPublic(_Public):
    """One audit trail entry."""

    at: datetime
    actor: str
    action: str
    subject: str
    before: str | None
    after: str | None

    @classmethod
    def of(cls, a: AuditRecord) -> AuditPublic:
        """The public form of an audit row."""
        return cls(
            at=a.at,
            actor=a.actor,
            action=a.action,
            subject=a.subject,
            before=a.before_json,
            after=a.after_json,
        )

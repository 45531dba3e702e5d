"""Score answers against a model: per question, field, pillar and overall, with the level."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from pabrik.assessment.model import AssessmentModel, Question, QuestionKind
from pabrik.model.errors import PabrikError

STRENGTH_COUNT = 3


@dataclass(frozen=True, slots=True)
class Answer:
    """The options chosen for one question, with an evidence note and attachment."""

    question_id: str
    selected: tuple[str, ...]
    note: str = ""
    attachment_id: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerIssue:
    """Why one answer cannot be scored."""

    question_id: str
    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.question_id}: {self.code}" + (f" ({self.detail})" if self.detail else "")


class AnswerError(PabrikError):
    """Answers that do not fit the model version; nothing is scored."""

    code = "answers_invalid"

    def __init__(self, model_key: str, issues: list[AnswerIssue]) -> None:
        text = "; ".join(str(i) for i in issues)
        super().__init__(
            f"{len(issues)} answer problem(s) for {model_key}: {text}", model=model_key
        )
        self.issues = issues


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """The score of one answered question and its self-assessed original."""

    question_id: str
    field_id: str
    score: int
    original: int

    @property
    def adjusted(self) -> bool:
        """Whether an assessor changed this score."""
        return self.score != self.original


@dataclass(frozen=True, slots=True)
class FieldScore:
    """A field's score: the mean of its answered questions."""

    field_id: str
    pillar_id: str
    score: Fraction
    level: int


@dataclass(frozen=True, slots=True)
class PillarScore:
    """A pillar's score: the mean of its fields."""

    pillar_id: str
    score: Fraction
    weight: Fraction
    level: int


@dataclass(frozen=True, slots=True)
class AreaLevel:
    """The built-system level of one area (Korean profile)."""

    area_id: str
    level: int


@dataclass(frozen=True, slots=True)
class Result:
    """A scored assessment, stamped with the model id and version."""

    model_id: str
    model_version: int
    overall: Fraction
    level: int
    pillars: tuple[PillarScore, ...]
    fields: tuple[FieldScore, ...]
    questions: tuple[QuestionScore, ...]
    weakest: tuple[str, ...]
    strongest: tuple[str, ...]
    points: Fraction | None = None
    capability_level: int | None = None
    areas: tuple[AreaLevel, ...] = ()

    @property
    def model_key(self) -> str:
        """``id@version``."""
        return f"{self.model_id}@{self.model_version}"

    def field(self, field_id: str) -> FieldScore | None:
        """The score of one field."""
        return next((f for f in self.fields if f.field_id == field_id), None)

    def pillar(self, pillar_id: str) -> PillarScore | None:
        """The score of one pillar."""
        return next((p for p in self.pillars if p.pillar_id == pillar_id), None)


def level_of(score: Fraction, scale_max: int) -> int:
    """The level of a score: its floor, kept on the scale."""
    return max(0, min(math.floor(score), scale_max))


def normalise(question: Question, selected: Iterable[str]) -> tuple[str, ...]:
    """A selection without duplicates, where "none of these" clears every other option."""
    chosen = tuple(dict.fromkeys(s for s in selected if s))
    none = question.none_option
    if none is not None and none.id in chosen:
        return (none.id,)
    return chosen


def question_score(question: Question, selected: tuple[str, ...], scale_max: int) -> int:
    """Single choice: the option's score. Multi-select: the sum of options, capped at the scale."""
    scores = [opt.score for s in selected if (opt := question.option(s)) is not None]
    if question.kind is QuestionKind.SINGLE:
        return scores[0] if scores else 0
    return min(sum(scores), scale_max)


def check_answers(model: AssessmentModel, answers: Mapping[str, Answer]) -> list[AnswerIssue]:
    """Every problem with a set of answers, one or more per question."""
    issues: list[AnswerIssue] = []
    for qid in sorted(answers):
        question = model.question(qid)
        if question is None:
            issues.append(AnswerIssue(qid, "unknown_question", model.key))
            continue
        issues.extend(_check_one(question, answers[qid]))
    issues.extend(
        AnswerIssue(q.id, "missing")
        for q in model.questions
        if q.required and not (q.id in answers and answers[q.id].selected)
    )
    return issues


def _check_one(question: Question, answer: Answer) -> list[AnswerIssue]:
    issues = [
        AnswerIssue(question.id, "unknown_option", s)
        for s in answer.selected
        if question.option(s) is None
    ]
    if question.kind is QuestionKind.SINGLE and len(answer.selected) > 1:
        issues.append(AnswerIssue(question.id, "single_choice", ",".join(answer.selected)))
    return issues


def score(
    model: AssessmentModel,
    answers: Mapping[str, Answer],
    adjustments: Mapping[str, int] | None = None,
) -> Result:
    """Score a complete set of answers; raise ``AnswerError`` listing every problem."""
    issues = check_answers(model, answers)
    adjust = dict(adjustments or {})
    for qid, value in sorted(adjust.items()):
        if model.question(qid) is None:
            issues.append(AnswerIssue(qid, "unknown_question", "adjustment"))
        elif not 0 <= value <= model.scale_max:
            issues.append(AnswerIssue(qid, "adjustment_out_of_scale", str(value)))
    if issues:
        raise AnswerError(model.key, issues)
    questions = _question_scores(model, answers, adjust)
    fields = _field_scores(model, questions)
    pillars = _pillar_scores(model, fields)
    total_weight = sum(p.weight for p in pillars)
    overall = sum((p.score * p.weight for p in pillars), Fraction(0)) / total_weight
    return Result(
        model_id=model.id,
        model_version=model.version,
        overall=overall,
        level=level_of(overall, model.scale_max),
        pillars=pillars,
        fields=fields,
        questions=questions,
        weakest=_ranked(fields, lowest=True),
        strongest=_ranked(fields, lowest=False),
        points=_points(model, overall),
        capability_level=_capability(model, overall),
        areas=_areas(model, questions),
    )


def _question_scores(
    model: AssessmentModel, answers: Mapping[str, Answer], adjust: Mapping[str, int]
) -> tuple[QuestionScore, ...]:
    out: list[QuestionScore] = []
    for q in model.questions:
        answer = answers.get(q.id)
        if answer is None or not answer.selected:
            continue
        original = question_score(q, normalise(q, answer.selected), model.scale_max)
        out.append(QuestionScore(q.id, q.field_id, adjust.get(q.id, original), original))
    return tuple(out)


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values) if values else Fraction(0)


def _field_scores(
    model: AssessmentModel, questions: tuple[QuestionScore, ...]
) -> tuple[FieldScore, ...]:
    out: list[FieldScore] = []
    for f in model.fields():
        value = _mean([Fraction(q.score) for q in questions if q.field_id == f.id])
        out.append(FieldScore(f.id, f.pillar_id, value, level_of(value, model.scale_max)))
    return tuple(out)


def _pillar_scores(
    model: AssessmentModel, fields: tuple[FieldScore, ...]
) -> tuple[PillarScore, ...]:
    out: list[PillarScore] = []
    for p in model.pillars:
        value = _mean([f.score for f in fields if f.pillar_id == p.id])
        out.append(PillarScore(p.id, value, p.weight, level_of(value, model.scale_max)))
    return tuple(out)


def _ranked(fields: tuple[FieldScore, ...], *, lowest: bool) -> tuple[str, ...]:
    # Ties are broken by the field id so that the list never depends on iteration order; a
    # field level with every other one is neither weak nor strong.
    scores = [f.score for f in fields]
    if not scores:
        return ()
    edge = max(scores) if lowest else min(scores)
    candidates = [f for f in fields if f.score != edge]
    key = (lambda f: (f.score, f.field_id)) if lowest else (lambda f: (-f.score, f.field_id))
    return tuple(f.field_id for f in sorted(candidates, key=key)[:STRENGTH_COUNT])


def _points(model: AssessmentModel, overall: Fraction) -> Fraction | None:
    if model.points is None:
        return None
    return overall / model.scale_max * model.points.total


def _capability(model: AssessmentModel, overall: Fraction) -> int | None:
    points = _points(model, overall)
    if model.points is None or points is None:
        return None
    return model.points.capability(points).value


def _areas(model: AssessmentModel, questions: tuple[QuestionScore, ...]) -> tuple[AreaLevel, ...]:
    return tuple(
        AreaLevel(a.id, level_of(_area_mean(model, a.id, questions), model.scale_max))
        for a in model.system_areas
    )


def _area_mean(
    model: AssessmentModel, area_id: str, questions: tuple[QuestionScore, ...]
) -> Fraction:
    tagged = {q.id for q in model.questions if area_id in q.system_areas}
    return _mean([Fraction(q.score) for q in questions if q.question_id in tagged])


@dataclass(frozen=True, slots=True)
class Trend:
    """The change against the previous assessment, overall and per pillar."""

    overall: Fraction
    pillars: tuple[tuple[str, Fraction], ...]
    level_change: int


def trend(current: Result, previous: Result | None) -> Trend | None:
    """How the current result moved since the previous one of the same model, else None."""
    if previous is None or previous.model_id != current.model_id:
        return None
    before = {p.pillar_id: p.score for p in previous.pillars}
    pillars = tuple(
        (p.pillar_id, p.score - before[p.pillar_id])
        for p in current.pillars
        if p.pillar_id in before
    )
    return Trend(current.overall - previous.overall, pillars, current.level - previous.level)

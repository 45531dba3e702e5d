"""Answer sets shared by the assessment tests."""

from __future__ import annotations

from pabrik.assessment.model import AssessmentModel, QuestionKind
from pabrik.assessment.scoring import Answer

# INDI 4.0 scores per question id, spread over the levels (the rest answered at 2).
MIXED = {
    "strategy.plan": 4,
    "strategy.leader": 3,
    "investment.budget": 1,
    "investment.areas": 0,
    "cyber.practice": 4,
    "connectivity.machines": 3,
    "connectivity.integration": 3,
    "digital.records": 0,
    "digital.oee": 1,
}


def uniform(model: AssessmentModel, level: int) -> dict[str, Answer]:
    """Every single-choice question at ``level``; multi-selects pick ``level`` items."""
    out: dict[str, Answer] = {}
    for q in model.questions:
        if q.kind is QuestionKind.SINGLE:
            option = next(o for o in q.options if o.score == level)
            out[q.id] = Answer(q.id, (option.id,))
        else:
            items = [o.id for o in q.options if not o.none][:level]
            none = q.none_option
            out[q.id] = Answer(q.id, tuple(items) if items else ((none.id,) if none else ()))
    return out


def by_score(model: AssessmentModel, scores: dict[str, int], default: int) -> dict[str, Answer]:
    """Single-choice answers with a given score per question id (multi-selects: item count)."""
    out = uniform(model, default)
    for qid, value in scores.items():
        q = model.question(qid)
        assert q is not None
        if q.kind is QuestionKind.SINGLE:
            out[qid] = Answer(qid, (next(o.id for o in q.options if o.score == value),))
        else:
            items = [o.id for o in q.options if not o.none][:value]
            out[qid] = Answer(qid, tuple(items) or (q.none_option.id,))  # type: ignore[union-attr]
    return out

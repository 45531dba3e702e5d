"""Invented answers: a level per field, spread a little per question, always the same."""

from __future__ import annotations

import random
from collections.abc import Mapping

from pabrik.assessment.model import AssessmentModel, Question, QuestionKind
from pabrik.assessment.scoring import Answer


def _pick(q: Question, level: int, note: str) -> Answer:
    if q.kind is QuestionKind.SINGLE:
        option = min(q.options, key=lambda o: (abs(o.score - level), o.score))
        return Answer(q.id, (option.id,), note)
    items = [o.id for o in q.options if not o.none][:level]
    none = q.none_option
    return Answer(q.id, tuple(items) if items else ((none.id,) if none else ()), note)


def answers_at(
    model: AssessmentModel,
    base: float,
    seed: int,
    fields: Mapping[str, int] | None = None,
    note: str = "",
) -> list[Answer]:
    """Every question answered near ``base`` (0..scale), or at the given level for a field.

    The ``note`` goes with every answer, so answer exports say what they are.
    """
    rng = random.Random(seed)  # noqa: S311 - invented demo data, not security
    out: list[Answer] = []
    for q in model.questions:
        if fields and q.field_id in fields:
            level = fields[q.field_id]
        else:
            level = round(base + rng.uniform(-0.9, 0.9))
        out.append(_pick(q, max(0, min(model.scale_max, level)), note))
    return out

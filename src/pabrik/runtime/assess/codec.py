"""Results and answers as JSON-ready data, with exact fractions kept as "num/den" strings."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from pabrik.assessment.scoring import (
    Answer,
    AreaLevel,
    FieldScore,
    PillarScore,
    QuestionScore,
    Result,
)


def fraction_text(value: Fraction) -> str:
    """A fraction as ``num/den``."""
    return f"{value.numerator}/{value.denominator}"


def result_to_data(result: Result) -> dict[str, Any]:
    """A result as plain data that round-trips exactly."""
    return {
        "model_id": result.model_id,
        "model_version": result.model_version,
        "overall": fraction_text(result.overall),
        "level": result.level,
        "pillars": [
            [p.pillar_id, fraction_text(p.score), fraction_text(p.weight), p.level]
            for p in result.pillars
        ],
        "fields": [
            [f.field_id, f.pillar_id, fraction_text(f.score), f.level] for f in result.fields
        ],
        "questions": [[q.question_id, q.field_id, q.score, q.original] for q in result.questions],
        "weakest": list(result.weakest),
        "strongest": list(result.strongest),
        "points": None if result.points is None else fraction_text(result.points),
        "capability_level": result.capability_level,
        "areas": [[a.area_id, a.level] for a in result.areas],
    }


def result_from_data(data: dict[str, Any]) -> Result:
    """The result stored by ``result_to_data``."""
    return Result(
        model_id=data["model_id"],
        model_version=int(data["model_version"]),
        overall=Fraction(data["overall"]),
        level=int(data["level"]),
        pillars=tuple(
            PillarScore(p[0], Fraction(p[1]), Fraction(p[2]), int(p[3])) for p in data["pillars"]
        ),
        fields=tuple(FieldScore(f[0], f[1], Fraction(f[2]), int(f[3])) for f in data["fields"]),
        questions=tuple(QuestionScore(q[0], q[1], int(q[2]), int(q[3])) for q in data["questions"]),
        weakest=tuple(data["weakest"]),
        strongest=tuple(data["strongest"]),
        points=None if data.get("points") is None else Fraction(data["points"]),
        capability_level=data.get("capability_level"),
        areas=tuple(AreaLevel(a[0], int(a[1])) for a in data.get("areas", [])),
    )


def result_json(result: Result) -> str:
    """A result as compact JSON."""
    return json.dumps(result_to_data(result), separators=(",", ":"), sort_keys=True)


def selection_json(answer: Answer) -> str:
    """The selected option ids as JSON."""
    return json.dumps(list(answer.selected))


def parse_selection(text: str) -> tuple[str, ...]:
    """Selected option ids from stored JSON."""
    value = json.loads(text)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()

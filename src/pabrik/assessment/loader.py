"""Build an assessment model from parsed data, rejecting bad files with every problem named."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from pabrik.assessment.model import (
    KPI_AREAS,
    AssessmentModel,
    EvidenceRule,
    Field,
    Impact,
    Level,
    Option,
    Pillar,
    PointsScheme,
    Question,
    QuestionKind,
    SystemArea,
    WeightNote,
)
from pabrik.assessment.parsing import Reader
from pabrik.model.errors import ConfigError

SCHEMA = "pabrik.assessment-model/1"
SCALE_MAX = 4
OBSERVABLES = frozenset(
    {
        "connected_share",
        "oee_auto_share",
        "data_recency",
        "alarm_share",
        "maintenance_kpis",
        "history_days",
    }
)


def fingerprint(data: object) -> str:
    """A stable hash of parsed data, to notice a file edited without a new version."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def parse_model(data: object, source: str) -> AssessmentModel:
    """An assessment model from parsed YAML/JSON; raises ``ConfigError`` naming each problem."""
    r = Reader()
    top = r.mapping(data, "")
    if top and top.get("schema") != SCHEMA:
        r.problem("schema", f"must be '{SCHEMA}'")
    scale_max = r.integer(top, "scale_max", "", low=1, high=SCALE_MAX, default=SCALE_MAX)
    levels = _levels(r, top, scale_max)
    pillars = tuple(
        _pillar(r, p, f"pillars[{i}]") for i, p in enumerate(r.items(top, "pillars", ""))
    )
    areas = _system_areas(r, top)
    questions = tuple(
        _question(r, q, f"questions[{i}]", scale_max)
        for i, q in enumerate(r.items(top, "questions", ""))
    )
    _check_references(r, pillars, questions, {a.id for a in areas})
    model = AssessmentModel(
        id=r.text(top, "id", ""),
        version=r.integer(top, "version", "", low=1),
        name=r.label(top, "name", ""),
        description=r.label(top, "description", ""),
        scale_max=scale_max,
        levels=levels,
        pillars=pillars,
        questions=questions,
        weights=_weights(r, top),
        points=_points(r, top),
        system_areas=areas,
        fingerprint=fingerprint(data),
    )
    if r.issues:
        raise ConfigError(source, r.issues)
    return model


def _levels(r: Reader, top: Mapping[str, Any], scale_max: int) -> tuple[Level, ...]:
    levels: list[Level] = []
    for i, item in enumerate(r.items(top, "levels", "")):
        path = f"levels[{i}]"
        block = r.mapping(item, path)
        value = r.integer(block, "value", path, low=0, high=scale_max)
        levels.append(
            Level(value, r.label(block, "label", path), r.label(block, "description", path))
        )
    values = sorted(lv.value for lv in levels)
    if levels and values != list(range(scale_max + 1)):
        r.problem("levels", f"must define each level 0–{scale_max} exactly once")
    return tuple(sorted(levels, key=lambda lv: lv.value))


def _weights(r: Reader, top: Mapping[str, Any]) -> WeightNote:
    block = r.mapping(top.get("weights", {}), "weights")
    return WeightNote(
        official=r.flag(block, "official", "weights", False),
        source=r.text(block, "source", "weights"),
        note=r.label(block, "note", "weights"),
    )


def _pillar(r: Reader, item: object, path: str) -> Pillar:
    block = r.mapping(item, path)
    pillar_id = r.text(block, "id", path)
    weight = block.get("weight")
    if weight is None:
        r.problem(f"{path}.weight", "missing required field")
        weight = 0
    value = Fraction(str(r.number(weight, f"{path}.weight")))
    if value < 0:
        r.problem(f"{path}.weight", "must not be negative")
    fields = tuple(
        _field(r, f, f"{path}.fields[{j}]", pillar_id)
        for j, f in enumerate(r.items(block, "fields", path))
    )
    return Pillar(pillar_id, r.label(block, "name", path), value, fields)


def _field(r: Reader, item: object, path: str, pillar_id: str) -> Field:
    block = r.mapping(item, path)
    field_id = r.text(block, "id", path)
    impact_block = r.mapping(block.get("impact", {}), f"{path}.impact")
    for key in impact_block:
        if key not in KPI_AREAS:
            r.problem(f"{path}.impact.{key}", f"unknown KPI area; use {', '.join(KPI_AREAS)}")
    impact = Impact(
        **{
            area: r.integer(impact_block, area, f"{path}.impact", low=0, high=3, default=0)
            for area in KPI_AREAS
        }
    )
    crosswalk = r.identifiers(block, "crosswalk", path) or (field_id,)
    return Field(
        field_id,
        pillar_id,
        r.label(block, "name", path),
        impact,
        r.integer(block, "effort", path, low=1, high=3, default=2),
        crosswalk,
    )


def _option(r: Reader, item: object, path: str, scale_max: int) -> Option:
    block = r.mapping(item, path)
    score = r.integer(block, "score", path, low=0, high=scale_max)
    return Option(
        id=r.text(block, "id", path),
        score=score,
        label=r.label(block, "label", path),
        help=r.bilingual(block, "help", path, required=False),
        none=r.flag(block, "none", path, False),
    )


def _question(r: Reader, item: object, path: str, scale_max: int) -> Question:
    block = r.mapping(item, path)
    kind_text = block.get("kind", "single")
    try:
        kind = QuestionKind(kind_text)
    except ValueError:
        r.problem(f"{path}.kind", "must be 'single' or 'multi'")
        kind = QuestionKind.SINGLE
    options = tuple(
        _option(r, o, f"{path}.options[{j}]", scale_max)
        for j, o in enumerate(r.items(block, "options", path))
    )
    r.unique([(o.id, f"{path}.options[{j}].id") for j, o in enumerate(options)], "option")
    if sum(o.none for o in options) > (1 if kind is QuestionKind.MULTI else 0):
        r.problem(f"{path}.options", "only a multi-select question may have one 'none' option")
    return Question(
        id=r.text(block, "id", path),
        field_id=r.text(block, "field", path),
        kind=kind,
        text=r.label(block, "text", path),
        help=r.bilingual(block, "help", path, required=False),
        options=options,
        required=r.flag(block, "required", path, True),
        evidence=_evidence(r, block, path, options, kind),
        system_areas=r.identifiers(block, "system_areas", path),
    )


def _evidence(
    r: Reader, block: Mapping[str, Any], path: str, options: tuple[Option, ...], kind: QuestionKind
) -> EvidenceRule | None:
    if "evidence" not in block:
        return None
    where = f"{path}.evidence"
    rule = r.mapping(block["evidence"], where)
    observe = r.text(rule, "observe", where)
    if observe and observe not in OBSERVABLES:
        r.problem(f"{where}.observe", f"unknown observation '{observe}'")
    if kind is not QuestionKind.SINGLE:
        r.problem(where, "evidence can only propose answers to single-choice questions")
    bands: list[tuple[float, str]] = []
    known = {o.id for o in options}
    for i, band in enumerate(r.items(rule, "bands", where)):
        band_path = f"{where}.bands[{i}]"
        if not isinstance(band, list | tuple) or len(band) != 2:
            r.problem(band_path, "must be [threshold, option id]")
            continue
        threshold, option_id = r.number(band[0], band_path), str(band[1])
        if option_id not in known:
            r.problem(band_path, f"unknown option '{option_id}'")
        if bands and threshold <= bands[-1][0]:
            r.problem(band_path, "thresholds must increase")
        bands.append((threshold, option_id))
    return EvidenceRule(observe, tuple(bands)) if bands else None


def _points(r: Reader, top: Mapping[str, Any]) -> PointsScheme | None:
    if "points" not in top:
        return None
    block = r.mapping(top["points"], "points")
    levels: list[Level] = []
    for i, item in enumerate(r.items(block, "capability_levels", "points")):
        path = f"points.capability_levels[{i}]"
        lv = r.mapping(item, path)
        levels.append(
            Level(
                r.integer(lv, "value", path, low=1, high=5),
                r.label(lv, "label", path),
                r.label(lv, "description", path),
                r.integer(lv, "min_points", path, low=0),
            )
        )
    cutoffs = [lv.min_points for lv in levels]
    if cutoffs and (cutoffs[0] != 0 or cutoffs != sorted(set(cutoffs))):
        r.problem("points.capability_levels", "cut-offs must start at 0 and increase")
    return PointsScheme(
        total=r.integer(block, "total", "points", low=1),
        official=r.flag(block, "official", "points", False),
        note=r.label(block, "note", "points"),
        capability_levels=tuple(levels),
    )


def _system_areas(r: Reader, top: Mapping[str, Any]) -> tuple[SystemArea, ...]:
    if "built_system" not in top:
        return ()
    block = r.mapping(top["built_system"], "built_system")
    areas: list[SystemArea] = []
    for i, item in enumerate(r.items(block, "areas", "built_system")):
        path = f"built_system.areas[{i}]"
        area = r.mapping(item, path)
        areas.append(SystemArea(r.text(area, "id", path), r.label(area, "name", path)))
    r.unique([(a.id, f"built_system.areas[{i}].id") for i, a in enumerate(areas)], "area")
    return tuple(areas)


def _check_references(
    r: Reader, pillars: tuple[Pillar, ...], questions: tuple[Question, ...], areas: set[str]
) -> None:
    r.unique([(p.id, f"pillars[{i}].id") for i, p in enumerate(pillars)], "pillar")
    fields = [
        (f.id, f"pillars[{i}].fields[{j}].id")
        for i, p in enumerate(pillars)
        for j, f in enumerate(p.fields)
    ]
    r.unique(fields, "field")
    r.unique([(q.id, f"questions[{i}].id") for i, q in enumerate(questions)], "question")
    if pillars and sum(p.weight for p in pillars) <= 0:
        r.problem("pillars", "the pillar weights sum to zero")
    known = {f for f, _ in fields}
    for i, q in enumerate(questions):
        if q.field_id and q.field_id not in known:
            r.problem(f"questions[{i}].field", f"unknown field '{q.field_id}'")
        for area in q.system_areas:
            if area not in areas:
                r.problem(f"questions[{i}].system_areas", f"unknown built-system area '{area}'")
    covered = {q.field_id for q in questions if q.required}
    for field_id, path in fields:
        if field_id and field_id not in covered:
            r.problem(path, f"field '{field_id}' has no required question")

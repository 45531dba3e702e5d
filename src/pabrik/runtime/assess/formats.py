"""Answers in and out as JSON, YAML or CSV; scores out as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import yaml

from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import Answer, Result
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.exports import safe_csv, safe_row, unsafe_text

FORMATS = ("json", "yaml", "csv")
CSV_COLUMNS = ("question", "selected", "note")
SEPARATOR = "|"


def answers_data(model: AssessmentModel, answers: Mapping[str, Answer]) -> dict[str, Any]:
    """Answers as plain data, stamped with the model id and version."""
    return {
        "model": model.id,
        "version": model.version,
        "answers": [
            {"question": q.id, "selected": list(answers[q.id].selected), "note": answers[q.id].note}
            for q in model.questions
            if q.id in answers
        ],
    }


def export_answers(model: AssessmentModel, answers: Mapping[str, Answer], fmt: str) -> str:
    """Answers as JSON, YAML or CSV text."""
    data = answers_data(model, answers)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in data["answers"]:
            cells = [row["question"], SEPARATOR.join(row["selected"]), row["note"]]
            writer.writerow(safe_row(cells))
        return out.getvalue()
    raise InvalidRequestError(f"unknown format '{fmt}'", reason="bad_format", formats=FORMATS)


def format_of(name: str) -> str:
    """The format named by a file's extension."""
    ext = name.rsplit(".", 1)[-1].lower()
    fmt = {"yml": "yaml"}.get(ext, ext)
    if fmt not in FORMATS:
        raise InvalidRequestError(f"cannot tell the format of '{name}'", reason="bad_format")
    return fmt


def import_answers(text: str, fmt: str) -> tuple[str | None, int | None, list[Answer]]:
    """The model id, version and answers in an export (CSV carries no model stamp)."""
    if fmt == "csv":
        return None, None, _csv_answers(text)
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as err:
        raise InvalidRequestError(f"cannot parse {fmt}: {err}", reason="bad_format") from err
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        raise InvalidRequestError("expected a mapping with an 'answers' list", reason="bad_format")
    version = data.get("version")
    model = data.get("model")
    answers = [_answer(item, i) for i, item in enumerate(data["answers"])]
    return (
        str(model) if model is not None else None,
        int(version) if isinstance(version, int) else None,
        answers,
    )


def _answer(item: object, index: int) -> Answer:
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        raise InvalidRequestError(f"answers[{index}] needs a 'question'", reason="bad_format")
    selected = item.get("selected", [])
    if isinstance(selected, str):
        selected = [selected]
    if not isinstance(selected, list):
        raise InvalidRequestError(f"answers[{index}].selected must be a list", reason="bad_format")
    note = item.get("note") or ""
    return Answer(item["question"], tuple(str(s) for s in selected), str(note))


def _csv_answers(text: str) -> list[Answer]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or "question" not in reader.fieldnames:
        raise InvalidRequestError("CSV needs a 'question' column", reason="bad_format")
    answers: list[Answer] = []
    for row in reader:
        selected = tuple(s for s in (row.get("selected") or "").split(SEPARATOR) if s)
        answers.append(Answer(row["question"], selected, unsafe_text(row.get("note") or "")))
    return answers


def scores_csv(model: AssessmentModel, result: Result, locale: str) -> str:
    """Overall, pillar and field scores as CSV, with names in ``locale``."""
    return safe_csv(_scores_csv(model, result, locale))


def _scores_csv(model: AssessmentModel, result: Result, locale: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "id", "name", "score", "level", "level_label", "weight", "model"])
    stamp = result.model_key
    level = model.level(result.level).label.get(locale)
    writer.writerow(
        [
            "overall",
            model.id,
            model.name.get(locale),
            f"{float(result.overall):.2f}",
            result.level,
            level,
            "",
            stamp,
        ]
    )
    for p in result.pillars:
        pillar = model.pillar(p.pillar_id)
        name = pillar.name.get(locale) if pillar else p.pillar_id
        label = model.level(p.level).label.get(locale)
        writer.writerow(
            [
                "pillar",
                p.pillar_id,
                name,
                f"{float(p.score):.2f}",
                p.level,
                label,
                f"{float(p.weight):g}",
                stamp,
            ]
        )
    for f in result.fields:
        field = model.field(f.field_id)
        name = field.name.get(locale) if field else f.field_id
        label = model.level(f.level).label.get(locale)
        writer.writerow(
            ["field", f.field_id, name, f"{float(f.score):.2f}", f.level, label, "", stamp]
        )
    return out.getvalue()

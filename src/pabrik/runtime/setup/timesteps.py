"""Wizard steps about time and money: stop and scrap reasons, shifts and holidays, rates."""

from __future__ import annotations

from pabrik.model.shifts import Weekday
from pabrik.model.states import StateClass
from pabrik.runtime.setup.defaults import ShiftDefault, setup_defaults
from pabrik.runtime.setup.draft import Draft, FieldError, OwnStopReason, ShiftRow, StepResult
from pabrik.runtime.setup.forms import (
    Form,
    amount,
    clock,
    many,
    one,
    row_indexes,
    slug,
    text,
)
from pabrik.runtime.setup.lines import line_ids

Fields = dict[str, list[str]]
DAY_MINUTES = 24 * 60


def reasons_step(draft: Draft, form: Form) -> StepResult:
    """Ticked stop and scrap reasons from the offered list, plus the plant's own."""
    offered = setup_defaults()
    errors: list[FieldError] = []
    stops = many(form, "stop")
    scraps = many(form, "scrap")
    if any(offered.stop_reason(r) is None for r in stops):
        errors.append(FieldError("stop", "unknown_choice"))
    if any(offered.scrap_reason(r) is None for r in scraps):
        errors.append(FieldError("scrap", "unknown_choice"))
    taken = set(stops)
    own_stops: list[OwnStopReason] = []
    for i in row_indexes(form, "own_stop"):
        name = text(one(form, f"own_stop-{i}-name"), f"own_stop-{i}-name", errors, required=False)
        if not name:
            continue
        state = one(form, f"own_stop-{i}-state") or StateClass.UNPLANNED_STOP.value
        if state not in {s.value for s in StateClass} or state == StateClass.UNKNOWN:
            errors.append(FieldError(f"own_stop-{i}-state", "unknown_choice"))
            continue
        errors += _new_id(name, taken, f"own_stop-{i}-name")
        own_stops.append(OwnStopReason(name=name, state=StateClass(state)))
    taken = set(scraps)
    own_scrap: list[str] = []
    for i in row_indexes(form, "own_scrap"):
        name = text(one(form, f"own_scrap-{i}-name"), f"own_scrap-{i}-name", errors, required=False)
        if name:
            errors += _new_id(name, taken, f"own_scrap-{i}-name")
            own_scrap.append(name)
    if errors:
        return StepResult(draft, tuple(errors))
    update = {
        "stop_reasons": stops,
        "own_stops": own_stops,
        "scrap_reasons": scraps,
        "own_scrap": own_scrap,
    }
    return StepResult(draft.model_copy(update=update))


def _new_id(name: str, taken: set[str], field: str) -> list[FieldError]:
    made = slug(name)
    if not made:
        return [FieldError(field, "needs_letters")]
    if made in taken:
        return [FieldError(field, "duplicate", {"value": name})]
    taken.add(made)
    return []


def reasons_fields(draft: Draft) -> Fields:
    """The reasons step's values: the draft's choices, or the offered defaults at first."""
    offered = setup_defaults()
    stops = draft.stop_reasons
    if stops is None:
        stops = [o.item.id for o in offered.stop_reasons if o.ticked]
    scraps = draft.scrap_reasons
    if scraps is None:
        scraps = [o.item.id for o in offered.scrap_reasons if o.ticked]
    out: Fields = {"stop": list(stops), "scrap": list(scraps)}
    for i, r in enumerate(draft.own_stops):
        out[f"own_stop-{i}-name"] = [r.name]
        out[f"own_stop-{i}-state"] = [r.state.value]
    for i, name in enumerate(draft.own_scrap):
        out[f"own_scrap-{i}-name"] = [name]
    return out


SHIFT_FIELDS = ("name", "start", "end", "break_start", "break_end")


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _shift_row(form: Form, i: int, errors: list[FieldError]) -> ShiftRow | None:
    field = f"shift-{i}-"
    before = len(errors)
    name = text(one(form, field + "name"), field + "name", errors)
    start = clock(one(form, field + "start"), field + "start", errors)
    end = clock(one(form, field + "end"), field + "end", errors)
    b_start = clock(one(form, field + "break_start"), field + "break_start", errors, required=False)
    b_end = clock(one(form, field + "break_end"), field + "break_end", errors, required=False)
    if len(errors) > before:
        return None
    if start == end:
        errors.append(FieldError(field + "end", "same_time"))
    elif bool(b_start) != bool(b_end):
        errors.append(FieldError(field + ("break_end" if b_start else "break_start"), "required"))
    elif b_start and not _break_inside(start, end, b_start, b_end):
        errors.append(FieldError(field + "break_start", "break_outside"))
    if not slug(name):
        errors.append(FieldError(field + "name", "needs_letters"))
    row = ShiftRow(name=name, start=start, end=end, break_start=b_start, break_end=b_end)
    return row if len(errors) == before else None


def _break_inside(start: str, end: str, b_start: str, b_end: str) -> bool:
    s = _minutes(start)
    length = (_minutes(end) - s) % DAY_MINUTES
    offset = (_minutes(b_start) - s) % DAY_MINUTES
    span = (_minutes(b_end) - _minutes(b_start)) % DAY_MINUTES
    return span > 0 and offset + span <= length


def _overlap(rows: list[tuple[int, ShiftRow]]) -> list[FieldError]:
    spans = []
    for i, r in rows:
        s = _minutes(r.start)
        spans.append((i, s, s + (_minutes(r.end) - s) % DAY_MINUTES))
    for a, (_, s1, e1) in enumerate(spans):
        for j, s2, e2 in spans[a + 1 :]:
            for shift in (-DAY_MINUTES, 0, DAY_MINUTES):
                if s1 < e2 + shift and s2 + shift < e1:
                    names = {"first": rows[a][1].name, "second": dict(rows)[j].name}
                    return [FieldError(f"shift-{j}-start", "shift_overlap", names)]
    return []


def shifts_step(draft: Draft, form: Form) -> StepResult:
    """Shifts with their breaks, the working days, and whether national holidays are off."""
    errors: list[FieldError] = []
    rows: list[tuple[int, ShiftRow]] = []
    names: set[str] = set()
    for i in row_indexes(form, "shift"):
        if not any(one(form, f"shift-{i}-{n}") for n in SHIFT_FIELDS):
            continue
        row = _shift_row(form, i, errors)
        if row is not None:
            if slug(row.name) in names:
                errors.append(FieldError(f"shift-{i}-name", "duplicate", {"value": row.name}))
            names.add(slug(row.name))
            rows.append((i, row))
    if not rows and not errors:
        errors.append(FieldError("shift-0-name", "need_shift"))
    if not errors:
        errors += _overlap(rows)
    days = many(form, "day")
    if not days:
        errors.append(FieldError("day", "need_day"))
    elif any(d not in {w.value for w in Weekday} for d in days):
        errors.append(FieldError("day", "unknown_choice"))
    if errors:
        return StepResult(draft, tuple(errors))
    update = {
        "shifts": [r for _, r in rows],
        "days": [Weekday(d) for d in days],
        "holidays": one(form, "holidays") == "ID",
    }
    return StepResult(draft.model_copy(update=update))


def shifts_fields(draft: Draft) -> Fields:
    """The shifts step's values: the draft's, or the offered three shifts at first."""
    offered = setup_defaults()
    out: Fields = {}
    if draft.shifts is None:
        rows = [_offered_row(s) for s in offered.shifts]
        out["day"] = [d.value for d in offered.days]
        out["holidays"] = ["ID"]
    else:
        rows = list(draft.shifts)
        out["day"] = [d.value for d in draft.days]
        out["holidays"] = ["ID"] if draft.holidays else []
    for i, row in enumerate(rows):
        for name in SHIFT_FIELDS:
            out[f"shift-{i}-{name}"] = [getattr(row, name)]
    return out


def _offered_row(s: ShiftDefault) -> ShiftRow:
    return ShiftRow(
        name=s.name, start=s.start, end=s.end, break_start=s.break_start, break_end=s.break_end
    )


def costs_step(draft: Draft, form: Form) -> StepResult:
    """Rupiah rates: energy per kWh, scrap per unit, and each line's downtime per hour."""
    errors: list[FieldError] = []
    energy = amount(one(form, "energy_per_kwh_idr"), "energy_per_kwh_idr", errors)
    scrap = amount(one(form, "scrap_per_unit_idr"), "scrap_per_unit_idr", errors, required=False)
    lines: dict[str, str] = {}
    for line_id in line_ids(draft):
        field = f"line_cost-{line_id}"
        lines[line_id] = amount(one(form, field), field, errors, required=False)
    if errors:
        return StepResult(draft, tuple(errors))
    update = {"energy_per_kwh_idr": energy, "scrap_per_unit_idr": scrap, "line_costs": lines}
    return StepResult(draft.model_copy(update=update))


def costs_fields(draft: Draft) -> Fields:
    """The rates' form values: the draft's, or the offered ones at first."""
    offered = setup_defaults()
    energy = draft.energy_per_kwh_idr
    out: Fields = {
        "energy_per_kwh_idr": [offered.energy_per_kwh_idr if energy is None else energy],
        "scrap_per_unit_idr": [
            offered.scrap_per_unit_idr if energy is None else draft.scrap_per_unit_idr
        ],
    }
    for line_id in line_ids(draft):
        fallback = offered.downtime_cost_per_hour_idr if energy is None else ""
        out[f"line_cost-{line_id}"] = [draft.line_costs.get(line_id, fallback)]
    return out

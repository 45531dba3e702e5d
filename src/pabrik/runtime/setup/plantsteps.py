"""Wizard steps about what the plant is: the company and site, its machines and products."""

from __future__ import annotations

from collections import Counter

from pabrik.runtime.setup.defaults import TIMEZONES, province_names
from pabrik.runtime.setup.draft import (
    ALL_MACHINES,
    Draft,
    FieldError,
    MachineRow,
    ProductRow,
    SiteRow,
    StepResult,
)
from pabrik.runtime.setup.forms import (
    Form,
    amount,
    identifier,
    one,
    row_indexes,
    seconds,
    signal_problems,
    slug,
    text,
)

Fields = dict[str, list[str]]


def site_step(draft: Draft, form: Form) -> StepResult:
    """The company, the site's name and id, its province and time zone."""
    errors: list[FieldError] = []
    company = text(one(form, "company"), "company", errors)
    name = text(one(form, "name"), "name", errors)
    site_id = identifier(one(form, "site_id"), name, "site_id", errors)
    province = one(form, "province")
    if province and province not in province_names():
        errors.append(FieldError("province", "unknown_choice"))
    zone = one(form, "timezone")
    if zone not in TIMEZONES:
        errors.append(FieldError("timezone", "timezone"))
    if errors:
        return StepResult(draft, tuple(errors))
    row = SiteRow(company=company, name=name, site_id=site_id, province=province, timezone=zone)
    return StepResult(draft.model_copy(update={"site": row}))


def site_fields(draft: Draft) -> Fields:
    """The site step's form values from the draft."""
    row = draft.site or SiteRow()
    return {k: [str(v)] for k, v in row.model_dump().items()}


def _blank(form: Form, prefix: str, i: int, names: tuple[str, ...]) -> bool:
    return not any(one(form, f"{prefix}-{i}-{n}") for n in names)


MACHINE_FIELDS = ("area", "line", "code", "name", "signals")


def plant_step(draft: Draft, form: Form) -> StepResult:
    """Machines, each with the area and line it stands in; at least one."""
    errors: list[FieldError] = []
    rows: list[tuple[int, MachineRow]] = []
    for i in row_indexes(form, "machine"):
        if _blank(form, "machine", i, MACHINE_FIELDS):
            continue
        field = f"machine-{i}-"
        area = text(one(form, field + "area"), field + "area", errors)
        line = text(one(form, field + "line"), field + "line", errors)
        name = text(one(form, field + "name"), field + "name", errors)
        code = identifier(one(form, field + "code"), name, field + "code", errors)
        for part, value in (("area", area), ("line", line)):
            if value and not slug(value):
                errors.append(FieldError(field + part, "needs_letters"))
        signals = one(form, field + "signals")
        errors += [FieldError(field + "signals", c, p) for c, p in signal_problems(signals)]
        row = MachineRow(area=area, line=line, code=code, name=name, signals=signals)
        rows.append((i, row))
    if not rows and not errors:
        errors.append(FieldError("machine-0-name", "need_machine"))
    counts = Counter(r.code for _, r in rows)
    for i, r in rows:
        if r.code and counts[r.code] > 1:
            errors.append(FieldError(f"machine-{i}-code", "duplicate", {"value": r.code}))
    if errors:
        return StepResult(draft, tuple(errors))
    return StepResult(draft.model_copy(update={"machines": [r for _, r in rows]}))


def plant_fields(draft: Draft) -> Fields:
    """The machine rows' form values from the draft."""
    out: Fields = {}
    for i, row in enumerate(draft.machines or ()):
        for name in MACHINE_FIELDS:
            out[f"machine-{i}-{name}"] = [getattr(row, name)]
    return out


PRODUCT_FIELDS = ("code", "name", "cycle_s", "scrap_idr")


def products_step(draft: Draft, form: Form) -> StepResult:
    """Products with their ideal cycle time, on one machine or all; every machine makes one."""
    machines = [m.code for m in draft.machines or ()]
    errors: list[FieldError] = []
    rows: list[tuple[int, ProductRow]] = []
    for i in row_indexes(form, "product"):
        if _blank(form, "product", i, PRODUCT_FIELDS):
            continue
        field = f"product-{i}-"
        machine = one(form, field + "machine") or ALL_MACHINES
        if machine != ALL_MACHINES and machine not in machines:
            errors.append(FieldError(field + "machine", "unknown_choice"))
        name = text(one(form, field + "name"), field + "name", errors)
        code = identifier(one(form, field + "code"), name, field + "code", errors)
        cycle = seconds(one(form, field + "cycle_s"), field + "cycle_s", errors)
        scrap = amount(one(form, field + "scrap_idr"), field + "scrap_idr", errors, required=False)
        row = ProductRow(machine=machine, code=code, name=name, cycle_s=cycle, scrap_idr=scrap)
        rows.append((i, row))
    errors += _product_coverage(machines, rows)
    if errors:
        return StepResult(draft, tuple(errors))
    return StepResult(draft.model_copy(update={"products": [r for _, r in rows]}))


def _product_coverage(machines: list[str], rows: list[tuple[int, ProductRow]]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in rows:
        for m in machines if row.machine == ALL_MACHINES else [row.machine]:
            if (m, row.code) in seen and row.code:
                value = {"value": row.code, "machine": m}
                errors.append(FieldError(f"product-{i}-code", "duplicate_product", value))
            seen[(m, row.code)] = i
    missing = [m for m in machines if not any(k[0] == m for k in seen)]
    if missing:
        errors.append(FieldError("products", "machine_without_product", {"machines": missing}))
    return errors


def products_fields(draft: Draft) -> Fields:
    """The product rows' form values from the draft."""
    out: Fields = {}
    for i, row in enumerate(draft.products or ()):
        for name in ("machine", *PRODUCT_FIELDS):
            out[f"product-{i}-{name}"] = [getattr(row, name)]
    return out

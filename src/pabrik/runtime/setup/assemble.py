"""The finished draft as a site configuration, validated by the same models as the YAML file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from pabrik.model.equipment import DowntimeReason, QualityReason
from pabrik.runtime.plant.siteconfig import SiteConfig
from pabrik.runtime.setup.defaults import HOLIDAY_COUNTRY, setup_defaults
from pabrik.runtime.setup.draft import ALL_MACHINES, STEPS, Draft, FieldError, MachineRow
from pabrik.runtime.setup.forms import parse_signals, slug
from pabrik.runtime.setup.lines import hierarchy


def _text(name: str) -> dict[str, str]:
    return {"id": name}


def _reasons(draft: Draft) -> tuple[list[DowntimeReason], list[QualityReason]]:
    offered = setup_defaults()
    stops = [r for r in map(offered.stop_reason, draft.stop_reasons or ()) if r is not None]
    stops += [
        DowntimeReason(id=slug(r.name), name=_text(r.name), state=r.state) for r in draft.own_stops
    ]
    scraps = [r for r in map(offered.scrap_reason, draft.scrap_reasons or ()) if r is not None]
    scraps += [QualityReason(id=slug(n), name=_text(n)) for n in draft.own_scrap]
    return stops, scraps


def _machine(draft: Draft, row: MachineRow, reasons: list[str]) -> dict[str, Any]:
    code = row.code
    products = []
    for p in draft.products or ():
        if p.machine in (ALL_MACHINES, code):
            product: dict[str, Any] = {
                "id": p.code,
                "name": _text(p.name),
                "ideal_cycle_time_s": Decimal(p.cycle_s),
            }
            if p.scrap_idr:
                product["scrap_cost_idr"] = Decimal(p.scrap_idr)
            products.append(product)
    signals = [
        {"id": sid, "name": _text(label), "unit": unit}
        for sid, label, unit in parse_signals(row.signals)
    ]
    return {
        "id": code,
        "name": _text(row.name),
        "signals": signals,
        "products": products,
        "reasons": reasons,
    }


def _calendar(draft: Draft, zone: str) -> dict[str, Any]:
    shifts = []
    for row in draft.shifts or ():
        shift: dict[str, Any] = {
            "id": slug(row.name),
            "name": _text(row.name),
            "start": row.start,
            "end": row.end,
            "days": [d.value for d in draft.days],
        }
        if row.break_start:
            shift["breaks"] = [{"start": row.break_start, "end": row.break_end}]
        shifts.append(shift)
    holidays = {"country": HOLIDAY_COUNTRY} if draft.holidays else {}
    return {"timezone": zone, "shifts": shifts, "holidays": holidays}


def site_document(draft: Draft, tenant: str | None = None) -> dict[str, Any]:
    """The draft as the mapping a site file holds (before validation)."""
    site = draft.site
    assert site is not None, "the site step comes first"
    stops, scraps = _reasons(draft)
    reason_ids = [r.id for r in stops]
    areas = []
    for area in hierarchy(draft):
        lines = []
        for line in area.lines:
            cost = draft.line_costs.get(line.id) or "0"
            machines = [_machine(draft, m, reason_ids) for m in line.machines]
            lines.append(
                {
                    "id": line.id,
                    "name": _text(line.name),
                    "downtime_cost_per_hour_idr": Decimal(cost),
                    "machines": machines,
                }
            )
        areas.append({"id": area.id, "name": _text(area.name), "lines": lines})
    info: dict[str, Any] = {"id": site.site_id, "name": site.name, "company": site.company}
    if site.province:
        info["province"] = site.province
    if tenant:
        info["tenant"] = tenant
    return {
        "site": info,
        "areas": areas,
        "calendar": _calendar(draft, site.timezone),
        "costs": {
            "energy_per_kwh_idr": Decimal(draft.energy_per_kwh_idr or "0"),
            "scrap_per_unit_idr": Decimal(draft.scrap_per_unit_idr or "0"),
        },
        "downtime_reasons": [r.model_dump(mode="json", exclude_defaults=True) for r in stops],
        "scrap_reasons": [r.model_dump(mode="json", exclude_defaults=True) for r in scraps],
    }


def assemble(draft: Draft, tenant: str | None = None) -> tuple[SiteConfig | None, list[FieldError]]:
    """The site configuration, or the problems that keep the draft from being one."""
    missing = [s for s in STEPS[:-1] if not draft.passed(s)]
    if missing:
        return None, [FieldError(s, "step_missing", {"step": s}) for s in missing]
    try:
        document = site_document(draft, tenant)
    except (ArithmeticError, ValueError) as err:
        # Only a draft changed outside the wizard's forms gets here (each step checked its fields).
        return None, [FieldError("draft", "invalid", {"detail": type(err).__name__})]
    try:
        return SiteConfig.model_validate(document), []
    except ValidationError as err:
        problems = [
            FieldError(".".join(str(p) for p in e["loc"]), "invalid", {"detail": e["msg"]})
            for e in err.errors()
        ]
        return None, problems

"""Adding a machine to a configured site: one form, saved as a new configuration version.

Everything else in the site (connectors, alarms, other machines) is kept as it is; the machine
may join an existing line, or a new line in an existing or a new area.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pabrik.model.errors import ConfigError
from pabrik.runtime.plant.canonical import site_data
from pabrik.runtime.plant.siteconfig import SiteConfig, validate_site
from pabrik.runtime.setup.draft import FieldError
from pabrik.runtime.setup.forms import (
    Form,
    amount,
    identifier,
    one,
    parse_signals,
    seconds,
    signal_problems,
    slug,
    text,
)

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

NEW_LINE = ""


@dataclass(frozen=True, slots=True)
class AddResult:
    """The new version's number, or the problems that kept the machine from being added."""

    version: int | None
    errors: tuple[FieldError, ...] = ()


def _line_target(site: SiteConfig, form: Form, errors: list[FieldError]) -> tuple[str, str, str]:
    """(area id, area name, line id) of where the machine goes; a new line gets a new id."""
    line_id = one(form, "line")
    plant = site.plant()
    if line_id != NEW_LINE:
        for area in plant.areas:
            if any(ln.id == line_id for ln in area.lines):
                return area.id, "", line_id
        errors.append(FieldError("line", "unknown_choice"))
        return "", "", ""
    area_name = text(one(form, "new_area"), "new_area", errors)
    line_name = text(one(form, "new_line"), "new_line", errors)
    area_id, new_line = slug(area_name), slug(line_name)
    if area_name and not area_id:
        errors.append(FieldError("new_area", "needs_letters"))
    if line_name and not new_line:
        errors.append(FieldError("new_line", "needs_letters"))
    if new_line in {ln.id for ln in plant.lines()}:
        errors.append(FieldError("new_line", "duplicate", {"value": line_name}))
    return area_id, area_name, new_line


def _machine(site: SiteConfig, form: Form, errors: list[FieldError]) -> dict[str, Any]:
    name = text(one(form, "name"), "name", errors)
    code = identifier(one(form, "code"), name, "code", errors)
    if site.plant().machine(code) is not None:
        errors.append(FieldError("code", "duplicate", {"value": code}))
    signals = one(form, "signals")
    errors += [FieldError("signals", c, p) for c, p in signal_problems(signals)]
    product_name = text(one(form, "product_name"), "product_name", errors)
    product_code = identifier(one(form, "product_code"), product_name, "product_code", errors)
    cycle = seconds(one(form, "cycle_s"), "cycle_s", errors)
    scrap = amount(one(form, "scrap_idr"), "scrap_idr", errors, required=False)
    if errors:
        return {}
    product: dict[str, Any] = {
        "id": product_code,
        "name": {"id": product_name},
        "ideal_cycle_time_s": Decimal(cycle),
    }
    if scrap:
        product["scrap_cost_idr"] = Decimal(scrap)
    return {
        "id": code,
        "name": {"id": name},
        "signals": [
            {"id": sid, "name": {"id": label}, "unit": unit}
            for sid, label, unit in parse_signals(signals)
        ],
        "products": [product],
        "reasons": [r.id for r in site.downtime_reasons],
    }


def with_machine(site: SiteConfig, form: Form) -> tuple[SiteConfig | None, list[FieldError]]:
    """The site with the form's machine added, or the form's problems."""
    errors: list[FieldError] = []
    area_id, area_name, line_id = _line_target(site, form, errors)
    machine = _machine(site, form, errors)
    if errors:
        return None, errors
    data = site_data(site)
    area = next((a for a in data["areas"] if a["id"] == area_id), None)
    if area is None:
        area = {"id": area_id, "name": {"id": area_name}, "lines": []}
        data["areas"].append(area)
    line = next((ln for ln in area["lines"] if ln["id"] == line_id), None)
    if line is None:
        line = {"id": line_id, "name": {"id": one(form, "new_line")}, "machines": []}
        area["lines"].append(line)
    line["machines"].append(machine)
    try:
        return validate_site(data), []
    except ConfigError as err:
        return None, [FieldError("machine", "invalid", {"detail": str(i)}) for i in err.issues]


def add_machine(runtime: Runtime, form: Form, user: str, base: int | None = None) -> AddResult:
    """Add the form's machine to the running site as a new configuration version.

    ``base`` is the version the form was loaded from (default: the one running now); a save
    after it by someone else refuses this one (``configstore.is_conflict``).
    """
    site, errors = with_machine(runtime.site, form)
    if site is None:
        return AddResult(None, tuple(errors))
    added = {m.id for m in site.plant().machines()} - {m.id for m in runtime.plant.machines()}
    note = f"machine {', '.join(sorted(added))} added"
    if base is None:
        base = runtime.config_version
    return AddResult(runtime.save_config(site, user, note, base=base))

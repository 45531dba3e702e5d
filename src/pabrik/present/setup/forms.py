"""What the wizard's templates read: field values, row counts and messages in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pabrik.present.i18n import Translator
from pabrik.runtime.setup.draft import FieldError
from pabrik.runtime.setup.wizard import Screen

CHOICE_FIELDS = frozenset({"machine", "state"})
# Which words name a field in the list of problems at the top of a step.
FIELD_KEYS = {
    "company": "setup.site.company",
    "name": "setup.site.name",
    "site_id": "setup.site.id",
    "province": "setup.site.province",
    "timezone": "setup.site.timezone",
    "machine.area": "setup.plant.area",
    "machine.line": "setup.plant.line",
    "machine.name": "setup.plant.name",
    "machine.code": "setup.plant.code",
    "machine.signals": "setup.plant.signals",
    "product.machine": "setup.products.machine",
    "product.name": "setup.products.name",
    "product.code": "setup.products.code",
    "product.cycle_s": "setup.products.cycle",
    "product.scrap_idr": "setup.products.scrap",
    "products": "setup.step.products",
    "stop": "setup.reasons.stops",
    "scrap": "setup.reasons.scrap",
    "own_stop.name": "setup.reasons.own_stops",
    "own_stop.state": "setup.reasons.own_state",
    "own_scrap.name": "setup.reasons.own_scrap",
    "shift.name": "setup.shifts.name",
    "shift.start": "setup.shifts.start",
    "shift.end": "setup.shifts.end",
    "shift.break_start": "setup.shifts.break_start",
    "shift.break_end": "setup.shifts.break_end",
    "day": "setup.shifts.days",
    "energy_per_kwh_idr": "setup.costs.energy",
    "scrap_per_unit_idr": "setup.costs.scrap",
    "line_cost": "setup.costs.downtime",
    "line": "setup.plant.line",
    "new_area": "setup.add.new_area",
    "new_line": "setup.add.new_line_name",
    "code": "setup.plant.code",
    "signals": "setup.plant.signals",
    "product_name": "setup.products.name",
    "product_code": "setup.products.code",
    "cycle_s": "setup.products.cycle",
    "scrap_idr": "setup.products.scrap",
}


def field_label(translator: Translator, field: str) -> str:
    """A field's name in words, with its row (``Baris 2 · Lini``); '' for a whole step."""
    head, _, rest = field.partition("-")
    number, _, part = rest.partition("-")
    if number.isdigit() and part:
        key = FIELD_KEYS.get(f"{head}.{part}")
        if key is None:
            return ""
        row = translator.gettext("setup.row") % {"n": int(number) + 1}
        return f"{row} · {translator.gettext(key)}"
    key = FIELD_KEYS.get(head if head == "line_cost" else field)
    if key is None:
        return ""
    return translator.gettext(key) + (f" ({rest})" if head == "line_cost" else "")


MIN_ROWS = {"machine": 3, "product": 3, "own_stop": 2, "own_scrap": 2, "shift": 4}


def error_text(translator: Translator, error: FieldError) -> str:
    """The message for a field problem, with its values filled in."""
    params = {
        k: ", ".join(str(x) for x in v) if isinstance(v, list | tuple) else v
        for k, v in error.params.items()
    }
    if "step" in params:
        params["step"] = translator.gettext(f"setup.step.{params['step']}")
    text = translator.gettext(f"setup.error.{error.code}")
    try:
        return text % params if params else text
    except (KeyError, ValueError, TypeError):
        return text


@dataclass(frozen=True, slots=True)
class FormView:
    """A step's form as the template reads it."""

    screen: Screen
    translator: Translator

    def value(self, name: str, default: str = "") -> str:
        """The first value of a field."""
        values = self.screen.values.get(name)
        return values[0] if values else default

    def checked(self, name: str, value: str) -> bool:
        """Whether a checkbox with ``value`` is ticked."""
        return value in self.screen.values.get(name, [])

    def rows(self, prefix: str) -> range:
        """Row numbers to show: the filled ones, then blank ones (at least the minimum)."""
        used = [
            int(k.split("-")[1])
            for k, v in self.screen.values.items()
            if k.startswith(prefix + "-")
            and k.split("-")[1].isdigit()
            and k.rsplit("-", 1)[1] not in CHOICE_FIELDS
            and any(x for x in v)
        ]
        filled = max(used) + 1 if used else 0
        count = max(filled + 1 + self.screen.extra_rows, MIN_ROWS.get(prefix, 1))
        return range(count)

    def error(self, name: str) -> str | None:
        """The message for a field, if it has a problem."""
        found = next((e for e in self.screen.errors if e.field == name), None)
        return None if found is None else error_text(self.translator, found)

    def messages(self) -> list[tuple[str, str, str]]:
        """Every problem as (field, its name in words, message), for the list at the top."""
        return [
            (e.field, field_label(self.translator, e.field), error_text(self.translator, e))
            for e in self.screen.errors
        ]

    def context(self) -> dict[str, Any]:
        """Template variables of the form."""
        return {"form": self, "screen": self.screen, "draft": self.screen.draft}

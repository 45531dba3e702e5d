"""What the wizard's templates read: field values, row counts and messages in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pabrik.present.i18n import Translator
from pabrik.runtime.setup.draft import FieldError
from pabrik.runtime.setup.wizard import Screen

CHOICE_FIELDS = frozenset({"machine", "state"})
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

    def messages(self) -> list[tuple[str, str]]:
        """Every problem as (field, message), for the summary at the top of the form."""
        return [(e.field, error_text(self.translator, e)) for e in self.screen.errors]

    def context(self) -> dict[str, Any]:
        """Template variables of the form."""
        return {"form": self, "screen": self.screen, "draft": self.screen.draft}

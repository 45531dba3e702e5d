"""The wizard's draft: what has been typed so far, step by step, as the forms hold it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pabrik.model.errors import InvalidRequestError
from pabrik.model.shifts import Weekday
from pabrik.model.states import StateClass

STEPS: Final = ("site", "plant", "products", "reasons", "shifts", "costs", "review")
ALL_MACHINES: Final = "*"
MAX_ROWS: Final = 200
MAX_DRAFT_CHARS: Final = 500_000


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteRow(_Row):
    """The company and its site."""

    company: str = ""
    name: str = ""
    site_id: str = ""
    province: str = ""
    timezone: str = "Asia/Jakarta"


class MachineRow(_Row):
    """One machine with the area and line it stands in (by name; ids come from names)."""

    area: str
    line: str
    code: str
    name: str
    signals: str = ""
    """Measured signals as typed: ``name [unit], ...`` (e.g. ``suhu °C, tekanan bar``)."""


class ProductRow(_Row):
    """A product with its ideal cycle time, made on one machine or on all (``*``)."""

    machine: str = ALL_MACHINES
    code: str
    name: str
    cycle_s: str
    scrap_idr: str = ""


class OwnStopReason(_Row):
    """A stop reason the plant adds to the offered ones."""

    name: str
    state: StateClass = StateClass.UNPLANNED_STOP


class ShiftRow(_Row):
    """A shift in local wall-clock time, with at most one break."""

    name: str
    start: str
    end: str
    break_start: str = ""
    break_end: str = ""


class Draft(_Row):
    """Everything entered so far; a step not yet passed is None."""

    site: SiteRow | None = None
    machines: list[MachineRow] | None = None
    products: list[ProductRow] | None = None
    stop_reasons: list[str] | None = None
    own_stops: list[OwnStopReason] = Field(default_factory=list)
    scrap_reasons: list[str] | None = None
    own_scrap: list[str] = Field(default_factory=list)
    shifts: list[ShiftRow] | None = None
    days: list[Weekday] = Field(default_factory=list)
    holidays: bool = True
    energy_per_kwh_idr: str | None = None
    scrap_per_unit_idr: str = ""
    line_costs: dict[str, str] = Field(default_factory=dict)

    def passed(self, step: str) -> bool:
        """Whether ``step`` has been filled in and accepted."""
        done = {
            "site": self.site is not None,
            "plant": self.machines is not None,
            "products": self.products is not None,
            "reasons": self.stop_reasons is not None,
            "shifts": self.shifts is not None,
            "costs": self.energy_per_kwh_idr is not None,
        }
        return done.get(step, all(done.values()))

    def to_json(self) -> str:
        """The draft as the hidden form field carries it."""
        return self.model_dump_json(exclude_defaults=True)


def read_draft(text: str | None) -> Draft:
    """The draft sent back by the browser; an empty one when none (a bad one is refused)."""
    if not text:
        return Draft()
    if len(text) > MAX_DRAFT_CHARS:
        raise InvalidRequestError("the setup draft is too large", reason="draft_invalid")
    try:
        return Draft.model_validate_json(text)
    except ValidationError as err:
        raise InvalidRequestError("the setup draft is not valid", reason="draft_invalid") from err


@dataclass(frozen=True, slots=True)
class FieldError:
    """A problem with one form field: the field's name and a message code with its values."""

    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepResult:
    """The draft after a step, and the problems that kept the step from being accepted."""

    draft: Draft
    errors: tuple[FieldError, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the step was accepted."""
        return not self.errors


def next_step(step: str) -> str:
    """The step after ``step``."""
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def previous_step(step: str) -> str:
    """The step before ``step``."""
    return STEPS[max(STEPS.index(step) - 1, 0)]


def first_open_step(draft: Draft) -> str:
    """The first step not yet passed (``review`` when all are)."""
    return next((s for s in STEPS[:-1] if not draft.passed(s)), STEPS[-1])

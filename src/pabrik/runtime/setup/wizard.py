"""One entry point per wizard request: apply a step's form, move on, or save the site."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pabrik.model.errors import NotFoundError
from pabrik.runtime.plant.siteconfig import SiteConfig
from pabrik.runtime.setup import plantsteps, timesteps
from pabrik.runtime.setup.assemble import assemble
from pabrik.runtime.setup.draft import STEPS, Draft, FieldError, StepResult, next_step
from pabrik.runtime.setup.draft import previous_step as previous
from pabrik.runtime.setup.forms import Form
from pabrik.runtime.setup.saving import save_site

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

Fields = dict[str, list[str]]
MORE_ROWS = 3

APPLY: dict[str, Callable[[Draft, Form], StepResult]] = {
    "site": plantsteps.site_step,
    "plant": plantsteps.plant_step,
    "products": plantsteps.products_step,
    "reasons": timesteps.reasons_step,
    "shifts": timesteps.shifts_step,
    "costs": timesteps.costs_step,
}
FIELDS: dict[str, Callable[[Draft], Fields]] = {
    "site": plantsteps.site_fields,
    "plant": plantsteps.plant_fields,
    "products": plantsteps.products_fields,
    "reasons": timesteps.reasons_fields,
    "shifts": timesteps.shifts_fields,
    "costs": timesteps.costs_fields,
    "review": lambda _: {},
}


@dataclass(frozen=True, slots=True)
class Screen:
    """What to show next: a step, the draft, the form's values and any problems."""

    step: str
    draft: Draft
    values: Fields
    errors: tuple[FieldError, ...] = ()
    site: SiteConfig | None = None
    saved_version: int | None = None
    extra_rows: int = 0


def check_step(step: str) -> str:
    """The step name, or 'not found' for one the wizard does not have."""
    if step not in STEPS:
        raise NotFoundError(f"no setup step '{step}'", step=step)
    return step


def show(step: str, draft: Draft, tenant: str | None = None) -> Screen:
    """A step as the draft fills it (the review also assembles the site)."""
    site, errors = assemble(draft, tenant) if step == "review" else (None, [])
    return Screen(step, draft, FIELDS[step](draft), tuple(errors), site)


def submit(runtime: Runtime, step: str, action: str, draft: Draft, form: Form, user: str) -> Screen:
    """Apply ``action`` (next, back, more, save) of a posted step to the draft."""
    check_step(step)
    tenant = runtime.plant.site.tenant
    if step == "review":
        return _review(runtime, action, draft, user)
    result = APPLY[step](draft, form)
    values = {k: list(v) for k, v in form.items()}
    if action == "more":
        return Screen(step, result.draft, values, extra_rows=MORE_ROWS)
    if action == "back":
        return show(previous(step), result.draft, tenant)
    if not result.ok:
        return Screen(step, draft, values, result.errors)
    return show(next_step(step), result.draft, tenant)


def _review(runtime: Runtime, action: str, draft: Draft, user: str) -> Screen:
    """Back to the rates, or save the assembled site as a new configuration version."""
    tenant = runtime.plant.site.tenant
    if action == "back":
        return show(previous("review"), draft, tenant)
    site, errors = assemble(draft, tenant)
    if site is None:
        return Screen("review", draft, {}, tuple(errors))
    version = save_site(runtime, site, user, "setup wizard")
    return Screen("review", draft, {}, (), site, version)

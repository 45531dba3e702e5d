"""The first-run setup wizard: one form per step, the draft carried in a hidden field."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pabrik.model.errors import InvalidRequestError
from pabrik.present.setup.forms import FormView
from pabrik.runtime.plant.configstore import is_conflict
from pabrik.runtime.setup.addmachine import add_machine
from pabrik.runtime.setup.defaults import (
    TIMEZONES,
    national_holidays,
    province_names,
    setup_defaults,
)
from pabrik.runtime.setup.draft import STEPS, Draft, FieldError, read_draft
from pabrik.runtime.setup.lines import line_names
from pabrik.runtime.setup.saving import is_configured
from pabrik.runtime.setup.wizard import Screen, check_step, show, submit
from pabrik.web.auth import PrincipalDep
from pabrik.web.config.conflict import BASE_FIELD, form_base, render_conflict
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SEE_OTHER = 303
UNPROCESSABLE = 422


def _render(
    request: Request, renderer: RendererDep, fmt: FormatterDep, screen: Screen
) -> HTMLResponse:
    view = FormView(screen, fmt.translator)
    offered = setup_defaults()
    context = view.context() | {
        "page": "setup",
        "steps": STEPS,
        "timezones": TIMEZONES,
        "provinces": province_names(),
        "offered": offered,
        "holidays": [h for h in national_holidays() if h.day.year >= 2026],
        "line_names": line_names(screen.draft),
    }
    status = UNPROCESSABLE if screen.errors else 200
    return renderer.render(request, "setup/wizard.html", fmt, context, status_code=status)


@router.get("/setup")
def setup_page(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """The wizard's first step, or a note that the site is already set up."""
    if is_configured(runtime):
        return renderer.render(request, "setup/done.html", fmt, {"page": "setup"})
    return _render(request, renderer, fmt, show(STEPS[0], Draft(), runtime.plant.site.tenant))


@router.get("/setup/machine")
def add_machine_page(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> Response:
    """One form to add a machine to a configured site (the wizard while there is none)."""
    if not is_configured(runtime):
        return RedirectResponse(f"{request.scope.get('root_path', '')}/setup", SEE_OTHER)
    return _render_add(request, renderer, fmt, runtime, {}, ())


@router.post("/setup/machine")
async def add_machine_step(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    principal: PrincipalDep,
) -> Response:
    """Add the machine as a new configuration version, or show the form with its problems."""
    if not is_configured(runtime):
        return RedirectResponse(f"{request.scope.get('root_path', '')}/setup", SEE_OTHER)
    form = await request.form()
    base = form_base(form)
    fields = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}
    fields.pop("csrf_token", None)
    fields.pop(BASE_FIELD, None)
    try:
        result = await run_in_threadpool(add_machine, runtime, fields, principal.name, base)
    except InvalidRequestError as err:
        if not is_conflict(err):
            raise
        return await render_conflict(request, renderer, fmt, runtime, base or 0, "/setup/machine")
    if result.version is None:
        return _render_add(request, renderer, fmt, runtime, fields, result.errors, base)
    await runtime.reload_config()
    target = f"{request.scope.get('root_path', '')}/machines?saved={result.version}"
    return RedirectResponse(target, SEE_OTHER)


def _render_add(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    runtime: RuntimeDep,
    values: dict[str, list[str]],
    errors: tuple[FieldError, ...],
    base: int | None = None,
) -> HTMLResponse:
    screen = Screen("machine", Draft(), values, errors)
    lines = [(area, line) for area in runtime.plant.areas for line in area.lines]
    context = FormView(screen, fmt.translator).context() | {
        "page": "machines",
        "lines": lines,
        # The version the form was first loaded from, kept when it comes back with problems.
        "base": runtime.config_version if base is None else base,
    }
    status = UNPROCESSABLE if errors else 200
    return renderer.render(request, "setup/add_machine.html", fmt, context, status_code=status)


@router.post("/setup/{step}")
async def setup_step(
    request: Request,
    step: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    principal: PrincipalDep,
) -> Response:
    """Apply a step's form and show the next step, the same one with problems, or save."""
    check_step(step)
    if is_configured(runtime):
        return RedirectResponse(f"{request.scope.get('root_path', '')}/setup", SEE_OTHER)
    form = await request.form()
    fields = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}
    draft = read_draft(next(iter(fields.pop("draft", [])), None))
    action = next(iter(fields.pop("action", [])), "next")
    fields.pop("csrf_token", None)
    screen = await run_in_threadpool(submit, runtime, step, action, draft, fields, principal.name)
    if screen.saved_version is not None:
        # Run the new version now, so the next page shows the new plant (no restart).
        await runtime.reload_config()
        target = f"{request.scope.get('root_path', '')}/machines?saved={screen.saved_version}"
        return RedirectResponse(target, SEE_OTHER)
    return _render(request, renderer, fmt, screen)

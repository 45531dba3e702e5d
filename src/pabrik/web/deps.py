"""Typed dependencies shared by the routes (runtime, locale, translator, formatter).

The runtime and the assessments they hand out are scoped to the caller's tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Request

from pabrik.model.errors import StoreUnavailableError
from pabrik.present.formatting import Formatter
from pabrik.present.i18n import Catalogues, Translator
from pabrik.runtime.accounts.access import assessments_for, plant_for
from pabrik.runtime.app import Runtime
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.settings import Settings
from pabrik.web.auth import get_accounts, get_principal
from pabrik.web.render import LANG_COOKIE, Renderer


@dataclass(frozen=True, slots=True)
class WebState:
    """What the app holds for its whole life: settings, runtime, catalogues, templates."""

    settings: Settings
    runtime: Runtime
    catalogues: Catalogues
    renderer: Renderer


def web_state(request: Request) -> WebState:
    """The app's state object."""
    return cast(WebState, request.app.state.pabrik)


def request_locale(request: Request) -> str:
    """The locale asked for by ``?lang=``, else the cookie, else the site default."""
    catalogues = web_state(request).catalogues
    return catalogues.pick(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def get_runtime(request: Request) -> Runtime:
    """The runtime, for callers of the tenant that owns the site (public routes: everyone)."""
    runtime = web_state(request).runtime
    if getattr(request.state, "public", False):
        return runtime
    return plant_for(runtime, get_principal(request).scope())


def get_renderer(request: Request) -> Renderer:
    """The template renderer."""
    return web_state(request).renderer


LocaleDep = Annotated[str, Depends(request_locale)]


def get_translator(request: Request, locale: LocaleDep) -> Translator:
    """The translator for the request's locale."""
    return web_state(request).catalogues.get(locale)


TranslatorDep = Annotated[Translator, Depends(get_translator)]


def get_formatter(request: Request, translator: TranslatorDep) -> Formatter:
    """A formatter for the request's locale and the plant's zone."""
    runtime = web_state(request).runtime
    return Formatter(translator, runtime.plant.calendar.timezone)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
RendererDep = Annotated[Renderer, Depends(get_renderer)]
FormatterDep = Annotated[Formatter, Depends(get_formatter)]


def get_assessments(request: Request) -> Assessments:
    """The assessment use cases (built with the app), when the store can keep them."""
    service = getattr(request.app.state, "assessments", None)
    if service is None:
        raise StoreUnavailableError("this database backend cannot keep assessments yet")
    scope = get_principal(request).scope()
    return assessments_for(cast(Assessments, service), get_accounts(request), scope)


AssessmentsDep = Annotated[Assessments, Depends(get_assessments)]

"""Typed dependencies shared by the routes (runtime, locale, translator, formatter).

The runtime and the assessments they hand out are scoped to the caller's tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, cast

from fastapi import Depends, Query, Request

from pabrik.model.errors import InvalidRequestError
from pabrik.model.validation import parse_iso_instant
from pabrik.model.windows import Window, WindowName, days_window, production_day_of
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


def parse_instant(value: str, name: str) -> datetime:
    """A UTC datetime from ISO 8601 with an offset; a ``+`` decoded as a space is put back."""
    text = value.strip()
    if len(text) > 10 and text[-6] == " ":
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        return parse_iso_instant(text)
    except ValueError as err:
        raise InvalidRequestError(
            f"'{name}' is not an ISO 8601 date-time with a UTC offset",
            reason="naive_datetime",
            field=name,
        ) from err


WindowQ = Annotated[
    str | None, Query(description="shift, day, 7d or 30d (production days); default day")
]
FromQ = Annotated[str | None, Query(alias="from", description="ISO 8601 with offset")]
ToQ = Annotated[str | None, Query(alias="to", description="ISO 8601 with offset, after 'from'")]


def get_window(
    runtime: RuntimeDep, window: WindowQ = None, start: FromQ = None, end: ToQ = None
) -> Window:
    """The period asked for: a named window, or a custom one from 'from' and 'to'."""
    begin = None if start is None else parse_instant(start, "from")
    finish = None if end is None else parse_instant(end, "to")
    return runtime.window(window, begin, finish)


WindowDep = Annotated[Window, Depends(get_window)]
DayQ = Annotated[str | None, Query(description="Production day, ISO date (with window=custom)")]


def parse_day(value: str | None, name: str) -> date:
    """A production day from an ISO date, or InvalidRequestError (reason ``bad_date``)."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError as err:
        raise InvalidRequestError(
            f"'{name}' is not an ISO date", reason="bad_date", field=name
        ) from err


def get_page_window(
    runtime: RuntimeDep,
    window: WindowQ = None,
    start: FromQ = None,
    end: ToQ = None,
    from_day: DayQ = None,
    to_day: DayQ = None,
) -> Window:
    """A page's period: a named window, 'custom' from two production days, or 'from'/'to'."""
    if window == WindowName.CUSTOM.value and not (start or end):
        first, last = parse_day(from_day, "from_day"), parse_day(to_day, "to_day")
        return days_window(runtime.plant.calendar, first, last, runtime.now())
    return get_window(runtime, window, start or None, end or None)


PageWindowDep = Annotated[Window, Depends(get_page_window)]


def window_days(runtime: Runtime, window: Window) -> dict[str, str]:
    """The first and last production day of a window, to fill a page's date pickers."""
    calendar = runtime.plant.calendar
    last = max(window.start, window.end - timedelta(milliseconds=1))
    first_day, last_day = (
        production_day_of(calendar, window.start),
        production_day_of(calendar, last),
    )
    return {"from_day": first_day.isoformat(), "to_day": last_day.isoformat()}


def get_assessments(request: Request) -> Assessments:
    """The assessment use cases built with the app, scoped to the caller."""
    service = cast(Assessments, request.app.state.assessments)
    return assessments_for(service, get_accounts(request), get_principal(request).scope())


AssessmentsDep = Annotated[Assessments, Depends(get_assessments)]

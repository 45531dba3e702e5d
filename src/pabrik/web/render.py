"""Page rendering for the web: the shared Jinja environment bound to one request's locale."""

from __future__ import annotations

import threading
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from pabrik import __version__
from pabrik.model.errors import PabrikError
from pabrik.model.site import Plant
from pabrik.present.formatting import Formatter
from pabrik.present.i18n import LOCALES, Translator
from pabrik.present.labels import LANG_KEYS, template_words
from pabrik.present.templating import build_environment
from pabrik.runtime.accounts.tenancy import plant_tenant
from pabrik.runtime.federation.group import is_group_central

LANG_COOKIE = "pabrik_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def static_url(request: Request, path: str) -> str:
    """A root-relative URL of a static file, versioned so caches refresh on upgrade."""
    return f"{request.scope.get('root_path', '')}/static/{path}?v={__version__}"


def _principal(request: Request) -> Any:
    return getattr(request.state, "principal", None)


def _can(request: Request, action: str) -> bool:
    principal = _principal(request)
    return bool(principal is not None and principal.can(action))


def _group_link(request: Request) -> bool:
    """Whether the navigation offers the group view (a central of the acting company's plants)."""
    tenant = getattr(_principal(request), "active_tenant", None)
    runtime = getattr(getattr(request.app.state, "pabrik", None), "runtime", None)
    store = getattr(runtime, "store", None)
    if not tenant or store is None:
        return False
    try:
        return is_group_central(store, tenant)
    except PabrikError:  # the store is away: the page says so; the link can wait
        return False


def _with_lang(request: Request, locale: str) -> str:
    """The current path and query with ``lang`` set."""
    url = request.url.include_query_params(lang=locale)
    return f"{url.path}?{url.query}"


class Renderer:
    """Renders pages and partials with the translator and formatter of one request."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        env = build_environment()
        env.globals["site_name"] = plant.site.name
        env.globals["timezone"] = plant.calendar.timezone
        env.globals["plant_tenant"] = plant_tenant(plant.site.tenant)
        self.templates = Jinja2Templates(env=env)
        self._fragments: dict[tuple[str, str, str], tuple[object, Markup]] = {}
        self._fragments_guard = threading.Lock()
        self.fragment_renders = 0

    def current(self, request: Request) -> Plant:
        """The plant running now: a saved configuration swaps it without a restart."""
        state = getattr(request.app.state, "pabrik", None)
        runtime = getattr(state, "runtime", None)
        plant = getattr(runtime, "plant", None)
        return plant if isinstance(plant, Plant) else self.plant

    def helpers(self, request: Request, translator: Translator) -> dict[str, Any]:
        """Per-request template functions bound to the request's language."""
        plant = self.current(request)
        return {
            "site_name": plant.site.name,
            "timezone": plant.calendar.timezone,
            "plant_tenant": plant_tenant(plant.site.tenant),
            "t": translator,
            "root": request.scope.get("root_path", ""),
            "static": lambda path: static_url(request, path),
            **template_words(translator),
            "shift_name": lambda key: self.shift_name(key, translator.locale, plant),
            "line_name": lambda line_id: self.line_name(line_id, translator.locale, plant),
            # Who is logged in, what they may do, and the CSRF token every form carries.
            "principal": _principal(request),
            "can": lambda action: _can(request, action),
            "group_link": lambda: _group_link(request),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "lang_urls": [
                (loc, _with_lang(request, loc), translator.gettext(LANG_KEYS[loc]))
                for loc in LOCALES
            ],
        }

    def line_name(self, line_id: str, locale: str, plant: Plant | None = None) -> str:
        """The configured name of a line."""
        line = next((ln for ln in (plant or self.plant).lines() if ln.id == line_id), None)
        return line.name.get(locale) if line else line_id

    def shift_name(self, key: str, locale: str, plant: Plant | None = None) -> str:
        """The configured name of the shift in a key like ``2024-01-15/night``."""
        shift_id = key.rpartition("/")[2]
        shifts = (plant or self.plant).calendar.shifts
        shift = next((s for s in shifts if s.id == shift_id), None)
        return shift.name.get(locale) if shift else shift_id

    def render(
        self,
        request: Request,
        name: str,
        formatter: Formatter,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> HTMLResponse:
        """A rendered template; remembers an explicit ``?lang=`` choice in a cookie."""
        full = {
            **self.helpers(request, formatter.translator),
            "fmt": formatter,
            "locale": formatter.locale,
            "page": "",
            **context,
        }
        response = self.templates.TemplateResponse(request, name, full, status_code=status_code)
        return self._remember_lang(request, formatter, response)

    def fragment(
        self, request: Request, name: str, formatter: Formatter, view: object, key: str
    ) -> Markup:
        """A template that shows one view and words alone, rendered once per view and language.

        Every dashboard polling the overview then costs one rendering per view the runtime
        reuses, not one per request; the template must use nothing of the user's (``key`` is
        the name it gets the view by).
        """
        cache_key = (name, formatter.locale, str(request.scope.get("root_path", "")))
        with self._fragments_guard:
            held = self._fragments.get(cache_key)
        if held is not None and held[0] is view:
            return held[1]
        context = {
            **self.helpers(request, formatter.translator),
            "request": request,
            "fmt": formatter,
            "locale": formatter.locale,
            key: view,
        }
        html = Markup(self.templates.get_template(name).render(context))  # noqa: S704
        with self._fragments_guard:
            self._fragments[cache_key] = (view, html)
            self.fragment_renders += 1
        return html

    def respond(self, request: Request, formatter: Formatter, html: str) -> HTMLResponse:
        """An HTML response of a rendered fragment."""
        return self._remember_lang(request, formatter, HTMLResponse(html))

    def _remember_lang(
        self, request: Request, formatter: Formatter, response: HTMLResponse
    ) -> HTMLResponse:
        if request.query_params.get("lang") == formatter.locale:
            response.set_cookie(
                LANG_COOKIE, formatter.locale, max_age=LANG_COOKIE_MAX_AGE, samesite="lax"
            )
        return response

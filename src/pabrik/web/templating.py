"""The Jinja2 environment (autoescaped, with gettext bound to the request's locale)."""

from __future__ import annotations

import json
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from pabrik import __version__
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.tenancy import plant_tenant
from pabrik.web.formatting import Formatter
from pabrik.web.i18n import LOCALES, Translator
from pabrik.web.labels import (
    DEAD_LETTER_KEYS,
    FLAG_KEYS,
    LANG_KEYS,
    WINDOW_KEYS,
    coded,
    loss_label,
    state_label,
)

LANG_COOKIE = "pabrik_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


@pass_context
def _gettext(context: Context, key: str) -> str:
    translator: Translator = context["t"]
    return translator.gettext(key)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    translator: Translator = context["t"]
    return translator.ngettext(singular, plural, n)


def _tojson_data(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block, safe against ``</script>``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - the only HTML-significant characters are escaped


def build_environment() -> jinja2.Environment:
    """An autoescaping environment over the package's templates, with i18n installed."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pabrik.web", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["json_data"] = _tojson_data
    env.globals["version"] = __version__
    return env


def static_url(request: Request, path: str) -> str:
    """A root-relative URL of a static file, versioned so caches refresh on upgrade."""
    return f"{request.scope.get('root_path', '')}/static/{path}?v={__version__}"


def _principal(request: Request) -> Any:
    return getattr(request.state, "principal", None)


def _can(request: Request, action: str) -> bool:
    principal = _principal(request)
    return bool(principal is not None and principal.can(action))


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

    def helpers(self, request: Request, translator: Translator) -> dict[str, Any]:
        """Per-request template functions bound to the request's language."""
        return {
            "t": translator,
            "root": request.scope.get("root_path", ""),
            "static": lambda path: static_url(request, path),
            "state_label": lambda state: state_label(translator, state),
            "loss_label": lambda code, label: loss_label(
                translator, code, None if label is None else label.get(translator.locale)
            ),
            "shift_name": lambda key: self.shift_name(key, translator.locale),
            "line_name": lambda line_id: self.line_name(line_id, translator.locale),
            "window_label": lambda window: translator.gettext(WINDOW_KEYS[window]),
            "dead_letter_reason": lambda code: coded(translator, DEAD_LETTER_KEYS, code),
            "flag_label": lambda code: coded(translator, FLAG_KEYS, code),
            "states": list(StateClass),
            # Who is logged in, what they may do, and the CSRF token every form carries.
            "principal": _principal(request),
            "can": lambda action: _can(request, action),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "lang_urls": [
                (loc, _with_lang(request, loc), translator.gettext(LANG_KEYS[loc]))
                for loc in LOCALES
            ],
        }

    def line_name(self, line_id: str, locale: str) -> str:
        """The configured name of a line."""
        line = next((ln for ln in self.plant.lines() if ln.id == line_id), None)
        return line.name.get(locale) if line else line_id

    def shift_name(self, key: str, locale: str) -> str:
        """The configured name of the shift in a key like ``2024-01-15/night``."""
        shift_id = key.rpartition("/")[2]
        shift = next((s for s in self.plant.calendar.shifts if s.id == shift_id), None)
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
        if request.query_params.get("lang") == formatter.locale:
            response.set_cookie(
                LANG_COOKIE, formatter.locale, max_age=LANG_COOKIE_MAX_AGE, samesite="lax"
            )
        return response

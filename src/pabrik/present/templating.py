"""The Jinja2 environment over pabrik's templates: autoescaped, strict, with gettext installed."""

from __future__ import annotations

import json
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from pabrik import __version__
from pabrik.present.i18n import Translator


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
        loader=jinja2.PackageLoader("pabrik.present", "templates"),
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

"""What the KPI pages share: the scope picker's choices and the query of a scope and window."""

from __future__ import annotations

from pabrik.model.windows import Window
from pabrik.present.formatting import Formatter
from pabrik.runtime.app import Runtime


def scope_choices(runtime: Runtime, fmt: Formatter) -> list[tuple[str, str]]:
    """The plant, its areas, lines and machines, as (id, name) for a scope picker."""
    out = [("plant", fmt.translator.gettext("kpi.scope.plant"))]
    out += [(a.id, a.name.get(fmt.locale)) for a in runtime.plant.areas]
    out += [(ln.id, ln.name.get(fmt.locale)) for ln in runtime.plant.lines()]
    out += [(m.id, m.name.get(fmt.locale)) for m in runtime.plant.machines()]
    return out


def window_query(scope: str, window: Window) -> str:
    """The query that asks any surface for the same scope and window."""
    if window.name.value != "custom":
        return f"scope={scope}&window={window.name.value}"
    span = f"from={window.start.isoformat()}&to={window.end.isoformat()}"
    return f"scope={scope}&{span}".replace("+", "%2B")

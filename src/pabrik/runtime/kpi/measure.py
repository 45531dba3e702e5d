"""The one place a scope is measured over a window; every surface that shows a figure asks here.

A measurement never reaches past "now" (that part of the window is left out and said so),
and it carries its coverage: how much of the planned busy time had a known machine state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from pabrik.kpi.account import TimeAccount, sum_accounts
from pabrik.kpi.losses import Loss, top_loss
from pabrik.kpi.oee import NoValue, Oee, Ratio
from pabrik.kpi.oee import oee as compute_oee
from pabrik.model.errors import InvalidRequestError
from pabrik.model.site import Machine, Plant
from pabrik.model.windows import Window, custom_window, named_window
from pabrik.runtime.kpi.engine import KpiEngine

NOT_YET = "not_yet"
"""Why a figure of a window that has not begun has no value."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much planned busy time had a known machine state, and whether that is enough."""

    known_ms: int
    planned_ms: int
    threshold: Fraction

    @property
    def share(self) -> Fraction | None:
        """Known over planned busy time, or None without planned time."""
        return Fraction(self.known_ms, self.planned_ms) if self.planned_ms else None

    @property
    def provisional(self) -> bool:
        """Whether too little time is known for the figures to be a verdict."""
        return self.share is not None and self.share < self.threshold


@dataclass(frozen=True, slots=True)
class Measurement:
    """A scope's accounts over the measured part of a window."""

    scope: str
    window: Window
    machines: tuple[Machine, ...]
    parts: Mapping[str, TimeAccount]
    total: TimeAccount
    coverage: Coverage

    @property
    def oee(self) -> Oee:
        """OEE of the summed elements; nothing at all for a window that has not begun."""
        if self.window.is_future:
            gap = dict.fromkeys(("availability", "performance", "quality"), NoValue.NOT_YET)
            return Oee(self.total.elements, None, None, None, None, {**gap, "oee": NoValue.NOT_YET})
        return compute_oee(self.total.elements)

    @property
    def top_loss(self) -> Loss | None:
        """The biggest loss of the scope over the window."""
        return top_loss(self.total)

    def ratio(self, name: str) -> Ratio:
        """One of availability, performance, quality or oee, with its reason when missing."""
        result = self.oee
        value: Fraction | None = getattr(result, name)
        return Ratio(value, result.missing.get(name))


def measure(engine: KpiEngine, scope: str, window: Window, *, detail: bool = True) -> Measurement:
    """Measure a scope (machine, line, area or ``plant``) over the part of a window up to now."""
    return measure_scopes(engine, [scope], window, detail=detail)[scope]


def measure_scopes(
    engine: KpiEngine, scopes: Sequence[str], window: Window, *, detail: bool = True
) -> dict[str, Measurement]:
    """Measure several scopes over one window, each machine's account computed once for all."""
    key = (tuple(scopes), window.name, window.start, window.end, detail)
    return engine.measured.get(
        key,
        window.now,
        engine.version(),
        lambda _at: _measure_scopes(engine, scopes, window, detail=detail),
    )


def measure_windows(
    engine: KpiEngine, scopes: Sequence[str], windows: Sequence[Window]
) -> list[dict[str, Measurement]]:
    """Scopes over windows that end at one instant, computed now; each raw edge once for all.

    The overview measures every machine over the shift and the day: both end now, so both
    need the same partial hour from raw, which this computes once per machine.
    """
    edges: dict[tuple[str, int, int], TimeAccount] = {}
    return [_measure_scopes(engine, scopes, w, detail=True, edges=edges) for w in windows]


def _measure_scopes(
    engine: KpiEngine,
    scopes: Sequence[str],
    window: Window,
    *,
    detail: bool,
    edges: dict[tuple[str, int, int], TimeAccount] | None = None,
) -> dict[str, Measurement]:
    members = {scope: engine.machines(scope) for scope in scopes}
    machines = list({m.id: m for ms in members.values() for m in ms}.values())
    span = window.measured
    if span is None:
        zero = engine.zero()
        accounts: dict[str, TimeAccount] = {m.id: zero for m in machines}
    else:
        accounts = engine.accounts(machines, span.start, span.end, detail=detail, edges=edges)
    threshold = Fraction(engine.plant.kpi.min_coverage).limit_denominator(1000)
    out: dict[str, Measurement] = {}
    for scope, ms in members.items():
        parts = {m.id: accounts[m.id] for m in ms}
        total = sum_accounts(parts.values()) if parts else engine.zero()
        e = total.elements
        coverage = Coverage(known_ms=e.known_pbt, planned_ms=e.pbt, threshold=threshold)
        out[scope] = Measurement(scope, window, tuple(ms), parts, total, coverage)
    return out


def window_of(
    plant: Plant,
    now: datetime,
    name: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Window:
    """A named window, or a custom one from ``start`` and ``end``: how every surface picks one."""
    if start is None and end is None:
        return named_window(plant.calendar, name or "day", now)
    if start is None or end is None:
        raise InvalidRequestError("give both 'from' and 'to', or a window", reason="bad_window")
    return custom_window(start, end, now)


def future_ms(window: Window) -> int:
    """Milliseconds of the window after now, left out of every figure."""
    return int(window.future / timedelta(milliseconds=1))

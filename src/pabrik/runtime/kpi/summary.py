"""The figures every surface shows for a scope and window: OEE, its factors, counts, top loss."""

from __future__ import annotations

from pabrik.kpi.losses import Loss, LossKind
from pabrik.model.site import Plant
from pabrik.model.windows import Window
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.measure import Measurement, future_ms, measure
from pabrik.runtime.kpi.views import LossView, OeeView, Ratio


def loss_view(plant: Plant, loss: Loss) -> LossView:
    """A loss as the pages show it: its code, kind, time and configured reason name."""
    if loss.kind is LossKind.AVAILABILITY:
        reason = plant.reason(loss.code)
        return LossView(loss.code, loss.kind.value, round(loss.ms), reason.name if reason else None)
    return LossView(loss.code, loss.kind.value, round(loss.ms))


def _ratio(m: Measurement, name: str) -> Ratio:
    r = m.ratio(name)
    return Ratio(r.value, None if r.missing is None else r.missing.value)


def oee_view(plant: Plant, m: Measurement) -> OeeView:
    """A measurement as the read model every surface shows."""
    e = m.total.elements
    top = m.top_loss
    return OeeView(
        scope=m.scope,
        window=m.window.name.value,
        start=m.window.start,
        end=m.window.end,
        measured_end=m.window.measured_end,
        future_ms=future_ms(m.window),
        availability=_ratio(m, "availability"),
        performance=_ratio(m, "performance"),
        quality=_ratio(m, "quality"),
        oee=_ratio(m, "oee"),
        planned_ms=e.pbt,
        known_ms=e.known_pbt,
        run_ms=e.apt,
        unknown_ms=e.unknown,
        good=e.gq,
        scrap=e.sq,
        provisional=m.coverage.provisional,
        top_loss=None if top is None else loss_view(plant, top),
        flags=tuple(sorted(f.value for f in m.oee.flags)),
    )


def scope_oee(engine: KpiEngine, scope: str, window: Window) -> OeeView:
    """OEE of a machine, line, area or the plant over a window."""
    return oee_view(engine.plant, measure(engine, scope, window))

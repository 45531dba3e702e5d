"""KPI reports: every KPI of a scope over a window, with the elements and rules behind them."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

from pabrik.kpi.account import TimeAccount
from pabrik.kpi.capability import Capability, capability
from pabrik.kpi.catalogue import KpiContext, KpiValue, MissingDataError, evaluate
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.site import Machine
from pabrik.model.states import Quality
from pabrik.model.windows import Window
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.measure import NOT_YET, Measurement, future_ms, measure
from pabrik.runtime.kpi.views import KpiReport, KpiValueView


def kpi_view(engine: KpiEngine, v: KpiValue) -> KpiValueView:
    """A KPI value with its catalogue metadata."""
    d = engine.catalogue.get(v.id)
    return KpiValueView(
        id=v.id,
        value=v.value,
        unit=v.unit,
        formula=d.formula,
        trend=d.trend,
        missing=v.missing,
        flags=v.flags,
        capped=v.capped,
        iso=d.iso,
    )


def _capability(
    engine: KpiEngine,
    machines: tuple[Machine, ...],
    signal: str | None,
    span: tuple[datetime, datetime],
) -> Capability | None:
    if signal is None:
        return None
    if len(machines) != 1:
        raise InvalidRequestError(
            "capability indices need one machine as scope", reason="missing_data", signal=signal
        )
    m = machines[0]
    sig = next((s for s in m.signals if s.id == signal), None)
    if sig is None:
        raise NotFoundError(f"machine '{m.id}' has no signal '{signal}'", signal=signal[:64])
    if sig.lsl is None or sig.usl is None:
        return None
    samples = engine.store.samples(m.id, sig.id, *span)
    values = [s.value for s in samples if s.quality is Quality.GOOD]
    return capability(values, sig.lsl, sig.usl)


def context(engine: KpiEngine, m: Measurement, signal: str | None = None) -> KpiContext:
    """What the KPI formulas may draw on for a measured scope."""
    machines, acc = m.machines, m.total
    epc = None
    if all(x.rated_capacity_per_hour is not None for x in machines):
        epc = sum(
            (
                Fraction(x.rated_capacity_per_hour or 0) * m.parts[x.id].elements.pot / 3_600_000
                for x in machines
            ),
            Fraction(0),
        )
    span = (m.window.start, m.window.measured_end)
    calendar_ms = int((span[1] - span[0]) / timedelta(milliseconds=1)) * len(machines)
    return KpiContext(
        account=acc,
        calendar_ms=calendar_ms,
        has_orders=any(engine.orders(x.id) for x in machines) or acc.order_data,
        has_energy_meter=all(x.energy_signal for x in machines),
        has_preventive_reasons=bool(engine.rules.preventive_reasons),
        epc=epc,
        capability=_capability(engine, machines, signal, span),
        signal=signal,
    )


def report_flags(m: Measurement, values: list[KpiValueView]) -> tuple[str, ...]:
    """Warnings that travel with a report: unknown time, left-out future, readings, limits."""
    acc = m.total
    flags = set()
    if acc.elements.unknown > 0:
        flags.add("unknown_time")
    if m.coverage.provisional:
        flags.add("provisional")
    if future_ms(m.window) > 0:
        flags.add("future_left_out")
    if not acc.order_data:
        flags.add("machine_state_reading")
    if acc.elements.apt == 0 and acc.elements.pq > 0:
        flags.add("units_without_production_time")
    for v in values:
        if v.id == "effectiveness" and "above_one" in v.flags:
            flags.add("performance_above_one")
    return tuple(sorted(flags))


def _elements(acc: TimeAccount) -> dict[str, int | str]:
    e, x = acc.elements, acc.extras
    return {
        "pot_ms": e.pot, "pdot_ms": e.pdot, "pbt_ms": e.pbt, "apt_ms": e.apt,
        "aust_ms": e.aust, "adet_ms": e.adet, "adot_ms": e.adot, "unknown_ms": e.unknown,
        "aupt_ms": e.aupt, "aubt_ms": e.aubt, "micro_stop_ms": acc.micro_stop_time_ms,
        "pq": e.pq, "gq": e.gq, "sq": e.sq, "rq": e.rq,
        "ideal_ms": _exact(e.ideal_ms), "ideal_good_ms": _exact(e.ideal_good_ms),
        "fe": x.fe, "cmt_ms": x.cmt, "pmt_ms": x.pmt, "aoet_ms": x.aoet,
        "psq": _exact(x.psq), "energy_wh": x.energy_wh, "energy_run_wh": x.energy_run_wh,
        "scrap_cost_idr": _exact(x.scrap_cost_idr),
    }  # fmt: skip


def _exact(f: Fraction) -> int | str:
    return f.numerator if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def _value(engine: KpiEngine, kpi_id: str, m: Measurement, ctx: KpiContext) -> KpiValueView:
    defn = engine.catalogue.get(kpi_id)
    if m.window.is_future:
        # Checked first so a KPI the data could not support still says why it has no value.
        evaluate(defn, ctx)
        return kpi_view(engine, KpiValue(kpi_id, None, defn.unit, NOT_YET))
    return kpi_view(engine, evaluate(defn, ctx))


def kpi_values(
    engine: KpiEngine, m: Measurement, ids: list[str], ctx: KpiContext, *, strict: bool
) -> list[KpiValueView]:
    """The asked KPIs; unsupported ones raise when ``strict``, else they are left out."""
    values = []
    for kpi_id in ids:
        try:
            values.append(_value(engine, kpi_id, m, ctx))
        except MissingDataError:
            if strict:
                raise
    return values


def kpi_report(
    engine: KpiEngine,
    scope: str,
    window: Window,
    kpis: list[str] | None = None,
    signal: str | None = None,
) -> KpiReport:
    """KPIs of a scope over a window: the ones asked for, or every one the data supports."""
    ids = kpis or []
    for i in ids:
        engine.catalogue.get(i)
    m = measure(engine, scope, window, detail=False)
    ctx = context(engine, m, signal)
    values = kpi_values(engine, m, ids or list(engine.catalogue.definitions), ctx, strict=bool(ids))
    r, acc = engine.rules, m.total
    return KpiReport(
        scope=scope,
        window=window.name.value,
        start=window.start,
        end=window.end,
        measured_end=window.measured_end,
        future_ms=future_ms(window),
        known_ms=acc.elements.known_pbt,
        planned_ms=acc.elements.pbt,
        provisional=m.coverage.provisional,
        machines=tuple(x.id for x in m.machines),
        values=values,
        elements=_elements(acc),
        rules={
            "micro_stop_ms": r.micro_stop_ms,
            "debounce_ms": r.debounce_ms,
            "count_period_ms": r.count_period_ms,
            "reading": "order" if acc.order_data else "machine_state",
        },
        flags=report_flags(m, values),
        catalogue_version=engine.catalogue.version,
    )

"""The KPI JSON API: KPIs over a named or custom window, CSV/XLSX exports, catalogue, energy."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.kpi import export as kpiexport
from pabrik.runtime.kpi.energy_report import energy_report
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.kpi.reports import kpi_report
from pabrik.runtime.kpi.views import KpiReport
from pabrik.runtime.terminal.quality import quality_rows
from pabrik.web.deps import FormatterDep, RuntimeDep, WindowDep
from pabrik.web.kpi.schemas import KpiReportPublic

api = APIRouter(prefix="/api/v1", tags=["kpi"])


def _ids(kpi: list[str] | None) -> list[str] | None:
    if not kpi:
        return None
    return [k.strip() for part in kpi for k in part.split(",") if k.strip()]


ScopeQ = Annotated[str, Query(description="A machine, line or area id, or 'plant'")]
KpiQ = Annotated[list[str] | None, Query(description="KPI ids (repeat or comma-separate)")]
SignalQ = Annotated[str | None, Query(description="Signal id for Cm, Cmk, Cp, Cpk")]


def _report(
    runtime: RuntimeDep, scope: str, window: WindowDep, kpi: list[str] | None, signal: str | None
) -> KpiReport:
    return kpi_report(runtime.engine, scope, window, _ids(kpi), signal)


@api.get("/kpi", summary="ISO 22400 KPIs over any window")
def get_kpi(
    runtime: RuntimeDep,
    fmt: FormatterDep,
    scope: ScopeQ,
    window: WindowDep,
    kpi: KpiQ = None,
    signal: SignalQ = None,
) -> KpiReportPublic:
    """The asked KPIs (or every KPI the data supports) with elements, rules and flags."""
    return KpiReportPublic.of(_report(runtime, scope, window, kpi, signal), fmt.kpi_name)


@api.get("/kpi/export.csv", summary="KPIs as CSV")
def get_kpi_csv(
    runtime: RuntimeDep,
    fmt: FormatterDep,
    scope: ScopeQ,
    window: WindowDep,
    kpi: KpiQ = None,
) -> Response:
    """The same KPIs as a CSV file."""
    report = _report(runtime, scope, window, kpi, None)
    return Response(
        kpiexport.to_csv(report, fmt),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kpi-{scope}.csv"'},
    )


@api.get("/kpi/export.xlsx", summary="KPIs, losses and costs as XLSX")
def get_kpi_xlsx(
    runtime: RuntimeDep,
    fmt: FormatterDep,
    scope: ScopeQ,
    window: WindowDep,
    kpi: KpiQ = None,
) -> Response:
    """A workbook with KPIs, elements, the loss Pareto and the cost of losses."""
    report = _report(runtime, scope, window, kpi, None)
    losses = loss_report(runtime.engine, scope, window)
    quality = quality_rows(runtime, scope, window, fmt.locale)
    return Response(
        kpiexport.to_xlsx(report, losses, fmt, quality),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="kpi-{scope}.xlsx"'},
    )


@api.get("/kpi/catalogue", summary="KPI metadata")
def get_catalogue(runtime: RuntimeDep, fmt: FormatterDep) -> list[dict[str, Any]]:
    """Every KPI pabrik knows: formula, unit, range, trend, audience, timing, needs."""
    cat = runtime.engine.catalogue
    return [
        {
            "id": d.id,
            "iso": d.iso,
            "name": fmt.kpi_name(d.id),
            "formula": d.formula,
            "unit": d.unit,
            "range": [d.low, d.high],
            "trend": d.trend,
            "audience": list(d.audience),
            "timing": d.timing,
            "needs": list(d.needs),
            "above_one": d.above_one,
            "source": d.source,
        }
        for d in cat.definitions.values()
    ]


class EnergyDayPublic(BaseModel):
    """One day of an energy baseline or report."""

    day: date
    production: int
    actual_kwh: float
    expected_kwh: float | None


class EnergyReportPublic(BaseModel):
    """An ISO 50001-style baseline (E = a + b x production) and a period judged against it."""

    scope: str
    intercept_kwh: float
    slope_kwh_per_unit: float
    r_squared: float | None
    actual_kwh: float
    expected_kwh: float
    savings_kwh: float
    enpi: float | None
    reference: list[EnergyDayPublic]
    report: list[EnergyDayPublic]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise InvalidRequestError(f"'{name}' is not a date (YYYY-MM-DD)", field=name) from err


@api.get("/kpi/energy", summary="Energy baseline, expected against actual, and EnPI")
def get_energy(
    runtime: RuntimeDep,
    scope: ScopeQ,
    ref_from: Annotated[str, Query(description="First day of the reference period")],
    ref_to: Annotated[str, Query(description="Day after the reference period")],
    start: Annotated[str, Query(alias="from", description="First day to report")],
    end: Annotated[str, Query(alias="to", description="Day after the last day to report")],
) -> EnergyReportPublic:
    """Fit energy = a + b x production per day on a reference period; report a later one."""
    reference = (_day(ref_from, "ref_from"), _day(ref_to, "ref_to"))
    period = (_day(start, "from"), _day(end, "to"))
    for lo, hi in (reference, period):
        if hi <= lo or (hi - lo).days > 400:
            raise InvalidRequestError("a period must end after it starts and last <= 400 days")
    r = energy_report(runtime.engine, scope, reference, period)

    def days(items: list[Any]) -> list[EnergyDayPublic]:
        return [
            EnergyDayPublic(
                day=d.day,
                production=d.production,
                actual_kwh=float(d.actual_kwh),
                expected_kwh=None if d.expected_kwh is None else float(d.expected_kwh),
            )
            for d in items
        ]

    return EnergyReportPublic(
        scope=r.scope,
        intercept_kwh=float(r.intercept_kwh),
        slope_kwh_per_unit=float(r.slope_kwh_per_unit),
        r_squared=r.r_squared,
        actual_kwh=float(r.actual_kwh),
        expected_kwh=float(r.expected_kwh),
        savings_kwh=float(r.savings_kwh),
        enpi=None if r.enpi is None else float(r.enpi),
        reference=days(r.reference),
        report=days(r.report),
    )

"""KPI routes: the JSON API, CSV/XLSX exports, loss and cost pages, the shift report."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from pabrik.model.calendar import active_shift
from pabrik.model.errors import InvalidRequestError
from pabrik.present.formatting import Formatter
from pabrik.present.i18n import N_
from pabrik.runtime.app import Runtime
from pabrik.runtime.kpi import export as kpiexport
from pabrik.runtime.kpi import reports as kpireports
from pabrik.runtime.kpi.engine import engine_for
from pabrik.runtime.kpi.views import KpiReport, LossReport, ShiftReport
from pabrik.web.deps import FormatterDep, LocaleDep, RendererDep, RuntimeDep
from pabrik.web.plant.api import parse_instant
from pabrik.web.render import Renderer

PageWindow = Literal["shift", "day", "7d", "30d"]
PAGE_WINDOWS: dict[str, str] = {
    "shift": N_("kpi.window.shift"),
    "day": N_("kpi.window.day"),
    "7d": N_("kpi.window.7d"),
    "30d": N_("kpi.window.30d"),
}
BIG_LOSS_KEYS: dict[str, str] = {
    "equipment_failure": N_("kpi.loss.equipment_failure"),
    "setup_adjustment": N_("kpi.loss.setup_adjustment"),
    "idling_minor_stops": N_("kpi.loss.idling_minor_stops"),
    "reduced_speed": N_("kpi.loss.reduced_speed"),
    "process_defects": N_("kpi.loss.process_defects"),
    "reduced_yield": N_("kpi.loss.reduced_yield"),
    "unknown": N_("kpi.loss.unknown"),
    "scrap": N_("kpi.loss.scrap"),
    "energy": N_("kpi.loss.energy"),
}

api = APIRouter(prefix="/api/v1", tags=["kpi"])
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


class KpiValuePublic(BaseModel):
    """One KPI value with its metadata."""

    id: str
    iso: int | None
    name: str
    value: float | None
    exact: str | None
    unit: str
    formula: str
    trend: str
    missing: str | None
    flags: list[str]
    capped: float | None


class KpiReportPublic(BaseModel):
    """KPIs of a scope over a window, with the elements and rules behind them."""

    scope: str
    start: datetime
    end: datetime
    machines: list[str]
    kpis: list[KpiValuePublic]
    elements: dict[str, int | str]
    rules: dict[str, int | bool | str]
    flags: list[str]
    catalogue_version: int

    @classmethod
    def of(cls, r: KpiReport, locale: str) -> KpiReportPublic:
        """From the read model."""
        return cls(
            scope=r.scope,
            start=r.start,
            end=r.end,
            machines=list(r.machines),
            kpis=[
                KpiValuePublic(
                    id=v.id,
                    iso=v.iso,
                    name=v.name.get(locale),
                    value=v.number,
                    exact=v.exact,
                    unit=v.unit,
                    formula=v.formula,
                    trend=v.trend,
                    missing=v.missing,
                    flags=list(v.flags),
                    capped=None if v.capped is None else float(v.capped),
                )
                for v in r.values
            ],
            elements=r.elements,
            rules=r.rules,
            flags=list(r.flags),
            catalogue_version=r.catalogue_version,
        )


def _ids(kpi: list[str] | None) -> list[str] | None:
    if not kpi:
        return None
    return [k.strip() for part in kpi for k in part.split(",") if k.strip()]


ScopeQ = Annotated[str, Query(description="A machine, line or area id, or 'plant'")]
FromQ = Annotated[str, Query(alias="from", description="ISO 8601 with offset")]
ToQ = Annotated[str, Query(alias="to", description="ISO 8601 with offset, after 'from'")]
KpiQ = Annotated[list[str] | None, Query(description="KPI ids (repeat or comma-separate)")]
SignalQ = Annotated[str | None, Query(description="Signal id for Cm, Cmk, Cp, Cpk")]


def _report(
    runtime: Runtime, scope: str, start: str, end: str, kpi: list[str] | None, signal: str | None
) -> KpiReport:
    begin, finish = parse_instant(start, "from"), parse_instant(end, "to")
    return kpireports.kpi_report(runtime, scope, begin, finish, _ids(kpi), signal)


@api.get("/kpi", summary="ISO 22400 KPIs over any window")
def get_kpi(
    runtime: RuntimeDep,
    locale: LocaleDep,
    scope: ScopeQ,
    start: FromQ,
    end: ToQ,
    kpi: KpiQ = None,
    signal: SignalQ = None,
) -> KpiReportPublic:
    """The asked KPIs (or every KPI the data supports) with elements, rules and flags."""
    return KpiReportPublic.of(_report(runtime, scope, start, end, kpi, signal), locale)


@api.get("/kpi/export.csv", summary="KPIs as CSV")
def get_kpi_csv(
    runtime: RuntimeDep,
    locale: LocaleDep,
    scope: ScopeQ,
    start: FromQ,
    end: ToQ,
    kpi: KpiQ = None,
) -> Response:
    """The same KPIs as a CSV file."""
    report = _report(runtime, scope, start, end, kpi, None)
    return Response(
        kpiexport.to_csv(report, locale),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kpi-{scope}.csv"'},
    )


@api.get("/kpi/export.xlsx", summary="KPIs, losses and costs as XLSX")
def get_kpi_xlsx(
    runtime: RuntimeDep,
    locale: LocaleDep,
    scope: ScopeQ,
    start: FromQ,
    end: ToQ,
    kpi: KpiQ = None,
) -> Response:
    """A workbook with KPIs, elements, the loss Pareto and the cost of losses."""
    report = _report(runtime, scope, start, end, kpi, None)
    losses = kpireports.loss_report(runtime, scope, report.start, report.end)
    return Response(
        kpiexport.to_xlsx(report, losses, locale),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="kpi-{scope}.xlsx"'},
    )


@api.get("/kpi/catalogue", summary="KPI metadata")
def get_catalogue(runtime: RuntimeDep, locale: LocaleDep) -> list[dict[str, Any]]:
    """Every KPI pabrik knows: formula, unit, range, trend, audience, timing, needs."""
    cat = engine_for(runtime).catalogue
    return [
        {
            "id": d.id,
            "iso": d.iso,
            "name": d.name(locale),
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


# -- pages -----------------------------------------------------------------------------


def page_window(runtime: Runtime, window: str) -> tuple[datetime, datetime]:
    """A preset window ending now: the running shift, today, 7 or 30 days."""
    now = runtime.now()
    if window == "shift":
        shift = active_shift(runtime.plant.calendar, now)
        return (shift.start, now) if shift else (now - timedelta(hours=8), now)
    if window == "day":
        zone = zoneinfo.ZoneInfo(runtime.plant.calendar.timezone)
        local = now.astimezone(zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0), now
    return now - timedelta(days=int(window.removesuffix("d"))), now


def _scopes(runtime: Runtime, fmt: Formatter) -> list[tuple[str, str]]:
    out = [("plant", fmt.translator.gettext("kpi.scope.plant"))]
    out += [(ln.id, ln.name.get(fmt.locale)) for ln in runtime.plant.lines()]
    out += [(m.id, m.name.get(fmt.locale)) for m in runtime.plant.machines()]
    return out


def _loss_label(fmt: Formatter, key: str) -> str:
    k = BIG_LOSS_KEYS.get(key)
    return fmt.translator.gettext(k) if k else key


def _money(fmt: Formatter, idr: Fraction | None) -> str:
    return "–" if idr is None else f"Rp {fmt.number(round(float(idr)))}"


def _loss_context(
    request: Request, runtime: Runtime, fmt: Formatter, scope: str, window: str, page: str
) -> dict[str, Any]:
    start, end = page_window(runtime, window)
    report: LossReport = kpireports.loss_report(runtime, scope, start, end)
    words = {k: fmt.translator.gettext(v) for k, v in BIG_LOSS_KEYS.items()}
    chart = {
        "locale": fmt.locale,
        "pareto": [
            {
                "label": (p.label.get(fmt.locale) if p.label else p.code),
                "minutes": round(p.ms / 60000, 1),
                "cumulative": round(p.cumulative * 100, 1),
            }
            for p in report.pareto
        ],
        "costs": [
            {
                "line": ln.name.get(fmt.locale),
                "items": [
                    {"key": words.get(i.key, i.key), "idr": round(float(i.idr))} for i in ln.items
                ],
            }
            for ln in report.lines
        ],
        "words": {
            "minutes": fmt.translator.gettext("kpi.pareto.minutes"),
            "cumulative": fmt.translator.gettext("kpi.pareto.cumulative"),
            "idr": "Rp",
        },
    }
    root = request.scope.get("root_path", "")
    query = f"scope={scope}&from={start.isoformat()}&to={end.isoformat()}".replace("+", "%2B")
    return {
        "page": page,
        "report": report,
        "scope": scope,
        "window": window,
        "windows": PAGE_WINDOWS,
        "scopes": _scopes(runtime, fmt),
        "loss_label": lambda key: _loss_label(fmt, key),
        "money": lambda idr: _money(fmt, idr),
        "kpi_chart": chart,
        "xlsx_url": f"{root}/api/v1/kpi/export.xlsx?{query}",
        "csv_url": f"{root}/api/v1/kpi/export.csv?{query}",
    }


@pages.get("/kpi/losses")
def losses_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: Annotated[str, Query()] = "plant",
    window: Annotated[PageWindow, Query()] = "day",
) -> HTMLResponse:
    """Downtime by reason as a Pareto chart and table, and the six big losses in time."""
    context = _loss_context(request, runtime, fmt, scope, window, "kpi_losses")
    return renderer.render(request, "kpi_losses.html", fmt, context)


@pages.get("/kpi/costs")
def costs_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: Annotated[str, Query()] = "plant",
    window: Annotated[PageWindow, Query()] = "7d",
) -> HTMLResponse:
    """The cost of losses in rupiah per line, and what one OEE point is worth."""
    context = _loss_context(request, runtime, fmt, scope, window, "kpi_costs")
    return renderer.render(request, "kpi_costs.html", fmt, context)


def _shift_report(runtime: Runtime, scope: str, day: str | None, shift: str | None) -> ShiftReport:
    if day is None or shift is None:
        production_day, shift_id = kpireports.latest_shift(runtime)
    else:
        try:
            production_day, shift_id = date.fromisoformat(day), shift
        except ValueError as err:
            raise InvalidRequestError("'day' is not an ISO date", reason="bad_date") from err
    return kpireports.shift_report(runtime, scope, production_day, shift_id)


def _report_context(report: ShiftReport, fmt: Formatter, page: str) -> dict[str, Any]:
    return {
        "page": page,
        "r": report,
        "money": lambda idr: _money(fmt, idr),
        "pct": lambda v: "–" if v is None else fmt.percent_text(float(v)),
        "kpi_text": lambda v: _kpi_text(fmt, v),
        "kwh": lambda v: "–" if v is None else f"{fmt.number(round(float(v), 1))} kWh",
    }


def _kpi_text(fmt: Formatter, v: Any) -> str:
    if v.value is None:
        return f"– ({fmt.reason_text(v.missing)})"
    if v.unit == "ratio":
        return fmt.percent_text(float(v.value))
    return f"{fmt.number(round(float(v.value), 2))} {v.unit}"


ScopeP = Annotated[str, Query()]
DayP = Annotated[str | None, Query(description="Production day, ISO date")]
ShiftP = Annotated[str | None, Query(description="Shift id")]


@pages.get("/kpi/shift-report")
def shift_report_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeP = "plant",
    day: DayP = None,
    shift: ShiftP = None,
) -> HTMLResponse:
    """The printable shift report, to be signed by the supervisor."""
    report = _shift_report(runtime, scope, day, shift)
    context = _report_context(report, fmt, "kpi_report") | {"pdf": False}
    return renderer.render(request, "kpi_shift_report.html", fmt, context)


@pages.get("/kpi/shift-report.pdf", response_class=Response)
def shift_report_pdf(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeP = "plant",
    day: DayP = None,
    shift: ShiftP = None,
) -> Response:
    """The same shift report as a PDF (WeasyPrint renders the same template)."""
    report = _shift_report(runtime, scope, day, shift)
    html = render_report_html(renderer, request, fmt, report)
    name = f"shift-{report.shift_key.replace('/', '-')}.pdf"
    return Response(
        html_to_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def render_report_html(
    renderer: Renderer, request: Request, fmt: Formatter, report: ShiftReport
) -> str:
    """The shift report template as HTML text, for printing to PDF."""
    context = _report_context(report, fmt, "kpi_report") | {"pdf": True}
    response = renderer.render(request, "kpi_shift_report.html", fmt, context)
    return bytes(response.body).decode("utf-8")


def html_to_pdf(html: str) -> bytes:
    """A PDF of self-contained HTML (the report carries its own print styles)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


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
    r = kpireports.energy_report(runtime, scope, reference, period)

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

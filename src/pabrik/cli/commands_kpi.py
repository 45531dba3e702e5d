"""``pabrik kpi``: KPIs on the command line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import instant
from pabrik.model.windows import Window
from pabrik.present.formatting import Formatter
from pabrik.present.i18n import Catalogues
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.kpi import export as kpiexport
from pabrik.runtime.kpi.energy_report import energy_report
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.kpi.reports import kpi_report
from pabrik.runtime.kpi.views import KpiReport, OeeView, Ratio
from pabrik.runtime.settings import Settings

app = typer.Typer(help="Key performance indicators.", no_args_is_help=True)


def _ratio_json(r: Ratio) -> dict[str, object]:
    if r.value is None:
        return {"value": None, "reason": r.reason}
    return {"value": float(r.value), "exact": f"{r.value.numerator}/{r.value.denominator}"}


def oee_json(view: OeeView) -> dict[str, object]:
    """An OEE view as plain JSON data (the fields of ``/api/v1/oee``)."""
    top = view.top_loss
    return {
        "scope": view.scope,
        "window": view.window,
        "from": view.start.isoformat(),
        "to": view.end.isoformat(),
        "measured_end": view.measured_end.isoformat(),
        "future_ms": view.future_ms,
        "known_ms": view.known_ms,
        "provisional": view.provisional,
        "top_loss": None if top is None else {"code": top.code, "kind": top.kind, "ms": top.ms},
        "availability": _ratio_json(view.availability),
        "performance": _ratio_json(view.performance),
        "quality": _ratio_json(view.quality),
        "oee": _ratio_json(view.oee),
        "planned_ms": view.planned_ms,
        "run_ms": view.run_ms,
        "unknown_ms": view.unknown_ms,
        "good": view.good,
        "scrap": view.scrap,
        "flags": list(view.flags),
    }


def _pct(r: Ratio) -> str:
    return "–" if r.percent is None else f"{r.percent:.2f} %"


CONFIG_DEFAULT = Path("examples/demo-plant.yaml")
DATA_DEFAULT = Path("pabrik-data")
ScopeOpt = Annotated[
    str, typer.Option("--scope", "--machine", help="Machine, line or area id, or 'plant'.")
]
WindowOpt = Annotated[
    str | None,
    typer.Option(help="shift, day, 7d or 30d (production days); default day without --from."),
]
FromOpt = Annotated[
    str | None, typer.Option("--from", help="Custom window start, ISO 8601 with offset.")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Custom window end, ISO 8601 with offset.")]
NowOpt = Annotated[
    str | None, typer.Option(help="Compute as of this instant (ISO 8601 with offset); default now.")
]
KpiOpt = Annotated[
    list[str] | None, typer.Option("--kpi", help="KPI id (repeat); default: all supported.")
]


def _runtime(config: Path, data_dir: Path, now: str | None = None) -> Runtime:
    settings = Settings(config=config, data_dir=data_dir)
    if now is None:
        return build_runtime(settings)
    at = instant(now)
    return build_runtime(settings, clock=lambda: at)


def _formatter(runtime: Runtime, locale: str) -> Formatter:
    """Words and formats from the glossary in ``locale``, on the plant's clock."""
    return Formatter(Catalogues.load(locale).get(locale), runtime.plant.calendar.timezone)


def _window(runtime: Runtime, name: str | None, start: str | None, end: str | None) -> Window:
    """The window the options ask for, by the same rule as every other surface."""
    begin = None if start is None else instant(start)
    finish = None if end is None else instant(end)
    return runtime.window(name, begin, finish)


@app.command("oee")
def oee(
    scope: ScopeOpt,
    window: WindowOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    now: NowOpt = None,
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = CONFIG_DEFAULT,
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = DATA_DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """OEE, availability, performance and quality over a named or custom window."""

    def run() -> None:
        runtime = _runtime(config, data_dir, now)
        try:
            view = runtime.oee(scope, _window(runtime, window, start, end))
        finally:
            runtime.close()
        if as_json:
            typer.echo(json.dumps(oee_json(view), indent=2))
            return
        table = Table(title=f"OEE {view.scope}: {view.start.isoformat()} → {view.end.isoformat()}")
        for col in ("KPI", "value", "note"):
            table.add_column(col)
        for name, r in (
            ("availability", view.availability),
            ("performance", view.performance),
            ("quality", view.quality),
            ("OEE", view.oee),
        ):
            table.add_row(name, _pct(r), r.reason or "")
        table.add_row("planned (h)", f"{view.planned_ms / 3_600_000:.2f}", "")
        table.add_row(
            "known (h)",
            f"{view.known_ms / 3_600_000:.2f}",
            "provisional" if view.provisional else "",
        )
        table.add_row("run (h)", f"{view.run_ms / 3_600_000:.2f}", "")
        table.add_row("good / scrap", f"{view.good} / {view.scrap}", ", ".join(view.flags))
        Console().print(table)

    run_guarded(run)


@app.command("list")
def list_kpis(
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = CONFIG_DEFAULT,
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = DATA_DEFAULT,
    locale: Annotated[str, typer.Option(help="id, en or ko.")] = "id",
) -> None:
    """Every KPI pabrik knows, with its ISO number, unit, trend and the data it needs."""

    def run() -> None:
        runtime = _runtime(config, data_dir)
        try:
            catalogue = runtime.engine.catalogue
        finally:
            runtime.close()
        table = Table(title=f"KPI catalogue v{catalogue.version}")
        for col in ("id", "ISO", "name", "unit", "trend", "needs"):
            table.add_column(col)
        fmt = _formatter(runtime, locale)
        for d in catalogue.definitions.values():
            name = fmt.kpi_name(d.id)
            table.add_row(d.id, str(d.iso or ""), name, d.unit, d.trend, ", ".join(d.needs))
        Console().print(table)

    run_guarded(run)


@app.command("show")
def show(
    scope: ScopeOpt,
    window: WindowOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    now: NowOpt = None,
    kpi: KpiOpt = None,
    signal: Annotated[str | None, typer.Option(help="Signal for Cm/Cmk/Cp/Cpk.")] = None,
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = CONFIG_DEFAULT,
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = DATA_DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """ISO 22400 KPIs of a scope over a window, computed from summed elements."""

    def run() -> None:
        runtime = _runtime(config, data_dir, now)
        try:
            chosen = _window(runtime, window, start, end)
            report = kpi_report(runtime.engine, scope, chosen, kpi or None, signal)
        finally:
            runtime.close()
        if as_json:
            typer.echo(json.dumps(report_json(report), indent=2))
            return
        table = Table(
            title=f"KPI {report.scope}: {report.start.isoformat()} → {report.end.isoformat()}"
        )
        for col in ("KPI", "value", "unit", "note"):
            table.add_column(col)
        for v in report.values:
            value = "–" if v.number is None else f"{v.number:.4f}"
            table.add_row(v.id, value, v.unit, v.missing or " ".join(v.flags))
        Console().print(table)
        Console().print(f"flags: {', '.join(report.flags) or '–'}; rules: {report.rules}")

    run_guarded(run)


def report_json(report: KpiReport) -> dict[str, object]:
    """A KPI report as plain JSON data."""
    return {
        "scope": report.scope,
        "window": report.window,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "measured_end": report.measured_end.isoformat(),
        "future_ms": report.future_ms,
        "known_ms": report.known_ms,
        "provisional": report.provisional,
        "machines": list(report.machines),
        "kpis": [
            {
                "id": v.id,
                "value": v.number,
                "exact": v.exact,
                "unit": v.unit,
                "missing": v.missing,
                "flags": list(v.flags),
            }
            for v in report.values
        ],
        "elements": report.elements,
        "rules": report.rules,
        "flags": list(report.flags),
    }


@app.command("export")
def export(
    scope: ScopeOpt,
    out: Annotated[Path, typer.Option("--out", help="File to write: .csv or .xlsx.")],
    window: WindowOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    now: NowOpt = None,
    kpi: KpiOpt = None,
    locale: Annotated[str, typer.Option(help="Words in id, en or ko.")] = "id",
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = CONFIG_DEFAULT,
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = DATA_DEFAULT,
) -> None:
    """Write KPIs (and, for XLSX, the loss Pareto and the cost of losses) to a file."""
    if out.suffix not in {".csv", ".xlsx"}:
        raise typer.BadParameter("--out must end in .csv or .xlsx")

    def run() -> None:
        runtime = _runtime(config, data_dir, now)
        try:
            chosen = _window(runtime, window, start, end)
            report = kpi_report(runtime.engine, scope, chosen, kpi or None)
            words = _formatter(runtime, locale)
            if out.suffix == ".csv":
                out.write_text(kpiexport.to_csv(report, words), encoding="utf-8")
            else:
                losses = loss_report(runtime.engine, scope, chosen)
                out.write_bytes(kpiexport.to_xlsx(report, losses, words))
        finally:
            runtime.close()
        Console().print(f"[green]wrote[/green] {out}")

    run_guarded(run)


@app.command("rollup")
def rollup(
    days: Annotated[float, typer.Option(help="Roll up this many past days.", min=0)] = 30,
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = CONFIG_DEFAULT,
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = DATA_DEFAULT,
) -> None:
    """Recompute dirty hourly rollups and fill missing ones for the past days."""

    def run() -> None:
        runtime = _runtime(config, data_dir)
        try:
            engine = runtime.engine
            refreshed = engine.refresh()
            now = runtime.now()
            built = engine.build(now - timedelta(days=days), now)
        finally:
            runtime.close()
        Console().print(f"rollups: {refreshed} dirty hour(s) recomputed, {built} hour(s) built")

    run_guarded(run)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from err


@app.command("energy")
def energy(
    scope: ScopeOpt,
    ref_from: Annotated[str, typer.Option(help="First day of the reference period.")],
    ref_to: Annotated[str, typer.Option(help="Day after the reference period.")],
    start: Annotated[str, typer.Option("--from", help="First day to report.")],
    end: Annotated[str, typer.Option("--to", help="Day after the last day to report.")],
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = CONFIG_DEFAULT,
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = DATA_DEFAULT,
) -> None:
    """ISO 50001-style baseline: fit kWh = a + b x units per day, then expected vs actual."""
    reference, period = (_date(ref_from), _date(ref_to)), (_date(start), _date(end))

    def run() -> None:
        runtime = _runtime(config, data_dir)
        try:
            r = energy_report(runtime.engine, scope, reference, period)
        finally:
            runtime.close()
        r2 = "–" if r.r_squared is None else f"{r.r_squared:.3f}"
        console = Console()
        console.print(
            f"baseline {scope}: kWh = {float(r.intercept_kwh):.1f}"
            f" + {float(r.slope_kwh_per_unit):.5f} x units per day (R² {r2},"
            f" {len(r.reference)} reference days)"
        )
        table = Table(title=f"energy {period[0]} → {period[1]}")
        for col in ("day", "units", "actual kWh", "expected kWh"):
            table.add_column(col)
        for d in r.report:
            expected = "–" if d.expected_kwh is None else f"{float(d.expected_kwh):.1f}"
            table.add_row(str(d.day), str(d.production), f"{float(d.actual_kwh):.1f}", expected)
        console.print(table)
        index = "–" if r.enpi is None else f"{float(r.enpi):.4f}"
        console.print(
            f"actual {float(r.actual_kwh):.1f} kWh, expected {float(r.expected_kwh):.1f} kWh,"
            f" savings {float(r.savings_kwh):.1f} kWh, EnPI {index}"
        )

    run_guarded(run)

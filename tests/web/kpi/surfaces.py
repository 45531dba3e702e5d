"""Ask every surface for its figures: pages, the CSV export, the JSON API and the CLI.

Nothing here calls pabrik's KPI code, so two surfaces that compute a figure differently
cannot agree by construction. The command line runs in-process (typer's CliRunner) over the
same data folder, told the test's "now" with ``--now``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import typer
import typer.main
import typer.testing
from typer.testing import CliRunner, Result

from pabrik.cli.app import app as cli_app
from tests.paths import DEMO
from tests.web.kpi.demo import LINES, LINES_OF, MACHINES, MACHINES_OF, SCOPES, Clock
from tests.web.kpi.figures import (
    COUNTS,
    CUSTOM,
    LOSS,
    MEASURED_UNTIL,
    PERCENTS,
    WINDOW_START,
    WINDOWS,
    Cell,
    FigureParser,
    Observations,
    Shown,
    exact_count,
    exact_ratio,
    flat,
    instant,
    parse_page,
)

# The ISO 22400 KPI ids of /api/v1/kpi and the CSV export, by the figure they are.
KPI_IDS = {"oee": "oee", "availability": "availability", "effectiveness": "performance"}
KPI_IDS["quality_ratio"] = "quality"
KPI_QUERY = ",".join(KPI_IDS)
NOT_YET = "not_yet"
"""The reason a value is missing when its window has not begun."""


# -- pages --------------------------------------------------------------------------------


def _failure(surface: str, r: httpx.Response) -> str:
    body = " ".join(r.text.split())
    if "json" in r.headers.get("content-type", ""):
        return f"{surface}: HTTP {r.status_code} {body[:300]}"
    parser = _TextOf("title")
    parser.feed(r.text)
    return f"{surface}: HTTP {r.status_code} {parser.text or body[:160]}"


class _TextOf(HTMLParser):
    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag, self.inside, self.text = tag, False, ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = self.inside or tag == self.tag

    def handle_endtag(self, tag: str) -> None:
        self.inside = self.inside and tag != self.tag

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data.strip()


SUMMARY = (*PERCENTS, *COUNTS, *LOSS)
"""What a page's summary of its scope and window shows."""


def needs_of(surface: str, scope: str, window: str) -> dict[Cell, tuple[str, ...]]:
    """What a page asked for one scope and window must show."""
    needs = {(window, scope): SUMMARY}
    if surface == "costs page":
        lines = [] if scope in MACHINES else [scope] if scope in MACHINES_OF else LINES_OF[scope]
        needs |= {(window, line): ("oee",) for line in lines if line != scope}
    if surface == "shift report":
        needs = {(window, scope): (*PERCENTS, *(COUNTS if scope in MACHINES else ()), *LOSS)}
    return needs


def overview_needs() -> dict[Cell, tuple[str, ...]]:
    """What the overview shows: each machine, line and the plant, this shift and today."""
    needs: dict[Cell, tuple[str, ...]] = {}
    for m in MACHINES:
        needs["shift", m] = PERCENTS
        needs["day", m] = SUMMARY
    for line in LINES:
        needs["shift", line] = needs["day", line] = ("oee",)
    needs["shift", "plant"] = needs["day", "plant"] = PERCENTS
    return needs


# -- JSON, CSV and the command line -------------------------------------------------------


def take_oee_json(obs: Observations, cell: Cell, surface: str, doc: Mapping[str, Any]) -> None:
    """Figures of an OEE document: /api/v1/oee, ``pabrik kpi oee --json``."""
    for figure in PERCENTS:
        r = doc.get(figure) or {}
        obs.add(cell, figure, surface, exact_ratio(r.get("exact"), r.get("value"), r.get("reason")))
    for figure in COUNTS:
        obs.add(cell, figure, surface, exact_count(doc.get(figure)))
    if "top_loss" in doc:
        top = doc["top_loss"]
        minutes = Shown("– [no top loss]", None)
        if top is not None:
            ms = int(top["ms"])
            minutes = Shown(f"{ms / 60000:.3f} min ({top['code']})", Fraction(ms, 60000))
        obs.add(cell, "top-loss-minutes", surface, minutes)
    obs.add(cell, WINDOW_START, surface, instant(doc.get("start", doc.get("from"))))


def take_kpi_json(obs: Observations, cell: Cell, surface: str, doc: Mapping[str, Any]) -> None:
    """Figures of a KPI report: /api/v1/kpi."""
    values = {v["id"]: v for v in doc.get("kpis", [])}
    for kpi_id, figure in KPI_IDS.items():
        v = values.get(kpi_id)
        if v is None:
            obs.problem(cell, f"{surface} has no KPI {kpi_id!r}")
            continue
        obs.add(cell, figure, surface, exact_ratio(v.get("exact"), v.get("value"), v["missing"]))
    elements = doc.get("elements", {})
    obs.add(cell, "good", surface, exact_count(elements.get("gq")))
    obs.add(cell, "scrap", surface, exact_count(elements.get("sq")))
    obs.add(cell, WINDOW_START, surface, instant(doc.get("start")))


@dataclass(frozen=True, slots=True)
class KpiCsv:
    """The KPI CSV export: one row per KPI, then key/value rows (window, rules, elements)."""

    kpis: dict[str, dict[str, str]]
    meta: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> KpiCsv:
        """Read the two parts of the file."""
        rows = list(csv.reader(io.StringIO(text)))
        header, kpis, meta = rows[0], {}, {}
        body = iter(rows[1:])
        for row in body:
            if not row:
                break
            kpis[row[0]] = dict(zip(header, row, strict=False))
        for row in body:
            if len(row) >= 2:
                meta[row[0]] = row[1]
        return cls(kpis, meta)

    def ratio(self, kpi_id: str) -> Shown | None:
        """A KPI as a figure, or None when the file has no row for it."""
        row = self.kpis.get(kpi_id)
        if row is None:
            return None
        value = float(row["value"]) if row.get("value") else None
        return exact_ratio(row.get("exact") or None, value, row.get("missing") or None)


def take_csv(obs: Observations, cell: Cell, surface: str, sheet: KpiCsv) -> None:
    """Figures of the KPI CSV export."""
    for kpi_id, figure in KPI_IDS.items():
        shown = sheet.ratio(kpi_id)
        if shown is None:
            obs.problem(cell, f"{surface} has no row for KPI {kpi_id!r}")
        else:
            obs.add(cell, figure, surface, shown)
    obs.add(cell, "good", surface, exact_count(sheet.meta.get("element.gq")))
    obs.add(cell, "scrap", surface, exact_count(sheet.meta.get("element.sq")))
    obs.add(cell, WINDOW_START, surface, instant(sheet.meta.get("from")))


class _Runner(CliRunner):
    """typer's CliRunner, building the command tree once rather than on every call."""

    def __init__(self) -> None:
        super().__init__()
        self.command = typer.main.get_command(cli_app)

    def invoke(self, app: typer.Typer, args: Any = None, **extra: Any) -> Result:
        """Invoke the app; typer.testing looks the command up through ``_get_command``."""
        build = getattr(typer.testing, "_get_command", None)
        typer.testing._get_command = lambda _: self.command
        try:
            return super().invoke(app, args, **extra)
        finally:
            typer.testing._get_command = build


cli = _Runner()


def run_cli(args: list[str]) -> tuple[dict[str, Any] | None, str]:
    """Run ``pabrik`` in-process; the JSON it printed, or None and what went wrong."""
    result = cli.invoke(cli_app, args)
    if result.exit_code != 0:
        lines = [ln for ln in result.output.splitlines() if ln.strip(" │╭╰─")]
        return None, f"exit {result.exit_code}: {' / '.join(lines[-3:])[:300]}"
    try:
        return json.loads(result.stdout), ""
    except ValueError:
        return None, f"printed no JSON: {result.stdout[:200]!r}"


def cli_oee_args(data_dir: Path, scope: str, now: datetime, *window: str) -> list[str]:
    """``pabrik kpi oee`` over the test's data, at the test's clock.

    ``window`` is a window name, or the ``from`` and ``to`` of a custom window.
    """
    span = ("--window", *window) if len(window) == 1 else ("--from", window[0], "--to", window[1])
    return [
        *("kpi", "oee", "--scope", scope, *span, "--now", now.isoformat()),
        *("--config", str(DEMO), "--data-dir", str(data_dir), "--json"),
    ]


# -- one clock, every surface -------------------------------------------------------------


async def observe(client: httpx.AsyncClient, clock: Clock, data_dir: Path) -> Observations:
    """Ask every surface for every scope and named window, and record what it shows."""
    obs = Observations(clock)
    for cell in ((w, s) for w in WINDOWS for s in SCOPES):
        start, _ = clock.bounds(cell[0])
        obs.add(cell, WINDOW_START, "expected (demo YAML)", instant(start.isoformat()))
    r = await client.get("/")
    if r.status_code == 200:
        obs.take_page("overview", None, parse_page(r.text), overview_needs())
    else:
        for cell in overview_needs():
            obs.problem(cell, _failure("overview", r))
    for window in WINDOWS:
        for scope in SCOPES:
            await _observe_cell(client, obs, data_dir, window, scope)
    return obs


def _pages(clock: Clock, scope: str, window: str) -> list[tuple[str, str]]:
    query = urlencode({"scope": scope, "window": window})
    pages = [("losses page", f"/kpi/losses?{query}"), ("costs page", f"/kpi/costs?{query}")]
    if scope in MACHINES:
        pages.append(("machine page", f"/machines/{scope}?window={window}"))
    if window == "shift":
        day = clock.production_day.isoformat()
        query = urlencode({"scope": scope, "day": day, "shift": clock.shift})
        pages.append(("shift report", f"/kpi/shift-report?{query}"))
    return pages


async def _observe_cell(
    client: httpx.AsyncClient, obs: Observations, data_dir: Path, window: str, scope: str
) -> None:
    cell = (window, scope)
    for surface, url in _pages(obs.clock, scope, window):
        r = await client.get(url)
        if r.status_code != 200:
            obs.problem(cell, _failure(surface, r))
            continue
        page = parse_page(r.text)
        obs.take_page(surface, scope, page, needs_of(surface, scope, window))
        if surface == "losses page":
            await _follow_csv(client, obs, cell, page)

    query = urlencode({"scope": scope, "window": window})
    r = await client.get(f"/api/v1/oee?{query}")
    if r.status_code == 200:
        take_oee_json(obs, cell, "api oee", r.json())
        obs.bounds[cell] = r.json()
    else:
        obs.problem(cell, _failure("api oee", r))
    r = await client.get(f"/api/v1/kpi?{query}&kpi={KPI_QUERY}")
    if r.status_code == 200:
        take_kpi_json(obs, cell, "api kpi", r.json())
    else:
        obs.problem(cell, _failure("api kpi", r))
    doc, why = run_cli(cli_oee_args(data_dir, scope, obs.clock.now, window))
    if doc is None:
        obs.problem(cell, f"cli kpi oee: {why}")
    else:
        take_oee_json(obs, cell, "cli kpi oee", doc)


async def _follow_csv(
    client: httpx.AsyncClient, obs: Observations, cell: Cell, page: FigureParser
) -> None:
    links = [h for h in page.links if "/api/v1/kpi/export.csv" in h]
    if not links:
        obs.problem(cell, "losses page has no link to /api/v1/kpi/export.csv")
        return
    r = await client.get(links[0])
    if r.status_code != 200:
        obs.problem(cell, _failure("losses csv", r))
        return
    take_csv(obs, cell, "losses csv", KpiCsv.parse(r.text))


# -- custom windows -----------------------------------------------------------------------

CUSTOM_SURFACES = ("api oee", "api kpi", "kpi csv", "losses page", "costs page", "cli kpi oee")
"""The surfaces that take a custom window (from/to)."""


@dataclass(frozen=True, slots=True)
class Custom:
    """What one surface shows for a custom window."""

    figures: dict[str, Shown]
    left_out: bool
    """Whether the surface says the part of the window after now was left out."""
    said: str
    """What the surface says about it, for the failure message."""
    error: str | None = None


async def ask_custom(
    client: httpx.AsyncClient,
    surface: str,
    scope: str,
    span: tuple[datetime, datetime],
    site: tuple[Clock, Path],
) -> Custom:
    """Ask one surface for a scope over [from, to)."""
    clock, data_dir = site
    start, end = (t.isoformat() for t in span)
    query = urlencode({"scope": scope, "from": start, "to": end})
    scratch, cell = Observations(clock), (CUSTOM, scope)
    if surface == "cli kpi oee":
        doc, why = run_cli(cli_oee_args(data_dir, scope, clock.now, start, end))
        if doc is None:
            return Custom({}, False, "", f"{surface}: {why}")
        take_oee_json(scratch, cell, surface, doc)
        left_out, said = _cut_at(clock.now, doc)
    else:
        url = {
            "api oee": f"/api/v1/oee?{query}",
            "api kpi": f"/api/v1/kpi?{query}&kpi={KPI_QUERY}",
            "kpi csv": f"/api/v1/kpi/export.csv?{query}&kpi={KPI_QUERY}",
            "losses page": f"/kpi/losses?{query}",
            "costs page": f"/kpi/costs?{query}",
        }[surface]
        r = await client.get(url)
        if r.status_code != 200:
            return Custom({}, False, "", _failure(surface, r))
        if surface == "kpi csv":
            sheet = KpiCsv.parse(r.text)
            take_csv(scratch, cell, surface, sheet)
            flags = sheet.meta.get("flags", "")
            left_out, said = "future_left_out" in flags.split(), f"flags {flags!r}"
        elif surface.endswith("page"):
            page = parse_page(r.text)
            scratch.take_page(surface, scope, page, {cell: SUMMARY})
            marks = [flat(m.text) for m in page.marked if m.figure == MEASURED_UNTIL]
            left_out, said = bool(marks), f"data-figure={MEASURED_UNTIL}: {marks}"
        else:
            doc = r.json()
            (take_oee_json if surface == "api oee" else take_kpi_json)(scratch, cell, surface, doc)
            left_out, said = _cut_at(clock.now, doc)
    problems = scratch.problems.get(cell)
    figures = {f: next(iter(row.values())) for f, row in scratch.figures.get(cell, {}).items()}
    figures.pop(WINDOW_START, None)
    return Custom(figures, left_out, said, "; ".join(problems) if problems else None)


def _cut_at(now: datetime, doc: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether a JSON document says it was measured only up to ``now``."""
    end, future = doc.get("measured_end"), doc.get("future_ms")
    said = f"measured_end {end!r}, future_ms {future!r}"
    return bool(end) and datetime.fromisoformat(str(end)) == now and bool(future), said

"""``pabrik assess``: readiness assessments on the command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pabrik.cli.errors import run_guarded
from pabrik.model.errors import InvalidRequestError
from pabrik.present.assess.report import render, report_context
from pabrik.present.assess.schemas import ResultPublic, RoadmapPublic
from pabrik.present.formatting import Formatter
from pabrik.present.i18n import Catalogues
from pabrik.present.pdf import html_to_pdf
from pabrik.present.templating import build_environment
from pabrik.runtime.app import build_runtime
from pabrik.runtime.assess.formats import export_answers, format_of, import_answers, scores_csv
from pabrik.runtime.assess.reports import report_data
from pabrik.runtime.assess.service import Assessments, build_assessments
from pabrik.runtime.settings import Settings

app = typer.Typer(help="Readiness assessments (INDI 4.0, Korean levels).", no_args_is_help=True)

ConfigOpt = Annotated[Path, typer.Option(help="Site YAML file.")]
DataOpt = Annotated[Path, typer.Option(help="Folder for the database and attachments.")]
DEFAULT_CONFIG = Path("examples/demo-plant.yaml")
DEFAULT_DATA = Path("pabrik-data")


@contextmanager
def _service(config: Path, data_dir: Path) -> Iterator[Assessments]:
    runtime = build_runtime(Settings(config=config, data_dir=data_dir))
    try:
        yield build_assessments(runtime)
    finally:
        runtime.close()


def _guarded(action: Callable[[], None]) -> None:
    run_guarded(action)


@app.command("new")
def new(
    model: Annotated[str, typer.Option(help="Model id: indi40 or korea-sf.")] = "indi40",
    title: Annotated[str, typer.Option(help="A name for the assessment.")] = "",
    config: ConfigOpt = DEFAULT_CONFIG,
    data_dir: DataOpt = DEFAULT_DATA,
) -> None:
    """Start an assessment and print its id."""

    def run() -> None:
        with _service(config, data_dir) as svc:
            row = svc.create(model, title=title, actor="cli")
            typer.echo(row.id)

    _guarded(run)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Answers as .json, .yaml or .csv.")],
    assessment: Annotated[str | None, typer.Option("--id", help="Assessment to fill.")] = None,
    model: Annotated[str, typer.Option(help="Model of a new assessment (CSV files).")] = "indi40",
    submit: Annotated[bool, typer.Option(help="Score after importing.")] = False,
    config: ConfigOpt = DEFAULT_CONFIG,
    data_dir: DataOpt = DEFAULT_DATA,
) -> None:
    """Import answers into an assessment (a new one when --id is not given)."""

    def run() -> None:
        fmt = format_of(file.name)
        model_id, version, answers = import_answers(file.read_text(encoding="utf-8"), fmt)
        with _service(config, data_dir) as svc:
            if assessment is None:
                row = svc.create(model_id or model, version=version, actor="cli")
            else:
                row = svc.get(assessment)
                if model_id is not None and (model_id, version) != (
                    row.model_id,
                    row.model_version,
                ):
                    raise InvalidRequestError(
                        f"{file.name} holds answers for {model_id}@{version}, not "
                        f"{row.model_id}@{row.model_version}",
                        reason="bad_format",
                    )
            svc.save_answers(row.id, answers, actor="cli")
            progress = svc.progress(row.id)
            typer.echo(f"{row.id}: {progress.answered}/{progress.required} required answered")
            if submit:
                result = svc.submit(row.id, actor="cli")
                typer.echo(f"score {float(result.overall):.2f}, level {result.level}")

    _guarded(run)


@app.command("export")
def export(
    assessment: Annotated[str, typer.Argument(help="Assessment id.")],
    fmt: Annotated[str, typer.Option("--format", help="json, yaml or csv.")] = "json",
    scores: Annotated[bool, typer.Option(help="Export the scores as CSV instead.")] = False,
    lang: Annotated[str, typer.Option(help="Language of names in the scores CSV.")] = "id",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
    data_dir: DataOpt = DEFAULT_DATA,
) -> None:
    """Export the answers (JSON, YAML, CSV) or the scores (CSV)."""

    def run() -> None:
        with _service(config, data_dir) as svc:
            row = svc.get(assessment)
            model = svc.model_of(row)
            if scores:
                text = scores_csv(model, svc.require_result(row.id), lang)
            else:
                text = export_answers(model, svc.answers(row.id), fmt)
        _write(text.encode("utf-8"), output)

    _guarded(run)


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        Console(stderr=True).print(f"wrote {output}")


@app.command("score")
def score_(
    assessment: Annotated[str, typer.Argument(help="Assessment id.")],
    version: Annotated[int | None, typer.Option(help="Re-score under this model version.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOpt = DEFAULT_CONFIG,
    data_dir: DataOpt = DEFAULT_DATA,
) -> None:
    """Score an assessment (submitting it) and print the result."""

    def run() -> None:
        with _service(config, data_dir) as svc:
            row = svc.get(assessment)
            if version is not None:
                result = svc.rescore(row.id, version, actor="cli")
            elif row.status in ("draft", "self_assessed"):
                result = svc.submit(row.id, actor="cli")
            else:
                result = svc.require_result(row.id)
        public = ResultPublic.of(result)
        if as_json:
            typer.echo(public.model_dump_json(indent=2))
            return
        table = Table(title=f"{result.model_key}: {public.overall:.2f} (level {result.level})")
        for col in ("kind", "id", "score", "level"):
            table.add_column(col)
        for p in public.pillars:
            table.add_row("pillar", p.id, f"{p.score:.2f}", str(p.level))
        for f in public.fields:
            table.add_row("field", f.id, f"{f.score:.2f}", str(f.level))
        Console().print(table)

    _guarded(run)


@app.command("report")
def report(
    assessment: Annotated[str, typer.Argument(help="Assessment id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (.pdf or .html).")],
    kind: Annotated[str, typer.Option(help="summary or full.")] = "summary",
    lang: Annotated[str, typer.Option(help="id, en or ko.")] = "id",
    budget: Annotated[int | None, typer.Option(help="Budget cap in rupiah.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
    data_dir: DataOpt = DEFAULT_DATA,
) -> None:
    """Write the executive summary or the full report as PDF or HTML."""
    if kind not in ("summary", "full"):
        raise typer.BadParameter("kind must be summary or full")

    def run() -> None:
        with _service(config, data_dir) as svc:
            data = report_data(svc, assessment, budget=budget)
            timezone = "Asia/Jakarta"
            fmt = Formatter(Catalogues.load(lang).get(lang), timezone)
            html = render(
                build_environment(), "assess/report.html", report_context(data, fmt, kind)
            )
        body = html_to_pdf(html) if output.suffix.lower() == ".pdf" else html.encode("utf-8")
        _write(body, output)

    _guarded(run)


@app.command("roadmap")
def roadmap(
    assessment: Annotated[str, typer.Argument(help="Assessment id.")],
    budget: Annotated[int | None, typer.Option(help="Budget cap in rupiah.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOpt = DEFAULT_CONFIG,
    data_dir: DataOpt = DEFAULT_DATA,
) -> None:
    """The phased roadmap and training plan for an assessment's gaps."""

    def run() -> None:
        with _service(config, data_dir) as svc:
            plan = svc.roadmap(assessment, budget=budget)
            public = RoadmapPublic.of(plan, svc.training(plan))
        if as_json:
            typer.echo(public.model_dump_json(indent=2))
            return
        table = Table(title=f"roadmap from {public.start} ({public.size})")
        for col in ("phase", "months", "practice", "field", "owner", "kpi", "due"):
            table.add_column(col)
        for s in public.steps:
            table.add_row(
                s.phase,
                f"{s.start_month}–{s.end_month}",
                s.practice,
                s.field,
                s.owner,
                s.kpi,
                s.due.isoformat(),
            )
        Console().print(table)
        for d in public.deferred:
            Console().print(f"deferred: {d['practice']} ({d['reason']})")
        typer.echo(json.dumps({"cost_idr": public.cost_idr}))

    _guarded(run)

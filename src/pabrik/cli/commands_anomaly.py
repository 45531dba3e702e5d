"""``pabrik anomaly``: run a streaming detector over a NAB-style corpus and score it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pabrik.anomaly.corpus import Series, Windows, parse_windows, series
from pabrik.anomaly.detector import Pausable
from pabrik.anomaly.evaluate import Evaluation, evaluate, score_corpus
from pabrik.anomaly.registry import DEFAULT, DETECTORS, factory

app = typer.Typer(help="Anomaly detection: NAB-style evaluation and scoring.", no_args_is_help=True)

DataOpt = Annotated[Path, typer.Option("--data", help="Corpus folder (NAB layout).")]
DetectorOpt = Annotated[
    str, typer.Option("--detector", help=f"Detector: {', '.join(sorted(DETECTORS))}.")
]


def _maker(name: str) -> type[Pausable]:
    try:
        return factory(name)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--detector") from err


def _load(data: Path, windows: dict[str, Windows]) -> list[Series]:
    """Every file the windows name (a file without windows is labelled normal throughout)."""
    if not data.is_dir():
        raise typer.BadParameter(f"{data} is not a folder", param_hint="--data")
    missing = [name for name in windows if not (data / name).is_file()]
    if missing:
        raise typer.BadParameter(f"not in {data}: {', '.join(missing[:5])}", param_hint="--data")
    corpus = []
    for name, spans in windows.items():
        try:
            corpus.append(series(name, (data / name).read_text(encoding="utf-8"), spans))
        except (ValueError, UnicodeDecodeError) as err:
            raise typer.BadParameter(f"{name}: {err}", param_hint="--data") from err
    return corpus


def _windows(data: Path, file: Path | None) -> dict[str, Windows]:
    """The windows file's contents, or every CSV under ``data`` with no window."""
    if file is not None:
        if not file.is_file():
            raise typer.BadParameter(f"{file} does not exist", param_hint="--windows")
        try:
            return dict(sorted(parse_windows(file.read_text(encoding="utf-8")).items()))
        except (ValueError, TypeError) as err:
            raise typer.BadParameter(f"{file}: {err}", param_hint="--windows") from err
    names = sorted(p.relative_to(data).as_posix() for p in data.rglob("*.csv"))
    return {name: [] for name in names}


def _score_all(corpus: list[Series], detector: str) -> tuple[np.ndarray, ...]:
    make = _maker(detector)
    with Progress(
        TextColumn(f"[bold]Menilai / scoring ({escape(detector)})"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("score", total=sum(len(s.values) for s in corpus))
        return score_corpus(corpus, make, lambda s: bar.advance(task, len(s.values)))


def _stamp(value: np.datetime64) -> str:
    return str(value).replace("T", " ")


def evaluation_json(result: Evaluation, detector: str) -> dict[str, object]:
    """The evaluation as plain JSON data: scores, thresholds and each file's detections."""
    profiles = []
    for profile in result.profiles:
        files = []
        for item, found in zip(result.series, profile.files, strict=True):
            files.append(
                {
                    "file": item.name,
                    "windows": item.labels.windows,
                    "true_positives": found.true_positives,
                    "false_positives": found.false_positives,
                    "false_negatives": found.false_negatives,
                    "raw": found.raw,
                    "detections": [_stamp(item.timestamps[i]) for i in found.detected],
                }
            )
        sweep = profile.sweep
        profiles.append(
            {
                "profile": sweep.profile.name,
                "score": sweep.score,
                "threshold": None if np.isinf(sweep.threshold) else sweep.threshold,
                "raw": sweep.raw,
                "files": files,
            }
        )
    return {"detector": detector, "files": len(result.series), "profiles": profiles}


def _print(result: Evaluation, detector: str) -> None:
    console = Console()
    table = Table(title=f"NAB: {detector}, {len(result.series)} file(s)")
    for column in ("profile", "score", "threshold", "TP", "FP", "FN"):
        table.add_column(column, justify="left" if column == "profile" else "right")
    for profile in result.profiles:
        sweep = profile.sweep
        table.add_row(
            sweep.profile.name,
            f"{sweep.score:.1f}",
            f"{sweep.threshold:.6f}",
            *(str(sum(getattr(f, k) for f in profile.files)) for k in _COUNTS),
        )
    console.print(table)
    standard = result.profiles[0]
    files = Table(title=f"Per file, at the {standard.sweep.profile.name} threshold")
    for column in ("file", "windows", "TP", "FP", "FN", "first detections"):
        files.add_column(column)
    for item, found in zip(result.series, standard.files, strict=True):
        shown = ", ".join(_stamp(item.timestamps[i]) for i in found.detected[:3])
        more = f" (+{len(found.detected) - 3})" if len(found.detected) > 3 else ""
        files.add_row(
            item.name, str(item.labels.windows), *(str(getattr(found, k)) for k in _COUNTS),
            shown + more,
        )  # fmt: skip
    console.print(files)


_COUNTS = ("true_positives", "false_positives", "false_negatives")


@app.command("evaluate")
def evaluate_command(
    data: DataOpt,
    windows: Annotated[Path, typer.Option("--windows", help="combined_windows.json.")],
    detector: DetectorOpt = DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score a detector on a corpus: each profile's normalised score, threshold, detections."""
    corpus = _load(data, _windows(data, windows))
    result = evaluate(corpus, _score_all(corpus, detector))
    if as_json:
        typer.echo(json.dumps(evaluation_json(result, detector), indent=2))
    else:
        _print(result, detector)


@app.command("score")
def score_command(
    data: DataOpt,
    out: Annotated[Path, typer.Option("--out", help="Folder for the result CSVs.")],
    windows: Annotated[
        Path | None, typer.Option("--windows", help="Windows file for the label column.")
    ] = None,
    detector: DetectorOpt = DEFAULT,
) -> None:
    """Write each file's scores as NAB results: timestamp,value,anomaly_score,label."""
    corpus = _load(data, _windows(data, windows))
    scores = _score_all(corpus, detector)
    for item, values in zip(corpus, scores, strict=True):
        folder, _, base = item.name.rpartition("/")
        target = out / folder / f"{detector}_{base}"
        target.parent.mkdir(parents=True, exist_ok=True)
        labels = (item.labels.window >= 0).astype(int)
        rows = (
            f"{_stamp(t)},{v!r},{s!r},{lab}"
            for t, v, s, lab in zip(
                item.timestamps, item.values.tolist(), values.tolist(), labels.tolist(),
                strict=True,
            )
        )  # fmt: skip
        target.write_text(
            "timestamp,value,anomaly_score,label\n" + "\n".join(rows) + "\n", encoding="utf-8"
        )
    Console(stderr=True).print(f"[green]{len(corpus)} file(s)[/green] written to {out}")

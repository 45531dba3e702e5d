"""CSV import of history: column sets, reasons, idempotence and resuming after a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.ingest.csvimport import CsvOptions, import_csv
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=1)


def ingestor(store: SqliteStore, plant: Plant) -> Ingestor:
    return Ingestor(store, plant, clock=lambda: NOW)


def samples_csv(path: Path, rows: int, bad_every: int = 0) -> Path:
    lines = ["ts,machine,signal,value"]
    for i in range(rows):
        ts = (T0 + timedelta(seconds=i)).isoformat()
        value = "panas" if bad_every and i % bad_every == 0 else f"{20 + i % 10}.5"
        lines.append(f"{ts},press-1,temperature,{value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_each_kind_imports_its_documented_columns(
    tmp_path: Path, store: SqliteStore, test_plant: Plant
) -> None:
    states = tmp_path / "states.csv"
    states.write_text(
        "machine,ts,state,reason\n"
        f"press-1,{T0.isoformat()},running,\n"
        f"press-1,{(T0 + timedelta(hours=1)).isoformat()},unplanned_stop,\n",
        encoding="utf-8",
    )
    counts = tmp_path / "counts.csv"
    counts.write_text(
        f"ts;machine;good;scrap\n{int(T0.timestamp() * 1000)};press-1;120;3\n",
        encoding="utf-8",
    )
    samples = tmp_path / "samples.csv"
    samples.write_text(
        "ts;machine;signal;value;quality\n2025-03-09 08:00:00;press-2;speed;1450,5;uncertain\n",
        encoding="utf-8",
    )
    ing = ingestor(store, test_plant)
    assert import_csv(ing, states, CsvOptions(kind="states")).accepted == 2
    assert import_csv(ing, counts, CsvOptions(kind="counts", delimiter=";")).accepted == 1
    report = import_csv(
        ing,
        samples,
        CsvOptions(kind="samples", delimiter=";", decimal=",", timezone="Asia/Jakarta"),
    )
    assert (report.accepted, report.rejected) == (1, 0)
    window = (T0 - timedelta(days=1), NOW)
    assert [s.state for s in store.states("press-1", *window)] == [
        StateClass.RUNNING,
        StateClass.UNPLANNED_STOP,
    ]
    (count,) = store.counts("press-1", *window)
    assert (count.good, count.scrap) == (120, 3)
    (speed,) = store.samples("press-2", "speed", *window)
    assert speed.value == 1450.5
    assert speed.ts == datetime(2025, 3, 9, 1, 0, tzinfo=UTC)  # 08:00 WIB


def test_bad_rows_are_reported_with_reasons_and_kept_as_dead_letters(
    tmp_path: Path, store: SqliteStore, test_plant: Plant
) -> None:
    path = tmp_path / "bad.csv"
    ts = T0.isoformat()
    path.write_text(
        "ts,machine,signal,value\n"
        f"{ts},press-1,temperature,41.5\n"
        f"{ts},press-1,temperature,hot\n"
        f"{ts},ghost,temperature,1\n"
        f"{ts},press-1,ghost,1\n"
        f"2025-03-09 08:00:00,press-1,pressure,1\n"
        f"{(NOW + timedelta(days=1)).isoformat()},press-1,pressure,1\n"
        f"{ts},press-1,vibration,nan\n"
        f"{ts},,vibration,1\n",
        encoding="utf-8",
    )
    report = import_csv(ingestor(store, test_plant), path, CsvOptions(kind="samples"))
    assert (report.rows, report.accepted, report.rejected) == (8, 1, 7)
    assert report.reasons == {
        "wrong_type": 1,
        "unknown_machine": 1,
        "unknown_signal": 1,
        "naive_timestamp": 1,
        "clock_skew": 1,
        "not_finite": 1,
        "missing_field": 1,
    }
    letters = store.dead_letters(10, 0)
    hot = next(d for d in letters if d.reason_code == "wrong_type")
    assert hot.payload == f"{ts},press-1,temperature,hot"
    assert hot.context is not None
    assert hot.context["row"] == "2"
    assert hot.detail.startswith("row 2:")


def test_a_missing_column_is_explained_before_anything_is_written(
    tmp_path: Path, store: SqliteStore, test_plant: Plant
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("ts,machine,value\n", encoding="utf-8")
    with pytest.raises(InvalidRequestError, match="missing: signal"):
        import_csv(ingestor(store, test_plant), path, CsvOptions(kind="samples"))


def test_importing_the_same_file_twice_writes_nothing_new(
    tmp_path: Path, store: SqliteStore, test_plant: Plant
) -> None:
    path = samples_csv(tmp_path / "s.csv", 50)
    ing = ingestor(store, test_plant)
    first = import_csv(ing, path, CsvOptions(kind="samples"))
    again = import_csv(ing, path, CsvOptions(kind="samples"))
    assert (first.inserted, again.already_done, again.inserted) == (50, True, 0)
    # A copy under another name is the same content: already done as well.
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    assert import_csv(ing, copy, CsvOptions(kind="samples")).already_done
    assert store.row_counts()["samples"] == 50


class CrashError(Exception):
    pass


def test_an_interrupted_import_resumes_after_the_last_committed_batch(
    tmp_path: Path, store: SqliteStore, test_plant: Plant
) -> None:
    path = samples_csv(tmp_path / "big.csv", 1000, bad_every=100)
    options = CsvOptions(kind="samples", batch_size=100)
    seen: list[int] = []

    def crash_after_three_batches(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 3:
            raise CrashError

    with pytest.raises(CrashError):
        import_csv(ingestor(store, test_plant), path, options, crash_after_three_batches)
    assert store.row_counts()["samples"] == 297  # 3 batches of 100 rows, 3 of them bad
    report = import_csv(ingestor(store, test_plant), path, options)
    assert report.resumed_from == 300
    assert (report.rows, report.accepted, report.rejected) == (1000, 990, 10)
    assert report.reasons == {"wrong_type": 10}
    assert store.row_counts()["samples"] == 990
    assert store.row_counts()["dead_letters"] == 10

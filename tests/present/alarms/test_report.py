"""The alarm-performance CSV: words in the reader's language, no cell read as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from pabrik.alarms.definitions import Priority
from pabrik.alarms.metrics import LogEntry, performance
from pabrik.alarms.states import AlarmState
from pabrik.present.alarms.report import performance_csv
from pabrik.present.i18n import Catalogues

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CATALOGUES = Catalogues.load()


def fired(key: str, s: float) -> LogEntry:
    at = T0 + timedelta(seconds=s)
    return LogEntry(key, "=line", Priority.HIGH, at, "activate", AlarmState.NORMAL,
                    AlarmState.ACTIVE_UNACK, True)  # fmt: skip


def test_the_csv_lists_figures_then_what_to_fix_first() -> None:
    report = performance([fired("a/m1", 0), fired("a/m1", 10), fired("a/m1", 20)], T0,
                         T0 + timedelta(hours=1))  # fmt: skip
    rows = list(csv.reader(io.StringIO(performance_csv(report, CATALOGUES.get("en")))))
    assert rows[0] == ["Figure", "Value", "Recommended"]
    assert ["Alarms", "3"] in rows
    assert ["Priority mix: High", "100.0", "5.0"] in rows
    assert any(r[0] == "Operator position =line" for r in rows)
    assert rows[-1] == ["1", "a/m1", "3", "frequent, chattering"]
    indonesian = performance_csv(report, CATALOGUES.get("id"))
    assert indonesian.startswith("Angka,Nilai,Anjuran")

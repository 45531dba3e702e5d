"""Corrections of manual records and handover notes behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pabrik.model.records import CountRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.manual import HandoverRow
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2025, 1, 6, 1, 0, 0, 123000, tzinfo=UTC)
Backend = SqliteStore | PostgresStore


def _audit(action: str) -> AuditLogRow:
    return AuditLogRow("pt-a", "supervisor", action, "m1", '{"good": 5}', '{"good": 4}', T0)


def test_a_manual_count_is_corrected_and_audited(store: Backend) -> None:
    store.write([CountRecord("manual:ani", "m1", T0, 5, 1)])
    assert store.correct_count("m1", T0, "manual:ani", 4, 2, _audit("terminal.correct"))
    (count,) = store.counts("m1", T0 - timedelta(seconds=1), T0)
    assert (count.good, count.scrap) == (4, 2)
    (row,) = [a for a in store.audit_entries("pt-a", 10, 0) if a.action == "terminal.correct"]
    assert (row.before_json, row.after_json) == ('{"good": 5}', '{"good": 4}')


def test_a_machine_record_is_never_corrected(store: Backend) -> None:
    store.write([CountRecord("plc", "m1", T0, 5, 1)])
    assert not store.correct_count("m1", T0, "plc", 0, 0, _audit("terminal.correct"))
    (count,) = store.counts("m1", T0 - timedelta(seconds=1), T0)
    assert count.good == 5


def test_a_manual_state_is_corrected(store: Backend) -> None:
    store.write([StateRecord("manual:ani", "m1", T0, StateClass.UNPLANNED_STOP, "jam")])
    audit = _audit("terminal.correct")
    assert store.correct_state("m1", T0, "manual:ani", "unplanned_stop", "breakdown", audit)
    (state,) = [s for s in store.states("m1", T0, T0 + timedelta(seconds=1)) if s.ts == T0]
    assert state.reason == "breakdown"


def test_a_handover_note_is_kept_once_per_key(store: Backend) -> None:
    row = HandoverRow("dev-1", "m1", "2025-01-06/pagi", "Cetakan aus", "ani", T0)
    assert store.save_handover(row)
    assert not store.save_handover(row)
    assert store.handovers("m1", 5) == [row]


def test_scrap_is_summed_by_the_reason_given(store: Backend) -> None:
    later = T0 + timedelta(minutes=1)
    store.write(
        [
            CountRecord("manual:ani", "m1", T0, 0, 3),
            CountRecord("manual:ani", "m1", later, 0, 2),
            CountRecord("plc", "m1", later, 10, 4),
        ]
    )
    store.save_count_reason("m1", T0, "manual:ani", "flash")
    store.save_count_reason("m1", later, "manual:ani", "jam")
    store.save_count_reason("m1", later, "manual:ani", "flash")
    assert store.scrap_by_reason("m1", T0 - timedelta(seconds=1), later) == {"flash": 5}

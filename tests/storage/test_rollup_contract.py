"""Rollup and assessment storage behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pabrik.model.records import SampleRecord, StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.storage.assessments import (
    AnswerRow,
    AssessmentRow,
    AuditRow,
    CompanyRow,
    ResultRow,
)
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.rollups import HOUR_MS, ROLLUP_COLUMNS, RollupConfig, RollupRow
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import RetentionRule
from tests.storage.rollup_plant import save

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
H0 = to_epoch_ms(T0)
CONFIG = RollupConfig(
    "fp-1", state_margin_ms=0, count_margin_ms=0, sample_margin_ms=0, energy_signal="kwh"
)


def bucket(start_ms: int, apt: int = 1000) -> RollupRow:
    values = tuple(apt if c == "apt" else 1 for c in ROLLUP_COLUMNS)
    return RollupRow("m1", start_ms, values, {("unplanned_stop", "jam"): 5})


def test_writes_of_what_rollups_read_bump_the_sequence_of_their_machines(
    store: SqliteStore | PostgresStore,
) -> None:
    store.reset_rollups("m1", CONFIG)
    assert store.rollup_seq(["m1", "m2"]) == {"m1": 0, "m2": 0}
    store.write([SampleRecord("sim", "m1", "temp", T0, 1.0)])
    assert store.rollup_seq(["m1"]) == {"m1": 0}
    store.write([StateRecord("sim", "m1", T0, StateClass.RUNNING)])
    store.write([SampleRecord("sim", "m1", "kwh", T0, 1.0)])
    assert store.rollup_seq(["m1"]) == {"m1": 2}


def test_saved_buckets_sum_and_a_stale_save_is_skipped(store: SqliteStore | PostgresStore) -> None:
    store.reset_rollups("m1", CONFIG)
    assert store.rollup_configs() == {"m1": CONFIG}
    assert save(store, [bucket(H0), bucket(H0 + HOUR_MS)]) == set()
    sums = store.rollup_sums(["m1"], H0, H0 + 2 * HOUR_MS, "hour")
    assert sums["m1"].buckets == 2
    assert sums["m1"].values[ROLLUP_COLUMNS.index("apt")] == 2000
    assert store.rollup_starts("m1", H0, H0 + 2 * HOUR_MS, "hour") == [H0, H0 + HOUR_MS]
    assert store.rollup_downtime(["m1"], H0, H0 + 2 * HOUR_MS) == {
        ("m1", "unplanned_stop", "jam"): 10
    }
    claims = store.claim_hours([("m1", H0), ("m1", H0 + HOUR_MS)])
    store.write([SampleRecord("sim", "m1", "temp", T0, 1.0)])  # read by no rollup
    store.write([SampleRecord("sim", "m1", "kwh", T0 + timedelta(minutes=1), 1.0)])
    stale = [bucket(H0, apt=5), bucket(H0 + HOUR_MS, apt=5)]
    assert store.save_rollups(stale, [], claims) == {("m1", H0)}
    assert store.dirty_hours(["m1"], H0, H0 + 2 * HOUR_MS) == [("m1", H0)]
    assert store.rollup_starts("m1", H0, H0 + 2 * HOUR_MS, "hour") == [H0 + HOUR_MS]


def test_a_late_write_makes_its_hour_dirty_until_rolled_up_again(
    store: SqliteStore | PostgresStore,
) -> None:
    store.reset_rollups("m1", CONFIG)
    save(store, [bucket(H0), bucket(H0 + HOUR_MS)])
    store.write([SampleRecord("sim", "m1", "kwh", T0 + timedelta(minutes=90), 1.0)])
    assert store.dirty_hours(["m1"], H0, H0 + 2 * HOUR_MS) == [("m1", H0 + HOUR_MS)]
    assert store.dirty_hours(None, H0, H0 + 2 * HOUR_MS) == [("m1", H0 + HOUR_MS)]
    assert store.rollup_sums(["m1"], H0, H0 + 2 * HOUR_MS, "hour")["m1"].buckets == 1
    save(store, [bucket(H0 + HOUR_MS)])
    assert store.dirty_hours(["m1"], H0, H0 + 2 * HOUR_MS) == []


def test_rollups_expire_by_bucket_start(store: SqliteStore | PostgresStore) -> None:
    save(store, [bucket(H0), bucket(H0 + HOUR_MS)], [bucket(H0)])
    rules = [
        RetentionRule(t, T0 + timedelta(minutes=30))
        for t in ("kpi_rollup_hour", "kpi_rollup_minute", "kpi_rollup_downtime")
    ]
    assert [r.rows for r in store.purge(rules)] == [1, 1, 1]
    assert store.rollup_starts("m1", 0, H0 + 10 * HOUR_MS, "hour") == [H0 + HOUR_MS]


def test_assessments_round_trip_with_their_audit_trail(store: SqliteStore | PostgresStore) -> None:
    store.save_company(
        CompanyRow("default", "c1", "PT Maju", "plastik", "Jawa Barat", "medium", "{}", T0, T0)
    )
    header = AssessmentRow(
        "default", "a1", "c1", "indi", 1, "Asesmen 2025", "draft", "{}", "", "ani", T0, T0
    )
    audit = [AuditRow("default", "a1", "ani", "create", "", None, "{}", T0)]
    store.save_assessment(header, audit)
    store.save_answers([AnswerRow("default", "a1", "q1", "[1]", "ok", None, "ani", T0)], audit)
    store.save_result(
        ResultRow("default", "a1", "indi", 1, "self_assessed", "5/2", 2.5, 2, "{}", T0), ()
    )
    company = store.company("default", "c1")
    assert company is not None
    assert company.name == "PT Maju"
    assert store.assessments("default", "c1") == [header]
    assert store.answers("default", "a1")[0].selected_json == "[1]"
    (result,) = store.results("default", "a1")
    assert (result.overall, result.level, result.id is not None) == (2.5, 2, True)
    assert [a.action for a in store.audit_log("default", "a1")] == ["create", "create"]
    assert store.company("default", "missing") is None


def test_added_columns_round_trip_in_hour_and_minute_rollups(
    store: SqliteStore | PostgresStore,
) -> None:
    store.reset_rollups("m1", CONFIG)
    values = tuple(range(1, len(ROLLUP_COLUMNS) + 1))
    row = RollupRow("m1", H0, values, {})
    assert save(store, [row], [RollupRow("m1", H0 + 60_000, values, {})]) == set()
    assert ROLLUP_COLUMNS[-3:] == ("sq_startup", "ideal_startup_ns", "energy_run_wh")
    assert store.rollup_sums(["m1"], H0, H0 + HOUR_MS, "hour")["m1"].values == values
    assert store.rollup_sums(["m1"], H0, H0 + HOUR_MS, "minute")["m1"].values == values


def test_a_deleted_assessment_leaves_only_its_audit_trail(
    store: SqliteStore | PostgresStore,
) -> None:
    store.save_company(CompanyRow("default", "c1", "PT Maju", None, None, "small", "{}", T0, T0))
    header = AssessmentRow(
        "default", "d1", "c1", "indi", 1, "Draf", "draft", "{}", "", "ani", T0, T0, '{"x": 2}'
    )
    store.save_assessment(header, [AuditRow("default", "d1", "ani", "create", "", None, "{}", T0)])
    assert store.assessment("default", "d1") == header
    store.save_answers([AnswerRow("default", "d1", "q1", "[1]", "", None, "ani", T0)], ())
    gone = AuditRow("default", "d1", "ani", "delete", "indi", '{"title": "Draf"}', None, T0)
    store.delete_assessment("default", "d1", [gone])
    assert store.assessment("default", "d1") is None
    assert store.answers("default", "d1") == []
    assert [a.action for a in store.audit_log("default", "d1")] == ["create", "delete"]

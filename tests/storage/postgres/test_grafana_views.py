"""The Grafana views and functions answer what the docs say they do (PostgreSQL only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from pabrik.model.records import CountRecord, SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.storage.postgres.store import PostgresStore

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def url(pg_url: str) -> str:
    store = PostgresStore(pg_url, pool_size=1)
    store.upgrade()
    store.write(
        [
            StateRecord("sim", "m1", T0 - timedelta(hours=1), StateClass.IDLE),
            StateRecord("sim", "m1", T0 + timedelta(minutes=30), StateClass.RUNNING),
            StateRecord("sim", "m1", T0 + timedelta(minutes=45), StateClass.UNPLANNED_STOP, "jam"),
            CountRecord("sim", "m1", T0 + timedelta(minutes=10), 5, 1),
            CountRecord("sim", "m1", T0 + timedelta(hours=1), 7, 0),
            CountRecord("sim", "m1", T0 + timedelta(hours=1, minutes=1), 2, 0),
            SampleRecord("sim", "m1", "temp", T0, 40.5),
        ]
    )
    store.close()
    return pg_url


def query(url: str, text: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(text, params).fetchall()  # type: ignore[arg-type]


def test_state_intervals_start_with_the_state_running_at_the_window_start(url: str) -> None:
    rows = query(
        url,
        "SELECT state, reason, seconds FROM grafana_state_intervals(%s, %s)",
        T0,
        T0 + timedelta(hours=1),
    )
    assert rows == [
        ("idle", None, 1800.0),
        ("running", None, 900.0),
        ("unplanned_stop", "jam", 900.0),
    ]


def test_counts_fall_in_the_hour_their_timestamp_ends(url: str) -> None:
    rows = query(
        url,
        'SELECT "time", good, scrap FROM grafana_counts_hourly(%s, %s)',
        T0 - timedelta(hours=1),
        T0 + timedelta(hours=3),
    )
    assert rows == [(T0, 12, 1), (T0 + timedelta(hours=1), 2, 0)]


def test_raw_views_rename_ts_to_time_for_grafana(url: str) -> None:
    (row,) = query(url, 'SELECT "time", machine_id, signal_id, value FROM grafana_samples')
    assert row == (T0, "m1", "temp", 40.5)
    assert query(url, "SELECT count(*) FROM grafana_states")[0][0] == 3
    assert query(url, "SELECT sum(total) FROM grafana_counts")[0][0] == 15


def test_kpi_views_answer_from_rollups_without_dirty_hours(url: str) -> None:
    assert query(url, "SELECT count(*) FROM grafana_kpi_hourly")[0][0] == 0
    assert query(url, "SELECT * FROM grafana_oee(%s, %s)", T0, T0 + timedelta(days=1)) == []

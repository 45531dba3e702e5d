"""PostgreSQL-only behaviour: partitions, concurrent start-up, and a server that comes and goes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from pabrik.model.errors import StoreUnavailableError
from pabrik.model.records import SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.storage.postgres import migrate as pgmigrate
from pabrik.storage.postgres.partitions import Month, months_between, parse_partition
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.store import RetentionRule
from tests.pg import free_port, make_private

JAN_END = datetime(2025, 1, 31, 23, 59, 30, tzinfo=UTC)


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    s = PostgresStore(pg_url, pool_size=2)
    s.upgrade()
    yield s
    s.close()


def partitions(url: str, table: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            (table,),
        ).fetchall()
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # type: ignore[index]
            for (name,) in rows
        }


def test_months_follow_utc_and_roll_over_the_year() -> None:
    assert Month.of(datetime(2025, 1, 1, 6, tzinfo=UTC) + timedelta(hours=-7)) == Month(2024, 12)
    assert Month(2024, 12).next() == Month(2025, 1)
    span = list(months_between(JAN_END, JAN_END + timedelta(days=31)))
    assert span == [Month(2025, 1), Month(2025, 2), Month(2025, 3)]
    assert parse_partition("samples_p202502") == ("samples", Month(2025, 2))
    assert parse_partition("samples_default") is None
    with pytest.raises(ValueError, match="partitioned"):
        Month(2025, 1).partition("checkpoints; DROP TABLE x")


def test_a_batch_across_a_month_boundary_lands_in_both_months(
    store: PostgresStore, pg_url: str
) -> None:
    batch = [
        SampleRecord("sim", "m1", "temp", JAN_END + timedelta(seconds=i * 20), float(i))
        for i in range(4)
    ]
    assert store.write(batch).inserted == 4
    counts = partitions(pg_url, "samples")
    assert counts["samples_p202501"] == 2
    assert counts["samples_p202502"] == 2
    assert counts["samples_p202503"] == 0  # made ahead, so the next boundary waits on nothing
    assert counts["samples_default"] == 0


def test_rows_parked_in_the_default_partition_move_into_their_month(
    store: PostgresStore, pg_url: str
) -> None:
    ts = datetime(2024, 5, 10, tzinfo=UTC)
    with psycopg.connect(pg_url) as conn:
        conn.execute(
            "INSERT INTO states (machine_id, ts, source, state) VALUES ('m1', %s, 'sim', 'idle')",
            (ts,),
        )
    store.write([StateRecord("sim", "m1", ts + timedelta(hours=1), StateClass.RUNNING)])
    counts = partitions(pg_url, "states")
    assert counts["states_p202405"] == 2
    assert counts["states_default"] == 0
    assert len(store.states("m1", ts, ts + timedelta(days=1))) == 2


def test_retention_drops_whole_months_and_keeps_the_month_that_straddles(
    store: PostgresStore, pg_url: str
) -> None:
    days = [datetime(2024, m, 15, tzinfo=UTC) for m in (1, 2, 3)]
    store.write([SampleRecord("sim", "m1", "temp", d, 1.0) for d in days])
    (result,) = store.purge([RetentionRule("samples", datetime(2024, 3, 20, tzinfo=UTC))])
    assert result.partitions == ("samples_p202401", "samples_p202402")
    assert result.rows == 2
    assert "samples_p202401" not in partitions(pg_url, "samples")
    # The month of the cut-off stays whole: retention is at least N days, at most a month more.
    assert store.row_counts()["samples"] == 1
    store.write([SampleRecord("sim", "m1", "temp", days[0], 1.0)])  # the month comes back
    assert store.row_counts()["samples"] == 2


def test_workers_starting_together_migrate_once(pg_url: str) -> None:
    stores = [PostgresStore(pg_url, pool_size=1) for _ in range(4)]
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def start(s: PostgresStore) -> None:
        try:
            results.append(s.upgrade())
        except BaseException as err:  # noqa: BLE001 - collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 0, 0, len(pgmigrate.migrations())]


def wait_until_up(store: PostgresStore, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            store.ping()
        except StoreUnavailableError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        else:
            return


@pytest.mark.slow
def test_a_store_opened_while_the_server_is_down_works_once_it_is_up_and_after_a_restart() -> None:
    port = free_port()
    server = make_private(port)
    if server is None:
        pytest.skip("cannot make a private PostgreSQL here (initdb/pg_ctl)")
    store = PostgresStore(server.url, pool_size=2, timeout_s=1)
    try:
        with pytest.raises(StoreUnavailableError):
            store.ping()
        server.start()
        wait_until_up(store, 30)
        store.upgrade()
        store.write([SampleRecord("sim", "m1", "temp", JAN_END, 1.0)])
        server.stop()
        with pytest.raises(StoreUnavailableError):
            store.write([SampleRecord("sim", "m1", "temp", JAN_END, 2.0)])
        server.start()
        wait_until_up(store, 30)
        store.write([SampleRecord("sim", "m1", "temp", JAN_END + timedelta(seconds=1), 2.0)])
        assert store.row_counts()["samples"] == 2
    finally:
        store.close()
        server.stop()
        server.remove()

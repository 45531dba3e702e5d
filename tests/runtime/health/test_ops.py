"""Start-up against a database that is down, readiness, and the metrics text."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from pabrik.connectors.backoff import Backoff
from pabrik.model.errors import StoreUnavailableError
from pabrik.runtime.app import build_runtime
from pabrik.runtime.health import ops
from pabrik.runtime.settings import Settings, redact_url
from pabrik.storage.postgres.store import PostgresStore
from tests.paths import DEMO
from tests.pg import free_port, make_private


def test_passwords_never_leave_a_database_url() -> None:
    assert (
        redact_url("postgresql://pabrik:s3cret@db:5432/plant")
        == "postgresql://pabrik:***@db:5432/plant"
    )
    assert "s3cret" not in redact_url(
        "postgresql://db/plant?user=a&password=s3cret&sslmode=require"
    )
    assert redact_url("postgresql://pabrik@db/plant") == "postgresql://pabrik@db/plant"


def test_the_url_scheme_picks_the_backend(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).backend() == "sqlite"
    assert Settings(database_url="postgres://h/db").backend() == "postgresql"
    with pytest.raises(ValueError, match="mysql"):
        Settings(database_url="mysql://h/db").backend()


def test_a_down_database_is_retried_with_backoff_and_logged_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"postgresql://pabrik:s3cret@127.0.0.1:{free_port()}/plant"
    label = redact_url(url)
    store = PostgresStore(url, pool_size=1, timeout_s=0.3, label=label)
    waits: list[float] = []

    def sleep(seconds: float) -> bool:
        waits.append(seconds)
        return False

    gate = ops.StoreGate(store, label, backoff=Backoff(0.01, 0.04, jitter=False), sleep=sleep)
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(StoreUnavailableError):
            ops.wait_or_fail(gate, max_wait_s=1.5)
    finally:
        store.close()
    assert gate.attempts >= 3
    assert waits[:3] == [0.01, 0.02, 0.04]
    assert "retrying in" in caplog.text
    assert "s3cret" not in caplog.text
    assert "pabrik:***@127.0.0.1" in caplog.text
    assert gate.reason.startswith("database unreachable")


def test_a_sqlite_runtime_is_ready_and_reports_metrics(tmp_path: Path) -> None:
    runtime = build_runtime(Settings(config=DEMO, data_dir=tmp_path))
    try:
        runtime.ingestor.offer_payload(b"{", kind="state", source="t", machine_id="imm-01")
        runtime.ingestor.flush()
        state = ops.readiness(runtime)
        text = ops.metrics_text(runtime)
    finally:
        runtime.close()
    assert state.ready
    assert state.schema is not None
    assert state.schema[0] == state.schema[1]
    assert "pabrik_ingest_received_total 1\n" in text
    assert "pabrik_ingest_rejected_total 1\n" in text
    assert 'pabrik_ingest_rejected_by_code_total{code="malformed_json"} 1' in text
    assert "pabrik_dead_letters 1\n" in text
    assert "pabrik_store_up 1\n" in text
    assert "# TYPE pabrik_store_latency_seconds gauge" in text


@pytest.mark.slow
def test_serving_starts_before_the_database_and_becomes_ready_when_it_is_up() -> None:
    port = free_port()
    server = make_private(port)
    if server is None:
        pytest.skip("cannot make a private PostgreSQL here (initdb/pg_ctl)")
    settings = Settings(config=DEMO, database_url=server.url, db_timeout_s=0.5, db_pool_size=2)
    runtime = build_runtime(settings, wait=False)
    runtime.gate.backoff = Backoff(0.1, 0.5)

    async def scenario() -> None:
        await runtime.start()
        not_ready = ops.readiness(runtime)
        assert not not_ready.ready
        assert "database unreachable" in not_ready.reason
        assert "pabrik_store_up 0" in ops.metrics_text(runtime)
        await asyncio.to_thread(server.start)
        deadline = time.monotonic() + 60
        while not ops.readiness(runtime).ready:
            assert time.monotonic() < deadline, ops.readiness(runtime).reason
            await asyncio.sleep(0.2)
        await runtime.stop()

    try:
        asyncio.run(scenario())
    finally:
        runtime.close()
        server.stop()
        server.remove()

"""Saved versions reach running processes: connectors start, stop and show their state."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from pabrik.connectors.backoff import Backoff
from pabrik.model.records import SampleRecord
from pabrik.runtime.app import build_runtime
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.ingest.worker import IngestWorker, WorkerOptions
from pabrik.runtime.plant.canonical import canonical_yaml
from pabrik.runtime.plant.configstore import SiteConfigs
from pabrik.runtime.settings import Settings
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import Store
from tests.connectors.mqtt.helpers import Publisher
from tests.connectors.peers import Broker, free_port
from tests.pg import make_private
from tests.runtime.plant.configsites import BASE, lab_site, site, with_third_press

WAIT_S = 60.0


async def until(check: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def publish(broker: Broker, numbers: range) -> None:
    publisher = Publisher(broker)
    try:
        for i in numbers:
            ts = (BASE + timedelta(seconds=i)).isoformat()
            publisher.send("legacy/press-1/sensor", json.dumps({"t": ts, "v": i}))
    finally:
        publisher.close()


def test_serve_starts_added_and_stops_removed_connectors_and_shows_their_state(
    tmp_path: Path, broker: Broker
) -> None:
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(site()), encoding="utf-8")
    settings = Settings(config=config, data_dir=tmp_path / "d", config_poll_s=0.2)
    runtime = build_runtime(settings, import_file=True)
    nowhere = Broker(broker.host, free_port())

    def states() -> dict[str, tuple[str, str | None]]:
        return {s.id: (s.state, s.last_error) for s in runtime.connector_states()}

    async def scenario() -> None:
        await runtime.start()
        assert runtime.connector_states() == []
        runtime.save_config(lab_site(broker, "temperature"), "ani", "add lab")
        await until(lambda: states().get("lab", ("",))[0] == "running", "lab to run")
        assert runtime.config_version == 2
        runtime.save_config(lab_site(nowhere, "temperature", "far"), "ani", "swap")
        await until(lambda: states().get("far", ("",))[0] == "error", "far to fail")
        await runtime.stop()

    try:
        asyncio.run(scenario())
    finally:
        runtime.close()
    found = states()
    assert found["lab"] == ("stopped", None)
    assert found["far"][0] == "stopped"
    assert "cannot connect" in (found["far"][1] or "")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_ingest_worker_follows_a_version_saved_elsewhere(
    tmp_path: Path, broker: Broker, backend: str, request: pytest.FixtureRequest
) -> None:
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(lab_site(broker, "temperature")), encoding="utf-8")
    url = request.getfixturevalue("pg_url") if backend == "postgres" else ""
    settings = Settings(config=config, data_dir=tmp_path / "d", database_url=url, config_poll_s=0.2)
    worker = IngestWorker(settings, lab_site(broker, "temperature"), WorkerOptions("w1"))
    # Another process (the web tier) saving into the same database.
    elsewhere: Store = (
        PostgresStore(url, pool_size=1) if url else SqliteStore(settings.sqlite_path())
    )

    def rows(signal: str) -> list[float]:
        found = elsewhere.samples("press-1", signal, BASE, BASE + timedelta(hours=1))
        return sorted(r.value for r in found)

    async def scenario() -> None:
        serving = asyncio.create_task(worker.serve())
        await until(lambda: worker.config_version == 1, "the file import")
        await until(lambda: _connected(worker), "the worker to subscribe")
        await asyncio.to_thread(publish, broker, range(20))
        await until(lambda: len(rows("temperature")) == 20, "the first samples")
        configs = SiteConfigs(elsewhere, utc_now)
        assert configs.save(lab_site(broker, "vibration"), "ani", "remap") == 2
        await until(lambda: worker.config_version == 2, "the worker to follow")
        await until(lambda: _connected(worker), "the new connector to subscribe")
        await asyncio.to_thread(publish, broker, range(20, 40))
        await until(lambda: len(rows("vibration")) == 20, "the later samples")
        worker.request_stop()
        await serving

    try:
        asyncio.run(scenario())
        assert rows("temperature") == [float(i) for i in range(20)]
        assert rows("vibration") == [float(i) for i in range(20, 40)]
    finally:
        elsewhere.close()


def _connected(worker: IngestWorker) -> bool:
    return bool(worker.connectors) and all(c.state.value == "connected" for c in worker.connectors)


def test_a_new_machine_is_validated_and_measured_after_the_reload(tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(site()), encoding="utf-8")
    runtime = build_runtime(Settings(config=config, data_dir=tmp_path / "d"), import_file=True)
    sample = SampleRecord("manual:ani", "press-3", "temperature", BASE, 41.5)
    window = (BASE, BASE + timedelta(seconds=1))
    try:
        runtime.ingestor.ingest([sample])
        assert runtime.dead_letter_count() == 1
        runtime.save_config(with_third_press(), "ani", "press-3")
        assert asyncio.run(runtime.reload_config()) is not None
        runtime.ingestor.ingest([sample])
        assert [s.value for s in runtime.store.samples("press-3", "temperature", *window)] == [41.5]
        assert runtime.plant.machine("press-3") is not None
        assert runtime.machine_detail("press-3", now=BASE).status is not None
    finally:
        runtime.close()


def test_a_store_that_comes_up_after_serve_starts_gets_the_file_imported(tmp_path: Path) -> None:
    server = make_private(free_port())
    if server is None:
        pytest.skip("cannot make a private PostgreSQL here (initdb/pg_ctl)")
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(site()), encoding="utf-8")
    settings = Settings(config=config, database_url=server.url, db_timeout_s=0.5, db_pool_size=2)
    runtime = build_runtime(settings, wait=False, import_file=True)
    runtime.gate.backoff = Backoff(0.1, 0.5)

    async def scenario() -> None:
        await runtime.start()
        assert runtime.config_version == 0
        await asyncio.to_thread(server.start)
        await until(lambda: runtime.config_version == 1, "the file import once the store is up")
        await runtime.stop()

    try:
        asyncio.run(scenario())
        assert [v.note for v in runtime.configs.versions()] == [f"imported from {config}"]
    finally:
        runtime.close()
        server.stop()
        server.remove()

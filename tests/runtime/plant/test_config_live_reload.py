"""A mapping changed while data flows: the connector follows, losing and repeating nothing."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta
from pathlib import Path

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.plant.canonical import canonical_yaml
from pabrik.runtime.settings import Settings
from tests.connectors.mqtt.helpers import Publisher
from tests.connectors.peers import Broker
from tests.runtime.plant.configsites import BASE, lab_site

N = 300
WAIT_S = 60.0


def values(runtime: Runtime, signal: str) -> list[float]:
    rows = runtime.store.samples("press-1", signal, BASE, BASE + timedelta(seconds=N))
    return [r.value for r in sorted(rows, key=lambda r: r.ts)]


async def until(check: object, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def publish_all(broker: Broker, started: threading.Event) -> None:
    """Publish N numbered samples at QoS 1, a few milliseconds apart."""
    publisher = Publisher(broker)
    try:
        for i in range(N):
            ts = (BASE + timedelta(seconds=i)).isoformat()
            publisher.send("legacy/press-1/sensor", json.dumps({"t": ts, "v": i}))
            started.set()
            threading.Event().wait(0.004)
    finally:
        publisher.close()


def test_a_mapping_changed_while_data_flows_loses_and_repeats_nothing(
    tmp_path: Path, broker: Broker
) -> None:
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(lab_site(broker, "temperature")), encoding="utf-8")
    settings = Settings(config=config, data_dir=tmp_path / "data", config_poll_s=0.2)
    runtime = build_runtime(settings, import_file=True)

    async def scenario() -> None:
        await runtime.start()
        await until(lambda: _state(runtime) == "running", "the connector to subscribe")
        flowing = threading.Event()
        publisher = asyncio.create_task(asyncio.to_thread(publish_all, broker, flowing))
        await until(lambda: len(values(runtime, "temperature")) >= 40, "the first samples")
        assert runtime.save_config(lab_site(broker, "vibration"), "ani", "remap") == 2
        await until(lambda: runtime.config_version == 2, "the new version to run")
        await publisher
        await until(
            lambda: len(values(runtime, "temperature")) + len(values(runtime, "vibration")) >= N,
            "every sample",
        )
        await asyncio.sleep(0.5)  # a repeat would arrive about now
        await until(lambda: _state(runtime) == "running", "the new connector to run")
        await runtime.stop()

    try:
        asyncio.run(scenario())
        before, after = values(runtime, "temperature"), values(runtime, "vibration")
    finally:
        runtime.close()
    # Each sample is stored once, under the mapping in force when it was received.
    k = len(before)
    assert 40 <= k < N
    assert before == [float(i) for i in range(k)]
    assert after == [float(i) for i in range(k, N)]


def _state(runtime: Runtime) -> str:
    (status,) = runtime.connector_states()
    return status.state

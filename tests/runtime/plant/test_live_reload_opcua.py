"""An OPC UA mapping changed while data changes flow: none lost, none stored twice."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from asyncua import ua

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.plant.canonical import canonical_yaml
from pabrik.runtime.plant.siteconfig import SiteConfig
from pabrik.runtime.settings import Settings
from tests.connectors.opcua.server import Peer, node, opcua_server
from tests.connectors.peers import free_port
from tests.runtime.plant.configsites import BASE, site

N = 300
WAIT_S = 60.0
TEMPERATURE, COUNTER = "press-1.temperature", "press-1.counter"
SPAN = (BASE - timedelta(seconds=10), BASE + timedelta(seconds=N))


def press_site(port: int, signal: str, count_field: str) -> SiteConfig:
    """The temperature node as a sample of ``signal``, the counter as ``count_field`` units."""
    return site(
        f"""
connectors:
  - kind: opcua
    id: hall
    endpoint: opc.tcp://127.0.0.1:{port}/pabrik/
    publishing_interval_ms: 20
    sampling_interval_ms: 0
    queue_size: 1000
    reconnect_initial_s: 0.1
    signals:
      - {{node: "{node(TEMPERATURE)}", machine: press-1, signal: {signal}}}
      - {{node: "{node(COUNTER)}", machine: press-1, role: count, count_field: {count_field}}}
"""
    )


async def write(peer: Peer, name: str, value: Any, ts: datetime) -> None:
    """A value with its own source timestamp, the record's natural key."""
    kind = ua.VariantType.Double if isinstance(value, float) else ua.VariantType.Int32
    data = ua.DataValue(ua.Variant(value, kind), SourceTimestamp=ts, ServerTimestamp=ts)
    await peer.nodes[name].write_value(data)


async def write_all(peer: Peer) -> None:
    """N numbered temperatures and N counter steps, a few milliseconds apart."""
    for i in range(N):
        ts = BASE + timedelta(seconds=i)
        await write(peer, TEMPERATURE, float(i), ts)
        await write(peer, COUNTER, 1000 + i, ts)
        await asyncio.sleep(0.004)


def values(runtime: Runtime, signal: str) -> list[float]:
    rows = runtime.store.samples("press-1", signal, BASE, BASE + timedelta(seconds=N))
    return [r.value for r in sorted(rows, key=lambda r: r.ts)]


def stored(runtime: Runtime) -> int:
    return len(values(runtime, "temperature")) + len(values(runtime, "vibration"))


async def until(check: Any, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def test_an_opcua_mapping_changed_while_data_flows_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    port = free_port()
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(press_site(port, "temperature", "good")), encoding="utf-8")
    settings = Settings(config=config, data_dir=tmp_path / "data", config_poll_s=0.2)
    runtime = build_runtime(settings, import_file=True)

    async def scenario() -> None:
        async with opcua_server(port) as peer:
            # The values before the test's own: older than all of them, so the order is plain.
            await write(peer, TEMPERATURE, -1.0, BASE - timedelta(seconds=1))
            await write(peer, COUNTER, 1000, BASE - timedelta(seconds=1))
            await runtime.start()
            await until(lambda: _state(runtime) == "running", "the connector to subscribe")
            writer = asyncio.create_task(write_all(peer))
            await until(lambda: len(values(runtime, "temperature")) >= 40, "the first changes")
            assert runtime.save_config(press_site(port, "vibration", "scrap"), "ani", "remap") == 2
            await until(lambda: runtime.config_version == 2, "the new version to run")
            await writer
            await until(lambda: stored(runtime) >= N, "every change")
            await asyncio.sleep(0.5)  # a repeat would arrive about now
            await runtime.stop()

    try:
        asyncio.run(scenario())
        before, after = values(runtime, "temperature"), values(runtime, "vibration")
        counts = runtime.store.counts("press-1", *SPAN)
    finally:
        runtime.close()
    k = len(before)
    assert 40 <= k < N
    # Each change is stored once, under the mapping in force when it was delivered.
    assert before == [float(i) for i in range(k)]
    assert after == [float(i) for i in range(k, N)]
    # The counter keeps its base across the change: no unit lost, none counted twice.
    assert sum(c.good + c.scrap for c in counts) == N - 1
    good = [c.ts for c in counts if c.good]
    scrap = [c.ts for c in counts if c.scrap]
    assert good
    assert scrap
    assert max(good) < min(scrap)


def _state(runtime: Runtime) -> str:
    (status,) = runtime.connector_states()
    return status.state

"""A Modbus register map changed, or the runtime stopped, while polls run: no read lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.health.storeadmin import open_store
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.plant.canonical import canonical_yaml
from pabrik.runtime.plant.configstore import SiteConfigs
from pabrik.runtime.plant.siteconfig import SiteConfig
from pabrik.runtime.settings import Settings
from tests.connectors.modbus.server import device, modbus_server
from tests.connectors.peers import free_port
from tests.runtime.plant.configsites import site

READS = 120
WAIT_S = 60.0
SPAN = (datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1))


def plc_site(port: int, signal: str, count_field: str) -> SiteConfig:
    """Register 0 as a sample of ``signal``, register 1 as a counter of ``count_field``."""
    return site(
        f"""
connectors:
  - kind: modbus
    id: plc
    reconnect_initial_s: 0.05
    devices:
      - id: press-1-plc
        host: 127.0.0.1
        port: {port}
        poll_interval_s: 0.02
        points:
          - {{machine: press-1, signal: {signal}, address: 0}}
          - {{machine: press-1, role: count, count_field: {count_field}, address: 1}}
"""
    )


def values(runtime: Runtime, signal: str) -> list[float]:
    rows = runtime.store.samples("press-1", signal, *SPAN)
    return [r.value for r in sorted(rows, key=lambda r: r.ts)]


def counted(runtime: Runtime) -> tuple[list[datetime], list[datetime], int]:
    """When good and scrap units were counted, and how many units in all."""
    rows = runtime.store.counts("press-1", *SPAN)
    good = sorted(r.ts for r in rows if r.good)
    scrap = sorted(r.ts for r in rows if r.scrap)
    return good, scrap, sum(r.good + r.scrap for r in rows)


async def until(check: Any, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def test_a_register_map_changed_while_polling_loses_and_repeats_no_read(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(plc_site(port, "temperature", "good")), encoding="utf-8")
    settings = Settings(config=config, data_dir=tmp_path / "data", config_poll_s=0.2)
    runtime = build_runtime(settings, import_file=True)
    reads = 0

    async def next_value(
        fc: int, start: int, addr: int, count: int, regs: list[int], *_: Any
    ) -> None:
        # Each read of the map is a new value: the sample and the counter both step by one.
        nonlocal reads
        if fc == 3 and reads < READS:
            reads += 1
            regs[0] = regs[1] = reads

    async def scenario() -> None:
        async with modbus_server(device(action=next_value), port):
            await runtime.start()
            await until(lambda: len(values(runtime, "temperature")) >= 30, "the first polls")
            # Saved by another process (as `pabrik config import` would): found by polling.
            other = open_store(settings)
            try:
                remap = plc_site(port, "vibration", "scrap")
                assert SiteConfigs(other, utc_now).save(remap, "ani", "remap") == 2
            finally:
                other.close()
            await until(lambda: runtime.config_version == 2, "the new version to run")
            await until(lambda: reads >= READS, "every read")
            await until(lambda: len(values(runtime, "vibration")) >= 5, "polls after the last read")
            await runtime.stop()

    try:
        asyncio.run(scenario())
        before, after = values(runtime, "temperature"), values(runtime, "vibration")
        good, scrap, units = counted(runtime)
    finally:
        runtime.close()
    k = len(before)
    assert 30 <= k < READS
    # Every value the slave gave is stored once, under the map in force when it was read.
    assert before == [float(i) for i in range(1, k + 1)]
    assert [v for v in after if v < READS] == [float(i) for i in range(k + 1, READS)]
    assert after[-1] == READS  # then the slave repeats its last value at every poll
    # The counter keeps its base across the change: no unit lost, none counted twice.
    assert units == READS - 1
    assert good
    assert scrap
    assert max(good) < min(scrap)


SLOW_READ = 999


def test_a_stop_during_a_read_waits_for_it_and_stores_its_value(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "site.yaml"
    config.write_text(canonical_yaml(plc_site(port, "temperature", "good")), encoding="utf-8")
    runtime = build_runtime(Settings(config=config, data_dir=tmp_path / "d"), import_file=True)
    answering = asyncio.Event()
    slow = False

    async def answer(fc: int, start: int, addr: int, count: int, regs: list[int], *_: Any) -> None:
        if fc == 3 and slow:
            regs[0] = SLOW_READ
            answering.set()
            await asyncio.sleep(0.5)  # the answer is on its way while the runtime stops

    def stored() -> list[float]:
        return [s.value for s in runtime.store.samples("press-1", "temperature", *SPAN)]

    async def scenario() -> None:
        nonlocal slow
        async with modbus_server(device(action=answer), port):
            await runtime.start()
            await until(lambda: len(stored()) >= 3, "the first polls")
            slow = True
            await asyncio.wait_for(answering.wait(), 30)
            await runtime.stop()

    try:
        asyncio.run(scenario())
        assert SLOW_READ in stored()
    finally:
        runtime.close()

"""Build the configured protocol connectors and feed them into the ingest pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from pabrik.connectors.contract import Connector, InputRejection
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.mqtt.connector import MqttConnector
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.connectors.sparkplug.connector import SparkplugConnector
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.runtime.ingest.pipeline import Ingestor

log = logging.getLogger(__name__)

Factory = Callable[[Any, Plant], Connector]

# The registry: kind -> factory. The simulator is driven by SimulationRunner and CSV files by
# the import command instead; tests/connectors/test_contract.py runs over every entry.
FACTORIES: dict[str, Factory] = {
    "modbus": ModbusConnector,
    "opcua": OpcuaConnector,
    "mqtt": MqttConnector,
    "sparkplug": SparkplugConnector,
}


class IngestSink:
    """A thread-safe sink that commits each submitted batch before returning."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor

    def submit(self, records: Sequence[Record], rejections: Sequence[InputRejection] = ()) -> None:
        """Validate, write and commit one batch."""
        for r in rejections:
            self.ingestor.reject_input(
                r.source, r.reason_code, r.detail, r.payload, dict(r.context) or None
            )
        self.ingestor.ingest(records)


def build_connectors(configs: Sequence[Any], plant: Plant) -> list[Connector]:
    """Connectors for every configured kind that has a factory."""
    return [FACTORIES[c.kind](c, plant) for c in configs if c.kind in FACTORIES]


class ConnectorSupervisor:
    """Runs connectors as tasks and stops them cleanly."""

    def __init__(self, connectors: Sequence[Connector], sink: IngestSink) -> None:
        self.connectors = list(connectors)
        self.sink = sink
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start one task per connector."""
        for c in self.connectors:
            self._tasks.append(asyncio.create_task(self._run(c), name=f"connector-{c.id}"))

    async def _run(self, connector: Connector) -> None:
        try:
            await connector.run(self.sink)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A connector's own loop handles reconnects; reaching here is a bug worth a trace.
            log.exception("connector %s stopped with an error", connector.id)

    async def stop(self) -> None:
        """Ask every connector to stop, then wait for its task."""
        for c in self.connectors:
            with contextlib.suppress(Exception):
                await c.stop()
        for t in self._tasks:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks.clear()

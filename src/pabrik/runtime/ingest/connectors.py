"""Build the configured protocol connectors and feed them into the ingest pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from pabrik.connectors.contract import ConnectionState, Connector, InputRejection, error_text
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.mqtt.connector import MqttConnector
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.connectors.sparkplug.connector import SparkplugConnector
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.runtime.ingest.pipeline import Ingestor

log = logging.getLogger(__name__)

_STOP_WAIT_S = 10.0
"""How long a replaced connector may take to finish its batch before it is cancelled."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


Factory = Callable[[Any, Plant], Connector]

# The registry: kind -> factory. The simulator is driven by SimulationRunner and CSV files by
# the import command instead; tests/connectors/test_contract.py runs over every entry.
FACTORIES: dict[str, Factory] = {
    "modbus": ModbusConnector,
    "opcua": OpcuaConnector,
    "mqtt": MqttConnector,
    "sparkplug": SparkplugConnector,
}


@runtime_checkable
class Reconfigurable(Protocol):
    """A connector that can take a changed configuration while it runs, losing nothing."""

    async def reconfigure(self, config: Any, plant: Plant) -> bool:
        """Apply ``config`` in place; False when only a restart can apply it."""
        ...


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


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    """A connector's running state for people: starting, running, stopped or error."""

    id: str
    kind: str
    state: str
    """``starting`` (connecting), ``running`` (connected), ``stopped`` or ``error``."""
    connection: str
    """The protocol link: ``disconnected``, ``connecting`` or ``connected``."""
    last_error: str | None
    received: int
    since: datetime
    """When the connector was (re)started or stopped."""


@dataclass(slots=True)
class _Running:
    config: Any
    connector: Connector
    task: asyncio.Task[None] | None
    since: datetime
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a new configuration changed among the running connectors."""

    started: tuple[str, ...] = ()
    stopped: tuple[str, ...] = ()
    reconfigured: tuple[str, ...] = ()


def _status(entry: _Running, stopped: bool) -> ConnectorStatus:
    c = entry.connector
    connection = ConnectionState.DISCONNECTED if stopped else c.state
    error = entry.failure or c.metrics.last_error
    if stopped:
        state = "stopped"
    elif entry.failure is not None or (entry.task is not None and entry.task.done()):
        state = "error"
    elif connection is ConnectionState.CONNECTED:
        state = "running"
    elif c.metrics.last_error is not None:
        state = "error"
    else:
        state = "starting"
    kind = str(getattr(entry.config, "kind", "?"))
    return ConnectorStatus(
        c.id, kind, state, connection.value, error, c.metrics.received, entry.since
    )


async def _finish(entry: _Running) -> None:
    """Wait for a stopped connector's task; cancel it only when stuck."""
    if entry.task is None:
        return
    # stop() lets run() return after the batch in hand (a poll read, a message received):
    # cancelling at once would drop it unstored.
    try:
        await asyncio.wait_for(asyncio.shield(entry.task), _STOP_WAIT_S)
    except TimeoutError:
        entry.task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await entry.task


class ConnectorSupervisor:
    """Runs connectors as tasks, stops them cleanly, and follows a new configuration live."""

    def __init__(
        self,
        connectors: Sequence[Connector],
        sink: IngestSink,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.sink = sink
        self.clock = clock
        self._entries: dict[str, _Running] = {
            c.id: _Running(getattr(c, "config", None), c, None, clock()) for c in connectors
        }
        self._stopped: dict[str, _Running] = {}
        self._lock = asyncio.Lock()
        self._started = False

    @property
    def connectors(self) -> list[Connector]:
        """The connectors of the current configuration."""
        return [e.connector for e in self._entries.values()]

    async def start(self) -> None:
        """Start one task per connector not running yet."""
        self._started = True
        for entry in self._entries.values():
            if entry.task is None:
                self._launch(entry)

    def _launch(self, entry: _Running) -> None:
        entry.since = self.clock()
        entry.failure = None
        entry.task = asyncio.create_task(self._run(entry), name=f"connector-{entry.connector.id}")

    async def _run(self, entry: _Running) -> None:
        connector = entry.connector
        try:
            await connector.run(self.sink)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            # A connector's own loop handles reconnects; reaching here is a bug worth a trace.
            entry.failure = error_text(err)
            log.exception("connector %s stopped with an error", connector.id)

    async def reconcile(
        self, configs: Sequence[Any], plant: Plant, *, plant_changed: bool = False
    ) -> ReloadReport:
        """Start added, stop removed and restart changed connectors (all when the plant changed)."""
        # An old connector finishes its batch in hand before its successor starts.
        async with self._lock:
            wanted = {c.id: c for c in configs if c.kind in FACTORIES}
            started: list[str] = []
            stopped: list[str] = []
            changed: list[str] = []
            for cid in [cid for cid in self._entries if cid not in wanted]:
                await self._halt(self._entries.pop(cid))
                stopped.append(cid)
            for cid, config in wanted.items():
                entry = self._entries.get(cid)
                if entry is not None and entry.config == config and not plant_changed:
                    continue
                if entry is not None:
                    changed.append(cid)
                    if await self._reconfigure(entry, config, plant):
                        continue
                    await self._halt(entry)
                else:
                    started.append(cid)
                fresh = _Running(config, FACTORIES[config.kind](config, plant), None, self.clock())
                self._entries[cid] = fresh
                self._stopped.pop(cid, None)
                if self._started:
                    self._launch(fresh)
            return ReloadReport(tuple(started), tuple(stopped), tuple(changed))

    async def _reconfigure(self, entry: _Running, config: Any, plant: Plant) -> bool:
        """Change a running connector in place (its session and schedule kept), if it can."""
        connector = entry.connector
        running = entry.task is not None and not entry.task.done()
        if not running or not isinstance(connector, Reconfigurable):
            return False
        try:
            done = await connector.reconfigure(config, plant)
        except Exception:
            # A failed in-place change falls back to the restart that always works.
            log.exception("connector %s could not be reconfigured in place", connector.id)
            return False
        if done:
            entry.config = config
        return done

    async def _halt(self, entry: _Running) -> None:
        with contextlib.suppress(Exception):
            await entry.connector.stop()
        await _finish(entry)
        entry.since = self.clock()
        self._stopped[entry.connector.id] = entry

    def statuses(self) -> list[ConnectorStatus]:
        """Every configured connector's state, then those stopped by the last reloads."""
        out = [_status(e, not self._started) for e in self._entries.values()]
        out += [_status(e, True) for cid, e in self._stopped.items() if cid not in self._entries]
        return out

    async def stop(self) -> None:
        """Ask every connector to stop, then wait for its task."""
        self._started = False
        for e in self._entries.values():
            with contextlib.suppress(Exception):
                await e.connector.stop()
        for e in self._entries.values():
            await _finish(e)
            e.task = None

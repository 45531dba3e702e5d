"""The connector shell every MQTT flavour (JSON, Sparkplug B) shares: session, metrics, probe."""

from __future__ import annotations

import asyncio
from typing import Protocol

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, ProbeResult, Sink
from pabrik.connectors.mqtt.config import BrokerConfig
from pabrik.connectors.mqtt.probe import probe_broker
from pabrik.connectors.mqtt.session import MqttSession


class BrokerConnectorConfig(Protocol):
    """What a session-based connector needs from its configuration."""

    @property
    def id(self) -> str:
        """The connector id."""
        ...

    @property
    def broker(self) -> BrokerConfig:
        """Where and how to connect."""
        ...


class SessionConnector:
    """The connector shell every MQTT flavour shares: one session, its metrics and a probe."""

    config: BrokerConnectorConfig
    session: MqttSession
    _metrics: ConnectorMetrics

    @property
    def id(self) -> str:
        """The connector id; the ``source`` of its records."""
        return self.config.id

    @property
    def metrics(self) -> ConnectorMetrics:
        """Its counters."""
        return self._metrics

    @property
    def state(self) -> ConnectionState:
        """Connected once the broker has acknowledged every subscription."""
        return self.session.state

    def start(self, sink: Sink) -> None:
        """Start receiving in background threads."""
        self.session.start(sink)

    def close(self, timeout: float = 30.0) -> None:
        """Finish and acknowledge the batch in hand, then disconnect."""
        self.session.stop(timeout)

    async def run(self, sink: Sink) -> None:
        """Receive until ``stop``; reconnects happen inside the session."""
        self.start(sink)
        try:
            await asyncio.to_thread(self.session.finished.wait)
        finally:
            await asyncio.to_thread(self.close)

    async def stop(self) -> None:
        """Shut down cleanly."""
        await asyncio.to_thread(self.close)

    async def probe(self) -> ProbeResult:
        """Connect and subscribe once with a throw-away session."""
        return await asyncio.to_thread(self.probe_now)

    def probe_now(self) -> ProbeResult:
        """The probe, synchronously."""
        options = self.session.options
        return probe_broker(self.config.broker, options.client_id, options.filters, options.qos)

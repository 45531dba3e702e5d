"""The contract every protocol connector follows (see DESIGN.md, "connectors").

Each connector folder has the same files: ``config.py`` (a pydantic config with a
``kind`` literal, part of the site YAML), ``mapping.py`` (library data to model
records, pure), ``connector.py`` (the running client: reconnects, quality, metrics,
probe, clean shutdown) and ``diagnostics.py``, whose one function
``diagnostics(config, metrics, state, details)`` returns ``report(...)``: the same
top-level keys for every connector, with secrets redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pabrik.model.records import Record

# Matched anywhere in a key, so mqtt_password, client_secret and api_token are caught too.
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|credential|private_?key", re.IGNORECASE
)
REDACTED = "**redacted**"
# Every connector's diagnostics has exactly these keys; ``details`` holds what is its own.
REPORT_KEYS = ("kind", "name", "state", "metrics", "config", "details")
# The reason code of an input whose decoding raised: a bug or a hostile input, never retried.
DECODE_ERROR = "decode_error"
# How much of a raw payload a dead letter keeps (the store caps it again).
KEPT_PAYLOAD_CHARS = 8192


class ConnectionState(StrEnum):
    """Whether data can flow from a connector's peer now."""

    DISCONNECTED = "disconnected"
    """Not started, stopped, or lost and waiting to retry."""
    CONNECTING = "connecting"
    """Opening a session or setting up subscriptions."""
    CONNECTED = "connected"
    """The session is up and delivering (MQTT: subscribed; Modbus: every device answers)."""


@dataclass(frozen=True, slots=True)
class InputRejection:
    """An input a connector could not decode, kept with its raw payload."""

    source: str
    reason_code: str
    detail: str
    payload: str
    # What a replay needs besides the payload (format, topic, kind...), kept as text.
    context: Mapping[str, str] = field(default_factory=dict)


def decode_failure(
    source: str, err: BaseException, payload: str, context: Mapping[str, str]
) -> InputRejection:
    """The dead letter of an input whose decoding raised: the error's type, a bounded payload."""
    detail = f"decoding raised {error_text(err, 200)}"
    return InputRejection(source, DECODE_ERROR, detail, payload[:KEPT_PAYLOAD_CHARS], context)


class Sink(Protocol):
    """Where connectors deliver records; thread-safe and synchronous."""

    def submit(self, records: Sequence[Record], rejections: Sequence[InputRejection] = ()) -> None:
        """Validate, write and commit; return only once the batch is durable.

        Raises when the store cannot commit, so a connector never acknowledges
        (MQTT QoS 1, Sparkplug) what was not written.
        """
        ...


@dataclass(slots=True)
class ConnectorMetrics:
    """Counters every connector keeps."""

    received: int = 0
    accepted: int = 0
    rejected: int = 0
    reconnects: int = 0
    """Times the connector was connected again after losing its connection (see ``Link``)."""
    lag_s: float = 0.0
    last_message_at: datetime | None = None
    # Kept after a recovery on purpose: support wants the last failure; ``state`` says now.
    last_error: str | None = None
    extra: dict[str, float] = field(default_factory=dict)


_RANK = {
    ConnectionState.DISCONNECTED: 0,
    ConnectionState.CONNECTING: 1,
    ConnectionState.CONNECTED: 2,
}


def weakest(states: Iterable[ConnectionState]) -> ConnectionState:
    """The least connected of several links (a connector with many devices)."""
    return min(states, key=_RANK.__getitem__, default=ConnectionState.DISCONNECTED)


@dataclass(slots=True)
class Link:
    """A connection's state; every return to connected after a loss counts as a reconnect.

    One definition of "reconnects" for every protocol: failed attempts while the peer is
    down do not count, so the number says how often the connection was lost and recovered.
    """

    metrics: ConnectorMetrics
    state: ConnectionState = ConnectionState.DISCONNECTED
    _ever_connected: bool = False

    def set(self, state: ConnectionState) -> None:
        """Move to ``state``, counting a reconnect when it is a recovery."""
        if state is ConnectionState.CONNECTED and self.state is not ConnectionState.CONNECTED:
            if self._ever_connected:
                self.metrics.reconnects += 1
            self._ever_connected = True
        self.state = state


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The outcome of testing a connection before its configuration is saved."""

    ok: bool
    detail: str
    facts: Mapping[str, Any] = field(default_factory=dict)


class Connector(Protocol):
    """A running protocol client."""

    @property
    def id(self) -> str:
        """The connector id; the ``source`` of its records."""
        ...

    @property
    def state(self) -> ConnectionState:
        """Whether it is connected now; cheap enough to poll."""
        ...

    @property
    def metrics(self) -> ConnectorMetrics:
        """Its counters."""
        ...

    async def run(self, sink: Sink) -> None:
        """Connect, deliver records, and reconnect with backoff until ``stop``."""
        ...

    async def stop(self) -> None:
        """Shut down cleanly: finish the current batch, then disconnect."""
        ...

    async def probe(self) -> ProbeResult:
        """Test the connection once without delivering anything."""
        ...

    def diagnostics(self) -> dict[str, Any]:
        """State and configuration for support, with secrets redacted."""
        ...


def report(
    kind: str,
    name: str,
    config: Mapping[str, Any],
    metrics: ConnectorMetrics,
    state: ConnectionState,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The diagnostics every connector returns: common keys, JSON-ready, secrets redacted."""
    counters = asdict(metrics)
    if metrics.last_message_at is not None:
        counters["last_message_at"] = metrics.last_message_at.isoformat()
    data = {
        "kind": kind,
        "name": name,
        "state": state.value,
        "metrics": counters,
        "config": dict(config),
        "details": dict(details),
    }
    return dict(redact(data))


def error_text(err: BaseException, limit: int = 300) -> str:
    """A library error as one short line for people: its type and message, no traceback."""
    message = " ".join(str(err).split())
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return text[:limit]


def redact(data: Any) -> Any:
    """A copy of nested dicts and lists with secret values replaced."""
    if isinstance(data, Mapping):
        return {
            k: REDACTED if SECRET_KEY.search(str(k)) and v else redact(v) for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact(v) for v in data]
    return data

"""The contract every protocol connector follows (see DESIGN.md, "connectors").

Each connector folder has the same files: ``config.py`` (a pydantic config with a
``kind`` literal, part of the site YAML), ``mapping.py`` (library data to model
records, pure), ``connector.py`` (the running client: reconnects, quality, metrics,
probe, clean shutdown) and ``diagnostics.py`` (a redacted view of its state).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pabrik.model.records import Record

# Matched anywhere in a key, so mqtt_password, client_secret and api_token are caught too.
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|credential|private_?key", re.IGNORECASE
)
REDACTED = "**redacted**"


@dataclass(frozen=True, slots=True)
class InputRejection:
    """An input a connector could not decode, kept with its raw payload."""

    source: str
    reason_code: str
    detail: str
    payload: str
    # What a replay needs besides the payload (format, topic, kind...), kept as text.
    context: Mapping[str, str] = field(default_factory=dict)


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
    lag_s: float = 0.0
    last_message_at: datetime | None = None
    last_error: str | None = None
    extra: dict[str, float] = field(default_factory=dict)


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


def redact(data: Any) -> Any:
    """A copy of nested dicts and lists with secret values replaced."""
    if isinstance(data, Mapping):
        return {
            k: REDACTED if SECRET_KEY.search(str(k)) and v else redact(v) for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact(v) for v in data]
    return data

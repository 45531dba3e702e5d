"""The one line a connection test shows, as a catalogue message with its values.

Connectors report a probe in English (the CLI and logs print it as is). The pages show it in
the reader's language: each known sentence is matched here and named by its message id
(``conn.probe.*`` in the connectors catalogue); the values inside it (an address, a count, a
library's own error text) are passed through untranslated. An unknown sentence is shown as it
came, under ``conn.probe.other``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Sentences of modbus/connector.py, opcua/probe.py, mqtt/probe.py, connect/tools.py, service.py.
_SENTENCES: tuple[tuple[str, str], ...] = (
    (r"all devices answered", "devices_ok"),
    (r"(?P<n>\d+) device\(s\) failed", "devices_failed"),
    (r"read (?P<table>\w+) (?P<span>\d+\.\.\d+) of unit (?P<unit>\d+)", "modbus_read"),
    (r"no answer within (?P<s>[\d.e+-]+) s \((?P<error>.*)\)", "no_answer"),
    (r"modbus exception (?P<code>\d+) \((?P<name>[^)]*)\)", "modbus_exception"),
    (r"all (?P<n>\d+) node\(s\) readable", "nodes_ok"),
    (r"(?P<bad>\d+) of (?P<n>\d+) node\(s\) not good", "nodes_not_good"),
    (r"connected, but reading failed: (?P<error>.*)", "read_failed"),
    (r"connected to (?P<where>\S+): (?P<n>\d+) item\(s\) under Objects", "objects"),
    (r"cannot browse (?P<where>\S+): (?P<error>.*)", "cannot_browse"),
    (r"connected to (?P<where>\S+) and subscribed to (?P<n>\d+) filter\(s\)", "mqtt_ok"),
    (
        r"no MQTT answer from (?P<where>\S+) in (?P<s>[\d.e+-]+) s"
        r" \(not a broker, or TLS expected\?\)",
        "mqtt_silent",
    ),
    (r"(?P<where>\S+) refused the connection: (?P<reason>.*)", "mqtt_refused"),
    (r"(?P<where>\S+) refused subscriptions: (?P<filters>.*)", "mqtt_filters_refused"),
    (r"cannot connect to (?P<where>\S+?): (?P<error>.*)", "cannot_connect_because"),
    (r"cannot connect to (?P<where>\S+)", "cannot_connect"),
    (r"connector kind '(?P<kind>[^']*)' cannot be tested", "untestable"),
)
_COMPILED = tuple((re.compile(rf"^{p}$", re.DOTALL), f"conn.probe.{k}") for p, k in _SENTENCES)
MESSAGE_IDS: tuple[str, ...] = (*(k for _, k in _COMPILED), "conn.probe.other")
"""Every message id a probe line may name (the catalogues must hold each)."""


@dataclass(frozen=True, slots=True)
class ProbeText:
    """A message id and the values to put into it."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


def probe_text(detail: str) -> ProbeText:
    """The message a probe's English line stands for (``conn.probe.other`` when unknown)."""
    for pattern, key in _COMPILED:
        match = pattern.match(detail)
        if match is not None:
            return ProbeText(key, {k: v for k, v in match.groupdict().items() if v is not None})
    return ProbeText("conn.probe.other", {"text": detail})

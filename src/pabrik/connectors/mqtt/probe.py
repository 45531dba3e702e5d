"""Test a broker once: connect with a throw-away clean session, subscribe, report."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.reasoncodes import ReasonCode

from pabrik.connectors.contract import ProbeResult, error_text
from pabrik.connectors.mqtt.client import new_client
from pabrik.connectors.mqtt.config import BrokerConfig


def probe_broker(
    broker: BrokerConfig, client_id: str, filters: Sequence[str], qos: int, timeout: float = 10.0
) -> ProbeResult:
    """Connect with a clean throw-away session, subscribe, and report what the broker said."""
    client = new_client(broker, f"{client_id}-probe"[:128], clean_start=True)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def on_connect(c: paho.Client, u: Any, f: Any, reason: ReasonCode, p: Any) -> None:
        outcome["connack"] = str(reason)
        if reason.is_failure:
            done.set()
        else:
            c.subscribe([(t, qos) for t in filters])

    def on_subscribe(c: paho.Client, u: Any, mid: int, reasons: list[ReasonCode], p: Any) -> None:
        outcome["granted"] = [str(r) for r in reasons]
        done.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    facts: dict[str, Any] = {
        "broker": f"{broker.host}:{broker.port}",
        "tls": broker.tls is not None,
    }
    where = facts["broker"]
    try:
        client.connect(broker.host, broker.port, keepalive=broker.keepalive_s)
    except (OSError, ValueError) as err:
        return ProbeResult(False, f"cannot connect to {where}: {error_text(err)}", facts)
    client.loop_start()
    try:
        done.wait(timeout)
    finally:
        client.disconnect()
        client.loop_stop()
    facts |= outcome
    return _probe_verdict(where, outcome, facts, filters, timeout)


def _probe_verdict(
    where: str,
    outcome: dict[str, Any],
    facts: dict[str, Any],
    filters: Sequence[str],
    timeout: float,
) -> ProbeResult:
    """One line for people: what answered at ``where``; the protocol's words stay in facts."""
    if "connack" not in outcome:
        detail = f"no MQTT answer from {where} in {timeout:g} s (not a broker, or TLS expected?)"
        return ProbeResult(False, detail, facts)
    if "granted" not in outcome:
        return ProbeResult(False, f"{where} refused the connection: {outcome['connack']}", facts)
    refused = [f for f, r in zip(filters, outcome["granted"], strict=False) if "Granted" not in r]
    if refused:
        return ProbeResult(False, f"{where} refused subscriptions: {', '.join(refused)}", facts)
    detail = f"connected to {where} and subscribed to {len(filters)} filter(s)"
    return ProbeResult(True, detail, facts)

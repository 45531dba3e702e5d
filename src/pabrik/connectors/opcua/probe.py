"""Test an OPC UA configuration once: connect, read every configured node, report."""

from __future__ import annotations

from pabrik.connectors.contract import ProbeResult, error_text
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.opcua.session import (
    SESSION_ERRORS,
    close_client,
    open_client,
    read_data_values,
)


async def probe(config: OpcuaConfig) -> ProbeResult:
    """Connect once, read every configured node, and report what answered."""
    try:
        client = await open_client(config)
    except SESSION_ERRORS as err:
        return ProbeResult(False, f"cannot connect to {config.endpoint}: {error_text(err)}")
    try:
        nodes = [client.get_node(s.node) for s in config.signals]
        values = await read_data_values(client, nodes, config.batch_size)
        state = await client.nodes.server_state.read_value()
    except SESSION_ERRORS as err:
        return ProbeResult(False, f"connected, but reading failed: {error_text(err)}")
    finally:
        await close_client(client, config.timeout_s)
    bad = {
        s.node: v.StatusCode.name
        for s, v in zip(config.signals, values, strict=True)
        if v.StatusCode is not None and not v.StatusCode.is_good()
    }
    facts = {"server_state": str(state), "nodes": len(nodes), "not_good": bad}
    if bad:
        return ProbeResult(False, f"{len(bad)} of {len(nodes)} node(s) not good", facts)
    return ProbeResult(True, f"all {len(nodes)} node(s) readable", facts)

"""Walk a server's address space and write a starter signal map for the site YAML."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from asyncua import Client, Node, ua

from pabrik.connectors.opcua.config import OpcuaEndpoint
from pabrik.connectors.opcua.mapping import to_number
from pabrik.connectors.opcua.session import close_client, open_client, read_data_values

# Standard namespace 0 holds the server's own objects (Server, diagnostics), not machines.
_STANDARD_NAMESPACE = 0


@dataclass(frozen=True, slots=True)
class FoundVariable:
    """A variable found under the Objects folder."""

    node_id: str
    path: tuple[str, ...]
    value_type: str
    numeric: bool


def slug(text: str) -> str:
    """A pabrik identifier from a browse name: lower case, digits, '-' and '_'."""
    out = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return (out or "x")[:64]


async def _children(node: Node) -> list[ua.ReferenceDescription]:
    # asyncua follows BrowseNext continuation points inside get_references.
    return await node.get_children_descriptions(refs=ua.ObjectIds.HierarchicalReferences)


async def walk(client: Client, depth: int) -> list[tuple[Node, tuple[str, ...]]]:
    """Variables below Objects down to ``depth`` levels, skipping namespace 0."""
    found: list[tuple[Node, tuple[str, ...]]] = []
    level: list[tuple[Node, tuple[str, ...]]] = [(client.nodes.objects, ())]
    seen: set[ua.NodeId] = set()
    for _ in range(depth):
        following: list[tuple[Node, tuple[str, ...]]] = []
        for parent, path in level:
            for ref in await _children(parent):
                node_id = ref.NodeId
                if node_id.NamespaceIndex == _STANDARD_NAMESPACE or node_id in seen:
                    continue
                seen.add(node_id)
                child = client.get_node(node_id)
                child_path = (*path, str(ref.BrowseName.Name))
                if ref.NodeClass == ua.NodeClass.Variable:
                    found.append((child, child_path))
                if ref.NodeClass in (ua.NodeClass.Object, ua.NodeClass.Variable):
                    following.append((child, child_path))
        level = following
    return found


async def browse(config: OpcuaEndpoint, depth: int = 4) -> list[FoundVariable]:
    """Every variable below Objects, with its type as read from its current value."""
    client = await open_client(config)
    try:
        variables = await walk(client, depth)
        values = await read_data_values(client, [n for n, _ in variables], config.batch_size)
    finally:
        await close_client(client, config.timeout_s)
    found = []
    for (node, path), value in zip(variables, values, strict=True):
        variant = value.Value
        raw = variant.Value if variant is not None else None
        kind = variant.VariantType.name if variant is not None else "Null"
        numeric = to_number(raw) is not None
        found.append(FoundVariable(node.nodeid.to_string(), path, kind, numeric))
    return found


def _q(text: str) -> str:
    # JSON strings are valid YAML scalars and need no escaping rules of their own.
    return json.dumps(text, ensure_ascii=False)


def signal_map_yaml(endpoint: str, found: list[FoundVariable], connector_id: str) -> str:
    """A starter ``connectors:`` list item: numeric variables as samples, the rest commented."""
    lines = [
        f"# Starter signal map written by `pabrik connect browse` from {endpoint}",
        f"# at {datetime.now(UTC).isoformat(timespec='seconds')}.",
        "# Check each machine and signal id against your site file, choose role state or",
        "# count where a variable is a machine state or a cumulative counter, then paste",
        "# this list item as it is on the line after `connectors:` (or `pabrik config import`",
        "# a site file holding it).",
        f"- kind: opcua\n  id: {_q(connector_id)}\n  endpoint: {_q(endpoint)}\n  signals:",
    ]
    for v in found:
        machine = slug(v.path[-2]) if len(v.path) > 1 else "machine"
        entry = [
            f"# {'/'.join(v.path)} ({v.value_type})",
            f"- node: {_q(v.node_id)}",
            f"  machine: {_q(machine)}",
            "  role: sample",
            f"  signal: {_q(slug(v.path[-1]))}",
        ]
        if not v.numeric:
            entry = [entry[0] + ": not numeric, left out"] + ["# " + e for e in entry[1:]]
        lines += ["    " + e for e in entry]
    return "\n".join(lines) + "\n"

"""One level of a server's address space at a time, and a search by name, for the browser."""

from __future__ import annotations

from dataclasses import dataclass

from asyncua import ua

from pabrik.connectors.opcua.browse import walk
from pabrik.connectors.opcua.config import OpcuaEndpoint
from pabrik.connectors.opcua.mapping import to_number
from pabrik.connectors.opcua.session import close_client, open_client, read_data_values

_STANDARD_NAMESPACE = 0
_SHOWN = 40


@dataclass(frozen=True, slots=True)
class TreeNode:
    """A child in the address space: a folder or object to expand, or a variable to map."""

    node_id: str
    name: str
    path: str
    variable: bool
    expandable: bool
    value: str
    numeric: bool


def _shown(raw: object) -> str:
    text = f"{raw:.6g}" if isinstance(raw, float) else str(raw)
    return text[:_SHOWN]


async def children(config: OpcuaEndpoint, node_id: str | None, path: str = "") -> list[TreeNode]:
    """The children of a node (the Objects folder when None), variables with their value."""
    client = await open_client(config)
    try:
        parent = client.nodes.objects if node_id is None else client.get_node(node_id)
        refs = await parent.get_children_descriptions(refs=ua.ObjectIds.HierarchicalReferences)
        kept = [r for r in refs if r.NodeId.NamespaceIndex != _STANDARD_NAMESPACE]
        variables = [
            client.get_node(r.NodeId) for r in kept if r.NodeClass == ua.NodeClass.Variable
        ]
        values = await read_data_values(client, variables, config.batch_size)
    finally:
        await close_client(client, config.timeout_s)
    by_id = {n.nodeid.to_string(): v for n, v in zip(variables, values, strict=True)}
    out = []
    for r in kept:
        nid = r.NodeId.to_string()
        name = str(r.BrowseName.Name)
        value = by_id.get(nid)
        raw = value.Value.Value if value is not None and value.Value is not None else None
        variable = r.NodeClass == ua.NodeClass.Variable
        expandable = r.NodeClass == ua.NodeClass.Object
        where = f"{path}/{name}" if path else name
        shown = _shown(raw) if variable else ""
        out.append(
            TreeNode(nid, name, where, variable, expandable, shown, to_number(raw) is not None)
        )
    return out


async def search(config: OpcuaEndpoint, text: str, depth: int = 6) -> list[TreeNode]:
    """Variables whose path contains ``text`` (any case), down to ``depth`` levels."""
    needle = text.strip().lower()
    client = await open_client(config)
    try:
        found = [(n, p) for n, p in await walk(client, depth) if needle in "/".join(p).lower()]
        values = await read_data_values(client, [n for n, _ in found], config.batch_size)
    finally:
        await close_client(client, config.timeout_s)
    out = []
    for (node, path), value in zip(found, values, strict=True):
        raw = value.Value.Value if value.Value is not None else None
        out.append(
            TreeNode(
                node.nodeid.to_string(), path[-1], "/".join(path), True, False,
                _shown(raw), to_number(raw) is not None,
            )
        )  # fmt: skip
    return out

"""Turn what a person picked (OPC UA variables, MQTT topics, Sparkplug devices) into form rows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import yaml

from pabrik.runtime.connect.forms import ROW, row_indices

PICK_SEP = "|"


def slug(text: str) -> str:
    """A pabrik identifier from a browse name or topic level."""
    out = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return (out or "x")[:64]


def guess_machine(parts: Iterable[str], machines: Iterable[str]) -> str:
    """The first machine id that a path's parts name (as a slug), else ''."""
    known = set(machines)
    for part in reversed(list(parts)):
        if slug(part) in known:
            return slug(part)
    return ""


def _append(values: dict[str, str], table: str, row: Mapping[str, str]) -> None:
    i = max(row_indices(values, table), default=-1) + 1
    values[f"{table}.{i}.{ROW}"] = ""
    values |= {f"{table}.{i}.{k}": v for k, v in row.items()}


def add_opcua_nodes(
    values: Mapping[str, str], picks: Iterable[str], machines: Iterable[str] = ()
) -> dict[str, str]:
    """One signal row per picked variable (``node|path``) not mapped yet."""
    out = dict(values)
    known = list(machines)
    mapped = {out.get(f"signals.{i}.node") for i in row_indices(out, "signals")}
    for pick in picks:
        node, _, path = pick.partition(PICK_SEP)
        if not node or node in mapped:
            continue
        parts = [p for p in path.split("/") if p] or [node]
        row = {"node": node, "role": "sample", "signal": slug(parts[-1])}
        row["machine"] = guess_machine(parts[:-1], known)
        _append(out, "signals", row)
        mapped.add(node)
    return out


def add_mqtt_topics(
    values: Mapping[str, str], topics: Iterable[str], machines: Iterable[str] = ()
) -> dict[str, str]:
    """One topic rule per picked topic (an exact filter, a sample with the last level's name)."""
    out = dict(values)
    known = list(machines)
    mapped = {out.get(f"topic_map.{i}.filter") for i in row_indices(out, "topic_map")}
    for topic in topics:
        if not topic or topic in mapped:
            continue
        levels = topic.split("/")
        row = {"filter": topic, "kind": "sample", "signal": slug(levels[-1])}
        row["machine"] = guess_machine(levels[:-1], known)
        row["fields"] = "value: $\n"
        row["receive_time"] = "true"
        _append(out, "topic_map", row)
        mapped.add(topic)
    return out


def add_sparkplug_devices(
    values: Mapping[str, str], picks: Iterable[str], machines: Iterable[str] = ()
) -> dict[str, str]:
    """One device map per picked ``group|edge|device|metric,metric``, metrics as signals."""
    out = dict(values)
    known = list(machines)
    for pick in picks:
        group, edge, device, names = [*pick.split(PICK_SEP), "", "", ""][:4]
        if not edge:
            continue
        metrics = {n: slug(n.rsplit("/", 1)[-1]) for n in names.split(",") if n}
        row = {"group": group, "edge": edge, "device": device}
        row["machine"] = guess_machine([edge, device], known)
        row["metrics"] = yaml.safe_dump(metrics, sort_keys=False) if metrics else ""
        _append(out, "devices", row)
    return out

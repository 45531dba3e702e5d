"""Live helpers of the connector forms: Modbus read preview, OPC UA tree, topics seen."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from pabrik.connectors.contract import error_text
from pabrik.connectors.modbus.config import ModbusDevice, ModbusPoint
from pabrik.connectors.modbus.preview import PointReading, read_points
from pabrik.connectors.mqtt.config import BrokerConfig
from pabrik.connectors.mqtt.listen import SeenTopic, TopicListener
from pabrik.connectors.opcua.config import OpcuaEndpoint
from pabrik.connectors.opcua.tree import TreeNode, children, search
from pabrik.connectors.sparkplug.listen import SeenDevice, devices
from pabrik.runtime.connect import forms

IDLE_S = 120.0


def _sub(values: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}


def _part(model: type[BaseModel], values: Mapping[str, str]) -> forms.Decoded:
    return forms.decode(model, values)


@dataclass(slots=True)
class DevicePreview:
    """One device's points as read now, or why they could not be."""

    device: str
    problem: str | None
    readings: list[PointReading] = field(default_factory=list)
    points: list[ModbusPoint] = field(default_factory=list)


def _device(values: Mapping[str, str]) -> tuple[ModbusDevice | None, str | None]:
    decoded = _part(ModbusDevice, values)
    if isinstance(decoded.config, ModbusDevice):
        return decoded.config, None
    # Preview what can be read: the points that are complete on their own.
    good = []
    for i in forms.row_indices(values, "points"):
        point = _part(ModbusPoint, _sub(values, f"points.{i}."))
        if point.config is not None:
            good.append(i)
    kept = {k: v for k, v in values.items() if not k.startswith("points.")}
    for j, i in enumerate(good):
        kept |= {f"points.{j}.{k}": v for k, v in _sub(values, f"points.{i}.").items()}
    retry = _part(ModbusDevice, kept)
    if isinstance(retry.config, ModbusDevice):
        return retry.config, None
    return None, "; ".join(f"{e.name}: {e.message}" for e in retry.errors)


async def modbus_preview(values: Mapping[str, str]) -> list[DevicePreview]:
    """Every device of a Modbus form read once, point by point."""
    out = []
    for i in forms.row_indices(values, "devices"):
        part = _sub(values, f"devices.{i}.")
        name = part.get("id") or f"#{i + 1}"
        device, problem = _device(part)
        if device is None:
            out.append(DevicePreview(name, problem))
            continue
        try:
            problem, readings = await read_points(device)
        except Exception as err:  # noqa: BLE001 - any library failure is one line for people
            problem, readings = error_text(err), []
        out.append(DevicePreview(name, problem, readings, list(device.points)))
    return out


def opcua_endpoint(values: Mapping[str, str]) -> tuple[OpcuaEndpoint | None, str | None]:
    """The session part of an OPC UA form (enough to browse before any signal is mapped)."""
    fields = set(OpcuaEndpoint.model_fields)
    part = {k: v for k, v in values.items() if k.split(".", 1)[0] in fields}
    part.setdefault("id", "browse")
    part["id"] = part["id"] or "browse"
    decoded = _part(OpcuaEndpoint, part)
    if isinstance(decoded.config, OpcuaEndpoint):
        return decoded.config, None
    return None, "; ".join(f"{e.name}: {e.message}" for e in decoded.errors)


async def opcua_children(
    values: Mapping[str, str], node: str | None, path: str = ""
) -> tuple[list[TreeNode], str | None]:
    """One level of the tree, or the reason it could not be read."""
    endpoint, problem = opcua_endpoint(values)
    if endpoint is None:
        return [], problem
    try:
        return await children(endpoint, node, path), None
    except Exception as err:  # noqa: BLE001 - any browse failure is one line for people
        return [], f"cannot browse {endpoint.endpoint}: {error_text(err)}"


async def opcua_search(values: Mapping[str, str], text: str) -> tuple[list[TreeNode], str | None]:
    """Variables whose path contains ``text``."""
    endpoint, problem = opcua_endpoint(values)
    if endpoint is None:
        return [], problem
    try:
        return await search(endpoint, text), None
    except Exception as err:  # noqa: BLE001 - any browse failure is one line for people
        return [], f"cannot browse {endpoint.endpoint}: {error_text(err)}"


async def opcua_session_test(values: Mapping[str, str]) -> tuple[bool, str] | None:
    """Test an OPC UA endpoint before any signal is mapped (None: the endpoint is incomplete)."""
    endpoint, _ = opcua_endpoint(values)
    if endpoint is None:
        return None
    found, problem = await opcua_children(values, None)
    if problem is not None:
        return False, problem
    return True, f"connected to {endpoint.endpoint}: {len(found)} item(s) under Objects"


class Watches:
    """Short-lived broker watchers, one per broker and filters, stopped when left idle."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, int, tuple[str, ...]], TopicListener] = {}
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None

    def seen(
        self, broker: BrokerConfig, filters: list[str], window_s: float = 60.0
    ) -> tuple[list[SeenTopic], str | None]:
        """Topics seen in the last ``window_s`` seconds (the watch starts on the first call)."""
        key = (broker.host, broker.port, tuple(filters))
        with self._lock:
            self._reap()
            listener = self._items.get(key)
            if listener is None:
                listener = TopicListener(broker, "pabrik-ui", filters)
                listener.start()
                self._items[key] = listener
                self._ensure_reaper()
        return listener.seen(window_s), listener.error

    def _ensure_reaper(self) -> None:
        """A daemon thread that stops idle watches, ending when none is left."""
        if self._reaper is not None and self._reaper.is_alive():
            return
        self._reaper = threading.Thread(target=self._reap_loop, name="pabrik-watch", daemon=True)
        self._reaper.start()

    def _reap_loop(self) -> None:
        while True:
            time.sleep(IDLE_S / 4)
            with self._lock:
                self._reap()
                if not self._items:
                    return

    def _reap(self) -> None:
        now = time.monotonic()
        for key, listener in list(self._items.items()):
            if now - listener.last_used > IDLE_S:
                listener.stop()
                del self._items[key]

    def close(self) -> None:
        """Stop every watcher."""
        with self._lock:
            for listener in self._items.values():
                listener.stop()
            self._items.clear()


def broker_of(
    values: Mapping[str, str], previous: BrokerConfig | None = None
) -> tuple[BrokerConfig | None, str | None]:
    """The broker part of an MQTT or Sparkplug form (a blank password keeps the saved one)."""
    decoded = forms.decode(BrokerConfig, _sub(values, "broker."), previous)
    if isinstance(decoded.config, BrokerConfig):
        return decoded.config, None
    return None, "; ".join(f"broker.{e.name}: {e.message}" for e in decoded.errors)


def sparkplug_devices(seen: list[SeenTopic]) -> list[SeenDevice]:
    """Sparkplug nodes and devices behind the topics seen."""
    return devices(seen)

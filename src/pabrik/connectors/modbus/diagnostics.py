"""A redacted view of the Modbus connector for support."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import ConnectorMetrics, redact
from pabrik.connectors.modbus.config import ModbusConfig

if TYPE_CHECKING:
    from pabrik.connectors.modbus.poller import DevicePoller


def diagnostics(
    config: ModbusConfig, pollers: list[DevicePoller], metrics: ConnectorMetrics
) -> dict[str, Any]:
    """Configuration, merged read plans, device status and the points now bad."""
    devices = {}
    for poller in pollers:
        devices[poller.device.id] = {
            "status": asdict(poller.status),
            "reads": [
                {"table": r.table, "address": r.address, "count": r.count, "points": len(r.points)}
                for r in poller.plan
            ],
            "bad_points": {
                _point_name(poller, i): reason for i, reason in poller.tracker.bad.items()
            },
        }
    data = {
        "config": config.model_dump(mode="json"),
        "metrics": asdict(metrics),
        "devices": devices,
    }
    return dict(redact(data))


def _point_name(poller: DevicePoller, index: int) -> str:
    p = poller.device.points[index]
    return f"{p.machine}/{p.signal or p.role}@{p.table}:{p.address}"

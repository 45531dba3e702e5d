"""A redacted view of the Modbus connector for support."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, report
from pabrik.connectors.modbus.config import ModbusConfig

if TYPE_CHECKING:
    from pabrik.connectors.modbus.poller import DevicePoller


def diagnostics(
    config: ModbusConfig,
    metrics: ConnectorMetrics,
    state: ConnectionState,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The common report (see ``contract.report``) of one Modbus connector."""
    return report(config.kind, config.id, config.model_dump(mode="json"), metrics, state, details)


def device_details(pollers: Sequence[DevicePoller]) -> dict[str, Any]:
    """Per device: its state and status, merged read plan, and the points now bad."""
    devices = {}
    for poller in pollers:
        devices[poller.device.id] = {
            "state": poller.link.state.value,
            "status": asdict(poller.status),
            "reads": [
                {"table": r.table, "address": r.address, "count": r.count, "points": len(r.points)}
                for r in poller.plan
            ],
            "bad_points": {
                _point_name(poller, i): reason for i, reason in poller.tracker.bad.items()
            },
        }
    return {"devices": devices}


def _point_name(poller: DevicePoller, index: int) -> str:
    p = poller.device.points[index]
    return f"{p.machine}/{p.signal or p.role}@{p.table}:{p.address}"

"""What the pages that edit one machine's records share: the machine, its names, the form keys."""

from __future__ import annotations

from typing import Any

from pabrik.model.errors import NotFoundError
from pabrik.model.records import to_epoch_ms
from pabrik.present.formatting import Formatter
from pabrik.runtime.app import Runtime

SEE_OTHER = 303
MAX_MS = 7_258_118_400_000  # 2200-01-01, the latest instant pabrik stores


def machine_form(runtime: Runtime, machine_id: str, fmt: Formatter) -> dict[str, Any]:
    """Template variables of a page of forms about one configured machine (else NotFound)."""
    machine = runtime.plant.machine(machine_id)
    if machine is None:
        raise NotFoundError(f"machine '{machine_id}' not found", machine_id=machine_id)
    return {
        "machine": machine,
        "machine_name": machine.name.get(fmt.locale),
        "reason_names": {r.id: r.name.get(fmt.locale) for r in runtime.plant.downtime_reasons},
        "to_ms": to_epoch_ms,
    }

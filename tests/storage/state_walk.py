"""The alarm service's per-machine view before ``state_runs``: the reference both are checked by.

The state in force and the start of its run of equal states, read back an hour, then a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pabrik.model.records import StateRecord
from pabrik.storage.store import StateRun

LOOK_BACK = (timedelta(hours=1), timedelta(days=1))


class States(Protocol):
    """A store's state records."""

    def states(self, machine_id: str, start: datetime, end: datetime) -> list[StateRecord]:
        """State records in [start, end), with the last one before and the first one after."""
        ...


def walked(store: States, machine_id: str, at: datetime, *, before: bool) -> StateRun | None:
    """The state in force at ``at`` (or just before), its product and since when it held."""
    current: StateRecord | None = None
    since = at
    for back in LOOK_BACK:
        records = store.states(machine_id, at - back, at)
        usable = [r for r in records if (r.ts < at if before else r.ts <= at)]
        if not usable:
            return None
        current, since, began = usable[-1], usable[-1].ts, False
        for r in reversed(usable[:-1]):
            if r.state != current.state:
                began = True
                break
            since = r.ts
        if began:
            break
    assert current is not None
    return StateRun(current.state, current.product_id, since)

"""The simulator as a live connector: poll it with the current time, get what happened."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics
from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.connectors.simulator.diagnostics import diagnostics
from pabrik.connectors.simulator.plant import SimulatedPlant
from pabrik.model.records import CountRecord, Record, StateRecord
from pabrik.model.site import Plant


@dataclass(slots=True)
class SimulatorMetrics:
    """How many records of each kind the connector has produced."""

    states: int = 0
    counts: int = 0
    samples: int = 0
    polls: int = 0

    @property
    def records(self) -> int:
        """All records produced."""
        return self.states + self.counts + self.samples

    def tally(self, records: list[Record]) -> None:
        """Add one poll's records."""
        self.polls += 1
        for r in records:
            if isinstance(r, StateRecord):
                self.states += 1
            elif isinstance(r, CountRecord):
                self.counts += 1
            else:
                self.samples += 1


class SimulatorConnector:
    """A thin live wrapper; the runtime schedules polls, stores records and checkpoints."""

    def __init__(self, plant: Plant, config: SimulatorConfig, anchor: datetime) -> None:
        self.config = config
        self.metrics = SimulatorMetrics()
        self._plant = SimulatedPlant(plant, config, anchor)

    @property
    def id(self) -> str:
        """The connector id, which is also the ``source`` of its records."""
        return self.config.id

    @property
    def anchor(self) -> datetime:
        """The instant the simulation starts from; store it to resume after a crash."""
        return self._plant.anchor

    @property
    def position(self) -> datetime:
        """The instant up to which records have been handed out."""
        return self._plant.position

    def poll(self, now: datetime) -> list[Record]:
        """Every record with ts before ``now`` not returned before, in timestamp order."""
        records = self._plant.advance_to(now)
        self.metrics.tally(records)
        return records

    @property
    def state(self) -> ConnectionState:
        """Always connected: the plant lives in this process."""
        return ConnectionState.CONNECTED

    def diagnostics(self) -> dict[str, Any]:
        """The common report: records produced, by kind, and how far the simulation is."""
        details = asdict(self.metrics) | {
            "anchor": self.anchor.isoformat(),
            "position": self.position.isoformat(),
        }
        produced = ConnectorMetrics(received=self.metrics.records)
        return diagnostics(self.config, produced, self.state, details)

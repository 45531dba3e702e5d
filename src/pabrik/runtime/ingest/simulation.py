"""Drive the simulated plant: backfill history, run live, and resume after a crash.

The generator is deterministic for a given anchor, so a restart recreates it from
the stored anchor, fast-forwards to the committed position, and goes on; records
that were committed are never produced twice, and none are skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.connectors.simulator.plant import SimulatedPlant
from pabrik.model.errors import InvalidRequestError
from pabrik.model.site import Plant
from pabrik.runtime.ingest.pipeline import Ingestor

Progress = Callable[[float, float], None]
CHUNK = timedelta(hours=1)


class SimulationRunner:
    """Feeds a simulated plant through the ingest pipeline with checkpoints."""

    def __init__(self, plant: Plant, config: SimulatorConfig, ingestor: Ingestor) -> None:
        self.plant = plant
        self.config = config
        self.ingestor = ingestor
        self._anchor_key = f"simulator:{config.id}:anchor"
        self._position_key = f"simulator:{config.id}:position"
        self._fingerprint_key = f"simulator:{config.id}:fingerprint"
        self._generator: SimulatedPlant | None = None
        self.position: datetime | None = None

    def start(self, default_anchor: datetime) -> None:
        """Create the generator from the stored anchor (or a new one) and fast-forward."""
        store = self.ingestor.store
        stored_fingerprint = store.checkpoint(self._fingerprint_key)
        if stored_fingerprint is not None and stored_fingerprint != self.fingerprint():
            raise InvalidRequestError(
                "this data folder was simulated with another plant layout, calendar or"
                " simulator setting (seed included); use the same configuration or another"
                " data folder (--data-dir)",
                connector=self.config.id,
            )
        stored_anchor = store.checkpoint(self._anchor_key)
        anchor = datetime.fromisoformat(stored_anchor) if stored_anchor else default_anchor
        stored_position = store.checkpoint(self._position_key)
        self._generator = SimulatedPlant(self.plant, self.config, anchor)
        if stored_position:
            self.position = datetime.fromisoformat(stored_position)
            self._generator.advance_to(self.position)
        else:
            self.position = anchor
            self.ingestor.flush(
                {self._anchor_key: anchor.isoformat(), self._fingerprint_key: self.fingerprint()}
            )

    def fingerprint(self) -> str:
        """A hash of everything that shapes the simulated records, to refuse a mixed history."""
        shaping = {
            "areas": _without_korean(
                self.plant.model_dump(mode="json", include={"areas", "calendar"})
            ),
            "reasons": [r.id for r in self.plant.downtime_reasons],
            "simulator": self.config.model_dump(mode="json"),
        }
        text = json.dumps(shaping, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def advance_to(self, t: datetime) -> int:
        """Generate, validate and commit everything up to ``t``; return records written."""
        if self._generator is None or self.position is None:
            raise RuntimeError("call start() first")
        if t.tzinfo is None or t.utcoffset() is None:
            # Else the comparison below raises a TypeError that names no cause.
            raise InvalidRequestError(
                f"{t.isoformat()} has no UTC offset: the simulator needs one",
                instant=t.isoformat(),
            )
        if t <= self.position:
            return 0
        records = self._generator.advance_to(t)
        for failed in self._generator.take_failures():
            self.ingestor.reject_input(
                failed.source, failed.reason_code, failed.detail, failed.payload
            )
        result = self.ingestor.ingest(records, {self._position_key: t.isoformat()})
        self.position = t
        return result.inserted

    def backfill(self, until: datetime, progress: Progress | None = None) -> int:
        """Catch up to ``until`` in one-hour chunks, committing each."""
        if self.position is None:
            raise RuntimeError("call start() first")
        start = self.position
        total = max((until - start).total_seconds(), 1.0)
        written = 0
        while self.position < until:
            written += self.advance_to(min(self.position + CHUNK, until))
            if progress is not None:
                progress((self.position - start).total_seconds(), total)
        return written


def _without_korean(value: object) -> object:
    """The dump without Korean names: they came after data folders existed and shape no record."""
    if isinstance(value, dict):
        return {k: _without_korean(v) for k, v in value.items() if k != "ko"}
    if isinstance(value, list):
        return [_without_korean(v) for v in value]
    return value

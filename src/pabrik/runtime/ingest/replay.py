"""Replay dead letters once their cause is fixed: decode again, write what passes.

Each letter keeps a replay context (format, topic, kind...). Records are written before the
letters are deleted; a crash in between replays them again, which the natural keys make
harmless.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pabrik.connectors.csv.config import CsvOptions
from pabrik.connectors.csv.mapping import MissingColumnsError, RowDecoder, header_index
from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.connectors.mqtt.mapping import JsonDecoder
from pabrik.model.records import (
    CountRecord,
    DeadLetter,
    Record,
    SampleRecord,
    StateRecord,
)
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass
from pabrik.model.validation import Rejection, check_record, decode_payload
from pabrik.storage.store import Store

CHUNK = 1000
NOT_REPLAYABLE = Rejection("not_replayable", "this letter has no replay context")


@dataclass(slots=True)
class ReplayReport:
    """What a replay did: letters replayed, still rejected (with reasons), or not replayable."""

    replayed: int = 0
    still_rejected: int = 0
    not_replayable: int = 0
    records: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "replayed": self.replayed,
            "still_rejected": self.still_rejected,
            "not_replayable": self.not_replayable,
            "records": self.records,
            "reasons": dict(self.reasons.most_common()),
        }


class Replayer:
    """Re-decode dead letters with today's plant and connector configuration."""

    def __init__(
        self, store: Store, plant: Plant, connectors: Sequence[Any], clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.plant = plant
        self.clock = clock
        self._mqtt = {c.id: c for c in connectors if isinstance(c, MqttConfig)}
        self._decoders: dict[str, JsonDecoder] = {}

    def replay(self, ids: Sequence[int]) -> ReplayReport:
        """Replay the letters with these ids, in chunks."""
        report = ReplayReport()
        for i in range(0, len(ids), CHUNK):
            self._chunk(self.store.dead_letters_by_id(ids[i : i + CHUNK]), report)
        return report

    def _chunk(self, letters: list[DeadLetter], report: ReplayReport) -> None:
        now = self.clock()
        records: list[Record] = []
        replayed: list[int] = []
        still: list[tuple[int, str, str]] = []
        for letter in letters:
            found = self.decode(letter, now)
            assert letter.id is not None
            if isinstance(found, Rejection):
                report.reasons[found.code] += 1
                if found is NOT_REPLAYABLE:
                    report.not_replayable += 1
                else:
                    report.still_rejected += 1
                    still.append((letter.id, found.code, found.detail))
                continue
            records.extend(found)
            replayed.append(letter.id)
        if records:
            self.store.write(records)
        self.store.settle_dead_letters(replayed, still)
        report.replayed += len(replayed)
        report.records += len(records)

    def decode(self, letter: DeadLetter, now: datetime) -> list[Record] | Rejection:
        """The letter's records as they decode and validate now, or why they still do not."""
        found = self._decode(letter, now)
        if isinstance(found, Rejection):
            return found
        for record in found:
            why = check_record(record, self.plant, now)
            if why is not None:
                return why
        return found

    def _decode(self, letter: DeadLetter, now: datetime) -> list[Record] | Rejection:
        context = letter.context or {}
        form = context.get("format")
        try:
            if form == "record":
                return [record_from_json(letter.payload)]
            if form == "json":
                return self._json(letter, context)
            if form == "mqtt":
                return self._mqtt_message(letter, context)
            if form == "csv":
                return self._csv_row(letter, context, now)
        except (ValueError, KeyError, TypeError) as err:
            return Rejection("not_replayable", f"the stored letter is damaged: {str(err)[:200]}")
        return NOT_REPLAYABLE

    def _json(self, letter: DeadLetter, context: dict[str, str]) -> list[Record] | Rejection:
        found = decode_payload(
            letter.payload,
            kind=context["kind"],
            source=letter.source,
            machine_id=context["machine"],
            signal_id=context.get("signal"),
            max_bytes=self.plant.limits.max_payload_bytes,
        )
        return found if isinstance(found, Rejection) else [found]

    def _mqtt_message(
        self, letter: DeadLetter, context: dict[str, str]
    ) -> list[Record] | Rejection:
        config = self._mqtt.get(letter.source)
        if config is None:
            return Rejection("not_replayable", f"no MQTT connector '{letter.source}' is configured")
        decoder = self._decoders.get(config.id)
        if decoder is None:
            decoder = self._decoders[config.id] = JsonDecoder(config, self.plant)
        return decoder.decode(context["topic"], letter.payload.encode(), letter.received_at)

    def _csv_row(
        self, letter: DeadLetter, context: dict[str, str], now: datetime
    ) -> list[Record] | Rejection:
        options = CsvOptions(
            kind=context["kind"],
            source=letter.source,
            delimiter=context.get("delimiter", ","),
            decimal=context.get("decimal", "."),
            timezone=context.get("timezone") or None,
        )
        try:
            columns = header_index(json.loads(context["header"]), options.kind)
        except MissingColumnsError as err:
            return Rejection("not_replayable", str(err))
        row = next(csv.reader([letter.payload], delimiter=options.delimiter), [])
        found = RowDecoder(options, self.plant).decode(row, columns, now)
        return found if isinstance(found, Rejection) else [found]


def record_from_json(text: str) -> Record:
    """A record from the JSON the ingest pipeline keeps for refused records."""
    data = json.loads(text)
    ts = datetime.fromisoformat(data["ts"])
    kind = data["kind"]
    if kind == "state":
        return StateRecord(
            data["source"],
            data["machine_id"],
            ts,
            StateClass(data["state"]),
            data.get("reason"),
            data.get("product_id"),
            data.get("order_id"),
        )
    if kind == "count":
        return CountRecord(
            data["source"],
            data["machine_id"],
            ts,
            int(data["good"]),
            int(data["scrap"]),
            int(data.get("rework", 0)),
            data.get("product_id"),
        )
    if kind == "sample":
        return SampleRecord(
            data["source"],
            data["machine_id"],
            data["signal_id"],
            ts,
            float(data["value"]),
            Quality(data.get("quality", "good")),
        )
    raise ValueError(f"unknown record kind {kind!r}")

"""Sparkplug metrics to pabrik records, through the configured device and metric map."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.config import DeviceMap, MetricMap, SparkplugConfig
from pabrik.connectors.sparkplug.datatypes import metric_value, type_name
from pabrik.connectors.sparkplug.session import Catalogue
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord, from_epoch_ms
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass
from pabrik.model.validation import Rejection

_MAX_EPOCH_MS = 10**14


@dataclass(slots=True)
class Mapped:
    """Records and per-metric rejections (with a readable description) of one message."""

    records: list[Record] = field(default_factory=list)
    rejected: list[tuple[Rejection, str]] = field(default_factory=list)
    _counts: dict[tuple[str, datetime], dict[str, int]] = field(default_factory=dict)

    def add_count(self, machine_id: str, ts: datetime, name: str, delta: int) -> None:
        """Add to the count record of (machine, ts): one record per instant."""
        totals = self._counts.setdefault((machine_id, ts), {})
        totals[name] = totals.get(name, 0) + delta

    def finish(self, source: str) -> Mapped:
        """Turn the gathered counts into records."""
        for (machine_id, ts), t in self._counts.items():
            good, scrap, rework = t.get("good", 0), t.get("scrap", 0), t.get("rework", 0)
            self.records.append(CountRecord(source, machine_id, ts, good, scrap, rework))
        self._counts.clear()
        return self


def describe_metric(topic: str, metric: pb.Payload.Metric, name: str | None, value: Any) -> str:
    """A metric as readable JSON, kept in the dead-letter store."""
    return json.dumps(
        {
            "topic": topic,
            "metric": name,
            "alias": metric.alias if metric.HasField("alias") else None,
            "datatype": type_name(metric.datatype),
            "value": value if isinstance(value, int | float | str | bool) else repr(value)[:200],
        },
        default=str,
    )


class MetricMapper:
    """Look up devices and metrics, and make records from their values."""

    def __init__(self, config: SparkplugConfig, plant: Plant) -> None:
        self.source = config.id
        self._maps: dict[tuple[str | None, str, str | None], DeviceMap] = {
            (d.group, d.edge, d.device): d for d in config.devices
        }
        self._state_maps = {m.id: m.state_map for m in plant.machines()}

    def device(self, group: str, edge: str, device: str | None) -> DeviceMap | None:
        """The map of a node or device: one for its group first, then one for any group."""
        return self._maps.get((group, edge, device)) or self._maps.get((None, edge, device))

    def maps_of_node(self, group: str, edge: str) -> list[DeviceMap]:
        """The maps of a node and all its devices."""
        return [d for (g, e, _), d in self._maps.items() if e == edge and g in {None, group}]

    def metrics(
        self,
        topic: str,
        payload: pb.Payload,
        cat: Catalogue,
        dmap: DeviceMap | None,
        now: datetime,
        *,
        birth: bool,
    ) -> Mapped:
        """Records for a birth's or a data message's metrics."""
        out = Mapped()
        default_ms = payload.timestamp if payload.HasField("timestamp") else None
        for metric in payload.metrics:
            name = cat.name_of(metric)
            if name is None:
                why = Rejection("unknown_alias", f"alias {metric.alias} was not in the birth")
                out.rejected.append((why, describe_metric(topic, metric, None, None)))
                continue
            datatype = metric.datatype if metric.HasField("datatype") else cat.types.get(name, 0)
            value = metric_value(metric, datatype)
            meaning = dmap.meaning(name) if dmap is not None else None
            if meaning is not None and value is not None and not metric.is_transient:
                self._one(
                    out, topic, metric, name, value, meaning, dmap, cat, now, default_ms, birth
                )
            if value is not None:
                cat.last[name] = value
        return out.finish(self.source)

    def _one(
        self,
        out: Mapped,
        topic: str,
        metric: pb.Payload.Metric,
        name: str,
        value: Any,
        meaning: MetricMap,
        dmap: DeviceMap | None,
        cat: Catalogue,
        now: datetime,
        default_ms: int | None,
        birth: bool,
    ) -> None:
        assert dmap is not None
        ts = _timestamp(metric, default_ms, now)
        made = (
            Rejection("bad_timestamp", "metric timestamp is out of range")
            if ts is None
            else self._value(dmap.machine, meaning, name, value, ts, cat, out, birth)
        )
        if isinstance(made, Rejection):
            out.rejected.append((made, describe_metric(topic, metric, name, value)))
        elif made is not None:
            out.records.append(made)

    def _value(
        self,
        machine_id: str,
        meaning: MetricMap,
        name: str,
        value: Any,
        ts: datetime,
        cat: Catalogue,
        out: Mapped,
        birth: bool,
    ) -> Record | Rejection | None:
        if meaning.signal is not None:
            number = _number(value)
            if isinstance(number, Rejection):
                return number
            return SampleRecord(self.source, machine_id, meaning.signal, ts, number)
        if meaning.state:
            return self._state(machine_id, value, ts)
        assert meaning.count is not None
        delta = _count_delta(value, cat.last.get(name), meaning.cumulative, birth)
        if isinstance(delta, Rejection):
            return delta
        if delta:
            out.add_count(machine_id, ts, meaning.count, delta)
        return None

    def _state(self, machine_id: str, value: Any, ts: datetime) -> StateRecord | Rejection:
        key = str(value).lower() if isinstance(value, bool) else str(value)
        mapped = self._state_maps.get(machine_id, {}).get(key)
        if mapped is None and key in StateClass._value2member_map_:
            mapped = StateClass(key)
        if mapped is None:
            return Rejection(
                "unknown_state", f"state {key[:40]!r} is not in the machine's state_map"
            )
        return StateRecord(self.source, machine_id, ts, mapped)

    def death(
        self, maps: list[DeviceMap], cats: list[Catalogue | None], now: datetime
    ) -> list[Record]:
        """Bad-quality samples at their last value, and machine state unknown, at ``now``."""
        records: list[Record] = []
        machines: dict[str, None] = {}
        for dmap, cat in zip(maps, cats, strict=True):
            machines[dmap.machine] = None
            last = cat.last if cat is not None else {}
            for name in dmap.metrics:
                meaning = dmap.meaning(name)
                value = _number(last.get(name))
                if meaning is not None and meaning.signal is not None and isinstance(value, float):
                    records.append(
                        SampleRecord(
                            self.source, dmap.machine, meaning.signal, now, value, Quality.BAD
                        )
                    )
        records.extend(StateRecord(self.source, m, now, StateClass.UNKNOWN) for m in machines)
        return records


def _timestamp(metric: pb.Payload.Metric, default_ms: int | None, now: datetime) -> datetime | None:
    ms = metric.timestamp if metric.HasField("timestamp") else default_ms
    if ms is None:
        return now
    return from_epoch_ms(ms) if ms < _MAX_EPOCH_MS else None


def _number(value: Any) -> float | Rejection:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        number = float(value)
        if math.isfinite(number):
            return number
        return Rejection("not_finite", f"value {value!r} is not a finite number")
    kind = "text" if isinstance(value, str) else type(value).__name__
    return Rejection("wrong_type", f"a signal needs a number, got {kind}")


def _count_delta(value: Any, last: Any, cumulative: bool, birth: bool) -> int | Rejection:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return Rejection("wrong_type", "a count must be a whole number >= 0")
    if not cumulative:
        return value
    if birth or not isinstance(last, int):
        return 0  # the birth's total is the baseline for the deltas that follow
    return value - last if value >= last else value  # a smaller total means the counter reset

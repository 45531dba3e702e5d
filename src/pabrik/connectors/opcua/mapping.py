"""Pure OPC UA mapping: status codes to quality, node values to records, staleness."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pabrik.connectors.contract import KEPT_PAYLOAD_CHARS, InputRejection, decode_failure
from pabrik.connectors.opcua.config import OpcuaConfig, OpcuaSignal
from pabrik.model.counters import counter_delta, state_key
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass

# OPC UA Part 4 §7.34.1: the two top bits of a StatusCode give its severity.
_SEVERITY_SHIFT = 30
# OPC UA DateTime starts in 1601; asyncua decodes "no timestamp" (0) as that instant.
_NO_TIMESTAMP_BEFORE = datetime(1602, 1, 1, tzinfo=UTC)


def quality_from_status(code: int) -> Quality:
    """Good, uncertain or bad from a 32-bit OPC UA StatusCode value."""
    severity = (code >> _SEVERITY_SHIFT) & 0b11
    if severity == 0:
        return Quality.GOOD
    if severity == 1:
        return Quality.UNCERTAIN
    return Quality.BAD


def to_number(value: object) -> float | None:
    """A finite float from a numeric or boolean node value, else None."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    return None


def _usable(ts: object) -> datetime | None:
    if not isinstance(ts, datetime):
        return None
    aware = ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
    try:
        utc = aware.astimezone(UTC)
    except OverflowError:  # an instant near year 1 or 9999 with an offset has no UTC form
        return None
    return utc if utc >= _NO_TIMESTAMP_BEFORE else None


def pick_timestamp(source_ts: object, server_ts: object, received: datetime) -> datetime:
    """The source timestamp, else the server's, else when the value was received."""
    return _usable(source_ts) or _usable(server_ts) or received


def raw_text(change: Change) -> str:
    """The node and its raw value as text for a dead letter, even when repr itself fails."""
    try:
        value = repr(change.value)[:KEPT_PAYLOAD_CHARS]
    except Exception:  # noqa: BLE001 - e.g. an int too long to print
        value = f"<{type(change.value).__name__} that cannot be printed>"
    return f"{change.node[:200]} = {value}"


@dataclass(slots=True)
class SignalTracker:
    """What mapping remembers between changes: counter bases, states, last values."""

    counters: dict[str, int] = field(default_factory=dict)
    states: dict[str, StateClass] = field(default_factory=dict)
    last_values: dict[str, float] = field(default_factory=dict)
    stale: dict[str, Quality] = field(default_factory=dict)


@dataclass(slots=True)
class Mapped:
    """Records and rejections produced from node values."""

    records: list[Record] = field(default_factory=list)
    rejections: list[InputRejection] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Change:
    """One value of one node as the server reported it."""

    node: str
    value: object
    status: int
    ts: datetime


class Mapper:
    """Maps changes of configured nodes to records, remembering what it needs."""

    def __init__(
        self,
        source: str,
        signals: Iterable[OpcuaSignal],
        machine_states: dict[str, dict[str, StateClass]],
    ) -> None:
        self.source = source
        self.signals = {s.node: s for s in signals}
        self.machine_states = machine_states
        self.tracker = SignalTracker()

    def map(self, changes: Iterable[Change]) -> Mapped:
        """Records for a batch of changes; unknown nodes and bad values are rejected.

        A change whose mapping raises becomes a ``decode_error`` dead letter (the error's
        type, the raw value shortened) and the rest of the batch goes on: no poison value.
        """
        out = Mapped()
        for change in changes:
            one = Mapped()
            try:
                self._map_one(change, one)
            except Exception as err:  # noqa: BLE001 - one odd value must not stop the others
                one = Mapped(rejections=[decode_failure(self.source, err, raw_text(change), {})])
            out.records += one.records
            out.rejections += one.rejections
        return out

    def _map_one(self, change: Change, out: Mapped) -> None:
        signal = self.signals.get(change.node)
        if signal is None:
            out.rejections.append(self._reject(change, "unknown_node"))
            return
        self.tracker.stale.pop(change.node, None)
        quality = quality_from_status(change.status)
        if signal.role == "sample":
            self._sample(signal, change, quality, out)
        elif signal.role == "state":
            self._state(signal, change, quality, out)
        else:
            self._count(signal, change, quality, out)

    def _reject(self, change: Change, code: str) -> InputRejection:
        detail = (
            f"node {change.node[:200]}: value {change.value!r:.200} status 0x{change.status:08X}"
        )
        return InputRejection(self.source, code, detail, repr(change.value)[:1000])

    def _sample(self, signal: OpcuaSignal, change: Change, quality: Quality, out: Mapped) -> None:
        assert signal.signal is not None
        number = to_number(change.value)
        if number is not None:
            scaled = number * signal.scale + signal.offset
            number = scaled if math.isfinite(scaled) else None
        if number is None and quality is Quality.GOOD:
            out.rejections.append(self._reject(change, "wrong_type"))
            return
        if number is None or quality is Quality.BAD:
            # OPC UA Part 4 §7.34: a Bad value is not usable (often absent); keep the last one.
            number = self.tracker.last_values.get(signal.node, 0.0)
        elif quality is Quality.GOOD:
            self.tracker.last_values[signal.node] = number
        out.records.append(
            SampleRecord(self.source, signal.machine, signal.signal, change.ts, number, quality)
        )

    def _state(self, signal: OpcuaSignal, change: Change, quality: Quality, out: Mapped) -> None:
        state = StateClass.UNKNOWN
        if quality is not Quality.BAD:
            key = state_key(change.value)
            found = signal.states.get(key) or self.machine_states.get(signal.machine, {}).get(key)
            if found is None:
                out.rejections.append(self._reject(change, "unmapped_state"))
            else:
                state = found
        # Subscriptions re-send the current value after a reconnect; that is no new state.
        if self.tracker.states.get(signal.node) == state:
            return
        self.tracker.states[signal.node] = state
        out.records.append(StateRecord(self.source, signal.machine, change.ts, state))

    def _count(self, signal: OpcuaSignal, change: Change, quality: Quality, out: Mapped) -> None:
        if quality is not Quality.GOOD:
            return
        number = to_number(change.value)
        if isinstance(change.value, bool) or number is None or number < 0:
            out.rejections.append(self._reject(change, "bad_counter"))
            return
        if not number.is_integer():
            out.rejections.append(self._reject(change, "bad_counter"))
            return
        current = int(number)
        delta = counter_delta(self.tracker.counters.get(signal.node), current)
        self.tracker.counters[signal.node] = current
        if delta:
            out.records.append(_count_record(self.source, signal, change.ts, delta))

    def stale(self, nodes: Iterable[str], quality: Quality, ts: datetime) -> list[Record]:
        """Samples that repeat the last value with a worse quality, once per quality."""
        records: list[Record] = []
        for node in nodes:
            signal = self.signals.get(node)
            if signal is None or signal.role != "sample" or signal.signal is None:
                continue
            if node not in self.tracker.last_values or self.tracker.stale.get(node) == quality:
                continue
            self.tracker.stale[node] = quality
            value = self.tracker.last_values[node]
            records.append(
                SampleRecord(self.source, signal.machine, signal.signal, ts, value, quality)
            )
        return records


def _count_record(source: str, signal: OpcuaSignal, ts: datetime, delta: int) -> CountRecord:
    return CountRecord(
        source,
        signal.machine,
        ts,
        good=delta if signal.count_field == "good" else 0,
        scrap=delta if signal.count_field == "scrap" else 0,
        rework=delta if signal.count_field == "rework" else 0,
    )


def mapper_for(config: OpcuaConfig, plant: Plant) -> Mapper:
    """The mapping of a configuration's signals, with the plant's own state maps."""
    return Mapper(config.id, config.signals, {m.id: dict(m.state_map) for m in plant.machines()})

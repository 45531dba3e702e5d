"""Pure Modbus mapping: decode registers, plan merged reads, turn values into records."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from pabrik.connectors.contract import InputRejection, decode_failure
from pabrik.connectors.modbus.config import BIT_TABLES, ModbusDevice, ModbusPoint
from pabrik.connectors.modbus.rows import PollRows
from pabrik.model.counters import counter_delta, state_key
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord
from pabrik.model.states import Quality, StateClass

Value = bool | int | float | str
T = TypeVar("T")

_STRUCT: dict[str, str] = {
    "int16": "h",
    "uint16": "H",
    "int32": "i",
    "uint32": "I",
    "float32": "f",
    "float64": "d",
}

# Modbus application protocol v1.1b3, §7: exception codes a slave may answer with.
EXCEPTION_NAMES: dict[int, str] = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "slave device failure",
    5: "acknowledge",
    6: "slave device busy",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target failed to respond",
}


def exception_reason(code: int) -> str:
    """A readable reason for a Modbus exception code."""
    return f"modbus exception {code} ({EXCEPTION_NAMES.get(code, 'unknown')})"


def _registers_to_bytes(registers: Sequence[int], word_order: str, byte_order: str) -> bytes:
    words = registers[::-1] if word_order == "little" else registers
    # struct refuses values outside 0..65535, so a corrupt answer cannot wrap silently.
    return struct.pack(f"{'<' if byte_order == 'little' else '>'}{len(words)}H", *words)


def _bytes_to_registers(data: bytes, word_order: str, byte_order: str) -> list[int]:
    words = list(struct.unpack(f"{'<' if byte_order == 'little' else '>'}{len(data) // 2}H", data))
    return words[::-1] if word_order == "little" else words


def decode(
    registers: Sequence[int], dtype: str, word_order: str = "big", byte_order: str = "big"
) -> Value:
    """Decode raw 16-bit registers into a typed value.

    ``word_order`` says whether the first register holds the most significant word
    (big) or the least (little); ``byte_order`` says the same of the two bytes inside
    each register. Strings are read as Latin-1 with trailing NULs and spaces removed.
    """
    if dtype == "bool":
        return bool(registers[0])
    data = _registers_to_bytes(registers, word_order, byte_order)
    if dtype == "string":
        return data.decode("latin-1").rstrip("\x00 ")
    fmt = _STRUCT[dtype]
    if len(data) != struct.calcsize(fmt):
        raise ValueError(f"{dtype} needs {struct.calcsize(fmt) // 2} register(s)")
    value: int | float = struct.unpack(">" + fmt, data)[0]
    return value


def encode(
    value: Value, dtype: str, word_order: str = "big", byte_order: str = "big", length: int = 1
) -> list[int]:
    """Encode a typed value into registers: the inverse of ``decode``."""
    if dtype == "bool":
        return [1 if value else 0]
    if dtype == "string":
        data = str(value).encode("latin-1")[: 2 * length].ljust(2 * length, b"\x00")
    else:
        data = struct.pack(">" + _STRUCT[dtype], value)
    return _bytes_to_registers(data, word_order, byte_order)


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """One merged read: a table, a start address, a count, and the points it serves."""

    table: str
    address: int
    count: int
    points: tuple[int, ...]


def plan_reads(
    points: Sequence[ModbusPoint], *, max_registers: int, max_bits: int, max_gap: int
) -> list[ReadRequest]:
    """Merge points into as few reads as the limits allow, left to right per table.

    Greedy extension is optimal here: points do not overlap, so starting a new read
    only when the next point would break the size or gap limit never uses more
    reads than any other cover of the same points.
    """
    plans: list[ReadRequest] = []
    for table in sorted({p.table for p in points}):
        limit = max_bits if table in BIT_TABLES else max_registers
        members = sorted(
            (i for i, p in enumerate(points) if p.table == table), key=lambda i: points[i].address
        )
        start = end = -1
        group: list[int] = []
        for i in members:
            p = points[i]
            if group and p.address - end <= max_gap and p.end - start <= limit:
                end = max(end, p.end)
                group.append(i)
                continue
            if group:
                plans.append(ReadRequest(table, start, end - start, tuple(group)))
            start, end, group = p.address, p.end, [i]
        if group:
            plans.append(ReadRequest(table, start, end - start, tuple(group)))
    return plans


def plan_device(device: ModbusDevice) -> list[ReadRequest]:
    """The merged reads for one device's register map."""
    return plan_reads(
        device.points,
        max_registers=device.max_registers_per_read,
        max_bits=device.max_bits_per_read,
        max_gap=device.max_gap,
    )


def slice_point(request: ReadRequest, point: ModbusPoint, words: Sequence[int]) -> list[int]:
    """The registers (or bits as 0/1) of one point inside a read's answer."""
    begin = point.address - request.address
    part = list(words[begin : begin + point.width])
    if len(part) != point.width:
        raise ValueError("the answer is shorter than the request")
    return part


def point_value(point: ModbusPoint, raw: Sequence[int]) -> Value:
    """Decode one point and apply scale and offset to numbers."""
    value = decode(raw, point.data_type, point.word_order, point.byte_order)
    if isinstance(value, str) or (point.scale == 1.0 and point.offset == 0.0):
        return value
    return float(value) * point.scale + point.offset


@dataclass(slots=True)
class PointTracker:
    """What interpretation remembers between polls: counter bases, states, qualities."""

    counters: dict[int, int] = field(default_factory=dict)
    states: dict[int, StateClass] = field(default_factory=dict)
    last_values: dict[int, float] = field(default_factory=dict)
    bad: dict[int, str] = field(default_factory=dict)
    # Last values of whole plain reads (fastpath.py) by the read's first point, kept as the
    # read's columns: a dict entry per value and poll was a twentieth of the poll's time.
    columns: dict[int, tuple[tuple[int, ...], list[float]]] = field(default_factory=dict)

    def absorb(self) -> None:
        """Move kept columns into ``last_values``; done before reading or writing it by point."""
        if self.columns:
            for indices, numbers in self.columns.values():
                self.last_values.update(zip(indices, numbers, strict=True))
            self.columns.clear()


def _register_key(point: ModbusPoint) -> tuple[object, ...]:
    """What makes two points of two maps the same reading of the same register."""
    p = point
    return (p.table, p.address, p.data_type, p.width, p.word_order, p.byte_order, p.scale, p.offset)


def _moved(known: dict[int, T], moves: dict[int, int]) -> dict[int, T]:
    return {j: known[i] for j, i in moves.items() if i in known}


def carry_tracker(
    tracker: PointTracker, old: Sequence[ModbusPoint], new: Sequence[ModbusPoint]
) -> PointTracker:
    """The tracker for a new map: what it knew of each register kept at the point's new index."""
    tracker.absorb()
    where = {(_register_key(p), p.role): i for i, p in enumerate(old)}
    moves = {
        j: where[(_register_key(p), p.role)]
        for j, p in enumerate(new)
        if (_register_key(p), p.role) in where
    }
    return PointTracker(
        _moved(tracker.counters, moves),
        _moved(tracker.states, moves),
        _moved(tracker.last_values, moves),
        _moved(tracker.bad, moves),
    )


@dataclass(slots=True)
class Interpretation:
    """Records and rejections produced from one poll."""

    records: list[Record] = field(default_factory=list)
    rejections: list[InputRejection] = field(default_factory=list)
    # Good samples of the fast path (fastpath.py) as storage rows, after the records.
    rows: PollRows = field(default_factory=PollRows)


def count_record(ctx: Context, machine: str, count_field: str, delta: int) -> CountRecord:
    """A count record carrying ``delta`` units in one field (good, scrap or rework)."""
    return CountRecord(
        ctx.source,
        machine,
        ctx.ts,
        good=delta if count_field == "good" else 0,
        scrap=delta if count_field == "scrap" else 0,
        rework=delta if count_field == "rework" else 0,
    )


@dataclass(frozen=True, slots=True)
class Context:
    """Where records come from and which state map a machine already declares."""

    source: str
    ts: datetime
    machine_states: dict[str, dict[str, StateClass]]


def interpret(
    index: int, point: ModbusPoint, value: Value, ctx: Context, tracker: PointTracker
) -> Interpretation:
    """Turn one good value into records, updating the tracker."""
    tracker.absorb()
    out = Interpretation()
    tracker.bad.pop(index, None)
    if point.role == "sample":
        number = _number(value)
        if number is None:
            out.rejections.append(_reject(ctx, point, "not_finite", value))
            return out
        tracker.last_values[index] = number
        assert point.signal is not None
        out.records.append(SampleRecord(ctx.source, point.machine, point.signal, ctx.ts, number))
    elif point.role == "state":
        _interpret_state(index, point, value, ctx, tracker, out)
    else:
        _interpret_count(index, point, value, ctx, tracker, out)
    return out


def _number(value: Value) -> float | None:
    if isinstance(value, str):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _reject(ctx: Context, point: ModbusPoint, code: str, value: Value) -> InputRejection:
    where = f"{point.table} {point.address}"
    return InputRejection(ctx.source, code, f"{where}: value {value!r}", repr(value)[:200])


def _interpret_state(
    index: int,
    point: ModbusPoint,
    value: Value,
    ctx: Context,
    tracker: PointTracker,
    out: Interpretation,
) -> None:
    key = state_key(value)
    state = point.states.get(key) or ctx.machine_states.get(point.machine, {}).get(key)
    if state is None:
        out.rejections.append(_reject(ctx, point, "unmapped_state", value))
        state = StateClass.UNKNOWN
    # A polled state register repeats itself; only a change is a new state interval.
    if tracker.states.get(index) != state:
        tracker.states[index] = state
        out.records.append(StateRecord(ctx.source, point.machine, ctx.ts, state))


def _interpret_count(
    index: int,
    point: ModbusPoint,
    value: Value,
    ctx: Context,
    tracker: PointTracker,
    out: Interpretation,
) -> None:
    number = _number(value)
    if number is None or number < 0 or not number.is_integer():
        out.rejections.append(_reject(ctx, point, "bad_counter", value))
        return
    current = int(number)
    delta = counter_delta(tracker.counters.get(index), current)
    tracker.counters[index] = current
    if delta:
        out.records.append(count_record(ctx, point.machine, point.count_field, delta))


def mark_bad(
    index: int, point: ModbusPoint, reason: str, ctx: Context, tracker: PointTracker
) -> list[Record]:
    """Records saying a point could not be read, once per change of reason.

    A sample keeps its last value (or 0.0) because the store needs a finite number;
    the quality says not to trust it. A state becomes unknown; a counter keeps its
    base so the units made while unreadable are counted when it comes back.
    """
    if tracker.bad.get(index) == reason:
        return []
    tracker.bad[index] = reason
    if point.role == "sample":
        assert point.signal is not None
        tracker.absorb()
        last = tracker.last_values.get(index, 0.0)
        return [SampleRecord(ctx.source, point.machine, point.signal, ctx.ts, last, Quality.BAD)]
    if point.role == "state" and tracker.states.get(index) != StateClass.UNKNOWN:
        tracker.states[index] = StateClass.UNKNOWN
        return [StateRecord(ctx.source, point.machine, ctx.ts, StateClass.UNKNOWN)]
    return []


def read_request(
    request: ReadRequest,
    points: Sequence[ModbusPoint],
    words: Sequence[int],
    ctx: Context,
    tracker: PointTracker,
) -> Interpretation:
    """Records for every point a read served; never raises on odd answers.

    A point whose registers cannot be decoded (a short answer, a value out of range)
    is marked bad with the reason instead. A point whose mapping raises anything else
    becomes a ``decode_error`` dead letter and the other points go on: no poison value.
    """
    tracker.absorb()
    out = Interpretation()
    for index in request.points:
        point = points[index]
        one = Interpretation()
        try:
            _read_point(index, point, request, words, ctx, tracker, one)
        except Exception as err:  # noqa: BLE001 - one odd point must not stop the others
            raw = _raw(request, point, words)
            one = Interpretation(rejections=[decode_failure(ctx.source, err, raw, {})])
        out.records.extend(one.records)
        out.rejections.extend(one.rejections)
    return out


def _raw(request: ReadRequest, point: ModbusPoint, words: Sequence[int]) -> str:
    """A point's raw registers (or bits) as text for a dead letter."""
    begin = point.address - request.address
    return f"{point.table} {point.address} = {list(words[begin : begin + point.width])}"


def _read_point(
    index: int,
    point: ModbusPoint,
    request: ReadRequest,
    words: Sequence[int],
    ctx: Context,
    tracker: PointTracker,
    out: Interpretation,
) -> None:
    try:
        value = point_value(point, slice_point(request, point, words))
    except (ValueError, OverflowError, struct.error) as err:
        reason = f"cannot decode {point.table} {point.address}: {err}"
        out.records.extend(mark_bad(index, point, reason, ctx, tracker))
        return
    if point.role == "sample" and point.signal is not None and not isinstance(value, str):
        # The common case, kept short: a finite number becomes a good sample.
        number = float(value)
        if math.isfinite(number):
            tracker.bad.pop(index, None)
            tracker.last_values[index] = number
            out.records.append(
                SampleRecord(ctx.source, point.machine, point.signal, ctx.ts, number)
            )
            return
    one = interpret(index, point, value, ctx, tracker)
    out.records.extend(one.records)
    out.rejections.extend(one.rejections)

"""Decode a read's plain number samples with one precompiled struct, into sample rows.

A point takes this path when it is a sample of a numeric type in big-endian byte order
(and word order, for values wider than a register). Its value, scaling, tracking and
record are what ``read_request`` gives it; any other point, any odd answer (short, a word
out of range) and any value that is not finite go through ``read_request`` instead, so
refusals and bad-quality marks keep their exact form.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from pabrik.connectors.modbus.config import BIT_TABLES, ModbusPoint
from pabrik.connectors.modbus.mapping import (
    Context,
    Interpretation,
    PointTracker,
    ReadRequest,
    read_request,
)
from pabrik.connectors.modbus.rows import PollRows
from pabrik.model.batch import SampleRow
from pabrik.model.records import to_epoch_ms

_CODES: dict[str, str] = {
    "int16": "h",
    "uint16": "H",
    "int32": "i",
    "uint32": "I",
    "float32": "f",
    "float64": "d",
}


@dataclass(frozen=True, slots=True)
class FastPoint:
    """A point decoded by the request's layout: its index, target and scaling."""

    index: int
    machine: str
    signal: str
    scale: float
    offset: float


@dataclass(frozen=True, slots=True)
class FastRead:
    """A read request with its layout over the answer and the points decoded one by one."""

    request: ReadRequest
    layout: struct.Struct | None
    fast: tuple[FastPoint, ...]
    slow: ReadRequest | None
    # Column views of ``fast`` for the all-plain case (no scaling), one C loop per column.
    plain: bool = False
    # Whole-number types only: their floats are always finite, so no check is needed.
    integral: bool = False
    # The layout is the answer's words as uint16, side by side: it unpacks to the words.
    same: bool = False
    # The answer's words packed back into bytes, compiled once for the request's count.
    words: struct.Struct | None = None
    indices: tuple[int, ...] = ()
    machines: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()


def _fast(point: ModbusPoint) -> bool:
    return (
        point.role == "sample"
        and point.signal is not None
        and point.table not in BIT_TABLES
        and point.data_type in _CODES
        and point.byte_order == "big"
        and (point.width == 1 or point.word_order == "big")
    )


def compile_read(request: ReadRequest, points: Sequence[ModbusPoint]) -> FastRead:
    """The layout of a request's fast points, in address order, and the rest."""
    chosen = sorted(
        (i for i in request.points if _fast(points[i])), key=lambda i: points[i].address
    )
    fmt, cursor = [">"], request.address
    for i in chosen:
        p = points[i]
        if p.address > cursor:
            fmt.append(f"{2 * (p.address - cursor)}x")
        fmt.append(_CODES[p.data_type])
        cursor = p.address + p.width
    taken = set(chosen)
    rest = tuple(i for i in request.points if i not in taken)
    fast = tuple(
        FastPoint(i, points[i].machine, points[i].signal or "", points[i].scale, points[i].offset)
        for i in chosen
    )
    layout = "".join(fmt)
    return FastRead(
        request,
        struct.Struct(layout) if chosen else None,
        fast,
        ReadRequest(request.table, request.address, request.count, rest) if rest else None,
        plain=all(p.scale == 1.0 and p.offset == 0.0 for p in fast),
        integral=all(_CODES[points[i].data_type] in "hHiI" for i in chosen),
        same=layout == ">" + "H" * request.count,
        words=struct.Struct(f">{request.count}H"),
        indices=tuple(p.index for p in fast),
        machines=tuple(p.machine for p in fast),
        signals=tuple(p.signal for p in fast),
    )


def decode_read(
    read: FastRead,
    points: Sequence[ModbusPoint],
    words: Sequence[int],
    ctx: Context,
    tracker: PointTracker,
    rows: PollRows,
) -> Interpretation:
    """Rows of the fast points (added to ``rows``); what ``read_request`` makes of the rest."""
    out = Interpretation(rows=rows)
    decode_into(read, points, words, ctx, tracker, out, to_epoch_ms(ctx.ts))
    return out


def decode_into(
    read: FastRead,
    points: Sequence[ModbusPoint],
    words: Sequence[int],
    ctx: Context,
    tracker: PointTracker,
    out: Interpretation,
    ts_ms: int,
) -> None:
    """``decode_read``, adding to a poll's ``out``; ``ts_ms`` is ``ctx.ts``, worked out once."""
    request = read.request
    if read.layout is None or read.words is None or len(words) < request.count:
        add_read(out, read_request(request, points, words, ctx, tracker))
        return
    answer = words if len(words) == request.count else words[: request.count]
    try:
        data = read.words.pack(*answer)
    except struct.error:
        add_read(out, read_request(request, points, words, ctx, tracker))
        return
    source = ctx.source
    if read.plain and not tracker.bad:
        # A read of side-by-side uint16 points unpacks to its words: packing them checked
        # their range, so the ints are taken as they are.
        values = answer if read.same else read.layout.unpack_from(data)
        numbers = list(map(float, values))
        if read.integral or all(map(math.isfinite, numbers)):
            # What the loop below does point by point, a column at a time.
            tracker.columns[read.indices[0]] = (read.indices, numbers)
            out.rows.add_columns(read.machines, read.signals, ts_ms, source, numbers)
            if read.slow is not None:
                add_read(out, _rest(read, (), points, words, ctx, tracker))
            return
    values = read.layout.unpack_from(data)
    tracker.absorb()
    found: list[SampleRow] = []
    odd: list[int] = []
    bad, last = tracker.bad, tracker.last_values
    for point, value in zip(read.fast, values, strict=True):
        if point.scale == 1.0 and point.offset == 0.0:
            number = float(value)
        else:
            number = float(value) * point.scale + point.offset
        if not math.isfinite(number):
            odd.append(point.index)
            continue
        bad.pop(point.index, None)
        last[point.index] = number
        found.append((point.machine, point.signal, ts_ms, source, number, "good"))
    out.rows.extend(found)
    if odd or read.slow is not None:
        add_read(out, _rest(read, odd, points, words, ctx, tracker))


def _rest(
    read: FastRead,
    odd: Sequence[int],
    points: Sequence[ModbusPoint],
    words: Sequence[int],
    ctx: Context,
    tracker: PointTracker,
) -> Interpretation:
    """What ``read_request`` makes of the points left to it and of the odd values."""
    again = set(odd)
    if read.slow is not None:
        again.update(read.slow.points)
    request = read.request
    kept = tuple(i for i in request.points if i in again)
    slow = ReadRequest(request.table, request.address, request.count, kept)
    return read_request(slow, points, words, ctx, tracker)


def add_read(out: Interpretation, one: Interpretation) -> None:
    """Take on another read's records and rejections (the fast path's rows are not in them)."""
    out.records.extend(one.records)
    out.rejections.extend(one.rejections)

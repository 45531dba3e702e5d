"""The struct fast path gives exactly the records, rejections and tracker of read_request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.modbus.config import ModbusPoint
from pabrik.connectors.modbus.fastpath import compile_read, decode_read
from pabrik.connectors.modbus.mapping import (
    Context,
    PointTracker,
    carry_tracker,
    mark_bad,
    plan_reads,
    read_request,
)
from pabrik.connectors.modbus.rows import PollRows
from pabrik.model.batch import RecordBatch
from pabrik.model.records import SampleRecord
from pabrik.model.states import StateClass

TS = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)
CTX = Context("mb", TS, {"press-1": {"1": StateClass.RUNNING}})
TYPES = ["int16", "uint16", "int32", "uint32", "float32", "float64", "string"]


@st.composite
def register_maps(draw: st.DrawFn) -> list[ModbusPoint]:
    points, address = [], draw(st.integers(0, 5))
    for i in range(draw(st.integers(1, 8))):
        dtype = draw(st.sampled_from(TYPES))
        role = draw(st.sampled_from(["sample", "sample", "sample", "state", "count"]))
        if dtype == "string":
            role = "state"
        elif role == "count" and dtype.startswith("float"):
            role = "sample"
        point = ModbusPoint.model_validate(
            {
                "machine": "press-1",
                "role": role,
                "signal": f"s{i}" if role == "sample" else None,
                "address": address,
                "type": dtype,
                "length": 2 if dtype == "string" else None,
                "word_order": draw(st.sampled_from(["big", "little"])),
                "byte_order": draw(st.sampled_from(["big", "big", "little"])),
                "scale": draw(st.sampled_from([1.0, 1.0, 0.1, 1e300])),
            }
        )
        points.append(point)
        address = point.end + draw(st.integers(0, 2))
    return points


words = st.lists(
    st.integers(0, 65535) | st.sampled_from([0x7FC0, 0x7F80, 0xFFFF, 70_000, -1]), max_size=40
)


def both_ways(
    request: Any, compiled: Any, points: list[ModbusPoint], answer: list[int]
) -> tuple[list[str], list[str]]:
    """Fast-path and read_request records, once their rejections and trackers agree."""
    slow_tracker, fast_tracker, rows = PointTracker(), PointTracker(), PollRows()
    expected = read_request(request, points, answer, CTX, slow_tracker)
    found = decode_read(compiled, points, answer, CTX, fast_tracker, rows)
    assert found.rejections == expected.rejections
    fast_tracker.absorb()
    assert fast_tracker == slow_tracker
    return list(map(repr, RecordBatch(found.records, rows))), list(map(repr, expected.records))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(points=register_maps(), answer=words)
def test_the_fast_path_matches_read_request(points: list[ModbusPoint], answer: list[int]) -> None:
    for request in plan_reads(points, max_registers=125, max_bits=2000, max_gap=4):
        compiled = compile_read(request, points)
        found, expected = both_ways(request, compiled, points, answer[: request.count + 2])
        assert sorted(found) == sorted(expected)


def test_a_point_marked_bad_after_plain_reads_keeps_its_latest_value() -> None:
    points = [
        ModbusPoint.model_validate({"machine": "press-1", "signal": f"s{i}", "address": i})
        for i in range(3)
    ]
    [request] = plan_reads(points, max_registers=125, max_bits=2000, max_gap=0)
    compiled, tracker, rows = compile_read(request, points), PointTracker(), PollRows()
    decode_read(compiled, points, [1, 2, 3], CTX, tracker, rows)
    decode_read(compiled, points, [4, 5, 6], CTX, tracker, rows)
    [bad] = mark_bad(1, points[1], "gone", CTX, tracker)
    assert isinstance(bad, SampleRecord)
    assert bad.value == 5.0
    moved = carry_tracker(tracker, points, points[::-1])
    assert moved.last_values == {2: 4.0, 1: 5.0, 0: 6.0}


def test_side_by_side_uint16_points_take_the_words_as_read_request_reads_them() -> None:
    # The read's layout is its words: the ints are taken without unpacking. A long answer,
    # a word out of range and a short answer still decode as read_request decodes them.
    points = [
        ModbusPoint.model_validate({"machine": "press-1", "signal": f"s{i}", "address": 10 + i})
        for i in range(4)
    ]
    [request] = plan_reads(points, max_registers=125, max_bits=2000, max_gap=0)
    compiled = compile_read(request, points)
    assert compiled.same
    for answer in ([1, 65535, 0, 300], [7, 8, 9, 10, 11], [1, 70_000, 2, 3], [-1, 0, 0, 0], [5]):
        found, expected = both_ways(request, compiled, points, answer)
        assert found == expected

"""Pure Modbus mapping: decoding, request planning and records, with property tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.modbus.config import ModbusPoint
from pabrik.connectors.modbus.mapping import (
    Context,
    PointTracker,
    ReadRequest,
    counter_delta,
    decode,
    encode,
    mark_bad,
    plan_reads,
    point_value,
    read_request,
)
from pabrik.model.records import CountRecord, SampleRecord, StateRecord
from pabrik.model.states import Quality, StateClass

ORDERS = st.sampled_from(["big", "little"])
TS = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)
CTX = Context("mb", TS, {"press-1": {"1": StateClass.RUNNING, "0": StateClass.IDLE}})

INTS = {
    "int16": st.integers(-(2**15), 2**15 - 1),
    "uint16": st.integers(0, 2**16 - 1),
    "int32": st.integers(-(2**31), 2**31 - 1),
    "uint32": st.integers(0, 2**32 - 1),
}


@given(dtype=st.sampled_from(sorted(INTS)), data=st.data(), word=ORDERS, byte=ORDERS)
def test_integers_round_trip_through_registers_in_every_order(
    dtype: str, data: st.DataObject, word: str, byte: str
) -> None:
    value = data.draw(INTS[dtype])
    assert decode(encode(value, dtype, word, byte), dtype, word, byte) == value


@given(value=st.floats(width=32, allow_nan=False), word=ORDERS, byte=ORDERS)
def test_float32_round_trips_through_two_registers(value: float, word: str, byte: str) -> None:
    registers = encode(value, "float32", word, byte)
    assert len(registers) == 2
    assert decode(registers, "float32", word, byte) == value


@given(value=st.floats(allow_nan=False), word=ORDERS, byte=ORDERS)
def test_float64_round_trips_through_four_registers(value: float, word: str, byte: str) -> None:
    registers = encode(value, "float64", word, byte)
    assert len(registers) == 4
    assert decode(registers, "float64", word, byte) == value


@given(
    text=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=20),
    word=ORDERS,
    byte=ORDERS,
)
def test_strings_round_trip_padded_with_nuls(text: str, word: str, byte: str) -> None:
    length = max(1, (len(text) + 1) // 2)
    assert decode(encode(text, "string", word, byte, length), "string", word, byte) == text


@pytest.mark.parametrize(
    ("registers", "word", "byte", "expected"),
    [
        ([0x42F6, 0xE979], "big", "big", 123.456),
        ([0xE979, 0x42F6], "little", "big", 123.456),
        ([0xF642, 0x79E9], "big", "little", 123.456),
        ([0x79E9, 0xF642], "little", "little", 123.456),
    ],
)
def test_float32_word_and_byte_orders_match_device_manuals(
    registers: list[int], word: str, byte: str, expected: float
) -> None:
    assert decode(registers, "float32", word, byte) == pytest.approx(expected, rel=1e-6)


def test_signed_and_unsigned_read_the_same_registers_differently() -> None:
    assert decode([0xFFFF, 0xFFFE], "int32") == -2
    assert decode([0xFFFF, 0xFFFE], "uint32") == 0xFFFFFFFE
    assert decode([0x8000], "int16") == -32768


def test_scale_and_offset_turn_raw_counts_into_engineering_units() -> None:
    point = ModbusPoint(
        machine="press-1", signal="temperature", address=0, type="int16", scale=0.1, offset=-10
    )
    assert point_value(point, [1234]) == pytest.approx(113.4)
    assert point_value(point, encode(-50, "int16")) == pytest.approx(-15.0)


def _point(address: int, width: int, table: str = "holding") -> ModbusPoint:
    if table in ("coil", "discrete"):
        return ModbusPoint(machine="press-1", signal="flow", table=table, address=address)
    if width in (1, 2, 4):
        dtype = {1: "uint16", 2: "uint32", 4: "float64"}[width]
        return ModbusPoint(machine="press-1", signal="flow", address=address, type=dtype)
    return ModbusPoint(
        machine="press-1", role="state", address=address, type="string", length=width
    )


@st.composite
def layouts(draw: st.DrawFn) -> list[ModbusPoint]:
    """Non-overlapping points in one or two tables, with random gaps."""
    points: list[ModbusPoint] = []
    for table in draw(
        st.lists(st.sampled_from(["holding", "coil"]), min_size=1, max_size=2, unique=True)
    ):
        address = draw(st.integers(0, 50))
        for _ in range(draw(st.integers(1, 12))):
            width = 1 if table == "coil" else draw(st.sampled_from([1, 1, 2, 4, 7]))
            points.append(_point(address, width, table))
            address += width + draw(st.sampled_from([0, 0, 0, 1, 3, 20]))
    return points


def minimal_reads(spans: tuple[tuple[int, int], ...], limit: int, gap: int) -> int:
    """The fewest reads covering sorted spans, by dynamic programming (the oracle)."""

    @cache
    def best(i: int) -> int:
        if i == len(spans):
            return 0
        result = len(spans) + 1
        for j in range(i, len(spans)):
            if j > i and spans[j][0] - spans[j - 1][1] > gap:
                break
            if spans[j][1] - spans[i][0] > limit:
                break
            result = min(result, 1 + best(j + 1))
        return result

    return best(0)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    points=layouts(),
    limit=st.integers(8, 40),
    gap=st.integers(0, 5),
)
def test_merged_reads_cover_every_point_once_within_limits_and_are_fewest(
    points: list[ModbusPoint], limit: int, gap: int
) -> None:
    plans = plan_reads(points, max_registers=limit, max_bits=limit, max_gap=gap)
    served = sorted(i for r in plans for i in r.points)
    assert served == list(range(len(points)))
    for r in plans:
        assert 1 <= r.count <= limit
        for i in r.points:
            p = points[i]
            assert p.table == r.table
            assert r.address <= p.address
            assert p.end <= r.address + r.count
    for table in {p.table for p in points}:
        spans = tuple(sorted((p.address, p.end) for p in points if p.table == table))
        assert sum(r.table == table for r in plans) == minimal_reads(spans, limit, gap)


def test_contiguous_registers_use_the_protocol_maximum_per_read() -> None:
    points = [_point(a, 1) for a in range(300)]
    plans = plan_reads(points, max_registers=125, max_bits=2000, max_gap=0)
    assert [(r.address, r.count) for r in plans] == [(0, 125), (125, 125), (250, 50)]


def test_contiguous_coils_use_up_to_2000_bits_per_read() -> None:
    points = [_point(a, 1, "coil") for a in range(2500)]
    plans = plan_reads(points, max_registers=125, max_bits=2000, max_gap=0)
    assert [(r.address, r.count) for r in plans] == [(0, 2000), (2000, 500)]


def test_a_gap_wider_than_allowed_splits_the_read() -> None:
    points = [_point(0, 2), _point(10, 1)]
    assert len(plan_reads(points, max_registers=125, max_bits=2000, max_gap=7)) == 2
    assert len(plan_reads(points, max_registers=125, max_bits=2000, max_gap=8)) == 1


def test_a_cumulative_counter_becomes_deltas_and_survives_a_reset() -> None:
    assert counter_delta(None, 500) is None
    assert counter_delta(500, 512) == 12
    assert counter_delta(512, 3) == 3


def test_a_counter_point_emits_count_records_of_the_delta() -> None:
    point = ModbusPoint(
        machine="press-1", role="count", address=0, type="uint32", count_field="scrap"
    )
    request = ReadRequest("holding", 0, 2, (0,))
    tracker = PointTracker()
    first = read_request(request, [point], encode(1000, "uint32"), CTX, tracker)
    second = read_request(request, [point], encode(1007, "uint32"), CTX, tracker)
    assert first.records == []
    assert second.records == [CountRecord("mb", "press-1", TS, good=0, scrap=7)]


def test_a_state_register_uses_its_value_map_then_the_machine_map_and_repeats_nothing() -> None:
    point = ModbusPoint(machine="press-1", role="state", address=0, states={"3": "changeover"})
    request = ReadRequest("holding", 0, 1, (0,))
    tracker = PointTracker()
    seen = [read_request(request, [point], [v], CTX, tracker) for v in (1, 1, 3, 0, 9)]
    states = [r.state for one in seen for r in one.records if isinstance(r, StateRecord)]
    assert states == [
        StateClass.RUNNING,
        StateClass.CHANGEOVER,
        StateClass.IDLE,
        StateClass.UNKNOWN,
    ]
    assert [r.reason_code for r in seen[-1].rejections] == ["unmapped_state"]


def test_an_unreadable_sample_turns_bad_once_keeping_its_last_value() -> None:
    point = ModbusPoint(machine="press-1", signal="temperature", address=0)
    request = ReadRequest("holding", 0, 1, (0,))
    tracker = PointTracker()
    read_request(request, [point], [42], CTX, tracker)
    first = mark_bad(0, point, "modbus exception 2 (illegal data address)", CTX, tracker)
    again = mark_bad(0, point, "modbus exception 2 (illegal data address)", CTX, tracker)
    assert first == [SampleRecord("mb", "press-1", "temperature", TS, 42.0, Quality.BAD)]
    assert again == []


def test_a_short_answer_marks_the_point_bad_instead_of_raising() -> None:
    point = ModbusPoint(machine="press-1", signal="temperature", address=0, type="float32")
    out = read_request(ReadRequest("holding", 0, 2, (0,)), [point], [1], CTX, PointTracker())
    assert [r.quality for r in out.records if isinstance(r, SampleRecord)] == [Quality.BAD]


@st.composite
def any_point(draw: st.DrawFn) -> ModbusPoint:
    role = draw(st.sampled_from(["sample", "state", "count"]))
    dtype = draw(
        st.sampled_from(
            ["int16", "uint16", "int32", "uint32", "float32", "float64"]
            + (["string"] if role == "state" else [])
        )
    )
    return ModbusPoint(
        machine="press-1",
        role=role,
        signal="temperature" if role == "sample" else None,
        address=0,
        type=dtype,
        length=draw(st.integers(1, 8)) if dtype == "string" else None,
        word_order=draw(ORDERS),
        byte_order=draw(ORDERS),
        scale=draw(st.floats(allow_nan=False, allow_infinity=False, width=32)),
        offset=draw(st.floats(allow_nan=False, allow_infinity=False, width=32)),
    )


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    point=any_point(), words=st.lists(st.integers(-5, 70_000), max_size=10), polls=st.integers(1, 3)
)
def test_fuzzed_registers_never_raise_and_samples_stay_finite(
    point: ModbusPoint, words: list[int], polls: int
) -> None:
    request = ReadRequest("holding", 0, point.width, (0,))
    tracker = PointTracker()
    for _ in range(polls):
        out = read_request(request, [point], words, CTX, tracker)
        for r in out.records:
            if isinstance(r, SampleRecord):
                assert math.isfinite(r.value)
            if isinstance(r, CountRecord):
                assert r.good >= 0

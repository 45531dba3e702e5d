"""Pure OPC UA mapping: status to quality, values to records, staleness; fuzzed."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from asyncua import ua
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.opcua.config import OpcuaSignal
from pabrik.connectors.opcua.mapping import Change, Mapper, pick_timestamp, quality_from_status
from pabrik.model.records import CountRecord, SampleRecord, StateRecord
from pabrik.model.states import Quality, StateClass

TS = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)
TEMP = OpcuaSignal(node="ns=2;s=t", machine="press-1", signal="temperature")
STATE = OpcuaSignal(node="ns=2;s=s", machine="press-1", role="state", states={"7": "changeover"})
COUNT = OpcuaSignal(node="ns=2;s=c", machine="press-1", role="count", count_field="scrap")
GOOD = ua.StatusCodes.Good


def mapper() -> Mapper:
    return Mapper("ua", [TEMP, STATE, COUNT], {"press-1": {"1": StateClass.RUNNING}})


@pytest.mark.parametrize(
    ("name", "quality"),
    [
        ("Good", Quality.GOOD),
        ("GoodLocalOverride", Quality.GOOD),
        ("UncertainLastUsableValue", Quality.UNCERTAIN),
        ("UncertainSensorNotAccurate", Quality.UNCERTAIN),
        ("BadSensorFailure", Quality.BAD),
        ("BadCommunicationError", Quality.BAD),
        ("BadNodeIdUnknown", Quality.BAD),
    ],
)
def test_status_code_severity_gives_the_quality(name: str, quality: Quality) -> None:
    assert quality_from_status(getattr(ua.StatusCodes, name)) is quality


def test_the_source_timestamp_wins_then_the_server_then_arrival() -> None:
    naive_server = datetime(2025, 3, 10, 1, 0, 5)  # noqa: DTZ001 - a library may hand us one
    assert pick_timestamp(TS, naive_server, TS + timedelta(1)) == TS
    assert pick_timestamp(None, naive_server, TS) == naive_server.replace(tzinfo=UTC)
    assert pick_timestamp(datetime(1601, 1, 1, tzinfo=UTC), None, TS) == TS


def test_a_timestamp_that_overflows_in_utc_falls_back_instead_of_raising() -> None:
    early = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1)))
    assert pick_timestamp(early, late, TS) == TS
    assert pick_timestamp(late, TS, TS + timedelta(1)) == TS


def test_a_counter_node_yields_deltas_in_its_field_and_skips_bad_readings() -> None:
    m = mapper()
    out = m.map(
        [
            Change(COUNT.node, 100, GOOD, TS),
            Change(COUNT.node, 104, GOOD, TS + timedelta(seconds=1)),
            Change(COUNT.node, 999, ua.StatusCodes.BadSensorFailure, TS + timedelta(seconds=2)),
            Change(COUNT.node, 110, GOOD, TS + timedelta(seconds=3)),
        ]
    )
    assert [r.scrap for r in out.records if isinstance(r, CountRecord)] == [4, 6]


def test_state_values_use_the_signal_map_then_the_machine_map() -> None:
    m = mapper()
    out = m.map([Change(STATE.node, v, GOOD, TS) for v in (1, 1.0, 7, 42)])
    assert [r.state for r in out.records if isinstance(r, StateRecord)] == [
        StateClass.RUNNING,
        StateClass.CHANGEOVER,
        StateClass.UNKNOWN,
    ]
    assert [r.reason_code for r in out.rejections] == ["unmapped_state"]


def test_text_where_a_number_is_expected_is_rejected_not_stored() -> None:
    out = mapper().map([Change(TEMP.node, "hot", GOOD, TS)])
    assert out.records == []
    assert [r.reason_code for r in out.rejections] == ["wrong_type"]


def test_an_unknown_node_is_rejected() -> None:
    out = mapper().map([Change("ns=9;i=1", 1.0, GOOD, TS)])
    assert [r.reason_code for r in out.rejections] == ["unknown_node"]


def test_stale_samples_repeat_the_last_value_once_per_quality() -> None:
    m = mapper()
    m.map([Change(TEMP.node, 20.0, GOOD, TS)])
    later = TS + timedelta(seconds=5)
    first = m.stale(m.signals, Quality.UNCERTAIN, later)
    again = m.stale(m.signals, Quality.UNCERTAIN, later)
    bad = m.stale(m.signals, Quality.BAD, later)
    assert first == [SampleRecord("ua", "press-1", "temperature", later, 20.0, Quality.UNCERTAIN)]
    assert again == []
    assert [r.quality for r in bad if isinstance(r, SampleRecord)] == [Quality.BAD]


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.text(max_size=30),
    st.binary(max_size=30),
    st.lists(st.floats(), max_size=3),
    st.datetimes(timezones=st.just(UTC)),
)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from([TEMP.node, STATE.node, COUNT.node, "ns=1;s=other"]),
            VALUES,
            st.integers(0, 2**32 - 1),
        ),
        max_size=6,
    )
)
def test_fuzzed_node_values_never_raise_and_samples_stay_finite(
    changes: list[tuple[str, object, int]],
) -> None:
    out = mapper().map([Change(n, v, s, TS) for n, v, s in changes])
    for r in out.records:
        if isinstance(r, SampleRecord):
            assert math.isfinite(r.value)
        if isinstance(r, CountRecord):
            assert min(r.good, r.scrap, r.rework) >= 0

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.model.records import CountRecord, SampleRecord, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.model.validation import Rejection, check_record, decode_payload

NOW = datetime(2025, 1, 6, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def plant() -> Plant:
    return Plant.model_validate(
        {
            "site": {"id": "s", "name": "Site"},
            "areas": [
                {
                    "id": "a",
                    "name": {"id": "Area"},
                    "lines": [
                        {
                            "id": "l",
                            "name": {"id": "Line"},
                            "machines": [
                                {
                                    "id": "m1",
                                    "name": {"id": "Mesin 1"},
                                    "signals": [{"id": "temp", "name": {"id": "Suhu"}}],
                                    "products": [
                                        {"id": "p", "name": {"id": "P"}, "ideal_cycle_time_s": 2}
                                    ],
                                }
                            ],
                        }
                    ],
                }
            ],
            "calendar": {
                "shifts": [{"id": "pagi", "name": {"id": "Pagi"}, "start": "07:00", "end": "15:00"}]
            },
            "downtime_reasons": [{"id": "jam", "name": {"id": "Macet"}}],
        }
    )


def decode(payload: str | bytes, kind: str = "sample", signal: str | None = "temp"):
    return decode_payload(
        payload, kind=kind, source="t", machine_id="m1", signal_id=signal, max_bytes=1024
    )


def test_a_good_sample_is_accepted(plant: Plant) -> None:
    rec = decode('{"ts": "2025-01-06T09:59:00+07:00", "value": 71.5}')
    assert isinstance(rec, SampleRecord)
    assert rec.ts == datetime(2025, 1, 6, 2, 59, tzinfo=UTC)
    assert check_record(rec, plant, NOW) is None


def test_epoch_milliseconds_are_accepted() -> None:
    rec = decode('{"ts": 1736132340000, "value": 1}')
    assert isinstance(rec, SampleRecord)
    assert rec.ts == datetime(2025, 1, 6, 2, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "kind", "code"),
    [
        ("{not json", "sample", "malformed_json"),
        ("[1, 2]", "sample", "wrong_type"),
        ('{"ts": "2025-01-06T02:59:00Z", "value": "12"}', "sample", "wrong_type"),
        ('{"ts": "2025-01-06T02:59:00Z", "value": true}', "sample", "wrong_type"),
        ('{"ts": "2025-01-06T02:59:00Z", "value": NaN}', "sample", "not_finite"),
        ('{"ts": "2025-01-06T02:59:00Z", "value": Infinity}', "sample", "not_finite"),
        ('{"ts": "2025-01-06T02:59:00", "value": 1}', "sample", "naive_timestamp"),
        ('{"ts": "yesterday", "value": 1}', "sample", "bad_timestamp"),
        ('{"value": 1}', "sample", "wrong_type"),
        ('{"ts": "2025-01-06T02:59:00Z", "good": -1}', "count", "negative_count"),
        ('{"ts": "2025-01-06T02:59:00Z", "good": 1.5}', "count", "wrong_type"),
        ('{"ts": "2025-01-06T02:59:00Z", "state": "dancing"}', "state", "unknown_state"),
        ('{"ts": "2025-01-06T02:59:00Z"}', "teleport", "unknown_kind"),
    ],
)
def test_bad_payloads_are_rejected_with_a_reason(payload: str, kind: str, code: str) -> None:
    result = decode(payload, kind)
    assert isinstance(result, Rejection)
    assert result.code == code
    assert result.detail


def test_oversize_payload_is_rejected_before_parsing() -> None:
    result = decode(json.dumps({"ts": 0, "value": 1, "pad": "x" * 2000}))
    assert isinstance(result, Rejection)
    assert result.code == "payload_too_large"


def test_unknown_machine_signal_reason_and_product_are_rejected(plant: Plant) -> None:
    ts = NOW - timedelta(minutes=1)
    cases = [
        (SampleRecord("t", "nope", "temp", ts, 1.0), "unknown_machine"),
        (SampleRecord("t", "m1", "nope", ts, 1.0), "unknown_signal"),
        (StateRecord("t", "m1", ts, StateClass.UNPLANNED_STOP, reason="ghost"), "unknown_reason"),
        (CountRecord("t", "m1", ts, 1, 0, product_id="ghost"), "unknown_product"),
        (CountRecord("t", "m1", ts, -3, 0), "negative_count"),
        (SampleRecord("t", "m1", "temp", ts, float("nan")), "not_finite"),
    ]
    for record, code in cases:
        rejection = check_record(record, plant, NOW)
        assert rejection is not None, code
        assert rejection.code == code


def test_clock_skew_beyond_the_limit_is_rejected(plant: Plant) -> None:
    ahead = SampleRecord("t", "m1", "temp", NOW + timedelta(minutes=6), 1.0)
    slightly = SampleRecord("t", "m1", "temp", NOW + timedelta(minutes=4), 1.0)
    rejection = check_record(ahead, plant, NOW)
    assert rejection is not None
    assert rejection.code == "clock_skew"
    assert check_record(slightly, plant, NOW) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_no_payload_makes_the_decoder_raise(payload: bytes) -> None:
    for kind in ("state", "count", "sample"):
        result = decode(payload, kind)
        assert isinstance(result, Rejection | StateRecord | CountRecord | SampleRecord)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["ts", "value", "good", "scrap", "state", "reason", "quality", "product"]),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    )
)
def test_no_json_object_makes_the_decoder_raise(data: dict[str, object]) -> None:
    payload = json.dumps(data)
    for kind in ("state", "count", "sample"):
        result = decode(payload, kind)
        assert isinstance(result, Rejection | StateRecord | CountRecord | SampleRecord)


@pytest.mark.parametrize(
    ("payload", "kind", "code"),
    [
        ('{"ts": "2025-01-06T02:59:00Z", "good": 1e20}', "count", "count_too_large"),
        ('{"ts": "2025-01-06T02:59:00Z", "good": 100000000000000000000}', "count", "out_of_range"),
        ('{"ts": "2025-01-06T02:59:00Z", "value": ' + "9" * 400 + "}", "sample", "out_of_range"),
    ],
)
def test_absurdly_large_numbers_are_rejected_not_raised(payload: str, kind: str, code: str) -> None:
    result = decode(payload, kind)
    assert isinstance(result, Rejection)
    assert result.code == code


def test_a_reason_must_fit_the_state_it_explains(plant: Plant) -> None:
    record = StateRecord("t", "m1", NOW, StateClass.RUNNING, reason="jam")
    rejection = check_record(record, plant, NOW)
    assert rejection is not None
    assert rejection.code == "reason_state_mismatch"

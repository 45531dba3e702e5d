"""The hand-written alarm body is exactly the text ``json.dumps`` writes, for any state."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.alarms.conditions import Memory
from pabrik.alarms.evaluation import Tracked
from pabrik.alarms.states import AlarmStatus, Service
from pabrik.model.records import to_epoch_ms
from pabrik.runtime.alarms import codec
from tests.alarms.strategies import tracked

# Floats of every kind json.dumps writes its own way, and values a body should not hold but
# might (ints, bools), which the hand-written path must write as json.dumps does or hand over.
_SPECIAL = [None, math.nan, math.inf, -math.inf, 0.0, -0.0, 1e16, 1e-7, 0.1, 7, True, 2**70]
_numbers = st.one_of(
    st.sampled_from(_SPECIAL),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
)
# Now and then a flag that is an int, which json.dumps writes as a number.
_flags = st.one_of(*[st.booleans()] * 7, st.integers(0, 1).map(lambda i: cast(bool, i)))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_dumps_writes_what_json_dumps_writes(data: st.DataObject) -> None:
    t = data.draw(tracked(data.draw(st.booleans())))
    status = replace(
        t.status,
        value=data.draw(_numbers),
        acked=data.draw(_flags),
        latch=data.draw(_flags),
        latching=data.draw(_flags),
        condition=data.draw(_flags),
        suppressed=data.draw(_flags),
    )
    if data.draw(st.integers(0, 7)) == 0:
        at = datetime(2026, 3, 2, tzinfo=UTC) - timedelta(
            microseconds=data.draw(st.integers(-(10**12), 10**12))
        )
        status = replace(status, service=Service("budi", data.draw(st.text()), at))
    memory = Memory(data.draw(_flags), t.memory.raw_since, data.draw(_numbers), t.memory.last_ts)
    given_t = Tracked(status, memory)
    assert codec.dumps(given_t) == codec.json_dumps(given_t)


@pytest.mark.parametrize("value", _SPECIAL)
def test_every_special_number_is_written_as_json_dumps_writes_it(value: float | None) -> None:
    for t in (
        Tracked(AlarmStatus(value=value), Memory(last_value=0.5)),
        Tracked(AlarmStatus(value=0.5), Memory(last_value=value)),
    ):
        assert codec.dumps(t) == codec.json_dumps(t)


def test_the_common_body_is_json_with_sorted_keys() -> None:
    at = datetime(2026, 3, 2, 8, 0, 0, 1500, tzinfo=UTC)
    t = Tracked(AlarmStatus(since=at, value=71.25), Memory(True, None, 0.1, at))
    body = codec.dumps(t)
    assert json.loads(body)["memory"] == [True, None, 0.1, to_epoch_ms(at)]
    assert body == json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True)

"""Batch sizes: batch_size while the session keeps up, bigger batches to work off a backlog."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from pabrik.connectors.contract import InputRejection
from pabrik.connectors.mqtt.client import BACKLOG_BATCHES, SessionOptions
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import Publisher, mqtt_config, started
from tests.connectors.peers import Broker, wait_until

TOPIC = "pabrik/v1/uji/hall/line-1/press-1/sample/temperature"
BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def options(**kw: int) -> SessionOptions:
    return SessionOptions("c", ("#",), **kw)  # type: ignore[arg-type]


def test_a_session_that_keeps_up_takes_batch_size_messages() -> None:
    o = options(qos=0, batch_size=100)
    assert [o.batch_limit(n) for n in (0, 1, 99, 100)] == [100, 100, 100, 100]


def test_a_backlog_is_taken_whole_up_to_ten_batches() -> None:
    o = options(qos=0, batch_size=100)
    assert o.batch_limit(101) == 101
    assert o.batch_limit(700) == 700
    assert o.batch_limit(50_000) == 100 * BACKLOG_BATCHES


def test_a_backlog_batch_never_exceeds_the_largest_batch_size() -> None:
    assert options(qos=0, batch_size=60_000).batch_limit(10**6) == 100_000


def test_a_qos1_backlog_batch_leaves_half_the_receive_maximum_in_flight() -> None:
    o = options(qos=1, batch_size=100, receive_maximum=600)
    assert o.batch_limit(5000) == 300
    # Never below batch_size, whatever the receive maximum.
    assert options(qos=1, batch_size=100, receive_maximum=50).batch_limit(5000) == 100


def message(i: int) -> tuple[str, str]:
    """The i-th sample, a millisecond after the one before."""
    return TOPIC, json.dumps({"ts": (BASE + timedelta(milliseconds=i)).isoformat(), "value": i})


class HeldSink(IngestSink):
    """Holds its first batch until ``release``, and records every batch's size."""

    def __init__(self, ingestor: Ingestor) -> None:
        super().__init__(ingestor)
        self.sizes: list[int] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    def submit(self, records: Sequence[Record], rejections: Sequence[InputRejection] = ()) -> None:
        if not self.sizes:
            self.holding.set()
            assert self.release.wait(60)
        self.sizes.append(len(records))
        super().submit(records, rejections)


@pytest.mark.slow
def test_messages_queued_behind_a_slow_batch_are_stored_in_bigger_batches_exactly_once(
    broker: Broker, test_plant: Plant, store: SqliteStore, unique: Callable[[str], str]
) -> None:
    total = 3000
    config = mqtt_config(broker, unique("backlog"), qos=1, batch_size=100, batch_interval_ms=5)
    sink = HeldSink(Ingestor(store, test_plant))
    connector = started(config, test_plant, sink)
    pub = Publisher(broker)
    try:
        # One message alone first, so the first batch is formed before any backlog exists,
        # however slowly this machine's connector starts.
        pub.send_many([message(0)])
        assert sink.holding.wait(60)
        pub.send_many(message(i) for i in range(1, total))
        # The first batch is in hand; the rest queue up behind it.
        wait_until(lambda: connector.session.pending >= total - 1, what="the backlog")
        sink.release.set()
        wait_until(lambda: sum(sink.sizes) >= total, what="every message")
    finally:
        pub.close()
        connector.close()
    stored = store.samples("press-1", "temperature", BASE, BASE + timedelta(hours=1))
    assert sorted(s.value for s in stored) == [float(i) for i in range(total)]
    assert sink.sizes[0] == 1
    assert max(sink.sizes[1:]) == 100 * BACKLOG_BATCHES

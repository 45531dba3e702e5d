"""Fuzz Modbus ingest: after any hostile poll, the next good poll's values are stored.

10,000 hostile answers (any words, short answers, skewed clocks) go through the poller's
decoding (fastpath.py, then read_request) and the real ingest pipeline into SQLite; a
smaller run polls a real pymodbus server whose registers hold hostile words.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.modbus.fastpath import compile_read, decode_read
from pabrik.connectors.modbus.mapping import Context, PointTracker, encode, plan_device
from pabrik.connectors.modbus.rows import PollRows
from pabrik.model.batch import RecordBatch
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.hostile import KNOWN_REASONS, Choices, Ledger
from tests.connectors.modbus.server import PLANT, device, modbus_server, server_port, until

GOOD_ADDRESS = 14
POINTS: list[dict[str, Any]] = [
    {"machine": "press-1", "signal": "temperature", "address": 0, "type": "float32"},
    {
        "machine": "press-1",
        "signal": "flow",
        "address": 2,
        "type": "float64",
        "word_order": "little",
    },
    {"machine": "press-1", "role": "state", "address": 6, "type": "string", "length": 2},
    {"machine": "press-1", "role": "count", "address": 8, "type": "uint32"},
    {"machine": "press-2", "role": "state", "address": 10, "type": "int16"},
    {"machine": "press-2", "role": "count", "address": 11, "type": "int16", "count_field": "scrap"},
    # A scale that overflows any large reading to infinity.
    {"machine": "press-2", "signal": "speed", "address": 12, "type": "int32", "scale": 1e300},
    {"machine": "press-1", "signal": "pressure", "address": GOOD_ADDRESS, "type": "float32"},
]
# Mapped to a machine and a signal the plant does not have: validation refuses them each poll.
MISMAPPED: list[dict[str, Any]] = [
    {"machine": "press-9", "signal": "temperature", "address": 16, "type": "uint16"},
    {"machine": "press-2", "signal": "ghost", "address": 17, "type": "uint16"},
]
WIDTH = GOOD_ADDRESS + 2
# Sane registers for every point before the good one, which each case sets.
SANE = (
    encode(20.0, "float32")
    + encode(1.5, "float64", "little")
    + encode("1", "string", length=2)
    + encode(0, "uint32")
    + encode(0, "int16")
    + encode(0, "int16")
    + encode(1, "int32")
)

_NOW = datetime.now(UTC)
BASE = _NOW - timedelta(hours=1)
_seq = itertools.count(1)


def config(port: int = 502, points: list[dict[str, Any]] = POINTS, **extra: Any) -> ModbusConfig:
    dev = {"id": "press", "host": "127.0.0.1", "port": port, "points": points, **extra}
    return ModbusConfig.model_validate({"id": "plc", "devices": [dev]})


def good_words(value: float) -> list[int]:
    return SANE[:GOOD_ADDRESS] + encode(value, "float32")


# Words that make NaN, infinity, huge, negative or tiny numbers, and odd text.
PALETTE = [0x7FC0, 0x7F80, 0xFF80, 0x7FF0, 0x7FEF, 0xFFFF, 0x8000, 0, 1, 0x3100, 0x00FF, 0x4E6E]


# A poll's time is the host clock: mostly right, now and then skewed forward or set back years.
CLOCK_OFFSETS = [0] * 37 + [600, 400 * 86400, -3661 * 86400]


def _word(two: bytes) -> int:
    """A palette word for a quarter of the byte pairs, else the pair itself."""
    return PALETTE[two[1] % len(PALETTE)] if two[0] < 64 else int.from_bytes(two)


def hostile_poll(data: bytes) -> tuple[list[int], int]:
    """An answer and a clock offset: mostly full answers, some short (a broken slave), some
    with a word out of 16-bit range; each word a palette word or any 16 bits."""
    c = Choices(data)
    shape, offset_s = c.byte() % 4, c.pick(CLOCK_OFFSETS)
    size = c.byte() % (WIDTH + 3) if shape == 2 else WIDTH
    answer = [_word(c.take(2)) for _ in range(size)]
    if shape == 3:
        answer[c.byte() % WIDTH] = c.pick([-1, 65536, 2**31])
    return answer, offset_s


# One draw of bytes per case: Hypothesis's cost per draw would dominate a tree of strategies.
polls = st.binary(min_size=2 * WIDTH, max_size=2 * WIDTH + 8).map(hostile_poll)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[ModbusConfig, IngestSink, Ledger]]:
    plant = Plant.model_validate(PLANT)
    store = SqliteStore(tmp_path / "f.sqlite", synchronous="NORMAL")
    store.upgrade()
    ingestor = Ingestor(store, plant)
    yield config(), IngestSink(ingestor), Ledger(store, ingestor)
    store.close()


EXPECTED = {
    "not_finite",
    "unmapped_state",
    "bad_counter",
    "out_of_range",
    "clock_skew",
    "too_old",
}


@pytest.mark.slow
def test_after_any_hostile_poll_the_next_good_poll_is_stored(
    world: tuple[ModbusConfig, IngestSink, Ledger],
) -> None:
    cfg, sink, ledger = world
    dev = cfg.devices[0]
    # As the poller decodes: plain samples by one struct into rows, the rest by read_request.
    [compiled] = [compile_read(r, dev.points) for r in plan_device(dev)]
    plant = Plant.model_validate(PLANT)
    states = {m.id: dict(m.state_map) for m in plant.machines()}
    tracker = PointTracker()

    @settings(
        max_examples=10_000,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(poll=polls)
    def one(poll: tuple[list[int], int]) -> None:
        answer, offset_s = poll
        n = next(_seq)
        hostile_at = BASE + timedelta(milliseconds=2 * n, seconds=offset_s)
        ledger.mark()
        rows = PollRows()
        hostile_ctx = Context("plc", hostile_at, states)
        out = decode_read(compiled, dev.points, answer, hostile_ctx, tracker, rows)
        good_at = BASE + timedelta(milliseconds=2 * n + 1)
        good_ctx = Context("plc", good_at, states)
        good = decode_read(compiled, dev.points, good_words(float(n)), good_ctx, tracker, rows)
        # One commit for both polls, as after a failed commit: a poison record would sink both.
        records = out.records + good.records
        sink.submit(RecordBatch(records, rows), out.rejections + good.rejections)
        ledger.letters()
        end = good_at + timedelta(milliseconds=1)
        stored = ledger.store.samples("press-1", "pressure", good_at, end)
        assert [s.value for s in stored] == [float(n)]

    one()
    # The hostile answers met every rule on the path, not only the first one.
    assert ledger.codes >= EXPECTED, EXPECTED - ledger.codes


# -- the same through a real pymodbus server --------------------------------------------------

ROUND_TRIPS = 100
# Words that make NaN, infinity, huge or negative numbers and odd text; None: any word.
_WORDS = [0x7FC0, 0x7F80, 0xFF80, 0x7FEF, 0xFFFF, 0x8000, 0x00FF, 1, None, None]
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))


@pytest.mark.anyio
async def test_hostile_registers_on_a_real_server_never_stop_the_good_ones(
    store: SqliteStore,
) -> None:
    plant = Plant.model_validate(PLANT)
    rng = random.Random(11)
    goods = [1000.0 + i for i in range(ROUND_TRIPS)]
    async with modbus_server(device(holding=[*good_words(1.0), 0, 0])) as server:
        cfg = config(server_port(server), [*POINTS, *MISMAPPED], poll_interval_s=0.01)
        connector = ModbusConnector(cfg, plant)
        task = asyncio.create_task(connector.run(IngestSink(Ingestor(store, plant))))
        try:
            for value in goods:
                answer = [rng.choice(_WORDS) or rng.randrange(65536) for _ in range(WIDTH + 2)]
                answer[GOOD_ADDRESS:WIDTH] = encode(value, "float32")
                await server.async_setValues(1, 3, 0, answer)
                await until(partial(_stored, store, value))
        finally:
            await connector.stop()
            async with asyncio.timeout(10):
                await task
    letters = store.dead_letters(100_000, 0)
    assert {d.reason_code for d in letters} <= KNOWN_REASONS
    assert {"unknown_machine", "unknown_signal", "unmapped_state"} <= {
        d.reason_code for d in letters
    }
    assert set(goods) <= _pressures(store)
    assert connector.metrics.last_error is None


def _stored(store: SqliteStore, value: float) -> bool:
    return value in _pressures(store)


def _pressures(store: SqliteStore) -> set[float]:
    return {s.value for s in store.samples("press-1", "pressure", *EVER)}

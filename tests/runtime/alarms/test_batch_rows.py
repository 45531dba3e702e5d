"""A batch read as rows raises exactly the transitions the per-sample path raised, store and all."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.alarms.conditions import Memory
from pabrik.alarms.definitions import AlarmSettings
from pabrik.alarms.evaluation import Tracked
from pabrik.alarms.states import Shelve
from pabrik.model.batch import RecordBatch, SampleRow
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord, to_epoch_ms
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass
from pabrik.runtime.alarms import codec
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.alarms import TransitionFilter
from pabrik.storage.sqlite.store import SqliteStore
from tests.alarms.strategies import tracked
from tests.paths import DEMO
from tests.runtime.alarms.oracle import PerSample

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Cikarang, a Monday morning shift
MACHINES = ("imm-01", "imm-02", "filler-01")
SIGNALS = ("temperature", "vibration", "pressure")
STATES = [StateClass.RUNNING] * 4 + [
    StateClass.IDLE,
    StateClass.UNPLANNED_STOP,
    StateClass.PLANNED_STOP,
    StateClass.CHANGEOVER,
]
# The demo's alarms, and short delays, rates, products and latches that change within minutes.
EXTRA: list[dict[str, Any]] = [
    {
        "id": "panas-cepat",
        "scope": {"signal": "temperature"},
        "condition": {
            "kind": "high",
            "limit": 60,
            "deadband": 3,
            "on_delay_s": 2,
            "off_delay_s": 5,
        },
        "latched": True,
        "message": {"id": "x"},
    },
    {
        "id": "tekanan-rendah",
        "scope": {"machine": "imm-01", "signal": "pressure", "product": "tutup-28-biru"},
        "condition": {"kind": "low", "limit": 100, "deadband": 5},
        "suppress_in": ["idle"],
        "message": {"id": "x"},
    },
    {
        "id": "getaran-melonjak",
        "scope": {"signal": "vibration"},
        "condition": {"kind": "rate", "max_per_minute": 600, "on_delay_s": 1},
        "message": {"id": "x"},
    },
]


def _settings() -> tuple[Plant, AlarmSettings]:
    site = load_site(DEMO)
    definitions = [d.model_dump() for d in site.alarms.definitions]
    return site.plant(), AlarmSettings.model_validate({"definitions": definitions + EXTRA})


def _value(rng: random.Random, signal: str) -> float:
    # Around each alarm's limit and deadband, with jumps that trip the rate alarm.
    centre = {"temperature": 57.0, "vibration": 4.0, "pressure": 100.0}[signal]
    spread = {"temperature": 6.0, "vibration": 1.0, "pressure": 8.0}[signal]
    return round(rng.uniform(centre - spread, centre + spread), rng.choice([0, 1, 2]))


def _batch(rng: random.Random, ms: int) -> tuple[Record | RecordBatch, int]:
    records: list[Record] = []
    rows: list[SampleRow] = []
    for _ in range(rng.randint(1, 120)):
        ms += rng.choice([0, 1, 40, 500, 2000, 7000, 60_000])
        machine = rng.choice(MACHINES)
        ts = datetime.fromtimestamp(ms / 1000, UTC)
        pick = rng.random()
        if pick < 0.04:
            state = rng.choice(STATES)
            product = rng.choice(["tutup-28-biru", "tutup-28-putih", None])
            records.append(StateRecord("t", machine, ts, state, product_id=product))
        elif pick < 0.07:
            records.append(CountRecord("t", machine, ts, rng.randint(0, 9), 0))
        else:
            for signal in SIGNALS:
                quality = "good" if rng.random() < 0.9 else rng.choice(["bad", "uncertain"])
                rows.append((machine, signal, ms, "t", _value(rng, signal), quality))
    return RecordBatch(records, rows), ms


def _as_records(batch: RecordBatch, rng: random.Random) -> list[Record]:
    # The general path: every sample a record, some between two milliseconds (a state kept
    # with such an instant is not cached decoded), out of time order as any list may be.
    out = [
        replace(r, ts=r.ts + timedelta(microseconds=rng.choice([0, 0, 250])))
        if isinstance(r, SampleRecord)
        else r
        for r in batch
    ]
    return out[1:] + out[:1]


def _pair(tmp_path: Path) -> tuple[list[AlarmService], list[SqliteStore], list[Any]]:
    plant, settings = _settings()
    stores, services, clocks = [], [], []
    for kind, name in ((AlarmService, "rows"), (PerSample, "oracle")):
        store = SqliteStore(tmp_path / f"{name}.sqlite")
        store.upgrade()
        clock = [T0]
        services.append(kind(plant, settings, store, lambda c=clock: c[0]))  # type: ignore[misc]
        stores.append(store)
        clocks.append(clock)
    return services, stores, clocks


@pytest.mark.parametrize("seed", range(6))
def test_batches_read_as_rows_change_alarms_exactly_as_sample_by_sample(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    services, stores, clocks = _pair(tmp_path)
    ms = to_epoch_ms(T0)
    for store in stores:
        store.write(
            [StateRecord("t", m, T0 - timedelta(hours=2), StateClass.RUNNING) for m in MACHINES]
        )
    try:
        for i in range(40):
            batch, ms = _batch(rng, ms)
            now = datetime.fromtimestamp(ms / 1000, UTC)
            plain = rng.random() < 0.25
            shelve = rng.random() < 0.05
            tick = rng.random() < 0.2
            counts = []
            for service, store, clock in zip(services, stores, clocks, strict=True):
                clock[0] = now
                store.write(batch)
                given = _as_records(batch, random.Random(i)) if plain else batch
                counts.append(service.observe(given))
                if shelve:
                    until = now + timedelta(seconds=30)
                    event = Shelve(now, "ani", "noise", until, one_shot=i % 2 == 0)
                    service.act("suhu-tinggi/imm-01", event, "ani")
                if tick:
                    counts.append(service.tick(now))
            assert counts[: len(counts) // 2] == counts[len(counts) // 2 :], f"batch {i}"
            for row in stores[0].alarm_states():
                # A state kept decoded is what its stored body decodes to.
                assert services[0]._decode(row.key, row.body_json) == codec.loads(row.body_json)
        where = TransitionFilter(T0 - timedelta(days=1), now + timedelta(days=1))
        # Alarms of one batch are saved in another order: the same rows, ties listed otherwise.
        ours, theirs = (
            sorted(
                s.alarm_transitions(where, limit=100_000), key=lambda r: (r.key, r.version, r.idx)
            )
            for s in stores
        )
        assert ours == theirs
        assert len(ours) > 20, "the batches change alarms"
        ours_states, theirs_states = (s.alarm_states() for s in stores)
        strip = [(r.key, r.state, r.body_json, r.version) for r in ours_states]
        assert strip == [(r.key, r.state, r.body_json, r.version) for r in theirs_states]
    finally:
        for store in stores:
            store.close()


def test_bad_and_uncertain_rows_are_not_good_readings() -> None:
    row: SampleRow = ("imm-01", "temperature", 0, "t", 1.0, "uncertain")
    assert RecordBatch([], [row])[0] == SampleRecord(
        "t", "imm-01", "temperature", datetime(1970, 1, 1, tzinfo=UTC), 1.0, Quality.UNCERTAIN
    )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_state_kept_decoded_is_exactly_what_its_body_decodes_to(data: st.DataObject) -> None:
    t = data.draw(tracked(data.draw(st.booleans())))
    if codec.round_trips(t):
        assert codec.loads(codec.dumps(t)) == t
    whole = Tracked(t.status, Memory(True, T0, 1.5, T0))
    assert codec.round_trips(whole) == codec.round_trips(Tracked(t.status))

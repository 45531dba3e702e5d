"""Dead letters are replayed once the cause is fixed: what now passes is stored and removed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pabrik.connectors.mqtt.client import Inbound
from pabrik.connectors.mqtt.connector import JsonHandler
from pabrik.model.records import SampleRecord
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.csvimport import CsvOptions
from pabrik.runtime.settings import Settings
from tests.connectors.peers import TEST_SITE

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
TS = NOW - timedelta(minutes=5)
MQTT = """
connectors:
  - kind: mqtt
    id: gateway
    broker: {host: 127.0.0.1, port: 1}
    topic_map:
      - {filter: "legacy/+machine/+signal", machine: "{machine}", kind: sample, signal: "{signal}"}
"""
PRESS_3 = """
          - id: press-3
            name: {id: Mesin Press 3}
            products: [{id: part-a, name: {id: Part A}, ideal_cycle_time_s: 2}]
            signals:
              - {id: temperature, name: {id: Suhu}, unit: "°C"}
"""


def runtime(tmp_path: Path, site: str) -> Runtime:
    path = tmp_path / "site.yaml"
    path.write_text(site + MQTT, encoding="utf-8")
    return build_runtime(Settings(config=path, data_dir=tmp_path / "data"), clock=lambda: NOW)


def fixed_site() -> str:
    anchor = "          - id: press-2\n"
    return TEST_SITE.replace(anchor, PRESS_3.lstrip("\n") + anchor)


def test_letters_replay_after_the_configuration_is_fixed(tmp_path: Path) -> None:
    before = runtime(tmp_path, TEST_SITE)
    handler = JsonHandler(before.site.connectors[0], before.plant)  # type: ignore[arg-type]
    body = json.dumps({"ts": TS.isoformat(), "value": 55.0}).encode()
    batch = [
        Inbound("legacy/press-3/temperature", body, 1, 1, 1),
        Inbound("pabrik/v1/uji/hall/line-1/press-3/sample/temperature", body, 1, 2, 1),
        Inbound("legacy/press-1/temperature", b"{broken", 1, 3, 1),
    ]
    decoded = handler.decode(batch, NOW)
    IngestSink(before.ingestor).submit(decoded.records, decoded.rejections)
    # A record refused by validation (not by decoding) is kept as record JSON.
    before.ingestor.ingest([SampleRecord("sim", "press-3", "temperature", TS, 56.0)])
    csv_file = tmp_path / "rows.csv"
    csv_file.write_text(f"ts,machine,signal,value\n{TS.isoformat()},press-3,temperature,57\n")
    assert before.import_csv(csv_file, CsvOptions(kind="samples")).rejected == 1
    assert before.dead_letter_count() == 5
    nothing = before.replay_dead_letters()
    assert (nothing.replayed, nothing.still_rejected) == (0, 5)
    before.close()

    after = runtime(tmp_path, fixed_site())
    report = after.replay_dead_letters()
    assert (report.replayed, report.still_rejected, report.records) == (4, 1, 4)
    assert report.reasons == {"malformed_json": 1}
    window = (NOW - timedelta(hours=1), NOW)
    values = sorted(s.value for s in after.store.samples("press-3", "temperature", *window))
    # Both MQTT letters name the same sample (source, machine, signal, ts): one row.
    assert values == [55.0, 56.0, 57.0]
    (left,) = after.store.dead_letters(10, 0)
    assert left.reason_code == "malformed_json"
    assert after.replay_dead_letters([left.id or 0]).still_rejected == 1
    after.close()


def test_replay_can_pick_letters_by_id_and_by_reason(tmp_path: Path) -> None:
    rt = runtime(tmp_path, TEST_SITE)
    rt.ingestor.ingest(
        [
            SampleRecord("sim", "press-1", "temperature", NOW + timedelta(hours=2), 1.0),
            SampleRecord("sim", "press-1", "ghost", TS, 2.0),
        ]
    )
    letters = {d.reason_code: d for d in rt.store.dead_letters(10, 0)}
    assert set(letters) == {"clock_skew", "unknown_signal"}
    by_reason = rt.replay_dead_letters(reason="unknown_signal")
    assert (by_reason.still_rejected, by_reason.replayed) == (1, 0)
    later = Runtime(rt.settings, rt.site, rt.store, clock=lambda: NOW + timedelta(hours=3))
    by_id = later.replay_dead_letters([letters["clock_skew"].id or 0])
    assert by_id.replayed == 1
    assert [d.reason_code for d in rt.store.dead_letters(10, 0)] == ["unknown_signal"]
    rt.close()


def test_letters_without_context_are_left_alone(tmp_path: Path) -> None:
    rt = runtime(tmp_path, TEST_SITE)
    rt.ingestor.reject_input("old", "malformed_json", "from before contexts", "{x")
    rt.ingestor.flush()
    report = rt.replay_dead_letters()
    assert (report.not_replayable, report.replayed) == (1, 0)
    assert rt.dead_letter_count() == 1
    rt.close()

"""A plant and a central as separate processes, with a real Mosquitto and PostgreSQL, under faults.

The central goes away for seconds (killed, then restarted), the forwarder is kill -9ed five
times and the plant's ingest is restarted once while data flows. At the end the central holds
exactly the plant's record set, each record once, and the forward cursor is at the end.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bench.peers import Proc, central_site, free_port, register_plant, tls_files

from tests.runtime.federation.peers import pending, site_known
from tests.runtime.ingest.peers import (
    SUBSCRIBED,
    Publisher,
    count_rows,
    private_broker,
    record_set,
    site_file,
    stored,
    wait_for,
)

TICKS = 240
OUTAGE_S = 3.0
NOW = datetime(2025, 3, 10, tzinfo=UTC)


@pytest.mark.slow
def test_central_holds_the_plants_records_once_after_outage_kills_and_restarts(
    tmp_path: Path, pg_url: str
) -> None:
    broker = private_broker(tmp_path / "broker")
    ca, cert, key = tls_files(tmp_path / "tls")
    credential = tmp_path / "credential"
    credential.write_text(register_plant(pg_url, "pt-satu", "plant-a"), encoding="utf-8")
    port = free_port()
    tls = {"PABRIK_TLS_CERT_FILE": str(cert), "PABRIK_TLS_KEY_FILE": str(key)}
    central = Proc(
        "central",
        ["serve", "--config", str(central_site(tmp_path)), "--database-url", pg_url,
         "--port", str(port), "--data-dir", str(tmp_path / "central")],
        tmp_path, tls,
    )  # fmt: skip
    plant_dir = tmp_path / "plant"
    plant = Proc(
        "plant",
        ["ingest", "--config", str(site_file(tmp_path, broker)), "--data-dir", str(plant_dir),
         "--worker-id", "plant-a"],
        tmp_path,
    )  # fmt: skip
    forwarder = Proc(
        "forwarder",
        ["forward", "--to", f"https://127.0.0.1:{port}", "--credential-file", str(credential),
         "--ca-file", str(ca), "--data-dir", str(plant_dir)],
        tmp_path,
    )  # fmt: skip
    procs = (central, plant, forwarder)
    try:
        for p in procs:
            p.start()
        plant.wait_log(SUBSCRIBED)
        messages, expected = record_set(TICKS)
        publisher = Publisher(broker)
        thread = publisher.send_in_background(messages, chunk=20, pause_s=0.3)
        for n in range(5):
            forwarder.wait_log("forwarding")  # each life is killed inside its loop
            time.sleep(0.5)
            forwarder.kill()
            forwarder.start()
            if n == 1:  # the central goes away (killed) for seconds, then starts again
                central.kill()
                time.sleep(OUTAGE_S)
                central.start()
            if n == 3:  # the plant's ingest restarts (its MQTT session keeps what comes)
                plant.terminate()
                plant.start()
        thread.join(timeout=120)
        publisher.close()
        db = plant_dir / "pabrik.sqlite"

        def complete() -> bool:
            return count_rows(pg_url) == len(expected)

        wait_for(complete, "the central to hold every record", timeout=120)
        found, rows = stored(pg_url)
        assert found == expected
        assert rows == len(expected)
        wait_for(lambda: pending(db) == 0, "the forward cursor to reach the end", timeout=60)
        assert forwarder.proc is not None
        assert forwarder.proc.poll() is None, forwarder.text()[-3000:]
        wait_for(lambda: site_known(pg_url), "the plant's site document at the central", 30)
        assert central.lives == 2
        assert forwarder.lives == 6
        assert plant.lives == 2
    finally:
        for p in procs:
            p.kill()
        broker.stop()

"""A plant and a central as separate processes, with a real Mosquitto and PostgreSQL, under faults.

The central goes away for seconds (killed, then restarted), the forwarder is kill -9ed five
times and the plant's ingest is restarted once while data flows. At the end the central holds
exactly the plant's record set, each record once, and the forward cursor is at the end.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pabrik.runtime.federation.forward import Forwarder
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.peers import free_port
from tests.runtime.federation.peers import Proc, central_site, pabrik, tls_files
from tests.runtime.ingest.peers import (
    SUBSCRIBED,
    Publisher,
    private_broker,
    record_set,
    site_file,
    stored,
    wait_for,
)

TICKS = 240
OUTAGE_S = 4.0


def _pending(db: Path) -> int:
    store = SqliteStore(db)
    try:
        return Forwarder(store, poster=None).pending()  # type: ignore[arg-type]
    finally:
        store.close()


@pytest.mark.slow
def test_central_holds_the_plants_records_once_after_outage_kills_and_restarts(
    tmp_path: Path, pg_url: str
) -> None:
    broker = private_broker(tmp_path / "broker")
    ca, cert, key = tls_files(tmp_path / "tls")
    pabrik("tenants", "add", "pt-satu", "--name", "PT Satu", "--database-url", pg_url)
    out = pabrik("plants", "add", "plant-a", "--tenant", "pt-satu", "--database-url", pg_url)
    credential = tmp_path / "credential"
    credential.write_text(out.strip().splitlines()[-1], encoding="utf-8")
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
        central.start()
        central.wait_log("ready")
        plant.start()
        plant.wait_log(SUBSCRIBED)
        forwarder.start()
        messages, expected = record_set(TICKS)
        publisher = Publisher(broker)
        thread = publisher.send_in_background(messages, chunk=50, pause_s=0.4)
        for n in range(5):
            time.sleep(1.5)
            forwarder.kill()
            if n == 1:  # the central is away (killed), then comes back
                central.kill()
                forwarder.start()
                time.sleep(OUTAGE_S)
                central.start()
                central.wait_log("ready")
                continue
            if n == 3:  # the plant's ingest restarts
                plant.terminate()
                plant.start()
                plant.wait_log(SUBSCRIBED)
            forwarder.start()
        thread.join(timeout=120)
        publisher.close()
        db = plant_dir / "pabrik.sqlite"

        def complete() -> bool:
            try:
                found, _ = stored(pg_url)
            except AssertionError:
                return False
            return len(found) == len(expected)

        wait_for(complete, "the central to hold every record", timeout=120)
        found, rows = stored(pg_url)
        assert found == expected
        assert rows == len(expected)
        wait_for(lambda: _pending(db) == 0, "the forward cursor to reach the end", timeout=60)
        assert forwarder.proc is not None
        assert forwarder.proc.poll() is None, forwarder.text()[-3000:]
    finally:
        for p in procs:
            p.kill()
        broker.stop()

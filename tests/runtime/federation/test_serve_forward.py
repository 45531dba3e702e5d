"""``pabrik serve`` forwards by itself when PABRIK_FORWARD_URL is set (issue 15).

A plant's ``serve`` (SQLite, one MQTT connector on a private Mosquitto) and a central's ``serve``
(PostgreSQL, HTTPS) as separate processes, no ``pabrik forward``. The central ends up holding
exactly the plant's records, its site document and its disk status, and the transition of the
plant's disk budget alarm, raised by serve's own alarm service (the budget is below the bare
store, so the alarm rises and stays whatever the policy deletes).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from bench.peers import Proc, central_site, free_port, register_plant, tls_files

from pabrik.storage.sqlite.store import SqliteStore
from tests.runtime.federation.peers import site_known
from tests.runtime.ingest.peers import (
    Publisher,
    count_rows,
    private_broker,
    record_set,
    site_file,
    stored,
    wait_for,
)

TICKS = 30


def _disk_alarm_events(pg_url: str) -> list[str]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT event FROM alarm_transitions WHERE alarm_key = 'plant:plant-a/disk_budget'"
        ).fetchall()
    return [str(r[0]) for r in rows]


def _budget_at_central(pg_url: str) -> int | None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT status_json FROM federation_plants").fetchone()
    status = json.loads(row[0]) if row and row[0] else {}
    return status.get("budget_bytes") if isinstance(status, dict) else None


def _plant_samples(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])


def _plant_alarm_state(db: Path) -> str | None:
    store = SqliteStore(db)
    try:
        found = store.alarm_states(["disk_budget"])
        return found[0].state if found else None
    finally:
        store.close()


@pytest.mark.slow
def test_serve_forwards_records_site_and_disk_alarm_without_a_second_command(
    tmp_path: Path, pg_url: str
) -> None:
    broker = private_broker(tmp_path / "broker")
    ca, cert, key = tls_files(tmp_path / "tls")
    credential = tmp_path / "credential"
    credential.write_text(register_plant(pg_url, "pt-satu", "plant-a"), encoding="utf-8")
    port, plant_port = free_port(), free_port()
    tls = {"PABRIK_TLS_CERT_FILE": str(cert), "PABRIK_TLS_KEY_FILE": str(key)}
    central = Proc(
        "central",
        ["serve", "--config", str(central_site(tmp_path)), "--database-url", pg_url,
         "--port", str(port), "--data-dir", str(tmp_path / "central")],
        tmp_path, tls,
    )  # fmt: skip
    forward = {
        "PABRIK_FORWARD_URL": f"https://127.0.0.1:{port}",
        "PABRIK_FORWARD_CREDENTIAL_FILE": str(credential),
        "PABRIK_FORWARD_CA_FILE": str(ca),
        "PABRIK_FORWARD_DISK_BUDGET_MB": "0.1",  # below the bare schema: the alarm rises
    }
    plant_dir = tmp_path / "plant"
    plant = Proc(
        "plant",
        ["serve", "--config", str(site_file(tmp_path, broker)), "--data-dir", str(plant_dir),
         "--port", str(plant_port)],
        tmp_path, forward,
    )  # fmt: skip
    try:
        central.start()
        plant.start()
        plant.wait_log("forwarding")
        messages, expected = record_set(TICKS)
        publisher = Publisher(broker)
        db = plant_dir / "pabrik.sqlite"

        def subscribed() -> bool:
            # The first message again until the plant stored it (once: records are idempotent).
            publisher.send(messages[:1])
            return _plant_samples(db) > 0

        wait_for(subscribed, "the plant to subscribe")
        publisher.send_in_background(messages, chunk=20, pause_s=0.1).join(timeout=60)
        publisher.close()
        wait_for(lambda: count_rows(pg_url) == len(expected), "the central to hold every record")
        found, rows = stored(pg_url)
        assert found == expected
        assert rows == len(expected)
        wait_for(lambda: site_known(pg_url), "the plant's site document at the central", 30)
        # serve's own alarm service raised the disk budget alarm; the central got its transition
        # and the plant's disk status.
        wait_for(lambda: "activate" in _disk_alarm_events(pg_url), "the disk alarm at the central")
        assert _plant_alarm_state(db) == "active_unack"
        wait_for(lambda: _budget_at_central(pg_url) == int(0.1 * 2**20), "the plant's disk status")
        assert plant.proc is not None
        assert plant.proc.poll() is None, plant.text()[-3000:]
    finally:
        plant.terminate()
        central.kill()
        broker.stop()

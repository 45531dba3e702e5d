"""A process killed with SIGKILL loses nothing it committed and counts nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

UNTIL = "2025-03-10T00:00:00+00:00"
TABLES = {
    "states": "machine_id, ts_ms, source, state, reason, product_id",
    "counts": "machine_id, ts_ms, source, good, scrap, rework, product_id",
    "samples": "machine_id, signal_id, ts_ms, source, value, quality",
}


def simulate(data_dir: Path, days: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "pabrik.cli.app", "simulate", "--days", str(days)]
    cmd += ["--until", UNTIL, "--data-dir", str(data_dir)]
    cmd += ["--config", "examples/demo-plant.yaml"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def dump(db: Path, before_ms: int | None = None) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    out = {}
    for table, cols in TABLES.items():
        where = "" if before_ms is None else f" WHERE ts_ms < {before_ms:d}"
        out[table] = conn.execute(f"SELECT {cols} FROM {table}{where} ORDER BY {cols}").fetchall()
    conn.close()
    return out


def position_ms(db: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        row = conn.execute(
            "SELECT value FROM checkpoints WHERE name = 'simulator:sim:position'"
        ).fetchone()
        conn.close()
    except sqlite3.Error:
        return None
    return None if row is None else int(datetime.fromisoformat(row[0]).timestamp() * 1000)


@pytest.mark.slow
def test_kill_9_mid_backfill_then_restart_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    days = 1  # 24 one-hour commits: the kill still lands mid-backfill
    reference = simulate(tmp_path / "ref", days)
    assert reference.wait(timeout=240) == 0

    crashed_db = tmp_path / "crash" / "pabrik.sqlite"
    victim = simulate(tmp_path / "crash", days)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pos = position_ms(crashed_db) if crashed_db.exists() else None
        if pos is not None and pos > 0:
            break
        time.sleep(0.01)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL, "the backfill finished before it could be killed"

    # Everything committed up to the checkpoint is there, exactly as in the reference run.
    committed = position_ms(crashed_db)
    assert committed is not None
    assert dump(crashed_db, committed) == dump(tmp_path / "ref" / "pabrik.sqlite", committed)

    resumed = simulate(tmp_path / "crash", days)
    assert resumed.wait(timeout=240) == 0
    assert dump(crashed_db) == dump(tmp_path / "ref" / "pabrik.sqlite")

"""The demo's first live hour: sample channels only, and the first burst of alarms as a digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pabrik.runtime.app import build_runtime
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.demo import add_demo_notifications
from pabrik.runtime.settings import Settings
from tests.paths import DEMO
from tests.runtime.notify.helpers import Clock
from tests.runtime.notify.helpers import sender as make_sender


def test_the_demo_sends_nothing_out_and_digests_its_first_burst(tmp_path: Path) -> None:
    clock = Clock()
    clock.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Cikarang
    start = clock.now
    runtime = build_runtime(Settings(config=DEMO, data_dir=tmp_path), clock=clock)
    try:
        admin = NotifyAdmin(runtime.store, clock)
        assert add_demo_notifications(admin, "admin") == 3
        assert add_demo_notifications(admin, "admin") == 0
        assert all(c.sample for c in admin.channels())
        sender = make_sender(runtime.plant, runtime.store, clock)
        runtime.start_simulation(0)
        for minute in range(1, 61):
            clock.now = start + timedelta(minutes=minute)
            runtime.backfill(0)
            runtime.alarms.tick()
            sender.run_once()
        messages = admin.outbox()
    finally:
        runtime.close()
    digests = [m for m in messages if m.kind == "digest"]
    assert digests, [(m.kind, m.status) for m in messages]
    assert len(digests[0].event_ids) > 2
    assert {m.status for m in messages} <= {"skipped", "gathering"}  # nothing left the machine
    assert {m.last_error for m in messages if m.status == "skipped"} == {"channel_disabled"}

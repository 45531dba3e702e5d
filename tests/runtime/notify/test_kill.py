"""A sender process killed with SIGKILL mid-batch: every message arrives at least once, same ids."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.channels import Channel
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.storage.notify import NotifyEventRow
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO, REPO
from tests.runtime.notify.peers import webhook

N = 30
MACHINES = ("imm-01", "imm-02", "imm-03", "imm-04", "filler-01", "labeller-01", "packer-01")


def _sender(data_dir: Path) -> subprocess.Popen[bytes]:
    code = "from pabrik.cli.commands_notify import app; app()"
    args = ["run", "--config", str(DEMO), "--data-dir", str(data_dir), "--interval", "0.2",
            "--backoff", "0.1"]  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(REPO / "src")}
    with (data_dir / "sender.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                                stdout=log, stderr=log)  # fmt: skip


def _wait(predicate: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_sender_loses_nothing_and_repeats_only_with_the_same_id(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "pabrik.sqlite")
    store.upgrade()
    now = utc_now()
    events = [
        NotifyEventRow(f"alarm/oli-panas/{MACHINES[i % 7]}/{i + 1}/0", "alarm", now,
                       json.dumps({"machine": MACHINES[i % 7], "priority": "high",
                                   "definition": "suhu-tinggi", "value": 70 + i}))
        for i in range(N)
    ]  # fmt: skip
    with webhook() as (url, hook):
        hook.delay_s = 0.1
        admin = NotifyAdmin(store, utc_now)
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}))
        admin.save_subscription(Subscription("ana", "hook", priorities=("high",), flood_over=1000))
        store.add_notify_events(events)
        first = _sender(tmp_path)
        try:
            _wait(lambda: len(hook.received) >= 5)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        delivered = len(hook.received)
        assert delivered < N, "the sender finished before it was killed"
        second = _sender(tmp_path)
        try:
            _wait(lambda: len({i for i, _ in hook.received}) >= N)
            _wait(lambda: not store.notify_messages(("pending",)))
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
    expected = {f"{e.event_id}/ana/hook" for e in events}
    counts = Counter(i for i, _ in hook.received)
    assert set(counts) == expected  # every one at least once, and no other id
    assert all(payload["id"] == i for i, payload in hook.received)  # header and body agree
    assert sum(counts.values()) - N <= 1  # at most the one in flight came twice
    assert {m.status for m in store.notify_messages()} == {"sent"}
    store.close()

"""Two sender processes over one store; the holder killed with SIGKILL mid-batch.

The other takes over once the holder's lease expires: every message arrives, the two never
send at the same time, and a repeat (the one in flight at the kill) keeps its id.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import groupby
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pabrik.cli.commands_notify import app
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.channels import Channel
from pabrik.runtime.notify.sender import LEASE
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.storage.notify import NotifyEventRow
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO, REPO
from tests.pg import PgServer
from tests.runtime.notify.peers import smtp_server, webhook

N = 30
MACHINES = ("imm-01", "imm-02", "imm-03", "imm-04", "filler-01", "labeller-01", "packer-01")
Store = SqliteStore | PostgresStore


@pytest.fixture(params=["sqlite", "postgres"])
def target(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server: PgServer
) -> Iterator[tuple[Store, str]]:
    """A migrated store, and the database URL the sender processes get (empty: SQLite)."""
    url = pg_server.create_database() if request.param == "postgres" else ""
    store: Store = PostgresStore(url) if url else SqliteStore(tmp_path / "pabrik.sqlite")
    store.upgrade()
    yield store, url
    store.close()
    if url:
        pg_server.drop_database(url)


def _sender(data_dir: Path, url: str, name: str) -> subprocess.Popen[bytes]:
    code = "from pabrik.cli.commands_notify import app; app()"
    # The base URL names the process in each message's link, so the receiver tells them apart.
    # The lease outlasts a pass on a busy machine, so only the kill hands it over.
    args = ["run", "--config", str(DEMO), "--data-dir", str(data_dir), "--interval", "0.2",
            "--backoff", "0.1", "--lease", "4", "--base-url", f"http://{name}.local",
            "--database-url", url]  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(REPO / "src")}
    with (data_dir / f"sender-{name}.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                                stdout=log, stderr=log)  # fmt: skip


def _wait(predicate: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _holder(store: Store, procs: dict[str, subprocess.Popen[bytes]]) -> str | None:
    lease = store.notify_lease(LEASE)
    if lease is None:
        return None
    pid = lease.holder.split("/")[1]
    return next((name for name, p in procs.items() if str(p.pid) == pid), None)


def test_a_killed_holder_is_replaced_and_nothing_is_lost_or_sent_by_both(
    tmp_path: Path, target: tuple[Store, str]
) -> None:
    store, url = target
    now = utc_now()
    events = [
        NotifyEventRow(f"alarm/oli-panas/{MACHINES[i % 7]}/{i + 1}/0", "alarm", now,
                       json.dumps({"machine": MACHINES[i % 7], "priority": "high",
                                   "definition": "suhu-tinggi", "value": 70 + i}))
        for i in range(N)
    ]  # fmt: skip
    with webhook() as (hook_url, hook):
        hook.delay_s = 0.1
        admin = NotifyAdmin(store, utc_now)
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": hook_url}))
        admin.save_subscription(Subscription("ana", "hook", priorities=("high",), flood_over=1000))
        store.add_notify_events(events)
        procs = {name: _sender(tmp_path, url, name) for name in ("a", "b")}
        try:
            _wait(lambda: len(hook.received) >= 5)
            first = _holder(store, procs)
            assert first is not None
            procs[first].send_signal(signal.SIGKILL)
            procs[first].wait(10)
            delivered = len(hook.received)
            assert delivered < N, "the holder finished before it was killed"
            _wait(lambda: len({i for i, _ in hook.received}) >= N)
            _wait(lambda: not store.notify_messages(("pending",)))
            second = _holder(store, procs)
            assert second is not None
            shown = CliRunner().invoke(app, ["outbox", "--config", str(DEMO), "--data-dir",
                                             str(tmp_path), "--database-url", url])  # fmt: skip
            assert f"/{procs[second].pid}/" in shown.output  # the outbox names the sender
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                    p.wait(20)
    assert second is not None
    assert second != first
    expected = {f"{e.event_id}/ana/hook" for e in events}
    counts = Counter(i for i, _ in hook.received)
    assert set(counts) == expected  # every one at least once, and no other id
    assert all(payload["id"] == i for i, payload in hook.received)  # header and body agree
    assert sum(counts.values()) - N <= 1  # at most the one in flight came twice
    # Arrivals come in two runs: all of the first holder's, then all of the second's.
    senders = [str(p["message"]).rsplit("http://", 1)[1].split(".")[0] for _, p in hook.received]
    assert [name for name, _ in groupby(senders)] == [first, second]
    assert {m.status for m in store.notify_messages()} == {"sent"}


def _events(n: int, first: int = 0) -> list[NotifyEventRow]:
    now = utc_now()
    return [
        NotifyEventRow(f"alarm/oli-panas/{MACHINES[i % 7]}/{i + 1}/0", "alarm", now,
                       json.dumps({"machine": MACHINES[i % 7], "priority": "high",
                                   "definition": "suhu-tinggi", "value": 70 + i}))
        for i in range(first, first + n)
    ]  # fmt: skip


def _name(payload: dict[str, object]) -> str:
    """The sender process that sent ``payload`` (its base URL is in the message's link)."""
    return str(payload["message"]).rsplit("http://", 1)[1].split(".")[0]


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGCONT)
            p.send_signal(signal.SIGTERM)
            p.wait(20)


def test_two_sender_processes_without_a_kill_send_each_message_exactly_once(
    tmp_path: Path, target: tuple[Store, str]
) -> None:
    store, url = target
    events = _events(N)
    with webhook() as (hook_url, hook):
        admin = NotifyAdmin(store, utc_now)
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": hook_url}))
        admin.save_subscription(Subscription("ana", "hook", priorities=("high",), flood_over=1000))
        procs = {name: _sender(tmp_path, url, name) for name in ("a", "b")}
        try:
            store.add_notify_events(events[: N // 2])
            _wait(lambda: len(hook.received) >= N // 2)
            store.add_notify_events(events[N // 2 :])  # a second batch while both run
            _wait(lambda: len(hook.received) >= N)
            _wait(lambda: not store.notify_messages(("pending",)))
        finally:
            _stop(procs)
    counts = Counter(i for i, _ in hook.received)
    assert set(counts) == {f"{e.event_id}/ana/hook" for e in events}
    assert set(counts.values()) == {1}  # no repeats at all
    assert len({_name(p) for _, p in hook.received}) == 1  # one sender held the lease


def test_a_holder_frozen_mid_send_past_its_lease_is_replaced_and_marks_nothing_on_waking(
    tmp_path: Path, target: tuple[Store, str]
) -> None:
    store, url = target
    events = _events(N)
    frozen: list[str] = []
    procs: dict[str, subprocess.Popen[bytes]] = {}

    def freeze(number: int, payload: dict[str, object]) -> None:
        # SIGSTOP while its 6th message is in flight: the receiver accepts it, the sender
        # cannot mark it until long after its lease ran out.
        if number == 6:
            frozen.append(_name(payload))
            procs[frozen[0]].send_signal(signal.SIGSTOP)

    with webhook() as (hook_url, hook):
        hook.delay_s = 0.1
        hook.on_request = freeze
        admin = NotifyAdmin(store, utc_now)
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": hook_url}))
        admin.save_subscription(Subscription("ana", "hook", priorities=("high",), flood_over=1000))
        store.add_notify_events(events)
        procs.update({name: _sender(tmp_path, url, name) for name in ("a", "b")})
        try:
            _wait(lambda: len({i for i, _ in hook.received}) >= N)
            _wait(lambda: not store.notify_messages(("pending",)))
            [first] = frozen
            second = _holder(store, procs)
            assert second is not None
            assert second != first
            procs[first].send_signal(signal.SIGCONT)
            log = tmp_path / f"sender-{first}.log"
            _wait(lambda: "lease lost while sending" in log.read_text())
            more = _events(5, first=N)
            store.add_notify_events(more)
            _wait(lambda: len({i for i, _ in hook.received}) >= N + 5)
            _wait(lambda: not store.notify_messages(("pending",)))
        finally:
            _stop(procs)
    counts = Counter(i for i, _ in hook.received)
    assert set(counts) == {f"{e.event_id}/ana/hook" for e in [*events, *more]}
    repeated = [i for i, n in counts.items() if n > 1]
    assert len(repeated) == 1  # the one in flight at the freeze, and only once more
    assert counts[repeated[0]] == 2
    assert hook.received[5][0] == repeated[0]
    senders = [_name(p) for _, p in hook.received]
    assert [name for name, _ in groupby(senders)] == [first, second]
    assert {m.status for m in store.notify_messages()} == {"sent"}


def test_e_mail_from_a_killed_holder_arrives_at_least_once_and_once_more_at_most(
    tmp_path: Path, target: tuple[Store, str]
) -> None:
    store, url = target
    n = 20
    events = _events(n)
    with smtp_server() as (port, box):
        box.delay_s = 0.1
        mail = {"host": "127.0.0.1", "port": str(port), "mode": "insecure",
                "from": "pabrik@example.com"}  # fmt: skip
        admin = NotifyAdmin(store, utc_now)
        admin.save_channel(Channel("surel", "email", "E-mail", mail))
        admin.save_subscription(Subscription("ana", "surel", "ana@example.com",
                                             priorities=("high",), flood_over=1000))  # fmt: skip
        store.add_notify_events(events)
        procs = {name: _sender(tmp_path, url, name) for name in ("a", "b")}
        try:
            _wait(lambda: len(box.mails) >= 4)
            first = _holder(store, procs)
            assert first is not None
            procs[first].send_signal(signal.SIGKILL)
            procs[first].wait(10)
            assert len(box.mails) < n, "the holder finished before it was killed"
            _wait(lambda: len({m[0] for m in box.mails}) >= n)
            _wait(lambda: not store.notify_messages(("pending",)))
        finally:
            _stop(procs)
    counts = Counter(m[0] for m in box.mails)
    assert set(counts) == {f"{e.event_id}/ana/surel" for e in events}
    assert sum(counts.values()) - n <= 1
    assert {m.status for m in store.notify_messages()} == {"sent"}

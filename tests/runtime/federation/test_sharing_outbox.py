"""The programme outbox: rows are sent until the programme confirms, then marked done."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.runtime.federation.sharing_outbox import Answer, deliver_due, send_forever
from pabrik.storage.sharing import OutboxRow, ShareRow
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "company.db")
    s.upgrade()
    return s


def _queue(store: SqliteStore, share_id: str = "s1") -> None:
    share = ShareRow(
        "t", share_id, "a1", "https://programme.example", "tok", "sharing", "me", T0, T0
    )
    store.save_share(share, OutboxRow("t", share_id, "share", f"key-{share_id}", "{}", T0), None)


def test_a_refused_delivery_waits_longer_each_time_and_a_confirmed_one_is_done(
    store: SqliteStore,
) -> None:
    _queue(store)
    calls: list[str] = []

    def refuse(method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
        calls.append(key)
        return Answer(503, "busy")

    assert deliver_due(store, refuse, lambda: T0) == 0
    assert deliver_due(store, refuse, lambda: T0) == 0  # not due again yet
    assert calls == ["key-s1"]
    later = T0 + timedelta(seconds=5)
    assert deliver_due(store, refuse, lambda: later) == 0
    assert store.due_outbox(later + timedelta(seconds=1)) == []  # the delay grew from 1 s to 2 s
    assert [o.attempts for o in store.due_outbox(later + timedelta(seconds=2))] == [2]

    def accept(method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
        calls.append(key)
        return Answer(200, "{}")

    end = T0 + timedelta(minutes=5)
    assert deliver_due(store, accept, lambda: end) == 1
    assert calls == ["key-s1", "key-s1", "key-s1"]  # the same idempotency key every time
    assert store.due_outbox(end + timedelta(days=1)) == []
    shared = store.share("t", "s1")
    assert shared is not None
    assert (shared.status, shared.last_error) == ("shared", "")


def test_the_sender_loop_delivers_and_stops_when_asked(store: SqliteStore) -> None:
    _queue(store, "s2")
    sent: list[str] = []

    async def run() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()

        def accept(method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
            sent.append(url)
            loop.call_soon_threadsafe(stopping.set)
            return Answer(201)

        task = asyncio.create_task(send_forever(store, lambda: T0, stopping, 0.01, accept))
        await asyncio.wait_for(task, 10)

    asyncio.run(run())
    assert sent == ["https://programme.example/api/v1/programme/shared"]
    done = store.share("t", "s2")
    assert done is not None
    assert done.status == "shared"


def test_a_share_taken_back_before_delivery_is_never_sent(store: SqliteStore) -> None:
    _queue(store, "s3")
    sent: list[str] = []

    def down(method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
        raise OSError("connection refused")

    assert deliver_due(store, down, lambda: T0) == 0
    share = store.share("t", "s3")
    assert share is not None
    revoking = ShareRow(
        "t", "s3", "a1", share.programme_url, "tok", "revoking", "me", T0, T0, revoked_by="me"
    )
    store.save_share(revoking, OutboxRow("t", "s3", "revoke", "key-r3", "{}", T0), None)

    def up(method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
        sent.append(method)
        return Answer(404)

    later = T0 + timedelta(minutes=1)
    deliver_due(store, up, lambda: later)
    assert sent == ["DELETE"]
    assert store.due_outbox(later + timedelta(days=1)) == []
    gone = store.share("t", "s3")
    assert gone is not None
    assert gone.status == "revoked"

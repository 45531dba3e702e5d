"""A sender keeps its lease while a message is in flight, bounds each send, and one that lost
the lease neither marks nor retries what the new holder now owns (SQLite file, PostgreSQL).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from pabrik.model.site import Plant
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.channels import Channel
from pabrik.runtime.notify.sender import LEASE, Outgoing, Policy, Rendered, Sender
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.storage.notify import NotifyEventRow
from tests.runtime.notify.helpers import Clock, Opener, Store, words
from tests.runtime.notify.peers import Hook, webhook


@dataclass(frozen=True)
class Slow:
    """The usual words with the sender's name in the title, taking ``wait_s`` to render."""

    name: str
    plant: Plant
    wait_s: float = 0.0

    def __call__(self, message: Outgoing) -> Rendered:
        time.sleep(self.wait_s)
        rendered = words(self.plant)(message)
        return replace(rendered, title=f"{self.name}|{rendered.title}")


def _events(at: Clock | None, n: int) -> list[NotifyEventRow]:
    when = at.now if at is not None else utc_now()
    body = json.dumps({"machine": "imm-01", "priority": "high", "definition": "oli-panas",
                       "value": 70})  # fmt: skip
    return [NotifyEventRow(f"alarm/oli-panas/imm-01/{i}/0", "alarm", when, body) for i in range(n)]


def _setup(store: Store, clock: Callable[[], object], url: str) -> None:
    admin = NotifyAdmin(store, clock)  # type: ignore[arg-type]
    admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}))
    admin.save_subscription(Subscription("ana", "hook", priorities=("high",), flood_over=1000))


def _by(hook: Hook) -> Counter[str]:
    return Counter(str(payload["title"]).split("|")[0] for _, payload in hook.received)


def test_a_sender_that_lost_the_lease_mid_send_does_not_undo_the_new_holders_delivery(
    plant: Plant, opener: Opener
) -> None:
    clock = Clock()
    with webhook() as (url, hook):
        hook.stall_s = 30  # a's request hangs until the test lets it fail
        store_a, store_b = opener(), opener()
        _setup(store_a, clock, url)
        policy = Policy(lease_s=60, backoff_s=1)
        a = Sender(store_a, plant, Slow("a", plant), clock, policy, reports=False, holder="a")
        b = Sender(store_b, plant, Slow("b", plant), clock, policy, reports=False, holder="b")
        store_a.add_notify_events(_events(clock, 1))
        stuck = threading.Thread(target=a.run_once)
        stuck.start()
        assert hook.stalled.wait(30)
        clock.advance(seconds=61)  # a's lease runs out while its send hangs
        taken = b.run_once()
        assert (taken.held, taken.sent) == (True, 1)
        hook.go.set()  # a's receiver answers 503 at last
        stuck.join(30)
        assert [m.status for m in store_b.notify_messages()] == ["sent"]  # a wrote no retry
        clock.advance(seconds=5)
        assert b.run_once().sent == 0  # nothing comes back to be sent again
    assert list(Counter(i for i, _ in hook.received).values()) == [1]


def test_a_message_in_flight_renews_the_lease_every_quarter_lease(
    plant: Plant, opener: Opener
) -> None:
    with webhook() as (url, hook):
        hook.stall_s = 30  # the send hangs until the test has seen the heartbeat
        store_a, store_b = opener(), opener()
        _setup(store_a, utc_now, url)
        policy = Policy(lease_s=2, send_timeout_s=1.9)
        a = Sender(store_a, plant, Slow("a", plant), utc_now, policy, reports=False, holder="a")
        store_a.add_notify_events(_events(None, 1))
        stuck = threading.Thread(target=a.run_once)
        stuck.start()
        try:
            assert hook.stalled.wait(30)
            lease = store_b.notify_lease(LEASE)
            assert lease is not None
            deadline = time.monotonic() + 30
            while (renewed := store_b.notify_lease(LEASE)) == lease:
                # The first beat is due half a second after the send began.
                assert time.monotonic() < deadline, "the lease was not renewed mid-send"
                time.sleep(0.02)
            assert renewed is not None
            assert renewed.holder == "a"
            assert renewed.expires_at > lease.expires_at
        finally:
            hook.go.set()
            stuck.join(30)


def test_a_send_that_hangs_is_cut_at_the_timeout_and_its_sender_keeps_the_lease(
    plant: Plant, opener: Opener
) -> None:
    with webhook() as (url, hook):
        hook.stall_s = 3.5  # longer than the lease; answered 503, so never received
        store_a, store_b = opener(), opener()
        _setup(store_a, utc_now, url)
        # The lease leaves a busy machine seconds between renewals before the other may take it.
        policy = Policy(lease_s=3, send_timeout_s=0.5, backoff_s=0.1)
        a = Sender(store_a, plant, Slow("a", plant), utc_now, policy, reports=False, holder="a")
        b = Sender(store_b, plant, Slow("b", plant), utc_now, policy, reports=False, holder="b")
        assert a.hold()
        store_a.add_notify_events(_events(None, 3))
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                b.run_once()
                time.sleep(0.05)

        other = threading.Thread(target=poll)
        other.start()
        try:
            first = a.run_once()
            assert (first.sent, first.retried) == (2, 1)  # the others did not wait for it
            deadline = time.monotonic() + 30
            while len(hook.received) < 3:
                assert time.monotonic() < deadline, "the cut message was never sent again"
                a.run_once()
                time.sleep(0.05)
        finally:
            done.set()
            hook.go.set()
            other.join(30)
    assert _by(hook) == Counter({"a": 3})
    assert set(Counter(i for i, _ in hook.received).values()) == {1}

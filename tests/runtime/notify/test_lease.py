"""One sender per site: two senders over one store (SQLite file, PostgreSQL), one lease.

Each sender has its own store object, as two processes would, and tags what it sends, so the
real webhook receiver can tell who delivered each message.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace

from pabrik.model.site import Plant
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.channels import Channel
from pabrik.runtime.notify.sender import LEASE, Outgoing, Pass, Policy, Rendered, Sender
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.storage.notify import NotifyEventRow
from tests.runtime.notify.helpers import Clock, Opener, Store, words
from tests.runtime.notify.peers import Hook, webhook

MACHINES = ("imm-01", "imm-02", "filler-01", "labeller-01", "packer-01")


@dataclass(frozen=True)
class Tagged:
    """The usual words, with the sender's name in the title."""

    name: str
    plant: Plant

    def __call__(self, message: Outgoing) -> Rendered:
        rendered = words(self.plant)(message)
        return replace(rendered, title=f"{self.name}|{rendered.title}")


def _sender(name: str, store: Store, plant: Plant, clock: Clock) -> Sender:
    policy = Policy(lease_s=60)
    return Sender(store, plant, Tagged(name, plant), clock, policy, reports=False, holder=name)


def _events(clock: Clock, first: int, n: int) -> list[NotifyEventRow]:
    return [
        NotifyEventRow(f"alarm/oli-panas/{MACHINES[i % 5]}/{i}/0", "alarm", clock.now,
                       json.dumps({"machine": MACHINES[i % 5], "priority": "high",
                                   "definition": "oli-panas", "value": 70}))
        for i in range(first, first + n)
    ]  # fmt: skip


def _setup(store: Store, clock: Clock, url: str) -> None:
    admin = NotifyAdmin(store, clock)
    admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}))
    admin.save_subscription(Subscription("ana", "hook", priorities=("high",), flood_over=1000))


def _by(hook: Hook) -> dict[str, list[str]]:
    """Message ids by the sender that delivered them, in arrival order."""
    out: dict[str, list[str]] = {}
    for message_id, payload in hook.received:
        out.setdefault(str(payload["title"]).split("|")[0], []).append(message_id)
    return out


def test_only_the_holder_sends_and_another_takes_over_when_it_stops_renewing(
    plant: Plant, opener: Opener
) -> None:
    clock = Clock()
    with webhook() as (url, hook):
        store_a, store_b = opener(), opener()
        _setup(store_a, clock, url)
        a, b = _sender("a", store_a, plant, clock), _sender("b", store_b, plant, clock)
        store_a.add_notify_events(_events(clock, 0, 8))
        first = a.run_once()
        assert (first.held, first.routed, first.sent) == (True, 8, 8)
        assert b.run_once() == Pass(held=False)  # b waits: routes and sends nothing
        store_b.add_notify_events(_events(clock, 8, 4))
        clock.advance(seconds=59)
        assert not b.run_once().held  # a's lease still runs
        # a stops renewing (hung or killed): once its lease has expired, b takes over.
        clock.advance(seconds=2)
        taken = b.run_once()
        assert (taken.held, taken.sent) == (True, 4)
        assert store_a.notify_lease(LEASE) is not None
        assert store_a.notify_lease(LEASE).holder == "b"  # type: ignore[union-attr]
        assert not a.run_once().held  # a comes back and finds b holding
        store_a.add_notify_events(_events(clock, 12, 3))
        assert a.run_once().sent == 0
        assert b.run_once().sent == 3
    counts = Counter(i for i, _ in hook.received)
    assert set(counts) == {f"{e.event_id}/ana/hook" for e in _events(clock, 0, 15)}
    assert set(counts.values()) == {1}  # none twice
    by = _by(hook)
    assert (len(by["a"]), len(by["b"])) == (8, 7)


def test_a_holder_that_stops_cleanly_hands_over_at_once(plant: Plant, opener: Opener) -> None:
    clock = Clock()
    with webhook() as (url, hook):
        store_a, store_b = opener(), opener()
        _setup(store_a, clock, url)
        a, b = _sender("a", store_a, plant, clock), _sender("b", store_b, plant, clock)
        assert a.run_once().held
        assert not b.run_once().held
        a.release()
        store_a.add_notify_events(_events(clock, 0, 2))
        assert b.run_once().sent == 2  # no wait for the lease to expire
    assert set(_by(hook)) == {"b"}


def test_two_senders_racing_in_threads_never_send_at_the_same_time(
    plant: Plant, opener: Opener
) -> None:
    clock = Clock()
    n = 40
    with webhook() as (url, hook):
        hook.delay_s = 0.01  # each delivery takes a while, so the senders overlap in time
        stores = [opener(), opener()]
        _setup(stores[0], clock, url)
        senders = [_sender(name, s, plant, clock) for name, s in zip("ab", stores, strict=True)]
        stores[0].add_notify_events(_events(clock, 0, n))
        start = threading.Barrier(2)
        held: dict[str, int] = {"a": 0, "b": 0}

        def run(s: Sender) -> None:
            start.wait()
            while len(hook.received) < n:
                held[str(s.holder)] += s.run_once().held
                time.sleep(0.005)  # the one waiting need not spin

        threads = [threading.Thread(target=run, args=(s,)) for s in senders]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert [name for name, passes in held.items() if passes] in (["a"], ["b"])
    counts = Counter(i for i, _ in hook.received)
    assert len(counts) == n
    assert set(counts.values()) == {1}
    assert len(_by(hook)) == 1

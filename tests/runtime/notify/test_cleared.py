"""Return to normal: told only to subscribers who asked for it, through the same outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pabrik.model.site import Plant
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.channels import Channel
from pabrik.runtime.notify.subscriptions import Subscription, from_row, to_row
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO
from tests.runtime.notify.helpers import Clock, alarms, cool, hot, sender
from tests.runtime.notify.peers import webhook


@pytest.fixture(scope="module")
def plant() -> Plant:
    return load_site(DEMO).plant()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "p.sqlite")
    s.upgrade()
    yield s
    s.close()


def test_return_to_normal_is_off_by_default_and_kept_when_chosen() -> None:
    assert Subscription("ana", "hook").cleared is False
    sub = Subscription("ana", "hook", cleared=True)
    assert from_row(to_row(sub, Clock().now)) == sub


def test_a_cleared_alarm_is_in_the_outbox_once(plant: Plant, store: SqliteStore) -> None:
    clock = Clock()
    svc = alarms(plant, store, clock)
    hot(svc, store, "imm-01", 1)
    cool(svc, store, "imm-01", 3)
    cool(svc, store, "imm-01", 4)  # still normal: nothing more
    kinds = sorted(e.kind for e in store.unrouted_events())
    assert kinds == ["alarm", "cleared"]


def test_only_those_who_chose_it_hear_the_return_in_their_language(
    plant: Plant, store: SqliteStore
) -> None:
    clock = Clock()
    admin = NotifyAdmin(store, clock)
    with webhook() as (url, hook):
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}))
        admin.save_subscription(Subscription("ana", "hook", language="en", cleared=True))
        admin.save_subscription(Subscription("budi", "hook", language="id", cleared=True))
        admin.save_subscription(Subscription("citra", "hook"))  # default: not told
        svc = alarms(plant, store, clock)
        s = sender(plant, store, clock)
        hot(svc, store, "imm-01", 1)
        assert s.run_once().sent == 3
        clock.advance(minutes=3)
        cool(svc, store, "imm-01", 3)
        assert s.run_once().sent == 2
    cleared = {i.split("/")[-2]: p for i, p in hook.received if "citra" not in i and
               i in {m.message_id for m in admin.outbox() if m.kind == "cleared"}}  # fmt: skip
    assert set(cleared) == {"ana", "budi"}
    assert "back to normal" in str(cleared["ana"]["title"])
    assert "Hydraulic oil hot" in str(cleared["ana"]["title"])
    assert "kembali normal" in str(cleared["budi"]["title"])
    assert "Nilai: 40" in str(cleared["budi"]["message"])
    assert not [i for i, _ in hook.received if i.endswith("/citra/hook") and "cleared" in i]
    assert sum(1 for i, _ in hook.received if i.endswith("/citra/hook")) == 1


def test_returns_in_a_flood_go_into_the_same_digest(plant: Plant, store: SqliteStore) -> None:
    clock = Clock()
    admin = NotifyAdmin(store, clock)
    with webhook() as (url, hook):
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}))
        admin.save_subscription(
            Subscription("ana", "hook", cleared=True, flood_over=2, flood_minutes=10)
        )
        svc = alarms(plant, store, clock)
        s = sender(plant, store, clock)
        hot(svc, store, "imm-01", 1)
        hot(svc, store, "imm-02", 1)
        assert s.run_once().sent == 2  # two alarms: within the limit, each on its own
        clock.advance(minutes=2)
        cool(svc, store, "imm-01", 2)
        cool(svc, store, "imm-02", 2)
        hot(svc, store, "imm-03", 2)
        done = s.run_once()
        assert (done.sent, done.routed) == (0, 1)  # the burst gathers in one digest
        clock.advance(minutes=10)
        assert s.run_once().sent == 1
    [digest] = [m for m in admin.outbox() if m.kind == "digest"]
    assert len(digest.event_ids) == 3
    [(_, payload)] = [(i, p) for i, p in hook.received if i == digest.message_id]
    body = str(payload["message"])
    assert body.count("kembali normal") == 2
    assert "Suhu oli hidraulik tinggi" in body

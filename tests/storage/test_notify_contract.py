"""The notification store behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pabrik.storage.alarms import AlarmStateRow, AlarmTransitionRow
from pabrik.storage.notify import ChannelRow, MessageRow, NotifyEventRow, SubscriptionRow
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from tests.pg import PgServer

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
Backend = SqliteStore | PostgresStore


@pytest.fixture(params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer
) -> Iterator[Backend]:
    s: Backend
    url = None
    if request.param == "sqlite":
        s = SqliteStore(tmp_path_factory.mktemp("notify") / "p.sqlite")
    else:
        url = pg_server.create_database()
        s = PostgresStore(url, pool_size=2)
    s.upgrade()
    yield s
    s.close()
    if url is not None:
        pg_server.drop_database(url)


def _activation(version: int, occurrence: bool = True) -> AlarmTransitionRow:
    return AlarmTransitionRow(
        "hot/m1", version, 0, "hot", "m1", "high", "line-1", T0, "activate", "normal",
        "active_unack", value=71.5, occurrence=occurrence,
    )  # fmt: skip


def _state(version: int) -> AlarmStateRow:
    return AlarmStateRow("hot/m1", "hot", "m1", "active_unack", "high", "line-1", "{}", version, T0)


def test_an_alarm_save_writes_its_outbox_event_in_its_transaction(store: Backend) -> None:
    assert store.save_alarm(_state(1), [_activation(1)])
    assert not store.save_alarm(_state(1), [_activation(1)])  # lost the race: nothing written
    assert store.save_alarm(_state(2), [_activation(2, occurrence=False)])
    [event] = store.unrouted_events()
    assert (event.event_id, event.kind, event.at) == ("alarm/hot/m1/1/0", "alarm", T0)
    assert '"value": 71.5' in event.body_json


def test_channels_keep_their_secret_unless_a_new_one_is_written(store: Backend) -> None:
    row = ChannelRow("tg", "telegram", "Telegram", "{}", "123:abc", True, False, T0)
    store.put_channel(row, keep_secret=False)
    store.put_channel(replace(row, name="TG", secret=""), keep_secret=True)
    [got] = store.notify_channels()
    assert (got.name, got.secret) == ("TG", "123:abc")
    store.put_subscription(SubscriptionRow("budi", "tg", "42", "{}", True, T0))
    assert [s.address for s in store.notify_subscriptions("budi")] == ["42"]
    store.delete_channel("tg")
    assert store.notify_channels() == []
    assert store.notify_subscriptions() == []


def test_routing_is_one_transaction_and_a_gathering_digest_grows(store: Backend) -> None:
    events = [NotifyEventRow(f"e{i}", "alarm", T0 + timedelta(seconds=i), "{}") for i in range(3)]
    assert store.add_notify_events(events) == 3
    assert store.add_notify_events(events) == 0  # ids are stable: nothing twice
    due = T0 + timedelta(minutes=10)
    digest = MessageRow("d1", "budi", "tg", "digest", "gathering", "id", ("e0",), T0, due)
    single = MessageRow("s1", "budi", "tg", "alarm", "pending", "id", ("e0",), T0, T0)
    store.commit_routing(["e0"], [digest, single])
    assert [e.event_id for e in store.unrouted_events()] == ["e1", "e2"]
    store.commit_routing(["e1", "e2"], [replace(digest, event_ids=("e0", "e1", "e2"))])
    assert store.unrouted_events() == []
    assert [m.message_id for m in store.due_messages(T0)] == ["s1"]
    [got] = [m for m in store.due_messages(due) if m.message_id == "d1"]
    assert got.event_ids == ("e0", "e1", "e2")
    sent = replace(single, status="sent", tries=1, sent_at=T0)
    store.update_message(sent)
    store.commit_routing([], [replace(single, status="pending")])  # a repeat changes nothing
    assert store.notify_messages(("sent",)) == [sent]
    assert [e.event_id for e in store.notify_events(["e2", "e0"])] == ["e0", "e2"]
    later = T0 + timedelta(days=31)
    assert store.purge_notifications(later) == 4  # the sent message and the three events
    assert [m.message_id for m in store.notify_messages()] == ["d1"]  # still to be sent


def _clear(version: int, before: str) -> AlarmTransitionRow:
    return AlarmTransitionRow(
        "hot/m1", version, 0, "hot", "m1", "high", "line-1", T0 + timedelta(minutes=version),
        "clear", before, "rtn_unack", value=40.0,
    )  # fmt: skip


def test_a_shown_alarm_that_returns_to_normal_writes_a_cleared_event(store: Backend) -> None:
    assert store.save_alarm(_state(1), [_activation(1)])
    assert store.save_alarm(_state(2), [_clear(2, "active_unack")])
    assert store.save_alarm(_state(3), [_clear(3, "latched")])  # not shown as active: not told
    events = store.unrouted_events()
    assert [(e.event_id, e.kind) for e in events] == [
        ("alarm/hot/m1/1/0", "alarm"), ("alarm/hot/m1/2/0", "cleared")
    ]  # fmt: skip
    assert '"event": "clear"' in events[1].body_json


def test_the_sender_lease_has_one_holder_until_it_expires_or_is_released(
    store: Backend,
) -> None:
    until = T0 + timedelta(seconds=60)
    assert store.notify_lease("sender") is None
    assert store.take_lease("sender", "a", T0, until)
    assert not store.take_lease("sender", "b", T0 + timedelta(seconds=59), until)
    assert store.take_lease(
        "sender", "a", T0 + timedelta(seconds=30), until + timedelta(seconds=30)
    )
    assert not store.take_lease("sender", "b", until, until + timedelta(seconds=60))
    later = until + timedelta(seconds=30)
    assert store.take_lease("sender", "b", later, later + timedelta(seconds=60))  # a expired
    lease = store.notify_lease("sender")
    assert lease is not None
    assert (lease.holder, lease.renewed_at, lease.expires_at) == (
        "b", later, later + timedelta(seconds=60)
    )  # fmt: skip
    store.release_lease("sender", "a")  # not a's to release: nothing changes
    assert not store.take_lease("sender", "a", later, later + timedelta(seconds=60))
    store.release_lease("sender", "b")
    assert store.take_lease("sender", "a", later, later + timedelta(seconds=60))


def test_only_the_lease_holder_settles_a_message_and_only_as_it_read_it(store: Backend) -> None:
    pending = MessageRow("m1", "ana", "hook", "alarm", "pending", "id", ("e1",), T0, T0)
    store.commit_routing([], [pending])
    until = T0 + timedelta(seconds=60)
    assert store.take_lease("sender", "a", T0, until)
    sent = replace(pending, status="sent", tries=1, sent_at=T0)
    assert not store.settle_message(pending, sent, "sender", "b")  # b does not hold it
    assert store.notify_messages() == [pending]
    later = until + timedelta(seconds=1)
    assert store.take_lease("sender", "b", later, later + timedelta(seconds=60))
    assert store.settle_message(pending, sent, "sender", "b")
    retry = replace(pending, tries=1, due_at=later, last_error="503")
    assert not store.settle_message(pending, retry, "sender", "a")  # a lost the lease
    assert not store.settle_message(pending, retry, "sender", "b")  # no longer as b read it
    assert store.notify_messages() == [sent]

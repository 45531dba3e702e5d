"""The notification store once for both backends, and the outbox row an alarm writes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.alarms import AlarmTransitionRow
from pabrik.storage.notify import (
    ChannelRow,
    LeaseRow,
    MessageRow,
    NotifyEventRow,
    SubscriptionRow,
)
from pabrik.storage.sql.base import SqlBase

_CHANNEL_COLS = "channel_id, kind, name, settings_json, secret, enabled, sample, updated_at_ms"
_SUB_COLS = "username, channel_id, address, body_json, enabled, updated_at_ms"
_EVENT_COLS = "event_id, kind, at_ms, body_json"
_MSG_COLS = (
    "message_id, username, channel_id, kind, status, language, events_json, created_at_ms,"
    " due_at_ms, tries, last_error, sent_at_ms"
)
INSERT_EVENT = (
    f"INSERT INTO notify_events ({_EVENT_COLS}) VALUES (?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (event_id) DO NOTHING"
)
_UPSERT_MSG = (
    f"INSERT INTO notify_messages ({_MSG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (message_id) DO UPDATE SET events_json = excluded.events_json"
    " WHERE notify_messages.status = 'gathering'"
)

# One statement takes, renews or takes over the lease, so two senders racing for it (on one
# SQLite file or one PostgreSQL database) cannot both win: the row is locked by the upsert.
_TAKE_LEASE = (
    "INSERT INTO notify_lease (name, holder, expires_at_ms, renewed_at_ms) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
    " expires_at_ms = excluded.expires_at_ms, renewed_at_ms = excluded.renewed_at_ms"
    " WHERE notify_lease.holder = excluded.holder"
    " OR notify_lease.expires_at_ms <= excluded.renewed_at_ms"
)

# A no-op write that only matches while ``holder`` still holds the lease (nobody took it over).
_FENCE = "UPDATE notify_lease SET holder = holder WHERE name = ? AND holder = ?"

_SHOWN = frozenset({"active_unack", "active_ack"})


def told(t: AlarmTransitionRow) -> bool:
    """Whether a transition goes to the outbox: an announced alarm, or a shown one's return."""
    return t.occurrence or (t.event == "clear" and t.before in _SHOWN)


def alarm_event_params(t: AlarmTransitionRow) -> tuple[Any, ...]:
    """The outbox row of an announced alarm or its return, keyed by the transition (stable)."""
    body = {
        "key": t.key,
        "definition": t.definition_id,
        "machine": t.machine_id,
        "priority": t.priority,
        "position": t.position,
        "event": t.event,
        "state": t.after,
        "value": t.value,
    }
    event_id = f"alarm/{t.key}/{t.version}/{t.idx}"
    kind = "alarm" if t.occurrence else "cleared"
    return (event_id, kind, to_epoch_ms(t.at), json.dumps(body, sort_keys=True))


def _channel(r: tuple[Any, ...]) -> ChannelRow:
    return ChannelRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6]), from_epoch_ms(r[7]))


def _sub(r: tuple[Any, ...]) -> SubscriptionRow:
    return SubscriptionRow(r[0], r[1], r[2], r[3], bool(r[4]), from_epoch_ms(r[5]))


def _event(r: tuple[Any, ...]) -> NotifyEventRow:
    return NotifyEventRow(r[0], r[1], from_epoch_ms(r[2]), r[3])


def _msg(r: tuple[Any, ...]) -> MessageRow:
    return MessageRow(
        r[0], r[1], r[2], r[3], r[4], r[5], tuple(json.loads(r[6])), from_epoch_ms(r[7]),
        from_epoch_ms(r[8]), int(r[9]), r[10], None if r[11] is None else from_epoch_ms(r[11]),
    )  # fmt: skip


def _msg_params(m: MessageRow) -> tuple[Any, ...]:
    sent = None if m.sent_at is None else to_epoch_ms(m.sent_at)
    return (
        m.message_id, m.username, m.channel_id, m.kind, m.status, m.language,
        json.dumps(list(m.event_ids)), to_epoch_ms(m.created_at), to_epoch_ms(m.due_at), m.tries,
        m.last_error, sent,
    )  # fmt: skip


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


class SqlNotify(SqlBase):
    """The ``notify_*`` tables."""

    def notify_channels(self) -> list[ChannelRow]:
        """Every channel, by id."""
        sql = f"SELECT {_CHANNEL_COLS} FROM notify_channels ORDER BY channel_id"  # noqa: S608
        return [_channel(r) for r in self._rows(sql)]

    def put_channel(self, row: ChannelRow, *, keep_secret: bool) -> None:
        """Insert or replace a channel; ``keep_secret`` keeps the stored secret."""
        secret = "notify_channels.secret" if keep_secret else "excluded.secret"
        sql = (
            f"INSERT INTO notify_channels ({_CHANNEL_COLS}) VALUES ({_marks(8)})"  # noqa: S608
            " ON CONFLICT (channel_id) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
            f" settings_json = excluded.settings_json, secret = {secret},"
            " enabled = excluded.enabled, sample = excluded.sample,"
            " updated_at_ms = excluded.updated_at_ms"
        )
        params = (
            row.channel_id, row.kind, row.name, row.settings_json, row.secret, row.enabled,
            row.sample, to_epoch_ms(row.updated_at),
        )  # fmt: skip
        with self._tx() as tx:
            tx.execute(sql, params)

    def delete_channel(self, channel_id: str) -> None:
        """Remove a channel and its subscriptions."""
        with self._tx() as tx:
            tx.execute("DELETE FROM notify_subscriptions WHERE channel_id = ?", (channel_id,))
            tx.execute("DELETE FROM notify_channels WHERE channel_id = ?", (channel_id,))

    def notify_subscriptions(self, username: str | None = None) -> list[SubscriptionRow]:
        """Subscriptions, all or one user's."""
        sql = f"SELECT {_SUB_COLS} FROM notify_subscriptions"  # noqa: S608
        params: tuple[Any, ...] = ()
        if username is not None:
            sql += " WHERE username = ?"
            params = (username,)
        sql += " ORDER BY username, channel_id"
        return [_sub(r) for r in self._rows(sql, params)]

    def put_subscription(self, row: SubscriptionRow) -> None:
        """Insert or replace one user's subscription to one channel."""
        sql = (
            f"INSERT INTO notify_subscriptions ({_SUB_COLS}) VALUES ({_marks(6)})"  # noqa: S608
            " ON CONFLICT (username, channel_id) DO UPDATE SET address = excluded.address,"
            " body_json = excluded.body_json, enabled = excluded.enabled,"
            " updated_at_ms = excluded.updated_at_ms"
        )
        params = (
            row.username, row.channel_id, row.address, row.body_json, row.enabled,
            to_epoch_ms(row.updated_at),
        )  # fmt: skip
        with self._tx() as tx:
            tx.execute(sql, params)

    def delete_subscription(self, username: str, channel_id: str) -> None:
        """Remove one subscription."""
        with self._tx() as tx:
            tx.execute(
                "DELETE FROM notify_subscriptions WHERE username = ? AND channel_id = ?",
                (username, channel_id),
            )

    def add_notify_events(self, rows: Sequence[NotifyEventRow]) -> int:
        """Add events not yet stored (by id); how many were new."""
        new = 0
        with self._tx() as tx:
            for e in rows:
                row = (e.event_id, e.kind, to_epoch_ms(e.at), e.body_json)
                new += tx.execute(INSERT_EVENT, row)
        return new

    def unrouted_events(self, limit: int = 500) -> list[NotifyEventRow]:
        """Events not yet routed to subscribers, oldest first."""
        sql = (
            f"SELECT {_EVENT_COLS} FROM notify_events WHERE routed = ?"  # noqa: S608
            f" ORDER BY at_ms, event_id{self._BINARY_ORDER} LIMIT ?"
        )
        return [_event(r) for r in self._rows(sql, (False, max(0, limit)))]

    def notify_events(self, ids: Sequence[str]) -> list[NotifyEventRow]:
        """Events by id."""
        if not ids:
            return []
        sql = f"SELECT {_EVENT_COLS} FROM notify_events WHERE event_id IN ({_marks(len(ids))})"  # noqa: S608
        return [_event(r) for r in self._rows(sql + " ORDER BY at_ms", tuple(ids))]

    def commit_routing(self, event_ids: Sequence[str], messages: Sequence[MessageRow]) -> None:
        """Add messages and mark the events routed, in one transaction."""
        with self._tx() as tx:
            tx.executemany(_UPSERT_MSG, [_msg_params(m) for m in messages])
            tx.executemany(
                "UPDATE notify_events SET routed = ? WHERE event_id = ?",
                [(True, e) for e in event_ids],
            )

    def notify_messages(
        self,
        statuses: Sequence[str] = (),
        username: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[MessageRow]:
        """Messages, newest first, filtered by status, user and creation time."""
        clauses: list[str] = []
        params: list[Any] = []
        if statuses:
            clauses.append(f"status IN ({_marks(len(statuses))})")
            params += list(statuses)
        if username is not None:
            clauses.append("username = ?")
            params.append(username)
        if since is not None:
            clauses.append("created_at_ms >= ?")
            params.append(to_epoch_ms(since))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = (
            f"SELECT {_MSG_COLS} FROM notify_messages{where}"  # noqa: S608
            f" ORDER BY created_at_ms DESC, message_id{self._BINARY_ORDER} LIMIT ?"
        )
        return [_msg(r) for r in self._rows(sql, (*params, max(0, limit)))]

    def due_messages(self, now: datetime, limit: int = 100) -> list[MessageRow]:
        """Pending (or gathering) messages due at ``now``, oldest first."""
        sql = (
            f"SELECT {_MSG_COLS} FROM notify_messages"  # noqa: S608
            " WHERE status IN ('pending', 'gathering') AND due_at_ms <= ?"
            f" ORDER BY due_at_ms, message_id{self._BINARY_ORDER} LIMIT ?"
        )
        return [_msg(r) for r in self._rows(sql, (to_epoch_ms(now), max(0, limit)))]

    def update_message(self, row: MessageRow) -> None:
        """Store a message's status, tries, due time, error and send time."""
        sent = None if row.sent_at is None else to_epoch_ms(row.sent_at)
        with self._tx() as tx:
            tx.execute(
                "UPDATE notify_messages SET status = ?, tries = ?, due_at_ms = ?, last_error = ?,"
                " sent_at_ms = ? WHERE message_id = ?",
                (row.status, row.tries, to_epoch_ms(row.due_at), row.last_error, sent,
                 row.message_id),
            )  # fmt: skip

    def settle_message(self, read: MessageRow, row: MessageRow, lease: str, holder: str) -> bool:
        """Store ``row`` only while ``holder`` holds ``lease`` and the message is as ``read``."""
        sent = None if row.sent_at is None else to_epoch_ms(row.sent_at)
        with self._tx() as tx:
            # Writing the lease row locks it (PostgreSQL) or the file (SQLite) until commit, so
            # a take-over waits for this settle and then reads the message as settled.
            if not tx.execute(_FENCE, (lease, holder)):
                return False
            return bool(tx.execute(
                "UPDATE notify_messages SET status = ?, tries = ?, due_at_ms = ?, last_error = ?,"
                " sent_at_ms = ? WHERE message_id = ? AND status = ? AND tries = ?",
                (row.status, row.tries, to_epoch_ms(row.due_at), row.last_error, sent,
                 row.message_id, read.status, read.tries),
            ))  # fmt: skip

    def purge_notifications(self, before: datetime) -> int:
        """Delete sent, failed and skipped messages and routed events older than ``before``."""
        at = to_epoch_ms(before)
        with self._tx() as tx:
            gone = tx.execute(
                "DELETE FROM notify_messages WHERE status IN ('sent', 'failed', 'skipped')"
                " AND created_at_ms < ?",
                (at,),
            )
            gone += tx.execute(
                "DELETE FROM notify_events WHERE routed = ? AND at_ms < ?", (True, at)
            )
        return gone

    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take, renew or take over (once expired at ``now``) the lease; whether it is held."""
        params = (name, holder, to_epoch_ms(until), to_epoch_ms(now))
        with self._tx() as tx:
            return tx.execute(_TAKE_LEASE, params) == 1

    def release_lease(self, name: str, holder: str) -> None:
        """End ``holder``'s lease now, so another sender need not wait for it to expire."""
        with self._tx() as tx:
            tx.execute(
                "UPDATE notify_lease SET expires_at_ms = 0 WHERE name = ? AND holder = ?",
                (name, holder),
            )

    def notify_lease(self, name: str) -> LeaseRow | None:
        """The lease as stored, or None when no sender ever took it."""
        sql = "SELECT name, holder, expires_at_ms, renewed_at_ms FROM notify_lease WHERE name = ?"
        rows = self._rows(sql, (name,))
        if not rows:
            return None
        r = rows[0]
        return LeaseRow(r[0], r[1], from_epoch_ms(r[2]), from_epoch_ms(r[3]))

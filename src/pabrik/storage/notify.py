"""The notification store contract: channels, subscriptions, the outbox and its messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """A way out (Telegram, ntfy, e-mail, WhatsApp, webhook, MQTT) set up by the admin."""

    channel_id: str
    kind: str
    name: str
    settings_json: str
    secret: str
    """Write-only: a token or password; the store keeps it, pages never show it."""
    enabled: bool
    sample: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """What one user wants to hear on one channel (scope, priorities, quiet hours, language)."""

    username: str
    channel_id: str
    address: str
    body_json: str
    enabled: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NotifyEventRow:
    """Something to tell, written in the same transaction as its cause."""

    event_id: str
    kind: str
    at: datetime
    body_json: str


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message to one subscriber on one channel; its id is stable across retries."""

    message_id: str
    username: str
    channel_id: str
    kind: str
    status: str
    """gathering (a digest still collecting), pending, sent or failed."""
    language: str
    event_ids: tuple[str, ...]
    created_at: datetime
    due_at: datetime
    tries: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LeaseRow:
    """Who may send notifications until when: one sender per site."""

    name: str
    holder: str
    expires_at: datetime
    renewed_at: datetime


class NotifyStore(Protocol):
    """Channels, subscriptions, outbox events and the messages made of them."""

    def notify_channels(self) -> list[ChannelRow]:
        """Every channel, by id."""
        ...

    def put_channel(self, row: ChannelRow, *, keep_secret: bool) -> None:
        """Insert or replace a channel; ``keep_secret`` keeps the stored secret."""
        ...

    def delete_channel(self, channel_id: str) -> None:
        """Remove a channel and its subscriptions."""
        ...

    def notify_subscriptions(self, username: str | None = None) -> list[SubscriptionRow]:
        """Subscriptions, all or one user's."""
        ...

    def put_subscription(self, row: SubscriptionRow) -> None:
        """Insert or replace one user's subscription to one channel."""
        ...

    def delete_subscription(self, username: str, channel_id: str) -> None:
        """Remove one subscription."""
        ...

    def add_notify_events(self, rows: Sequence[NotifyEventRow]) -> int:
        """Add events not yet stored (by id); how many were new."""
        ...

    def unrouted_events(self, limit: int = 500) -> list[NotifyEventRow]:
        """Events not yet routed to subscribers, oldest first."""
        ...

    def notify_events(self, ids: Sequence[str]) -> list[NotifyEventRow]:
        """Events by id."""
        ...

    def commit_routing(self, event_ids: Sequence[str], messages: Sequence[MessageRow]) -> None:
        """Add messages and mark the events routed, in one transaction."""
        ...

    def notify_messages(
        self,
        statuses: Sequence[str] = (),
        username: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[MessageRow]:
        """Messages, newest first, filtered by status, user and creation time."""
        ...

    def due_messages(self, now: datetime, limit: int = 100) -> list[MessageRow]:
        """Pending (or gathering) messages due at ``now``, oldest first."""
        ...

    def update_message(self, row: MessageRow) -> None:
        """Store a message's status, tries, due time, error and send time."""
        ...

    def settle_message(self, read: MessageRow, row: MessageRow, lease: str, holder: str) -> bool:
        """Store ``row`` only while ``holder`` holds ``lease`` and the message is as ``read``."""
        ...

    def purge_notifications(self, before: datetime) -> int:
        """Delete sent, failed and skipped messages and routed events older than ``before``."""
        ...

    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take, renew or take over (once expired at ``now``) the lease; whether it is held."""
        ...

    def release_lease(self, name: str, holder: str) -> None:
        """End ``holder``'s lease now, so another sender need not wait for it to expire."""
        ...

    def notify_lease(self, name: str) -> LeaseRow | None:
        """The lease as stored, or None when no sender ever took it."""
        ...

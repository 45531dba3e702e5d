"""The admin's and the users' use cases: channels (secrets write-only), subscriptions, outbox."""

from __future__ import annotations

from dataclasses import replace

from pabrik.model.errors import NotFoundError
from pabrik.runtime.notify import channels, subscriptions
from pabrik.runtime.notify.channels import Channel, DeliveryError
from pabrik.runtime.notify.sender import Clock, Outgoing, Render
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.storage.notify import MessageRow, NotifyStore

OUTBOX_STATUSES = ("gathering", "pending", "sent", "failed", "skipped")


class NotifyAdmin:
    """Channels, subscriptions and the outbox over the store."""

    def __init__(self, store: NotifyStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def channels(self) -> list[Channel]:
        """Every channel; callers show only ``Channel.public()``."""
        return [channels.from_row(r) for r in self.store.notify_channels()]

    def channel(self, channel_id: str) -> Channel:
        """One channel, or NotFoundError."""
        for c in self.channels():
            if c.channel_id == channel_id:
                return c
        raise NotFoundError(f"channel '{channel_id}' not found", key=channel_id)

    def save_channel(self, channel: Channel) -> None:
        """Insert or update; an empty secret keeps the one stored (secrets are write-only)."""
        keep = not channel.secret
        self.store.put_channel(channels.to_row(channel, self.clock()), keep_secret=keep)

    def delete_channel(self, channel_id: str) -> None:
        """Remove a channel and its subscriptions."""
        self.store.delete_channel(channel_id)

    def subscriptions(self, username: str | None = None) -> list[Subscription]:
        """Subscriptions, all or one user's."""
        return [subscriptions.from_row(r) for r in self.store.notify_subscriptions(username)]

    def save_subscription(self, sub: Subscription) -> None:
        """Insert or replace one user's subscription (the channel must exist)."""
        self.channel(sub.channel_id)
        self.store.put_subscription(subscriptions.to_row(sub, self.clock()))

    def delete_subscription(self, username: str, channel_id: str) -> None:
        """Remove one subscription."""
        self.store.delete_subscription(username, channel_id)

    def outbox(self, statuses: tuple[str, ...] = (), limit: int = 200) -> list[MessageRow]:
        """Messages, newest first (failed ones carry their reason)."""
        return self.store.notify_messages(statuses=statuses, limit=limit)

    def retry(self, message_id: str) -> bool:
        """Put a failed or skipped message back in the queue, due now."""
        for m in self.store.notify_messages(statuses=("failed", "skipped"), limit=10000):
            if m.message_id == message_id:
                self.store.update_message(replace(m, status="pending", tries=0,
                                                  due_at=self.clock()))  # fmt: skip
                return True
        return False

    def send_test(self, channel_id: str, address: str, language: str, render: Render) -> str | None:
        """Send a test message now, past the outbox; None when confirmed, else the reason."""
        channel = self.channel(channel_id)
        if channel.sample:
            return "channel_sample"  # a sample address: nothing is ever sent to it
        at = self.clock()
        message_id = f"test/{channel_id}/{at.strftime('%Y%m%dT%H%M%S')}"
        words = render(Outgoing(message_id, "test", language, ()))
        try:
            channels.send(channel, address, message_id, words.title, words.body)
        except DeliveryError as err:
            return str(err)
        return None

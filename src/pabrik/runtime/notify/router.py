"""Routing: outbox events become messages per subscriber, single or gathered into a digest.

A subscriber hears each alarm on its own until more than ``flood_over`` of them arrive within
``flood_minutes``; from then on new alarms gather in one digest, sent when the window ends. In
quiet hours alarms gather in a digest sent when the quiet hours end. Message ids are made of
the event id, the user and the channel, so routing twice never makes two messages. An alarm
event older than ``STALE`` when it is routed (a backfilled or replayed history) is told to no one.
An alarm's return to normal (``cleared``) goes only to subscribers who chose it, and counts
towards the flood limit and gathers into the digest like an alarm.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pabrik.model.site import Plant
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.storage.notify import MessageRow, NotifyEventRow, NotifyStore

STALE = timedelta(hours=1)
ALARM_KINDS = frozenset({"alarm", "cleared"})


@dataclass(frozen=True, slots=True)
class Routed:
    """What one routing pass did."""

    events: int
    messages: int
    gathered: int


def _wants(sub: Subscription, plant: Plant, event: NotifyEventRow) -> bool:
    body = json.loads(event.body_json)
    if event.kind == "report":
        return sub.enabled and sub.reports
    if event.kind not in ALARM_KINDS or (event.kind == "cleared" and not sub.cleared):
        return False
    return sub.wants(plant, str(body["machine"]), str(body["priority"]))


class Router:
    """Turns unrouted outbox events into messages, in one transaction per pass."""

    def __init__(self, store: NotifyStore, plant: Plant) -> None:
        self.store = store
        self.plant = plant

    def route(self, subscriptions: list[Subscription], now: datetime) -> Routed:
        """Route every waiting event to the subscriptions that want it."""
        events = self.store.unrouted_events()
        if not events:
            return Routed(0, 0, 0)
        out: dict[str, MessageRow] = {}
        gathered = 0
        fresh = [e for e in events if e.kind not in ALARM_KINDS or e.at >= now - STALE]
        for sub in subscriptions:
            mine = [e for e in fresh if _wants(sub, self.plant, e)]
            if mine:
                gathered += self._for(sub, mine, now, out)
        self.store.commit_routing([e.event_id for e in events], list(out.values()))
        return Routed(len(events), len(out), gathered)

    def _for(
        self, sub: Subscription, events: list[NotifyEventRow], now: datetime,
        out: dict[str, MessageRow],
    ) -> int:  # fmt: skip
        since = now - timedelta(minutes=sub.flood_minutes)
        recent = self.store.notify_messages(username=sub.username, since=since, limit=1000)
        recent = [m for m in recent if m.channel_id == sub.channel_id]
        singles = sum(1 for m in recent if m.kind in ALARM_KINDS)
        digest = next((m for m in recent if m.status == "gathering" and m.due_at > now), None)
        gathered = 0
        # A burst that takes the subscriber past the limit goes into the digest as a whole.
        burst = singles + sum(1 for e in events if e.kind in ALARM_KINDS) > sub.flood_over
        for e in events:
            if e.kind == "report":
                out[f"{e.event_id}/{sub.username}/{sub.channel_id}"] = self._single(sub, e, now)
                continue
            quiet = sub.quiet_until(now, self.plant.calendar.timezone)
            flood = burst or digest is not None or singles >= sub.flood_over
            if not (quiet or flood):
                singles += 1
                message = self._single(sub, e, now)
                out[message.message_id] = message
                continue
            gathered += 1
            if digest is None:
                due = quiet or now + timedelta(minutes=sub.flood_minutes)
                digest = MessageRow(
                    f"digest/{e.event_id}/{sub.username}/{sub.channel_id}", sub.username,
                    sub.channel_id, "digest", "gathering", sub.language, (), now, due,
                )  # fmt: skip
            digest = replace(digest, event_ids=(*digest.event_ids, e.event_id))
            out[digest.message_id] = digest
        return gathered

    @staticmethod
    def _single(sub: Subscription, e: NotifyEventRow, now: datetime) -> MessageRow:
        return MessageRow(
            f"{e.event_id}/{sub.username}/{sub.channel_id}", sub.username, sub.channel_id,
            e.kind, "pending", sub.language, (e.event_id,), now, now,
        )  # fmt: skip

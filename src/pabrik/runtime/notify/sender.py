"""The sender: routes the outbox, delivers due messages, retries with backoff, then gives up.

A message is marked sent only after its receiver confirmed, so a sender killed mid-batch
sends the rest (and perhaps the one in flight again, with the same id) when it starts again.
Several processes may run a sender over one store (serve and an ingest worker, two serves on
one PostgreSQL); a lease in the store lets one of them send at a time. The holder renews it
before each message and, while one is rendered and sent, every quarter lease (a heartbeat);
each send is cut after ``send_timeout_s``, shorter than the lease. When the holder stops
renewing (killed, frozen), another takes over once it expires. Whatever the holder writes
about a message is fenced on the lease: one that lost it marks and retries nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from pabrik.model.site import Plant
from pabrik.runtime.notify import channels, subscriptions
from pabrik.runtime.notify.channels import Channel, DeliveryError
from pabrik.runtime.notify.reports import schedule_reports
from pabrik.runtime.notify.router import Router
from pabrik.storage.notify import MessageRow, NotifyEventRow, NotifyStore

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
LEASE = "sender"
"""The name of the one sender lease of a site."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message's text in its subscriber's language, and an optional attachment."""

    title: str
    body: str
    attachment: tuple[str, bytes] | None = None


@dataclass(frozen=True, slots=True)
class Happening:
    """One outbox event as the words see it."""

    event_id: str
    kind: str
    at: datetime
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as the words see it: its kind, language and events."""

    message_id: str
    kind: str
    language: str
    events: tuple[Happening, ...]


class Render(Protocol):
    """Words for a message (present's job, given to the sender by whoever starts it)."""

    def __call__(self, message: Outgoing) -> Rendered:
        """The title, body and attachment of ``message``."""
        ...


def outgoing(m: MessageRow, events: Sequence[NotifyEventRow]) -> Outgoing:
    """The words' view of a stored message and its events."""
    seen = tuple(Happening(e.event_id, e.kind, e.at, json.loads(e.body_json)) for e in events)
    return Outgoing(m.message_id, m.kind, m.language, seen)


@dataclass(frozen=True, slots=True)
class Policy:
    """How hard the sender tries."""

    max_tries: int = 8
    backoff_s: float = 30.0
    """The wait after the first failure; it doubles after each further one."""
    max_backoff_s: float = 3600.0
    batch: int = 50
    keep_days: float = 30.0
    """Sent, failed and skipped messages (and routed events) are deleted after this long."""
    lease_s: float = 60.0
    """How long the sender lease lasts unrenewed (after a kill, the others wait this long)."""
    send_timeout_s: float = 0.0
    """A render and send not done by then counts as a failed try; 0: half the lease."""

    def __post_init__(self) -> None:
        if self.send_timeout_s >= self.lease_s:
            # Cut before the lease runs out, so even unrenewed the holder settles in time.
            raise ValueError("send_timeout_s must be shorter than lease_s")

    @property
    def timeout_s(self) -> float:
        """The bound on one message's render and send."""
        return self.send_timeout_s if self.send_timeout_s > 0 else self.lease_s / 2


@dataclass(frozen=True, slots=True)
class Pass:
    """What one pass did."""

    routed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    held: bool = True
    """False when another sender holds the lease: this pass did nothing."""


def holder_id() -> str:
    """A sender's name in the lease: host, process and a random part (pids are reused)."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


class LeaseLostError(Exception):
    """Another sender took the lease over while this one was sending."""


class Sender:
    """Routes and delivers; one pass at a time, safe to stop at any point."""

    def __init__(
        self, store: NotifyStore, plant: Plant, render: Render, clock: Clock,
        policy: Policy | None = None, *, reports: bool = True, holder: str | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.holder = holder or holder_id()
        self.plant = plant
        self.reports = reports
        self._last_minute: datetime | None = None
        self.router = Router(store, plant)
        self.render = render
        self.clock = clock
        self.policy = policy or Policy()

    def hold(self) -> bool:
        """Take or renew the lease now; whether this sender may send."""
        now = self.clock()
        until = now + timedelta(seconds=self.policy.lease_s)
        return self.store.take_lease(LEASE, self.holder, now, until)

    def release(self) -> None:
        """Give the lease up, so another sender takes over at once."""
        self.store.release_lease(LEASE, self.holder)

    def run_once(self) -> Pass:
        """Route waiting events, then deliver what is due now (only while holding the lease)."""
        if not self.hold():
            self._last_minute = None
            return Pass(held=False)
        now = self.clock()
        minute = now.replace(second=0, microsecond=0)
        if self._last_minute != minute:
            # Once a minute is enough for shift ends (the event ids keep it once per shift),
            # and once an hour for forgetting old messages.
            if self.reports:
                schedule_reports(self.store, self.plant, now)
            if self._last_minute is None or minute.minute == 0:
                self.store.purge_notifications(now - timedelta(days=self.policy.keep_days))
            self._last_minute = minute
        subs = [subscriptions.from_row(r) for r in self.store.notify_subscriptions()]
        routed = self.router.route(subs, now).messages
        chans = {r.channel_id: channels.from_row(r) for r in self.store.notify_channels()}
        addresses = {(s.username, s.channel_id): s.address for s in subs}
        counts = {"sent": 0, "retried": 0, "failed": 0, "skipped": 0}
        for message in self.store.due_messages(now, self.policy.batch):
            # Renewed before each message, so a long batch keeps it; lost, the other sends.
            if not self.hold():
                # Only a delivery (or a stall) longer than the lease loses it mid-pass; the
                # message then sent may have gone out from the new holder too.
                log.warning("notification lease lost mid-pass; another sender goes on")
                break
            try:
                outcome = self._deliver(message, chans.get(message.channel_id), addresses)
            except LeaseLostError:
                # The new holder owns the message now: this one marks and retries nothing.
                log.warning("notification lease lost while sending; another sender goes on")
                break
            counts[outcome] += 1
        return Pass(routed, counts["sent"], counts["retried"], counts["failed"], counts["skipped"])

    def _settle(self, read: MessageRow, row: MessageRow) -> None:
        """Store ``row``, fenced: raises LeaseLostError when the lease went to another."""
        if not self.store.settle_message(read, row, LEASE, self.holder):
            raise LeaseLostError(read.message_id)

    def _deliver(
        self, m: MessageRow, channel: Channel | None, addresses: dict[tuple[str, str], str]
    ) -> str:
        if channel is None or not channel.enabled or channel.sample:
            why = "channel_missing" if channel is None else "channel_disabled"
            self._settle(m, replace(m, status="skipped", last_error=why))
            return "skipped"
        happened = outgoing(m, self.store.notify_events(m.event_ids))
        address = addresses.get((m.username, m.channel_id), "")

        def send() -> None:
            rendered = self.render(happened)
            with _attachment(rendered) as path:
                channels.send(channel, address, m.message_id, rendered.title, rendered.body, path)

        err = self._beating(send)
        if isinstance(err, DeliveryError):
            return self._failed(m, str(err))
        if err is not None:
            # A renderer or library bug must not stop the rest. No traceback: a library's
            # exception text may hold the URL with its secret.
            reason = channels.redact(f"{type(err).__name__}: {err}", [channel.secret])[:300]
            log.error("notification %s could not be sent: %s", m.message_id, reason)
            return self._failed(m, reason)
        self._settle(
            m, replace(m, status="sent", tries=m.tries + 1, last_error=None, sent_at=self.clock())
        )
        return "sent"

    def _beating(self, send: Callable[[], None]) -> Exception | None:
        """Run ``send`` in a worker, renewing the lease meanwhile; what it raised, if anything.

        Cut after the send timeout (a DeliveryError); LeaseLostError when a renewal is refused.
        """
        done = threading.Event()
        raised: list[Exception] = []

        def work() -> None:
            try:
                send()
            except Exception as err:  # noqa: BLE001 - handed to the waiting thread
                raised.append(err)
            finally:
                done.set()

        # A daemon: a cut send may still hang in a socket until the library's own timeout.
        threading.Thread(target=work, name="pabrik-notify-send", daemon=True).start()
        timeout = self.policy.timeout_s
        until = time.monotonic() + timeout
        beat = self.policy.lease_s / 4
        while not done.wait(max(0.0, min(beat, until - time.monotonic()))):
            if time.monotonic() >= until:
                # The receiver may still accept it late: the retry then repeats the same id.
                return DeliveryError(f"no answer within {timeout:g} s")
            if not self._renew():
                raise LeaseLostError
        return raised[0] if raised else None

    def _renew(self) -> bool:
        """A heartbeat; a store that does not answer is not a lost lease (the send is cut first)."""
        try:
            return self.hold()
        except Exception:  # noqa: BLE001 - the settle after the send meets the store again
            log.warning("notification lease not renewed: the store did not answer")
            return True

    def _failed(self, m: MessageRow, reason: str) -> str:
        tries = m.tries + 1
        if tries >= self.policy.max_tries:
            self._settle(m, replace(m, status="failed", tries=tries, last_error=reason))
            log.warning("notification %s given up after %d tries: %s", m.message_id, tries, reason)
            return "failed"
        wait = min(self.policy.backoff_s * 2 ** (tries - 1), self.policy.max_backoff_s)
        due = self.clock() + timedelta(seconds=wait)
        status = "pending" if m.status == "gathering" else m.status
        self._settle(m, replace(m, status=status, tries=tries, due_at=due, last_error=reason))
        return "retried"


@contextlib.contextmanager
def _attachment(rendered: Rendered) -> Iterator[Path | None]:
    if rendered.attachment is None:
        yield None
        return
    name, data = rendered.attachment
    with tempfile.TemporaryDirectory(prefix="pabrik-notify-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def run_once_logged(sender: Sender) -> Pass:
    """One pass; a failure is logged and the next pass tries again."""
    try:
        return sender.run_once()
    except Exception:
        log.exception("notification pass failed")
        return Pass()


def release_logged(sender: Sender) -> None:
    """Give the lease up on the way out; a failure only means the other waits for expiry."""
    try:
        sender.release()
    except Exception:
        log.exception("notification lease not released")


async def run_forever(sender: Sender, stopping: asyncio.Event, interval_s: float = 5.0) -> None:
    """A pass every ``interval_s`` until ``stopping`` is set, then the lease is given up."""
    try:
        while not stopping.is_set():
            await asyncio.to_thread(run_once_logged, sender)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval_s)
    finally:
        await asyncio.to_thread(release_logged, sender)

"""Delivering shares and revokes to programme servers from the outbox, with retries.

HTTPS POST (share) and DELETE (revoke) carry the registration token as a bearer credential and
an ``Idempotency-Key``, so a resend after a lost answer changes nothing. A row is marked done
only after the programme confirmed; a failure schedules the next try with a growing delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.sharing import OutboxRow, ShareRow
from pabrik.storage.store import Store

log = logging.getLogger(__name__)
SHARE_PATH = "/api/v1/programme/shared"
MAX_DELAY_S = 300
TIMEOUT_S = 10.0
SEND_EVERY_S = 30.0


@dataclass(frozen=True, slots=True)
class Answer:
    """The programme server's HTTP status and a short text of its reply."""

    status: int
    text: str = ""


class Transport(Protocol):
    """Sends one request to a programme server."""

    def __call__(self, method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
        """The answer; a connection failure raises ``OSError``."""
        ...


def https_transport(context: ssl.SSLContext | None = None) -> Transport:
    """Requests with urllib (certificates verified by default)."""

    def send(method: str, url: str, token: str, key: str, body: bytes | None) -> Answer:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S, context=context) as reply:  # noqa: S310
                return Answer(reply.status, reply.read(2000).decode("utf-8", "replace"))
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read(2000).decode("utf-8", "replace"))

    return send


def _request(row: OutboxRow, share: ShareRow) -> tuple[str, str, bytes | None]:
    base = share.programme_url + SHARE_PATH
    if row.action == "share":
        return "POST", base, row.payload.encode("utf-8")
    return "DELETE", f"{base}/{share.id}", None


def _delivered(row: OutboxRow, answer: Answer) -> bool:
    if 200 <= answer.status < 300:
        return True
    # A revoke of a result the programme no longer holds has done its job.
    return row.action == "revoke" and answer.status == 404


def _next_status(row: OutboxRow, share: ShareRow) -> str:
    if row.action == "revoke":
        return "revoked"
    return "shared" if share.status == "sharing" else share.status


def deliver_due(store: Store, transport: Transport, clock: Callable[[], datetime]) -> int:
    """Send every due outbox row once; return how many the programmes confirmed."""
    done = 0
    for row in store.due_outbox(clock()):
        share = store.share(row.tenant_id, row.share_id)
        if share is None:
            continue
        if row.action == "share" and share.status in ("revoking", "revoked"):
            # Taken back before it was delivered: never send it (the revoke deletes any copy).
            store.finish_outbox(row, share, None)
            continue
        method, url, body = _request(row, share)
        try:
            answer = transport(method, url, share.token, row.idempotency_key, body)
        except OSError as err:
            answer = Answer(0, f"{type(err).__name__}: {err}")
        now = clock()
        if not _delivered(row, answer):
            delay = min(2 ** min(row.attempts, 12), MAX_DELAY_S)
            error = f"HTTP {answer.status}: {answer.text[:200]}" if answer.status else answer.text
            store.retry_outbox(row, now + timedelta(seconds=delay), error)
            log.warning("programme %s of %s failed: %s", row.action, share.id, error)
            continue
        updated = replace(share, status=_next_status(row, share), updated_at=now, last_error="")
        audit = AuditLogRow(
            share.tenant_id,
            "pabrik",
            f"programme.{row.action}.confirmed",
            f"{share.assessment_id} -> {share.programme_url}",
            None,
            json.dumps({"share": share.id, "status": answer.status}),
            now,
        )
        store.finish_outbox(row, updated, audit)
        done += 1
    return done


async def send_forever(
    store: Store,
    clock: Callable[[], datetime],
    stopping: asyncio.Event,
    interval_s: float = SEND_EVERY_S,
    transport: Transport | None = None,
) -> None:
    """Deliver due shares and revokes until ``stopping`` is set (retries after outages)."""
    send = transport or https_transport()
    while not stopping.is_set():
        try:
            await asyncio.to_thread(deliver_due, store, send, clock)
        except Exception:
            # One bad round (a store hiccup) must not end retries; the next round tries again.
            log.exception("programme outbox round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval_s)

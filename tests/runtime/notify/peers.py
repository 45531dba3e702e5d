"""Real local receivers on free ports: an SMTP server (aiosmtpd) and a JSON webhook."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.pg import free_port


@dataclass
class Mailbox:
    """Mails the SMTP server accepted: (message id header, subject, body, recipients)."""

    mails: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    delay_s: float = 0.0
    """How long the server takes before it accepts a mail."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.delay_s)
        msg = message_from_bytes(envelope.content)
        body = msg.get_payload(decode=True) if not msg.is_multipart() else b""
        if msg.is_multipart():
            part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
            body = part.get_payload(decode=True)
            for p in msg.walk():
                if p.get_filename():
                    self.attachments.append((str(p.get_filename()), p.get_payload(decode=True)))
        text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
        self.mails.append((str(msg["X-Pabrik-Notification-Id"]), str(msg["Subject"]), text,
                           list(envelope.rcpt_tos)))  # fmt: skip
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


@dataclass
class Hook:
    """What the webhook received; it answers 500 to the first ``fail`` requests.

    With ``stall_s`` the first request hangs until ``go`` is set (at most ``stall_s``), then
    is answered 503 and not received; ``stalled`` is set when it arrives.
    """

    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: int = 0
    delay_s: float = 0.0
    stall_s: float = 0.0
    requests: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)
    on_request: Callable[[int, dict[str, Any]], None] | None = None
    """Called with each request's number (from 1) and body before it is answered."""
    go: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook() -> Iterator[tuple[str, Hook]]:
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with hook.lock:
                hook.requests += 1
                number = hook.requests
                stalling = hook.stall_s > 0 and number == 1
            if stalling:
                hook.stalled.set()
                hook.go.wait(hook.stall_s)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if hook.on_request is not None:
                hook.on_request(number, json.loads(data))
            time.sleep(hook.delay_s)
            with hook.lock:
                failing = hook.fail > 0
                hook.fail -= 1 if failing else 0
                if not failing:
                    hook.received.append((str(self.headers["X-Pabrik-Notification-Id"]),
                                          json.loads(data)))  # fmt: skip
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", hook
    finally:
        server.shutdown()
        server.server_close()

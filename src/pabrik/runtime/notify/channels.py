"""Channels: the admin's ways out, turned into apprise URLs; secrets never leave in clear."""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

with warnings.catch_warnings():
    # apprise's e-mail plugin imports imghdr (deprecated in 3.11, gone in 3.13) when loaded.
    warnings.simplefilter("ignore", DeprecationWarning)
    import contextlib

    with contextlib.suppress(ImportError):
        import imghdr  # noqa: F401
    import apprise

from pabrik.model.errors import InvalidRequestError
from pabrik.storage.notify import ChannelRow

log = logging.getLogger(__name__)

KINDS = ("telegram", "ntfy", "email", "whatsapp", "webhook", "mqtt")
HEADER = "X-Pabrik-Notification-Id"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class DeliveryError(Exception):
    """A receiver did not confirm; the reason is redacted."""


@dataclass(frozen=True, slots=True)
class Channel:
    """One way out; ``secret`` is a token or password, written and never shown."""

    channel_id: str
    kind: str
    name: str
    settings: dict[str, str] = field(default_factory=dict)
    secret: str = ""
    enabled: bool = True
    sample: bool = False
    """A demo channel pointing at a sample address: shown, never sent to."""

    def __post_init__(self) -> None:
        if not _ID.match(self.channel_id):
            raise InvalidRequestError("a channel id is lower-case letters, digits, '-'",
                                      reason="bad_channel_id")  # fmt: skip
        if self.kind not in KINDS:
            raise InvalidRequestError("unknown channel kind", reason="bad_channel_kind")

    @property
    def headers(self) -> bool:
        """Whether the receiver gets the message id as a header (else in the text)."""
        return self.kind in {"webhook", "email"}

    def public(self) -> dict[str, object]:
        """What pages and logs may show: everything but the secret."""
        return {"id": self.channel_id, "kind": self.kind, "name": self.name,
                "settings": dict(self.settings), "has_secret": bool(self.secret),
                "enabled": self.enabled, "sample": self.sample}  # fmt: skip


def to_row(c: Channel, at: datetime) -> ChannelRow:
    """The stored form."""
    body = json.dumps(c.settings, sort_keys=True)
    return ChannelRow(c.channel_id, c.kind, c.name, body, c.secret, c.enabled, c.sample, at)


def from_row(row: ChannelRow) -> Channel:
    """A channel from its stored form."""
    settings = {str(k): str(v) for k, v in json.loads(row.settings_json).items()}
    return Channel(row.channel_id, row.kind, row.name, settings, row.secret, row.enabled,
                   row.sample)  # fmt: skip


def _q(text: str) -> str:
    return quote(text, safe="")


def _hostport(url: str) -> tuple[str, str]:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return parts.scheme, f"{host}{port}{parts.path.rstrip('/')}"


def apprise_url(c: Channel, address: str, message_id: str) -> str:
    """The apprise URL that sends one message of ``c`` to ``address``."""
    s, secret, to = c.settings, c.secret, address or c.settings.get("to", "")
    if c.kind == "telegram":
        return f"tgram://{_q(secret)}/{_q(to)}"
    if c.kind == "whatsapp":
        return f"whatsapp://{_q(secret)}@{_q(s.get('phone_id', ''))}/{_q(to)}"
    if c.kind == "ntfy":
        scheme, where = _hostport(s.get("url", "https://ntfy.sh"))
        topic = to or s.get("topic", "pabrik")
        query = f"?token={_q(secret)}" if secret else ""
        return f"{'ntfys' if scheme == 'https' else 'ntfy'}://{where}/{_q(topic)}{query}"
    if c.kind == "mqtt":
        auth = f"{_q(s.get('user', ''))}:{_q(secret)}@" if s.get("user") else ""
        where = f"{s.get('host', '127.0.0.1')}:{s.get('port', '1883')}"
        return f"mqtt://{auth}{where}/{s.get('topic', 'pabrik/notify')}"
    head = {f"+{HEADER}": message_id}
    if c.kind == "email":
        auth = f"{_q(s['user'])}:{_q(secret)}@" if s.get("user") else ""
        where = f"{s.get('host', '127.0.0.1')}:{s.get('port', '25')}"
        mail = {"from": s.get("from", "pabrik@example.com"), "mode": s.get("mode", "starttls")}
        return f"mailto://{auth}{where}/{_q(to)}?{urlencode(mail | head)}"
    scheme, where = _hostport(s.get("url", ""))
    if secret:
        head["+Authorization"] = f"Bearer {secret}"
    head[":id"] = message_id
    return f"{'jsons' if scheme == 'https' else 'json'}://{where}?{urlencode(head)}"


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret (raw and URL-quoted) replaced by ***."""
    for s in secrets:
        if s:
            for form in {s, _q(s), quote(s)}:
                text = text.replace(form, "***")
    return text


class _Redactor(logging.Filter):
    """Rewrites apprise's log records without the secret, and keeps the warnings."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets
        self.lines: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage(), self.secrets), None
        if record.levelno >= logging.WARNING:
            self.lines.append(str(record.msg))
        return True


def send(
    c: Channel,
    address: str,
    message_id: str,
    title: str,
    body: str,
    attachment: Path | None = None,
) -> None:
    """Deliver one message; DeliveryError (with a redacted reason) when not confirmed."""
    text = body if c.headers else f"{body}\n\nid: {message_id}"
    capture = _Redactor([c.secret])
    apprise_log = logging.getLogger("apprise")
    apprise_log.addFilter(capture)
    try:
        notifier = apprise.Apprise()
        if not notifier.add(apprise_url(c, address, message_id)):
            raise DeliveryError(f"{c.kind} channel '{c.channel_id}' is not complete")
        attach = str(attachment) if attachment is not None else None
        ok = notifier.notify(body=text, title=title, attach=attach)
    finally:
        apprise_log.removeFilter(capture)
    if not ok:
        reason = "; ".join(capture.lines[-2:]) or "not confirmed"
        raise DeliveryError(redact(reason, [c.secret])[:300])
